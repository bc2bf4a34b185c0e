"""HTTPClient through proxies (httprequest.md §3): proxy.py, a real proxy started on loopback,
for the forwarded requests and CONNECT tunnels that work; raw-socket proxies for the refusals,
a 407, tunnels that close and proxies that answer garbage."""

from __future__ import annotations

import base64
import socket
import ssl
import threading
from collections.abc import Callable, Iterator

import pytest
import trustme
from pytest_httpserver import HTTPServer
from test_http_client import connect, fetch, pump

import net.ip as ip_module
from conftest import TLSServer
from engine.object_model import Error
from net import HTTPClient, StreamPeerSSL, settings
from net.ip import IP
from support import PROXY_PASSWORD, PROXY_USER, Exchange, LogLines, ProxyPy, RawServer

S = HTTPClient.Status
ServerFactory = Callable[..., RawServer]
TLSFactory = Callable[..., TLSServer]
ListenerFactory = Callable[..., socket.socket]

CONNECTING = (S.STATUS_RESOLVING, S.STATUS_CONNECTING)
OK_HI = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"


def basic(credentials: str) -> str:
    return "Basic " + base64.b64encode(credentials.encode()).decode()


def header_lines(request: bytes) -> list[str]:
    return request.decode().split("\r\n\r\n", 1)[0].split("\r\n")


