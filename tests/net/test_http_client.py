"""HTTPClient against real loopback servers: the tutorial loop, exact bytes, keep-alive, framing."""

from __future__ import annotations

import select
import socket
import threading
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import pytest
from pytest_httpserver import HTTPServer

from engine.object_model import ClassDB, Error, Ref, is_instance_valid
from net import HTTPClient, StreamPeer, StreamPeerBuffer, StreamPeerSSL, StreamPeerTCP
from net.http_target import user_agent
from support import Exchange, LogLines, RawServer

S = HTTPClient.Status
ServerFactory = Callable[..., RawServer]

DEADLINE = 20.0


def pump(http: HTTPClient, *waiting: int) -> None:
    """Poll while the status is one of ``waiting`` (the tutorial loop), within a deadline."""
    end = time.monotonic() + DEADLINE
    while http.get_status() in waiting:
        assert time.monotonic() < end, f"stuck in status {http.get_status()}"
        http.poll()
        time.sleep(0.0005)


def connect(http: HTTPClient, host: str, port: int, **kwargs: Any) -> None:
    assert http.connect_to_host(host, port, **kwargs) == Error.OK
    pump(http, S.STATUS_RESOLVING, S.STATUS_CONNECTING)
    assert http.get_status() == S.STATUS_CONNECTED


def read_body(http: HTTPClient) -> tuple[bytes, list[int]]:
    """Read the body the tutorial's way; also return each chunk's size."""
    body = bytearray()
    sizes: list[int] = []
    end = time.monotonic() + DEADLINE
    while http.get_status() == S.STATUS_BODY:
        assert time.monotonic() < end, "stuck reading the body"
        http.poll()
        chunk = http.read_response_body_chunk()
        if chunk:
            body += chunk
            sizes.append(len(chunk))
        else:
            time.sleep(0.0005)
    return bytes(body), sizes


def fetch(
    http: HTTPClient, method: int, path: str, headers: list[str] | None = None, body: str = ""
) -> tuple[int, dict[str, Any], bytes]:
    assert http.request(method, path, headers or [], body) == Error.OK
    pump(http, S.STATUS_REQUESTING)
    assert http.has_response(), f"no response, status {http.get_status()}"
    data, _ = read_body(http)
    return http.get_response_code(), http.get_response_headers_as_dictionary(), data


def ok(body: bytes, extra: bytes = b"") -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), extra, body)


# --- the tutorial loop against pytest-httpserver ---------------------------------------------


@pytest.mark.parametrize("blocking", [False, True], ids=["polling", "blocking"])
def test_tutorial_loop_fetches_a_page(httpserver: HTTPServer, blocking: bool) -> None:
    httpserver.expect_request("/index.php", method="GET").respond_with_data(
        "hello world", content_type="text/plain"
    )
    http = HTTPClient()
    http.set_blocking_mode(blocking)
    http.set_read_chunk_size(65536)
    connect(http, httpserver.host, httpserver.port)
    code, headers, body = fetch(http, HTTPClient.METHOD_GET, "/index.php", ["Accept: */*"])
    assert (code, body) == (200, b"hello world")
    assert headers["Content-Type"] == "text/plain"
    assert http.get_response_body_length() == 11
    http.close()
    assert http.get_status() == S.STATUS_DISCONNECTED


def test_post_body_reaches_the_server(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/form", method="POST", data="a=1&b=%C3%A9").respond_with_data("ok")
    http = HTTPClient()
    connect(http, httpserver.host, httpserver.port)
    fields = http.query_string_from_dict({"a": 1, "b": "é"})
    code, _, body = fetch(http, HTTPClient.METHOD_POST, "/form", [], fields)
    assert (code, body) == (200, b"ok")


def test_connect_by_name_resolves_first(httpserver: HTTPServer) -> None:
    httpserver.expect_request("/").respond_with_data("named")
    http = HTTPClient()
    assert http.connect_to_host("localhost", httpserver.port) == Error.OK
    assert http.get_status() == S.STATUS_RESOLVING
    pump(http, S.STATUS_RESOLVING, S.STATUS_CONNECTING)
    assert http.get_status() == S.STATUS_CONNECTED
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"named"


# --- exact bytes and keep-alive against the raw server ---------------------------------------


def test_request_bytes_are_exact(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(ok(b"x"))]])
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    fetch(http, HTTPClient.METHOD_POST, "/p?q=1", ["X-One: 1", "accept: text/plain"], "body")
    assert server.requests == [
        b"POST /p?q=1 HTTP/1.1\r\n"
        b"Host: 127.0.0.1:%d\r\n"
        b"X-One: 1\r\n"
        b"accept: text/plain\r\n"
        b"Content-Length: 4\r\n"
        b"User-Agent: %s\r\n"
        b"\r\n"
        b"body" % (server.port, user_agent().encode())
    ]


