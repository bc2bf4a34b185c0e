"""The exchange of ``HTTPClient``: writing a request, reading the response head and body.

``Exchange`` is a plain mixin (not an Object class, so ClassDB sees none of it) holding the
client's private steps that move bytes between the sans-I/O core in ``net.http`` and the
stream: sending and flushing the request, feeding the reader, the blocking waits and their
timeout, ending the exchange; and the status changes they make, through ``_go`` and the table
in ``net.http_client_states``. ``net.http_client`` binds the engine's API on top of it.
Imports ``engine.object_model``, ``net.http``, the stream peers, the resolver and settings.
"""

from __future__ import annotations

import functools
import logging
import time
from typing import Final

from engine.object_model import Error
from engine.object_model.errors import err_print, fail_cond, warn_print
from net import http, settings
from net.http_client_states import (
    CONNECTED,
    DISCONNECTED,
    END_CLOSING,
    END_REUSABLE,
    EOF,
    FAULT_ERRORS,
    HEAD_WITH_BODY,
    OK,
    REQUEST_SENT,
    STICKY,
    TRANSITIONS,
    On,
)
from net.http_constants import Status
from net.http_target import user_agent
from net.ip import IP
from net.stream_peer import LONGEST_WAIT, StreamPeer, wait_for_either
from net.tcp import StreamPeerTCP
from net.tls import StreamPeerSSL, close_stream, session_error

#: The client's log: every line of the exchange is the client's.
logger: Final = logging.getLogger("net.http_client")


#: Bytes asked of the stream per read while a head or body is buffered (httpclient.md §5.1).
READ_BLOCK: Final = 65536

#: Body pieces at least this large are read straight from the stream when nothing is buffered;
#: smaller ones are sliced from a READ_BLOCK read (one system call for many pieces).
DIRECT_READ_MIN: Final = 16384

#: The most asked of the stream in one read (a 16 MiB read_chunk_size gathers in the buffer).
DIRECT_READ_MAX: Final = 1 << 20


#: TRANSITIONS with what each change implies, worked out once: the next status, its plain int
#: (for get_status) and whether entering it lets go of the stream (every sticky status but
#: DISCONNECTED, whose ways in, close() and a closing end, release it first themselves).
_STEPS: Final[dict[tuple[Status, On], tuple[Status, int, bool]]] = {
    key: (status, int(status), status in STICKY and status != DISCONNECTED)
    for key, status in TRANSITIONS.items()
}


class BlockingTimeout(Exception):
    """A blocking-mode wait ran out of time, or found the stream gone: another thread closed
    or freed the client meanwhile (``_fail`` then answers for that)."""


