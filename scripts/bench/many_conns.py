"""Scenario ``concurrent``: 100, then 1,000 keep-alive connections served from one thread.

Each connection does a run of small GETs, one outstanding request per connection; connections
are opened and warmed before the clock starts. HTTPClient: non-blocking clients served from one
loop over ``net.PollGroup`` (:class:`engine_client.ClientSet`), and the same clients driven by
the asyncio bridge (``net.aio``, one task per connection). Peers: aiohttp (one session, a pool
as large as the connections, one task per connection) and, at 100, httpx's AsyncClient (the
same shape). Figures: wall requests per second and client CPU microseconds per request,
medians; ratios to http.client on one connection (sequential, the same GETs) and to aiohttp.
The raw-socket row (100 sockets, one selector) is the server's ceiling.
"""

from __future__ import annotations

import asyncio
import selectors
import socket
from collections.abc import Awaitable, Callable

import engine_client
import small_gets
from harness import (
    HOST,
    STALL,
    Options,
    Peer,
    Sample,
    ServerProcess,
    Stuck,
    Timer,
    measure,
    print_table,
    ratio,
)
from loopback_server import SMALL_BODY, SMALL_REPLY

PATH = small_gets.PATH
HTTPX_PER_CONNECTION = 5


def check(received: int, count: int) -> None:
    """Every response carried the whole body."""
    small_gets.check(received, count)


def raw_sockets(port: int, connections: int, per: int) -> Sample:
    """The ceiling: non-blocking sockets, one request each in flight, one selector."""
    socks = [socket.create_connection((HOST, port), timeout=STALL) for _ in range(connections)]
    request, size = small_gets.RAW_REQUEST, len(SMALL_REPLY)
    with selectors.DefaultSelector() as selector:
        for index, sock in enumerate(socks):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setblocking(False)
            selector.register(sock, selectors.EVENT_READ, index)
        got = [0] * connections
        left = [per] * connections
        total, done = connections * per, 0
        with Timer() as timer:
            for index, sock in enumerate(socks):
                sock.send(request)
                left[index] -= 1
            while done < total:
                events = selector.select(STALL)
                if not events:
                    raise Stuck("raw sockets made no progress")
                for key, _ in events:
                    index = key.data
                    sock = socks[index]
                    data = sock.recv(65536)
                    if not data:
                        raise ConnectionError("server closed")
                    got[index] += len(data)
                    if got[index] >= size:
                        got[index] -= size
                        done += 1
                        if left[index]:
                            left[index] -= 1
                            sock.send(request)
    for sock in socks:
        sock.close()
    return timer.sample(total)


def engine_group(port: int, connections: int, per: int) -> Sample:
    """HTTPClients, non-blocking, served from one loop over a ``net.PollGroup``."""
    clients = engine_client.connect_many(port, connections)
    group = engine_client.ClientSet(clients)
    try:
        group.run(PATH, 1)  # warm every connection
        with Timer() as timer:
            done, received = group.run(PATH, per)
    finally:
        group.close()
    check(received, done)
    return timer.sample(done)


def engine_asyncio(port: int, connections: int, per: int) -> Sample:
    """HTTPClients driven by the asyncio bridge (``net.aio``), one task per connection."""
    from net import HTTPClient, aio

    async def main() -> Sample:
        clients = [HTTPClient() for _ in range(connections)]
        try:
            await asyncio.gather(*(aio.connect(http, HOST, port) for http in clients))

            async def get(http: HTTPClient) -> int:
                return len((await aio.request(http, engine_client.GET, PATH)).body)

            await asyncio.gather(*(get(http) for http in clients))  # warm every connection

            async def worker(http: HTTPClient) -> int:
                received = 0
                for _ in range(per):
                    received += await get(http)
                return received

            with Timer() as timer:
                results = await asyncio.gather(*(worker(http) for http in clients))
        finally:
            for http in clients:
                http.close()
        check(sum(results), connections * per)
        return timer.sample(connections * per)

    return asyncio.run(main())


async def _fan_out(
    get: Callable[[], Awaitable[int]], connections: int, per: int
) -> tuple[Sample, int]:
    """Warm ``connections`` connections, then time ``connections`` tasks doing ``per`` GETs."""
    await asyncio.gather(*(get() for _ in range(connections)))

    async def worker() -> int:
        received = 0
        for _ in range(per):
            received += await get()
        return received

    with Timer() as timer:
        results = await asyncio.gather(*(worker() for _ in range(connections)))
    return timer.sample(connections * per), sum(results)


