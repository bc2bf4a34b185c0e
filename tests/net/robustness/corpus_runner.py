"""Run one corpus case through a real ``HTTPClient`` over an in-memory stream cut into pieces.

``CutPeer`` is the server end: it answers nothing until the request has been written, then
serves the reply in the given pieces with one "nothing now" read between them (so every cut is
seen by the client as a separate arrival), then ends as the case says: "keep" (the server waits),
"close" (FIN: ``ERR_FILE_EOF``), "reset" or "ragged" (``ERR_CONNECTION_ERROR``, what a TCP reset
and a TLS EOF without close_notify both look like to the client). Its ``fileno`` is a socket that
is always readable, so a blocking client never sleeps: each wait returns at once and the next
read brings the next piece. A client that keeps waiting after the whole reply raises ``Starved``
out of the peer, so a hang is a fast failure, not a timeout.

``run`` drives the client the tutorial way (poll while REQUESTING, read while BODY), then lets
the connection idle until the peer has delivered everything, and records what a user sees.
"""

from __future__ import annotations

import logging
import socket
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from typing import Any

from corpus import Case

from engine.object_model import Error
from net import HTTPClient, StreamPeer

S = HTTPClient.Status


#: What poll answers once an exchange has ended in each status (robustness.md §1, H §2).
AFTER = {
    S.STATUS_CONNECTED: Error.OK,
    S.STATUS_DISCONNECTED: Error.ERR_UNCONFIGURED,
    S.STATUS_CONNECTION_ERROR: Error.ERR_CONNECTION_ERROR,
}


class Starved(AssertionError):
    """The client asked for more after the whole reply on a connection the server keeps open."""


class CutPeer(StreamPeer):
    """The server end of an in-memory connection, replying in pieces (see the module doc).

    A test peer, not registered with ClassDB (its constructor takes the script)."""

    def __init__(self, pieces: Sequence[bytes], then: str, ready: int) -> None:
        super().__init__()
        self.sent = bytearray()
        self._pieces = deque(piece for piece in pieces if piece)
        self._then = then
        self._ready = ready
        self._current = b""
        self._offset = 0
        self._gap = False
        self._ended = False
        self._idle_reads = 0
        self.events = 0  # reads that took a piece, a gap or the end: the client's progress

    @property
    def delivered(self) -> bool:
        """Every piece has been read, and so has the end (the close, or nothing more)."""
        return self._ended

    def unread(self) -> bytes:
        """What the client has not read (a tunnel's or an upgraded stream's bytes)."""
        return self._current[self._offset :] + b"".join(self._pieces)

    def _write(self, data: bytes | memoryview) -> tuple[Error, int]:
        self.sent += data
        return Error.OK, len(data)

    def _read(self, size: int) -> tuple[Error, bytes]:
        if not self.sent:
            return Error.OK, b""  # a server answers a request, never before it
        self.events += 1
        if self._offset == len(self._current):
            if self._gap:
                self._gap = False
                return Error.OK, b""
            if not self._pieces:
                return self._end()
            self._current, self._offset = self._pieces.popleft(), 0
        chunk = self._current[self._offset : self._offset + size]
        self._offset += len(chunk)
        self._gap = self._offset == len(self._current)
        return Error.OK, chunk

    def _end(self) -> tuple[Error, bytes]:
        self._ended = True
        if self._then == "close":
            return Error.ERR_FILE_EOF, b""
        if self._then in ("reset", "ragged"):
            return Error.ERR_CONNECTION_ERROR, b""
        self._idle_reads += 1
        if self._idle_reads > 8:
            raise Starved("the client waits for bytes after the whole reply")
        return Error.OK, b""

    def _available(self) -> int:
        return len(self._current) - self._offset

    def fileno(self) -> int:
        return self._ready


class ReadySocket:
    """A socket that always polls readable: the in-memory peer's handle for blocking waits."""

    def __init__(self) -> None:
        self._pair = socket.socketpair()
        self._pair[0].send(b"!")

    @property
    def fd(self) -> int:
        return self._pair[1].fileno()

    def close(self) -> None:
        for sock in self._pair:
            sock.close()


class LogTap(logging.Handler):
    """Collects the WARNING and ERROR lines of ``net.http_client``."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []
        self._logger = logging.getLogger("net.http_client")

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())

    def __enter__(self) -> LogTap:
        self._logger.addHandler(self)
        self._level = self._logger.level
        self._logger.setLevel(logging.DEBUG if self._level == logging.NOTSET else self._level)
        return self

    def __exit__(self, *exc: object) -> None:
        self._logger.removeHandler(self)
        self._logger.setLevel(self._level)

    def take(self) -> list[str]:
        lines, self.lines = self.lines, []
        return lines


@dataclass
class Outcome:
    """What a script sees after one exchange."""

    error: Error = Error.OK  # a failing poll's return, or the code that ends the read's log line
    status: int = S.STATUS_DISCONNECTED
    code: int = 0
    headers: tuple[str, ...] = ()
    body: bytes = b""
    length: int = -1
    chunked: bool = False
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    released: bool = False
    unread: bytes = b""
    next_poll: Error = Error.OK  # what one more poll answers afterwards

    def note_head(self, http: HTTPClient) -> None:
        """Record the response head's accessors once the head is in (or the exchange failed)."""
        self.code, self.headers = http.get_response_code(), tuple(http.get_response_headers())
        self.length, self.chunked = http.get_response_body_length(), http.is_response_chunked()

    def settle(self, http: HTTPClient, body: bytes, log: LogTap) -> None:
        """Record the end state: status, body, release, the next poll and the log lines.

        A failed read reports its code at the end of its log line; that code is the error.
        """
        self.status, self.body = http.get_status(), bytes(body)
        self.released = http.get_connection() is None
        if self.status != S.STATUS_CONNECTED:
            self.next_poll = http.poll()
        for line in log.take():
            (self.errors if line.startswith("ERROR") else self.warnings).append(line)
        if self.errors and self.code:
            self.error = Error[self.errors[-1].rpartition("(")[2].rstrip(")")]


