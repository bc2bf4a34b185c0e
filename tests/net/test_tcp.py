"""StreamPeerTCP against real loopback sockets: connect, status, data, EOF, reset, misuse."""

from __future__ import annotations

import socket
import struct
import sys
import threading
from collections.abc import Callable, Iterator

import pytest

from conftest import accept, receive, wait_fd
from engine.object_model import ClassDB, Error
from net import settings
from net.tcp import StreamPeerTCP
from support import LogLines

S = StreamPeerTCP.Status
Listen = Callable[..., socket.socket]
Setter = Callable[[str, str | int], None]


def settle(peer: StreamPeerTCP) -> int:
    """Poll a connecting peer until its connect is decided, waiting on its socket in between."""
    while (status := peer.get_status()) == S.STATUS_CONNECTING:
        wait_fd(peer.fileno(), writable=True)
    return status


@pytest.fixture
def pair(tcp_listener: Listen) -> Iterator[tuple[StreamPeerTCP, socket.socket]]:
    """A connected StreamPeerTCP and the server's accepted socket on 127.0.0.1."""
    listener = tcp_listener()
    peer = StreamPeerTCP()
    assert peer.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
    server = accept(listener)
    assert settle(peer) == S.STATUS_CONNECTED
    yield peer, server
    peer.disconnect_from_host()
    server.close()


def reset(sock: socket.socket) -> None:
    """Close with SO_LINGER 0: the other side gets an RST instead of a FIN."""
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.close()


# --- registration ----------------------------------------------------------------------------


def test_registered_with_the_engine_api_in_bind_order() -> None:
    assert ClassDB.get_parent_class("StreamPeerTCP") == "StreamPeer"
    assert ClassDB.can_instance("StreamPeerTCP")
    methods = ClassDB.class_get_method_list("StreamPeerTCP", True)
    assert [m["name"] for m in methods] == [
        "connect_to_host",
        "is_connected_to_host",
        "get_status",
        "get_connected_host",
        "get_connected_port",
        "disconnect_from_host",
        "set_no_delay",
    ]
    status = next(m for m in methods if m["name"] == "get_status")
    assert status["return"]["class_name"] == "StreamPeerTCP.Status"
    assert ClassDB.class_get_enum_constants("StreamPeerTCP", "Status") == [
        "STATUS_NONE",
        "STATUS_CONNECTING",
        "STATUS_CONNECTED",
        "STATUS_ERROR",
    ]
    assert ClassDB.class_get_integer_constant("StreamPeerTCP", "STATUS_ERROR") == 3


def test_poll_is_not_bound_as_in_the_engine_3_5() -> None:
    """3.5's StreamPeerTCP has no poll() (a 4.x method): get_status does the step."""
    assert not ClassDB.class_has_method("StreamPeerTCP", "poll", True)
    assert not hasattr(StreamPeerTCP(), "poll")


def test_a_new_peer_is_idle() -> None:
    peer = StreamPeerTCP()
    assert peer.get_status() == S.STATUS_NONE
    assert type(peer.get_status()) is int
    assert not peer.is_connected_to_host()
    assert (peer.get_connected_host(), peer.get_connected_port()) == ("", 0)
    assert peer.fileno() == -1
    assert peer.get_partial_data(4) == [Error.FAILED, b""]
    assert peer.put_partial_data(b"x") == [Error.FAILED, 0]


# --- connecting ------------------------------------------------------------------------------


def test_connect_and_poll_to_connected(tcp_listener: Listen, loopback_host: str) -> None:
    listener = tcp_listener(loopback_host)
    port = listener.getsockname()[1]
    peer = StreamPeerTCP()
    assert peer.connect_to_host(loopback_host, port) == Error.OK
    assert peer.get_status() in (S.STATUS_CONNECTING, S.STATUS_CONNECTED)
    server = accept(listener)
    while peer.get_status() == S.STATUS_CONNECTING:
        wait_fd(peer.fileno(), writable=True)
    assert peer.get_status() == S.STATUS_CONNECTED
    assert peer.is_connected_to_host()
    assert peer.get_connected_host() == loopback_host
    assert peer.get_connected_port() == port
    assert peer.call("get_connected_port") == port
    peer.disconnect_from_host()
    assert peer.get_status() == S.STATUS_NONE
    assert (peer.get_connected_host(), peer.get_connected_port(), peer.fileno()) == ("", 0, -1)
    server.close()


