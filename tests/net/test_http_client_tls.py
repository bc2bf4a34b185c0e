"""HTTPClient over TLS against loopback servers with certificates made by trustme."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable

import pytest
import trustme
from test_http_client import connect, fetch, pump, read_body

from conftest import TLSServer, close_notify
from engine.object_model import Error
from net import HTTPClient, StreamPeerSSL
from support import LogLines

S = HTTPClient.Status
ServerFactory = Callable[..., TLSServer]
ListenerFactory = Callable[..., socket.socket]


def recv_request(conn: ssl.SSLSocket) -> bytes:
    """Read one request head (these tests send no request bodies)."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            break
        data += chunk
    return data


def reply_with(
    body: bytes, *, framed: bool = True, clean: bool = True
) -> Callable[[ssl.SSLSocket], None]:
    """A handler that reads one request and answers ``body``; ends with or without close_notify."""

    def handle(conn: ssl.SSLSocket) -> None:
        recv_request(conn)
        length = b"Content-Length: %d\r\n" % len(body) if framed else b"Connection: close\r\n"
        conn.sendall(b"HTTP/1.1 200 OK\r\n" + length + b"\r\n" + body)
        if clean:
            close_notify(conn)
        else:
            conn.close()

    return handle


@pytest.mark.parametrize("blocking", [False, True], ids=["polling", "blocking"])
def test_tutorial_loop_over_trusted_tls(
    tls_server: ServerFactory, tcp_listener: ListenerFactory, trust_tls_ca: str, blocking: bool
) -> None:
    listener = tcp_listener()
    server = tls_server(reply_with(b"secret"), listener=listener)
    http = HTTPClient()
    http.blocking_mode_enabled = blocking
    connect(http, "localhost", listener.getsockname()[1], use_ssl=True)
    assert isinstance(http.get_connection(), StreamPeerSSL)
    code, _, body = fetch(http, HTTPClient.METHOD_GET, "/")
    assert (code, body) == (200, b"secret")
    http.close()
    server.join()
    assert server.sni == ["localhost"]
    assert server.alpn == ["http/1.1"]


def test_https_prefix_forces_tls(
    tls_server: ServerFactory, tcp_listener: ListenerFactory, trust_tls_ca: str
) -> None:
    listener = tcp_listener()
    server = tls_server(reply_with(b"forced"), listener=listener)
    http = HTTPClient()
    connect(http, "https://localhost", listener.getsockname()[1])
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"forced"
    http.close()
    server.join()


def test_untrusted_certificate_is_a_handshake_error(
    tls_server: ServerFactory, tcp_listener: ListenerFactory, engine_log: LogLines
) -> None:
    listener = tcp_listener()
    server = tls_server(listener=listener)  # certifi does not know the trustme CA
    http = HTTPClient()
    assert http.connect_to_host("localhost", listener.getsockname()[1], True) == Error.OK
    pump(http, S.STATUS_RESOLVING, S.STATUS_CONNECTING)
    assert http.get_status() == S.STATUS_SSL_HANDSHAKE_ERROR
    assert http.get_connection() is None
    assert http.poll() == Error.ERR_CONNECTION_ERROR
    server.join()
    errors = [line for line in engine_log.lines if line.startswith("ERROR:")]
    assert len(errors) == 1
    assert "CERTIFICATE_VERIFY_FAILED" in errors[0]


@pytest.fixture
def wrong_name_context(tls_ca: trustme.CA) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls_ca.issue_cert("other.example").configure_cert(context)
    context.set_alpn_protocols(["http/1.1"])
    return context


def test_wrong_host_fails_with_verify_host(
    tls_server: ServerFactory,
    tcp_listener: ListenerFactory,
    trust_tls_ca: str,
    wrong_name_context: ssl.SSLContext,
    engine_log: LogLines,
) -> None:
    listener = tcp_listener()
    server = tls_server(listener=listener, context=wrong_name_context)
    http = HTTPClient()
    assert http.connect_to_host("localhost", listener.getsockname()[1], True) == Error.OK
    pump(http, S.STATUS_RESOLVING, S.STATUS_CONNECTING)
    assert http.get_status() == S.STATUS_SSL_HANDSHAKE_ERROR
    server.join()
    assert any("mismatch" in line.lower() for line in engine_log.lines)


def test_wrong_host_is_accepted_without_verify_host(
    tls_server: ServerFactory,
    tcp_listener: ListenerFactory,
    wrong_name_context: ssl.SSLContext,
    engine_log: LogLines,
) -> None:
    listener = tcp_listener()
    server = tls_server(reply_with(b"unverified"), listener=listener, context=wrong_name_context)
    http = HTTPClient()
    connect(http, "localhost", listener.getsockname()[1], use_ssl=True, verify_host=False)
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"unverified"
    http.close()
    server.join()
    assert engine_log.lines == [
        "WARNING: connect_to_host: TLS without verify_host: the connection is encrypted but "
        "the server is not authenticated."
    ]


@pytest.mark.parametrize(
    ("clean", "status"),
    [(True, S.STATUS_DISCONNECTED), (False, S.STATUS_CONNECTION_ERROR)],
    ids=["close_notify", "ragged-eof"],
)
def test_close_delimited_body_needs_close_notify(
    tls_server: ServerFactory,
    tcp_listener: ListenerFactory,
    trust_tls_ca: str,
    clean: bool,
    status: int,
) -> None:
    listener = tcp_listener()
    server = tls_server(reply_with(b"to the end", framed=False, clean=clean), listener=listener)
    http = HTTPClient()
    connect(http, "localhost", listener.getsockname()[1], use_ssl=True)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    pump(http, S.STATUS_REQUESTING)
    body, _ = read_body(http)
    assert body == b"to the end"
    assert http.get_status() == status
    server.join()