def cuts(raw: bytes, *points: int) -> list[bytes]:
    """raw cut at the given offsets."""
    edges = [0, *sorted(points), len(raw)]
    return [raw[a:b] for a, b in pairwise(edges)]


def bytewise(raw: bytes, whole_prefix: int = 0) -> list[bytes]:
    """One byte per piece, after an optional first piece of whole_prefix bytes."""
    head = [raw[:whole_prefix]] if whole_prefix else []
    return head + [raw[i : i + 1] for i in range(whole_prefix, len(raw))]


def run(
    pieces: Sequence[bytes],
    *,
    then: str,
    blocking: bool,
    ready: int,
    log: LogTap,
    method: int = HTTPClient.METHOD_GET,
    target: str = "/",
    headers: Sequence[str] = (),
    http: HTTPClient | None = None,
) -> Outcome:
    """One request answered by pieces, driven the tutorial way; what the script saw."""
    http = http or HTTPClient()
    http.set_blocking_mode(blocking)
    peer = CutPeer(pieces, then, ready)
    http.set_connection(peer)
    log.take()
    assert http.request(method, target, ["Host: example.com", *headers]) == Error.OK
    out = Outcome()
    body = bytearray()
    stalled = 0

    def progress() -> tuple[int, int, int]:
        return peer.events, len(body), http.get_status()

    try:
        while http.get_status() == S.STATUS_REQUESTING:
            before = progress()
            result = http.poll()
            out.error = result if result != Error.OK else out.error
            stalled = stalled + 1 if progress() == before else 0
            assert stalled < 3, "poll neither reads the stream nor moves on"
        out.note_head(http)
        while http.get_status() == S.STATUS_BODY:
            before = progress()
            assert http.poll() == Error.OK
            body += http.read_response_body_chunk()
            stalled = stalled + 1 if progress() == before else 0
            assert stalled < 3, (
                "read_response_body_chunk neither reads the stream nor returns bytes"
            )
        # The connection idles: the rest of the reply (leftovers, the close) reaches it.
        for _ in range(2 * len(pieces) + 4):
            if http.get_status() != S.STATUS_CONNECTED or peer.delivered:
                break
            http.poll()
    except Starved:
        pass  # the status tells what the client was still waiting for
    out.unread = peer.unread()
    out.settle(http, body, log)
    return out


def fresh_exchange_works(http: HTTPClient, ready: int, log: LogTap) -> None:
    """After any outcome, the same client fetches over a new connection."""
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh"
    blocking = http.is_blocking_mode_enabled()
    out = run([reply], then="keep", blocking=blocking, ready=ready, log=log, http=http)
    assert (out.code, out.body, out.status, out.errors) == (200, b"fresh", S.STATUS_CONNECTED, [])


def run_case(
    case: Case, pieces: Sequence[bytes], blocking: bool, ready: int, log: LogTap, **kw: Any
) -> Outcome:
    """run() with the case's request and server ending."""
    return run(
        pieces,
        then=case.then,
        blocking=blocking,
        ready=ready,
        log=log,
        method=case.method,
        target=case.target,
        headers=case.request_headers,
        **kw,
    )


def observed(case: Case, out: Outcome) -> dict[str, object]:
    """What the script saw, in the terms of the case (fields a case leaves open are copied)."""
    names = "/".join(S(s).name for s in case.status)
    status = names if out.status in case.status else S(out.status).name
    return {
        "status": status,
        "error": out.error.name,
        "code": out.code,
        "headers": out.headers if case.headers is not None else None,
        "body": out.body,
        "length": out.length if case.length is not None else None,
        "chunked": out.chunked if case.chunked is not None else None,
        "unread": out.unread if out.status == S.STATUS_CONNECTED else case.unread,
        "errors": len(out.errors),
        "warnings": len(out.warnings),
    }


def expected(case: Case) -> dict[str, object]:
    return {
        "status": "/".join(S(s).name for s in case.status),
        "error": case.error.name,
        "code": case.code,
        "headers": case.headers,
        "body": case.body,
        "length": case.length,
        "chunked": case.chunked,
        "unread": case.unread,
        "errors": 1 if case.refused else 0,
        "warnings": 1 if case.log and not case.refused else 0,
    }


def check(case: Case, out: Outcome, how: str) -> None:
    assert observed(case, out) == expected(case), f"{case.name}, {how}"
    # A connection that is not kept is let go of (robustness.md §1.3), and a failure is sticky.
    assert out.released == (out.status != S.STATUS_CONNECTED), f"{case.name}, {how}"
    assert out.next_poll == AFTER[out.status], f"{case.name}, {how}"
    for line in out.errors + out.warnings:
        assert case.log in line, f"{case.name}, {how}: {line!r}"
        assert not {"\r", "\n", "\x00"} & set(line), f"{case.name}: unsafe log line {line!r}"
    if out.errors:
        where = "read_response_body_chunk" if case.code else "poll"
        assert out.errors[0].startswith(f"ERROR: {where}: "), out.errors[0]