class Exchange:
    """The client's state and the private steps of one request and its response."""

    _status: Status
    _status_code: int  # int(_status), kept beside it for get_status (a plain int to return)
    _connection: StreamPeer | None
    _owned: bool  # the client made the stream, so it closes it
    _origin: http.Origin | http.ForwardOrigin | None
    _resolving: int  # the resolver item of a pending name lookup
    _call_started: float  # when the blocking call under way began: its timeout counts from here
    _head_block: int  # bytes asked per read of a response head
    _unsent: bytes | memoryview  # what the request has still to send
    _upload_cut: bool  # the request stopped before its end: the connection is not reused
    _write_error: Error  # why the last write failed, or OK
    _reader: http.ResponseReader | None
    # The last request prepared (its target, headers, method, body and origin) and what it
    # gave: a client repeating a request skips even the cache's key building.
    _last_prepared: tuple[str, list[str], int, bytes, object, http.PreparedRequest] | None
    _head: http.Head | None
    _eof: bool
    _handed_over: bool  # a tunnel or an upgrade: the stream is the caller's
    _warn_empty_host: bool
    _blocking: bool
    _freed: bool  # Object's: the client was freed

    def _go(self, event: On) -> None:
        try:
            self._status, self._status_code, release = _STEPS[(self._status, event)]
        except KeyError:
            raise RuntimeError(
                f"no transition from {self._status.name} on '{event.value}'"
            ) from None
        if release:
            self._release()

    def _release(self) -> None:
        """Let go of the stream: close what the client made, drop what it was given (giving
        back the reference taken on it, which frees it if the client was its last owner)."""
        connection, self._connection = self._connection, None
        if connection is not None and not connection._freed:
            if self._owned:
                close_stream(connection)
            else:
                connection.unreference()
        self._owned = False
        self._unsent = b""
        if self._resolving != IP.RESOLVER_INVALID_ID:
            IP.get_singleton().erase_resolve_item(self._resolving)
            self._resolving = IP.RESOLVER_INVALID_ID

    def _fail(self, function: str, message: str, code: Error) -> Error:
        """A network or protocol failure in a live exchange: one line, CONNECTION_ERROR."""
        if self._status == DISCONNECTED:  # a live exchange never is: another thread ended it
            if self._freed:  # answer as a freed client's methods do
                err_print(function, f"Attempt to call '{function}' on a previously freed instance.")
                return Error.ERR_INVALID_PARAMETER
            err_print(function, "the client was closed during the call (by another thread)", logger)
            return Error.ERR_CONNECTION_ERROR
        if alert := session_error(self._connection):  # a TLS alert is the cause: name it
            message = f"TLS session failed ({alert}): {message}"
        err_print(function, message, logger)
        self._go(On.LOST)
        return code

    def _expire(self, function: str, reason: str) -> bool:
        """End the exchange from outside the client (a ``PollGroup``'s idle timeout), as a
        failure of the connection: one line, CONNECTION_ERROR. ``False``, with nothing done,
        in a status the table gives no such way out of."""
        if (self._status, On.LOST) not in TRANSITIONS:
            return False
        self._fail(function, reason, Error.ERR_TIMEOUT)
        return True

    def _reset_response(self) -> None:
        self._head = None
        self._reader = None
        self._eof = False
        self._handed_over = False
        self._upload_cut = False
        self._write_error = OK

    # --- sending ----------------------------------------------------------------------

    def _send(self, function: str, method: int, url: str, headers: list[str], body: bytes) -> Error:
        last, origin = self._last_prepared, self._origin
        if (
            last is not None
            and last[0] == url
            and last[1] == headers
            and last[2] == method
            and last[3] == body
            and last[4] is origin
        ):
            prepared = last[5]
        else:
            try:
                prepared = prepare(method, url, headers, body, origin)
            except http.LocalProtocolError as refused:
                log_refused(function, method, refused)
                return Error.ERR_INVALID_PARAMETER
            # Small requests only: a large body would be held after its exchange, and
            # compared byte by byte with the next one.
            small = len(body) <= _CACHED_REQUEST_MAX
            self._last_prepared = (
                (url, list(headers), method, body, origin, prepared) if small else None
            )
        if self._status != CONNECTED:
            bad = Error.ERR_INVALID_PARAMETER
            fail_cond(function, "status != STATUS_CONNECTED", bad, log=logger)
            return bad
        if self._connection is None:
            fail_cond(function, "connection.is_null()", Error.ERR_INVALID_DATA, log=logger)
            return Error.ERR_INVALID_DATA
        idle = self._idle_check(function)
        if idle != OK:
            return idle
        if prepared.empty_host and self._warn_empty_host:
            warn_print(
                function, "no host is known for this connection: sending an empty Host.", logger
            )
            self._warn_empty_host = False
        self._reset_response()
        self._reader = prepared.reader()
        # A tunnel's or an upgrade's head is read a byte at a time: what follows it is the
        # caller's (httpclient.md §5.1).
        self._head_block = 1 if prepared.method == "CONNECT" or prepared.upgrade else READ_BLOCK
        self._unsent = prepared.data
        self._go(REQUEST_SENT)
        error = self._flush()
        if self._blocking and self._unsent and error == OK:
            try:
                error = self._send_rest()
            except BlockingTimeout:
                return self._fail(function, "timed out sending the request", Error.ERR_TIMEOUT)
        if error != OK and not self._reply_began():
            return self._fail(function, f"sending the request failed ({error.name})", error)
        return OK

    def _send_rest(self) -> Error:
        """A blocking request's rest: write, waiting as needed, until all is sent or the reply
        has begun (bytes or the stream's end arrived), whichever comes first.

        A server may answer before it has read the whole upload: an early 413 after which it
        reads no more, an echo that stops reading while its reply is not read. Waiting only to
        write would then deadlock or lose the reply; once it has begun, ``poll`` reads the head
        and goes on writing (the stream's end, too, is for ``poll`` to report).
        """
        self._call_started = time.monotonic()
        block = self._head_block
        while self._unsent:
            self._wait()
            if self._pull(block):
                return OK
            error = self._flush()
            if error != OK:
                return error
        return OK

    def _reply_began(self) -> bool:
        """After a failed write: whether the server had answered (read now if need be). That
        answer is then the response, for ``poll`` to deliver (httpclient.md §4.3)."""
        reader = self._reader
        assert reader is not None
        if not reader.buffered and not self._eof:
            self._pull(self._head_block)
        return reader.buffered > 0

    def _flush(self) -> Error:
        """Write what the stream takes now of the unsent request.

        A failed write ends the upload (the reply may still be read, httpclient.md §4.3; the
        connection is not reused) and is kept in ``_write_error`` for the calls that judge it.
        """
        connection = self._connection
        while self._unsent and connection is not None:
            error, sent = connection._write(self._unsent)
            if error != OK:
                self._write_error = error
                self._stop_upload()
                return error
            if not sent:
                break
            # The whole request usually goes at once; a partial write keeps a view of the rest.
            unsent = self._unsent
            self._unsent = b"" if sent == len(unsent) else memoryview(unsent)[sent:]
        return OK

    def _stop_upload(self) -> None:
        """Send no more of the request; the connection then closes after the response."""
        self._unsent = b""
        self._upload_cut = True

    # --- reading ----------------------------------------------------------------------

    def _idle_check(self, function: str) -> Error:
        """OK while the idle connection can carry a request; otherwise it is lost:
        CONNECTION_ERROR, logged at DEBUG whichever call found it (an idle close is a network
        outcome, not misuse: httpclient.md §11, §13.3); a TLS alert is not a close but class F,
        one ERROR line naming it (robustness.md §5)."""
        connection = self._connection
        if self._handed_over or connection is None:
            return OK
        if type(connection) is StreamPeerTCP and connection._look() == 0:
            return OK  # nothing at all waits: no bytes, no close, no error
        error, data = connection._read(1)  # one non-blocking look: data, EOF or error
        if error == OK and not data:
            return OK
        if error == EOF:
            why = "the server closed it"
        elif error != OK:
            why = f"the stream failed ({Error(error).name})"
        else:
            why = "the server sent bytes while no request was outstanding"
        if error not in (OK, EOF) and session_error(self._connection):  # not an idle close
            return self._fail(function, "the idle connection broke", Error.ERR_CONNECTION_ERROR)
        logger.debug("%s: idle connection ended: %s", function, why)
        self._go(On.LOST)
        return Error.ERR_CONNECTION_ERROR

    def _poll_body(self) -> Error:
        if self._unsent:  # the upload goes on while the reply comes (RFC 9112 §9.5)
            self._flush()
        connection = self._connection
        if connection is None or (type(connection) is StreamPeerTCP and not connection._drained):
            # The last read found more bytes coming: the next read judges the stream (and
            # reports an error as well), so the loop that polls before each read of a
            # streaming body pays no system call here.
            return OK
        # With body bytes still buffered the next read delivers them and judges the end.
        if self._reader is not None and self._reader.buffered:
            return OK
        # A look that shows no failure spares reading the status (a MSG_PEEK that raises when
        # nothing came), and tells the next read whether bytes wait.
        if type(connection) is StreamPeerTCP and connection._looks_sound():
            return OK
        if broken(connection):
            return self._fail(
                "poll", "the connection broke while reading the body", Error.ERR_CONNECTION_ERROR
            )
        return OK

    def _poll_requesting(self) -> Error:
        assert self._reader is not None and self._connection is not None
        if self._unsent:
            self._flush()
        try:
            head = self._read_head()
        except BlockingTimeout:
            return self._fail("poll", "timed out waiting for the response", Error.ERR_TIMEOUT)
        except http.RemoteProtocolError as fault:
            write_error = self._write_error
            if write_error != OK and fault.fault is http.Fault.TRUNCATED:
                return self._fail(
                    "poll", f"sending the request failed ({write_error.name})", write_error
                )
            return self._fail("poll", fault.message, FAULT_ERRORS[fault.fault])
        if head is None:
            write_error = self._write_error
            if write_error != OK:
                return self._fail(
                    "poll", f"sending the request failed ({write_error.name})", write_error
                )
            return OK
        self._head = head
        if self._unsent and head.status >= 400:
            # A final error reply ends the upload (RFC 9112 §9.5); any other keeps it going,
            # through poll and the body reads, as an echo needs.
            self._stop_upload()
        if head.te_with_cl:
            warn_print(
                "poll",
                "response has both Transfer-Encoding and Content-Length: the length is "
                "ignored and the connection will close after the body.",
                logger,
            )
        if head.has_body:
            self._go(HEAD_WITH_BODY)
        else:
            self._handed_over = head.framing in (http.Framing.TUNNEL, http.Framing.UPGRADE)
            self._end_exchange()
        return OK

    def _read_head(self) -> http.Head | None:
        """Feed what has arrived to the reader until the final head is complete.

        Non-blocking: stops when the stream has nothing more. Blocking: waits for bytes first
        (a reply is rarely there the moment a request went out), then reads, writing the rest
        of the request meanwhile, until the head, an error or the blocking timeout. After a
        failed write it only judges what has arrived, as non-blocking mode does.
        """
        assert self._reader is not None and self._connection is not None
        reader = self._reader
        block = self._head_block
        blocking = self._blocking and self._write_error == OK
        if blocking:
            self._call_started = time.monotonic()
            if reader.buffered:  # the reply began while request was still writing
                head = reader.next_head()
                if head is not None:
                    return head
        while True:
            if not self._eof:
                if blocking:
                    self._wait()
                    if self._unsent and self._flush() != OK:
                        blocking = False
                if not self._pull(block):
                    if blocking:
                        continue
                    return None
            head = reader.next_head()
            if head is not None or self._eof:
                return head

    def _pull(self, size: int, piece: int = 0, taken: int = 0) -> bool | http.Body:
        """Read up to ``size`` bytes into the reader: ``False`` when the stream had nothing,
        ``True`` after bytes or the stream's end.

        With ``piece`` (a body read of that many bytes, at least DIRECT_READ_MIN, of which the
        caller holds ``taken`` already) ending before the body bytes that follow the buffer run
        out, it reads just what completes the piece (at most DIRECT_READ_MAX). With nothing
        buffered that read goes straight from the stream to the caller as a ``Body``, whole or
        not, sparing the buffer and its copies.
        """
        reader, connection = self._reader, self._connection
        assert reader is not None and connection is not None
        direct = 0
        if piece >= DIRECT_READ_MIN and (buffered := reader.buffered) + taken < piece:
            whole = piece - taken - buffered
            if reader.direct_run() > whole:
                # The piece ends inside a run of body: ask for just what completes it, so the
                # buffer empties and the next piece can come straight from the stream. A piece
                # that reaches the run's end (a chunk's, the body's) is read with what follows
                # it, so the read that consumes the body's end also sees it.
                size = min(whole, DIRECT_READ_MAX)
                if not buffered:
                    direct = size
        error, data = connection._read(size)
        if data:
            if direct:
                return reader.take_direct(data)
            reader.feed(data)
            return True
        if error == OK:
            return False
        self._eof = True
        reader.feed_eof(clean=error == EOF)
        return True

    def _wait(self) -> None:
        """Block until the stream can be read, or written while request bytes are unsent, or
        raise ``BlockingTimeout``.

        The blocking timeout bounds the call as a whole (httpclient.md §6): it counts from
        ``_call_started``, set when the blocking call began, so a server that drips a byte just
        before each wait would end cannot hold the call past it.
        """
        connection = self._connection
        if connection is None:  # released by another thread closing or freeing the client
            raise BlockingTimeout
        limit = settings.get_int(settings.BLOCKING_TIMEOUT)
        timeout = self._call_started + limit - time.monotonic() if limit else None
        if timeout is not None and timeout <= 0:
            raise BlockingTimeout
        if self._unsent:
            ready = wait_for_either(connection, timeout)
        else:
            ready = connection._ready_within(False, timeout)
        # A limit longer than LONGEST_WAIT is waited out in parts: the callers loop.
        if self._connection is None:  # closed or freed by another thread meanwhile
            raise BlockingTimeout
        if not ready and (timeout is None or timeout <= LONGEST_WAIT):
            raise BlockingTimeout

    def _end_exchange(self) -> None:
        """The response is complete: keep the connection or close it, as the reader says."""
        assert self._reader is not None
        if self._reader.reusable and not (self._unsent or self._upload_cut or self._eof):
            self._go(END_REUSABLE)
            return
        self._release()
        self._go(END_CLOSING)

    def _read_more(self, first: http.Body, size: int) -> http.Body:
        """``first`` (what the buffer gave, short of a piece and not the end) plus what one
        block from the stream adds, never waiting.

        The stream is not read while the buffer holds a whole piece or the body's end (a
        close after a complete body is then the next request's to find, as for any later
        loss, httpclient.md §5.6). While blocks come but decode to nothing (framing: a chunk
        size line, a CRLF, a trailer, perhaps each in its own TLS record), more are read: a
        read that gives nothing must leave nothing received unread, or a caller waiting on
        ``fileno()`` would wait for bytes already here; the core's line limits keep the buffer
        bounded. A large rest may come straight from the stream.
        """
        reader = self._reader
        assert reader is not None
        if self._unsent:  # the upload goes on while the reply comes (RFC 9112 §9.5)
            self._flush()
        rest = size - len(first.data)
        try:
            pulled = self._pull(READ_BLOCK, piece=size, taken=len(first.data))
            if isinstance(pulled, http.Body):
                more = pulled
            else:
                more = reader.read_body(rest)
                while not (more.data or more.end or self._eof) and pulled:
                    pulled = self._pull(READ_BLOCK)
                    more = reader.read_body(rest)
        except http.RemoteProtocolError as fault:
            fault.partial = first.data + fault.partial
            raise
        return joined([first.data], more) if first.data else more

    def _read_blocking(self, size: int) -> http.Body:
        """A whole piece (httpclient.md §6) once the buffer could not give one: read, and wait
        when the stream has nothing, until the reader can answer or the blocking timeout
        passes. Parts of a large piece read straight from the stream are held and joined
        once the piece is whole."""
        reader = self._reader
        assert reader is not None
        held: list[bytes] = []
        got = 0
        self._call_started = time.monotonic()
        try:
            while True:
                try:
                    if self._unsent:  # the upload goes on while the reply comes
                        self._flush()
                    pulled = self._pull(READ_BLOCK, piece=size, taken=got)
                    if isinstance(pulled, http.Body):  # inside a run of body: whole when full
                        held.append(pulled.data)
                        got += len(pulled.data)
                        if got == size:
                            return joined(held, http.Body(b"", False))
                        continue
                    if not pulled:
                        self._wait()
                except BlockingTimeout:
                    partial = reader.read_body(size - got)
                    self._fail(
                        "read_response_body_chunk",
                        "timed out waiting for the body (ERR_TIMEOUT)",
                        Error.ERR_TIMEOUT,
                    )
                    return joined(held, http.Body(partial.data, False))
                piece = reader.read_body(size - got, blocking=not self._eof)
                if piece.data or piece.end or self._eof:
                    return joined(held, piece)
        except http.RemoteProtocolError as fault:
            fault.partial = b"".join(held) + fault.partial
            raise