def test_a_host_name_is_resolved_before_connecting(tcp_listener: Listen) -> None:
    first = socket.getaddrinfo("localhost", 0, type=socket.SOCK_STREAM)[0]
    ip = str(first[4][0])  # the address the peer will pick: the first answer
    try:
        listener = tcp_listener(ip)
    except OSError:
        pytest.skip(f"localhost resolves to {ip}, which cannot be bound here")
    peer = StreamPeerTCP()
    assert peer.connect_to_host("localhost", listener.getsockname()[1]) == Error.OK
    server = accept(listener)
    assert settle(peer) == S.STATUS_CONNECTED
    assert peer.get_connected_host() == ip
    peer.disconnect_from_host()
    server.close()


def test_a_refused_connect_ends_in_status_error(engine_log: LogLines) -> None:
    with socket.socket() as closed_port:  # bound, never listening: connects are refused
        closed_port.bind(("127.0.0.1", 0))
        peer = StreamPeerTCP()
        started = peer.connect_to_host("127.0.0.1", closed_port.getsockname()[1])
        if started == Error.OK:
            assert settle(peer) == S.STATUS_ERROR
        else:  # some systems refuse at once
            assert started == Error.FAILED
    assert peer.get_status() == S.STATUS_ERROR
    assert peer.fileno() == -1
    assert peer.get_connected_host() == "127.0.0.1"  # kept for the caller's log line
    assert peer.get_partial_data(1) == [Error.ERR_CONNECTION_ERROR, b""]
    assert engine_log.lines == []  # an outcome, not misuse: DEBUG only
    peer.disconnect_from_host()
    assert peer.get_status() == S.STATUS_NONE


def test_a_peer_can_connect_again_after_an_error(tcp_listener: Listen) -> None:
    with socket.socket() as closed_port:
        closed_port.bind(("127.0.0.1", 0))
        peer = StreamPeerTCP()
        if peer.connect_to_host("127.0.0.1", closed_port.getsockname()[1]) == Error.OK:
            settle(peer)
    listener = tcp_listener()
    assert peer.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
    server = accept(listener)
    assert settle(peer) == S.STATUS_CONNECTED
    peer.disconnect_from_host()
    server.close()


@pytest.fixture
def full_listener(tcp_listener: Listen) -> Iterator[socket.socket]:
    """A listener whose accept queue is full, so the kernel drops further connection requests."""
    listener = tcp_listener(backlog=0)
    with socket.create_connection(listener.getsockname(), timeout=5):
        wait_fd(listener)  # the first connection sits in the accept queue now
        yield listener


linux_only = pytest.mark.skipif(
    sys.platform != "linux", reason="relies on Linux dropping SYNs when the accept queue is full"
)


@linux_only
def test_a_pending_connect_stays_connecting_within_the_timeout(
    full_listener: socket.socket,
) -> None:
    listener = full_listener
    peer = StreamPeerTCP()
    assert peer.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
    assert peer.get_status() == S.STATUS_CONNECTING
    assert peer.get_status() == S.STATUS_CONNECTING  # asking again does not fail it
    assert peer.get_partial_data(4) == [Error.OK, b""]  # nothing yet, not an error
    assert peer.put_partial_data(b"x") == [Error.OK, 0]
    peer.disconnect_from_host()


