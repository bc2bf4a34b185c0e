"""The benchmark's entry point: HTTPClient beside the Python HTTP clients, on loopback.

Run ``scripts/bench/run`` (it uses the project's ``.venv``), or
``.venv/bin/python scripts/bench/main.py``. It starts the loopback server
(``loopback_server.py``) in its own process, runs the scenarios in order and prints one table
per scenario with medians of several runs and ratios measured in the same run. Peers that are
not installed are skipped with a line; nothing is installed here. Prints, never asserts.

Scenarios: ``small`` (sequential keep-alive GETs), ``large`` (one big body, Content-Length and
chunked), ``concurrent`` (100 and 1,000 connections in one thread: PollGroup, the asyncio bridge),
``idle`` (memory per idle connected client, 10,000 of them), ``rss`` (peak RSS growth streaming
1 GiB, one subprocess per measurement), ``binding`` (the binding layer's call/set/get),
``variant`` (the engine's binary Variant format beside pickle and json; no network) and
``request`` (HTTPRequest nodes in a SceneTree: ``http_request_bench.py``).
``--profile MODE`` prints a cProfile of HTTPClient instead (``profile_get.py``).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time

import binding_calls
import http_request_bench
import idle_memory
import large_body
import many_conns
import profile_get
import rss_growth
import small_gets
import variant_codec
from harness import Options, ServerProcess

SCENARIOS = ("small", "large", "concurrent", "idle", "rss", "binding", "variant", "request")


def options_from(args: argparse.Namespace) -> Options:
    """The sizes of a default or ``--quick`` run, with ``--large-mib``/``--rss-mib`` applied."""
    if args.quick:
        options = Options(
            quick=True,
            repeats=3,
            small_requests=300,
            large_mib=16,
            connections=100,
            per_connection=3,
            many_connections=1000,
            many_per_connection=2,
            idle_clients=1000,
            rss_mib=64,
            binding_number=20_000,
        )
    else:
        options = Options(
            quick=False,
            repeats=5,
            small_requests=5000,
            large_mib=256,
            connections=100,
            per_connection=50,
            many_connections=1000,
            many_per_connection=10,
            idle_clients=10_000,
            rss_mib=1024,
            binding_number=200_000,
        )
    if args.large_mib is not None:
        options.large_mib = args.large_mib
    if args.rss_mib is not None:
        options.rss_mib = args.rss_mib
    if args.repeats is not None:
        options.repeats = args.repeats
    return options


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small counts, for a smoke run")
    parser.add_argument(
        "--only", choices=SCENARIOS, action="append", help="run only this scenario (repeatable)"
    )
    parser.add_argument("--large-mib", type=int, help="large body size in MiB (default 256)")
    parser.add_argument("--rss-mib", type=int, help="body streamed for peak RSS (default 1024)")
    parser.add_argument("--repeats", type=int, help="runs per measurement (default 5, quick 3)")
    parser.add_argument(
        "--profile",
        choices=profile_get.MODES,
        help="instead of the scenarios, cProfile HTTPClient on one path (see profile_get.py; "
        "its --count, --chunk and --top pass through)",
    )
    args, rest = parser.parse_known_args()
    if args.profile:
        profile_get.main([args.profile, *rest])
        return
    if rest:
        parser.error(f"unrecognized arguments: {' '.join(rest)}")
    options = options_from(args)
    chosen = args.only or list(SCENARIOS)
    print(
        f"engine-net benchmark: Python {platform.python_version()}, {os.cpu_count()} CPUs, "
        f"{'quick' if options.quick else 'default'} run, scenarios: {', '.join(chosen)}"
    )
    print("All traffic on 127.0.0.1; the server is a separate process (loopback_server.py).")
    started = time.perf_counter()
    server = ServerProcess(lifetime=1800)
    try:
        if "small" in chosen:
            small_gets.run(options, server)
        if "large" in chosen:
            large_body.run(options, server)
        if "concurrent" in chosen:
            many_conns.run(options, server)
        if "idle" in chosen:
            idle_memory.run(options, server)
        if "rss" in chosen:
            rss_growth.run(options, server)
        if "binding" in chosen:
            binding_calls.run(options)
        if "variant" in chosen:
            variant_codec.run(options)
        if "request" in chosen:
            http_request_bench.run(options, server)
    finally:
        server.stop()
    print(f"\nTotal time {time.perf_counter() - started:.0f} s.")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