def test_keep_alive_carries_several_exchanges_on_one_connection(raw_server: ServerFactory) -> None:
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n"
    server = raw_server(
        [[Exchange(ok(b"first")), Exchange(chunked, bytewise=True), Exchange(ok(b"third"))]]
    )
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    bodies = []
    for _ in range(3):
        bodies.append(fetch(http, HTTPClient.METHOD_GET, "/")[2])
        assert http.get_status() == S.STATUS_CONNECTED
    assert bodies == [b"first", b"abc", b"third"]
    assert server.accepted == 1
    assert len(server.requests) == 3


@pytest.mark.parametrize(
    ("chunk_size", "size", "cuts"),
    [
        (256, 10240, ()),
        # Pieces this large come straight from the socket; the server's writes end inside them.
        (65536, 251000, (40000, 1, 30000, 70000, 100, 9000)),
    ],
    ids=["small-pieces", "large-pieces"],
)
def test_read_chunk_size_bounds_every_chunk(
    raw_server: ServerFactory, chunk_size: int, size: int, cuts: tuple[int, ...]
) -> None:
    payload = bytes(range(251)) * (size // 251) + bytes(size % 251)
    chunked = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%x\r\n%s\r\n0\r\n\r\n" % (
        len(payload),
        payload,
    )
    server = raw_server([[Exchange(ok(payload), pieces=cuts), Exchange(chunked, pieces=cuts)]])
    http = HTTPClient()
    http.read_chunk_size = chunk_size
    connect(http, "127.0.0.1", server.port)
    for expect_chunked in (False, True):
        assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
        pump(http, S.STATUS_REQUESTING)
        assert http.is_response_chunked() is expect_chunked
        body, sizes = read_body(http)
        assert body == payload
        assert max(sizes) <= chunk_size
        assert http.get_status() == S.STATUS_CONNECTED


def test_interim_responses_are_skipped(raw_server: ServerFactory) -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n"
    server = raw_server([[Exchange(interim + ok(b"done", b"X-Final: yes\r\n"))]])
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    code, headers, body = fetch(http, HTTPClient.METHOD_GET, "/")
    assert (code, body) == (200, b"done")
    assert "Link" not in headers
    assert headers["X-Final"] == "yes"


@pytest.mark.parametrize(
    ("method", "reply"),
    [
        (HTTPClient.METHOD_HEAD, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n"),
        (HTTPClient.METHOD_GET, b"HTTP/1.1 204 No Content\r\n\r\n"),
        (HTTPClient.METHOD_GET, b"HTTP/1.1 304 Not Modified\r\n\r\n"),
    ],
    ids=["head", "204", "304"],
)
def test_bodyless_replies_leave_the_connection_reusable(
    raw_server: ServerFactory, method: int, reply: bytes
) -> None:
    server = raw_server([[Exchange(reply), Exchange(ok(b"next"))]])
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    assert http.request(method, "/", []) == Error.OK
    pump(http, S.STATUS_REQUESTING)
    assert http.has_response()
    body, _ = read_body(http)
    assert body == b""
    assert http.get_status() == S.STATUS_CONNECTED
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"next"


def test_close_delimited_body_ends_disconnected(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(b"HTTP/1.1 200 OK\r\n\r\nuntil the end", then="close")]])
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    code, _, body = fetch(http, HTTPClient.METHOD_GET, "/")
    assert (code, body) == (200, b"until the end")
    assert http.get_status() == S.STATUS_DISCONNECTED
    assert http.has_response()
    assert http.get_response_body_length() == -1


