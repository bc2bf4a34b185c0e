"""``net.aio``: drive ``HTTPClient``s from an asyncio event loop, in its thread (Python-only).

The client stays the engine's poll-driven object; between calls a coroutine waits for the
client's socket through the running loop (``loop.add_reader`` / ``add_writer``), for the
readiness ``net.poll_group.interest`` picks from the client's status. No thread, no executor.
``poll_while`` is the awaitable tutorial loop; ``connect``, ``request``, ``body_chunks`` and
``fetch`` build on it. A task cancelled inside any of them closes its client (a half-read
exchange cannot be resumed), then lets the cancellation go on. Imports ``net`` and asyncio.
"""

from __future__ import annotations

import asyncio
import types
from collections.abc import AsyncIterator, Generator, Sequence
from dataclasses import dataclass
from typing import Any, Final
from urllib.parse import urlsplit

from engine.object_model import Error
from net.http_client import HTTPClient
from net.http_constants import Method, Status
from net.poll_group import NOW, READ, WRITE, Interest, Member, client_interest, interest

_RESOLVING: Final = Status.STATUS_RESOLVING
_CONNECTING: Final = Status.STATUS_CONNECTING
_CONNECTED: Final = Status.STATUS_CONNECTED
_REQUESTING: Final = Status.STATUS_REQUESTING
_BODY: Final = Status.STATUS_BODY
_DISCONNECTED: Final = Status.STATUS_DISCONNECTED
_NO_DEADLINE: Final = float("inf")
#: Seconds between two looks at a name lookup under way (rather than a busy loop).
RESOLVE_RECHECK: Final = 0.001


class RequestFailed(Exception):
    """A connect or an exchange ended in an error status; ``status`` and ``error`` say which."""

    def __init__(self, message: str, status: int, error: Error = Error.FAILED) -> None:
        super().__init__(message)
        self.status = status
        self.error = error


@dataclass(frozen=True)
class Response:
    """A whole response: its code, its headers as a dictionary, its body."""

    code: int
    headers: dict[str, Any]
    body: bytes


@types.coroutine
def _turn() -> Generator[None, None, None]:
    """Let the other tasks run once (``asyncio.sleep(0)`` in one frame instead of two)."""
    yield


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


async def until_ready(member: Member) -> None:
    """Return once ``member`` (a client, a stream peer) can make progress: its socket is
    ready for what its status waits for, or a connect or handshake deadline passed. A member
    with nothing to wait on only lets the other tasks run once."""
    await _until(interest(member))


async def _until(wanted: Interest) -> None:
    _sock, fd, events, deadline = wanted
    if events == NOW:
        await asyncio.sleep(0)
        return
    loop = asyncio.get_running_loop()
    future: asyncio.Future[None] = loop.create_future()
    if events & READ:
        loop.add_reader(fd, _wake, future)
    if events & WRITE:
        loop.add_writer(fd, _wake, future)
    timer = loop.call_at(deadline, _wake, future) if deadline != _NO_DEADLINE else None
    try:
        await future
    finally:
        if events & READ:
            loop.remove_reader(fd)
        if events & WRITE:
            loop.remove_writer(fd)
        if timer is not None:
            timer.cancel()


def _check(http: HTTPClient) -> None:
    if not isinstance(http, HTTPClient):
        raise TypeError(f"expected an HTTPClient, not {type(http).__name__}")
    if http.is_blocking_mode_enabled():
        raise ValueError(
            "the asyncio bridge drives non-blocking clients: blocking calls would "
            "stall the event loop"
        )


async def poll_while(http: HTTPClient, *statuses: int) -> int:
    """Poll ``http`` until its status is none of ``statuses``, waiting on its socket in
    between; returns the status it reached. Cancelled, it closes the client."""
    _check(http)
    try:
        status = http.get_status()
        while status in statuses:
            if status == _RESOLVING:  # the resolver's thread has no handle to wait on
                await asyncio.sleep(RESOLVE_RECHECK)
            else:
                await _until(client_interest(http))
            http.poll()
            status = http.get_status()
        return status
    except asyncio.CancelledError:
        http.close()
        raise


