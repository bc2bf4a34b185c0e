"""HTTPClient in blocking mode (httpclient.md §6): whole writes, whole heads, full pieces, timeouts.

The servers cut their replies into small pieces (or single bytes) so that every blocking call
has to wait for more than one arrival before it may return.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Callable

import pytest
from test_http_client import DEADLINE, ScriptedPeer, connect, ok, pump

from conftest import accept
from engine.object_model import Error
from net import HTTPClient, settings
from support import Exchange, LogLines, RawServer

S = HTTPClient.Status
ServerFactory = Callable[..., RawServer]
SetSetting = Callable[[str, str | int], None]

CHUNKED = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
PAYLOAD = bytes(range(256)) * 40  # 10240 bytes


def blocking_client(server: RawServer) -> HTTPClient:
    http = HTTPClient()
    http.set_blocking_mode(True)
    connect(http, "127.0.0.1", server.port)  # connecting still needs poll
    return http


def read_all(http: HTTPClient) -> list[bytes]:
    """Every blocking read until the body ends (each call returns, so no deadline loop waits)."""
    pieces: list[bytes] = []
    while http.get_status() == S.STATUS_BODY:
        assert len(pieces) < 10_000
        pieces.append(http.read_response_body_chunk())
    return pieces


def assert_full_pieces(pieces: list[bytes], sizes: list[int]) -> None:
    """Only the call that ends the body may return ``b""``; the others return full pieces."""
    assert b"" not in pieces[:-1]
    assert [len(p) for p in pieces if p] == sizes


def errors(log: LogLines) -> list[str]:
    return [line for line in log.lines if line.startswith("ERROR:")]


def chunked(*sizes: int) -> tuple[bytes, bytes]:
    """A chunked body with chunks of these sizes (and its decoded bytes)."""
    data = bytearray()
    wire = bytearray()
    for index, size in enumerate(sizes):
        chunk = bytes([65 + index % 26]) * size
        data += chunk
        wire += b"%x\r\n%s\r\n" % (size, chunk)
    return bytes(wire) + b"0\r\n\r\n", bytes(data)


@pytest.fixture
def short_timeout(net_settings: SetSetting) -> None:
    """A one-second blocking timeout, restored after the test."""
    net_settings(settings.BLOCKING_TIMEOUT, 1)


# --- request, poll ----------------------------------------------------------------------------


#: A limit longer than one poll(2) wait can last (2^31 - 1 ms, about 24.8 days).
THIRTY_DAYS = 30 * 24 * 3600


def test_a_blocking_timeout_of_thirty_days_is_just_long(
    raw_server: ServerFactory, net_settings: SetSetting, engine_log: LogLines
) -> None:
    """A limit meant as 'practically none' must not overflow the waits (found attacking
    issue 12 item 3: poll raised OverflowError)."""
    net_settings(settings.BLOCKING_TIMEOUT, THIRTY_DAYS)
    server = raw_server([[Exchange(ok(PAYLOAD))]])
    http = blocking_client(server)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert http.poll() == Error.OK
    assert b"".join(read_all(http)) == PAYLOAD
    assert http.get_status() == S.STATUS_CONNECTED
    assert engine_log.lines == []


def test_request_writes_everything_before_returning(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(ok(b"stored"))]])
    http = blocking_client(server)
    body = bytes(range(256)) * (32 * 1024)  # 8 MiB: more than the socket buffers hold
    assert http.request_raw(HTTPClient.METHOD_PUT, "/big", [], body) == Error.OK
    # Nobody polls from here on: the server can only get the whole body if request wrote it.
    end = time.monotonic() + DEADLINE
    while not server.requests:
        assert time.monotonic() < end, "the server never received the whole request"
        time.sleep(0.001)
    assert server.requests[0].endswith(b"\r\n\r\n" + body)
    assert http.poll() == Error.OK
    assert http.get_status() == S.STATUS_BODY
    assert read_all(http) == [b"stored"]
    assert http.get_status() == S.STATUS_CONNECTED


def test_poll_returns_only_with_the_final_head(raw_server: ServerFactory) -> None:
    reply = b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n" + ok(
        b"final", b"X-Final: yes\r\n"
    )
    server = raw_server([[Exchange(reply, bytewise=True)]])
    http = blocking_client(server)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert http.poll() == Error.OK
    assert http.get_status() == S.STATUS_BODY
    assert http.get_response_code() == 200
    assert http.get_response_headers() == ["Content-Length: 5", "X-Final: yes"]
    assert read_all(http) == [b"final"]


def test_poll_returns_with_a_bodyless_head_and_the_connection_is_reused(
    raw_server: ServerFactory,
) -> None:
    server = raw_server(
        [[Exchange(b"HTTP/1.1 204 No Content\r\n\r\n", pieces=[3, 9]), Exchange(ok(b"again"))]]
    )
    http = blocking_client(server)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert http.poll() == Error.OK
    assert (http.get_status(), http.get_response_code()) == (S.STATUS_CONNECTED, 204)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert http.poll() == Error.OK
    assert read_all(http) == [b"again"]
    assert server.accepted == 1


def test_blocking_mode_applies_from_the_next_call(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(ok(PAYLOAD), bytewise=True)]])
    http = HTTPClient()
    connect(http, "127.0.0.1", server.port)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    http.set_blocking_mode(True)
    assert http.is_blocking_mode_enabled()
    assert http.poll() == Error.OK
    assert http.get_status() == S.STATUS_BODY
    assert_full_pieces(read_all(http), [4096, 4096, 2048])


def test_connecting_still_needs_poll_in_blocking_mode(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(ok(b"x"))]])
    http = HTTPClient()
    http.set_blocking_mode(True)
    assert http.connect_to_host("127.0.0.1", server.port) == Error.OK
    assert http.get_status() == S.STATUS_CONNECTING
    pump(http, S.STATUS_CONNECTING)
    assert http.get_status() == S.STATUS_CONNECTED


# --- reads ----------------------------------------------------------------------------------


def test_length_delimited_reads_are_full_pieces(raw_server: ServerFactory) -> None:
    cuts = [1, 7, 30, 700, 3, 2000, 5, 4000]  # irregular cuts through head and body
    server = raw_server([[Exchange(ok(PAYLOAD), pieces=cuts)]])
    http = blocking_client(server)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert http.poll() == Error.OK
    pieces = read_all(http)
    assert [len(p) for p in pieces] == [4096, 4096, 2048]
    assert b"".join(pieces) == PAYLOAD
    assert http.get_status() == S.STATUS_CONNECTED


def test_length_delimited_reads_follow_read_chunk_size(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(ok(PAYLOAD), bytewise=True)]])
    http = blocking_client(server)
    http.set_read_chunk_size(3000)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert http.poll() == Error.OK
    pieces = read_all(http)
    assert [len(p) for p in pieces] == [3000, 3000, 3000, 1240]
    assert b"".join(pieces) == PAYLOAD


LARGE = bytes(range(251)) * 1000  # 251000 bytes: pieces of 65536 come straight from the socket
LARGE_CHUNKED = chunked(70000, 20000, 161000)


@pytest.mark.parametrize(
    ("reply", "body", "sizes", "then"),
    [
        (ok(LARGE), LARGE, [65536, 65536, 65536, 54392], "keep"),
        (
            CHUNKED + LARGE_CHUNKED[0],
            LARGE_CHUNKED[1],
            [65536, 4464, 20000, 65536, 65536, 29928],  # a piece never crosses a chunk's end
            "keep",
        ),
        (b"HTTP/1.1 200 OK\r\n\r\n" + LARGE, LARGE, [65536, 65536, 65536, 54392], "close"),
    ],
    ids=["length", "chunked", "until-close"],
)
def test_large_pieces_are_whole_however_the_bytes_arrive(
    raw_server: ServerFactory, reply: bytes, body: bytes, sizes: list[int], then: str
) -> None:
    cuts = [40000, 1, 30000, 70000, 100, 9000]  # writes that end inside pieces and chunks
    server = raw_server([[Exchange(reply, pieces=cuts, then=then)]])
    http = blocking_client(server)
    http.set_read_chunk_size(65536)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert http.poll() == Error.OK
    pieces = read_all(http)
    assert_full_pieces(pieces, sizes)
    assert b"".join(pieces) == body
    expected = S.STATUS_DISCONNECTED if then == "close" else S.STATUS_CONNECTED
    assert http.get_status() == expected


def test_pieces_larger_than_one_stream_read_are_still_whole(raw_server: ServerFactory) -> None:
    body = bytes(range(251)) * 20000  # 5020000 bytes; the client asks the socket for 1 MiB at most
    server = raw_server([[Exchange(ok(body))]])
    http = blocking_client(server)
    http.set_read_chunk_size(4 << 20)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert http.poll() == Error.OK
    pieces = read_all(http)
    assert_full_pieces(pieces, [4 << 20, len(body) - (4 << 20)])
    assert b"".join(pieces) == body


def test_chunked_reads_return_whole_small_chunks_and_full_pieces(
    raw_server: ServerFactory,
) -> None:
    wire, data = chunked(100, 5000, 50, 4096, 1)
    server = raw_server([[Exchange(CHUNKED + wire, bytewise=True), Exchange(ok(b"next"))]])
    http = blocking_client(server)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert http.poll() == Error.OK
    assert http.is_response_chunked()
    pieces = read_all(http)
    assert_full_pieces(pieces, [100, 4096, 904, 50, 4096, 1])
    assert b"".join(pieces) == data
    assert http.get_status() == S.STATUS_CONNECTED
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert http.poll() == Error.OK
    assert read_all(http) == [b"next"]


def test_chunked_reads_with_extensions_and_trailers(raw_server: ServerFactory) -> None:
    wire = b"3;a=b\r\nabc\r\n4 ; x\r\ndefg\r\n0\r\nT-One: 1\r\nT-Two: 2\r\n\r\n"
    server = raw_server([[Exchange(CHUNKED + wire, pieces=[50, 4, 9, 1, 1])]])
    http = blocking_client(server)
    http.set_read_chunk_size(256)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert http.poll() == Error.OK
    pieces = read_all(http)
    assert_full_pieces(pieces, [3, 4])
    assert http.get_status() == S.STATUS_CONNECTED
    assert "T-One" not in http.get_response_headers_as_dictionary()


def test_close_delimited_reads_are_full_pieces_until_eof(raw_server: ServerFactory) -> None:
    reply = b"HTTP/1.1 200 OK\r\n\r\n" + PAYLOAD
    server = raw_server([[Exchange(reply, pieces=[5, 20, 1000, 1, 6000], then="close")]])
    http = blocking_client(server)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert http.poll() == Error.OK
    pieces = read_all(http)
    assert_full_pieces(pieces, [4096, 4096, 2048])
    assert b"".join(pieces) == PAYLOAD
    assert http.get_status() == S.STATUS_DISCONNECTED
    assert http.get_response_code() == 200


def test_truncated_body_in_blocking_mode_returns_its_bytes(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n" + PAYLOAD[:1000]
    server = raw_server([[Exchange(reply, pieces=[100, 300], then="close")]])
    http = blocking_client(server)
    assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
    assert http.poll() == Error.OK
    assert http.read_response_body_chunk() == PAYLOAD[:1000]
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert http.get_connection() is None
    assert len(errors(engine_log)) == 1
    assert errors(engine_log)[0].startswith("ERROR: read_response_body_chunk: ")


# --- timeouts -------------------------------------------------------------------------------


@pytest.mark.usefixtures("short_timeout")
def test_poll_times_out_while_the_server_holds_its_reply(
    raw_server: ServerFactory, engine_log: LogLines
) -> None:
    hold = threading.Event()
    server = raw_server([[Exchange(b"", hold=hold), Exchange(ok(b"late"), read_request=False)]])
    http = blocking_client(server)
    try:
        assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
        assert http.poll() == Error.ERR_TIMEOUT
    finally:
        hold.set()
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert http.get_connection() is None
    assert not http.has_response()
    assert http.poll() == Error.ERR_CONNECTION_ERROR
    assert len(errors(engine_log)) == 1
    assert errors(engine_log)[0].startswith("ERROR: poll: ")


@pytest.mark.usefixtures("short_timeout")
@pytest.mark.parametrize(
    ("head", "sent"),
    [
        (b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n", b"0123456789"),
        (CHUNKED, b"64\r\n0123456789"),
        (b"HTTP/1.1 200 OK\r\n\r\n", b"0123456789"),
    ],
    ids=["length", "chunked", "until-close"],
)
def test_read_times_out_with_the_bytes_so_far(
    raw_server: ServerFactory, engine_log: LogLines, head: bytes, sent: bytes
) -> None:
    hold = threading.Event()
    server = raw_server(
        [[Exchange(head + sent, hold=hold), Exchange(b"x" * 200, read_request=False)]]
    )
    http = blocking_client(server)
    try:
        assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
        assert http.poll() == Error.OK
        assert http.get_status() == S.STATUS_BODY
        assert http.read_response_body_chunk() == b"0123456789"
    finally:
        hold.set()
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert http.get_connection() is None
    assert http.get_response_code() == 200  # the metadata stays readable
    assert len(errors(engine_log)) == 1
    assert errors(engine_log)[0].startswith("ERROR: read_response_body_chunk: ")
    assert http.read_response_body_chunk() == b""


@pytest.mark.usefixtures("short_timeout")
def test_request_times_out_when_the_server_reads_nothing(
    tcp_listener: Callable[..., socket.socket],
) -> None:
    """Ambiguous in §6 (it names poll and read only): a user expects ERR_TIMEOUT here too."""
    listener = tcp_listener()
    http = HTTPClient()
    http.set_blocking_mode(True)
    assert http.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
    conn = accept(listener)
    pump(http, S.STATUS_CONNECTING)
    body = b"b" * (16 << 20)
    assert http.request_raw(HTTPClient.METHOD_POST, "/", [], body) == Error.ERR_TIMEOUT
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert http.get_connection() is None
    conn.close()


# --- peers without an OS handle -------------------------------------------------------------


class TricklePeer(ScriptedPeer):
    """An in-memory peer that hands out at most ``step`` bytes per read."""

    def __init__(self, step: int) -> None:
        super().__init__()
        self.step = step

    def _read(self, size: int) -> tuple[Error, bytes]:
        return super()._read(min(size, self.step))


def scripted(peer: ScriptedPeer, reply: bytes, *, closed: bool = False) -> HTTPClient:
    http = HTTPClient()
    http.set_blocking_mode(True)
    http.set_connection(peer)
    assert http.request(HTTPClient.METHOD_GET, "/", ["Host: example.com"]) == Error.OK
    assert bytes(peer.sent).startswith(b"GET / HTTP/1.1\r\nHost: example.com\r\n")
    peer.incoming += reply
    peer.closed = closed
    assert http.poll() == Error.OK
    return http


@pytest.mark.parametrize("step", [1 << 20, 7], ids=["whole", "trickle"])
def test_scripted_peer_length_body(step: int) -> None:
    http = scripted(TricklePeer(step), ok(PAYLOAD[:1000]))
    http.set_read_chunk_size(256)
    pieces = read_all(http)
    assert [len(p) for p in pieces] == [256, 256, 256, 232]
    assert b"".join(pieces) == PAYLOAD[:1000]
    assert http.get_status() == S.STATUS_CONNECTED


@pytest.mark.parametrize("step", [1 << 20, 5], ids=["whole", "trickle"])
def test_scripted_peer_chunked_body(step: int) -> None:
    wire, data = chunked(10, 300, 256, 2)
    http = scripted(TricklePeer(step), CHUNKED + wire)
    http.set_read_chunk_size(256)
    pieces = read_all(http)
    assert_full_pieces(pieces, [10, 256, 44, 256, 2])
    assert b"".join(pieces) == data
    assert http.get_status() == S.STATUS_CONNECTED


@pytest.mark.parametrize("step", [1 << 20, 3], ids=["whole", "trickle"])
def test_scripted_peer_close_delimited_body(step: int) -> None:
    http = scripted(TricklePeer(step), b"HTTP/1.1 200 OK\r\n\r\n" + PAYLOAD[:600], closed=True)
    http.set_read_chunk_size(256)
    pieces = read_all(http)
    assert_full_pieces(pieces, [256, 256, 88])
    assert http.get_status() == S.STATUS_DISCONNECTED


def large_body_client(size: int) -> tuple[TricklePeer, HTTPClient]:
    """A blocking client in BODY for a ``size``-byte length body, nothing of it buffered yet,
    reading 64 KiB pieces (large enough to come straight from the stream)."""
    peer = TricklePeer(1 << 20)
    http = scripted(peer, b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size)
    http.set_read_chunk_size(65536)
    assert http.get_status() == S.STATUS_BODY
    return peer, http


def test_scripted_peer_large_piece_from_short_reads_is_whole() -> None:
    body = bytes(range(256)) * 400  # 102400 bytes
    peer, http = large_body_client(len(body))
    peer.step = 20000  # each stream read brings less than a piece
    peer.incoming += body
    pieces = read_all(http)
    assert [len(p) for p in pieces] == [65536, len(body) - 65536]
    assert b"".join(pieces) == body
    assert http.get_status() == S.STATUS_CONNECTED


def test_scripted_peer_large_piece_cut_short_returns_every_part(engine_log: LogLines) -> None:
    body = bytes(range(256)) * 400
    peer, http = large_body_client(len(body))
    peer.step = 20000
    peer.incoming += body[:50000]
    peer.closed = True
    assert http.read_response_body_chunk() == body[:50000]  # three reads' parts, then the cut
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert len(errors(engine_log)) == 1
    assert "50000 of 102400" in errors(engine_log)[0]


@pytest.mark.usefixtures("short_timeout")
def test_scripted_peer_large_piece_timed_out_returns_every_part(engine_log: LogLines) -> None:
    body = bytes(range(256)) * 400
    peer, http = large_body_client(len(body))
    peer.step = 20000
    peer.incoming += body[:50000]  # and then nothing, the connection still open
    assert http.read_response_body_chunk() == body[:50000]
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert [line.split(":")[1] for line in errors(engine_log)] == [" read_response_body_chunk"]
    assert "timed out" in errors(engine_log)[0]


@pytest.mark.usefixtures("short_timeout")
def test_scripted_peer_poll_times_out(engine_log: LogLines) -> None:
    peer = ScriptedPeer()
    http = HTTPClient()
    http.set_blocking_mode(True)
    http.set_connection(peer)
    assert http.request(HTTPClient.METHOD_GET, "/", ["Host: example.com"]) == Error.OK
    assert http.poll() == Error.ERR_TIMEOUT
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert http.get_connection() is None
    assert [line.split(":")[1] for line in errors(engine_log)] == [" poll"]


@pytest.mark.usefixtures("short_timeout")
def test_scripted_peer_read_times_out_with_the_bytes_so_far(engine_log: LogLines) -> None:
    peer = ScriptedPeer()
    http = scripted(peer, b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
    assert http.get_status() == S.STATUS_BODY
    assert http.read_response_body_chunk() == b"abc"
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert [line.split(":")[1] for line in errors(engine_log)] == [" read_response_body_chunk"]


# --- the timeout bounds each call as a whole (§6) ----------------------------------------------

#: How often the dripping servers below move a little, well inside the 1 s timeout.
DRIP_EVERY = 0.3
#: The most a dripping server moves, so it ends by itself (about 6 s of dripping).
DRIP_MAX = 20
#: What the slow reader of an upload takes each time: more than the client's socket holds.
UPLOAD_DRIP = 6 << 20


def serve_dripping(
    listener: socket.socket, handler: Callable[[socket.socket], None]
) -> Callable[[], None]:
    """Run ``handler`` on one accepted connection in a thread; returns a join that re-raises."""
    errors: list[BaseException] = []

    def run() -> None:
        try:
            with accept(listener) as conn:
                handler(conn)
        except BaseException as exc:  # re-raised by join
            errors.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()

    def join() -> None:
        thread.join(DRIP_EVERY * DRIP_MAX + 10)
        assert not thread.is_alive()
        if errors:
            raise errors[0]

    return join


def drip(conn: socket.socket, data: bytes, stop: threading.Event) -> None:
    """Send ``data`` one byte at a time, each just inside the client's wait, until ``stop``."""
    for byte in data[:DRIP_MAX]:
        if stop.wait(DRIP_EVERY):
            return
        try:
            conn.sendall(bytes([byte]))
        except OSError:  # the client gave up and closed
            return


