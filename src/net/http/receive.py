"""The receive buffer of the response reader.

Owns the bytes received and not yet parsed, the peer's close, and line extraction under size
limits; imports `errors`. Why: one place where bytes are searched and sliced, with `find`,
compiled patterns and slices only, so no parser loops over single bytes; where every line is
bounded as it arrives, so a trickle stops at a limit and the buffer stays small; and where a
received block is handed out as slices of itself, copied once at most.
"""

from __future__ import annotations

import re

from net.http.errors import Fault, RemoteProtocolError


class Budget:
    """Bytes left for a group of lines that share a limit (the heads, or the trailers)."""

    __slots__ = ("_size", "_what", "left")

    def __init__(self, size: int, what: str) -> None:
        self.left = size
        self._size = size
        self._what = what

    @property
    def message(self) -> str:
        """The error text for crossing this budget (built only when it is crossed)."""
        return f"{self._what} exceed {self._size} bytes"


class ReceiveBuffer:
    """Received bytes not yet consumed, plus whether (and how) the peer closed.

    The bytes live in ``_data`` from offset ``_pos`` on. A block received into an empty
    buffer is kept as the very ``bytes`` object the stream returned, so consuming it costs one
    slice, or nothing when it is taken whole. A block arriving behind a shorter rest is joined
    to it as ``bytes``; behind a longer rest, bytes gather in a ``bytearray`` (amortised
    appends), so every byte is copied a bounded number of times and a trickle stays linear.
    """

    __slots__ = ("_data", "_pos", "_scan", "clean_eof", "eof")

    def __init__(self) -> None:
        self._data: bytes | bytearray = b""
        self._pos = 0
        self._scan = 0  # no LF before this offset (past _pos): searches resume here
        self.eof = False
        self.clean_eof = True

    def __len__(self) -> int:
        return len(self._data) - self._pos

    def append(self, data: bytes) -> None:
        if type(data) is not bytes:
            data = bytes(data)  # keep no reference to a caller's mutable buffer
        buffered, start = self._data, self._pos
        if start == len(buffered):
            self._data, self._pos = data, 0
        elif isinstance(buffered, bytearray):
            del buffered[:start]  # CPython drops a bytearray prefix without moving the rest
            self._pos = 0
            buffered += data
        elif len(buffered) - start <= len(data):  # a short rest: one copy of both, as bytes
            self._data, self._pos = buffered[start:] + data, 0
        else:  # a long rest and a short arrival: gather in place from now on
            gathered = bytearray(memoryview(buffered)[start:])
            gathered += data
            self._data, self._pos = gathered, 0

    def peek(self, size: int) -> bytes:
        """A copy of the first size bytes (fewer if fewer are buffered)."""
        return bytes(self._data[self._pos : self._pos + size])

    def consume(self, size: int) -> bytes:
        """Remove and return the first size bytes (all of them if fewer are buffered)."""
        taken = self.take(min(size, len(self._data) - self._pos))
        assert taken is not None
        return taken

    def take(self, size: int) -> bytes | None:
        """Remove and return the first size bytes if that many are buffered, else None: a
        slice, or the received block itself when it is taken whole."""
        data, start = self._data, self._pos
        end = start + size
        if end > len(data):
            return None
        self._scan = 0
        if end == len(data):
            self._data, self._pos = b"", 0
            if start == 0 and type(data) is bytes:
                return data
        else:
            self._pos = end
        if type(data) is bytes:
            return data[start:end]
        with memoryview(data) as view:
            return view[start:end].tobytes()

    def match(self, pattern: re.Pattern[bytes], room: int) -> re.Match[bytes] | None:
        """``pattern`` matched at the first buffered byte, within room bytes. Nothing is
        consumed: the caller skips what it used. None at once while ``line`` is resuming a
        search (a line arriving in pieces), so a trickle is not matched over and over."""
        if self._scan:
            return None
        return pattern.match(self._data, self._pos, self._pos + room)

    def skip_prefix(self, prefix: bytes) -> bool:
        """Drop ``prefix`` if the buffered bytes start with it; whether they did."""
        if self._data.startswith(prefix, self._pos):
            self.skip(len(prefix))
            return True
        return False

    def skip(self, size: int) -> None:
        """Drop the first size bytes without copying them."""
        self._pos = min(self._pos + size, len(self._data))
        self._scan = 0

    def text_block(self, end: bytes, room: int) -> tuple[str, int] | None:
        """The bytes up to and including the first ``end`` within room bytes, decoded as
        UTF-8, and their count; None when there is no such ``end`` or the bytes are not
        UTF-8, and, as for ``match``, while ``line`` is resuming a search. Nothing is
        consumed."""
        if self._scan:
            return None
        start = self._pos
        size = self._data.find(end, start, start + room) + len(end) - start
        if size < len(end):
            return None
        try:  # a head is at most a few KiB: slicing it out is cheaper than a memoryview
            return str(self._data[start : start + size], "utf-8"), size
        except UnicodeDecodeError:
            return None

    def line(self, room: int, limit_message: str) -> bytes | None:
        """Take the next line, LF included, if it fits in room bytes; None while incomplete.

        Raises RemoteProtocolError (LIMIT, limit_message) as soon as room bytes hold no LF.
        """
        start = self._pos
        end = self._data.find(b"\n", start + self._scan, start + room)
        if end < 0:
            if len(self) > room:
                raise RemoteProtocolError(limit_message, Fault.LIMIT)
            self._scan = len(self)
            return None
        return self.consume(end + 1 - start)

    def budgeted_line(self, line_max: int, line_message: str, budget: Budget) -> bytes | None:
        """Take a line bounded by its own limit and by its group's budget, whichever is
        smaller (so the error names the limit a trickle would cross first)."""
        if line_max <= budget.left:
            line = self.line(line_max, line_message)
        else:
            line = self.line(budget.left, budget.message)
        if line is not None:
            budget.left -= len(line)
        return line