async def connect(
    http: HTTPClient, host: str, port: int = -1, use_ssl: bool = False, verify_host: bool = True
) -> None:
    """``connect_to_host`` then poll until connected; ``RequestFailed`` if it does not."""
    _check(http)
    error = http.connect_to_host(host, port, use_ssl, verify_host)
    if error != Error.OK:
        raise RequestFailed(f"cannot connect to {host}: {error.name}", http.get_status(), error)
    status = await poll_while(http, _RESOLVING, _CONNECTING)
    if status != _CONNECTED:
        raise RequestFailed(f"cannot connect to {host}: {Status(status).name}", status, http.poll())


async def body_chunks(http: HTTPClient) -> AsyncIterator[bytes]:
    """The body of the response under way, piece by piece as it arrives (at most
    ``read_chunk_size`` bytes each). Ends with the body; ``RequestFailed`` if it breaks."""
    _check(http)
    try:
        while http.get_status() == _BODY:
            chunk = http.read_response_body_chunk()
            if chunk:
                yield chunk
            elif http.get_status() == _BODY:
                await _until(client_interest(http))
    except asyncio.CancelledError:
        http.close()
        raise
    status = http.get_status()
    if status not in (_CONNECTED, Status.STATUS_DISCONNECTED):
        raise RequestFailed(f"the body broke off: {Status(status).name}", status, http.poll())


async def request(
    http: HTTPClient,
    method: int,
    url: str,
    headers: Sequence[str] = (),
    body: bytes = b"",
) -> Response:
    """Send a request on a connected client and read the whole response; the connection
    stays open for the next one when the server allows. ``RequestFailed`` when the request
    is refused or the exchange fails. Cancelled, it closes the client."""
    if not isinstance(http, HTTPClient) or http._blocking:
        _check(http)  # raises
    # A plain int takes the binding's fast path (an IntEnum member is converted first).
    error = http.request_raw(int(method), url, list(headers), body)
    if error != Error.OK:
        raise RequestFailed(f"request refused: {error.name}", http.get_status(), error)
    # poll_while and body_chunks inline, reading the client's status and head directly rather
    # than through its bound getters: one coroutine frame and few calls per request.
    try:
        status = http._status
        if status is _REQUESTING:
            # Let the other tasks run once first: with many clients under way the reply has
            # often arrived by then, and one poll takes it without registering the socket.
            await _turn()
            http.poll()
            status = http._status
        while status is _REQUESTING:
            await _until(client_interest(http))
            http.poll()
            status = http._status
        head = http._head
        if head is None:
            raise RequestFailed(f"no response: {status.name}", int(status), http.poll())
        fields = http.get_response_headers_as_dictionary()
        pieces = []
        while status is _BODY:
            chunk = http.read_response_body_chunk()
            status = http._status
            if chunk:
                pieces.append(chunk)
            elif status is _BODY:
                await _until(client_interest(http))
    except asyncio.CancelledError:
        http.close()
        raise
    if status is not _CONNECTED and status is not _DISCONNECTED:
        raise RequestFailed(f"the body broke off: {status.name}", int(status), http.poll())
    return Response(head.status, fields, pieces[0] if len(pieces) == 1 else b"".join(pieces))


async def fetch(
    url: str,
    method: int = Method.METHOD_GET,
    headers: Sequence[str] = (),
    body: bytes = b"",
    verify_host: bool = True,
) -> Response:
    """One request to an ``http://`` or ``https://`` URL on a connection of its own, closed
    afterwards. ``ValueError`` for another URL; ``RequestFailed`` when it fails."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"fetch needs an http:// or https:// URL, not {url!r}")
    target = parts.path or "/"
    if parts.query:
        target += "?" + parts.query
    http = HTTPClient()
    try:
        await connect(http, parts.hostname, parts.port or -1, parts.scheme == "https", verify_host)
        return await request(http, method, target, headers, body)
    finally:
        http.close()


__all__ = [
    "RequestFailed",
    "Response",
    "body_chunks",
    "connect",
    "fetch",
    "poll_while",
    "request",
    "until_ready",
]
