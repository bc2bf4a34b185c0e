"""``HTTPClient``: the engine's poll-driven HTTP/1.1 client, driving ``net.http`` over a StreamPeer.

This module is the bound class: the engine's API with its documentation, connecting (name
lookup, TCP, TLS) and ``poll``'s dispatch, and the ClassDB registration. What moves bytes of
an exchange lives in the ``Exchange`` mixin (``net.http_exchange``); the status table in
``net.http_client_states``; the protocol itself in the sans-I/O core ``net.http``. Imports
those, ``engine.object_model``, the stream peers, the resolver and settings.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Annotated, Any, ClassVar, Final, TypeAlias

from engine.object_model import ClassDB, Error, PropertyHint, PropertyInfo, Reference, VariantType
from engine.object_model.binding import wrong_type_hint
from engine.object_model.errors import err_print, fail_cond, warn_print
from engine.object_model.info import PropertyUsage
from engine.object_model.object import NOTIFICATION_PREDELETE
from engine.object_model.variant import stringify
from net import http, settings
from net.http import limits
from net.http_client_states import BODY, FAULT_ERRORS, STICKY, On
from net.http_constants import CONSTANT_DOCS, Method, ResponseCode, Status
from net.http_exchange import READ_BLOCK
from net.http_proxy import Proxying
from net.http_target import Endpoint, HostRefused, parse_endpoint
from net.ip import IP
from net.stream_peer import StreamPeer
from net.tcp import StreamPeerTCP
from net.tls import StreamPeerSSL

logger: Final = logging.getLogger("net.http_client")

# Inside HTTPClient the enum names are class attributes; annotations use these aliases.
_ClientStatus: TypeAlias = Status
_Method: TypeAlias = Method


class HTTPClient(Proxying, Reference):
    """Low-level HTTP/1.1 client: connect once, then send requests and read responses by polling.

    HTTPClient speaks HTTP/1.1 over a [StreamPeer]: a TCP connection it opens itself with
    [method connect_to_host] (wrapped in TLS on request), or any open stream handed to it through
    [member connection]. Nothing runs in the background. Each step, from the name lookup to the end
    of the response head, happens inside a call to [method poll], and [method get_status] tells
    where the client stands; the body is then read piece by piece with
    [method read_response_body_chunk].

    A connection carries one request at a time and can be reused for the next one when the server
    keeps it open, so connect once per host rather than once per request. Request targets are paths
    on the connected host ([code]/index.html[/code]), not full URLs. Redirections are not followed
    and bodies are returned exactly as sent (no decompression).

    Response codes from 200 to 299 report success, 300 to 399 a redirection, 400 to 499 a problem
    with the request and 500 to 599 a failure on the server; [enum ResponseCode] names the usual
    ones. TLS certificates are checked against certifi's bundle, or against the PEM bundle named by
    the [code]network/ssl/certificates[/code] setting.

    Misuse never raises: a method returns an [enum Error] code (or an empty value), logs one line
    and leaves the client in a documented status. A minimal download, with the waiting left out (a
    real program sleeps or does other work between polls):

    [codeblock]
    http = HTTPClient()
    http.connect_to_host("example.com", 443, True)
    while http.get_status() in (HTTPClient.STATUS_RESOLVING, HTTPClient.STATUS_CONNECTING):
        http.poll()
    http.request(HTTPClient.METHOD_GET, "/", ["Accept: text/html"])
    while http.get_status() == HTTPClient.STATUS_REQUESTING:
        http.poll()
    body = bytearray()
    while http.get_status() == HTTPClient.STATUS_BODY:
        body += http.read_response_body_chunk()
    [/codeblock]
    """

    Status = Status

    Method = Method
    ResponseCode = ResponseCode
    #: One short description per bound constant, for the generated class reference.
    _constant_docs: ClassVar[dict[str, str]] = CONSTANT_DOCS

    # ClassDB properties, declared for type checkers; registration installs them.
    blocking_mode_enabled: bool
    connection: StreamPeer | None
    read_chunk_size: int

    def __init__(self) -> None:
        super().__init__()
        self._status, self._status_code = Status.STATUS_DISCONNECTED, 0
        self._connection = None
        self._owned = False  # the client made the stream, so it closes it
        self._origin = None
        self._dial = Endpoint("", "", 0, False)  # what TCP connects to: the host, or its proxy
        self._verify_host = True
        self._addresses: list[str] = []
        self._resolving = IP.RESOLVER_INVALID_ID
        self._deadline = 0.0  # when a name lookup gives up
        self._call_started = 0.0  # when the blocking call under way began
        self._head_block = READ_BLOCK  # bytes asked per read of a response head
        self._unsent = b""
        self._upload_cut = False  # the request stopped before its end
        self._write_error = Error.OK
        self._reader = None
        self._last_prepared = None
        self._head = None
        self._eof = False
        self._handed_over = False  # a tunnel or an upgrade: the stream is the caller's
        self._warn_empty_host = False
        self._read_chunk_size = limits.READ_CHUNK_SIZE_DEFAULT
        self._blocking = False

    def _notification(self, what: int) -> None:
        # Freed (its count reached 0, or Python collected it unadopted): close the stream now
        # and give back a resolver slot still held, whatever the status. (A hook of the class
        # itself: Object looks for hooks on Object classes, not on the Exchange mixin.)
        if what == NOTIFICATION_PREDELETE:
            if self._connection is not None and self._connection._freed:
                self._connection = None  # collected along with the client: already closed
            self.close()

    # --- connecting ---------------------------------------------------------------------

    def connect_to_host(
        self, host: str, port: int = -1, use_ssl: bool = False, verify_host: bool = True
    ) -> Error:
        """Start connecting to [code]host[/code] on [code]port[/code]; [constant OK] if under way.

        Give a host name or an IP address, not a URL: a leading [code]http://[/code] is removed, and
        a leading [code]https://[/code] is removed and turns TLS on. IPv6 addresses may be written
        with or without brackets ([code][::1][/code] or [code]::1[/code]). A port of -1 means 443
        with TLS and 80 without.

        Any previous connection is closed first. An IP address then starts a TCP connect at once
        ([constant STATUS_CONNECTING]); a name is queued with the resolver
        ([constant STATUS_RESOLVING]). Call [method poll] until the status is
        [constant STATUS_CONNECTED] or one of the error statuses. With a proxy set for the scheme
        ([method set_http_proxy], [method set_https_proxy]) the proxy is connected to instead.

        With [code]use_ssl[/code] the connection is wrapped in TLS once TCP is up.
        [code]verify_host[/code] then checks the server's certificate chain and that it was issued
        for [code]host[/code]; [code]false[/code] keeps the link encrypted but unauthenticated (good
        enough for a self-signed development server) and logs a warning.

        Returns [constant ERR_INVALID_PARAMETER] for a host that is empty, malformed (a path, port,
        user name or whitespace inside it) or a name shorter than 4 characters, and for a port
        outside 1 to 65535, and [constant ERR_CANT_RESOLVE] when the resolver's queue is full.
        """
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
        route = self._take_proxy(endpoint)  # through a proxy, only its name is looked up
        if route is None:
            return Error.ERR_INVALID_PARAMETER
        if endpoint.tls and not verify_host:
            warn_print(
                "connect_to_host",
                "TLS without verify_host: the connection is encrypted but the server is not "
                "authenticated.",
                logger,
            )
        self._dial, self._origin = route
        self._verify_host = verify_host
        self._deadline = time.monotonic() + settings.get_int(
            "network/limits/tcp/connect_timeout_seconds"
        )
        if self._dial.address:
            self._addresses = [self._dial.address]
            return self._connect_next()
        self._resolving = IP.get_singleton().resolve_hostname_queue_item(self._dial.host)
        if self._resolving == IP.RESOLVER_INVALID_ID:
            self._go(On.RESOLVE_FAILED)
            return Error.ERR_CANT_RESOLVE
        self._go(On.RESOLVE_QUEUED)
        return Error.OK

    def _connect_next(self) -> Error:
        """Start a TCP connect to the next address that accepts one."""
        error = Error.ERR_CANT_CONNECT
        while self._addresses:
            tcp = StreamPeerTCP()
            error = tcp.connect_to_host(self._addresses.pop(0), self._dial.port)
            if error == Error.OK:
                self._connection, self._owned = tcp, True
                if self._status != Status.STATUS_CONNECTING:
                    self._go(On.CONNECT_STARTED)
                return Error.OK
        logger.debug("connect_to_host: no address of %s accepts a connection", self._dial.host)
        self._go(On.CONNECT_REFUSED)
        return error

    def set_connection(self, connection: StreamPeer | None) -> None:
        """The stream the client talks over, or [code]null[/code] when it has none.

        [method connect_to_host] puts a new [StreamPeerTCP] here, replaced by a [StreamPeerSSL] when
        a TLS handshake starts. Setting it adopts an already open stream instead: any [StreamPeer]
        will do (TCP, TLS, an in-memory peer). The client closes what it had, takes the stream and
        its status becomes [constant STATUS_CONNECTED], ready for [method request].

        The Host header of later requests comes from the stream when it knows its host (the name a
        [StreamPeerSSL] was opened for, the address of a [StreamPeerTCP]); otherwise it is sent
        empty unless a request supplies its own. A stream set here is never closed by the client,
        only let go by [method close] or an error status.

        Setting [code]null[/code] or an object that is not a StreamPeer logs an error and changes
        nothing. The property is neither stored nor shown in an editor.
        """
        if connection is None or not isinstance(connection, StreamPeer) or connection._freed:
            err_print(
                "set_connection",
                "Connection is not a reference to a valid StreamPeer object.",
                logger,
            )
            return
        if connection is self._connection:
            return
        # A counted reference, as the engine's Ref<StreamPeer>: the peer's other owners
        # letting go cannot free it under the client (given back in _release). Taken before
        # close(), which may drop the last other one (the base stream of the client's TLS).
        connection.reference()
        self.close()
        self._connection, self._owned = connection, False
        self._origin = _origin_of(connection)
        self._warn_empty_host = True
        self._go(On.ADOPT)

    def get_connection(self) -> StreamPeer | None:
        """Returns the stream in use, or [code]null[/code]; see [member connection]."""
        return self._connection

    def close(self) -> None:
        """Close the connection and forget the last response; the status becomes
        [constant STATUS_DISCONNECTED] and the client may connect again. A stream given through
        [member connection] is let go, not closed.
        """
        self._release()
        self._origin = None
        self._addresses = []
        self._reset_response()
        self._go(On.CLOSE)

    # --- requests -----------------------------------------------------------------------

    def request_raw(
        self, method: Annotated[int, _Method], url: str, headers: list[str], body: bytes
    ) -> Error:
        """Send a request whose body is [code]body[/code], byte for byte (binary uploads, or text in
        an encoding other than UTF-8). Everything else, arguments, checks and return values, is as
        for [method request].
        """
        return self._send("request_raw", method, url, headers, body)

    @wrong_type_hint(3, "PoolByteArray", "Use request_raw() to send bytes.")
    def request(
        self,
        method: Annotated[int, _Method],
        url: str,
        headers: list[str],
        body: str = "",
    ) -> Error:
        """Send a request to the connected host, with the text [code]body[/code] encoded as UTF-8.
        [constant OK] means the request is on its way: call [method poll] until the status leaves
        [constant STATUS_REQUESTING], then read the response. One request at a time: the previous
        response is forgotten.

        [code]url[/code] is the request target: a path on the connected host starting with
        [code]/[/code] (such as [code]/search?q=engine[/code]), an absolute [code]http://[/code] or
        [code]https://[/code] URL, [code]*[/code] for [constant METHOD_OPTIONS], or
        [code]host:port[/code] for [constant METHOD_CONNECT]. Spaces and control characters are
        refused; percent-encoding is the caller's job.

        Each entry of [code]headers[/code] is one header line, [code]Name: value[/code]. The client
        adds [code]Host[/code], [code]Content-Length[/code] (for a non-empty body, and
        [code]0[/code] for an empty POST, PUT or PATCH), [code]User-Agent[/code] and [code]Accept:
        */*[/code] unless [code]headers[/code] has them already. Every method but
        [constant METHOD_TRACE] may carry a body, GET included.

        [codeblock]
        form = http.query_string_from_dict({"user": "ada", "lang": "en"})
        headers = ["Content-Type: application/x-www-form-urlencoded"]
        error = http.request(HTTPClient.METHOD_POST, "/login", headers, form)
        [/codeblock]

        In blocking mode (see [member blocking_mode_enabled]) the whole request is written before
        the call returns, unless the server starts answering first; otherwise [method poll] writes
        whatever the stream could not take at once. Either way a body still unsent when the
        response head arrives goes on being written by [method poll] and
        [method read_response_body_chunk] (a server may stream its reply while it reads the
        upload), unless that response is a final 4xx or 5xx, which ends the upload; the connection
        is then not reused. A reply that came before a write failed is still delivered.

        Returns [constant ERR_INVALID_PARAMETER], sending nothing, when the status is not
        [constant STATUS_CONNECTED] or an argument is malformed: a method outside [enum Method] (or
        [constant METHOD_MAX]), a bad target, a header that is not [code]Name: value[/code] or
        contains a line break, a [code]Content-Length[/code] header that does not match the body, a
        body on a TRACE request, or text holding a lone surrogate (a string from a file name or JSON
        that has no UTF-8 form). When the connection turns out to be closed or broken the status
        becomes [constant STATUS_CONNECTION_ERROR] and an error is returned
        ([constant ERR_CONNECTION_ERROR], the stream's error or [constant ERR_TIMEOUT]).
        """
        try:
            data = body.encode()
        except UnicodeEncodeError:  # a lone surrogate: no UTF-8 form, so nothing is sent
            err_print(
                "request",
                "body holds a lone surrogate, which has no UTF-8 form (bytes go through "
                "request_raw). Returned: ERR_INVALID_PARAMETER",
                logger,
            )
            return Error.ERR_INVALID_PARAMETER
        return self._send("request", method, url, headers, data)

    # --- polling ------------------------------------------------------------------------

    def poll(self) -> Error:
        """Do one non-blocking step of whatever is in progress and return: check the name lookup,
        the TCP connect or the TLS handshake, write the rest of the request, read what has arrived
        of the response head. Call it regularly (once per frame, say) and watch [method get_status].
        Body bytes are never read here: [method read_response_body_chunk] reads them.

        Returns [constant OK] while all is well, including when there is nothing to do in
        [constant STATUS_CONNECTED] or [constant STATUS_BODY]. Otherwise it returns
        [constant ERR_UNCONFIGURED] when there is no connection, [constant ERR_CANT_RESOLVE] or
        [constant ERR_CANT_CONNECT] when connecting failed, [constant ERR_CONNECTION_ERROR] when the
        connection broke, [constant ERR_INVALID_DATA] when the response head is malformed or over a
        size limit, and [constant ERR_TIMEOUT] when a call in blocking mode ran out of time. The
        status says which; an error status stays until [method connect_to_host], a new
        [member connection] or [method close].
        """
        step = _POLL_STEPS.get(self._status)
        return step(self) if step is not None else STICKY[self._status]

    def _poll_connected(self) -> Error:
        return self._idle_check("poll")

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
            logger.debug("poll: cannot resolve %s", self._dial.host)
            self._go(On.RESOLVE_FAILED)
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
                self._go(On.CONNECTED)
                return Error.OK
            self._go(On.TLS_FAILED)
            return Error.ERR_CANT_CONNECT
        assert isinstance(connection, StreamPeerTCP) and self._origin is not None
        if self._tunnel is None:
            tcp = connection.get_status()  # one non-blocking step of the connect
            if tcp == StreamPeerTCP.Status.STATUS_CONNECTING:
                return Error.OK
            if tcp != StreamPeerTCP.Status.STATUS_CONNECTED:
                connection.disconnect_from_host()
                self._connection = None
                if self._addresses:
                    return self._connect_next()
                logger.debug("poll: cannot connect to %s", self._dial.host)
                self._go(On.CONNECT_REFUSED)
                return Error.ERR_CANT_CONNECT
            if not self._origin.tls:
                self._go(On.CONNECTED)
                return Error.OK
        if self._proxy is not None:  # an HTTPS proxy: CONNECT opens a tunnel, TLS runs in it
            waiting = self._poll_tunnel(connection)
            if waiting is not None:
                return waiting
        tls_peer = StreamPeerSSL()
        tls_peer.set_blocking_handshake_enabled(False)
        self._connection = tls_peer
        if tls_peer.connect_to_stream(connection, self._verify_host, self._origin.host) != Error.OK:
            self._go(On.TLS_FAILED)
            return Error.ERR_CANT_CONNECT
        return Error.OK

    # --- the response -------------------------------------------------------------------

    def has_response(self) -> bool:
        """Returns [code]true[/code] once the head of the final response to the last request has
        arrived, so its code, headers and length can be read. Interim (1xx) responses do not count.
        It stays [code]true[/code] after the body has been read and turns [code]false[/code] at the
        next [method request], [method connect_to_host], [member connection] change or
        [method close].
        """
        return self._head is not None

    def is_response_chunked(self) -> bool:
        """Returns [code]true[/code] if the final response's body is sent in chunks (chunked
        transfer coding); its length is then not known in advance.
        """
        return self._head is not None and self._head.chunked

    def get_response_code(self) -> int:
        """Returns the final response's status code, such as 200 or 404 (see [enum ResponseCode]),
        or 0 while there is none.
        """
        return self._head.status if self._head is not None else 0

    def get_response_headers(self) -> list[str]:
        """Returns the final response's header lines, [code]Name: value[/code], in the order they
        arrived, with continuation lines joined. Neither the status line, nor interim responses, nor
        trailers are included. Each call returns a new array; nothing is consumed.
        """
        return [f"{name}: {value}" for name, value in self._head.fields] if self._head else []

    def get_response_headers_as_dictionary(self) -> dict[str, Any]:
        """Returns the final response's headers as a [Dictionary] with one key per header name.
        Names are matched whatever their case and spelled as they first arrived. Values are strings;
        a repeated header's values are joined with a comma and a space in arrival order, except
        [code]Set-Cookie[/code] (cookies may contain commas), which becomes an [Array] of strings
        when it is repeated. Each call returns a new dictionary; nothing is consumed.

        [codeblock]
        {
            "Content-Type": "text/html; charset=utf-8",
            "Vary": "Accept, Origin",
            "Set-Cookie": ["theme=dark", "lang=en"],
        }
        [/codeblock]
        """
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
        """Returns the body length announced by the final response's [code]Content-Length[/code]
        header. Returns -1 when the length is not known in advance (a chunked body, or one that ends
        when the server closes the connection) and when there is no response, and 0 for a response
        that has no body but still passes through [constant STATUS_BODY], such as the reply to
        [constant METHOD_HEAD].
        """
        return self._head.length if self._head is not None else -1

    def read_response_body_chunk(self) -> bytes:
        """Returns the next piece of the response body, at most [member read_chunk_size] bytes,
        while the status is [constant STATUS_BODY]. Chunked bodies are decoded: only body bytes come
        back. The call that consumes the end of the body sets the status to
        [constant STATUS_CONNECTED] (the connection can carry another request) or
        [constant STATUS_DISCONNECTED] (it was closed).

        In non-blocking mode it returns what has arrived so far, which may be nothing: try again
        later. In blocking mode (see [member blocking_mode_enabled]) it waits for a full piece, the
        end of a chunk or the end of the body.

        A body that ends early or is malformed gives the bytes decoded in this call, an error line
        and [constant STATUS_CONNECTION_ERROR]. Outside [constant STATUS_BODY] the call logs an
        error and returns an empty array.
        """
        if self._status != BODY:
            fail_cond(
                "read_response_body_chunk",
                "status != STATUS_BODY",
                b"",
                empty="PoolByteArray()",
                log=logger,
            )
            return b""
        reader = self._reader
        assert reader is not None
        size = self._read_chunk_size
        try:
            if self._blocking:  # a whole piece is often buffered already: no stream call
                piece = reader.read_body(size, blocking=not self._eof)
                if not piece.data and not piece.end and not self._eof:
                    piece = self._read_blocking(size)
            else:  # the buffer first; the stream only when that falls short of a piece
                piece = reader.read_body(size)
                if len(piece.data) < size and not piece.end and not self._eof:
                    piece = self._read_more(piece, size)
        except http.RemoteProtocolError as fault:
            code = FAULT_ERRORS[fault.fault]
            self._fail("read_response_body_chunk", f"{fault.message} ({code.name})", code)
            return fault.partial
        if piece.end:
            self._end_exchange()
        return piece.data

    # --- settings -----------------------------------------------------------------------

    def set_read_chunk_size(self, bytes: int) -> None:
        """The most body bytes one [method read_response_body_chunk] call returns, from 256 to
        16777216 (16 MiB). Larger values mean fewer calls for big downloads; the body is never held
        whole, so memory use does not grow with its size. A value outside the range logs an error
        and keeps the old one. A change applies from the next read.
        """
        if bytes < limits.READ_CHUNK_SIZE_MIN or bytes > limits.READ_CHUNK_SIZE_MAX:
            fail_cond("set_read_chunk_size", "p_size < 256 || p_size > (1 << 24)", log=logger)
            return
        self._read_chunk_size = bytes

    def get_read_chunk_size(self) -> int:
        """Returns [member read_chunk_size]."""
        return self._read_chunk_size

    def set_blocking_mode(self, enabled: bool) -> None:
        """If [code]true[/code], calls wait until their step is done instead of returning at once:
        [method request] writes the whole request (or until the server starts answering),
        [method poll] in [constant STATUS_REQUESTING] returns with the response head, an error or a
        timeout, and [method read_response_body_chunk] waits for a full piece. Connecting still
        moves only through [method poll].

        Each call as a whole is bounded by the
        [code]network/limits/http/blocking_timeout_seconds[/code] setting (30 seconds unless
        changed, 0 for no limit), however steadily bytes trickle in. When it runs out the call
        returns [constant ERR_TIMEOUT] (a read returns the bytes it has) and the status becomes
        [constant STATUS_CONNECTION_ERROR]. A change applies from the next call.
        """
        self._blocking = bool(enabled)

    def is_blocking_mode_enabled(self) -> bool:
        """Returns [member blocking_mode_enabled]."""
        return self._blocking

    def get_status(self) -> Annotated[int, _ClientStatus]:
        """Returns the client's status, a [enum Status] constant. It changes only during calls on
        this client: [method poll] moves it on and [method read_response_body_chunk] ends
        [constant STATUS_BODY].
        """
        return self._status_code  # a plain int (enum returns are ints), kept by _go

    def set_http_proxy(self, host: str, port: int) -> None:
        """Send plain HTTP through the proxy at [code]host[/code] and [code]port[/code], from the
        next [method connect_to_host] without TLS: the client connects to the proxy (only its
        name is looked up, never the host's) and writes each target in full,
        [code]http://host:port/path[/code], for the proxy to forward. Credentials go before the
        proxy's name, [code]user:password@proxy.example.com[/code], and reach the proxy alone
        ([code]Proxy-Authorization[/code], Basic). An empty [code]host[/code] or a port of -1
        removes the proxy. A malformed one logs an error, and connecting then fails with
        [constant ERR_INVALID_PARAMETER] rather than going around it.
        """
        self._set_proxy("set_http_proxy", host, port, tls=False)

    def set_https_proxy(self, host: str, port: int) -> None:
        """The proxy for TLS connections, given as for [method set_http_proxy]. The next
        [method connect_to_host] with TLS connects to it, asks it for a tunnel to the host with
        [code]CONNECT[/code], then runs the TLS handshake with the host through that tunnel: the
        certificate is checked against the host's name, never the proxy's. A reply other than
        2xx ends in [constant STATUS_CANT_CONNECT], with an error naming its code.
        """
        self._set_proxy("set_https_proxy", host, port, tls=True)

    def query_string_from_dict(self, fields: dict[Any, Any]) -> str:
        """Returns [code]fields[/code] as a URL-encoded query string, for a request target after
        [code]?[/code] or an [code]application/x-www-form-urlencoded[/code] body. Pairs follow the
        dictionary's order and are joined with [code]&[/code]. Keys and values are turned into text
        and percent-encoded as UTF-8, a space becoming [code]%20[/code]. A [code]null[/code] value
        adds the key alone; an array adds one pair per element. No connection is needed. A key or
        value holding a lone surrogate (text with no UTF-8 form) gives an empty string and an error.

        [codeblock]
        http.query_string_from_dict({"q": "hello world", "page": 2})
        # Returns "q=hello%20world&page=2"
        http.query_string_from_dict({"tag": ["red", "blue"], "draft": None})
        # Returns "tag=red&tag=blue&draft"
        [/codeblock]
        """
        try:
            return http.query_string_from_dict(fields, stringify)
        except http.UnencodableText as refused:
            err_print("query_string_from_dict", f"{refused}. Returned: String()", logger)
            return ""

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

        bind(cls, "set_http_proxy", args=("host", "port"))
        bind(cls, "set_https_proxy", args=("host", "port"))

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

#: What ``poll`` does in each status that can move; the others answer from ``STICKY``.
_POLL_STEPS: Final[dict[Status, Callable[[HTTPClient], Error]]] = {
    Status.STATUS_RESOLVING: HTTPClient._poll_resolving,
    Status.STATUS_CONNECTING: HTTPClient._poll_connecting,
    Status.STATUS_CONNECTED: HTTPClient._poll_connected,
    Status.STATUS_REQUESTING: HTTPClient._poll_requesting,
    Status.STATUS_BODY: HTTPClient._poll_body,
}


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
