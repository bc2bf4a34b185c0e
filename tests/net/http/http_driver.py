"""Drive a ResponseReader the way the HTTPClient shim does, from byte pieces, without sockets."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from itertools import pairwise

from net.http.errors import Fault, RemoteProtocolError
from net.http.events import Head
from net.http.response import ResponseReader


@dataclass
class Outcome:
    """Everything observable about one exchange; `reads` depends on the cuts, the rest not."""

    head: Head | None = None
    body: bytes = b""
    end: bool = False
    reusable: bool | None = None
    fault: Fault | None = None
    message: str = ""
    reads: list[bytes] = field(default_factory=list)
    leftover: int = 0

    def verdict(self) -> tuple[object, ...]:
        return (self.head, self.body, self.end, self.reusable, self.fault, self.message)


def cuts(raw: bytes, *points: int) -> list[bytes]:
    """raw cut at the given offsets."""
    edges = [0, *sorted(points), len(raw)]
    return [raw[a:b] for a, b in pairwise(edges)]


def drive(
    pieces: bytes | Sequence[bytes],
    *,
    method: str = "GET",
    upgrade: bool = False,
    close_sent: bool = False,
    max_bytes: int = 4096,
    blocking: bool = False,
    eof: bool = True,
    clean: bool = True,
) -> Outcome:
    """Feed pieces one at a time, only when the reader asks for more; then EOF if eof."""
    reader = ResponseReader(method, upgrade=upgrade, close_sent=close_sent)
    source = iter([pieces] if isinstance(pieces, bytes) else pieces)
    out = Outcome()
    closed = False

    def more() -> bool:
        nonlocal closed
        piece = next(source, None)
        if piece is not None:
            reader.feed(piece)
            return True
        if eof and not closed:
            reader.feed_eof(clean=clean)
            closed = True
            return True
        return False

    try:
        while out.head is None:
            out.head = reader.next_head()
            if out.head is None and not more():
                return out
        if not out.head.has_body:
            out.end, out.reusable = True, reader.reusable
            return out
        while True:
            piece = reader.read_body(max_bytes, blocking=blocking)
            assert len(piece.data) <= max_bytes
            out.reads.append(piece.data)
            out.body += piece.data
            if piece.end:
                out.end, out.reusable = True, reader.reusable
                return out
            if not piece.data:
                assert not closed, "waiting after EOF"
                if not more():
                    return out
    except RemoteProtocolError as exc:
        out.body += exc.partial
        out.fault, out.message = exc.fault, exc.message
        return out
    finally:
        out.leftover = reader.buffered


def one_by_one(raw: bytes) -> list[bytes]:
    return [raw[i : i + 1] for i in range(len(raw))]


def chunked(*parts: bytes, trailer: bytes = b"") -> bytes:
    """A chunked body carrying parts, then the last chunk, trailer lines and the empty line."""
    return b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in parts) + b"0\r\n" + trailer + b"\r\n"


def response(*lines: str | bytes, body: bytes = b"", status: bytes = b"HTTP/1.1 200 OK") -> bytes:
    """A head from field lines (str or bytes), CRLF line ends, then body."""
    encoded = [line.encode() if isinstance(line, str) else line for line in lines]
    return b"\r\n".join([status, *encoded, b""]) + b"\r\n" + body


def all_splits(raw: bytes) -> Iterable[list[bytes]]:
    """Every two-piece cut, and the one-byte-at-a-time feed."""
    for point in range(1, len(raw)):
        yield cuts(raw, point)
    yield one_by_one(raw)
