"""Uploads whose reply overlaps them (httpclient.md §4.3, RFC 9112 §9.5), in both modes.

A server may answer before it has read the whole request body: an early 413 after which it
stops reading or resets, or an echo that streams its reply while it reads. The reply must be
delivered either way, and an upload goes on after the head unless that head is a final 4xx/5xx
or the connection ends. Every server here is a thread on a raw loopback socket; each blocking
socket call has a timeout, so a server thread always ends.
"""

from __future__ import annotations

import re
import socket
import struct
import threading
from collections.abc import Callable, Iterator

import pytest
from test_http_client import connect, pump, read_body

from conftest import SAFETY_TIMEOUT, TLSServer, accept, wait_fd
from engine.object_model import Error
from net import HTTPClient, settings

S = HTTPClient.Status
Listen = Callable[..., socket.socket]
Handler = Callable[[socket.socket], None]

#: Far more than the loopback socket buffers hold, so the upload cannot hide in them.
BIG = 24 << 20
EARLY_REPLY = b"HTTP/1.1 413 Payload Too Large\r\nConnection: close\r\nContent-Length: 8\r\n\r\n"


class ServerThread:
    """Runs ``handler`` on the one connection a listener accepts; ``join`` re-raises its error."""

    def __init__(self, listener: socket.socket, handler: Handler) -> None:
        self.errors: list[BaseException] = []
        self._listener = listener
        self._handler = handler
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            conn = accept(self._listener)
            with conn:
                self._handler(conn)
        except BaseException as exc:  # reported by join()
            self.errors.append(exc)

    def join(self) -> None:
        self._thread.join(SAFETY_TIMEOUT * 2)
        assert not self._thread.is_alive(), "the server thread did not finish"
        if self.errors:
            raise self.errors[0]


@pytest.fixture
def serve(tcp_listener: Listen) -> Iterator[Callable[[Handler], tuple[int, ServerThread]]]:
    """Start a server thread with a handler; its port and the thread (joined after the test)."""
    threads: list[ServerThread] = []

    def start(handler: Handler) -> tuple[int, ServerThread]:
        listener = tcp_listener()
        threads.append(ServerThread(listener, handler))
        return int(listener.getsockname()[1]), threads[-1]

    yield start
    for thread in threads:
        thread.join()


@pytest.fixture(params=[False, True], ids=["non-blocking", "blocking"])
def blocking(request: pytest.FixtureRequest, net_settings: Callable[[str, int], None]) -> bool:
    # A lost reply would otherwise wait out the default 30 s before the test fails.
    net_settings(settings.BLOCKING_TIMEOUT, 5)
    return bool(request.param)