_USER_AGENT: Final = user_agent()

#: Requests whose target, headers and body add up to at most this many characters are
#: remembered; larger ones are prepared afresh (the cache stays small: 256 entries).
_CACHED_REQUEST_MAX: Final = 4096


def prepare(
    method: int,
    url: str,
    headers: list[str],
    body: bytes,
    origin: http.Origin | http.ForwardOrigin | None,
) -> http.PreparedRequest:
    """``http.build_request``, remembered: a client repeating a request (polling an API, many
    clients fetching one path) skips its checks and serialisation. Raises what it raises."""
    try:
        if len(url) + sum(map(len, headers)) + len(body) <= _CACHED_REQUEST_MAX:
            return _prepare_cached(method, url, tuple(headers), body, origin)
    except (TypeError, ValueError):  # an argument that cannot be a key: build_request judges it
        pass
    return http.build_request(method, url, headers, body, origin=origin, user_agent=_USER_AGENT)


@functools.lru_cache(maxsize=256, typed=True)
def _prepare_cached(
    method: int,
    url: str,
    headers: tuple[str, ...],
    body: bytes,
    origin: http.Origin | http.ForwardOrigin | None,
) -> http.PreparedRequest:
    return http.build_request(method, url, headers, body, origin=origin, user_agent=_USER_AGENT)