@linux_only
def test_a_connect_pending_past_the_deadline_fails(
    full_listener: socket.socket, net_settings: Setter, engine_log: LogLines
) -> None:
    net_settings(settings.CONNECT_TIMEOUT, 0)  # the deadline is the moment the connect starts
    listener = full_listener
    peer = StreamPeerTCP()
    assert peer.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
    assert peer.get_status() == S.STATUS_ERROR
    assert peer.fileno() == -1
    assert engine_log.lines == []


def test_a_connect_that_completed_is_not_failed_by_a_late_poll(
    tcp_listener: Listen, net_settings: Setter
) -> None:
    listener = tcp_listener()
    peer = StreamPeerTCP()
    assert peer.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
    server = accept(listener)
    wait_fd(peer.fileno(), writable=True)  # the connect is complete now
    net_settings(settings.CONNECT_TIMEOUT, 0)  # irrelevant: the deadline was read at connect time
    assert peer.get_status() == S.STATUS_CONNECTED
    peer.disconnect_from_host()
    server.close()


# --- misuse ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "port", "condition"),
    [
        ("", 80, "!p_host.is_valid()"),
        ("127.0.0.1", 0, "p_port < 1 || p_port > 65535"),
        ("127.0.0.1", -1, "p_port < 1 || p_port > 65535"),
        ("127.0.0.1", 65536, "p_port < 1 || p_port > 65535"),
    ],
)
def test_bad_arguments_return_invalid_parameter_and_log(
    host: str, port: int, condition: str, engine_log: LogLines
) -> None:
    peer = StreamPeerTCP()
    assert peer.connect_to_host(host, port) == Error.ERR_INVALID_PARAMETER
    assert engine_log.lines == [
        f'ERROR: connect_to_host: Condition "{condition}" is true. Returned: ERR_INVALID_PARAMETER'
    ]
    assert peer.get_status() == S.STATUS_NONE


def test_bad_arguments_through_call(engine_log: LogLines) -> None:
    peer = StreamPeerTCP()
    assert peer.call("connect_to_host", "127.0.0.1", 70000) == Error.ERR_INVALID_PARAMETER
    assert len(engine_log.lines) == 1


def test_connecting_twice_is_already_in_use(
    pair: tuple[StreamPeerTCP, socket.socket], engine_log: LogLines
) -> None:
    peer, _ = pair
    assert peer.connect_to_host("127.0.0.1", 80) == Error.ERR_ALREADY_IN_USE
    assert engine_log.lines == [
        'ERROR: connect_to_host: Condition "_sock->is_open()" is true. Returned: ERR_ALREADY_IN_USE'
    ]
    assert peer.get_status() == S.STATUS_CONNECTED


# --- data ------------------------------------------------------------------------------------


def test_data_both_ways(pair: tuple[StreamPeerTCP, socket.socket]) -> None:
    peer, server = pair
    assert peer.put_data(b"ping") == Error.OK
    assert server.recv(4) == b"ping"
    server.sendall(b"pong!")
    assert peer.get_data(5) == [Error.OK, b"pong!"]
    peer.put_u32(0xDEADBEEF)
    assert server.recv(4) == struct.pack("<I", 0xDEADBEEF)


def test_large_transfers_both_ways(pair: tuple[StreamPeerTCP, socket.socket]) -> None:
    peer, server = pair
    payload = bytes(range(256)) * 16384  # 4 MiB, far more than the socket buffers hold
    echoed: list[bytes] = []

    def echo() -> None:
        data = bytearray()
        while len(data) < len(payload):
            chunk = server.recv(1 << 16)
            if not chunk:
                break
            data += chunk
        echoed.append(bytes(data))
        server.sendall(data)

    thread = threading.Thread(target=echo)
    thread.start()
    assert peer.put_data(payload) == Error.OK
    assert peer.get_data(len(payload)) == [Error.OK, payload]
    thread.join(10)
    assert echoed == [payload]