def head_of(conn: socket.socket) -> tuple[bytes, bytes]:
    """The request head (up to the empty line) and the body bytes that came with it."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        assert chunk, "the client closed before sending a head"
        data += chunk
    end = data.index(b"\r\n\r\n") + 4
    return data[:end], data[end:]


def content_length(head: bytes) -> int:
    found = re.search(rb"(?im)^content-length:\s*(\d+)\r$", head)
    assert found is not None
    return int(found[1])


def client(port: int, blocking: bool) -> HTTPClient:
    http = HTTPClient()
    connect(http, "127.0.0.1", port)
    http.set_blocking_mode(blocking)
    http.set_read_chunk_size(1 << 16)
    return http


def receive_response(http: HTTPClient, blocking: bool) -> bytes:
    """Poll to the head, then read the whole body, as a user of each mode does."""
    if blocking:
        assert http.poll() == Error.OK
        body = bytearray()
        while http.get_status() == S.STATUS_BODY:
            body += http.read_response_body_chunk()
        return bytes(body)
    pump(http, S.STATUS_REQUESTING)
    return read_body(http)[0]


def upload(size: int) -> bytes:
    return bytes(range(256)) * (size // 256)


# --- an early reply (item 2) --------------------------------------------------------------------


@pytest.mark.parametrize("then", ["stop-reading", "reset"])
def test_an_early_reply_to_an_unfinished_upload_is_delivered(
    serve: Callable[[Handler], tuple[int, ServerThread]], blocking: bool, then: str
) -> None:
    """The server answers 413 after the head and reads no more: it waits, or resets."""
    done = threading.Event()

    def answer_early(conn: socket.socket) -> None:
        head_of(conn)
        conn.sendall(EARLY_REPLY + b"too big!")
        if then == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        done.wait(SAFETY_TIMEOUT)  # reads nothing more, keeps the connection open

    port, _ = serve(answer_early)
    http = client(port, blocking)
    try:
        assert http.request_raw(HTTPClient.METHOD_POST, "/upload", [], upload(BIG)) == Error.OK
        assert receive_response(http, blocking) == b"too big!"
        assert http.get_response_code() == 413
        # Never reused: the request was not all sent (and the server said close).
        assert http.get_status() == S.STATUS_DISCONNECTED
        assert http.get_connection() is None
    finally:
        done.set()


@pytest.mark.parametrize("then", ["stop-reading", "reset"])
def test_an_early_reply_to_an_unfinished_upload_is_delivered_over_tls(
    tls_server: Callable[..., TLSServer],
    tcp_listener: Listen,
    trust_tls_ca: str,
    blocking: bool,
    then: str,
) -> None:
    """The same over TLS: a write the reset makes fail must not throw away the session's
    reading side, which holds (or will decrypt) the reply that came first."""
    done = threading.Event()

    def answer_early(conn: socket.socket) -> None:
        head_of(conn)
        conn.sendall(EARLY_REPLY + b"too big!")
        if then == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        done.wait(SAFETY_TIMEOUT)

    listener = tcp_listener()
    server = tls_server(answer_early, listener=listener)
    http = HTTPClient()
    connect(http, "localhost", listener.getsockname()[1], use_ssl=True)
    http.set_blocking_mode(blocking)
    try:
        assert http.request_raw(HTTPClient.METHOD_POST, "/upload", [], upload(BIG)) == Error.OK
        assert receive_response(http, blocking) == b"too big!"
        assert http.get_response_code() == 413
        assert http.get_status() == S.STATUS_DISCONNECTED
    finally:
        done.set()
    server.join()


# --- overlapping upload and reply (item 9) ------------------------------------------------------


def echo_once(conn: socket.socket) -> None:
    """Answer 200 at once, then send back each piece of the upload as it arrives."""
    head, first = head_of(conn)
    length = content_length(head)
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % length)
    conn.sendall(first)
    left = length - len(first)
    while left:
        piece = conn.recv(min(left, 1 << 16))
        assert piece, "the client closed in the middle of its upload"
        conn.sendall(piece)
        left -= len(piece)


def echo(conn: socket.socket) -> None:
    """``echo_once``, then a 204 to the next request on the same connection."""
    echo_once(conn)
    head_of(conn)
    conn.sendall(b"HTTP/1.1 204 No Content\r\n\r\n")
    conn.recv(1)  # until the client closes


def test_an_upload_goes_on_while_its_echo_is_read(
    serve: Callable[[Handler], tuple[int, ServerThread]], blocking: bool
) -> None:
    port, _ = serve(echo)
    http = client(port, blocking)
    body = upload(BIG)
    assert http.request_raw(HTTPClient.METHOD_PUT, "/echo", [], body) == Error.OK
    received = receive_response(http, blocking)
    assert http.get_response_code() == 200
    assert len(received) == len(body)
    assert received == body
    assert http.get_status() == S.STATUS_CONNECTED  # all sent, all read: reusable
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    pump(http, S.STATUS_REQUESTING)
    assert (http.get_status(), http.get_response_code()) == (S.STATUS_CONNECTED, 204)
    http.close()


def test_an_upload_goes_on_while_its_echo_is_read_over_tls(
    tls_server: Callable[..., TLSServer],
    tcp_listener: Listen,
    trust_tls_ca: str,
    blocking: bool,
) -> None:
    """The same over TLS, where readiness also counts text the TLS peer has decrypted."""
    listener = tcp_listener()
    server = tls_server(echo_once, listener=listener)
    http = HTTPClient()
    connect(http, "localhost", listener.getsockname()[1], use_ssl=True)
    http.set_blocking_mode(blocking)
    http.set_read_chunk_size(1 << 16)
    body = upload(BIG)
    assert http.request_raw(HTTPClient.METHOD_PUT, "/echo", [], body) == Error.OK
    assert receive_response(http, blocking) == body
    assert http.get_status() == S.STATUS_CONNECTED
    http.close()
    server.join()


def test_a_final_error_reply_ends_the_upload_early(
    serve: Callable[[Handler], tuple[int, ServerThread]], blocking: bool
) -> None:
    """A 413 on a connection the server would keep: the client sends no more and closes.

    The server reads nothing until the client has the 413's head, then everything until the
    client closes; meanwhile each poll in BODY would write more of an upload still going on.
    """
    head_seen = threading.Event()
    received: list[int] = []

    def refuse_then_count(conn: socket.socket) -> None:
        _, first = head_of(conn)
        conn.sendall(b"HTTP/1.1 413 Payload Too Large\r\nContent-Length: 8\r\n\r\ntoo big!")
        assert head_seen.wait(SAFETY_TIMEOUT)
        count = len(first)
        while chunk := conn.recv(1 << 16):  # reads on until the client closes
            count += len(chunk)
        received.append(count)

    port, server = serve(refuse_then_count)
    http = client(port, blocking)
    connection = http.get_connection()
    assert connection is not None
    try:
        assert http.request_raw(HTTPClient.METHOD_POST, "/upload", [], upload(BIG)) == Error.OK
        if blocking:
            assert http.poll() == Error.OK
        else:
            pump(http, S.STATUS_REQUESTING)
        assert (http.get_status(), http.get_response_code()) == (S.STATUS_BODY, 413)
    finally:
        head_seen.set()
    for _ in range(50):  # the server drains: the socket takes more whenever it is offered
        assert http.poll() == Error.OK
        wait_fd(connection.fileno(), writable=True)
    assert http.read_response_body_chunk() == b"too big!"
    assert http.get_status() == S.STATUS_DISCONNECTED  # the request was cut: not reused
    server.join()
    # What went out before the head was read, and no more: far less than the upload.
    assert received[0] < BIG // 2
