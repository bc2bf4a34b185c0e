"""Scenario ``small``: sequential keep-alive GETs of a 14-byte body over one connection.

For each client: wall requests per second and client CPU microseconds per request
(``time.process_time``), median of the repeats, with ratios to http.client. The raw-socket row
(one ``sendall``, ``recv`` until the known reply length) is the loopback-plus-server ceiling;
the ``server CPU`` column is the server process's CPU time over the run's wall time.
"""

from __future__ import annotations

import asyncio
import http.client
import io
from typing import Any

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
    ratio,
)
from loopback_server import SMALL_BODY, SMALL_REPLY

PATH = "/small"
WARMUP = 20
RAW_REQUEST = b"GET /small HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"


def check(received: int, count: int) -> None:
    """Every response carried the whole body."""
    if received != count * len(SMALL_BODY):
        raise RuntimeError(f"received {received} body bytes, expected {count * len(SMALL_BODY)}")


def raw_socket(port: int, count: int) -> Sample:
    """The ceiling: the fewest syscalls a sequential keep-alive client can make."""
    with connected_socket(port) as sock:
        size = len(SMALL_REPLY)

        def one() -> None:
            sock.sendall(RAW_REQUEST)
            got = sock.recv(65536)
            while len(got) < size:
                more = sock.recv(65536)
                if not more:
                    raise ConnectionError("server closed")
                got += more

        for _ in range(WARMUP):
            one()
        with Timer() as timer:
            for _ in range(count):
                one()
    return timer.sample(count)


def engine_blocking(port: int, count: int) -> Sample:
    """HTTPClient in blocking mode."""
    http = engine_client.connect(port, blocking=True)
    get = engine_client.get_blocking
    for _ in range(WARMUP):
        get(http, PATH)
    with Timer() as timer:
        received = sum(get(http, PATH) for _ in range(count))
    http.close()
    check(received, count)
    return timer.sample(count)


def engine_tutorial(port: int, count: int) -> Sample:
    """HTTPClient in blocking mode, the engine tutorial's loop: ``poll`` then read."""
    http = engine_client.connect(port, blocking=True)
    get = engine_client.get_tutorial
    for _ in range(WARMUP):
        get(http, PATH)
    with Timer() as timer:
        received = sum(get(http, PATH) for _ in range(count))
    http.close()
    check(received, count)
    return timer.sample(count)


def engine_polling(port: int, count: int) -> Sample:
    """HTTPClient non-blocking: poll, and wait on its socket with selectors when idle."""
    http = engine_client.connect(port, blocking=False)
    selector = engine_client.reader_selector(http)
    get = engine_client.get_polling
    for _ in range(WARMUP):
        get(http, selector, PATH)
    with Timer() as timer:
        received = sum(get(http, selector, PATH) for _ in range(count))
    selector.close()
    http.close()
    check(received, count)
    return timer.sample(count)


def stdlib(port: int, count: int) -> Sample:
    """http.client.HTTPConnection, ``getresponse().read()``."""
    conn = http.client.HTTPConnection(HOST, port, timeout=STALL)

    def one() -> int:
        conn.request("GET", PATH)
        return len(conn.getresponse().read())

    for _ in range(WARMUP):
        one()
    with Timer() as timer:
        received = sum(one() for _ in range(count))
    conn.close()
    check(received, count)
    return timer.sample(count)


def urllib3_pool(port: int, count: int) -> Sample:
    """urllib3.HTTPConnectionPool with one connection, ``request(...).data``."""
    import urllib3

    pool = urllib3.HTTPConnectionPool(HOST, port, maxsize=1, timeout=STALL, retries=False)

    def one() -> int:
        return len(pool.request("GET", PATH).data)

    for _ in range(WARMUP):
        one()
    with Timer() as timer:
        received = sum(one() for _ in range(count))
    pool.close()
    check(received, count)
    return timer.sample(count)


def httpx_client(port: int, count: int) -> Sample:
    """httpx.Client (sync), ``get(...).content``."""
    import httpx

    with httpx.Client(base_url=f"http://{HOST}:{port}", timeout=STALL) as client:

        def one() -> int:
            return len(client.get(PATH).content)

        for _ in range(WARMUP):
            one()
        with Timer() as timer:
            received = sum(one() for _ in range(count))
    check(received, count)
    return timer.sample(count)