def test_partial_reads_return_what_is_there(pair: tuple[StreamPeerTCP, socket.socket]) -> None:
    peer, server = pair
    assert peer.get_partial_data(100) == [Error.OK, b""]
    server.sendall(b"hello")
    wait_fd(peer.fileno())
    assert peer.get_available_bytes() == 5
    assert peer.get_partial_data(100) == [Error.OK, b"hello"]
    assert peer.get_available_bytes() == 0
    assert peer.get_partial_data(100) == [Error.OK, b""]
    assert peer.get_status() == S.STATUS_CONNECTED


@pytest.mark.parametrize("size", [2**40, 2**63 - 1])
def test_an_absurd_read_size_allocates_nothing_of_that_size(
    pair: tuple[StreamPeerTCP, socket.socket], size: int
) -> None:
    """The socket is asked for a bounded amount, never ``size`` (recv(2**40) raised
    MemoryError out of the bound method: found attacking issue 12 item 13)."""
    peer, server = pair
    server.sendall(b"hello")
    wait_fd(peer.fileno())
    assert peer.get_partial_data(size) == [Error.OK, b"hello"]
    server.sendall(b"last")
    server.shutdown(socket.SHUT_WR)
    assert peer.get_data(size) == [Error.ERR_FILE_EOF, b"last"]  # all there was, then EOF


def test_reads_after_a_send_whether_or_not_the_answer_is_there(
    pair: tuple[StreamPeerTCP, socket.socket],
) -> None:
    # A caller that reads when its selector says so, then one that reads at once: the peer
    # may skip its look before recv after the first, and must still report "nothing yet".
    peer, server = pair
    for _ in range(2):
        assert peer.put_partial_data(b"ping") == [Error.OK, 4]
        assert server.recv(4) == b"ping"
        server.sendall(b"pong")
        wait_fd(peer.fileno())
        assert peer.get_partial_data(100) == [Error.OK, b"pong"]
    assert peer.put_partial_data(b"ping") == [Error.OK, 4]
    assert peer.get_partial_data(100) == [Error.OK, b""]  # asked before the answer came
    assert server.recv(4) == b"ping"
    server.sendall(b"late")
    wait_fd(peer.fileno())
    assert peer.get_partial_data(100) == [Error.OK, b"late"]
    assert peer.get_status() == S.STATUS_CONNECTED


def test_an_orderly_close_reads_as_eof(pair: tuple[StreamPeerTCP, socket.socket]) -> None:
    peer, server = pair
    server.sendall(b"last")
    server.shutdown(socket.SHUT_WR)
    assert receive(peer, 4) == (Error.OK, b"last")
    wait_fd(peer.fileno())
    assert peer.get_partial_data(10) == [Error.ERR_FILE_EOF, b""]
    assert peer.get_status() == S.STATUS_NONE
    assert peer.fileno() == -1
    assert peer.get_partial_data(10) == [Error.ERR_FILE_EOF, b""]  # it stays readable
    assert peer.get_data(1) == [Error.ERR_FILE_EOF, b""]
    assert peer.put_partial_data(b"x") == [Error.FAILED, 0]
    assert peer.get_connected_port() != 0  # kept for the caller's log line


def test_get_status_notices_an_orderly_close(pair: tuple[StreamPeerTCP, socket.socket]) -> None:
    peer, server = pair
    server.sendall(b"x")
    server.shutdown(socket.SHUT_WR)
    wait_fd(peer.fileno())
    assert peer.get_status() == S.STATUS_CONNECTED  # a byte is still buffered
    assert peer.get_partial_data(1) == [Error.OK, b"x"]
    wait_fd(peer.fileno())  # the FIN has arrived once the emptied socket is readable again
    assert peer.get_status() == S.STATUS_NONE
    assert peer.get_partial_data(1) == [Error.ERR_FILE_EOF, b""]


