"""``HTTPClient``: the engine's poll-driven HTTP/1.1 client, driving ``net.http`` over a StreamPeer.

The protocol is parsed and written by the sans-I/O core in ``net.http``; this module moves
bytes between it and a stream, owns the client status, and turns the core's errors into the
engine's ``Error`` codes and one log line each. Every status change goes through ``_go`` and
the table ``TRANSITIONS`` below; a (status, event) pair missing from it is a bug and raises.
Imports ``engine.object_model``, ``net.http`` and the stream peers, resolver and settings.
"""

from __future__ import annotations

import logging
import time
from enum import Enum, IntEnum
from typing import Annotated, Any, Final, TypeAlias

from engine.object_model import ClassDB, Error, PropertyHint, PropertyInfo, Reference, VariantType
from engine.object_model.errors import err_print, fail_cond, warn_print
from engine.object_model.info import PropertyUsage
from engine.object_model.variant import stringify
from net import http, settings
from net.http import limits
from net.http_target import HostRefused, parse_endpoint, user_agent
from net.ip import IP
from net.stream_peer import StreamPeer, wait_for
from net.tcp import StreamPeerTCP
from net.tls import StreamPeerSSL

logger: Final = logging.getLogger("net.http_client")

#: Bytes asked of the stream per read while a head or body is buffered (httpclient.md §5.1).
READ_BLOCK: Final = 65536


class Status(IntEnum):
    """The client's status (``HTTPClient.Status``)."""

    STATUS_DISCONNECTED = 0
    STATUS_RESOLVING = 1
    STATUS_CANT_RESOLVE = 2
    STATUS_CONNECTING = 3
    STATUS_CANT_CONNECT = 4
    STATUS_CONNECTED = 5
    STATUS_REQUESTING = 6
    STATUS_BODY = 7
    STATUS_CONNECTION_ERROR = 8
    STATUS_SSL_HANDSHAKE_ERROR = 9


class _On(Enum):
    """What happened; the table says which status follows."""

    CLOSE = "close"
    ADOPT = "set_connection"
    CONNECT_STARTED = "connect started"
    CONNECT_REFUSED = "no address accepts a connect"
    RESOLVE_QUEUED = "name queued with the resolver"
    RESOLVE_FAILED = "name did not resolve"
    CONNECTED = "connected"
    TLS_FAILED = "TLS handshake failed"
    LOST = "connection lost or broken"
    REQUEST_SENT = "request accepted"
    HEAD_WITH_BODY = "final head, a body follows"
    END_REUSABLE = "exchange over, connection reusable"
    END_CLOSING = "exchange over, connection closes"


S = Status
_ClientStatus: TypeAlias = Status  # inside HTTPClient the name Status is the class attribute
_ANY = tuple(Status)
_LIVE = (S.STATUS_CONNECTED, S.STATUS_REQUESTING, S.STATUS_BODY)

#: (status, event) -> next status: httpclient.md §2 as data.
TRANSITIONS: Final[dict[tuple[Status, _On], Status]] = {
    **{(s, _On.CLOSE): S.STATUS_DISCONNECTED for s in _ANY},
    **{(s, _On.ADOPT): S.STATUS_CONNECTED for s in _ANY},
    **{
        (s, _On.CONNECT_STARTED): S.STATUS_CONNECTING
        for s in (S.STATUS_DISCONNECTED, S.STATUS_RESOLVING)
    },
    **{
        (s, _On.CONNECT_REFUSED): S.STATUS_CANT_CONNECT
        for s in (S.STATUS_DISCONNECTED, S.STATUS_RESOLVING, S.STATUS_CONNECTING)
    },
    (S.STATUS_DISCONNECTED, _On.RESOLVE_QUEUED): S.STATUS_RESOLVING,
    (S.STATUS_DISCONNECTED, _On.RESOLVE_FAILED): S.STATUS_CANT_RESOLVE,
    (S.STATUS_RESOLVING, _On.RESOLVE_FAILED): S.STATUS_CANT_RESOLVE,
    (S.STATUS_CONNECTING, _On.CONNECTED): S.STATUS_CONNECTED,
    (S.STATUS_CONNECTING, _On.TLS_FAILED): S.STATUS_SSL_HANDSHAKE_ERROR,
    **{(s, _On.LOST): S.STATUS_CONNECTION_ERROR for s in _LIVE},
    (S.STATUS_CONNECTED, _On.REQUEST_SENT): S.STATUS_REQUESTING,
    (S.STATUS_REQUESTING, _On.HEAD_WITH_BODY): S.STATUS_BODY,
    (S.STATUS_REQUESTING, _On.END_REUSABLE): S.STATUS_CONNECTED,
    (S.STATUS_REQUESTING, _On.END_CLOSING): S.STATUS_DISCONNECTED,
    (S.STATUS_BODY, _On.END_REUSABLE): S.STATUS_CONNECTED,
    (S.STATUS_BODY, _On.END_CLOSING): S.STATUS_DISCONNECTED,
}

