"""HTTPClient over TLS when the records are cut by hand: replies in many records that are all
received before the client reads, and alerts after the handshake.

The server end is ``RecordServer``: a real loopback socket whose TLS is an ``ssl.SSLObject`` over
memory buffers, driven step by step from the test thread. Each ``send`` argument becomes its own
record and a whole reply leaves in one ``sendall``; an alert can be held back until the test
releases it. Nothing races: the test decides when each byte leaves.
"""

from __future__ import annotations

import selectors
import socket
import ssl
import struct
import threading
import time
from collections.abc import Callable, Iterator
from typing import Final

import pytest
import trustme
from test_http_client import ok, pump, read_body

from conftest import SAFETY_TIMEOUT, wait_fd
from engine.object_model import Error
from net import HTTPClient, StreamPeerSSL, settings
from support import LogLines

S = HTTPClient.Status
SetSetting = Callable[[str, str | int], None]

#: An application-data record no key can open: the server answers it with a bad_record_mac alert.
FORGED_RECORD = b"\x17\x03\x03\x00\x20" + bytes(32)


def readable(sock: socket.socket) -> bool:
    with selectors.DefaultSelector() as selector:
        selector.register(sock, selectors.EVENT_READ)
        return bool(selector.select(0))


class RecordServer:
    """The server end of one TLS connection on a loopback listener, moved by the test."""

    def __init__(self, listener: socket.socket, context: ssl.SSLContext) -> None:
        self.listener = listener
        self.port: int = listener.getsockname()[1]
        self._in = ssl.MemoryBIO()
        self._out = ssl.MemoryBIO()
        self.tls = context.wrap_bio(self._in, self._out, server_side=True)
        self.sock: socket.socket | None = None
        self.handshaken = False
        self.failure: ssl.SSLError | None = None  # the handshake's; its alert is held back

    def step(self) -> None:
        """Accept, take what the client sent, advance the handshake and answer it (a failed
        handshake's alert stays held until ``flush``)."""
        if self.sock is None:
            if not readable(self.listener):
                return
            self.sock = self.listener.accept()[0]
            self.sock.settimeout(SAFETY_TIMEOUT)
        if readable(self.sock):
            self._in.write(self.sock.recv(1 << 16))
        if self.handshaken or self.failure is not None:
            return
        try:
            self.tls.do_handshake()
            self.handshaken = True
        except ssl.SSLWantReadError:
            pass
        except ssl.SSLError as exc:
            self.failure = exc
            return
        self.flush()

    def flush(self) -> None:
        """Send every record made so far, in one ``sendall``."""
        assert self.sock is not None
        self.sock.sendall(self._out.read())

    def read_request(self) -> bytes:
        """The plaintext of one request head."""
        assert self.sock is not None
        got = b""
        while b"\r\n\r\n" not in got:
            try:
                got += self.tls.read(1 << 16)
            except ssl.SSLWantReadError:
                wait_fd(self.sock)
                data = self.sock.recv(1 << 16)
                assert data, "the client closed before its request was complete"
                self._in.write(data)
        return got

    def send(self, *writes: bytes) -> None:
        """Each of ``writes`` as its own record (a write over 16 KiB takes several), all sent
        together."""
        for data in writes:
            self.tls.write(data)
        self.flush()

    def send_alert(self) -> None:
        """Make the server's TLS fail on a forged record and send the alert it answers with."""
        self._in.write(FORGED_RECORD)
        with pytest.raises(ssl.SSLError):
            self.tls.read(1)
        self.flush()

    def read_to_end(self) -> bool:
        """Read until the client's FIN; whether a close_notify came before it."""
        assert self.sock is not None
        while data := self.sock.recv(1 << 16):
            self._in.write(data)
        try:
            while self.tls.read(1 << 16):
                pass
        except ssl.SSLZeroReturnError:
            return True
        except ssl.SSLError:
            return False
        return True

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()


@pytest.fixture
def record_server(
    tcp_listener: Callable[..., socket.socket], tls_server_context: ssl.SSLContext
) -> Iterator[Callable[..., RecordServer]]:
    """A factory of ``RecordServer``s (``tls_server_context`` unless given); closed after."""
    servers: list[RecordServer] = []

    def make(context: ssl.SSLContext | None = None) -> RecordServer:
        server = RecordServer(tcp_listener(), context or tls_server_context)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