def read_head(conn: socket.socket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        assert chunk
        data += chunk


def dripping_client(listener: socket.socket) -> HTTPClient:
    http = HTTPClient()
    http.set_blocking_mode(True)
    assert http.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
    pump(http, S.STATUS_CONNECTING)
    return http


@pytest.mark.usefixtures("short_timeout")
def test_a_dripped_head_cannot_hold_poll_past_the_timeout(
    tcp_listener: Callable[..., socket.socket], engine_log: LogLines
) -> None:
    listener = tcp_listener()
    stop = threading.Event()

    def handler(conn: socket.socket) -> None:
        read_head(conn)
        drip(conn, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok", stop)

    join = serve_dripping(listener, handler)
    http = dripping_client(listener)
    try:
        assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
        started = time.monotonic()
        assert http.poll() == Error.ERR_TIMEOUT
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        join()
    assert elapsed < 4, f"poll took {elapsed:.1f} s with a 1 s timeout"
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert not http.has_response()
    assert errors(engine_log) == ["ERROR: poll: timed out waiting for the response"]


@pytest.mark.usefixtures("short_timeout")
def test_a_dripped_body_cannot_hold_a_read_past_the_timeout(
    tcp_listener: Callable[..., socket.socket], engine_log: LogLines
) -> None:
    listener = tcp_listener()
    stop = threading.Event()
    body = bytes(range(100))

    def handler(conn: socket.socket) -> None:
        read_head(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + body[:1])
        drip(conn, body[1:], stop)

    join = serve_dripping(listener, handler)
    http = dripping_client(listener)
    try:
        assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
        assert http.poll() == Error.OK
        assert http.get_status() == S.STATUS_BODY
        started = time.monotonic()
        partial = http.read_response_body_chunk()  # wants all 100 bytes (read_chunk_size 4096)
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        join()
    assert elapsed < 4, f"the read took {elapsed:.1f} s with a 1 s timeout"
    assert 1 <= len(partial) < len(body)
    assert body.startswith(partial)  # the bytes so far, in order
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert errors(engine_log) == [
        "ERROR: read_response_body_chunk: timed out waiting for the body (ERR_TIMEOUT)"
    ]


@pytest.mark.usefixtures("short_timeout")
def test_a_slowly_read_upload_cannot_hold_request_past_the_timeout(
    tcp_listener: Callable[..., socket.socket], engine_log: LogLines
) -> None:
    """Every DRIP_EVERY seconds the server takes a few MiB of the upload, enough for the
    client to write again each time, far too little for the whole upload within the timeout."""
    listener = tcp_listener()
    # A fixed, small receive window: each drain below bounds what the client can move.
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 18)
    stop = threading.Event()

    def handler(conn: socket.socket) -> None:
        conn.setblocking(False)
        for _ in range(DRIP_MAX):
            if stop.wait(DRIP_EVERY):
                return
            taken = 0
            try:
                while taken < UPLOAD_DRIP and (chunk := conn.recv(1 << 16)):
                    taken += len(chunk)
            except BlockingIOError:
                continue
            except OSError:
                return

    join = serve_dripping(listener, handler)
    http = dripping_client(listener)
    try:
        started = time.monotonic()
        result = http.request_raw(HTTPClient.METHOD_POST, "/", [], b"u" * (128 << 20))
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        join()
    assert result == Error.ERR_TIMEOUT
    assert elapsed < 4, f"request took {elapsed:.1f} s with a 1 s timeout"
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert errors(engine_log) == ["ERROR: request_raw: timed out sending the request"]