#: What ``poll`` answers in a status it cannot leave.
_STICKY: Final = {
    S.STATUS_DISCONNECTED: Error.ERR_UNCONFIGURED,
    S.STATUS_CANT_RESOLVE: Error.ERR_CANT_RESOLVE,
    S.STATUS_CANT_CONNECT: Error.ERR_CANT_CONNECT,
    S.STATUS_CONNECTION_ERROR: Error.ERR_CONNECTION_ERROR,
    S.STATUS_SSL_HANDSHAKE_ERROR: Error.ERR_CONNECTION_ERROR,
}

#: The ``Error`` a failed head or body read reports, by failure class.
_FAULT_ERRORS: Final = {
    http.Fault.MALFORMED: Error.ERR_INVALID_DATA,
    http.Fault.LIMIT: Error.ERR_INVALID_DATA,
    http.Fault.TRUNCATED: Error.ERR_CONNECTION_ERROR,
}


class _Timeout(Exception):
    """A blocking-mode wait ran out of time."""


class HTTPClient(Reference):
    """Low-level HTTP/1.1 client: connect once, then send requests and read responses by polling."""

    class Method(IntEnum):
        METHOD_GET = 0
        METHOD_HEAD = 1
        METHOD_POST = 2
        METHOD_PUT = 3
        METHOD_DELETE = 4
        METHOD_OPTIONS = 5
        METHOD_TRACE = 6
        METHOD_CONNECT = 7
        METHOD_PATCH = 8
        METHOD_MAX = 9

    Status = Status

    class ResponseCode(IntEnum):
        RESPONSE_CONTINUE = 100
        RESPONSE_SWITCHING_PROTOCOLS = 101
        RESPONSE_PROCESSING = 102
        RESPONSE_OK = 200
        RESPONSE_CREATED = 201
        RESPONSE_ACCEPTED = 202
        RESPONSE_NON_AUTHORITATIVE_INFORMATION = 203
        RESPONSE_NO_CONTENT = 204
        RESPONSE_RESET_CONTENT = 205
        RESPONSE_PARTIAL_CONTENT = 206
        RESPONSE_MULTI_STATUS = 207
        RESPONSE_ALREADY_REPORTED = 208
        RESPONSE_IM_USED = 226
        RESPONSE_MULTIPLE_CHOICES = 300
        RESPONSE_MOVED_PERMANENTLY = 301
        RESPONSE_FOUND = 302
        RESPONSE_SEE_OTHER = 303
        RESPONSE_NOT_MODIFIED = 304
        RESPONSE_USE_PROXY = 305
        RESPONSE_SWITCH_PROXY = 306
        RESPONSE_TEMPORARY_REDIRECT = 307
        RESPONSE_PERMANENT_REDIRECT = 308
        RESPONSE_BAD_REQUEST = 400
        RESPONSE_UNAUTHORIZED = 401
        RESPONSE_PAYMENT_REQUIRED = 402
        RESPONSE_FORBIDDEN = 403
        RESPONSE_NOT_FOUND = 404
        RESPONSE_METHOD_NOT_ALLOWED = 405
        RESPONSE_NOT_ACCEPTABLE = 406
        RESPONSE_PROXY_AUTHENTICATION_REQUIRED = 407
        RESPONSE_REQUEST_TIMEOUT = 408
        RESPONSE_CONFLICT = 409
        RESPONSE_GONE = 410
        RESPONSE_LENGTH_REQUIRED = 411
        RESPONSE_PRECONDITION_FAILED = 412
        RESPONSE_REQUEST_ENTITY_TOO_LARGE = 413
        RESPONSE_REQUEST_URI_TOO_LONG = 414
        RESPONSE_UNSUPPORTED_MEDIA_TYPE = 415
        RESPONSE_REQUESTED_RANGE_NOT_SATISFIABLE = 416
        RESPONSE_EXPECTATION_FAILED = 417
        RESPONSE_IM_A_TEAPOT = 418
        RESPONSE_MISDIRECTED_REQUEST = 421
        RESPONSE_UNPROCESSABLE_ENTITY = 422
        RESPONSE_LOCKED = 423
        RESPONSE_FAILED_DEPENDENCY = 424
        RESPONSE_UPGRADE_REQUIRED = 426
        RESPONSE_PRECONDITION_REQUIRED = 428
        RESPONSE_TOO_MANY_REQUESTS = 429
        RESPONSE_REQUEST_HEADER_FIELDS_TOO_LARGE = 431
        RESPONSE_UNAVAILABLE_FOR_LEGAL_REASONS = 451
        RESPONSE_INTERNAL_SERVER_ERROR = 500
        RESPONSE_NOT_IMPLEMENTED = 501
        RESPONSE_BAD_GATEWAY = 502
        RESPONSE_SERVICE_UNAVAILABLE = 503
        RESPONSE_GATEWAY_TIMEOUT = 504
        RESPONSE_HTTP_VERSION_NOT_SUPPORTED = 505
        RESPONSE_VARIANT_ALSO_NEGOTIATES = 506
        RESPONSE_INSUFFICIENT_STORAGE = 507
        RESPONSE_LOOP_DETECTED = 508
        RESPONSE_NOT_EXTENDED = 510
        RESPONSE_NETWORK_AUTH_REQUIRED = 511

    # ClassDB properties, declared for type checkers; registration installs them.
    blocking_mode_enabled: bool
    connection: StreamPeer | None
    read_chunk_size: int

    def __init__(self) -> None:
        super().__init__()
        self._status = Status.STATUS_DISCONNECTED
        self._connection: StreamPeer | None = None
        self._owned = False  # the client made the stream, so it closes it
        self._origin: http.Origin | None = None
        self._verify_host = True
        self._addresses: list[str] = []
        self._resolving = IP.RESOLVER_INVALID_ID
        self._deadline = 0.0
        self._unsent = memoryview(b"")
        self._reader: http.ResponseReader | None = None
        self._prepared: http.PreparedRequest | None = None
        self._head: http.Head | None = None
        self._eof = False
        self._handed_over = False  # a tunnel or an upgrade: the stream is the caller's
        self._warn_empty_host = False
        self._read_chunk_size = limits.READ_CHUNK_SIZE_DEFAULT
        self._blocking = False

    # --- status table -------------------------------------------------------------------

    def _go(self, event: _On) -> None:
        try:
            self._status = TRANSITIONS[(self._status, event)]
        except KeyError:
            raise RuntimeError(
                f"no transition from {self._status.name} on '{event.value}'"
            ) from None
        if self._status in _STICKY and self._status != Status.STATUS_DISCONNECTED:
            self._release()

    def _release(self) -> None:
        """Let go of the stream: close what the client made, drop what it was given."""
        connection, self._connection = self._connection, None
        if connection is not None and self._owned:
            getattr(connection, "disconnect_from_host", lambda: None)()
        self._owned = False
        self._unsent = memoryview(b"")
        if self._resolving != IP.RESOLVER_INVALID_ID:
            IP.get_singleton().erase_resolve_item(self._resolving)
            self._resolving = IP.RESOLVER_INVALID_ID

    def _fail(self, function: str, message: str, code: Error) -> Error:
        """A network or protocol failure in a live exchange: one line, CONNECTION_ERROR."""
        err_print(function, message, logger)
        self._go(_On.LOST)
        return code

    def _reset_response(self) -> None:
        self._head = None
        self._reader = None
        self._prepared = None
        self._eof = False
        self._handed_over = False

    # --- connecting ---------------------------------------------------------------------

    def connect_to_host(
        self, host: str, port: int = -1, use_ssl: bool = False, verify_host: bool = True
    ) -> Error:
        """Start connecting to ``host``; ``poll`` until CONNECTED. ``https://`` forces TLS."""
        self.close()
        try:
            endpoint = parse_endpoint(host, port, use_ssl)
        except HostRefused as refused:
            if refused.message:
                err_print("connect_to_host", refused.message, logger)
            else:
                fail_cond(
                    "connect_to_host", refused.condition, Error.ERR_INVALID_PARAMETER, log=logger
                )
            return Error.ERR_INVALID_PARAMETER
        if endpoint.tls and not verify_host:
            warn_print(
                "connect_to_host",
                "TLS without verify_host: the connection is encrypted but the server is not "
                "authenticated.",
                logger,
            )
        self._origin = http.Origin(endpoint.host, endpoint.port, endpoint.tls)
        self._verify_host = verify_host
        self._deadline = time.monotonic() + settings.get_int(
            "network/limits/tcp/connect_timeout_seconds"
        )
        if endpoint.address:
            self._addresses = [endpoint.address]
            return self._connect_next()
        self._resolving = IP.get_singleton().resolve_hostname_queue_item(endpoint.host)
        if self._resolving == IP.RESOLVER_INVALID_ID:
            self._go(_On.RESOLVE_FAILED)
            return Error.ERR_CANT_RESOLVE
        self._go(_On.RESOLVE_QUEUED)
        return Error.OK

    def _connect_next(self) -> Error:
        """Start a TCP connect to the next address that accepts one."""
        assert self._origin is not None
        error = Error.ERR_CANT_CONNECT
        while self._addresses:
            tcp = StreamPeerTCP()
            error = tcp.connect_to_host(self._addresses.pop(0), self._origin.port or 0)
            if error == Error.OK:
                self._connection, self._owned = tcp, True
                if self._status != Status.STATUS_CONNECTING:
                    self._go(_On.CONNECT_STARTED)
                return Error.OK
        logger.debug("connect_to_host: no address of %s accepts a connection", self._origin.host)
        self._go(_On.CONNECT_REFUSED)
        return error

    def set_connection(self, connection: StreamPeer | None) -> None:
        """Use an already open stream (any StreamPeer) instead of connecting."""
        if connection is None or not isinstance(connection, StreamPeer) or connection._freed:
            err_print(
                "set_connection",
                "Connection is not a reference to a valid StreamPeer object.",
                logger,
            )
            return
        if connection is self._connection:
            return
        self.close()
        self._connection, self._owned = connection, False
        self._origin = _origin_of(connection)
        self._warn_empty_host = True
        self._go(_On.ADOPT)

    def get_connection(self) -> StreamPeer | None:
        """The stream in use, or ``None``."""
        return self._connection

    def close(self) -> None:
        """Drop the connection and forget the last response."""
        self._release()
        self._origin = None
        self._addresses = []
        self._reset_response()
        self._go(_On.CLOSE)

    # --- requests -----------------------------------------------------------------------

    def request_raw(
        self, method: HTTPClient.Method, url: str, headers: list[str], body: bytes
    ) -> Error:
        """Send a request whose body is raw bytes; see ``request``."""
        return self._send("request_raw", method, url, headers, body)

    def request(
        self, method: HTTPClient.Method, url: str, headers: list[str], body: str = ""
    ) -> Error:
        """Send a request; the body is sent as UTF-8. Then ``poll`` until the response arrives."""
        return self._send("request", method, url, headers, body.encode("utf-8", "surrogatepass"))

    def _send(self, function: str, method: int, url: str, headers: list[str], body: bytes) -> Error:
        bad = Error.ERR_INVALID_PARAMETER
        try:
            prepared = http.build_request(
                method, url, headers, body, origin=self._origin, user_agent=_USER_AGENT
            )
        except http.LocalProtocolError as refused:
            _log_refused(function, method, refused)
            return bad
        if self._status != Status.STATUS_CONNECTED:
            fail_cond(function, "status != STATUS_CONNECTED", bad, log=logger)
            return bad
        if self._connection is None:
            fail_cond(function, "connection.is_null()", Error.ERR_INVALID_DATA, log=logger)
            return Error.ERR_INVALID_DATA
        stale = self._stale()
        if stale:
            return self._fail(
                function, f"the connection is no longer usable: {stale}", Error.ERR_CONNECTION_ERROR
            )
        if prepared.empty_host and self._warn_empty_host:
            warn_print(
                function, "no host is known for this connection: sending an empty Host.", logger
            )
            self._warn_empty_host = False
        self._reset_response()
        self._prepared = prepared
        self._reader = prepared.reader()
        self._unsent = memoryview(prepared.data)
        self._go(_On.REQUEST_SENT)
        error = self._flush()
        try:
            deadline = self._blocking_deadline()
            while self._blocking and self._unsent and error == Error.OK:
                self._wait(deadline, writable=True)
                left = len(self._unsent)
                error = self._flush()
                if len(self._unsent) < left:
                    deadline = self._blocking_deadline()
        except _Timeout:
            return self._fail(function, "timed out sending the request", Error.ERR_TIMEOUT)
        if error != Error.OK:
            return self._fail(function, f"sending the request failed ({error.name})", error)
        return Error.OK

    def _flush(self) -> Error:
        """Write what the stream takes now of the unsent request."""
        while self._unsent and self._connection is not None:
            error, sent = self._connection._write(self._unsent)
            if error != Error.OK:
                return error
            if not sent:
                break
            self._unsent = self._unsent[sent:]
        return Error.OK

    def _stale(self) -> str:
        """Why an idle connection cannot carry a request ("" when it can)."""
        if self._handed_over or self._connection is None:
            return ""
        if _broken(self._connection):
            return "the stream reports an error"
        error, data = self._connection._read(1)
        if error == Error.ERR_FILE_EOF:
            return "the server closed it"
        if error != Error.OK:
            return f"the stream failed ({Error(error).name})"
        if data:
            return "the server sent bytes while no request was outstanding"
        return ""

    # --- polling ------------------------------------------------------------------------

    def poll(self) -> Error:
        """Do one step of whatever is in progress: resolve, connect, send, read the head."""
        status = self._status
        if status == Status.STATUS_RESOLVING:
            return self._poll_resolving()
        if status == Status.STATUS_CONNECTING:
            return self._poll_connecting()
        if status == Status.STATUS_CONNECTED:
            stale = self._stale()
            if stale:
                logger.debug("poll: idle connection ended: %s", stale)
                self._go(_On.LOST)
                return Error.ERR_CONNECTION_ERROR
            return Error.OK
        if status == Status.STATUS_REQUESTING:
            return self._poll_requesting()
        if status == Status.STATUS_BODY:
            # With body bytes still buffered the next read delivers them and judges the end.
            buffered = self._reader is not None and self._reader.buffered
            if not buffered and self._connection is not None and _broken(self._connection):
                return self._fail(
                    "poll",
                    "the connection broke while reading the body",
                    Error.ERR_CONNECTION_ERROR,
                )
            return Error.OK
        return _STICKY[status]

    def _poll_resolving(self) -> Error:
        resolver = IP.get_singleton()
        if self._resolving == IP.RESOLVER_INVALID_ID:
            fail_cond("poll", "resolving == IP::RESOLVER_INVALID_ID", Error.ERR_BUG, log=logger)
            return Error.ERR_BUG
        state = resolver.get_resolve_item_status(self._resolving)
        if state == IP.ResolverStatus.RESOLVER_STATUS_WAITING and time.monotonic() < self._deadline:
            return Error.OK
        if state == IP.ResolverStatus.RESOLVER_STATUS_DONE:
            self._addresses = [str(a) for a in resolver.get_resolve_item_addresses(self._resolving)]
        resolver.erase_resolve_item(self._resolving)
        self._resolving = IP.RESOLVER_INVALID_ID
        if not self._addresses:
            logger.debug("poll: cannot resolve %s", self._origin.host if self._origin else "")
            self._go(_On.RESOLVE_FAILED)
            return Error.ERR_CANT_RESOLVE
        return self._connect_next()

    def _poll_connecting(self) -> Error:
        connection = self._connection
        if isinstance(connection, StreamPeerSSL):
            connection.poll()
            tls = connection.get_status()
            if tls == StreamPeerSSL.Status.STATUS_HANDSHAKING:
                return Error.OK
            if tls == StreamPeerSSL.Status.STATUS_CONNECTED:
                self._go(_On.CONNECTED)
                return Error.OK
            self._go(_On.TLS_FAILED)
            return Error.ERR_CANT_CONNECT
        assert isinstance(connection, StreamPeerTCP) and self._origin is not None
        connection.poll()
        tcp = connection.get_status()
        if tcp == StreamPeerTCP.Status.STATUS_CONNECTING:
            return Error.OK
        if tcp != StreamPeerTCP.Status.STATUS_CONNECTED:
            connection.disconnect_from_host()
            self._connection = None
            if self._addresses:
                return self._connect_next()
            logger.debug("poll: cannot connect to %s", self._origin.host)
            self._go(_On.CONNECT_REFUSED)
            return Error.ERR_CANT_CONNECT
        if not self._origin.tls:
            self._go(_On.CONNECTED)
            return Error.OK
        tls_peer = StreamPeerSSL()
        tls_peer.set_blocking_handshake_enabled(False)
        self._connection = tls_peer
        if tls_peer.connect_to_stream(connection, self._verify_host, self._origin.host) != Error.OK:
            self._go(_On.TLS_FAILED)
            return Error.ERR_CANT_CONNECT
        return Error.OK

    def _poll_requesting(self) -> Error:
        assert self._reader is not None and self._connection is not None
        write_error = self._flush()
        try:
            head = self._read_head(write_error)
        except _Timeout:
            return self._fail("poll", "timed out waiting for the response", Error.ERR_TIMEOUT)
        except http.RemoteProtocolError as fault:
            if write_error != Error.OK and fault.fault is http.Fault.TRUNCATED:
                return self._fail(
                    "poll", f"sending the request failed ({write_error.name})", write_error
                )
            return self._fail("poll", fault.message, _FAULT_ERRORS[fault.fault])
        if head is None:
            if write_error != Error.OK:
                return self._fail(
                    "poll", f"sending the request failed ({write_error.name})", write_error
                )
            return Error.OK
        self._head = head
        if head.te_with_cl:
            warn_print(
                "poll",
                "response has both Transfer-Encoding and Content-Length: the length is "
                "ignored and the connection will close after the body.",
                logger,
            )
        if head.has_body:
            self._go(_On.HEAD_WITH_BODY)
        else:
            self._handed_over = head.framing in (http.Framing.TUNNEL, http.Framing.UPGRADE)
            self._end_exchange()
        return Error.OK

    def _read_head(self, write_error: Error) -> http.Head | None:
        """Feed what has arrived to the reader until the final head is complete.

        Non-blocking: stops when the stream has nothing more. Blocking: waits for more bytes
        (bounded by the blocking timeout) until the head, an error or a timeout.
        """
        assert self._reader is not None and self._connection is not None
        reader = self._reader
        deadline = self._blocking_deadline()
        tunnel = self._prepared is not None and (
            self._prepared.method == "CONNECT" or self._prepared.upgrade
        )
        block = 1 if tunnel else READ_BLOCK
        while True:
            if not self._eof and not self._pull(block):
                if self._blocking and write_error == Error.OK:
                    if self._unsent:
                        self._flush()
                    self._wait(deadline)
                    continue
                return None
            deadline = self._blocking_deadline()  # each wait is bounded, not the whole call
            head = reader.next_head()
            if head is not None or self._eof:
                return head

    def _pull(self, size: int) -> bool:
        """Read one block into the reader; ``False`` when the stream had nothing."""
        assert self._reader is not None and self._connection is not None
        error, data = self._connection._read(size)
        if data:
            self._reader.feed(data)
            return True
        if error == Error.OK:
            return False
        self._eof = True
        self._reader.feed_eof(clean=error == Error.ERR_FILE_EOF)
        return True

    def _blocking_deadline(self) -> float | None:
        """When the current blocking wait gives up (``None``: never); restarted on progress."""
        limit = settings.get_int("network/limits/http/blocking_timeout_seconds")
        return time.monotonic() + limit if limit else None

    def _wait(self, deadline: float | None, writable: bool = False) -> None:
        """Block until the stream can be read (or written), or raise ``_Timeout``."""
        assert self._connection is not None
        if not writable and self._connection._available():
            return
        timeout = None if deadline is None else deadline - time.monotonic()
        if timeout is not None and timeout <= 0:
            raise _Timeout
        if not wait_for(self._connection, writable, timeout):
            raise _Timeout

    def _end_exchange(self) -> None:
        """The response is complete: keep the connection or close it, as the reader says."""
        assert self._reader is not None
        if self._reader.reusable and not self._unsent and not self._eof:
            self._go(_On.END_REUSABLE)
            return
        self._release()
        self._go(_On.END_CLOSING)

    # --- the response -------------------------------------------------------------------

    def has_response(self) -> bool:
        """Whether a final response head has been received for the last request."""
        return self._head is not None

    def is_response_chunked(self) -> bool:
        return self._head is not None and self._head.chunked

    def get_response_code(self) -> int:
        """The final response's status code, 0 while there is none."""
        return self._head.status if self._head is not None else 0

    def get_response_headers(self) -> list[str]:
        """The final response's header lines, ``"Name: value"``, in arrival order."""
        return [f"{name}: {value}" for name, value in self._head.fields] if self._head else []

    def get_response_headers_as_dictionary(self) -> dict[str, Any]:
        """The headers by name: repeats joined with ``", "``, Set-Cookie as a list when repeated."""
        merged: dict[str, Any] = {}
        spelled: dict[str, str] = {}
        for name, value in self._head.fields if self._head else ():
            key = spelled.setdefault(name.lower(), name)
            if key not in merged:
                merged[key] = value
            elif name.lower() == "set-cookie":
                previous = merged[key]
                merged[key] = (
                    [*previous, value] if isinstance(previous, list) else [previous, value]
                )
            else:
                merged[key] = f"{merged[key]}, {value}"
        return merged

    def get_response_body_length(self) -> int:
        """The body's Content-Length, 0 for a bodyless reply read through BODY, else -1."""
        return self._head.length if self._head is not None else -1

    def read_response_body_chunk(self) -> bytes:
        """The next piece of the body, at most ``read_chunk_size`` bytes (``b""``: nothing yet)."""
        if self._status != Status.STATUS_BODY:
            fail_cond(
                "read_response_body_chunk",
                "status != STATUS_BODY",
                b"",
                empty="PoolByteArray()",
                log=logger,
            )
            return b""
        assert self._reader is not None
        size = self._read_chunk_size
        try:
            if self._blocking:
                piece = self._read_blocking(size)
            else:
                if self._reader.buffered < size and not self._eof:
                    self._pull(READ_BLOCK)
                piece = self._reader.read_body(size)
        except http.RemoteProtocolError as fault:
            code = _FAULT_ERRORS[fault.fault]
            self._fail("read_response_body_chunk", f"{fault.message} ({code.name})", code)
            return fault.partial
        if piece.end:
            self._end_exchange()
        return piece.data

    def _read_blocking(self, size: int) -> http.Body:
        assert self._reader is not None
        deadline = self._blocking_deadline()
        while True:
            piece = self._reader.read_body(size, blocking=not self._eof)
            if piece.data or piece.end or self._eof:
                return piece
            try:
                if self._pull(READ_BLOCK):
                    deadline = self._blocking_deadline()
                else:
                    self._wait(deadline)
            except _Timeout:
                partial = self._reader.read_body(size)
                self._fail(
                    "read_response_body_chunk",
                    "timed out waiting for the body (ERR_TIMEOUT)",
                    Error.ERR_TIMEOUT,
                )
                return http.Body(partial.data, False)

    # --- settings -----------------------------------------------------------------------

    def set_read_chunk_size(self, bytes: int) -> None:
        """How many body bytes one read may return (256 to 16 MiB)."""
        if bytes < limits.READ_CHUNK_SIZE_MIN or bytes > limits.READ_CHUNK_SIZE_MAX:
            fail_cond("set_read_chunk_size", "p_size < 256 || p_size > (1 << 24)", log=logger)
            return
        self._read_chunk_size = bytes

    def get_read_chunk_size(self) -> int:
        return self._read_chunk_size

    def set_blocking_mode(self, enabled: bool) -> None:
        """In blocking mode requests, polls and reads wait for their whole step."""
        self._blocking = bool(enabled)

    def is_blocking_mode_enabled(self) -> bool:
        return self._blocking

    def get_status(self) -> Annotated[int, _ClientStatus]:
        """The client's current status."""
        return self._status.value

    def query_string_from_dict(self, fields: dict[Any, Any]) -> str:
        """URL-encode ``fields`` as a query string (``a=1&b=x%20y``); lists repeat the key."""
        return http.query_string_from_dict(fields, stringify)

    @classmethod
    def _bind_methods(cls) -> None:
        bind = ClassDB.bind_method
        bind(cls, "connect_to_host", args=("host", "port", "use_ssl", "verify_host"))
        bind(cls, "set_connection", args=("connection",))
        bind(cls, "get_connection", const=True)
        bind(cls, "request_raw", args=("method", "url", "headers", "body"))
        bind(cls, "request", args=("method", "url", "headers", "body"))
        bind(cls, "close")

        bind(cls, "has_response", const=True)
        bind(cls, "is_response_chunked", const=True)
        bind(cls, "get_response_code", const=True)
        bind(cls, "get_response_headers")
        bind(cls, "get_response_headers_as_dictionary")
        bind(cls, "get_response_body_length", const=True)
        bind(cls, "read_response_body_chunk")

        bind(cls, "set_read_chunk_size", args=("bytes",))
        bind(cls, "get_read_chunk_size", const=True)

        bind(cls, "set_blocking_mode", args=("enabled",))
        bind(cls, "is_blocking_mode_enabled", const=True)

        bind(cls, "get_status", const=True)
        bind(cls, "poll")

        bind(cls, "query_string_from_dict", args=("fields",))

        ClassDB.add_property(
            cls,
            PropertyInfo(name="blocking_mode_enabled", type=VariantType.BOOL),
            "set_blocking_mode",
            "is_blocking_mode_enabled",
        )
        ClassDB.add_property(
            cls,
            PropertyInfo(
                name="connection",
                type=VariantType.OBJECT,
                hint=PropertyHint.RESOURCE_TYPE,
                hint_string="StreamPeer",
                usage=PropertyUsage(0),
            ),
            "set_connection",
            "get_connection",
        )
        ClassDB.add_property(
            cls,
            PropertyInfo(
                name="read_chunk_size",
                type=VariantType.INT,
                hint=PropertyHint.RANGE,
                hint_string="256,16777216",
            ),
            "set_read_chunk_size",
            "get_read_chunk_size",
        )

        ClassDB.bind_enum(cls, cls.Method)
        ClassDB.bind_enum(cls, cls.Status)
        ClassDB.bind_enum(cls, cls.ResponseCode)


ClassDB.register_class(HTTPClient)

_USER_AGENT: Final = user_agent()


def _broken(connection: StreamPeer) -> bool:
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


def _origin_of(connection: StreamPeer) -> http.Origin | None:
    """The origin an adopted stream was opened for, if it says (httpclient.md §3.2)."""
    if isinstance(connection, StreamPeerSSL):
        base = connection.get_stream()
        port = base.get_connected_port() if isinstance(base, StreamPeerTCP) else None
        return (
            http.Origin(connection.get_hostname(), port, True)
            if connection.get_hostname()
            else None
        )
    if isinstance(connection, StreamPeerTCP) and connection.get_connected_host():
        return http.Origin(connection.get_connected_host(), connection.get_connected_port(), False)
    return None


def _log_refused(function: str, method: int, refused: http.LocalProtocolError) -> None:
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