def connect(http: HTTPClient, server: RecordServer) -> None:
    """Connect with TLS (the handshake runs through poll in both modes), stepping the server
    until it has finished or failed its side too."""
    assert http.connect_to_host("127.0.0.1", server.port, True) == Error.OK
    end = time.monotonic() + SAFETY_TIMEOUT
    while http.get_status() in (S.STATUS_RESOLVING, S.STATUS_CONNECTING) or not (
        server.handshaken or server.failure
    ):
        assert time.monotonic() < end, f"stuck connecting, status {http.get_status()}"
        http.poll()
        server.step()
    assert http.get_status() == S.STATUS_CONNECTED


def client_fd(http: HTTPClient) -> int:
    connection = http.get_connection()
    assert connection is not None
    return connection.fileno()


def errors_only(engine_log: LogLines) -> list[str]:
    assert all(line.startswith("ERROR: ") for line in engine_log.lines), engine_log.lines
    return engine_log.lines


# --- replies in many records, all received before the client reads (issue 12, item 1) ------

BODY = b"".join(bytes([65 + i % 26]) * 10 for i in range(100))
REPLIES: dict[str, tuple[list[bytes], bytes]] = {
    "interim-then-final": (
        [b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n", ok(b"hello")],
        b"hello",
    ),
    "head-over-16k": (
        [b"HTTP/1.1 200 OK\r\nX-Big: " + b"v" * 20000 + b"\r\nContent-Length: 5\r\n\r\nhello"],
        b"hello",
    ),
    "line-by-line": (
        [
            b"HTTP/1.1 200 OK\r\n",
            b"Content-Length: 5\r\n",
            b"X-One: 1\r\n",
            b"X-Two: 2\r\n",
            b"\r\n",
            b"hello",
        ],
        b"hello",
    ),
    "body-in-small-records": (
        [b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"]
        + [BODY[i : i + 10] for i in range(0, 1000, 10)],
        BODY,
    ),
    "chunked-in-small-records": (
        [b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"]
        + [b"a\r\n" + BODY[i : i + 10] + b"\r\n" for i in range(0, 1000, 10)]
        + [b"0\r\n\r\n"],
        BODY,
    ),
}


@pytest.mark.parametrize("blocking", [False, True], ids=["polling", "blocking"])
@pytest.mark.parametrize(("writes", "body"), REPLIES.values(), ids=REPLIES.keys())
def test_records_already_received_are_read_without_waiting_on_the_socket(
    record_server: Callable[..., RecordServer],
    trust_tls_ca: str,
    net_settings: SetSetting,
    engine_log: LogLines,
    blocking: bool,
    writes: list[bytes],
    body: bytes,
) -> None:
    # The server keeps the connection open and silent after its reply: a reader that waited on
    # the socket for records it has already received would wait until the blocking timeout.
    net_settings(settings.BLOCKING_TIMEOUT, 2)
    server = record_server()
    http = HTTPClient()
    http.blocking_mode_enabled = blocking
    connect(http, server)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert server.read_request().startswith(b"GET / HTTP/1.1\r\n")
    server.send(*writes)
    wait_fd(client_fd(http))
    if blocking:
        assert http.poll() == Error.OK  # one blocking poll reads the whole head
    else:
        pump(http, S.STATUS_REQUESTING)
    assert http.get_status() == S.STATUS_BODY
    assert http.get_response_code() == 200
    received, _ = read_body(http)
    assert received == body
    assert http.get_status() == S.STATUS_CONNECTED
    assert engine_log.lines == []
    # The connection is still good for another exchange.
    assert http.request(HTTPClient.METHOD_GET, "/again", []) == Error.OK
    assert server.read_request().startswith(b"GET /again HTTP/1.1\r\n")
    server.send(ok(b"again"))
    pump(http, S.STATUS_REQUESTING)
    assert read_body(http)[0] == b"again"


# --- alerts after the handshake (issue 12, item 10) ----------------------------------------


@pytest.fixture
def client_cert_context(tls_server_cert: trustme.LeafCert, tls_ca: trustme.CA) -> ssl.SSLContext:
    """A TLS 1.3 server that demands a client certificate: the client's handshake completes,
    and the server's refusal arrives as an alert after it."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls_server_cert.configure_cert(context)
    tls_ca.configure_trust(context)
    context.verify_mode = ssl.CERT_REQUIRED
    context.minimum_version = ssl.TLSVersion.TLSv1_3
    context.set_alpn_protocols(["http/1.1"])
    return context


@pytest.mark.parametrize("blocking", [False, True], ids=["polling", "blocking"])
@pytest.mark.parametrize("found_by", ["poll", "request"])
def test_an_alert_on_the_idle_connection_is_one_error_naming_it(
    record_server: Callable[..., RecordServer],
    client_cert_context: ssl.SSLContext,
    trust_tls_ca: str,
    engine_log: LogLines,
    blocking: bool,
    found_by: str,
) -> None:
    server = record_server(client_cert_context)
    http = HTTPClient()
    http.blocking_mode_enabled = blocking
    connect(http, server)
    assert server.failure is not None
    assert not server.handshaken
    server.flush()  # the certificate_required alert reaches the idle connection
    wait_fd(client_fd(http))
    if found_by == "poll":
        assert http.poll() == Error.ERR_CONNECTION_ERROR
    else:
        assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.ERR_CONNECTION_ERROR
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert http.get_connection() is None
    assert errors_only(engine_log) == [
        f"ERROR: {found_by}: TLS session failed (TLSV13_ALERT_CERTIFICATE_REQUIRED): "
        "the idle connection broke"
    ]


@pytest.mark.parametrize("blocking", [False, True], ids=["polling", "blocking"])
def test_an_alert_instead_of_the_response_is_one_error_naming_it(
    record_server: Callable[..., RecordServer],
    client_cert_context: ssl.SSLContext,
    trust_tls_ca: str,
    engine_log: LogLines,
    blocking: bool,
) -> None:
    server = record_server(client_cert_context)
    http = HTTPClient()
    http.blocking_mode_enabled = blocking
    connect(http, server)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK  # the alert is held yet
    server.flush()
    if blocking:
        assert http.poll() == Error.ERR_CONNECTION_ERROR
    else:
        pump(http, S.STATUS_REQUESTING)
        assert http.poll() == Error.ERR_CONNECTION_ERROR  # sticky
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert not http.has_response()
    assert errors_only(engine_log) == [
        "ERROR: poll: TLS session failed (TLSV13_ALERT_CERTIFICATE_REQUIRED): "
        "no response: connection closed"
    ]


@pytest.mark.parametrize("blocking", [False, True], ids=["polling", "blocking"])
def test_an_alert_inside_the_body_is_one_error_naming_it(
    record_server: Callable[..., RecordServer],
    trust_tls_ca: str,
    engine_log: LogLines,
    blocking: bool,
) -> None:
    server = record_server()
    http = HTTPClient()
    http.blocking_mode_enabled = blocking
    connect(http, server)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    server.read_request()
    server.send(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nhello")
    server.send_alert()
    wait_fd(client_fd(http))
    pump(http, S.STATUS_REQUESTING)
    assert http.get_status() == S.STATUS_BODY
    received, _ = read_body(http)
    assert received == b"hello"  # what arrived before the alert stays delivered
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert errors_only(engine_log) == [
        "ERROR: read_response_body_chunk: TLS session failed (SSLV3_ALERT_BAD_RECORD_MAC): "
        "connection closed after 5 of 10 body bytes (ERR_CONNECTION_ERROR)"
    ]


@pytest.mark.parametrize("close", ["close_notify", "fin"])
def test_a_clean_close_of_the_idle_connection_stays_quiet(
    record_server: Callable[..., RecordServer],
    tls_server_context: ssl.SSLContext,
    trust_tls_ca: str,
    engine_log: LogLines,
    close: str,
) -> None:
    tls_server_context.num_tickets = 0  # nothing else reaches the idle connection
    server = record_server()
    http = HTTPClient()
    connect(http, server)
    if close == "close_notify":
        with pytest.raises(ssl.SSLWantReadError):
            server.tls.unwrap()
        server.flush()
    else:
        server.close()
    wait_fd(client_fd(http))
    assert http.poll() == Error.ERR_CONNECTION_ERROR
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert engine_log.lines == []  # an idle close is logged at DEBUG only


# --- closing (issue 12, item 15: StreamPeerSSL.disconnect_from_stream) ----------------------


@pytest.mark.parametrize("how", ["close", "connection-close-reply"])
def test_the_client_closes_its_tls_connection_with_close_notify_then_fin(
    record_server: Callable[..., RecordServer],
    tls_server_context: ssl.SSLContext,
    trust_tls_ca: str,
    how: str,
) -> None:
    # Without session tickets the client holds no unread bytes when it closes (those would
    # turn its FIN into a reset).
    tls_server_context.num_tickets = 0
    server = record_server()
    http = HTTPClient()
    connect(http, server)
    connection = http.get_connection()  # held here, so only an explicit close can end it
    assert isinstance(connection, StreamPeerSSL)
    if how == "close":
        http.close()
    else:  # the exchange ends the connection: the client releases the stream it made
        assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
        server.read_request()
        server.send(ok(b"bye", b"Connection: close\r\n"))
        pump(http, S.STATUS_REQUESTING)
        assert read_body(http)[0] == b"bye"
    assert http.get_status() == S.STATUS_DISCONNECTED
    assert http.get_connection() is None
    assert connection.get_status() == StreamPeerSSL.Status.STATUS_DISCONNECTED
    assert connection.get_stream() is None
    assert server.read_to_end()  # close_notify, then the TCP connection closed


# --- a non-blocking loop that waits on fileno() (issue 12, item 1; found attacking it) ----


def selector_driven_fetch(http: HTTPClient) -> bytes:
    """The non-blocking loop of a program that sleeps on the connection's ``fileno()`` with a
    selector whenever the client gives nothing: correct only if a call that gives nothing
    leaves nothing already received inside the client (the server is silent afterwards)."""
    while http.get_status() == S.STATUS_REQUESTING:
        assert http.poll() == Error.OK
        if http.get_status() == S.STATUS_REQUESTING:
            wait_fd(client_fd(http))
    body = bytearray()
    while http.get_status() == S.STATUS_BODY:
        chunk = http.read_response_body_chunk()
        body += chunk
        if not chunk and http.get_status() == S.STATUS_BODY:
            wait_fd(client_fd(http))
    return bytes(body)


#: Records that decode to framing only (a chunk's size line, its CRLF) between the data ones.
FRAMING_RECORDS: Final = [
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n",
    *[part for word in (b"hello", b"world", b"again") for part in (b"5\r\n", word, b"\r\n")],
    b"0\r\n",
    b"\r\n",
]


SELECTOR_REPLIES: Final = {**REPLIES, "framing-records": (FRAMING_RECORDS, b"helloworldagain")}


@pytest.mark.parametrize(("writes", "body"), SELECTOR_REPLIES.values(), ids=SELECTOR_REPLIES.keys())
def test_a_call_that_gives_nothing_leaves_no_received_record_unread(
    record_server: Callable[..., RecordServer],
    trust_tls_ca: str,
    engine_log: LogLines,
    writes: list[bytes],
    body: bytes,
) -> None:
    server = record_server()
    http = HTTPClient()
    connect(http, server)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    server.read_request()
    server.send(*writes)
    assert selector_driven_fetch(http) == body
    assert http.get_status() == S.STATUS_CONNECTED
    assert engine_log.lines == []


@pytest.mark.parametrize("blocking", [False, True], ids=["polling", "blocking"])
def test_an_alert_during_an_upload_is_one_error_naming_it(
    record_server: Callable[..., RecordServer],
    client_cert_context: ssl.SSLContext,
    trust_tls_ca: str,
    net_settings: SetSetting,
    engine_log: LogLines,
    blocking: bool,
) -> None:
    """The server refuses the session while the request body is going out: it sends its
    alert and resets, so the client's next write fails. The line names the alert, not the
    failed write alone."""
    net_settings(settings.BLOCKING_TIMEOUT, 5)
    server = record_server(client_cert_context)
    http = HTTPClient()
    http.blocking_mode_enabled = blocking
    connect(http, server)
    assert server.failure is not None
    sock = server.sock
    assert sock is not None

    def refuse_once_the_upload_arrives() -> None:
        wait_fd(sock)  # the request has begun to arrive
        server.flush()  # the certificate_required alert
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()

    refuser = threading.Thread(target=refuse_once_the_upload_arrives, daemon=True)
    refuser.start()
    try:
        result = http.request_raw(HTTPClient.METHOD_POST, "/", [], bytes(24 << 20))
        if result == Error.OK:
            pump(http, S.STATUS_REQUESTING)
            result = http.poll()
    finally:
        refuser.join(SAFETY_TIMEOUT)
    assert result != Error.OK
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    lines = errors_only(engine_log)
    assert len(lines) == 1
    assert "TLS session failed (TLSV13_ALERT_CERTIFICATE_REQUIRED)" in lines[0]