def aiohttp_session(port: int, connections: int, per: int) -> Sample:
    """aiohttp: one ClientSession with a 100-connection pool, one task per connection."""
    import aiohttp

    url = f"http://{HOST}:{port}{PATH}"

    async def main() -> Sample:
        connector = aiohttp.TCPConnector(limit=connections)
        timeout = aiohttp.ClientTimeout(total=STALL)
        async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:

            async def get() -> int:
                async with session.get(url) as response:
                    return len(await response.read())

            sample, received = await _fan_out(get, connections, per)
        check(received, connections * per)
        return sample

    return asyncio.run(main())


def httpx_async(port: int, connections: int, per: int) -> Sample:
    """httpx.AsyncClient with a 100-connection pool, one task per connection."""
    import httpx

    async def main() -> Sample:
        limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
        async with httpx.AsyncClient(
            base_url=f"http://{HOST}:{port}", limits=limits, timeout=STALL
        ) as client:

            async def get() -> int:
                return len((await client.get(PATH)).content)

            sample, received = await _fan_out(get, connections, per)
        check(received, connections * per)
        return sample

    return asyncio.run(main())


def run(options: Options, server: ServerProcess) -> None:
    """Measure and print the tables: 100 connections with every peer, then 1,000."""
    connections, per = options.connections, options.per_connection
    total = connections * per
    # httpx's async pool costs milliseconds per request at this concurrency (encode/httpx#3215):
    # fewer GETs keep its runs short; its rate is per request all the same.
    httpx_per = min(per, HTTPX_PER_CONNECTION)

    def bind(run: Callable[[int, int, int], Sample], count: int, each: int) -> Callable[[], Sample]:
        return lambda: run(server.port, count, each)

    table(
        options,
        server,
        connections,
        per,
        [
            Peer(
                "http.client (1 connection, sequential)",
                lambda: small_gets.stdlib(server.port, total),
            ),
            Peer(
                f"raw sockets x{connections} (server ceiling)", bind(raw_sockets, connections, per)
            ),
            Peer(f"HTTPClient x{connections}, PollGroup", bind(engine_group, connections, per)),
            Peer(
                f"HTTPClient x{connections}, asyncio bridge (net.aio)",
                bind(engine_asyncio, connections, per),
            ),
            Peer(
                f"aiohttp, {connections} connections",
                bind(aiohttp_session, connections, per),
                ("aiohttp",),
            ),
            Peer(
                f"httpx AsyncClient, {connections} connections, {httpx_per} GETs each",
                bind(httpx_async, connections, httpx_per),
                ("httpx",),
            ),
        ],
    )
    many, many_per = options.many_connections, options.many_per_connection
    table(
        options,
        server,
        many,
        many_per,
        [
            Peer(
                "http.client (1 connection, sequential)",
                lambda: small_gets.stdlib(server.port, many * many_per),
            ),
            Peer(f"raw sockets x{many} (server ceiling)", bind(raw_sockets, many, many_per)),
            Peer(f"HTTPClient x{many}, PollGroup", bind(engine_group, many, many_per)),
            Peer(
                f"HTTPClient x{many}, asyncio bridge (net.aio)",
                bind(engine_asyncio, many, many_per),
            ),
            Peer(
                f"aiohttp, {many} connections", bind(aiohttp_session, many, many_per), ("aiohttp",)
            ),
        ],
    )


def table(
    options: Options, server: ServerProcess, connections: int, per: int, peers: list[Peer]
) -> None:
    """Measure ``peers`` (http.client first, the base of the ratios) and print their table."""
    print(
        f"\n[concurrent] {connections} connections x {per} GETs in one thread, "
        f"{options.repeats} runs, median"
    )
    done = measure(peers, options.repeats, server)
    base = next((p for p in done if p.name.startswith("http.client")), None)
    aio = next((p for p in done if p.name.startswith("aiohttp")), None)
    base_rate = base.median(lambda s: s.rate) if base else None
    aio_rate = aio.median(lambda s: s.rate) if aio else None
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
                ratio(rate, aio_rate),
                f"{cpu * 1e6:.1f}",
                ratio(cpu, base_cpu),
                f"{busy:.0%}",
            ]
        )
    print_table(
        f"{connections} concurrent connections, one thread ({len(SMALL_BODY)}-byte bodies)",
        ["client", "req/s", "x http.client", "x aiohttp", "CPU us/req", "x", "server CPU"],
        rows,
    )