def test_a_reset_reads_as_connection_error(pair: tuple[StreamPeerTCP, socket.socket]) -> None:
    peer, server = pair
    reset(server)
    wait_fd(peer.fileno())
    assert peer.get_partial_data(10) == [Error.ERR_CONNECTION_ERROR, b""]
    assert peer.get_status() == S.STATUS_ERROR
    assert peer.get_partial_data(10) == [Error.ERR_CONNECTION_ERROR, b""]


def test_get_status_notices_a_reset(pair: tuple[StreamPeerTCP, socket.socket]) -> None:
    peer, server = pair
    reset(server)
    wait_fd(peer.fileno())
    assert peer.get_status() == S.STATUS_ERROR
    assert peer.get_partial_data(10) == [Error.ERR_CONNECTION_ERROR, b""]


def test_writing_after_a_reset_fails(pair: tuple[StreamPeerTCP, socket.socket]) -> None:
    peer, server = pair
    reset(server)
    wait_fd(peer.fileno())
    assert peer.put_partial_data(b"late") == [Error.FAILED, 0]
    assert peer.get_status() == S.STATUS_ERROR
    assert peer.put_data(b"late") == Error.FAILED


def test_no_delay_is_on_by_default_and_can_be_turned_off(
    pair: tuple[StreamPeerTCP, socket.socket],
) -> None:
    peer, _ = pair

    def no_delay() -> int:
        with socket.socket(fileno=socket.dup(peer.fileno())) as view:
            return view.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)

    assert no_delay() != 0
    peer.set_no_delay(False)
    assert no_delay() == 0
    peer.set_no_delay(True)
    assert no_delay() != 0


def test_no_delay_chosen_before_connecting_applies_to_the_connection(
    tcp_listener: Listen,
) -> None:
    listener = tcp_listener()
    peer = StreamPeerTCP()
    peer.set_no_delay(False)
    assert peer.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
    server = accept(listener)
    assert settle(peer) == S.STATUS_CONNECTED
    with socket.socket(fileno=socket.dup(peer.fileno())) as view:
        assert view.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) == 0
    peer.disconnect_from_host()
    server.close()


# --- adopting a socket -----------------------------------------------------------------------


def test_from_socket_adopts_a_socketpair_end() -> None:
    mine, theirs = socket.socketpair()
    peer = StreamPeerTCP.from_socket(mine)
    assert peer.get_status() == S.STATUS_CONNECTED
    assert (peer.get_connected_host(), peer.get_connected_port()) == ("", 0)
    assert peer.fileno() == mine.fileno()
    assert not mine.getblocking()
    assert peer.put_data(b"abc") == Error.OK
    assert theirs.recv(3) == b"abc"
    theirs.sendall(b"xyz")
    assert peer.get_data(3) == [Error.OK, b"xyz"]
    theirs.close()
    wait_fd(peer.fileno())
    assert peer.get_partial_data(1) == [Error.ERR_FILE_EOF, b""]
    assert mine.fileno() == -1  # the peer owned it and closed it


def test_from_socket_adopts_a_tcp_connection(pair: tuple[StreamPeerTCP, socket.socket]) -> None:
    _, server = pair
    adopted = StreamPeerTCP.from_socket(server)
    host, port = server.getpeername()[:2]
    assert (adopted.get_connected_host(), adopted.get_connected_port()) == (host, port)
    adopted.disconnect_from_host()


def test_from_socket_refuses_an_unconnected_socket() -> None:
    with socket.socket() as loose, pytest.raises(ValueError, match="connected"):
        StreamPeerTCP.from_socket(loose)
    with (
        socket.socket(type=socket.SOCK_DGRAM) as datagram,
        pytest.raises(ValueError, match="stream socket"),
    ):
        StreamPeerTCP.from_socket(datagram)


def test_freeing_the_peer_closes_its_socket() -> None:
    mine, theirs = socket.socketpair()
    peer = StreamPeerTCP.from_socket(mine)
    del peer  # never adopted by a Ref: Python's collector frees it
    assert mine.fileno() == -1
    assert theirs.recv(1) == b""
    theirs.close()
