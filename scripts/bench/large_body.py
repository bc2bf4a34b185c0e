"""Scenario ``large``: one big body (256 MiB by default), Content-Length and chunked.

For each framing and each read size (4096 and 65536 bytes: HTTPClient's ``read_chunk_size``,
http.client's ``read(n)``, urllib3's ``stream(n)``, httpx's ``iter_bytes(n)``, aiohttp's
``content.read(n)``): MB/s (10^6 bytes of body per wall second) and MB per client CPU second,
medians, with ratios to http.client. The raw-socket row (``recv_into`` a reused 1 MiB buffer,
counting bytes) is the loopback-plus-server ceiling. Chunked bodies come in
``loopback_server.WIRE_CHUNK``-byte chunks.
"""

from __future__ import annotations

import asyncio
import http.client
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
    connected_socket,
    measure,
    print_table,
    throughput_cells,
)
from loopback_server import WIRE_CHUNK, chunked_wire_size

#: A client run: (port, path, body size, read size) -> one timed sample.
Run = Callable[[int, str, int, int], Sample]
CHUNKS = (4096, 65536)
#: The raw-socket ceiling reads this much per ``recv_into``, so it shows the pipe, not syscalls.
RAW_BUFFER = 1 << 20


def check(received: int, size: int) -> None:
    """The whole body arrived."""
    if received != size:
        raise RuntimeError(f"received {received} body bytes, expected {size}")


def raw_socket(port: int, path: str, size: int, chunk: int) -> Sample:
    """The ceiling: ``recv_into`` a reused 1 MiB buffer (whatever ``chunk``) until the known
    wire size has arrived."""
    wire = chunked_wire_size(size) if path.startswith("/chunked/") else size
    del chunk  # the ceiling reads in big blocks whatever the others' read size
    buffer = bytearray(RAW_BUFFER)
    view = memoryview(buffer)
    with connected_socket(port) as sock, Timer() as timer:
        sock.sendall(f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\n\r\n".encode())
        head = b""
        while b"\r\n\r\n" not in head:
            piece = sock.recv(RAW_BUFFER)
            if not piece:
                raise ConnectionError("server closed")
            head += piece
        got = len(head.split(b"\r\n\r\n", 1)[1])
        recv_into = sock.recv_into
        while got < wire:
            count = recv_into(view)
            if not count:
                raise ConnectionError("server closed")
            got += count
    check(got, wire)
    return timer.sample(size)


def engine(blocking: bool, tutorial: bool = False) -> Run:
    """HTTPClient with ``read_chunk_size`` = the read size: blocking (reads alone, or the
    tutorial's loop, ``poll`` then read) or the non-blocking poll loop."""

    def run(port: int, path: str, size: int, chunk: int) -> Sample:
        http = engine_client.connect(port, blocking=blocking, chunk=chunk)
        selector = engine_client.reader_selector(http)
        with Timer() as timer:
            if tutorial:
                received = engine_client.get_tutorial(http, path)
            elif blocking:
                received = engine_client.get_blocking(http, path)
            else:
                received = engine_client.get_polling(http, selector, path)
        selector.close()
        http.close()
        check(received, size)
        return timer.sample(size)

    return run


def stdlib(port: int, path: str, size: int, chunk: int) -> Sample:
    """http.client: ``getresponse()`` then ``read(chunk)`` until empty."""
    conn = http.client.HTTPConnection(HOST, port, timeout=STALL)
    with Timer() as timer:
        conn.request("GET", path)
        response = conn.getresponse()
        read = response.read
        received = 0
        while data := read(chunk):
            received += len(data)
    conn.close()
    check(received, size)
    return timer.sample(size)


def urllib3_stream(port: int, path: str, size: int, chunk: int) -> Sample:
    """urllib3: ``request(preload_content=False)`` then ``stream(chunk)``."""
    import urllib3

    pool = urllib3.HTTPConnectionPool(HOST, port, maxsize=1, timeout=STALL, retries=False)
    with Timer() as timer:
        response = pool.request("GET", path, preload_content=False)
        received = 0
        for data in response.stream(chunk):
            received += len(data)
        response.release_conn()
    pool.close()
    check(received, size)
    return timer.sample(size)


def httpx_stream(port: int, path: str, size: int, chunk: int) -> Sample:
    """httpx.Client: ``stream()`` then ``iter_bytes(chunk)``."""
    import httpx

    client = httpx.Client(base_url=f"http://{HOST}:{port}", timeout=STALL)
    with client, Timer() as timer, client.stream("GET", path) as response:
        received = 0
        for data in response.iter_bytes(chunk):
            received += len(data)
    check(received, size)
    return timer.sample(size)


def aiohttp_stream(port: int, path: str, size: int, chunk: int) -> Sample:
    """aiohttp: ``session.get`` then ``content.read(chunk)`` until empty."""
    import aiohttp

    async def main() -> Sample:
        timeout = aiohttp.ClientTimeout(total=None, sock_read=STALL)
        async with aiohttp.ClientSession(timeout=timeout) as session:
            with Timer() as timer:
                async with session.get(f"http://{HOST}:{port}{path}") as response:
                    read = response.content.read
                    received = 0
                    while data := await read(chunk):
                        received += len(data)
        check(received, size)
        return timer.sample(size)

    return asyncio.run(main())


def peers(port: int, path: str, size: int, chunk: int) -> list[Peer]:
    """The clients for one framing and read size, http.client first (the ratios' base)."""

    def bind(run: Run) -> Callable[[], Sample]:
        return lambda: run(port, path, size, chunk)

    return [
        Peer("http.client read(n)", bind(stdlib)),
        Peer("raw socket, 1 MiB recv_into (ceiling)", bind(raw_socket)),
        Peer("HTTPClient blocking", bind(engine(True))),
        Peer("HTTPClient blocking, tutorial loop (poll + read)", bind(engine(True, True))),
        Peer("HTTPClient poll loop", bind(engine(False))),
        Peer("urllib3 stream(n)", bind(urllib3_stream), ("urllib3",)),
        Peer("httpx iter_bytes(n)", bind(httpx_stream), ("httpx",)),
        Peer("aiohttp content.read(n)", bind(aiohttp_stream), ("aiohttp",)),
    ]


def run(options: Options, server: ServerProcess) -> None:
    """Measure every framing and read size; print one table."""
    size = options.large_mib << 20
    size -= size % WIRE_CHUNK
    print(
        f"\n[large] {size >> 20} MiB body, Content-Length and chunked ({WIRE_CHUNK}-byte "
        f"chunks), read sizes {' and '.join(map(str, CHUNKS))}, {options.repeats} runs, median"
    )
    rows: list[list[str]] = []
    for framing, path in (("Content-Length", f"/cl/{size}"), ("chunked", f"/chunked/{size}")):
        for chunk in CHUNKS:
            rows.append([f"{framing}, read size {chunk}:"])
            done = measure(peers(server.port, path, size, chunk), options.repeats, server)
            base = next((p for p in done if p.name.startswith("http.client")), None)
            for peer in done:
                busy = peer.median(lambda s: s.server_busy)
                rows.append([f"  {peer.name}", *throughput_cells(peer, base), f"{busy:.0%}"])
    print_table(
        f"Large body, {size >> 20} MiB (ratios to http.client; higher is better)",
        ["client", "MB/s", "x", "MB/CPU-s", "x", "server CPU"],
        rows,
    )
