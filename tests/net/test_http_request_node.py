"""HTTPRequest against real loopback servers: requests, refusals, results, reuse, threads,
cancel and timeout (httprequest.md §2.1-2.4, §2.8-2.9)."""

from __future__ import annotations

import socket
import ssl
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from request_support import Harness

from engine.object_model import ClassDB, Error
from engine.scene import Node, SceneTree
from net import HTTPClient, HTTPRequest
from support import Exchange, LogLines, ProxyPy, RawServer

R = HTTPRequest.Result
OK_REPLY = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def test_a_get_delivers_code_headers_and_body(harness: Harness, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/data").respond_with_data(
        "hello", headers={"X-Reply": "yes"}, content_type="text/plain"
    )
    req = harness.node()
    done = harness.fetch(req, httpserver.url_for("/data"))
    assert (done.result, done.code, done.body) == (R.RESULT_SUCCESS, 200, b"hello")
    assert done.header("X-Reply") == "yes"
    assert done.header("Content-Type") == "text/plain"
    assert req.get_downloaded_bytes() == 5
    assert req.get_body_size() == 5


def test_a_post_sends_its_body_and_custom_headers(frames: Harness, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/form", method="POST", data=b"a=1").respond_with_data("made")
    req = frames.node()
    done = frames.fetch(
        req, httpserver.url_for("/form"), ["X-Mine: 1"], True, HTTPClient.METHOD_POST, "a=1"
    )
    assert (done.result, done.code, done.body) == (R.RESULT_SUCCESS, 200, b"made")
    (sent, _), *_ = httpserver.log
    assert sent.headers["X-Mine"] == "1"


def test_request_raw_sends_bytes_as_they_are(frames: Harness, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/raw", method="PUT", data=b"\xff\x00").respond_with_data("ok")
    req = frames.node()
    done = frames.fetch(req, httpserver.url_for("/raw"), [], True, 3, b"\xff\x00", raw=True)
    assert done.code == 200


def test_url_credentials_become_basic_authorization(
    frames: Harness, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/a").respond_with_data("ok")
    req = frames.node()
    url = httpserver.url_for("/a").replace("http://", "http://ada:s%40cret@")
    frames.fetch(req, url)
    frames.fetch(req, url, ["Authorization: Bearer mine"])
    sent = [r.headers.get("Authorization") for r, _ in httpserver.log]
    assert sent == ["Basic YWRhOnNAY3JldA==", "Bearer mine"]


# --- refusals: a return code and one line, nothing sent ------------------------------------


def test_outside_a_tree_a_request_is_unconfigured(engine_log: LogLines) -> None:
    req = HTTPRequest()
    assert req.request("http://127.0.0.1:1/") == Error.ERR_UNCONFIGURED
    assert engine_log.lines == [
        'ERROR: request: Condition "!is_inside_tree()" is true. Returned: ERR_UNCONFIGURED'
    ]
    req.free()


def test_a_second_request_while_one_runs_is_busy(
    frames: Harness, engine_log: LogLines, raw_server: Callable[..., RawServer]
) -> None:
    server = raw_server([[Exchange(OK_REPLY)]])
    req = frames.node()
    assert req.request(f"http://127.0.0.1:{server.port}/") == Error.OK
    engine_log.clear()
    assert req.request(f"http://127.0.0.1:{server.port}/") == Error.ERR_BUSY
    assert engine_log.lines == [
        "ERROR: request: HTTPRequest is processing a request. Wait for completion or cancel it "
        "before attempting a new one."
    ]
    assert frames.wait(req).result == R.RESULT_SUCCESS
    assert len(server.requests) == 1


@pytest.mark.parametrize(
    "url",
    [
        "127.0.0.1/x",
        "ftp://127.0.0.1/",
        "http://",
        "http://127.0.0.1:0/",
        "http://127.0.0.1:70000/",
        "http://127.0.0.1:8x/",
        "http://127.0.0.1/a b",
        "http://127.0.0.1/\r\nX: y",
    ],
)
def test_a_malformed_url_is_refused(frames: Harness, engine_log: LogLines, url: str) -> None:
    req = frames.node()
    engine_log.clear()
    assert req.request(url) == Error.ERR_INVALID_PARAMETER
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith("ERROR: request: Malformed URL: ")
    assert req.get_http_client_status() == HTTPClient.STATUS_DISCONNECTED
    frames.frames(2)
    assert frames.calls(req) == []


@pytest.mark.parametrize(
    ("headers", "method"),
    [(["X-Bad: a\r\nInjected: b"], 0), (["no colon"], 0), ([], 9), ([], -1)],
)
def test_bad_headers_or_methods_are_refused_and_nothing_is_sent(
    frames: Harness,
    engine_log: LogLines,
    tcp_listener: Callable[..., socket.socket],
    headers: list[str],
    method: int,
) -> None:
    listener = tcp_listener()
    req = frames.node()
    engine_log.clear()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/"
    assert req.request(url, headers, True, method) == Error.ERR_INVALID_PARAMETER
    assert len(engine_log.lines) == 1
    listener.settimeout(0.05)
    with pytest.raises(TimeoutError):
        listener.accept()  # not even a connection was opened


def test_settings_are_refused_while_a_request_runs(
    frames: Harness, engine_log: LogLines, raw_server: Callable[..., RawServer]
) -> None:
    server = raw_server([[Exchange(OK_REPLY)]])
    req = frames.node()
    assert req.request(f"http://127.0.0.1:{server.port}/") == Error.OK
    engine_log.clear()
    req.download_file = "/tmp/x"
    req.download_chunk_size = 1024
    req.use_threads = True
    req.accept_gzip = False
    req.body_size_limit = 10
    assert (req.download_file, req.download_chunk_size, req.use_threads) == ("", 65536, False)
    assert (req.accept_gzip, req.body_size_limit) == (True, -1)
    condition = 'Condition "get_http_client_status() != HTTPClient::STATUS_DISCONNECTED" is true.'
    assert [line.split(": ", 2)[1] for line in engine_log.lines] == [
        "set_download_file",
        "set_download_chunk_size",
        "set_use_threads",
        "set_accept_gzip",
        "set_body_size_limit",
    ]
    assert all(line.endswith(condition) for line in engine_log.lines)
    req.max_redirects = 3  # not refused: it is read as redirects happen
    assert req.max_redirects == 3
    frames.wait(req)


def test_timeout_refuses_a_negative_value_and_rounds_a_tiny_one(engine_log: LogLines) -> None:
    req = HTTPRequest()
    req.timeout = -1.0
    assert engine_log.lines == ['ERROR: set_timeout: Condition "p_timeout < 0" is true.']
    req.timeout = 1e-9
    assert req.timeout == 0.0
    req.timeout = 2.5
    assert req.timeout == 2.5
    req.download_chunk_size = 100
    assert req.download_chunk_size == 65536
    req.free()


# --- results ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("reply", "result"),
    [
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", 1),
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort", 4),
        (b"", 6),
        (b"NOT HTTP AT ALL\r\n\r\n", 6),
    ],
    ids=["chunked_cut", "length_cut", "nothing", "garbage"],
)
def test_broken_replies_give_their_result(
    harness: Harness, raw_server: Callable[..., RawServer], reply: bytes, result: int
) -> None:
    server = raw_server([[Exchange(reply, then="close")]])
    req = harness.node()
    done = harness.fetch(req, f"http://127.0.0.1:{server.port}/")
    assert done.result == result
    assert done.body == b""


def test_downloaded_bytes_never_exceed_the_content_length(
    frames: Harness, raw_server: Callable[..., RawServer]
) -> None:
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello world and more"
    server = raw_server([[Exchange(reply, then="close")]])
    req = frames.node()
    done = frames.fetch(req, f"http://127.0.0.1:{server.port}/")
    assert (done.result, done.body) == (R.RESULT_SUCCESS, b"hello")
    assert req.get_downloaded_bytes() == req.get_body_size() == 5


def test_a_refused_connection_is_cant_connect(harness: Harness) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    req = harness.node()
    done = harness.fetch(req, f"http://127.0.0.1:{port}/")
    assert (done.result, done.code) == (R.RESULT_CANT_CONNECT, 0)


def test_head_204_and_304_have_no_body(frames: Harness, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/h").respond_with_data("ignored")
    httpserver.expect_request("/e").respond_with_data("", status=204)
    req = frames.node()
    head = frames.fetch(req, httpserver.url_for("/h"), [], True, HTTPClient.METHOD_HEAD)
    assert (head.result, head.code, head.body) == (R.RESULT_SUCCESS, 200, b"")
    empty = frames.fetch(req, httpserver.url_for("/e"))
    assert (empty.result, empty.code, empty.body) == (R.RESULT_SUCCESS, 204, b"")


def test_the_connection_is_kept_between_requests_to_one_origin(
    harness: Harness, raw_server: Callable[..., RawServer]
) -> None:
    second = b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecond"
    server = raw_server([[Exchange(OK_REPLY), Exchange(second)]])
    req = harness.node()
    url = f"http://127.0.0.1:{server.port}/"
    assert harness.fetch(req, url).body == b"ok"
    assert req.get_http_client_status() == HTTPClient.STATUS_CONNECTED
    assert harness.fetch(req, url + "again").body == b"second"
    assert server.accepted == 1
    assert len(server.requests) == 2


def test_a_kept_connection_the_server_closed_is_replaced(
    frames: Harness, raw_server: Callable[..., RawServer]
) -> None:
    server = raw_server([[Exchange(OK_REPLY, then="close")], [Exchange(OK_REPLY)]])
    req = frames.node()
    url = f"http://127.0.0.1:{server.port}/"
    assert frames.fetch(req, url).result == R.RESULT_SUCCESS
    assert frames.fetch(req, url).result == R.RESULT_SUCCESS
    assert server.accepted == 2


def test_a_frame_reads_at_most_sixteen_chunks(
    frames: Harness, raw_server: Callable[..., RawServer]
) -> None:
    body = bytes(64 * 1024)
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 65536\r\n\r\n" + body
    server = raw_server([[Exchange(reply)]])
    req = frames.node(download_chunk_size=256)
    assert req.request(f"http://127.0.0.1:{server.port}/") == Error.OK
    frames.tree.run(until=lambda: req.get_downloaded_bytes() > 0, timeout=10, fps=0)
    assert req.get_downloaded_bytes() <= 16 * 256
    done = frames.wait(req)
    assert done.body == body


# --- TLS -------------------------------------------------------------------------------------


def _tls_reply(conn: ssl.SSLSocket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        data += conn.recv(4096)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecret")
    conn.close()


@pytest.mark.usefixtures("trust_tls_ca")
def test_https_works_with_a_trusted_certificate(
    harness: Harness,
    tls_server: Callable[..., object],
    tcp_listener: Callable[..., socket.socket],
) -> None:
    listener = tcp_listener()
    tls_server(_tls_reply, listener=listener)
    req = harness.node()
    done = harness.fetch(req, f"https://localhost:{listener.getsockname()[1]}/")
    assert (done.result, done.body) == (R.RESULT_SUCCESS, b"secret")


def test_an_untrusted_certificate_is_a_handshake_error(
    frames: Harness,
    tls_server: Callable[..., object],
    tcp_listener: Callable[..., socket.socket],
) -> None:
    listener = tcp_listener()
    tls_server(None, listener=listener)
    req = frames.node()
    done = frames.fetch(req, f"https://localhost:{listener.getsockname()[1]}/")
    assert done.result == R.RESULT_SSL_HANDSHAKE_ERROR


class Watcher(Node):
    """Records the thread each completion arrives on."""

    def on_done(self, result: int, code: int, headers: list[str], body: bytes) -> None:
        SEEN_THREADS.append(threading.current_thread())

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "on_done", args=("result", "code", "headers", "body"))


ClassDB.register_class(Watcher)
SEEN_THREADS: list[threading.Thread] = []


class Chain(Node):
    """Asks again from inside its request_completed handler, as scripts often do."""

    def __init__(self) -> None:
        super().__init__()
        self.url = ""
        self.codes: list[int] = []
        self.request_node = HTTPRequest()

    def _ready(self) -> None:
        self.add_child(self.request_node)
        self.request_node.connect("request_completed", self, "on_done")

    def on_done(self, result: int, code: int, headers: list[str], body: bytes) -> None:
        self.codes.append(code)
        if len(self.codes) < 3:
            assert self.request_node.request(self.url) == Error.OK

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "on_done", args=("result", "code", "headers", "body"))


ClassDB.register_class(Chain)


@pytest.mark.parametrize("threads", [False, True])
def test_a_new_request_from_the_completion_handler_is_accepted(
    tree: SceneTree, httpserver: HTTPServer, threads: bool
) -> None:
    httpserver.expect_request("/c").respond_with_data("c")
    chain = Chain()
    chain.url = httpserver.url_for("/c")
    chain.request_node.use_threads = threads
    tree.root.add_child(chain)
    assert chain.request_node.request(chain.url) == Error.OK
    tree.run(until=lambda: len(chain.codes) >= 3, timeout=10, fps=1000)
    for _ in range(5):
        tree.idle(0.001)
    assert chain.codes == [200, 200, 200]


# --- timeout, cancel, free -------------------------------------------------------------------


def test_a_silent_server_times_out(
    harness: Harness, tcp_listener: Callable[..., socket.socket]
) -> None:
    listener = tcp_listener()  # accepts in the kernel, never answers
    req = harness.node(timeout=0.2)
    started = time.monotonic()
    done = harness.fetch(req, f"http://127.0.0.1:{listener.getsockname()[1]}/")
    assert done.result == R.RESULT_TIMEOUT
    assert time.monotonic() - started < 0.2 * 5
    assert req.get_http_client_status() == HTTPClient.STATUS_DISCONNECTED


def test_cancel_returns_at_once_with_a_worker_waiting_on_a_silent_server(
    tree: SceneTree, tcp_listener: Callable[..., socket.socket], engine_log: LogLines
) -> None:
    harness = Harness(tree, threads=True)
    listener = tcp_listener()
    req = harness.node()
    assert req.request(f"http://127.0.0.1:{listener.getsockname()[1]}/") == Error.OK
    tree.run(
        until=lambda: req.get_http_client_status() == HTTPClient.STATUS_REQUESTING,
        timeout=5,
        fps=1000,
    )
    worker = req._worker
    assert worker is not None
    time.sleep(0.05)  # the worker is now blocked waiting for the head
    started = time.monotonic()
    req.cancel_request()
    assert time.monotonic() - started < 0.1 * 5
    assert req.get_http_client_status() == HTTPClient.STATUS_DISCONNECTED
    worker.join(5)
    assert not worker.is_alive()
    assert engine_log.lines == []  # the abandoned worker's closed stream is no news
    harness.frames(5)
    assert harness.calls(req) == []
    assert req.get_http_client_status() == HTTPClient.STATUS_DISCONNECTED


def test_after_cancel_the_node_takes_a_new_request(
    harness: Harness, tcp_listener: Callable[..., socket.socket], httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/").respond_with_data("fresh")
    listener = tcp_listener()
    req = harness.node()
    assert req.request(f"http://127.0.0.1:{listener.getsockname()[1]}/") == Error.OK
    harness.frames(3)
    req.cancel_request()
    assert harness.fetch(req, httpserver.url_for("/")).body == b"fresh"


def test_freeing_the_node_cancels_its_request(
    harness: Harness, tcp_listener: Callable[..., socket.socket], tmp_path: Path
) -> None:
    listener = tcp_listener()
    target = tmp_path / "file"
    target.write_bytes(b"old")
    req = harness.node(download_file=str(target))
    assert req.request(f"http://127.0.0.1:{listener.getsockname()[1]}/") == Error.OK
    harness.frames(3)
    recorder = harness.recorders[req.get_instance_id()]
    req.queue_free()
    harness.frames(3)
    assert recorder.calls == []
    assert list(tmp_path.iterdir()) == [target]
    assert target.read_bytes() == b"old"


def test_one_completion_per_request_across_many_requests(
    harness: Harness, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/n").respond_with_data("n")
    req = harness.node()
    results = [harness.fetch(req, httpserver.url_for("/n")).result for _ in range(5)]
    assert results == [R.RESULT_SUCCESS] * 5


def test_the_signal_is_emitted_on_the_thread_that_runs_the_frames(
    tree: SceneTree, httpserver: HTTPServer
) -> None:
    seen = SEEN_THREADS
    httpserver.expect_request("/").respond_with_data("x")
    watcher = Watcher()
    tree.root.add_child(watcher)
    req = HTTPRequest()
    req.use_threads = True
    watcher.add_child(req)
    req.connect("request_completed", watcher, "on_done")
    assert req.request(httpserver.url_for("/")) == Error.OK
    tree.run(until=lambda: bool(seen), timeout=10, fps=1000)
    assert seen == [threading.main_thread()]


def test_the_registration_matches_the_spec() -> None:
    assert ClassDB.get_parent_class("HTTPRequest") == "Node"
    props = [p["name"] for p in ClassDB.class_get_property_list("HTTPRequest", True)]
    assert props == [
        "download_file",
        "download_chunk_size",
        "use_threads",
        "accept_gzip",
        "body_size_limit",
        "max_redirects",
        "timeout",
    ]
    methods = [m["name"] for m in ClassDB.class_get_method_list("HTTPRequest", True)]
    assert methods.index("set_accept_gzip") == methods.index("is_using_threads") + 1
    assert "_request_done" not in methods
    assert ClassDB.class_get_integer_constant("HTTPRequest", "RESULT_TIMEOUT") == 12
    assert ClassDB.class_get_integer_constant("HTTPRequest", "RESULT_BODY_DECOMPRESS_FAILED") == 13
    (signal,) = ClassDB.class_get_signal_list("HTTPRequest", True)
    assert [a["name"] for a in signal["args"]] == ["result", "response_code", "headers", "body"]
    defaults = {p: ClassDB.class_get_property_default_value("HTTPRequest", p) for p in props}
    assert defaults == {
        "download_file": "",
        "download_chunk_size": 65536,
        "use_threads": False,
        "accept_gzip": True,
        "body_size_limit": -1,
        "max_redirects": 8,
        "timeout": 0.0,
    }


# --- proxies: passed on to the client (httprequest.md §3) ----------------------------------


def test_requests_go_through_the_nodes_proxy(
    harness: Harness, proxy_py: ProxyPy, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/via").respond_with_data("proxied")
    req = harness.node()
    req.set_http_proxy(proxy_py.host, proxy_py.port)
    done = harness.fetch(req, httpserver.url_for("/via").replace("127.0.0.1", "localhost"))
    assert (done.result, done.code, done.body) == (R.RESULT_SUCCESS, 200, b"proxied")
    request, _ = httpserver.log[0]
    assert request.headers["Host"] == f"localhost:{httpserver.port}"
    assert "proxy.py" in request.headers["Via"]  # it did pass through the proxy


def test_a_proxy_set_between_requests_is_used_by_the_next_one(
    frames: Harness, proxy_py: ProxyPy, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/a").respond_with_data("a")
    req = frames.node()
    url = httpserver.url_for("/a")
    assert frames.fetch(req, url).body == b"a"  # direct, and the connection is kept
    req.set_http_proxy(proxy_py.host, proxy_py.port)
    assert frames.fetch(req, url).body == b"a"
    req.set_http_proxy("", -1)
    assert frames.fetch(req, url).body == b"a"
    vias = ["Via" in request.headers for request, _ in httpserver.log]
    assert vias == [False, True, False]
