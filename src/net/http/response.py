"""The response reader: bytes in, a head and body pieces out.

Owns the parse of one exchange (status line, interim heads, framing, chunked decoding,
trailers); imports the other core modules (`receive` holds the bytes, `fields` reads field
sections, `framing` decides how a body ends). Why: the rules of httpclient.md §5 and
robustness.md §3 in a class that never touches a stream, so every rule is testable from byte
tables and the HTTPClient shim only moves bytes and maps errors.

Theory of operation. The caller feeds what it received (`feed`, `feed_eof`), asks for the final
head (`next_head`), then for body pieces (`read_body`). Each state has one step function in
`_HEAD_STEPS` or `_BODY_STEPS`; a step consumes buffered bytes and reports progress, or says it
needs more. Every state change goes through `_goto` and the table in `states`; a pair
missing from it is a bug and raises. Lines are found with `find`, limited to the room the
limits leave, so a trickle fails as soon as it crosses a limit and the buffer stays bounded. A
partial line is checked only against its length (a status line also against its `HTTP/`
prefix); its grammar once it is complete, so the outcome never depends on how the bytes were
cut.

Fast paths, each giving exactly what the steps give: an ordinary head is read in one regex
pass, and one read lately (the same text, for the same kind of request) is not parsed again; a
well-formed chunk-size line (with the CRLF before it) is matched where it lies; a body
piece that is already buffered is sliced off without the step loop. And `direct_run` /
`take_direct` let a caller read a large body piece straight from its stream, past the buffer.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from net.http import grammar, limits
from net.http.errors import Fault, RemoteProtocolError, quote
from net.http.events import Body, Head
from net.http.fields import FieldSection, line_content
from net.http.framing import Decision, Framing, decide
from net.http.receive import Budget, ReceiveBuffer
from net.http.states import HEAD_ENDS, TRANSITIONS, On, State, next_state

# States and events the per-read paths use, bound once: on CPython 3.11 any attribute read on
# an Enum class goes through EnumType.__getattr__'s slow hook (about 70 ns, five times a
# module global), and these are read several times per response and per chunk.
_STATUS_LINE, _LENGTH, _CHUNK_DATA = State.STATUS_LINE, State.LENGTH, State.CHUNK_DATA
_UNTIL_CLOSE, _DONE = State.UNTIL_CLOSE, State.DONE
_ON_STATUS_LINE, _ON_BODY_END = On.STATUS_LINE, On.BODY_END
_ON_CHUNK_HEADER, _ON_LAST_CHUNK = On.CHUNK_HEADER, On.LAST_CHUNK
_ON_CHUNK_DATA_END, _ON_CHUNK_CRLF = On.CHUNK_DATA_END, On.CHUNK_CRLF
_NO_FRAMING = Framing.NONE

#: Room for the CRLF after chunk data and the next size line, matched together.
_CHUNK_END_ROOM = 2 + limits.CHUNK_SIZE_LINE_MAX

_CHUNK_SIZE_LINE_TOO_LONG = f"chunk-size line longer than {limits.CHUNK_SIZE_LINE_MAX} bytes"

#: The longest head the one-pass read takes: every line then fits its own limit.
_ORDINARY_HEAD_MAX = min(limits.STATUS_LINE_MAX, limits.FIELD_LINE_MAX)

#: Ordinary heads read lately, by (head text, request method, Connection: close sent): the
#: status line, the fields and the framing decision, all immutable. A client that fetches one
#: resource again and again gets the same head each time (its Date changes once a second),
#: and parsing it costs more than anything else in a small response. Heads up to
#: _HEAD_MEMO_TEXT_MAX characters are kept; the memo is emptied when it reaches
#: _HEAD_MEMO_SIZE entries, so a server whose heads always differ costs it a lookup each.
_HEAD_MEMO: dict[
    tuple[str, str, bool], tuple[tuple[int, int, str], tuple[tuple[str, str], ...], Decision]
] = {}
_HEAD_MEMO_SIZE = 64
_HEAD_MEMO_TEXT_MAX = 2048


class _Read:
    """What one read_body call has gathered so far."""

    __slots__ = ("blocking", "pieces", "room")

    def __init__(self, max_bytes: int, blocking: bool) -> None:
        self.room = max_bytes
        self.blocking = blocking
        self.pieces: list[bytes] = []

    def add(self, data: bytes) -> None:
        self.pieces.append(data)
        self.room -= len(data)

    def data(self) -> bytes:
        return self.pieces[0] if len(self.pieces) == 1 else b"".join(self.pieces)


class ResponseReader:
    """Reads the response to one request.

    Args:
        method: the request's method token; HEAD and CONNECT change the framing.
        upgrade: the request carried an Upgrade field, so a 101 is a final response.
        close_sent: the request carried `Connection: close`, so the connection is not reused.
    """

    def __init__(
        self, method: str = "GET", *, upgrade: bool = False, close_sent: bool = False
    ) -> None:
        self._method = method
        self._upgrade = upgrade
        self._close_sent = close_sent
        self._in = ReceiveBuffer()
        self._state = _STATUS_LINE
        self._heads = Budget(limits.HEAD_BYTES_MAX, "response heads")
        self._section: FieldSection | None = None  # the line-by-line path's fields
        self._interim = 0
        self._status = (0, 0, "")
        self._head: Head | None = None
        self._keep_alive = False
        self._reusable = False
        self._remaining = 0  # body bytes left: of the length, or of the current chunk
        self._chunk_size = 0
        self._received = 0
        self._extensions = 0

    # -- input --------------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        """Append received bytes. Parsing happens in next_head and read_body."""
        if self._in.eof:
            raise RuntimeError("feed() after feed_eof()")
        self._in.append(data)

    def feed_eof(self, *, clean: bool = True) -> None:
        """Record that the peer closed. clean=False marks an unclean end (a TLS EOF without
        close_notify, a reset), which truncates a close-delimited body (robustness.md §3.7)."""
        self._in.eof = True
        self._in.clean_eof = clean

    @property
    def buffered(self) -> int:
        """Bytes received and not yet consumed (framing included)."""
        return len(self._in)

    @property
    def done(self) -> bool:
        """The exchange ended cleanly: after a head without body, or the read that ended it."""
        return self._state is _DONE

    @property
    def reusable(self) -> bool:
        """Once done: whether the connection may carry the next request (§5.6, §13.1).

        False when the framing, the versions or the Connection fields forbid it, when the
        request sent `Connection: close`, or when bytes beyond the message or the peer's close
        were already received. True for a tunnel or an upgrade: the stream stays with the
        caller. Whether the request was fully written is the caller's to add.
        """
        return self._reusable

    # -- output -------------------------------------------------------------------------

    def next_head(self) -> Head | None:
        """Parse buffered bytes; return the final head, or None while more bytes are needed.

        Interim 1xx heads are parsed, checked and dropped. Raises RemoteProtocolError for a
        malformed head, a crossed limit, or a close before the final head (TRUNCATED).
        """
        if self._state not in _HEAD_STEPS:
            raise RuntimeError(f"next_head() while reading the {self._state.value}")
        try:
            if self._state is _STATUS_LINE:
                self._ordinary_head()
            while self._state in _HEAD_STEPS:
                if not _HEAD_STEPS[self._state](self):
                    if self._in.eof:
                        raise self._head_truncated()
                    return None
        except RemoteProtocolError:
            self._goto(On.FAULT)
            raise
        return self._head

    def read_body(self, max_bytes: int, *, blocking: bool = False) -> Body:
        """Decode up to max_bytes body bytes from the buffer; never chunk framing.

        Non-blocking (the default) takes whatever is buffered, across chunks, and returns
        `Body(b"", False)` when nothing is. blocking=True follows httpclient.md §6: it takes
        nothing until it can return max_bytes, the rest of a length-delimited body, the end
        of the current chunk (at least one byte), the end of the body, or what is left at
        EOF; until then it returns `Body(b"", False)` and the caller waits and feeds more.
        The read that consumes the end of the body (for chunked: the last chunk and the
        trailers too) returns end=True.

        Raises RemoteProtocolError for bad framing, a crossed limit or an early close; its
        `partial` holds the bytes this call decoded before the fault.
        """
        # The common cases, served from the buffer: a piece of a length-delimited body, or
        # one inside (or ending) the current chunk. The steps below give the same results;
        # once the peer has closed they alone judge what is missing.
        state = self._state
        if self._in.eof:
            pass
        elif state is _LENGTH:
            remaining = self._remaining
            want = remaining if remaining < max_bytes else max_bytes
            data = self._in.take(want) if want > 0 else None
            if data is not None:
                self._received += want
                self._remaining = remaining = remaining - want
                if remaining:
                    return Body(data, False)
                self._finish()
                return Body(data, True)
            if want > 0 and not self._in:
                return Body(b"", False)  # nothing buffered: nothing to decode yet
        elif state is _CHUNK_DATA and max_bytes > 0:
            remaining = self._remaining
            want = remaining if remaining < max_bytes else max_bytes
            data = self._in.take(want)
            if data is not None:
                self._received += want
                self._remaining = remaining = remaining - want
                if remaining:
                    return Body(data, False)
                self._goto(_ON_CHUNK_DATA_END)
                if self._next_chunk():
                    room = max_bytes - want
                    if blocking or not room:
                        return Body(data, False)
                    # A non-blocking piece goes on into the next chunk: when it ends inside
                    # it, the rest is taken here too.
                    remaining = self._remaining
                    more = self._in.take(room) if remaining > room else None
                    if more is not None:
                        self._received += room
                        self._remaining = remaining - room
                        return Body(data + more, False)
                # Otherwise the steps go on (from the chunk's CRLF, or from the next chunk's
                # data) with this piece in hand.
                read = _Read(max_bytes, blocking)
                read.add(data)
                return self._run_body_steps(read)
            if not self._in:
                return Body(b"", False)
        if state not in _BODY_STEPS:
            raise RuntimeError(f"read_body() while in state {state.value!r}")
        if max_bytes < 1:
            raise ValueError("max_bytes must be at least 1")
        return self._run_body_steps(_Read(max_bytes, blocking))

    def _next_chunk(self) -> bool:
        """After a piece that ended a chunk: step over the CRLF and a plain, non-zero next
        size line if they are buffered, as the steps would before that chunk's data. False,
        touching nothing, for anything else (an extension, the last chunk, a line not yet
        complete), which the steps then judge."""
        match = self._in.match(grammar.CHUNK_END_AND_SIZE, _CHUNK_END_ROOM)
        size = match[1] if match is not None and match[2] is None else b""
        if len(size) >= limits.CHUNK_SIZE_DIGITS_MAX or not size.strip(b"0"):
            return False  # (a size this long might cross the limit; the steps check it)
        assert match is not None
        return self._chunk_end_and_size(match)

    def _chunk_end_and_size(self, match: re.Match[bytes]) -> bool:
        """Step over a CHUNK_END_AND_SIZE match: the CRLF after chunk data, then the size line."""
        self._in.skip(len(match[0]))
        self._goto(_ON_CHUNK_CRLF)
        return self._chunk_size_line(match)

    def _run_body_steps(self, read: _Read) -> Body:
        """Run body steps until one needs more bytes or the body ends; the piece gathered."""
        try:
            step = _BODY_STEPS.get(self._state)
            while step is not None and step(self, read):
                step = _BODY_STEPS.get(self._state)
        except RemoteProtocolError as exc:
            exc.partial = read.data()
            self._goto(On.FAULT)
            raise
        return Body(read.data(), self._state is _DONE)

    def direct_run(self) -> int:
        """How many body bytes follow the buffered ones before any framing, when every
        buffered byte is body; else 0.

        A caller completing a large piece reads at most that many from its stream: into the
        buffer (`feed`), or, when nothing is buffered, straight to `take_direct`, which
        spares the buffer's copies. 0 at framing (chunk sizes, trailers) and outside the body.
        """
        state = self._state
        if state is _LENGTH or state is _CHUNK_DATA:
            return max(0, self._remaining - len(self._in))
        if state is _UNTIL_CLOSE and not self._in.eof:
            return limits.LENGTH_VALUE_MAX
        return 0

    def take_direct(self, data: bytes) -> Body:
        """Account for body bytes the caller read itself while nothing was buffered, at most
        `direct_run()` of them."""
        if self._in or not 0 < len(data) <= self.direct_run():
            raise RuntimeError(
                f"take_direct() of {len(data)} bytes with {len(self._in)} buffered, "
                f"{self.direct_run()} allowed"
            )
        return self._take(data)

    def _take(self, data: bytes) -> Body:
        """Count body bytes taken outside the steps; end the body or the chunk they complete."""
        self._received += len(data)
        if self._state is _UNTIL_CLOSE:
            return Body(data, False)
        self._remaining -= len(data)
        if self._remaining == 0:
            if self._state is _LENGTH:
                self._finish()
            else:
                self._goto(_ON_CHUNK_DATA_END)
        return Body(data, self._state is _DONE)

    # -- state --------------------------------------------------------------------------

    def _goto(self, event: On) -> None:
        try:  # the table lookup inline: it runs several times per chunk
            self._state = TRANSITIONS[self._state, event]
        except KeyError:
            next_state(self._state, event)  # raises, naming the missing pair

    def _finish(self) -> None:
        self._reusable = self._clean_end()
        self._goto(_ON_BODY_END)

    def _clean_end(self) -> bool:
        """Reuse needs a persistent exchange, no bytes beyond it and no close yet (§13.1)."""
        return self._keep_alive and not self._in and not self._in.eof

    # -- head ---------------------------------------------------------------------------

    def _head_truncated(self) -> RemoteProtocolError:
        if self._heads.left == limits.HEAD_BYTES_MAX and not self._in:
            return RemoteProtocolError("no response: connection closed", Fault.TRUNCATED)
        return RemoteProtocolError("connection closed inside the response head", Fault.TRUNCATED)

    def _status_line(self) -> bool:
        start = self._in.peek(5)
        if not b"HTTP/".startswith(start):
            bad = next(i for i, byte in enumerate(start) if byte != b"HTTP/"[i])
            raise RemoteProtocolError(
                f"response does not start with HTTP/ (got {quote(start[: bad + 1])})",
                Fault.MALFORMED,
            )
        message = f"status line longer than {limits.STATUS_LINE_MAX} bytes"
        line = self._in.budgeted_line(limits.STATUS_LINE_MAX, message, self._heads)
        if line is None:
            return False
        content = line_content(line, "status")
        match = grammar.STATUS_LINE.fullmatch(content)
        if match is None:
            raise RemoteProtocolError(f"invalid status line {quote(content)}", Fault.MALFORMED)
        minor, status = int(match[1]), int(match[2])
        if status == 101 and not self._upgrade:
            raise RemoteProtocolError("101 response to a request without Upgrade", Fault.MALFORMED)
        if _is_interim(status):
            self._interim += 1
            if self._interim > limits.INTERIM_MAX:
                raise RemoteProtocolError(
                    f"more than {limits.INTERIM_MAX} interim responses", Fault.LIMIT
                )
        self._status = (status, minor, grammar.decode(match[3] or b""))
        self._section = FieldSection("field", limits.FIELD_LINE_MAX, limits.FIELDS_MAX, self._heads)
        self._goto(On.STATUS_LINE)
        return True

    def _ordinary_head(self) -> None:
        """Read a complete, ordinary final head in one pass, or leave it all to the line steps.

        Ordinary: valid UTF-8, every line ends in CRLF, no NUL or lone CR, no fold, a final
        status (200-999), at most FIELDS_MAX fields, and short enough (_ORDINARY_HEAD_MAX) that
        no line can cross its limit. Anything else, including every error, is left untouched
        for ``_status_line`` and ``_head_field``, which give the same result line by line, so
        this is only a shortcut for the common case. A head read before (``_HEAD_MEMO``) is
        not parsed again.
        """
        found = self._in.text_block(b"\r\n\r\n", min(self._heads.left, _ORDINARY_HEAD_MAX))
        if found is None:
            return
        text, size = found
        key = (text, self._method, self._close_sent)
        known = _HEAD_MEMO.get(key)
        if known is not None:
            self._in.skip(size)
            self._heads.left -= size
            self._status, known_fields, known_decision = known
            self._goto(_ON_STATUS_LINE)
            self._take_head(known_fields, known_decision)
            return
        match = grammar.ORDINARY_HEAD.fullmatch(text)
        if match is None:
            return
        lines = match[4]  # every field line with its CRLF: "Name:value" with no CR, LF or NUL
        if lines.count("\n") > limits.FIELDS_MAX:
            return
        fields: list[tuple[str, str]] = []
        if lines:
            # A name is a token, so it ends at the first colon; the value is the rest without
            # its edge blanks, as the line path trims it.
            for line in lines[:-2].split("\r\n"):
                name, _, value = line.partition(":")
                fields.append((name, value.strip(" \t")))
        self._in.skip(size)
        self._heads.left -= size
        minor, status, reason = match.group(1, 2, 3)
        self._status = head_status = (int(status), int(minor), reason or "")
        self._goto(_ON_STATUS_LINE)
        decision = decide(self._method, self._close_sent, head_status[0], head_status[1], fields)
        head_fields = tuple(fields)
        self._take_head(head_fields, decision)
        if len(text) <= _HEAD_MEMO_TEXT_MAX:
            if len(_HEAD_MEMO) >= _HEAD_MEMO_SIZE:
                _HEAD_MEMO.clear()
            _HEAD_MEMO[key] = (head_status, head_fields, decision)

    def _head_field(self) -> bool:
        assert self._section is not None
        ended = self._section.take_line(self._in)
        if ended is None:
            return False
        if ended:
            self._end_head(self._section.fields)
        return True

    def _end_head(self, fields: list[tuple[str, str]]) -> None:
        status, minor, _ = self._status
        if _is_interim(status):
            self._goto(On.INTERIM_END)
            return
        self._take_head(
            tuple(fields), decide(self._method, self._close_sent, status, minor, fields)
        )

    def _take_head(self, fields: tuple[tuple[str, str], ...], decision: Decision) -> None:
        """Make the final head and enter its body (or end the exchange)."""
        framing, length, keep_alive, te_with_cl = decision
        self._head = Head(*self._status, fields, framing, length, te_with_cl)
        self._keep_alive = keep_alive
        self._remaining = length if length > 0 else 0
        self._goto(HEAD_ENDS[framing])
        if self._state is _DONE:
            handed_over = framing is not _NO_FRAMING  # a tunnel or an upgrade
            self._reusable = handed_over or self._clean_end()

    # -- body ---------------------------------------------------------------------------

    def _available(self, read: _Read, want: int) -> int:
        """How many of `want` body bytes to take now; 0 means wait (or want was 0).

        A blocking read takes nothing until all of them are buffered or the peer closed.
        """
        take = min(want, len(self._in))
        if read.blocking and take < want and not self._in.eof:
            return 0
        return take

    def _length_body(self, read: _Read) -> bool:
        if self._remaining == 0:
            self._finish()
            return True
        take = self._available(read, min(self._remaining, read.room))
        if take == 0:
            if self._in.eof and not self._in:
                expected = self._received + self._remaining
                raise RemoteProtocolError(
                    f"connection closed after {self._received} of {expected} body bytes",
                    Fault.TRUNCATED,
                    received=self._received,
                    expected=expected,
                )
            return False
        read.add(self._in.consume(take))
        self._remaining -= take
        self._received += take
        return True

    def _close_body(self, read: _Read) -> bool:
        take = self._available(read, read.room)
        if take:
            read.add(self._in.consume(take))
            self._received += take
            return True
        if self._in or not self._in.eof:
            return False
        if not self._in.clean_eof:
            raise RemoteProtocolError(
                f"connection ended without a clean close (a reset, or TLS without close_notify) "
                f"after {self._received} body bytes; the body may be truncated",
                Fault.TRUNCATED,
            )
        self._finish()
        return True

    def _chunk_header(self, read: _Read) -> bool:
        # A well-formed line is matched in place; anything else takes the line path below,
        # which finds the same line and judges it.
        match = self._in.match(grammar.CHUNK_SIZE_CRLF, limits.CHUNK_SIZE_LINE_MAX)
        if match is not None:
            self._in.skip(len(match[0]))
        else:
            line = self._in.line(limits.CHUNK_SIZE_LINE_MAX, _CHUNK_SIZE_LINE_TOO_LONG)
            if line is None:
                if self._in.eof:
                    raise RemoteProtocolError("connection closed in chunk framing", Fault.TRUNCATED)
                return False
            match = grammar.CHUNK_SIZE_LINE.fullmatch(line[:-2])
            if not line.endswith(b"\r\n") or match is None:
                raise RemoteProtocolError(f"invalid chunk-size line {quote(line)}", Fault.MALFORMED)
        return self._chunk_size_line(match)

    def _chunk_size_line(self, match: re.Match[bytes]) -> bool:
        """Apply a well-formed chunk-size line (group 1 the size, group 2 the extensions)."""
        self._extensions += len(match[2] or b"")
        if self._extensions > limits.CHUNK_EXTENSIONS_MAX:
            raise RemoteProtocolError(
                f"chunk extensions exceed {limits.CHUNK_EXTENSIONS_MAX} bytes", Fault.LIMIT
            )
        size = int(match[1], 16)
        if size > limits.LENGTH_VALUE_MAX:
            raise RemoteProtocolError(f"chunk size {quote(match[1])} too large", Fault.MALFORMED)
        if size:
            self._chunk_size = self._remaining = size
            self._goto(_ON_CHUNK_HEADER)
        else:
            budget = Budget(limits.TRAILER_BYTES_MAX, "trailers")
            self._section = FieldSection(
                "trailer", limits.TRAILER_LINE_MAX, limits.TRAILER_FIELDS_MAX, budget
            )
            self._goto(_ON_LAST_CHUNK)
        return True

    def _chunk_data(self, read: _Read) -> bool:
        if read.blocking and read.pieces:
            return False  # a blocking read stops at the end of a chunk
        take = self._available(read, min(self._remaining, read.room))
        if take == 0:
            if self._in.eof and not self._in:
                got = self._chunk_size - self._remaining
                raise RemoteProtocolError(
                    f"connection closed inside a chunk: received {got} of {self._chunk_size} bytes",
                    Fault.TRUNCATED,
                    received=got,
                    expected=self._chunk_size,
                )
            return False
        read.add(self._in.consume(take))
        self._remaining -= take
        self._received += take
        if self._remaining == 0:
            self._goto(_ON_CHUNK_DATA_END)
        return True

    def _chunk_end(self, read: _Read) -> bool:
        # The CRLF and a well-formed next size line, matched in place in one go.
        match = self._in.match(grammar.CHUNK_END_AND_SIZE, _CHUNK_END_ROOM)
        if match is not None:
            return self._chunk_end_and_size(match)
        if self._in.skip_prefix(b"\r\n"):
            self._goto(_ON_CHUNK_CRLF)
            return True
        ending = self._in.peek(2)
        if len(ending) < 2 and not self._in.eof:
            return False  # judged on two bytes, so the message never depends on the cut
        if ending in (b"", b"\r"):
            raise RemoteProtocolError("connection closed in chunk framing", Fault.TRUNCATED)
        raise RemoteProtocolError(
            f"chunk data not followed by CRLF (got {quote(ending)})", Fault.MALFORMED
        )

    def _trailer(self, read: _Read) -> bool:
        assert self._section is not None
        ended = self._section.take_line(self._in)
        if ended is None:
            if not self._in.eof:
                return False
            if self._in:
                raise RemoteProtocolError(
                    "connection closed inside a trailer line", Fault.TRUNCATED
                )
            # A close at a line boundary after the last chunk still completes the body
            # (RFC 9112 §8); _finish refuses reuse because the peer closed.
        elif not ended:
            return True
        self._finish()
        return True


def _is_interim(status: int) -> bool:
    """1xx heads are skipped, except a 101, which is final (the only one allowed to be)."""
    return 100 <= status < 200 and status != 101


_HEAD_STEPS: dict[State, Callable[[ResponseReader], bool]] = {
    State.STATUS_LINE: ResponseReader._status_line,
    State.FIELDS: ResponseReader._head_field,
}

_BODY_STEPS: dict[State, Callable[[ResponseReader, _Read], bool]] = {
    State.LENGTH: ResponseReader._length_body,
    State.UNTIL_CLOSE: ResponseReader._close_body,
    State.CHUNK_SIZE: ResponseReader._chunk_header,
    State.CHUNK_DATA: ResponseReader._chunk_data,
    State.CHUNK_END: ResponseReader._chunk_end,
    State.TRAILERS: ResponseReader._trailer,
}
