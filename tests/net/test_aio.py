"""net.aio: HTTPClients driven from an asyncio event loop, against real loopback servers."""

from __future__ import annotations

import asyncio
import socket
import ssl
from collections.abc import Callable, Iterator

import pytest
from http_server import PAGE, LoopbackServer, pattern, serving

from conftest import SAFETY_TIMEOUT, TLSServer
from engine.object_model import Error
from net import HTTPClient, StreamPeerBuffer, aio

S = HTTPClient.Status
GET = HTTPClient.METHOD_GET


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with serving() as running:
        yield running


def run(coroutine: object) -> object:
    """Run a coroutine under asyncio with the safety timeout."""

    async def bounded() -> object:
        return await asyncio.wait_for(coroutine, SAFETY_TIMEOUT)  # type: ignore[arg-type]

    return asyncio.run(bounded())


def test_twenty_fetches_run_concurrently_in_one_loop(server: LoopbackServer) -> None:
    base = f"http://127.0.0.1:{server.port}"

    async def main() -> list[aio.Response]:
        return await asyncio.gather(*(aio.fetch(f"{base}/bytes/{n}") for n in range(1, 21)))

    responses = run(main())
    assert isinstance(responses, list)
    assert [r.code for r in responses] == [200] * 20
    assert [r.body for r in responses] == [pattern(n) for n in range(1, 21)]
    assert responses[0].headers["Content-Length"] == "1"


def test_one_connection_carries_several_requests(server: LoopbackServer) -> None:
    http = HTTPClient()

    async def main() -> list[bytes]:
        await aio.connect(http, "127.0.0.1", server.port)
        stream = http.get_connection()
        bodies = []
        for size in (10, 100_000, 5):
            response = await aio.request(http, GET, f"/bytes/{size}")
            bodies.append(response.body)
            assert http.get_connection() is stream
        return bodies

    assert run(main()) == [pattern(10), pattern(100_000), pattern(5)]
    assert http.get_status() == S.STATUS_CONNECTED
    http.close()


def test_body_chunks_streams_the_body_in_read_chunk_size_pieces(server: LoopbackServer) -> None:
    http = HTTPClient()
    http.read_chunk_size = 256

    async def main() -> list[bytes]:
        await aio.connect(http, "127.0.0.1", server.port)
        assert http.request(GET, "/bytes/5000", []) == Error.OK
        assert await aio.poll_while(http, S.STATUS_REQUESTING) == S.STATUS_BODY
        return [chunk async for chunk in aio.body_chunks(http)]

    pieces = run(main())
    assert isinstance(pieces, list)
    assert b"".join(pieces) == pattern(5000)
    assert max(map(len, pieces)) == 256
    http.close()


def test_the_loop_keeps_running_while_a_client_waits(server: LoopbackServer) -> None:
    http = HTTPClient()

    async def main() -> tuple[bytes, int]:
        await aio.connect(http, "127.0.0.1", server.port)
        fetching = asyncio.ensure_future(aio.request(http, GET, "/hold"))
        ticks = 0
        while http.get_status() != S.STATUS_REQUESTING or ticks < 50:
            await asyncio.sleep(0)  # other tasks run while the reply is held
            ticks += 1
        assert not fetching.done()
        server.release.set()
        return (await fetching).body, ticks

    body, ticks = run(main())  # type: ignore[misc]
    assert body == PAGE
    assert ticks >= 50
    http.close()


@pytest.mark.parametrize("how", ["cancel", "wait_for"])
def test_a_cancelled_task_closes_its_client(server: LoopbackServer, how: str) -> None:
    http = HTTPClient()

    async def main() -> None:
        await aio.connect(http, "127.0.0.1", server.port)
        task = asyncio.ensure_future(aio.request(http, GET, "/hold"))
        while http.get_status() != S.STATUS_REQUESTING:
            await asyncio.sleep(0)
        if how == "cancel":
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        else:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(task, 0.05)

    run(main())
    assert http.get_status() == S.STATUS_DISCONNECTED
    assert http.get_connection() is None


def test_a_refused_connect_raises_request_failed() -> None:
    with socket.socket() as probe:  # a port with nothing listening on it
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(aio.RequestFailed) as failed:
        run(aio.fetch(f"http://127.0.0.1:{port}/"))
    assert failed.value.status == S.STATUS_CANT_CONNECT
    assert failed.value.error == Error.ERR_CANT_CONNECT


def test_an_https_fetch_goes_through_the_tls_handshake(
    tls_server: Callable[..., TLSServer],
    tcp_listener: Callable[..., socket.socket],
    trust_tls_ca: str,
) -> None:
    listener = tcp_listener()

    def handler(conn: ssl.SSLSocket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            head += conn.recv(4096)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecret")

    tls_server(handler, listener=listener)
    response = run(aio.fetch(f"https://localhost:{listener.getsockname()[1]}/"))
    assert isinstance(response, aio.Response)
    assert (response.code, response.body) == (200, b"secret")


def test_wrong_uses_raise() -> None:
    blocking = HTTPClient()
    blocking.blocking_mode_enabled = True
    with pytest.raises(ValueError, match="non-blocking"):
        run(aio.poll_while(blocking, S.STATUS_REQUESTING))
    with pytest.raises(ValueError, match="http"):
        run(aio.fetch("ftp://127.0.0.1/file"))
    with pytest.raises(aio.RequestFailed, match="ERR_INVALID_PARAMETER"):
        run(aio.connect(HTTPClient(), "", 80))
    run(aio.until_ready(StreamPeerBuffer()))  # nothing to wait on: returns at once


def test_a_host_name_is_resolved_then_connected(server: LoopbackServer) -> None:
    http = HTTPClient()

    async def main() -> int:
        assert http.connect_to_host("localhost", server.port) == Error.OK
        return await aio.poll_while(http, S.STATUS_RESOLVING, S.STATUS_CONNECTING)

    status = run(main())
    # localhost may resolve to ::1 first, where the test server does not listen: either
    # outcome comes from the lookup having finished.
    assert status in (S.STATUS_CONNECTED, S.STATUS_CANT_CONNECT)
    http.close()
