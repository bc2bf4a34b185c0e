"""Scenario ``request``: HTTPRequest nodes in a SceneTree beside HTTPClient and the peers.

- a large body (64 MiB by default) behind one redirect, to memory and to a file, with
  HTTPRequest driven by frames (the tree run back to back) and by its worker thread (frames at
  60 per second), beside HTTPClient's own poll loop, urllib3 and httpx, each connecting and
  following the same redirect inside the timer;
- the same size gzip-compressed, decoded by each;
- peak RSS growth of HTTPRequest downloading ``--rss-mib`` to a file (a subprocess);
- 100 HTTPRequest nodes in one tree, 20 small requests each, beside aiohttp doing the same
  2,000 requests over 100 connections.

Prints MB/s (10^6 bytes of decoded body per wall second) and MB per client CPU second, medians,
with ratios to HTTPClient's loop. "To memory" means one bytes object holding the body at the end,
for every client. Never asserts.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable

import engine_client
from harness import (
    HOST,
    STALL,
    Options,
    Peer,
    Sample,
    ServerProcess,
    Timer,
    measure,
    print_table,
    throughput_cells,
)

from engine.object_model import ClassDB, Reference
from engine.scene import SceneTree
from net import HTTPRequest

NODES = 100
PER_NODE = 20


class Results(Reference):
    """The signal target: counts completions and keeps the last one."""

    def __init__(self) -> None:
        super().__init__()
        self.count = 0
        self.last: tuple[int, int, int] = (0, 0, 0)

    def done(self, result: int, code: int, headers: list[str], body: bytes) -> None:
        self.count += 1
        self.last = (result, code, len(body))

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "done", args=("result", "code", "headers", "body"))


ClassDB.register_class(Results)


def _url(port: int, path: str) -> str:
    return f"http://{HOST}:{port}{path}"


def http_request(port: int, path: str, size: int, threads: bool, to_file: bool) -> Sample:
    """One HTTPRequest in a fresh tree fetching ``path``; the body counted or written."""
    tree = SceneTree()
    tree.init()
    req = HTTPRequest()
    req.use_threads = threads
    results = Results()
    req.connect("request_completed", results, "done")
    tree.root.add_child(req)
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        target = os.path.join(folder, "body")
        if to_file:
            req.download_file = target
        with Timer() as timer:
            req.request(_url(port, path))
            tree.run(until=lambda: results.count > 0, timeout=STALL * 8, fps=60 if threads else 0)
        result, code, received = results.last
        if to_file and os.path.exists(target):
            received = os.path.getsize(target)
    tree.finish()
    tree.free()
    if (result, code, received) != (0, 200, size):
        raise RuntimeError(f"result {result}, code {code}, {received} of {size} bytes")
    return timer.sample(size)


def client_loop(port: int, path: str, size: int, to_file: bool) -> Sample:
    """HTTPClient's own non-blocking loop doing HTTPRequest's job: connect, follow the one
    redirect on the same connection (its body read and dropped), then the body with the same
    read size (65536), written to a file or kept, all inside the timer."""
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as folder,
        open(os.path.join(folder, "body"), "wb") as out,
        Timer() as timer,
    ):
        http = engine_client.connect(port, blocking=False, chunk=65536)
        selector = engine_client.reader_selector(http)
        engine_client.get_polling(http, selector, path)
        location = next(
            h.partition(":")[2].strip()
            for h in http.get_response_headers()
            if h.lower().startswith("location:")
        )
        kept: list[bytes] = []
        sink = out.write if to_file else kept.append
        received = engine_client.get_polling(http, selector, location, sink)
        body = b"".join(kept)  # to memory: one bytes object, as the others deliver
    del body
    selector.close()
    http.close()
    if received != size:
        raise RuntimeError(f"received {received} of {size}")
    return timer.sample(size)


def urllib3_get(port: int, path: str, size: int, to_file: bool) -> Sample:
    """urllib3 following the redirect and decoding, ``stream(65536)``."""
    import urllib3

    pool = urllib3.PoolManager(timeout=STALL, retries=urllib3.Retry(total=3, redirect=3))
    received = 0
    with (
        tempfile.TemporaryDirectory(prefix="bench-") as folder,
        open(os.path.join(folder, "body"), "wb") as out,
        Timer() as timer,
    ):
        response = pool.request("GET", _url(port, path), preload_content=False)
        kept: list[bytes] = []
        for data in response.stream(65536, decode_content=True):
            received += len(data)
            (out.write if to_file else kept.append)(data)
        body = b"".join(kept)
        response.release_conn()
    del body
    pool.clear()
    if received != size:
        raise RuntimeError(f"received {received} of {size}")
    return timer.sample(size)


def httpx_get(port: int, path: str, size: int, to_file: bool) -> Sample:
    """httpx following the redirect and decoding, ``iter_bytes(65536)``."""
    import httpx

    received = 0
    with tempfile.TemporaryDirectory(prefix="bench-") as folder:
        client = httpx.Client(timeout=STALL, follow_redirects=True)
        with (
            client,
            open(os.path.join(folder, "body"), "wb") as out,
            Timer() as timer,
            client.stream("GET", _url(port, path)) as response,
        ):
            kept: list[bytes] = []
            for data in response.iter_bytes(65536):
                received += len(data)
                (out.write if to_file else kept.append)(data)
            body = b"".join(kept)
    del body
    if received != size:
        raise RuntimeError(f"received {received} of {size}")
    return timer.sample(size)


def _table(title: str, groups: list[tuple[str, list[Peer]]], options: Options, port: int) -> None:
    rows: list[list[str]] = []
    for label, peers in groups:
        rows.append([label])
        done = measure(peers, options.repeats, None)
        base = next((p for p in done if p.name.startswith("HTTPClient")), None)
        for peer in done:
            rows.append([f"  {peer.name}", *throughput_cells(peer, base)])
    print_table(title, ["client", "MB/s", "x", "MB/CPU-s", "x"], rows)


def large(options: Options, port: int, size: int) -> None:
    groups = []
    for where, to_file in (("to memory", False), ("to a file", True)):
        plain = f"/redirect/cl/{size}"

        def bind(run: Callable[..., Sample], *args: object) -> Callable[[], Sample]:
            return lambda: run(*args)

        groups.append(
            (
                f"{size >> 20} MiB, one redirect, {where}:",
                [
                    Peer("HTTPClient poll loop", bind(client_loop, port, plain, size, to_file)),
                    Peer(
                        "HTTPRequest frames", bind(http_request, port, plain, size, False, to_file)
                    ),
                    Peer(
                        "HTTPRequest threads", bind(http_request, port, plain, size, True, to_file)
                    ),
                    Peer("urllib3", bind(urllib3_get, port, plain, size, to_file), ("urllib3",)),
                    Peer("httpx", bind(httpx_get, port, plain, size, to_file), ("httpx",)),
                ],
            )
        )
    gz = f"/redirect/gzip/{size}"
    groups.append(
        (
            f"{size >> 20} MiB gzip-compressed, decoded, one redirect, to memory:",
            [
                Peer("HTTPRequest frames", lambda: http_request(port, gz, size, False, False)),
                Peer("HTTPRequest threads", lambda: http_request(port, gz, size, True, False)),
                Peer("urllib3", lambda: urllib3_get(port, gz, size, False), ("urllib3",)),
                Peer("httpx", lambda: httpx_get(port, gz, size, False), ("httpx",)),
            ],
        )
    )
    _table("HTTPRequest, large bodies (ratios to HTTPClient's loop)", groups, options, port)


RSS_CHILD = """
import sys
sys.path[:0] = [{here!r}]
from harness import current_rss_kib
from rss_growth import peak_kib, reset_peak
import http_request_bench as bench
bench.http_request({port}, "/cl/1048576", 1048576, threads={threads}, to_file=True)  # warm up
reset_peak()
before = current_rss_kib()
bench.http_request({port}, "/cl/{size}", {size}, threads={threads}, to_file=True)
print(peak_kib() - before)
"""


def rss(options: Options, port: int) -> None:
    size = options.rss_mib << 20
    print(f"\n== Peak RSS growth, HTTPRequest downloading {size >> 20} MiB to a file")
    for threads in (False, True):
        code = RSS_CHILD.format(
            here=os.path.dirname(__file__), port=port, size=size, threads=threads
        )
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=600, check=False
        )
        growth = (
            done.stdout.strip().splitlines()[-1] if done.returncode == 0 else done.stderr[-200:]
        )
        mode = "threads" if threads else "frames"
        print(f"  HTTPRequest {mode}: {int(growth) / 1024:.1f} MiB" if growth.isdigit() else growth)


def many_nodes(options: Options, port: int) -> None:
    """100 nodes in one tree; each asks again as soon as its last answer came."""
    total = NODES * PER_NODE

    def nodes() -> Sample:
        tree = SceneTree()
        tree.init()
        pairs = []
        for _ in range(NODES):
            req = HTTPRequest()
            results = Results()
            req.connect("request_completed", results, "done")
            tree.root.add_child(req)
            pairs.append((req, results))
        url = _url(port, "/small")
        with Timer() as timer:
            for req, _ in pairs:
                req.request(url)

            def step() -> bool:
                finished = 0
                for req, results in pairs:
                    if results.count >= PER_NODE:
                        finished += 1
                    elif results.count and req.get_http_client_status() in (0, 5):
                        if results.last[0] != 0:
                            raise RuntimeError(f"result {results.last}")
                        req.request(url)
                return finished == NODES

            tree.run(until=step, timeout=STALL * 8, fps=0)
        tree.finish()
        tree.free()
        return timer.sample(total)

    def aiohttp_run() -> Sample:
        import aiohttp

        async def main() -> Sample:
            connector = aiohttp.TCPConnector(limit=NODES)
            async with aiohttp.ClientSession(connector=connector) as session:

                async def worker() -> None:
                    for _ in range(PER_NODE):
                        async with session.get(_url(port, "/small")) as response:
                            await response.read()

                with Timer() as timer:
                    await asyncio.gather(*(worker() for _ in range(NODES)))
            return timer.sample(total)

        return asyncio.run(main())

    done = measure(
        [
            Peer("HTTPRequest x100, one tree", nodes),
            Peer("aiohttp x100", aiohttp_run, ("aiohttp",)),
        ],
        options.repeats,
        None,
    )
    rows = [[p.name, f"{p.median(lambda s: s.rate):,.0f}"] for p in done]
    print_table(f"{NODES} clients x {PER_NODE} requests, one thread", ["client", "req/s"], rows)


def run(options: Options, server: ServerProcess) -> None:
    size = min(options.large_mib, 64) << 20
    print(f"\n[request] HTTPRequest in a SceneTree, {options.repeats} runs, median")
    large(options, server.port, size)
    many_nodes(options, server.port)
    rss(options, server.port)
