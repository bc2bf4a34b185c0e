"""cProfile of HTTPClient on the benchmark's paths, for whoever optimises it.

``scripts/bench/run --profile small`` (or ``.venv/bin/python scripts/bench/profile_get.py
small``) starts the loopback server, warms a client, profiles it and prints the top functions
by own time (``tottime``, wall clock: the ``poll`` of ``select.poll`` objects entry is mostly
the wait for the server's reply, not work). Modes: ``small`` (sequential small GETs, blocking mode),
``small-poll`` (the same, non-blocking poll loop), ``large-cl`` and ``large-chunked`` (one
64 MiB body, blocking mode, ``read_chunk_size`` from ``--chunk``), ``concurrent`` (100
non-blocking clients on one selector, ``--count`` GETs in all).
"""

from __future__ import annotations

import argparse
import cProfile
import pstats

import engine_client
from harness import ServerProcess

MODES = ("small", "small-poll", "large-cl", "large-chunked", "concurrent")


def profile(mode: str, count: int, chunk: int, top: int) -> None:
    """Profile ``mode`` against a fresh server and print the ``top`` entries by tottime."""
    server = ServerProcess(lifetime=600)
    if mode == "concurrent":
        try:
            profiler = profile_many(server.port, count)
        finally:
            server.stop()
        print(f"cProfile, 100 HTTPClients on one selector: {count} GETs; top {top} by tottime")
        pstats.Stats(profiler).strip_dirs().sort_stats("tottime").print_stats(top)
        return
    try:
        blocking = mode != "small-poll"
        http = engine_client.connect(server.port, blocking=blocking, chunk=chunk)
        selector = engine_client.reader_selector(http)

        def get(path: str) -> int:
            if blocking:
                return engine_client.get_blocking(http, path)
            return engine_client.get_polling(http, selector, path)

        if mode.startswith("small"):
            paths = ["/small"] * count
        else:
            paths = [f"/{mode.removeprefix('large-')}/{64 << 20}"]
        for _ in range(50):
            get("/small")
        profiler = cProfile.Profile()
        profiler.enable()
        for path in paths:
            get(path)
        profiler.disable()
        selector.close()
        http.close()
    finally:
        server.stop()
    what = f"{count} GETs" if mode.startswith("small") else f"one 64 MiB body, chunk {chunk}"
    print(f"cProfile, HTTPClient {mode}: {what}; top {top} by tottime")
    pstats.Stats(profiler).strip_dirs().sort_stats("tottime").print_stats(top)


def profile_many(port: int, count: int) -> cProfile.Profile:
    """Profile :class:`engine_client.ClientSet` with 100 clients doing ``count`` GETs in all."""
    clients = [engine_client.connect(port, blocking=False) for _ in range(100)]
    group = engine_client.ClientSet(clients)
    try:
        group.run("/small", 1)
        profiler = cProfile.Profile()
        profiler.enable()
        group.run("/small", max(1, count // 100))
        profiler.disable()
    finally:
        group.close()
    return profiler


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=MODES)
    parser.add_argument("--count", type=int, default=5000, help="GETs for the small modes")
    parser.add_argument("--chunk", type=int, default=65536, help="read_chunk_size")
    parser.add_argument("--top", type=int, default=15, help="entries to print")
    args = parser.parse_args(argv)
    profile(args.mode, args.count, args.chunk, args.top)


if __name__ == "__main__":
    main()
