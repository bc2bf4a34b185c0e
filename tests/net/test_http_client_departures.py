"""HTTPClient where it departs from the engine (httpclient.md §10), seen from outside.

Each test names its departure. Most run against a loopback raw server that plays scripted
bytes; a few use an in-memory peer where the exact order of bytes and EOF must be fixed.
Also here: the §13 clarifications, the header dictionary (§5.3), Expect, Upgrade and CONNECT
hand-overs, early replies, request resets (§4.3) and status-table rows (§2) that
test_http_client.py leaves out.
"""

from __future__ import annotations

import re
import selectors
import socket
import ssl
import struct
import sys
import threading
import time
import warnings
from collections.abc import Callable
from importlib import metadata
from typing import Any

import pytest
from test_http_client import DEADLINE, ScriptedPeer, connect, fetch, ok, pump, read_body

from conftest import MemoryTLSServer, TLSServer, accept, close_notify, wait_fd
from engine.object_model import Error
from net import IP, HTTPClient, StreamPeerBuffer, StreamPeerSSL, StreamPeerTCP, settings
from support import Exchange, LogLines, RawServer

S = HTTPClient.Status
ServerFactory = Callable[..., RawServer]
Listen = Callable[..., socket.socket]

CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"


# --- helpers ----------------------------------------------------------------------------------


def settle(http: HTTPClient) -> Error:
    """Poll while REQUESTING; return what the last poll returned."""
    end = time.monotonic() + DEADLINE
    result = Error.OK
    while http.get_status() == S.STATUS_REQUESTING:
        assert time.monotonic() < end, "stuck in REQUESTING"
        result = http.poll()
        if http.get_status() == S.STATUS_REQUESTING:
            time.sleep(0.0005)
    return result


def send(
    http: HTTPClient, method: int = HTTPClient.METHOD_GET, url: str = "/", headers: Any = ()
) -> Error:
    """Request and poll until the head (or a failure); return the last poll's result."""
    assert http.request(method, url, list(headers)) == Error.OK
    return settle(http)


def errors(log: LogLines) -> list[str]:
    return [line for line in log.lines if line.startswith("ERROR:")]


def warning_lines(log: LogLines) -> list[str]:
    return [line for line in log.lines if line.startswith("WARNING:")]


def served(raw_server: ServerFactory, *scripts: list[Exchange]) -> tuple[RawServer, HTTPClient]:
    """A raw server with these connection scripts and a client connected to it."""
    server = raw_server(list(scripts))
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    return server, http


def adopted() -> tuple[ScriptedPeer, HTTPClient]:
    """A client over a new in-memory peer."""
    peer = ScriptedPeer()
    http = HTTPClient()
    http.set_connection(peer)
    return peer, http


def answered(reply: bytes, method: int = HTTPClient.METHOD_GET) -> tuple[HTTPClient, Error]:
    """A GET (or ``method``) over an in-memory peer answered with ``reply``; settled."""
    peer, http = adopted()
    assert http.request(method, "/", []) == Error.OK
    peer.incoming += reply
    return http, settle(http)


def assert_released(http: HTTPClient, status: int = S.STATUS_CONNECTION_ERROR) -> None:
    assert http.get_status() == status
    assert http.get_connection() is None


def read_until(http: HTTPClient, size: int) -> bytes:
    """Read (non-blocking) until at least ``size`` body bytes came, staying in BODY."""
    got = bytearray()
    end = time.monotonic() + DEADLINE
    while len(got) < size:
        assert time.monotonic() < end
        assert http.get_status() == S.STATUS_BODY
        got += http.read_response_body_chunk()
    return bytes(got)


def stream_read(peer: Any, size: int) -> bytes:
    """Read ``size`` bytes from a socket-backed peer, waiting for readiness."""
    got = bytearray()
    end = time.monotonic() + DEADLINE
    while len(got) < size:
        assert time.monotonic() < end
        err, chunk = peer.get_partial_data(size - len(got))
        assert err == Error.OK
        got += chunk
        if not chunk:
            wait_fd(peer.fileno())
    return bytes(got)


def reset(conn: socket.socket) -> None:
    """Close with an RST (SO_LINGER 0)."""
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    conn.close()


def recv_head(conn: socket.socket) -> bytes:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        assert chunk, "the client closed before sending a head"
        data += chunk
    return data


class TricklePeer(ScriptedPeer):
    """A scripted peer that gives at most ``step`` bytes per read and records read sizes."""

    def __init__(self, step: int = 1 << 30) -> None:
        super().__init__()
        self.step = step
        self.asked: list[int] = []

    def _read(self, size: int) -> tuple[Error, bytes]:
        self.asked.append(size)
        return super()._read(min(size, self.step))


class FailingWritePeer(ScriptedPeer):
    def _write(self, data: bytes | memoryview) -> tuple[Error, int]:
        return Error.FAILED, 0


# --- 1. head reads ---------------------------------------------------------------------------


def test_01_head_is_read_in_blocks() -> None:
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(b"X-%d: %s\r\n" % (i, b"v" * 50) for i in range(40))
    peer = TricklePeer()
    http = HTTPClient()
    http.set_connection(peer)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    peer.asked.clear()
    peer.incoming += head + b"Content-Length: 2\r\n\r\nok"
    settle(http)
    assert http.get_status() == S.STATUS_BODY
    assert len(head) > 2000
    assert not peer.incoming  # the head and the body behind it were taken in one block
    assert len(peer.asked) <= 3
    assert min(peer.asked) > len(head)


def test_01_tunnel_heads_are_read_byte_by_byte() -> None:
    peer = TricklePeer()
    http = HTTPClient()
    http.set_connection(peer)
    assert http.request(HTTPClient.METHOD_CONNECT, "example.com:443", []) == Error.OK
    peer.asked.clear()
    peer.incoming += b"HTTP/1.1 200 Connection established\r\n\r\nTUNNEL BYTES"
    settle(http)
    assert http.get_status() == S.STATUS_CONNECTED
    assert set(peer.asked) == {1}
    assert bytes(peer.incoming) == b"TUNNEL BYTES"


# --- 2. interim responses --------------------------------------------------------------------


def test_02_up_to_100_interim_responses_are_skipped(raw_server: ServerFactory) -> None:
    kinds = [b"100 Continue", b"102 Processing", b"103 Early Hints\r\nLink: </s>", b"199 Odd"]
    interim = b"".join(b"HTTP/1.1 %s\r\n\r\n" % kinds[i % 4] for i in range(100))
    _server, http = served(raw_server, [Exchange(interim + ok(b"final"))])
    code, headers, body = fetch(http, HTTPClient.METHOD_GET, "/")
    assert (code, body) == (200, b"final")
    assert "Link" not in headers
    assert http.get_status() == S.STATUS_CONNECTED