def h11_socket(port: int, count: int) -> Sample:
    """h11.Connection over a blocking socket: the sans-I/O peer."""
    import h11

    sock = connected_socket(port)
    conn = h11.Connection(h11.CLIENT)
    headers = [("Host", f"{HOST}:{port}")]

    def one() -> int:
        request = conn.send(h11.Request(method="GET", target=PATH, headers=headers))
        sock.sendall(request + conn.send(h11.EndOfMessage()))
        body = 0
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                conn.receive_data(sock.recv(65536))
            elif type(event) is h11.Data:
                body += len(event.data)
            elif type(event) is h11.EndOfMessage:
                conn.start_next_cycle()
                return body
            elif type(event) is h11.ConnectionClosed:
                raise ConnectionError("server closed")

    for _ in range(WARMUP):
        one()
    with Timer() as timer:
        received = sum(one() for _ in range(count))
    sock.close()
    check(received, count)
    return timer.sample(count)


def aiohttp_session(port: int, count: int) -> Sample:
    """aiohttp.ClientSession with one connection, awaited one request at a time."""
    import aiohttp

    url = f"http://{HOST}:{port}{PATH}"

    async def main() -> Sample:
        timeout = aiohttp.ClientTimeout(total=STALL)
        connector = aiohttp.TCPConnector(limit=1)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

            async def one() -> int:
                async with session.get(url) as response:
                    return len(await response.read())

            for _ in range(WARMUP):
                await one()
            with Timer() as timer:
                received = 0
                for _ in range(count):
                    received += await one()
        check(received, count)
        return timer.sample(count)

    return asyncio.run(main())


def pycurl_easy(port: int, count: int) -> Sample:
    """pycurl.Curl reused (libcurl keeps the connection), body into a BytesIO."""
    import pycurl  # type: ignore[import-untyped]

    curl = pycurl.Curl()
    curl.setopt(pycurl.URL, f"http://{HOST}:{port}{PATH}")
    curl.setopt(pycurl.NOSIGNAL, 1)
    curl.setopt(pycurl.TIMEOUT, int(STALL))
    sink: Any = io.BytesIO()
    curl.setopt(pycurl.WRITEDATA, sink)

    def one() -> None:
        curl.perform()

    for _ in range(WARMUP):
        one()
    sink.seek(0)
    sink.truncate()
    with Timer() as timer:
        for _ in range(count):
            one()
    curl.close()
    check(len(sink.getvalue()), count)
    return timer.sample(count)


def peers(port: int, count: int) -> list[Peer]:
    """The clients of this scenario, http.client first (the ratios' base)."""

    def bind(run: Any) -> Any:
        return lambda: run(port, count)

    return [
        Peer("http.client", bind(stdlib)),
        Peer("raw socket (server ceiling)", bind(raw_socket)),
        Peer("HTTPClient blocking", bind(engine_blocking)),
        Peer("HTTPClient blocking, tutorial loop (poll + read)", bind(engine_tutorial)),
        Peer("HTTPClient poll loop", bind(engine_polling)),
        Peer("urllib3", bind(urllib3_pool), ("urllib3",)),
        Peer("httpx", bind(httpx_client), ("httpx",)),
        Peer("h11 + socket", bind(h11_socket), ("h11",)),
        Peer("aiohttp", bind(aiohttp_session), ("aiohttp",)),
        Peer("pycurl", bind(pycurl_easy), ("pycurl",)),
    ]


def run(options: Options, server: ServerProcess) -> None:
    """Measure and print the table."""
    count = options.small_requests
    print(f"\n[small] {count} sequential GETs per run, {options.repeats} runs, median")
    done = measure(peers(server.port, count), options.repeats, server)
    base = next((p for p in done if p.name == "http.client"), None)
    base_rate = base.median(lambda s: s.rate) if base else None
    base_cpu = base.median(lambda s: s.cpu / s.units) if base else None
    rows = []
    for peer in done:
        rate = peer.median(lambda s: s.rate)
        cpu = peer.median(lambda s: s.cpu / s.units)
        busy = peer.median(lambda s: s.server_busy)
        rows.append(
            [
                peer.name,
                f"{rate:,.0f}",
                ratio(rate, base_rate),
                f"{cpu * 1e6:.1f}",
                ratio(cpu, base_cpu),
                f"{busy:.0%}",
            ]
        )
    print_table(
        "Small keep-alive GETs, sequential (ratios to http.client; CPU: lower is better)",
        ["client", "req/s", "x", "CPU us/req", "x", "server CPU"],
        rows,
    )