def answer_once(reply: bytes, seen: list[bytes]) -> Callable[[ssl.SSLSocket], None]:
    """A TLS handler that keeps the request head it read and sends ``reply``."""

    def handle(conn: ssl.SSLSocket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        seen.append(data)
        conn.sendall(reply)
        conn.close()

    return handle


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """The names the resolver asks the system for, with an empty cache before and after."""
    names: list[str] = []
    real = ip_module._system_lookup

    def recorded(name: str, family: int) -> list[str]:
        names.append(name)
        return real(name, family)

    IP.get_singleton().clear_cache()
    monkeypatch.setattr(ip_module, "_system_lookup", recorded)
    yield names
    IP.get_singleton().clear_cache()


# --- through proxy.py -------------------------------------------------------------------------


def test_plain_http_goes_through_proxy_py(proxy_py: ProxyPy, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/page", query_string="q=1").respond_with_data("via proxy")
    http = HTTPClient()
    http.set_http_proxy(proxy_py.host, proxy_py.port)
    connect(http, "localhost", httpserver.port)
    assert fetch(http, HTTPClient.METHOD_GET, "/page?q=1")[::2] == (200, b"via proxy")
    request, _ = httpserver.log[0]
    assert request.headers["Host"] == f"localhost:{httpserver.port}"
    assert "proxy.py" in request.headers["Via"]  # it did pass through the proxy


@pytest.fixture(scope="module")
def localhost_only_cert(tls_ca: trustme.CA) -> trustme.LeafCert:
    """A certificate for the name ``localhost`` alone: not for 127.0.0.1."""
    return tls_ca.issue_cert("localhost")


@pytest.fixture
def localhost_only_context(localhost_only_cert: trustme.LeafCert) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    localhost_only_cert.configure_cert(context)
    return context


def test_https_tunnels_through_proxy_py_and_verifies_the_target(
    proxy_py: ProxyPy,
    tls_server: TLSFactory,
    tcp_listener: ListenerFactory,
    trust_tls_ca: str,
    localhost_only_context: ssl.SSLContext,
) -> None:
    """The proxy is named by an address the certificate does not cover, the target by the
    name it does: the handshake checks the target's name, and sends it as SNI."""
    listener = tcp_listener()
    seen: list[bytes] = []
    server = tls_server(answer_once(OK_HI, seen), context=localhost_only_context, listener=listener)
    port = listener.getsockname()[1]
    http = HTTPClient()
    http.set_https_proxy(proxy_py.host, proxy_py.port)
    connect(http, "localhost", port, use_ssl=True)
    assert isinstance(http.get_connection(), StreamPeerSSL)
    assert fetch(http, HTTPClient.METHOD_GET, "/secret")[::2] == (200, b"hi")
    http.close()
    server.join()
    assert server.sni == ["localhost"]
    assert header_lines(seen[0])[:2] == ["GET /secret HTTP/1.1", f"Host: localhost:{port}"]


def test_tunnel_verification_never_uses_the_proxys_name(
    proxy_py: ProxyPy,
    tls_server: TLSFactory,
    tcp_listener: ListenerFactory,
    trust_tls_ca: str,
    localhost_only_context: ssl.SSLContext,
    engine_log: LogLines,
) -> None:
    """Reached by the name ``localhost``, the proxy's name matches the certificate; the
    target, 127.0.0.1, does not, so the handshake fails."""
    listener = tcp_listener()
    server = tls_server(context=localhost_only_context, listener=listener)
    http = HTTPClient()
    http.set_https_proxy("localhost", proxy_py.port)
    assert http.connect_to_host("127.0.0.1", listener.getsockname()[1], True) == Error.OK
    pump(http, *CONNECTING)
    assert http.get_status() == S.STATUS_SSL_HANDSHAKE_ERROR
    server.join()
    assert len(engine_log.lines) == 1
    assert "127.0.0.1" in engine_log.lines[0]


def test_proxy_credentials_reach_proxy_py_and_never_the_target(
    proxy_py_auth: ProxyPy,
    tls_server: TLSFactory,
    tcp_listener: ListenerFactory,
    trust_tls_ca: str,
) -> None:
    listener = tcp_listener()
    seen: list[bytes] = []
    server = tls_server(answer_once(OK_HI, seen), listener=listener)
    http = HTTPClient()
    http.set_https_proxy(f"{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1", proxy_py_auth.port)
    connect(http, "localhost", listener.getsockname()[1], use_ssl=True)
    assert fetch(http, HTTPClient.METHOD_GET, "/")[::2] == (200, b"hi")
    http.close()
    server.join()
    assert b"proxy-authorization" not in seen[0].lower()


def test_proxy_py_asking_for_credentials_refuses_the_tunnel(
    proxy_py_auth: ProxyPy, engine_log: LogLines
) -> None:
    http = HTTPClient()
    http.set_https_proxy(f"{PROXY_USER}:wrong@127.0.0.1", proxy_py_auth.port)
    assert http.connect_to_host("localhost", closed_port(), True) == Error.OK
    pump(http, *CONNECTING)
    assert http.get_status() == S.STATUS_CANT_CONNECT
    assert http.poll() == Error.ERR_CANT_CONNECT
    assert http.get_connection() is None
    assert len(engine_log.lines) == 1
    assert "407" in engine_log.lines[0]


def test_plain_requests_carry_the_credentials_to_proxy_py(
    proxy_py_auth: ProxyPy, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/").respond_with_data("let in")
    refused, admitted = HTTPClient(), HTTPClient()
    refused.set_http_proxy(proxy_py_auth.host, proxy_py_auth.port)
    admitted.set_http_proxy(f"{PROXY_USER}:{PROXY_PASSWORD}@127.0.0.1", proxy_py_auth.port)
    for http in (refused, admitted):
        connect(http, "127.0.0.1", httpserver.port)
    assert fetch(refused, HTTPClient.METHOD_GET, "/")[0] == 407  # an answer like any other
    assert fetch(admitted, HTTPClient.METHOD_GET, "/")[::2] == (200, b"let in")
    request, _ = httpserver.log[0]
    assert "Proxy-Authorization" not in request.headers


# --- the wire, against raw proxies ------------------------------------------------------------


def test_forwarded_requests_take_the_absolute_form(raw_server: ServerFactory) -> None:
    proxy = raw_server([[Exchange(OK_HI), Exchange(OK_HI), Exchange(OK_HI)]])
    http = HTTPClient()
    http.set_http_proxy(f"user:p@ss@{proxy.host}", proxy.port)
    connect(http, "target.invalid", 8080)
    for target in ("/a?b=c", "*"):
        method = HTTPClient.METHOD_GET if target != "*" else HTTPClient.METHOD_OPTIONS
        assert fetch(http, method, target)[::2] == (200, b"hi")
    assert fetch(http, HTTPClient.METHOD_GET, "http://elsewhere.invalid/x")[0] == 200
    first, star, absolute = (header_lines(r) for r in proxy.requests)
    assert first[:3] == [
        "GET http://target.invalid:8080/a?b=c HTTP/1.1",
        "Host: target.invalid:8080",
        f"Proxy-Authorization: {basic('user:p@ss')}",
    ]
    assert star[0] == "OPTIONS http://target.invalid:8080 HTTP/1.1"
    assert absolute[:2] == ["GET http://elsewhere.invalid/x HTTP/1.1", "Host: elsewhere.invalid"]


def test_the_absolute_form_writes_every_port_and_brackets_ipv6(raw_server: ServerFactory) -> None:
    proxy = raw_server([[Exchange(OK_HI)], [Exchange(OK_HI)]])
    for host, port in (("target.invalid", -1), ("::1", 8080)):
        http = HTTPClient()
        http.set_http_proxy(proxy.host, proxy.port)
        connect(http, host, port)
        fetch(http, HTTPClient.METHOD_GET, "/")
        http.close()
    assert [header_lines(r)[:2] for r in proxy.requests] == [
        ["GET http://target.invalid:80/ HTTP/1.1", "Host: target.invalid"],
        ["GET http://[::1]:8080/ HTTP/1.1", "Host: [::1]:8080"],
    ]


def test_a_user_name_alone_gets_an_empty_password(raw_server: ServerFactory) -> None:
    proxy = raw_server([[Exchange(OK_HI)]])
    http = HTTPClient()
    http.set_http_proxy(f"http://solo@{proxy.host}", proxy.port)
    connect(http, "target.invalid", 80)
    fetch(http, HTTPClient.METHOD_GET, "/")
    assert f"Proxy-Authorization: {basic('solo:')}" in header_lines(proxy.requests[0])


def test_only_the_proxys_name_is_resolved(raw_server: ServerFactory, lookups: list[str]) -> None:
    proxy = raw_server([[Exchange(OK_HI)], [Exchange(b"HTTP/1.1 403 Forbidden\r\n\r\n")]])
    plain, tls = HTTPClient(), HTTPClient()
    plain.set_http_proxy("localhost", proxy.port)
    tls.set_https_proxy("localhost", proxy.port)
    connect(plain, "plain-target.invalid", 80)
    assert fetch(plain, HTTPClient.METHOD_GET, "/")[0] == 200
    plain.close()
    assert tls.connect_to_host("tls-target.invalid", 443, True) == Error.OK
    pump(tls, *CONNECTING)
    assert tls.get_status() == S.STATUS_CANT_CONNECT  # the proxy was reached, and said no
    assert set(lookups) == {"localhost"}


def test_the_connect_request(raw_server: ServerFactory) -> None:
    proxy = raw_server([[Exchange(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")]])
    http = HTTPClient()
    http.set_https_proxy(f"u:pw@{proxy.host}", proxy.port)
    assert http.connect_to_host("Example.invalid", 8443, True) == Error.OK
    pump(http, *CONNECTING)
    lines = header_lines(proxy.requests[0])
    assert lines[:3] == [
        "CONNECT Example.invalid:8443 HTTP/1.1",
        "Host: Example.invalid:8443",
        f"Proxy-Authorization: {basic('u:pw')}",
    ]
    assert lines[3].startswith("User-Agent: engine-net/")


@pytest.mark.parametrize(
    ("reply", "logged"),
    [
        (
            b"HTTP/1.1 407 Proxy Authentication Required\r\n"
            b'Proxy-Authenticate: Basic realm="corp"\r\nContent-Length: 5\r\n\r\ndenied',
            "407 Proxy Authentication Required",
        ),
        (b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", "403 Forbidden"),
        (b"HTTP/1.0 302\r\nLocation: /\r\n\r\n", "302"),
        (b"SSH-2.0-OpenSSH_9.6\r\n", "not usable"),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi", "bytes after its CONNECT reply"),
    ],
    ids=["407", "403", "302", "garbage", "bytes-after-200"],
)
def test_a_refused_or_broken_tunnel_cannot_connect(
    raw_server: ServerFactory, engine_log: LogLines, reply: bytes, logged: str
) -> None:
    proxy = raw_server([[Exchange(reply)]])
    http = HTTPClient()
    http.set_https_proxy(proxy.host, proxy.port)
    assert http.connect_to_host("target.invalid", 443, True) == Error.OK
    pump(http, *CONNECTING)
    assert http.get_status() == S.STATUS_CANT_CONNECT
    assert http.poll() == Error.ERR_CANT_CONNECT
    assert not http.has_response()  # the proxy's reply is never the target's response
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith("ERROR: poll: ")
    assert logged in engine_log.lines[0]


def test_a_tunnel_closed_before_its_reply_cannot_connect(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    proxy = raw_server(
        [[Exchange(b"", then="close")], [Exchange(b"HTTP/1.1 200 OK\r\n", then="close")]]
    )
    for _ in range(2):  # closed without a word, and closed inside the reply
        http = HTTPClient()
        http.set_https_proxy(proxy.host, proxy.port)
        assert http.connect_to_host("target.invalid", 443, True) == Error.OK
        pump(http, *CONNECTING)
        assert http.get_status() == S.STATUS_CANT_CONNECT
        http.close()
    assert len(engine_log.lines) == 2
    assert all("closed" in line for line in engine_log.lines)


@pytest.mark.parametrize("code", [200, 204])
def test_any_2xx_opens_the_tunnel_and_tls_begins(
    raw_server: ServerFactory, engine_log: LogLines, code: int
) -> None:
    """Any 2xx opens the tunnel: TLS starts in it. This proxy then closes it, so the
    handshake is what fails."""
    reply = b"HTTP/1.1 %d Connection established\r\n\r\n" % code
    proxy = raw_server([[Exchange(reply, then="close")]])
    http = HTTPClient()
    http.set_https_proxy(proxy.host, proxy.port)
    assert http.connect_to_host("target.invalid", 443, True) == Error.OK
    pump(http, *CONNECTING)
    assert http.get_status() == S.STATUS_SSL_HANDSHAKE_ERROR
    assert len(engine_log.lines) == 1


def test_a_proxy_that_refuses_connections_cannot_connect(engine_log: LogLines) -> None:
    port = closed_port()
    for use_ssl in (False, True):
        http = HTTPClient()
        http.set_http_proxy("127.0.0.1", port)
        http.set_https_proxy("127.0.0.1", port)
        assert http.connect_to_host("target.invalid", 443, use_ssl) == Error.OK
        pump(http, *CONNECTING)
        assert http.get_status() == S.STATUS_CANT_CONNECT
    assert engine_log.lines == []  # a refused connection is a network outcome, not misuse


def test_a_forward_proxy_that_answers_garbage_is_a_connection_error(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    proxy = raw_server([[Exchange(b"SSH-2.0-OpenSSH_9.6\r\n")]])
    http = HTTPClient()
    http.set_http_proxy(proxy.host, proxy.port)
    connect(http, "target.invalid", 80)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    pump(http, S.STATUS_REQUESTING)
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert len(engine_log.lines) == 1


def test_a_silent_proxy_times_out_at_the_connect_timeout(
    raw_server: ServerFactory,
    engine_log: LogLines,
    net_settings: Callable[[str, str | int], None],
) -> None:
    release = threading.Event()
    proxy = raw_server([[Exchange(b"", hold=release)]])
    net_settings(settings.CONNECT_TIMEOUT, 1)
    http = HTTPClient()
    http.set_https_proxy(proxy.host, proxy.port)
    try:
        assert http.connect_to_host("target.invalid", 443, True) == Error.OK
        pump(http, *CONNECTING)
    finally:
        release.set()
    assert http.get_status() == S.STATUS_CANT_CONNECT
    assert len(engine_log.lines) == 1
    assert "timed out" in engine_log.lines[0]


# --- the settings -----------------------------------------------------------------------------


@pytest.mark.parametrize(("host", "port"), [("", 3128), ("proxy.invalid", -1)])
def test_an_empty_host_or_port_minus_one_removes_the_proxy(
    raw_server: ServerFactory, host: str, port: int
) -> None:
    target = raw_server([[Exchange(OK_HI)]])
    http = HTTPClient()
    http.set_http_proxy("proxy.invalid", 3128)
    http.set_http_proxy(host, port)
    connect(http, target.host, target.port)
    fetch(http, HTTPClient.METHOD_GET, "/direct")
    assert header_lines(target.requests[0])[0] == "GET /direct HTTP/1.1"


def test_each_scheme_has_its_own_proxy(raw_server: ServerFactory) -> None:
    target = raw_server([[Exchange(OK_HI)]])
    http = HTTPClient()
    http.set_https_proxy("proxy.invalid", 3128)  # for TLS only
    connect(http, target.host, target.port)
    fetch(http, HTTPClient.METHOD_GET, "/")
    assert header_lines(target.requests[0])[0] == "GET / HTTP/1.1"


def test_the_proxy_is_taken_when_connecting(raw_server: ServerFactory) -> None:
    proxy = raw_server([[Exchange(OK_HI)]])
    http = HTTPClient()
    http.set_http_proxy(proxy.host, proxy.port)
    connect(http, "target.invalid", 80)
    http.set_http_proxy("", -1)  # too late for this connection
    fetch(http, HTTPClient.METHOD_GET, "/")
    assert header_lines(proxy.requests[0])[0] == "GET http://target.invalid:80/ HTTP/1.1"


@pytest.mark.parametrize(
    ("host", "port"),
    [
        ("proxy.invalid", 0),
        ("proxy.invalid", 65536),
        ("proxy.invalid", -2),
        ("abc", 3128),
        ("proxy.invalid/path", 3128),
        ("https://proxy.invalid", 3128),
        ("@proxy.invalid", 3128),
        ("us\udcffer:pw@proxy.invalid", 3128),
    ],
)
def test_a_malformed_proxy_is_refused_and_never_bypassed(
    engine_log: LogLines, host: str, port: int
) -> None:
    http = HTTPClient()
    http.set_https_proxy(host, port)
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith("ERROR: set_https_proxy: ")
    assert http.connect_to_host("target.invalid", 443, True) == Error.ERR_INVALID_PARAMETER
    assert http.get_status() == S.STATUS_DISCONNECTED
    assert len(engine_log.lines) == 2
    assert "set_https_proxy() was refused" in engine_log.lines[1]
    # The other scheme is not affected.
    assert http.connect_to_host("127.0.0.1", closed_port()) == Error.OK
    assert http.get_status() == S.STATUS_CONNECTING
    http.close()


def test_blocking_mode_works_through_a_proxy(proxy_py: ProxyPy, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data("x" * 100_000)
    http = HTTPClient()
    http.set_http_proxy(proxy_py.host, proxy_py.port)
    http.set_blocking_mode(True)
    connect(http, "127.0.0.1", httpserver.port)
    code, _, body = fetch(http, HTTPClient.METHOD_GET, "/")
    assert (code, len(body)) == (200, 100_000)