def test_02_the_101st_interim_response_is_an_error(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\n" * 101
    _server, http = served(raw_server, [Exchange(interim + ok(b"final"))])
    assert send(http) == Error.ERR_INVALID_DATA
    assert_released(http)
    assert not http.has_response()
    assert len(errors(engine_log)) == 1
    assert errors(engine_log)[0].startswith("ERROR: poll: ")
    assert "100" in errors(engine_log)[0]


# --- 3. bodyless replies with framing headers -------------------------------------------------


@pytest.mark.parametrize(
    ("method", "reply", "reused"),
    [
        (HTTPClient.METHOD_HEAD, CHUNKED, True),
        (HTTPClient.METHOD_GET, b"HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n", True),
        (HTTPClient.METHOD_GET, b"HTTP/1.1 204 No Content\r\nContent-Length: 0\r\n\r\n", True),
        (HTTPClient.METHOD_GET, b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n", False),
        (
            HTTPClient.METHOD_GET,
            b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n\r\n",
            False,
        ),
    ],
    ids=["head-chunked", "304-cl", "204-cl0", "204-cl5", "204-te"],
)
def test_03_bodyless_replies_never_wait_for_a_body(
    raw_server: ServerFactory, engine_log: LogLines, method: int, reply: bytes, reused: bool
) -> None:
    server, http = served(raw_server, [Exchange(reply), Exchange(ok(b"next"))])
    assert send(http, method) == Error.OK
    assert http.get_status() == S.STATUS_BODY
    assert http.get_response_body_length() == 0
    assert http.read_response_body_chunk() == b""
    if reused:
        assert http.get_status() == S.STATUS_CONNECTED
        assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"next"
        assert server.accepted == 1
    else:
        assert_released(http, S.STATUS_DISCONNECTED)
    assert errors(engine_log) == []


# --- 4. Transfer-Encoding ---------------------------------------------------------------------


def test_04_transfer_encoding_is_a_case_insensitive_token_list(raw_server: ServerFactory) -> None:
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: Chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    _server, http = served(raw_server, [Exchange(reply), Exchange(ok(b"again"))])
    code, _, body = fetch(http, HTTPClient.METHOD_GET, "/")
    assert (code, body) == (200, b"hello")
    assert http.get_status() == S.STATUS_CONNECTED
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"again"


@pytest.mark.parametrize(
    "codings",
    [
        [b"gzip, chunked"],
        [b"identity"],
        [b"chunked, chunked"],
        [b"chunked", b"chunked"],
        [b"chunked, gzip"],
    ],
)
def test_04_other_transfer_codings_are_errors(
    raw_server: ServerFactory, engine_log: LogLines, codings: list[bytes]
) -> None:
    head = b"HTTP/1.1 200 OK\r\n" + b"".join(b"Transfer-Encoding: %s\r\n" % c for c in codings)
    _server, http = served(raw_server, [Exchange(head + b"\r\n5\r\nhello\r\n0\r\n\r\n")])
    assert send(http) == Error.ERR_INVALID_DATA
    assert_released(http)
    assert [line[:13] for line in errors(engine_log)] == ["ERROR: poll: "]


# --- 5. Transfer-Encoding with Content-Length -----------------------------------------------


def test_05_chunked_wins_over_content_length_and_the_connection_closes(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    reply = CHUNKED[:-2] + b"Content-Length: 3\r\n\r\n5\r\nhello\r\n0\r\n\r\n"
    _server, http = served(raw_server, [Exchange(reply)])
    assert send(http) == Error.OK
    assert http.get_response_body_length() == -1
    assert http.is_response_chunked()
    assert read_body(http)[0] == b"hello"
    assert_released(http, S.STATUS_DISCONNECTED)
    assert http.get_response_code() == 200
    assert len(warning_lines(engine_log)) == 1
    assert warning_lines(engine_log)[0].startswith("WARNING: poll: ")
    assert errors(engine_log) == []


# --- 6. Connection tokens and HTTP/1.0 ------------------------------------------------------


@pytest.mark.parametrize(
    ("status_line", "fields", "request_headers", "reused"),
    [
        (b"HTTP/1.1 200 OK", b"Connection: keep-alive, Close\r\n", [], False),
        (b"HTTP/1.1 200 OK", b"connection: CLOSE\r\n", [], False),
        (b"HTTP/1.1 200 OK", b"Connection: closed\r\n", [], True),
        (b"HTTP/1.1 200 OK", b"Connection: keep-alive\r\nConnection: close\r\n", [], False),
        (b"HTTP/1.0 200 OK", b"", [], False),
        (b"HTTP/1.0 200 OK", b"Connection: Keep-Alive\r\n", [], True),
        (b"HTTP/1.1 200 OK", b"", ["Connection: close"], False),
    ],
    ids=["list", "case", "closed-is-not-close", "two-lines", "http10", "http10-ka", "req-close"],
)
def test_06_connection_is_a_token_list_and_http10_closes_by_default(
    raw_server: ServerFactory,
    engine_log: LogLines,
    status_line: bytes,
    fields: bytes,
    request_headers: list[str],
    reused: bool,
) -> None:
    reply = status_line + b"\r\n" + fields + b"Content-Length: 2\r\n\r\nhi"
    server, http = served(raw_server, [Exchange(reply), Exchange(ok(b"second"))])
    assert fetch(http, HTTPClient.METHOD_GET, "/", request_headers)[2] == b"hi"
    if reused:
        assert http.get_status() == S.STATUS_CONNECTED
        assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"second"
        assert server.accepted == 1
    else:
        assert_released(http, S.STATUS_DISCONNECTED)
    assert errors(engine_log) == []


# --- 7. close with a length ------------------------------------------------------------------


def test_07_close_with_a_length_ends_disconnected_without_an_error(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    reply = b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 5\r\n\r\nhello"
    server = raw_server([[Exchange(reply, then="close")], [Exchange(ok(b"new"))]])
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"hello"
    assert_released(http, S.STATUS_DISCONNECTED)
    assert http.poll() == Error.ERR_UNCONFIGURED
    assert http.get_status() == S.STATUS_DISCONNECTED
    assert http.has_response()
    assert errors(engine_log) == []
    connect(http, "127.0.0.1", server.port)
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"new"


# --- 8. unframed keep-alive body -----------------------------------------------------------


def test_08_unframed_body_is_read_until_the_server_closes(raw_server: ServerFactory) -> None:
    go = threading.Event()
    _server, http = served(
        raw_server,
        [
            Exchange(b"HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\npart one, ", hold=go),
            Exchange(b"part two", read_request=False, then="close"),
        ],
    )
    try:
        assert send(http) == Error.OK
        assert http.get_status() == S.STATUS_BODY
        assert http.get_response_body_length() == -1
        assert read_until(http, 10) == b"part one, "
        assert http.poll() == Error.OK
        assert http.get_status() == S.STATUS_BODY
    finally:
        go.set()
    assert read_body(http)[0] == b"part two"
    assert_released(http, S.STATUS_DISCONNECTED)
    assert http.get_response_code() == 200


# --- 9. header getters ----------------------------------------------------------------------


def test_09_header_getters_consume_nothing(raw_server: ServerFactory) -> None:
    reply = b"HTTP/1.1 200 OK\r\nX-A:   one  \r\n\t two\r\nX-B: b\r\nContent-Length: 0\r\n\r\n"
    _server, http = served(raw_server, [Exchange(reply)])
    send(http)
    first = http.get_response_headers()
    assert first == ["X-A: one two", "X-B: b", "Content-Length: 0"]
    first.append("X-Mine: 1")
    assert http.get_response_headers() == ["X-A: one two", "X-B: b", "Content-Length: 0"]
    as_dict = http.get_response_headers_as_dictionary()
    as_dict["X-A"] = "changed"
    assert http.get_response_headers_as_dictionary() == {
        "X-A": "one two",
        "X-B": "b",
        "Content-Length": "0",
    }
    read_body(http)
    assert http.get_response_headers() == ["X-A: one two", "X-B: b", "Content-Length: 0"]


def test_09_has_response_without_any_field(raw_server: ServerFactory) -> None:
    _server, http = served(raw_server, [Exchange(b"HTTP/1.1 204 No Content\r\n\r\n")])
    assert send(http) == Error.OK
    assert http.has_response()
    assert http.get_response_code() == 204
    assert http.get_response_headers() == []
    assert http.get_response_headers_as_dictionary() == {}
    assert http.get_response_body_length() == -1
    assert http.get_status() == S.STATUS_CONNECTED


# --- 10. the header dictionary (§5.3) -------------------------------------------------------


def test_10_dictionary_merges_repeats_and_lists_set_cookie(raw_server: ServerFactory) -> None:
    reply = (
        b"HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nVary: Accept\r\nset-cookie: b=2\r\n"
        b"vary: Origin\r\n\r\n"
    )
    _server, http = served(raw_server, [Exchange(reply)])
    assert send(http, HTTPClient.METHOD_HEAD) == Error.OK
    headers = http.get_response_headers_as_dictionary()
    assert headers == {"Set-Cookie": ["a=1", "b=2"], "Vary": "Accept, Origin"}
    assert list(headers) == ["Set-Cookie", "Vary"]
    assert {k.lower(): v for k, v in headers.items()}["vary"] == "Accept, Origin"
    assert http.get_response_headers() == [
        "Set-Cookie: a=1",
        "Vary: Accept",
        "set-cookie: b=2",
        "vary: Origin",
    ]


def test_10_dictionary_values_are_strings_and_a_single_cookie_is_a_string(
    raw_server: ServerFactory,
) -> None:
    reply = ok(b"{}", b"content-type: application/json\r\nSET-COOKIE: id=7; Path=/, x\r\n")
    _server, http = served(raw_server, [Exchange(reply)])
    headers = fetch(http, HTTPClient.METHOD_GET, "/")[1]
    assert headers == {
        "Content-Length": "2",
        "content-type": "application/json",
        "SET-COOKIE": "id=7; Path=/, x",
    }


# --- 11 and 28. Host and TLS flag after set_connection --------------------------------------


def test_11_absolute_target_gives_the_host_of_an_adopted_peer(engine_log: LogLines) -> None:
    peer, http = adopted()
    assert http.request(HTTPClient.METHOD_GET, "http://example.org:8080/x?y", []) == Error.OK
    assert bytes(peer.sent).startswith(
        b"GET http://example.org:8080/x?y HTTP/1.1\r\nHost: example.org:8080\r\n"
    )
    assert b":-1" not in bytes(peer.sent)
    assert warning_lines(engine_log) == []


def memory_session(memory: MemoryTLSServer) -> StreamPeerSSL:
    tls = StreamPeerSSL()
    tls.set_blocking_handshake_enabled(False)
    assert tls.connect_to_stream(memory.wire, False, "localhost") == Error.OK
    end = time.monotonic() + DEADLINE
    while tls.get_status() == StreamPeerSSL.Status.STATUS_HANDSHAKING:
        assert time.monotonic() < end
        memory.pump()
        tls.poll()
    memory.pump()
    assert tls.get_status() == StreamPeerSSL.Status.STATUS_CONNECTED
    return tls


def test_11_28_adopted_tls_peer_gives_its_host_then_a_plain_peer_is_plain(
    raw_server: ServerFactory, memory_tls: Callable[[], MemoryTLSServer]
) -> None:
    memory = memory_tls()
    tls = memory_session(memory)
    http = HTTPClient()
    http.set_connection(tls)
    assert http.get_status() == S.STATUS_CONNECTED
    assert http.request(HTTPClient.METHOD_GET, "/secure", []) == Error.OK
    assert memory.receive().startswith(b"GET /secure HTTP/1.1\r\nHost: localhost\r\n")
    memory.send(ok(b"over tls"))
    settle(http)
    assert read_body(http)[0] == b"over tls"
    # The next connection is plain TCP: no TLS flag survives, the port shows in Host.
    server = raw_server([[Exchange(ok(b"plain"))]])
    tcp = StreamPeerTCP()
    assert tcp.connect_to_host("127.0.0.1", server.port) == Error.OK
    http.set_connection(tcp)
    assert http.get_connection() is tcp
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"plain"
    assert b"\r\nHost: 127.0.0.1:%d\r\n" % server.port in server.requests[0]


def test_28_after_a_tls_connect_any_stream_peer_can_be_adopted() -> None:
    http = HTTPClient()
    assert http.connect_to_host("https://example.com") == Error.OK
    http.close()
    peer = ScriptedPeer()
    http.set_connection(peer)
    assert http.get_status() == S.STATUS_CONNECTED
    assert http.request(HTTPClient.METHOD_GET, "/", ["Host: example.com"]) == Error.OK
    peer.incoming += ok(b"plain")
    settle(http)
    assert read_body(http)[0] == b"plain"


def serve_one(body: bytes, seen: list[bytes]) -> Callable[[ssl.SSLSocket], None]:
    """A TLS handler: read one request head, answer ``ok(body)``, close with close_notify."""

    def handle(conn: ssl.SSLSocket) -> None:
        seen.append(recv_head(conn))
        conn.sendall(ok(body))
        close_notify(conn)

    return handle


def test_11_adopted_tls_over_tcp_gives_host_and_port(
    tls_server: Callable[..., TLSServer], tcp_listener: Listen
) -> None:
    listener = tcp_listener()
    seen: list[bytes] = []
    tls_server(serve_one(b"adopted", seen), listener=listener)
    port = listener.getsockname()[1]
    tcp = StreamPeerTCP()
    assert tcp.connect_to_host("127.0.0.1", port) == Error.OK
    end = time.monotonic() + DEADLINE
    while tcp.get_status() == StreamPeerTCP.Status.STATUS_CONNECTING:
        assert time.monotonic() < end
        time.sleep(0.0005)
    tls = StreamPeerSSL()
    assert tls.connect_to_stream(tcp, False, "localhost") == Error.OK
    http = HTTPClient()
    http.set_connection(tls)
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"adopted"
    assert b"\r\nHost: localhost:%d\r\n" % port in seen[0]
    http.close()


def test_verified_tls_fetch_by_name_tries_each_address(
    tls_server: Callable[..., TLSServer], tcp_listener: Listen, trust_tls_ca: str
) -> None:
    """ "localhost" may resolve to ::1 first while the server listens on 127.0.0.1 only."""
    listener = tcp_listener()
    seen: list[bytes] = []
    server = tls_server(serve_one(b"verified", seen), listener=listener)
    port = listener.getsockname()[1]
    http = HTTPClient()
    assert http.connect_to_host("https://localhost", port) == Error.OK
    pump(http, S.STATUS_RESOLVING, S.STATUS_CONNECTING)
    assert http.get_status() == S.STATUS_CONNECTED
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"verified"
    assert b"\r\nHost: localhost:%d\r\n" % port in seen[0]
    assert server.sni == ["localhost"]
    # The server's close_notify follows the body: read with it (DISCONNECTED) or, if it comes
    # later, noticed by the next poll (CONNECTION_ERROR); the connection is never reused.
    pump(http, S.STATUS_CONNECTED)
    assert http.get_status() in (S.STATUS_DISCONNECTED, S.STATUS_CONNECTION_ERROR)


def test_tls_verification_failure_is_a_handshake_error(
    tls_server: Callable[..., TLSServer], tcp_listener: Listen, engine_log: LogLines
) -> None:
    """certifi does not know the test CA: SSL_HANDSHAKE_ERROR, ERR_CANT_CONNECT, one line."""
    listener = tcp_listener()
    tls_server(listener=listener)
    http = HTTPClient()
    assert http.connect_to_host("127.0.0.1", listener.getsockname()[1], True) == Error.OK
    end = time.monotonic() + DEADLINE
    result = Error.OK
    while http.get_status() == S.STATUS_CONNECTING:
        assert time.monotonic() < end
        result = http.poll()
        time.sleep(0.0005)
    assert result == Error.ERR_CANT_CONNECT
    assert_released(http, S.STATUS_SSL_HANDSHAKE_ERROR)
    assert http.poll() == Error.ERR_CONNECTION_ERROR
    assert len(errors(engine_log)) == 1
    assert warning_lines(engine_log) == []


@pytest.mark.parametrize("clean", [True, False], ids=["close_notify", "ragged"])
def test_close_delimited_body_over_tls_needs_close_notify(
    memory_tls: Callable[[], MemoryTLSServer], engine_log: LogLines, clean: bool
) -> None:
    """httpclient.md §5.5 and robustness.md §3.7: a TLS EOF without close_notify truncates."""
    memory = memory_tls()
    http = HTTPClient()
    http.set_connection(memory_session(memory))
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    memory.receive()
    memory.send(b"HTTP/1.1 200 OK\r\n\r\nthe whole body")
    settle(http)
    assert http.get_status() == S.STATUS_BODY
    if clean:
        memory.close_notify()
    memory.wire.closed = True
    body, _ = read_body(http)
    assert body == b"the whole body"
    if clean:
        assert_released(http, S.STATUS_DISCONNECTED)
        assert errors(engine_log) == []
    else:
        assert_released(http)
        assert [line[:56] for line in errors(engine_log)] == [
            "ERROR: read_response_body_chunk: connection ended withou"
        ]


# --- 12. IPv6 -------------------------------------------------------------------------------


def test_12_a_bare_ipv6_literal_connects_and_is_bracketed_in_host(
    raw_server: ServerFactory,
) -> None:
    try:
        server = raw_server([[Exchange(ok(b"six"))]], family=socket.AF_INET6)
    except OSError:
        pytest.skip("::1 cannot be bound here")
    http = HTTPClient()
    assert http.connect_to_host("::1", server.port) == Error.OK
    assert http.get_status() == S.STATUS_CONNECTING
    pump(http, S.STATUS_CONNECTING)
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"six"
    assert b"\r\nHost: [::1]:%d\r\n" % server.port in server.requests[0]


# --- 13. timeouts beyond the TCP connect -----------------------------------------------------


def test_13_tls_handshake_times_out(
    raw_server: ServerFactory,
    net_settings: Callable[[str, str | int], None],
    engine_log: LogLines,
) -> None:
    net_settings(settings.CONNECT_TIMEOUT, 1)
    silent = threading.Event()
    server = raw_server([[Exchange(b"", read_request=False, hold=silent)]])
    http = HTTPClient()
    try:
        assert http.connect_to_host("127.0.0.1", server.port, True, False) == Error.OK
        end = time.monotonic() + DEADLINE
        result = Error.OK
        while http.get_status() == S.STATUS_CONNECTING:
            assert time.monotonic() < end
            result = http.poll()
            time.sleep(0.001)
    finally:
        silent.set()
    assert result == Error.ERR_CANT_CONNECT
    assert_released(http, S.STATUS_SSL_HANDSHAKE_ERROR)
    assert http.poll() == Error.ERR_CONNECTION_ERROR
    assert http.get_status() == S.STATUS_SSL_HANDSHAKE_ERROR
    assert len(warning_lines(engine_log)) == 1  # verify_host=False
    assert len(errors(engine_log)) == 1


# --- 15. partial request writes ---------------------------------------------------------------


def test_15_request_returns_at_once_and_poll_writes_the_rest(tcp_listener: Listen) -> None:
    listener = tcp_listener()
    http = HTTPClient()
    assert http.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
    conn = accept(listener)
    pump(http, S.STATUS_CONNECTING)
    body = bytes(range(256)) * (32 * 1024)  # 8 MiB: more than the socket buffers hold
    assert http.request_raw(HTTPClient.METHOD_PUT, "/big", [], body) == Error.OK
    assert http.get_status() == S.STATUS_REQUESTING  # returned although nobody reads yet
    conn.setblocking(False)
    received = bytearray()
    end = time.monotonic() + DEADLINE
    with selectors.DefaultSelector() as selector:
        selector.register(conn, selectors.EVENT_READ)
        while b"\r\n\r\n" not in received or not received.endswith(body):
            assert time.monotonic() < end, f"server got {len(received)} bytes"
            assert http.poll() == Error.OK
            if selector.select(0.01):
                received += conn.recv(1 << 20)
    head, _, got = bytes(received).partition(b"\r\n\r\n")
    assert head.startswith(b"PUT /big HTTP/1.1\r\n")
    assert b"\r\nContent-Length: %d\r\n" % len(body) in head + b"\r\n"
    assert got == body
    conn.setblocking(True)
    conn.sendall(ok(b"stored"))
    settle(http)
    assert read_body(http)[0] == b"stored"
    assert http.get_status() == S.STATUS_CONNECTED
    http.close()
    conn.close()


# --- 16. request header checks --------------------------------------------------------------


@pytest.mark.parametrize(
    ("headers", "index"),
    [
        ([""], 0),
        (["InvalidHeader", "Header: "], 0),
        ([":", "Header: "], 0),
        (["Accept: */*", "X: a\r\nY: b"], 1),
        (["X: a\r\n b"], 0),
        ([" X: a"], 0),
        (["X : a"], 0),
        (["Bad Name: a"], 0),
        (["Accept: */*", "X: a\x00"], 1),
        (["X: a\x1bb"], 0),
    ],
)
def test_16_invalid_request_headers_write_nothing(
    engine_log: LogLines, headers: list[str], index: int
) -> None:
    peer, http = adopted()
    assert http.request(HTTPClient.METHOD_GET, "/", headers) == Error.ERR_INVALID_PARAMETER
    assert http.get_status() == S.STATUS_CONNECTED
    assert bytes(peer.sent) == b""
    assert engine_log.lines == [
        f'ERROR: request: Condition "!is_valid_header(p_headers[{index}])" is true. '
        "Returned: ERR_INVALID_PARAMETER"
    ]


@pytest.mark.parametrize("method", [-1, 9, 100])
def test_method_out_of_range_logs_the_engine_line(engine_log: LogLines, method: int) -> None:
    peer, http = adopted()
    assert http.request(method, "/", []) == Error.ERR_INVALID_PARAMETER
    assert http.request_raw(method, "/", [], b"") == Error.ERR_INVALID_PARAMETER
    assert bytes(peer.sent) == b""
    assert engine_log.lines == [
        f"ERROR: request: Index p_method = {method} is out of bounds (METHOD_MAX = 9).",
        f"ERROR: request_raw: Index p_method = {method} is out of bounds (METHOD_MAX = 9).",
    ]


def test_request_arguments_are_checked_before_the_status(engine_log: LogLines) -> None:
    """§4.1: checks 1-4 come before check 5, so the line names the first real problem."""
    http = HTTPClient()
    assert http.request(HTTPClient.METHOD_GET, "/", [""]) == Error.ERR_INVALID_PARAMETER
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.ERR_INVALID_PARAMETER
    assert engine_log.lines == [
        'ERROR: request: Condition "!is_valid_header(p_headers[0])" is true. '
        "Returned: ERR_INVALID_PARAMETER",
        'ERROR: request: Condition "status != STATUS_CONNECTED" is true. '
        "Returned: ERR_INVALID_PARAMETER",
    ]


def test_16_valid_header_forms_are_sent_verbatim() -> None:
    peer, http = adopted()
    headers = ["X-Empty:", "X-Tab:\tv\t", "X-Utf8: é", "Accept: text/html"]
    assert http.request(HTTPClient.METHOD_GET, "/", headers) == Error.OK
    assert b"\r\nX-Empty:\r\nX-Tab:\tv\t\r\nX-Utf8: \xc3\xa9\r\nAccept: text/html\r\n" in peer.sent
    assert b"Accept: */*" not in peer.sent


# --- 17. strict status line ------------------------------------------------------------------


@pytest.mark.parametrize(
    "reply",
    [
        b"Content-Length: 0\r\n\r\n",
        b"http/1.1 200 OK\r\n\r\n",
        b"HTTP/1.1 20 OK\r\n\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/1.1  200 OK\r\n\r\n",
        b"HTTP/2 200\r\n\r\n",
        b"ICY 200 OK\r\n\r\n",
        b"\x16\x03\x01\x00\xa5",
    ],
    ids=[
        "no-status-line",
        "lower-case",
        "2-digits",
        "4-digits",
        "double-space",
        "http2",
        "icy",
        "tls",
    ],
)
def test_17_odd_status_lines_are_errors(engine_log: LogLines, reply: bytes) -> None:
    peer, http = adopted()
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    peer.incoming += reply  # no EOF: a line that cannot start HTTP/ fails at once
    assert settle(http) == Error.ERR_INVALID_DATA
    assert_released(http)
    assert not http.has_response()
    assert [line[:13] for line in errors(engine_log)] == ["ERROR: poll: "]


@pytest.mark.parametrize(
    ("status_line", "code"),
    [
        (b"HTTP/1.1 204", 204),
        (b"HTTP/1.1 204 ", 204),
        (b"HTTP/1.3 200 OK", 200),
        (b"HTTP/1.1 777 Odd", 777),
    ],
)
def test_17_unusual_but_valid_status_lines(status_line: bytes, code: int) -> None:
    http, result = answered(status_line + b"\r\nContent-Length: 0\r\n\r\n")
    assert result == Error.OK
    assert http.get_response_code() == code


# --- 18. strict Content-Length -------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        b"Content-Length: 5, 5\r\n",
        b"Content-Length: 5\r\nContent-Length: 5\r\n",
        b"Content-Length: 005\r\n",
    ],
)
def test_18_repeated_equal_content_lengths_are_one(fields: bytes) -> None:
    http, _ = answered(b"HTTP/1.1 200 OK\r\n" + fields + b"\r\nhello")
    assert http.get_response_body_length() == 5
    assert read_body(http)[0] == b"hello"
    assert http.get_status() == S.STATUS_CONNECTED


@pytest.mark.parametrize(
    "value",
    [
        b"5, 6",
        b"5\r\nContent-Length: 6",
        b"5\r\nContent-Length: 05",
        b"+5",
        b"-5",
        b"0x5",
        b"5.0",
        b"5_0",
        b"",
        b"5,",
        b"\xd9\xa7",
        b"9223372036854775808",
        b"1" * 20,
    ],
)
def test_18_bad_or_conflicting_content_length_is_an_error(
    engine_log: LogLines, value: bytes
) -> None:
    http, result = answered(b"HTTP/1.1 200 OK\r\nContent-Length: " + value + b"\r\n\r\nhello")
    assert result == Error.ERR_INVALID_DATA
    assert_released(http)
    assert len(errors(engine_log)) == 1


def test_18_content_length_is_64_bit() -> None:
    http, _ = answered(b"HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\nabc")
    assert http.get_response_body_length() == 2**63 - 1
    assert http.read_response_body_chunk() == b"abc"
    assert http.get_status() == S.STATUS_BODY
    http.close()


# --- 19. head and trailer limits -------------------------------------------------------------


def test_19_a_field_line_over_64_kib_is_refused(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    long_line = b"X-Big: " + b"a" * (64 * 1024 - 8) + b"\r\n"  # 65537 bytes with its CRLF
    _server, http = served(raw_server, [Exchange(b"HTTP/1.1 200 OK\r\n" + long_line + b"\r\n")])
    assert send(http) == Error.ERR_INVALID_DATA
    assert_released(http)
    assert len(errors(engine_log)) == 1
    assert "65536" in errors(engine_log)[0]


def test_19_a_field_line_of_exactly_64_kib_is_accepted(raw_server: ServerFactory) -> None:
    line = b"X-Big: " + b"a" * (64 * 1024 - 9) + b"\r\n"  # 65536 bytes
    _server, http = served(raw_server, [Exchange(ok(b"fits", line))])
    code, headers, body = fetch(http, HTTPClient.METHOD_GET, "/")
    assert (code, body, len(headers["X-Big"])) == (200, b"fits", 64 * 1024 - 9)


def test_19_too_many_trailers_fail_the_read_with_its_bytes(engine_log: LogLines) -> None:
    trailers = b"".join(b"T-%d: x\r\n" % i for i in range(257))
    http, _ = answered(CHUNKED + b"5\r\nhello\r\n0\r\n" + trailers + b"\r\n")
    assert http.read_response_body_chunk() == b"hello"
    assert_released(http)
    assert len(errors(engine_log)) == 1
    assert errors(engine_log)[0].startswith("ERROR: read_response_body_chunk: ")
    assert "256" in errors(engine_log)[0]


# --- 20-22. chunked bodies ------------------------------------------------------------------


def test_20_chunk_extensions_are_ignored(raw_server: ServerFactory) -> None:
    reply = CHUNKED + b'5;name=val\r\nhello\r\n6 ; q="a;b"\r\n world\r\n0;last\r\n\r\n'
    _server, http = served(raw_server, [Exchange(reply, bytewise=True), Exchange(ok(b"reused"))])
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"hello world"
    assert http.get_status() == S.STATUS_CONNECTED
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"reused"


def test_21_a_chunk_over_16_mib_is_streamed(raw_server: ServerFactory) -> None:
    size = (16 << 20) + 1
    data = bytes(range(256)) * (size // 256) + b"!"
    reply = CHUNKED + b"%x\r\n" % size + data + b"\r\n0\r\n\r\n"
    _server, http = served(raw_server, [Exchange(reply)])
    http.set_read_chunk_size(1 << 20)
    assert send(http) == Error.OK
    body, sizes = read_body(http)
    assert len(body) == size
    assert body == data
    assert max(sizes) <= 1 << 20
    assert http.get_status() == S.STATUS_CONNECTED


def test_22_chunked_reads_span_chunks_and_end_in_the_consuming_call() -> None:
    chunks = b"".join(b"64\r\n" + bytes([65 + i]) * 100 + b"\r\n" for i in range(3))
    http, _ = answered(CHUNKED + chunks + b"0\r\n\r\n")
    http.set_read_chunk_size(256)
    first = http.read_response_body_chunk()
    assert first == b"A" * 100 + b"B" * 100 + b"C" * 56
    assert http.get_status() == S.STATUS_BODY
    assert http.read_response_body_chunk() == b"C" * 44
    assert http.get_status() == S.STATUS_CONNECTED


def test_22_a_chunk_larger_than_read_chunk_size_is_split() -> None:
    http, _ = answered(CHUNKED + b"3e8\r\n" + b"z" * 1000 + b"\r\n0\r\n\r\n")
    http.set_read_chunk_size(256)
    sizes = []
    while http.get_status() == S.STATUS_BODY:
        sizes.append(len(http.read_response_body_chunk()))
    assert sizes == [256, 256, 256, 232]
    assert http.get_status() == S.STATUS_CONNECTED


# --- 23. chunk errors and state reset -------------------------------------------------------


def test_23_a_chunk_error_stops_and_close_resets_everything(engine_log: LogLines) -> None:
    http, _ = answered(CHUNKED + b"4\r\nwxyzQQ")
    assert http.read_response_body_chunk() == b"wxyz"
    assert_released(http)
    assert errors(engine_log) == [
        'ERROR: read_response_body_chunk: chunk data not followed by CRLF (got "QQ") '
        "(ERR_INVALID_DATA)"
    ]
    assert http.poll() == Error.ERR_CONNECTION_ERROR
    assert (http.get_response_code(), http.is_response_chunked()) == (200, True)
    http.close()
    assert not http.has_response()
    assert not http.is_response_chunked()
    assert http.get_response_code() == 0
    assert http.get_response_body_length() == -1
    assert http.get_response_headers() == []
    # The next response on a new stream is not poisoned by the old chunk state.
    fresh = ScriptedPeer()
    http.set_connection(fresh)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    fresh.incoming += ok(b"clean")
    settle(http)
    assert not http.is_response_chunked()
    assert read_body(http)[0] == b"clean"


# --- 24. truncated bodies --------------------------------------------------------------------


def test_24_a_truncated_chunked_body_is_an_error_with_its_bytes(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    _server, http = served(raw_server, [Exchange(CHUNKED + b"a\r\n01234", then="close")])
    assert send(http) == Error.OK
    body, _ = read_body(http)
    assert body == b"01234"
    assert_released(http)
    assert http.poll() == Error.ERR_CONNECTION_ERROR
    assert len(errors(engine_log)) == 1
    line = errors(engine_log)[0]
    assert line.startswith("ERROR: read_response_body_chunk: ")
    assert re.search(r"\b5\b", line)
    assert re.search(r"\b10\b", line)


@pytest.mark.parametrize("tail", [b"0\r\n", b"0\r\nX-Trailer: 1\r\n"], ids=["bare", "trailer"])
def test_eof_at_a_line_boundary_after_the_last_chunk_completes_the_body(
    engine_log: LogLines, tail: bytes
) -> None:
    """§5.5, robustness.md §3.6: complete, but the connection is not reused."""
    peer, http = adopted()
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    peer.incoming += CHUNKED + b"3\r\nabc\r\n" + tail
    peer.closed = True
    settle(http)
    assert read_body(http)[0] == b"abc"
    assert_released(http, S.STATUS_DISCONNECTED)
    assert errors(engine_log) == []


# --- 25. metadata kept after a read-until-close body ----------------------------------------


def test_25_close_delimited_end_keeps_the_metadata(raw_server: ServerFactory) -> None:
    reply = b"HTTP/1.1 203 Copy\r\nX-Kept: yes\r\n\r\nbody"
    _server, http = served(raw_server, [Exchange(reply, then="close")])
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"body"
    assert http.get_status() == S.STATUS_DISCONNECTED
    assert http.get_response_code() == 203
    assert http.get_response_headers() == ["X-Kept: yes"]
    assert http.get_response_body_length() == -1
    assert http.has_response()


# --- 26. poll in BODY after the server's FIN ------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "length"),
    [(ok(b"hello"), 5), (b"HTTP/1.1 200 OK\r\n\r\nhello", -1)],
    ids=["length", "until-close"],
)
def test_26_poll_leaves_the_eof_to_the_read(
    engine_log: LogLines, reply: bytes, length: int
) -> None:
    peer, http = adopted()
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    peer.incoming += reply
    peer.closed = True
    settle(http)
    for _ in range(3):
        assert http.poll() == Error.OK
        assert http.get_status() == S.STATUS_BODY
    assert http.get_response_body_length() == length
    assert read_body(http)[0] == b"hello"
    if length < 0:  # the close ends this body
        assert http.get_status() == S.STATUS_DISCONNECTED
    else:  # a complete body is not followed by a look at the stream: a later loss (§5.6)
        assert http.get_status() == S.STATUS_CONNECTED
        assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.ERR_CONNECTION_ERROR
        assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert errors(engine_log) == []


def test_26_poll_in_body_after_a_real_fin(raw_server: ServerFactory) -> None:
    _server, http = served(raw_server, [Exchange(b"HTTP/1.1 200 OK\r\n\r\nhello", then="close")])
    assert send(http) == Error.OK
    wait_fd(http.get_connection().fileno())
    for _ in range(5):
        assert http.poll() == Error.OK
        assert http.get_status() == S.STATUS_BODY
    assert read_body(http)[0] == b"hello"
    assert http.get_status() == S.STATUS_DISCONNECTED


# --- 27. poll after set_connection ---------------------------------------------------------


def test_27_poll_checks_the_adopted_peer() -> None:
    peer, http = adopted()
    for _ in range(3):
        assert http.poll() == Error.OK
    assert http.get_status() == S.STATUS_CONNECTED
    buffer_client = HTTPClient()
    buffer_client.set_connection(StreamPeerBuffer())
    assert buffer_client.poll() == Error.OK
    assert buffer_client.get_status() == S.STATUS_CONNECTED
    peer.closed = True
    assert http.poll() == Error.ERR_CONNECTION_ERROR
    assert_released(http)


# --- 29. request resets the previous response -----------------------------------------------


def test_29_request_resets_the_previous_response(raw_server: ServerFactory) -> None:
    first = CHUNKED[:-2] + b"X-First: 1\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    _server, http = served(raw_server, [Exchange(first), Exchange(ok(b"second"))])
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"abc"
    assert http.is_response_chunked()
    assert http.request(HTTPClient.METHOD_GET, "/2", []) == Error.OK
    assert http.get_status() == S.STATUS_REQUESTING
    assert not http.has_response()
    assert http.get_response_code() == 0
    assert http.get_response_headers() == []
    assert http.get_response_headers_as_dictionary() == {}
    assert http.get_response_body_length() == -1
    assert not http.is_response_chunked()
    settle(http)
    assert http.get_response_headers() == ["Content-Length: 6"]
    assert read_body(http)[0] == b"second"


# --- 30-32. automatic headers ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "framed"),
    [
        (HTTPClient.METHOD_POST, True),
        (HTTPClient.METHOD_PUT, True),
        (HTTPClient.METHOD_PATCH, True),
        (HTTPClient.METHOD_GET, False),
        (HTTPClient.METHOD_DELETE, False),
        (HTTPClient.METHOD_OPTIONS, False),
        (HTTPClient.METHOD_HEAD, False),
    ],
)
def test_30_empty_post_put_patch_send_content_length_zero(method: int, framed: bool) -> None:
    peer, http = adopted()
    assert http.request(method, "/", []) == Error.OK
    sent = bytes(peer.sent)
    assert (b"\r\nContent-Length: 0\r\n" in sent) is framed
    assert sent.count(b"Content-Length") == int(framed)


def test_31_host_goes_first_and_a_caller_host_replaces_it(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    server, http = served(raw_server, [Exchange(ok(b"1")), Exchange(ok(b"2"))])
    fetch(http, HTTPClient.METHOD_GET, "/a", ["X-A: 1", "X-B: 2"])
    fetch(http, HTTPClient.METHOD_GET, "/b", ["X-A: 1", "host: example.org"])
    lines = [request.split(b"\r\n") for request in server.requests]
    assert lines[0][:4] == [
        b"GET /a HTTP/1.1",
        b"Host: 127.0.0.1:%d" % server.port,
        b"X-A: 1",
        b"X-B: 2",
    ]
    assert lines[1][:3] == [b"GET /b HTTP/1.1", b"X-A: 1", b"host: example.org"]
    assert sum(line.lower().startswith(b"host:") for line in lines[1]) == 1
    assert (
        http.request(HTTPClient.METHOD_GET, "/", ["Host: a.org", "Host: b.org"])
        == Error.ERR_INVALID_PARAMETER
    )
    assert engine_log.lines == [
        'ERROR: request: Condition "!is_valid_header(p_headers[1])" is true. '
        "Returned: ERR_INVALID_PARAMETER"
    ]
    assert len(server.requests) == 2


def test_32_user_agent_names_engine_net() -> None:
    try:
        version = metadata.version("engine-net")
    except metadata.PackageNotFoundError:
        version = "0"
    peer, http = adopted()
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    agent = re.search(rb"\r\nUser-Agent: ([^\r]*)\r\n", bytes(peer.sent))
    assert agent is not None
    assert re.fullmatch(r"engine-net/(\S+) \((Windows|OSX|X11|\S+)\)", agent[1].decode())
    assert agent[1].decode().startswith(f"engine-net/{version} (")
    assert b"Godot" not in bytes(peer.sent)
    for never in (b"Connection", b"Accept-Encoding", b"Expect", b"Content-Type", b"Transfer"):
        assert never not in bytes(peer.sent)
    assert b"\r\nAccept: */*\r\n" in bytes(peer.sent)
    peer2, http2 = adopted()
    assert http2.request(HTTPClient.METHOD_GET, "/", ["user-agent: mine/1"]) == Error.OK
    assert bytes(peer2.sent).count(b"ser-Agent") == 0
    assert b"\r\nuser-agent: mine/1\r\n" in bytes(peer2.sent)


# --- 33. TLS versions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minimum", "maximum", "works"),
    [
        (None, ssl.TLSVersion.TLSv1_2, True),
        (ssl.TLSVersion.TLSv1_3, None, True),
        (None, ssl.TLSVersion.TLSv1_1, False),
    ],
    ids=["tls1.2", "tls1.3", "tls1.1"],
)
def test_33_tls_12_and_13_are_spoken_older_versions_are_not(
    tls_server: Callable[..., TLSServer],
    tls_server_context: ssl.SSLContext,
    tcp_listener: Listen,
    minimum: ssl.TLSVersion | None,
    maximum: ssl.TLSVersion | None,
    works: bool,
) -> None:
    if minimum is not None:
        tls_server_context.minimum_version = minimum
    if maximum is not None:
        with warnings.catch_warnings():  # TLS 1.1 is deprecated in ssl, which is the point
            warnings.simplefilter("ignore", DeprecationWarning)
            if maximum < ssl.TLSVersion.TLSv1_2:
                tls_server_context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
            tls_server_context.maximum_version = maximum
    listener = tcp_listener()
    server = tls_server(listener=listener)
    http = HTTPClient()
    assert http.connect_to_host("127.0.0.1", listener.getsockname()[1], True, False) == Error.OK
    pump(http, S.STATUS_CONNECTING)
    expected = S.STATUS_CONNECTED if works else S.STATUS_SSL_HANDSHAKE_ERROR
    assert http.get_status() == expected
    http.close()
    server.handshaken.wait(DEADLINE)


# --- 34. resolver queue ---------------------------------------------------------------------


def test_34_a_full_resolver_queue_gives_cant_resolve() -> None:
    resolver = IP.get_singleton()
    taken: list[int] = []
    try:
        while True:
            slot = resolver.resolve_hostname_queue_item("127.0.0.1")
            if slot == IP.RESOLVER_INVALID_ID:
                break
            taken.append(slot)
            assert len(taken) <= IP.RESOLVER_MAX_QUERIES
        http = HTTPClient()
        assert http.connect_to_host("example.com", 80) == Error.ERR_CANT_RESOLVE
        assert http.get_status() == S.STATUS_CANT_RESOLVE
        assert http.poll() == Error.ERR_CANT_RESOLVE
        assert http.get_status() == S.STATUS_CANT_RESOLVE
    finally:
        for slot in taken:
            resolver.erase_resolve_item(slot)


# --- 35. bad hosts and ports ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "port", "words"),
    [
        ("example.com", 65536, "port"),
        ("example.com", 0, "port"),
        ("exa mple.com", 80, "port"),
        ("user@example.com", 80, "request"),
        ("example.com:8080", -1, "port"),
        ("[127.0.0.1]", 80, ""),
        ("[not-an-address]", 80, ""),
        ("http://", 80, ""),
        ("x.y", 80, "HOST_MIN_LEN"),
    ],
)
def test_35_bad_hosts_and_ports_are_refused_at_once(
    engine_log: LogLines, host: str, port: int, words: str
) -> None:
    http = HTTPClient()
    assert http.connect_to_host(host, port) == Error.ERR_INVALID_PARAMETER
    assert_released(http, S.STATUS_DISCONNECTED)
    assert http.poll() == Error.ERR_UNCONFIGURED
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith("ERROR: connect_to_host: ")
    assert words in engine_log.lines[0]


def test_35_a_refused_host_still_closes_a_busy_client(raw_server: ServerFactory) -> None:
    _server, http = served(raw_server, [Exchange(ok(b"x"))])
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"x"
    tcp = http.get_connection()
    assert isinstance(tcp, StreamPeerTCP)
    assert http.connect_to_host("bad host", 80) == Error.ERR_INVALID_PARAMETER
    assert_released(http, S.STATUS_DISCONNECTED)
    assert not http.has_response()
    assert tcp.get_status() == StreamPeerTCP.Status.STATUS_NONE


def test_35_short_ip_literals_and_negative_ports_are_fine() -> None:
    http = HTTPClient()
    assert http.connect_to_host("::1", -7) == Error.OK
    assert http.get_status() == S.STATUS_CONNECTING
    http.close()
    assert http.connect_to_host("1.2.3.4", -1, True) == Error.OK
    http.close()


# --- 36 and §13.1. bytes while idle, bytes after a body ------------------------------------


def test_36_bytes_while_idle_end_the_connection(raw_server: ServerFactory) -> None:
    later = threading.Event()
    _server, http = served(
        raw_server,
        [
            Exchange(ok(b"x"), hold=later),
            Exchange(b"HTTP/1.1 408 Request Timeout\r\n\r\n", read_request=False),
        ],
    )
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"x"
    assert http.poll() == Error.OK
    later.set()
    end = time.monotonic() + DEADLINE
    result = Error.OK
    while result == Error.OK:
        assert time.monotonic() < end
        result = http.poll()
        time.sleep(0.0005)
    assert result == Error.ERR_CONNECTION_ERROR
    assert_released(http)
    assert http.get_response_code() == 200  # the 408 was never parsed as a response


def test_13_1_later_bytes_fail_the_next_request_and_write_nothing() -> None:
    peer, http = adopted()
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    peer.incoming += ok(b"done")
    settle(http)
    assert read_body(http)[0] == b"done"
    assert http.get_status() == S.STATUS_CONNECTED
    peer.incoming += b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil"
    written = len(peer.sent)
    assert http.request(HTTPClient.METHOD_GET, "/next", []) == Error.ERR_CONNECTION_ERROR
    assert_released(http)
    assert len(peer.sent) == written


@pytest.mark.parametrize(
    "reply",
    [ok(b"done") + b"EXTRA", CHUNKED + b"4\r\ndone\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"],
    ids=["length", "chunked"],
)
def test_13_1_buffered_bytes_after_the_body_close_the_connection(
    engine_log: LogLines, reply: bytes
) -> None:
    peer, http = adopted()
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    peer.incoming += reply
    settle(http)
    assert read_body(http)[0] == b"done"
    assert_released(http, S.STATUS_DISCONNECTED)
    assert http.get_response_code() == 200
    assert errors(engine_log) == []


# --- §13.2. bodyless replies with odd framing -----------------------------------------------


@pytest.mark.parametrize(
    ("method", "reply"),
    [
        (HTTPClient.METHOD_HEAD, b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\n"),
        (HTTPClient.METHOD_HEAD, b"HTTP/1.1 200 OK\r\nContent-Length: 1, 2\r\n\r\n"),
        (HTTPClient.METHOD_HEAD, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n"),
        (
            HTTPClient.METHOD_HEAD,
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n",
        ),
        (HTTPClient.METHOD_GET, b"HTTP/1.1 304 Not Modified\r\nContent-Length: -1\r\n\r\n"),
        (HTTPClient.METHOD_GET, b"HTTP/1.1 204 No Content\r\nContent-Length: 7, 8\r\n\r\n"),
    ],
    ids=[
        "head-cl-abc",
        "head-cl-conflict",
        "head-gzip",
        "head-te-cl",
        "304-negative",
        "204-conflict",
    ],
)
def test_13_2_odd_framing_on_bodyless_replies_succeeds_without_reuse(
    raw_server: ServerFactory, engine_log: LogLines, method: int, reply: bytes
) -> None:
    _server, http = served(raw_server, [Exchange(reply)])
    assert send(http, method) == Error.OK
    assert http.has_response()
    assert read_body(http)[0] == b""
    assert_released(http, S.STATUS_DISCONNECTED)
    assert errors(engine_log) == []


# --- 37. caller Content-Length and body framing --------------------------------------------


@pytest.mark.parametrize(
    ("method", "headers", "body"),
    [
        (HTTPClient.METHOD_POST, ["Content-Length: 3"], "hello"),
        (HTTPClient.METHOD_POST, ["Content-Length: 05"], "hi"),
        (HTTPClient.METHOD_POST, ["Content-Length: 5", "Transfer-Encoding: chunked"], "hello"),
        (HTTPClient.METHOD_POST, ["Transfer-Encoding: chunked"], "5\r\nhello\r\n"),
        (HTTPClient.METHOD_TRACE, [], "body"),
        (HTTPClient.METHOD_GET, ["Content-Length: 1"], ""),
    ],
)
def test_37_request_framing_must_match_the_body(
    engine_log: LogLines, method: int, headers: list[str], body: str
) -> None:
    peer, http = adopted()
    assert http.request(method, "/", headers, body) == Error.ERR_INVALID_PARAMETER
    assert bytes(peer.sent) == b""
    assert http.get_status() == S.STATUS_CONNECTED
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith("ERROR: request: ")
    assert engine_log.lines[0].endswith("ERR_INVALID_PARAMETER")


def test_37_matching_caller_framing_is_sent_as_given() -> None:
    peer, http = adopted()
    assert http.request(HTTPClient.METHOD_POST, "/", ["Content-Length: 5"], "hello") == Error.OK
    assert bytes(peer.sent).count(b"Content-Length") == 1
    assert bytes(peer.sent).endswith(b"\r\n\r\nhello")
    peer2, http2 = adopted()
    chunked = b"5\r\nhello\r\n0\r\n\r\n"
    headers = ["Transfer-Encoding: chunked"]
    assert http2.request_raw(HTTPClient.METHOD_POST, "/", headers, chunked) == Error.OK
    assert b"Content-Length" not in bytes(peer2.sent)
    assert bytes(peer2.sent).endswith(b"\r\n\r\n" + chunked)


# --- 38. a new TCP peer per connection -----------------------------------------------------


def test_38_each_connection_gets_a_new_tcp_peer(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(ok(b"one"))], [Exchange(ok(b"two"))]])
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    first = http.get_connection()
    assert isinstance(first, StreamPeerTCP)
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"one"
    connect(http, "127.0.0.1", server.port)
    second = http.get_connection()
    assert second is not first
    assert first.get_status() == StreamPeerTCP.Status.STATUS_NONE
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"two"
    assert server.accepted == 2


# --- 39. null inside a query-string array --------------------------------------------------


@pytest.mark.parametrize(
    ("fields", "query"),
    [
        ({"k": [None, [1, 2]]}, "k&k=%5B1%2C%202%5D"),
        ({"k": [None]}, "k"),
        ({"a": None, "b": [1, None, 2]}, "a&b=1&b&b=2"),
    ],
)
def test_39_null_in_an_array_gives_a_bare_key(fields: dict[str, Any], query: str) -> None:
    assert HTTPClient().query_string_from_dict(fields) == query


# --- Expect, Upgrade, CONNECT, early replies ------------------------------------------------


def test_expect_100_continue_sends_the_body_at_once(raw_server: ServerFactory) -> None:
    reply = b"HTTP/1.1 100 Continue\r\n\r\n" + ok(b"stored")
    server, http = served(raw_server, [Exchange(reply)])
    code, _, body = fetch(http, HTTPClient.METHOD_POST, "/", ["Expect: 100-continue"], "payload")
    assert (code, body) == (200, b"stored")
    request = server.requests[0]
    assert request.count(b"Expect: 100-continue\r\n") == 1
    assert request.endswith(b"\r\n\r\npayload")


def test_upgrade_101_hands_the_stream_over(raw_server: ServerFactory, engine_log: LogLines) -> None:
    head = b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"
    _server, http = served(raw_server, [Exchange(head + b"\x81\x05hello")])
    headers = ["Upgrade: websocket", "Connection: Upgrade"]
    assert send(http, HTTPClient.METHOD_GET, "/chat", headers) == Error.OK
    assert http.get_status() == S.STATUS_CONNECTED
    assert http.get_response_code() == 101
    assert http.get_response_body_length() == -1
    assert http.get_response_headers_as_dictionary()["Upgrade"] == "websocket"
    stream = http.get_connection()
    assert isinstance(stream, StreamPeerTCP)
    wait_fd(stream.fileno())
    assert http.poll() == Error.OK  # the frame is the caller's, not an unsolicited response
    assert http.get_status() == S.STATUS_CONNECTED
    assert stream_read(stream, 7) == b"\x81\x05hello"
    assert errors(engine_log) == []


def test_unsolicited_101_is_an_error(raw_server: ServerFactory, engine_log: LogLines) -> None:
    _server, http = served(raw_server, [Exchange(b"HTTP/1.1 101 Switching Protocols\r\n\r\n")])
    assert send(http) == Error.ERR_INVALID_DATA
    assert_released(http)
    assert [line[:13] for line in errors(engine_log)] == ["ERROR: poll: "]


def test_connect_method_opens_a_tunnel(raw_server: ServerFactory) -> None:
    reply = b"HTTP/1.1 200 Connection Established\r\n\r\nSSH-2.0-tunnel\r\n"
    server, http = served(raw_server, [Exchange(reply)])
    assert send(http, HTTPClient.METHOD_CONNECT, "example.com:22") == Error.OK
    assert server.requests[0].startswith(b"CONNECT example.com:22 HTTP/1.1\r\n")
    assert http.get_status() == S.STATUS_CONNECTED
    assert (http.get_response_code(), http.get_response_body_length()) == (200, -1)
    tunnel = http.get_connection()
    assert tunnel is not None
    assert stream_read(tunnel, 16) == b"SSH-2.0-tunnel\r\n"
    assert tunnel.put_data(b"SSH-2.0-client\r\n") == Error.OK


def test_connect_method_needs_an_authority(engine_log: LogLines) -> None:
    peer, http = adopted()
    for target in ("/", "example.com", ":443", "example.com:"):
        assert http.request(HTTPClient.METHOD_CONNECT, target, []) == Error.ERR_INVALID_PARAMETER
    assert bytes(peer.sent) == b""
    assert (
        engine_log.lines
        == [
            'ERROR: request: Condition "!_check_request_url(p_method, p_url)" is true. '
            "Returned: ERR_INVALID_PARAMETER"
        ]
        * 4
    )


@pytest.mark.parametrize("then", ["reset", "keep"])
def test_early_reply_is_delivered_while_the_upload_is_unfinished(
    tcp_listener: Listen, then: str
) -> None:
    """§4.3: a 413 sent before the body was read (then, maybe, a reset) is the response."""
    listener = tcp_listener()
    http = HTTPClient()
    assert http.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
    conn = accept(listener)
    pump(http, S.STATUS_CONNECTING)
    body = b"u" * (12 << 20)
    assert http.request_raw(HTTPClient.METHOD_POST, "/upload", [], body) == Error.OK
    assert http.get_status() == S.STATUS_REQUESTING
    assert recv_head(conn).startswith(b"POST /upload HTTP/1.1\r\n")
    conn.sendall(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo big!")
    if then == "reset":
        reset(conn)  # the upload is still being written: the client's next write fails
    settle(http)
    assert http.has_response(), f"status {S(http.get_status()).name}"
    assert http.get_response_code() == 413
    assert read_body(http)[0] == b"too big!"
    assert_released(http, S.STATUS_DISCONNECTED)  # never reused: the request was not all sent
    conn.close()


# --- status-table rows (§2) -------------------------------------------------------------------


@pytest.mark.parametrize("leave", ["close", "connect_to_host", "set_connection"])
def test_connection_error_is_sticky_until_left(
    raw_server: ServerFactory, engine_log: LogLines, leave: str
) -> None:
    truncated = b"HTTP/1.1 200 OK\r\nX-Meta: kept\r\nContent-Length: 10\r\n\r\nabc"
    scripts = [[Exchange(truncated, then="close")]]
    if leave == "connect_to_host":
        scripts.append([Exchange(ok(b"ok"))])
    server = raw_server(scripts)
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    assert send(http) == Error.OK
    assert read_body(http)[0] == b"abc"
    engine_log.clear()
    for _ in range(3):
        assert http.poll() == Error.ERR_CONNECTION_ERROR
        assert_released(http)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.ERR_INVALID_PARAMETER
    assert http.read_response_body_chunk() == b""
    http.set_read_chunk_size(1024)
    http.set_blocking_mode(False)
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert [line.split(":")[1] for line in engine_log.lines] == [
        " request",
        " read_response_body_chunk",
    ]
    # The last response's metadata stays readable in the error state.
    assert http.has_response()
    assert (http.get_response_code(), http.get_response_body_length()) == (200, 10)
    assert http.get_response_headers_as_dictionary()["X-Meta"] == "kept"
    if leave == "close":
        http.close()
        assert http.get_status() == S.STATUS_DISCONNECTED
    elif leave == "connect_to_host":
        assert http.connect_to_host("127.0.0.1", server.port) == Error.OK
        assert http.get_status() == S.STATUS_CONNECTING
    else:
        http.set_connection(ScriptedPeer())
        assert http.get_status() == S.STATUS_CONNECTED
    assert not http.has_response()
    assert http.get_response_code() == 0
    assert http.get_response_headers() == []
    if leave == "connect_to_host":
        pump(http, S.STATUS_CONNECTING)
        assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"ok"


def test_request_on_a_connection_the_server_closed(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    later = threading.Event()
    server, http = served(raw_server, [Exchange(ok(b"x"), then="close", hold=later)])
    try:
        assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"x"
        assert http.get_status() == S.STATUS_CONNECTED
    finally:
        later.set()
    stream = http.get_connection()
    assert isinstance(stream, StreamPeerTCP)
    wait_fd(stream.fileno())  # the FIN has arrived
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.ERR_CONNECTION_ERROR
    assert_released(http)
    assert len(server.requests) == 1
    assert errors(engine_log) == []  # an idle close is a network outcome (§13.3): DEBUG only


@pytest.mark.parametrize("blocking", [False, True], ids=["poll", "blocking"])
@pytest.mark.parametrize("then", ["reset", "unsolicited bytes"])
def test_request_on_an_idle_connection_that_was_reset_or_spoken_on(
    raw_server: ServerFactory, engine_log: LogLines, then: str, blocking: bool
) -> None:
    """request()'s look at the idle connection finds a reset or bytes nobody asked for as
    it finds a close: nothing is sent, CONNECTION_ERROR, DEBUG only (§13.3)."""
    hold = threading.Event()
    script = [Exchange(ok(b"x"), then="reset" if then == "reset" else "keep", hold=hold)]
    if then != "reset":
        script.append(Exchange(b"HTTP/1.1 408 Request Timeout\r\n\r\n", read_request=False))
    server, http = served(raw_server, script)
    http.blocking_mode_enabled = blocking
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"x"
    assert http.get_status() == S.STATUS_CONNECTED
    hold.set()
    stream = http.get_connection()
    assert isinstance(stream, StreamPeerTCP)
    wait_fd(stream.fileno())  # the reset or the bytes have arrived
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.ERR_CONNECTION_ERROR
    assert_released(http)
    assert len(server.requests) == 1
    assert errors(engine_log) == []


@pytest.mark.skipif(sys.platform != "linux", reason="Linux refuses TCP to multicast at once")
def test_connect_that_cannot_start_gives_cant_connect(engine_log: LogLines) -> None:
    http = HTTPClient()
    assert http.connect_to_host("224.0.0.1", 80) == Error.FAILED
    assert_released(http, S.STATUS_CANT_CONNECT)
    assert http.poll() == Error.ERR_CANT_CONNECT
    assert http.get_status() == S.STATUS_CANT_CONNECT
    assert errors(engine_log) == []  # a network outcome, not misuse


def test_request_whose_write_fails() -> None:
    peer = FailingWritePeer()
    http = HTTPClient()
    http.set_connection(peer)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.FAILED
    assert_released(http)
    assert http.poll() == Error.ERR_CONNECTION_ERROR


@pytest.mark.parametrize(
    ("reply", "then"),
    [(b"", "close"), (b"HTTP/1.1 200 OK\r\nContent-Le", "close"), (b"", "reset")],
    ids=["no-response", "mid-head", "reset"],
)
def test_connection_loss_before_the_final_head(
    raw_server: ServerFactory, engine_log: LogLines, reply: bytes, then: str
) -> None:
    _server, http = served(raw_server, [Exchange(reply, then=then)])
    assert send(http) == Error.ERR_CONNECTION_ERROR
    assert_released(http)
    assert not http.has_response()
    assert [line[:13] for line in errors(engine_log)] == ["ERROR: poll: "]


def test_stream_error_in_body_is_seen_by_poll(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
    _server, http = served(raw_server, [Exchange(reply, then="reset")])
    assert send(http) == Error.OK
    end = time.monotonic() + DEADLINE
    result = Error.OK
    while result == Error.OK:
        assert time.monotonic() < end
        assert http.get_status() == S.STATUS_BODY
        result = http.poll()
        time.sleep(0.0005)
    assert result == Error.ERR_CONNECTION_ERROR
    assert_released(http)
    assert [line[:13] for line in errors(engine_log)] == ["ERROR: poll: "]


def test_stream_error_behind_buffered_body_bytes_is_left_to_the_read(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    # The bytes already received are delivered first (as an early reply must be, §4.3); the
    # read that finds the body cut short reports it (class F).
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n0123456789"
    server, http = served(raw_server, [Exchange(reply, then="reset")])
    assert send(http) == Error.OK
    server.wait()
    assert http.poll() == Error.OK
    assert read_body(http)[0] == b"0123456789"
    assert_released(http)
    assert errors(engine_log) == [
        "ERROR: read_response_body_chunk: connection closed after 10 of 100 body bytes "
        "(ERR_CONNECTION_ERROR)"
    ]


def client_in(status: int, raw_server: ServerFactory) -> tuple[HTTPClient, Any]:
    """A client brought into ``status``; also its stream at that point."""
    http = HTTPClient()
    if status == S.STATUS_RESOLVING:
        assert http.connect_to_host("localhost", 9) == Error.OK
        return http, None
    if status == S.STATUS_CANT_CONNECT:
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
        probe.close()
        assert http.connect_to_host("127.0.0.1", port) == Error.OK
        pump(http, S.STATUS_CONNECTING)
        return http, None
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc"
    if status == S.STATUS_CONNECTION_ERROR:
        reply = b"HTTP/9.9 200 OK\r\n\r\n"
    server = raw_server([[Exchange(reply)]])
    assert http.connect_to_host("127.0.0.1", server.port) == Error.OK
    if status != S.STATUS_CONNECTING:
        pump(http, S.STATUS_CONNECTING)
    stream = http.get_connection()
    if status in (S.STATUS_BODY, S.STATUS_CONNECTION_ERROR):
        send(http)
    elif status == S.STATUS_REQUESTING:
        assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    return http, stream


@pytest.mark.parametrize(
    "status",
    [
        S.STATUS_RESOLVING,
        S.STATUS_CONNECTING,
        S.STATUS_CANT_CONNECT,
        S.STATUS_CONNECTED,
        S.STATUS_REQUESTING,
        S.STATUS_BODY,
        S.STATUS_CONNECTION_ERROR,
    ],
    ids=lambda s: S(s).name,
)
def test_close_from_any_state(raw_server: ServerFactory, engine_log: LogLines, status: int) -> None:
    http, stream = client_in(status, raw_server)
    assert http.get_status() == status
    http.close()
    assert_released(http, S.STATUS_DISCONNECTED)
    assert not http.has_response()
    assert http.get_response_code() == 0
    assert http.poll() == Error.ERR_UNCONFIGURED
    if stream is not None:
        assert stream.get_status() == StreamPeerTCP.Status.STATUS_NONE  # the client closed it
    http.close()
    assert http.get_status() == S.STATUS_DISCONNECTED
    assert [line for line in errors(engine_log) if "poll" not in line.split(":")[1]] == []


def test_set_connection_in_body_starts_afresh_and_never_closes_a_supplied_peer(
    raw_server: ServerFactory,
) -> None:
    http, _ = answered(ok(b"0123456789"))
    assert http.get_status() == S.STATUS_BODY
    other = ScriptedPeer()
    http.set_connection(other)
    assert http.get_status() == S.STATUS_CONNECTED
    assert not http.has_response()
    assert http.get_connection() is other
    http.set_connection(other)  # the current peer again: nothing happens
    assert http.get_connection() is other
    server = raw_server([[Exchange(ok(b"x"))]])
    tcp = StreamPeerTCP()
    assert tcp.connect_to_host("127.0.0.1", server.port) == Error.OK
    http.set_connection(tcp)
    http.close()
    assert tcp.get_status() != StreamPeerTCP.Status.STATUS_NONE  # dropped, not closed
    tcp.disconnect_from_host()


def test_get_connection_follows_the_connection(
    tls_server: Callable[..., TLSServer], tcp_listener: Listen
) -> None:
    """§3.2: None, then the TCP peer until the handshake starts, then the StreamPeerSSL."""
    listener = tcp_listener()
    tls_server(listener=listener)
    http = HTTPClient()
    assert http.get_connection() is None
    assert http.connect_to_host("127.0.0.1", listener.getsockname()[1], True, False) == Error.OK
    assert isinstance(http.get_connection(), StreamPeerTCP)
    pump(http, S.STATUS_CONNECTING)
    assert http.get_status() == S.STATUS_CONNECTED
    tls = http.get_connection()
    assert isinstance(tls, StreamPeerSSL)
    assert isinstance(tls.get_stream(), StreamPeerTCP)
    http.close()
    assert http.get_connection() is None