def test_truncated_body_is_an_error_with_its_bytes(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    server = raw_server(
        [[Exchange(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc", then="close")]]
    )
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    pump(http, S.STATUS_REQUESTING)
    body, _ = read_body(http)
    assert body == b"abc"
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert http.get_connection() is None
    assert http.poll() == Error.ERR_CONNECTION_ERROR
    errors = [
        line for line in engine_log.lines if line.startswith("ERROR: read_response_body_chunk")
    ]
    assert len(errors) == 1
    assert "3" in errors[0]
    assert "10" in errors[0]


def test_malformed_head_fails_and_a_new_connection_works(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    server = raw_server([[Exchange(b"HTTP/2.0 200 OK\r\n\r\n")], [Exchange(ok(b"fine"))]])
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    end = time.monotonic() + DEADLINE
    result = Error.OK
    while http.get_status() == S.STATUS_REQUESTING and time.monotonic() < end:
        result = http.poll()
    assert result == Error.ERR_INVALID_DATA
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert [line for line in engine_log.lines if line.startswith("ERROR: poll:")]
    connect(http, "127.0.0.1", server.port)
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"fine"


def test_invalid_request_writes_nothing(raw_server: ServerFactory, engine_log: LogLines) -> None:
    server = raw_server([[Exchange(ok(b"after"))]])
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    assert http.request(HTTPClient.METHOD_GET, "/", ["X: a\r\nY: b"]) == Error.ERR_INVALID_PARAMETER
    assert engine_log.lines == [
        'ERROR: request: Condition "!is_valid_header(p_headers[0])" is true. '
        "Returned: ERR_INVALID_PARAMETER"
    ]
    assert http.request(9, "/", []) == Error.ERR_INVALID_PARAMETER
    assert http.request(HTTPClient.METHOD_GET, "index.php", []) == Error.ERR_INVALID_PARAMETER
    assert http.get_status() == S.STATUS_CONNECTED
    assert fetch(http, HTTPClient.METHOD_GET, "/ok")[2] == b"after"
    assert len(server.requests) == 1
    assert server.requests[0].startswith(b"GET /ok HTTP/1.1\r\n")


def test_idle_close_is_noticed_by_poll(raw_server: ServerFactory) -> None:
    hold = threading.Event()
    server = raw_server([[Exchange(ok(b"x"), then="close", hold=hold)]])
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    fetch(http, HTTPClient.METHOD_GET, "/")
    assert http.get_status() == S.STATUS_CONNECTED
    assert http.poll() == Error.OK
    hold.set()
    end = time.monotonic() + DEADLINE
    while http.poll() == Error.OK:
        assert time.monotonic() < end
        time.sleep(0.001)
    assert http.get_status() == S.STATUS_CONNECTION_ERROR


def test_refused_connection_ends_in_cant_connect() -> None:
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    http = HTTPClient()
    assert http.connect_to_host("127.0.0.1", port) == Error.OK
    pump(http, S.STATUS_CONNECTING)
    assert http.get_status() == S.STATUS_CANT_CONNECT
    assert http.poll() == Error.ERR_CANT_CONNECT


def test_unresolvable_name_ends_in_cant_resolve() -> None:
    http = HTTPClient()
    assert http.connect_to_host("nonexistent.invalid", 80) == Error.OK
    pump(http, S.STATUS_RESOLVING)
    assert http.get_status() == S.STATUS_CANT_RESOLVE
    assert http.poll() == Error.ERR_CANT_RESOLVE


def test_ipv6_loopback(raw_server: ServerFactory) -> None:
    try:
        server = raw_server([[Exchange(ok(b"six"))]], family=socket.AF_INET6)
    except OSError:
        pytest.skip("::1 cannot be bound here")
    http = HTTPClient()
    connect(http, "[::1]", server.port)
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"six"
    assert b"Host: [::1]:%d\r\n" % server.port in server.requests[0]


# --- set_connection over any StreamPeer --------------------------------------------------------


class ScriptedPeer(StreamPeer):
    """A duplex in-memory peer: records what is written, serves scripted replies."""

    def __init__(self) -> None:
        super().__init__()
        self.sent = bytearray()
        self.incoming = bytearray()
        self.closed = False

    def _write(self, data: bytes | memoryview) -> tuple[Error, int]:
        self.sent += data
        return Error.OK, len(data)

    def _read(self, size: int) -> tuple[Error, bytes]:
        if not self.incoming:
            return (Error.ERR_FILE_EOF if self.closed else Error.OK), b""
        chunk = bytes(self.incoming[:size])
        del self.incoming[:size]
        return Error.OK, chunk

    def _available(self) -> int:
        return len(self.incoming)


ClassDB.register_class(ScriptedPeer)


@pytest.mark.parametrize("blocking", [False, True], ids=["polling", "blocking"])
def test_the_read_that_takes_a_large_last_chunk_ends_the_body(blocking: bool) -> None:
    data = bytes(range(250)) * 400  # 100000 bytes in one chunk, then the last chunk
    peer = ScriptedPeer()
    http = HTTPClient()
    http.set_blocking_mode(blocking)
    http.set_read_chunk_size(1 << 24)
    http.set_connection(peer)
    assert http.request(HTTPClient.METHOD_GET, "/", ["Host: example.com"]) == Error.OK
    peer.incoming += b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    pump(http, S.STATUS_REQUESTING)
    peer.incoming += b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data)
    pieces = []
    while http.get_status() == S.STATUS_BODY:
        pieces.append(http.read_response_body_chunk())
    assert b"".join(pieces) == data
    assert b"" not in pieces  # the read that took the last bytes also saw the end
    assert http.get_status() == S.STATUS_CONNECTED
    if blocking:
        assert len(pieces) == 1  # a chunk no longer than read_chunk_size comes back whole


@pytest.mark.parametrize(
    "framing", [b"Content-Length: 10\r\n\r\n01234", b"Transfer-Encoding: chunked\r\n\r\na\r\n01234"]
)
def test_one_read_returns_the_buffered_bytes_and_reports_the_cut(
    framing: bytes, caplog: pytest.LogCaptureFixture
) -> None:
    # The buffered part is taken before the stream is read; the read that then finds the
    # close must still hand it over with the error, in the same call.
    peer = ScriptedPeer()
    http = HTTPClient()
    http.set_connection(peer)
    assert http.request(HTTPClient.METHOD_GET, "/", ["Host: example.com"]) == Error.OK
    peer.incoming += b"HTTP/1.1 200 OK\r\n" + framing
    pump(http, S.STATUS_REQUESTING)
    assert http.get_status() == S.STATUS_BODY
    peer.closed = True
    assert http.read_response_body_chunk() == b"01234"
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert "5 of 10" in caplog.text  # the line names the received and expected counts


def test_a_raw_body_may_be_any_bytes_like_object() -> None:
    peer = ScriptedPeer()
    http = HTTPClient()
    http.set_connection(peer)
    body = memoryview(bytearray(b"raw"))
    headers = ["Host: example.com"]
    assert http.request_raw(HTTPClient.METHOD_POST, "/", headers, body) == Error.OK  # type: ignore[arg-type]
    assert b"\r\nContent-Length: 3\r\n" in peer.sent
    assert bytes(peer.sent).endswith(b"\r\n\r\nraw")


def test_each_request_sends_what_it_was_given_however_like_the_last() -> None:
    """A client sending one request again and again may reuse its serialisation, but a
    change to any part, or to the caller's header list in place, is sent as it now is."""
    peer = ScriptedPeer()
    http = HTTPClient()
    http.set_connection(peer)
    headers = ["Host: example.com"]
    calls: list[tuple[int, str, str]] = [
        (HTTPClient.METHOD_GET, "/a", ""),
        (HTTPClient.METHOD_GET, "/a", ""),
        (HTTPClient.METHOD_GET, "/b", ""),
        (HTTPClient.METHOD_POST, "/b", ""),
        (HTTPClient.METHOD_POST, "/b", "x"),
        (HTTPClient.METHOD_POST, "/b", "x"),
    ]
    sent = []
    for number, (method, url, body) in enumerate(calls):
        if number == 5:
            headers.append("X-Later: 1")  # the same list, changed in place
        peer.sent.clear()
        assert http.request(method, url, headers, body) == Error.OK
        sent.append(bytes(peer.sent))
        peer.incoming += ok(b"")
        pump(http, S.STATUS_REQUESTING)
        read_body(http)
    agent = b"User-Agent: " + user_agent().encode() + b"\r\n"
    host = b"Host: example.com\r\n"
    assert sent == [
        b"GET /a HTTP/1.1\r\n" + host + agent + b"Accept: */*\r\n\r\n",
        b"GET /a HTTP/1.1\r\n" + host + agent + b"Accept: */*\r\n\r\n",
        b"GET /b HTTP/1.1\r\n" + host + agent + b"Accept: */*\r\n\r\n",
        b"POST /b HTTP/1.1\r\n" + host + b"Content-Length: 0\r\n" + agent + b"Accept: */*\r\n\r\n",
        b"POST /b HTTP/1.1\r\n" + host + b"Content-Length: 1\r\n" + agent + b"Accept: */*\r\n\r\nx",
        b"POST /b HTTP/1.1\r\n"
        + host
        + b"X-Later: 1\r\nContent-Length: 1\r\n"
        + agent
        + b"Accept: */*\r\n\r\nx",
    ]


def test_a_repeated_request_is_written_for_the_connection_it_goes_out_on(
    raw_server: ServerFactory,
) -> None:
    """The same method, URL, headers and body after a reconnect (to the same server, another
    one, through a proxy set meanwhile, over an adopted stream) carry that connection's Host
    and request target."""
    first = raw_server([[Exchange(ok(b"1"))], [Exchange(ok(b"2"))]])
    second = raw_server([[Exchange(ok(b"3"))], [Exchange(ok(b"5"))]])
    proxy = raw_server([[Exchange(ok(b"4"))]])
    http = HTTPClient()
    headers = ["X-A: 1"]
    for port in (first.port, first.port, second.port):
        connect(http, "127.0.0.1", port)
        fetch(http, HTTPClient.METHOD_GET, "/a", headers)
        http.close()
    http.set_http_proxy("127.0.0.1", proxy.port)
    connect(http, "127.0.0.1", second.port)
    fetch(http, HTTPClient.METHOD_GET, "/a", headers)
    adopted = StreamPeerTCP()
    assert adopted.connect_to_host("127.0.0.1", second.port) == Error.OK
    http.set_connection(adopted)
    assert fetch(http, HTTPClient.METHOD_GET, "/a", headers)[2] == b"5"
    http.close()
    adopted.disconnect_from_host()

    def lines(server: RawServer) -> list[list[bytes]]:
        return [request.split(b"\r\n")[:2] for request in server.requests]

    at_first, at_second = b"Host: 127.0.0.1:%d" % first.port, b"Host: 127.0.0.1:%d" % second.port
    assert lines(first) == [[b"GET /a HTTP/1.1", at_first]] * 2
    assert lines(second) == [[b"GET /a HTTP/1.1", at_second]] * 2
    assert lines(proxy) == [[b"GET http://127.0.0.1:%d/a HTTP/1.1" % second.port, at_second]]


def test_a_large_upload_is_not_kept_once_it_was_sent() -> None:
    """Neither the body nor the serialised request stays with the client after the
    exchange (a small request is remembered, to recognise a repeat)."""
    peer = ScriptedPeer()
    http = HTTPClient()
    http.set_connection(peer)
    size = 8 << 20
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        assert http.request_raw(HTTPClient.METHOD_PUT, "/up", [], b"x" * size) == Error.OK
        peer.sent.clear()
        peer.incoming += ok(b"")
        pump(http, S.STATUS_REQUESTING)
        read_body(http)
        held = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert http.get_status() == S.STATUS_CONNECTED
    assert held < size // 2


def test_set_connection_runs_over_any_stream_peer(engine_log: LogLines) -> None:
    peer = ScriptedPeer()
    http = HTTPClient()
    http.set_connection(peer)
    assert http.get_status() == S.STATUS_CONNECTED
    assert http.get_connection() is peer
    assert http.request(HTTPClient.METHOD_GET, "/x", ["Host: example.com"]) == Error.OK
    assert bytes(peer.sent).startswith(b"GET /x HTTP/1.1\r\nHost: example.com\r\n")
    peer.incoming += ok(b"memory")
    pump(http, S.STATUS_REQUESTING)
    assert read_body(http)[0] == b"memory"
    assert http.get_status() == S.STATUS_CONNECTED
    assert engine_log.lines == []


def test_set_connection_without_origin_sends_an_empty_host_once(engine_log: LogLines) -> None:
    peer = ScriptedPeer()
    http = HTTPClient()
    http.set_connection(peer)
    for _ in range(2):
        peer.sent.clear()
        assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
        assert b"\r\nHost: \r\n" in bytes(peer.sent)
        peer.incoming += ok(b"")
        pump(http, S.STATUS_REQUESTING)
        read_body(http)
    assert [line for line in engine_log.lines if line.startswith("WARNING:")] == [
        "WARNING: request: no host is known for this connection: sending an empty Host."
    ]


def test_set_connection_refuses_what_is_not_a_stream_peer(engine_log: LogLines) -> None:
    http = HTTPClient()
    http.set_connection(None)
    http.set("connection", None)
    assert http.get_status() == S.STATUS_DISCONNECTED
    assert (
        engine_log.lines
        == ["ERROR: set_connection: Connection is not a reference to a valid StreamPeer object."]
        * 2
    )


def test_set_connection_with_a_tcp_peer_takes_its_origin(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(ok(b"tcp"))]])
    tcp = StreamPeerTCP()
    assert tcp.connect_to_host("127.0.0.1", server.port) == Error.OK
    end = time.monotonic() + DEADLINE
    while tcp.get_status() == StreamPeerTCP.Status.STATUS_CONNECTING:
        assert time.monotonic() < end
        time.sleep(0.0005)
    http = HTTPClient()
    http.set_connection(tcp)
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"tcp"
    assert b"Host: 127.0.0.1:%d\r\n" % server.port in server.requests[0]


def test_an_adopted_peer_lives_while_the_client_holds_it(raw_server: ServerFactory) -> None:
    """The client holds a counted reference, as the engine's ``Ref<StreamPeer>`` does: the
    peer's other owner letting go neither frees nor closes it under the client; the client
    letting go then frees it, being its last owner (found attacking issue 12 item 4)."""
    server = raw_server([[Exchange(ok(b"kept"))]])
    owner: Ref[StreamPeerTCP] = Ref(StreamPeerTCP())
    tcp = owner.get()
    assert tcp is not None
    assert tcp.connect_to_host("127.0.0.1", server.port) == Error.OK
    http = HTTPClient()
    http.set_connection(tcp)
    owner.release()
    assert is_instance_valid(tcp)
    assert fetch(http, HTTPClient.METHOD_GET, "/")[2] == b"kept"
    http.close()
    assert not is_instance_valid(tcp)


def test_an_adopted_python_owned_peer_is_only_dropped() -> None:
    buffer = StreamPeerBuffer()
    http = HTTPClient()
    http.set_connection(buffer)
    http.close()
    assert is_instance_valid(buffer)
    assert buffer.get_reference_count() == 1  # the client gave back what it took


def test_a_stream_peer_buffer_is_accepted() -> None:
    http = HTTPClient()
    buffer = StreamPeerBuffer()
    http.connection = buffer
    assert http.connection is buffer
    assert http.get_status() == S.STATUS_CONNECTED


# --- misuse ---------------------------------------------------------------------------------


def test_misuse_returns_the_engine_codes_and_logs(engine_log: LogLines) -> None:
    http = HTTPClient()
    assert http.poll() == Error.ERR_UNCONFIGURED
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.ERR_INVALID_PARAMETER
    assert http.read_response_body_chunk() == b""
    http.read_chunk_size = 10
    assert http.read_chunk_size == 4096
    assert http.connect_to_host("abc") == Error.ERR_INVALID_PARAMETER
    assert http.connect_to_host("example.com", 0) == Error.ERR_INVALID_PARAMETER
    assert engine_log.lines == [
        'ERROR: request: Condition "status != STATUS_CONNECTED" is true. '
        "Returned: ERR_INVALID_PARAMETER",
        'ERROR: read_response_body_chunk: Condition "status != STATUS_BODY" is true. '
        "Returned: PoolByteArray()",
        'ERROR: set_read_chunk_size: Condition "p_size < 256 || p_size > (1 << 24)" is true.',
        'ERROR: connect_to_host: Condition "conn_host.length() < HOST_MIN_LEN" is true. '
        "Returned: ERR_INVALID_PARAMETER",
        'ERROR: connect_to_host: Condition "port < 1 || port > 65535" is true. '
        "Returned: ERR_INVALID_PARAMETER",
    ]


@pytest.mark.parametrize(
    ("args", "status", "tls"),
    [
        (("example.com",), S.STATUS_RESOLVING, False),
        (("https://Example.com",), S.STATUS_RESOLVING, True),
        (("127.0.0.1", 8080), S.STATUS_CONNECTING, False),
        (("[::1]", 8080), S.STATUS_CONNECTING, False),
        (("::1", 8080), S.STATUS_CONNECTING, False),
    ],
)
def test_connect_to_host_table(args: tuple[Any, ...], status: int, tls: bool) -> None:
    http = HTTPClient()
    assert http.connect_to_host(*args) == Error.OK
    assert http.get_status() == status
    http.close()
    assert http.get_status() == S.STATUS_DISCONNECTED


@pytest.mark.parametrize("host", ["abc", "example.com:8080", "example.com/x", ""])
def test_connect_to_host_refuses_bad_hosts(host: str, engine_log: LogLines) -> None:
    http = HTTPClient()
    assert http.connect_to_host(host) == Error.ERR_INVALID_PARAMETER
    assert http.get_status() == S.STATUS_DISCONNECTED
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith("ERROR: connect_to_host: ")


def test_adopting_the_base_stream_of_the_clients_own_tls_keeps_it_alive(
    tls_server: Callable[..., Any],
    tcp_listener: Callable[..., socket.socket],
    engine_log: LogLines,
) -> None:
    """close() frees the client's TLS peer, which held the only other reference to its TCP
    stream: the reference set_connection takes must come first, or a freed peer is adopted."""
    listener = tcp_listener()
    tls_server(listener=listener)
    http = HTTPClient()
    connect(http, "127.0.0.1", listener.getsockname()[1], use_ssl=True, verify_host=False)
    tls = http.get_connection()
    assert isinstance(tls, StreamPeerSSL)
    base = tls.get_stream()
    assert base is not None
    http.set_connection(base)
    assert http.get_connection() is base
    assert is_instance_valid(base)
    assert [line for line in engine_log.lines if "freed" in line] == []
    http.close()


def _partway_into_a_body(raw_server: ServerFactory, then: str) -> HTTPClient:
    """A client that has received the first 10 of 100 body bytes after the head, in a read of
    their own; the server then does ``then``, which has reached the client's socket when this
    returns."""
    head_read, body_read = threading.Event(), threading.Event()
    server = raw_server(
        [
            [
                Exchange(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", hold=head_read),
                Exchange(b"x" * 10, then, read_request=False, hold=body_read),
            ]
        ]
    )
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    pump(http, S.STATUS_REQUESTING)
    head_read.set()
    got = b""
    end = time.monotonic() + DEADLINE
    while len(got) < 10:
        assert time.monotonic() < end, "the first bytes never came"
        got += http.read_response_body_chunk()
    body_read.set()
    connection = http.get_connection()
    assert connection is not None
    assert select.select([connection.fileno()], [], [], DEADLINE)[0]  # the reset or the FIN
    return http


def test_poll_in_the_body_reports_a_reset_connection(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    http = _partway_into_a_body(raw_server, "reset")
    assert http.poll() == Error.ERR_CONNECTION_ERROR
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert len(engine_log.lines) == 1
    assert "broke while reading the body" in engine_log.lines[0]


def test_poll_in_the_body_leaves_a_clean_close_to_the_read(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    http = _partway_into_a_body(raw_server, "close")
    assert http.poll() == Error.OK
    assert http.get_status() == S.STATUS_BODY
    assert http.read_response_body_chunk() == b""
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert len(engine_log.lines) == 1