def joined(held: list[bytes], last: http.Body) -> http.Body:
    """``last`` with the parts held before it in front."""
    if not held:
        return last
    return http.Body(
        b"".join([*held, last.data]) if len(held) > 1 or last.data else held[0], last.end
    )


def broken(connection: StreamPeer) -> bool:
    """Whether a stream with a status reports an error (a TLS peer is judged by its TCP peer)."""
    while isinstance(connection, StreamPeerSSL):
        if connection.get_status() in (
            StreamPeerSSL.Status.STATUS_ERROR,
            StreamPeerSSL.Status.STATUS_ERROR_HOSTNAME_MISMATCH,
        ):
            return True
        base = connection.get_stream()
        if base is None:
            return False
        connection = base
    return (
        isinstance(connection, StreamPeerTCP)
        and connection.get_status() == StreamPeerTCP.Status.STATUS_ERROR
    )


def log_refused(function: str, method: int, refused: http.LocalProtocolError) -> None:
    """One line for a request that failed validation, in the engine's words where it has them."""
    rule = refused.rule
    bad = Error.ERR_INVALID_PARAMETER
    if rule is http.RequestRule.METHOD:
        err_print(function, f"Index p_method = {method} is out of bounds (METHOD_MAX = 9).", logger)
    elif rule is http.RequestRule.TARGET:
        fail_cond(function, "!_check_request_url(p_method, p_url)", bad, log=logger)
    elif rule in (http.RequestRule.HEADER, http.RequestRule.HOST):
        fail_cond(function, f"!is_valid_header(p_headers[{refused.index}])", bad, log=logger)
    else:
        err_print(function, f"{refused.message}. Returned: {bad.name}", logger)
