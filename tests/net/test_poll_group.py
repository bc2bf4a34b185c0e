"""PollGroup: many clients and peers waited on in one selectors call, on real loopback servers."""

from __future__ import annotations

import contextlib
import os
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterator

import pytest
from http_server import PAGE, LoopbackServer, pattern, serving

from conftest import SAFETY_TIMEOUT, TLSServer, accept, recv_exactly
from engine.object_model import Error, Ref
from net import HTTPClient, PollGroup, StreamPeerBuffer, StreamPeerSSL, StreamPeerTCP, poll_group
from net.poll_group import READ, WRITE, interest
from support import LogLines

S = HTTPClient.Status
GET = HTTPClient.METHOD_GET


@pytest.fixture
def server() -> Iterator[LoopbackServer]:
    with serving() as running:
        yield running


@pytest.fixture(params=["native", "selectors"])
def group(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Iterator[PollGroup]:
    """A group waiting the platform's way (epoll itself on Linux), and one waiting through
    the portable ``selectors`` layer the group falls back to elsewhere."""
    if request.param == "selectors":
        monkeypatch.setattr(poll_group, "_new_waiter", poll_group._SelectorsWaiter)
    with PollGroup() as made:
        yield made


def wait(group: PollGroup) -> list[object]:
    """One wait that must find something within the safety timeout."""
    ready = group.wait(SAFETY_TIMEOUT)
    assert ready, "the group returned nothing within the safety timeout"
    return list(ready)


def connect_all(group: PollGroup, clients: list[HTTPClient]) -> None:
    """Drive connects through the group only: poll a client when the group returns it."""
    while any(http.get_status() in (S.STATUS_RESOLVING, S.STATUS_CONNECTING) for http in clients):
        for member in wait(group):
            assert isinstance(member, HTTPClient)
            member.poll()
    assert [http.get_status() for http in clients] == [S.STATUS_CONNECTED] * len(clients)


def serve_one(http: HTTPClient, body: bytearray) -> None:
    """Serve a client the group returned: poll for the head, read what the body has."""
    if http.get_status() == S.STATUS_REQUESTING:
        http.poll()
    while http.get_status() == S.STATUS_BODY:
        chunk = http.read_response_body_chunk()
        if not chunk:
            break
        body += chunk


def test_twenty_clients_fetch_three_pages_each_through_one_group(
    server: LoopbackServer, group: PollGroup
) -> None:
    clients = [HTTPClient() for _ in range(20)]
    for http in clients:
        assert http.connect_to_host("127.0.0.1", server.port) == Error.OK
        group.add(http)
    connect_all(group, clients)
    left = {id(http): 3 for http in clients}
    bodies = {id(http): bytearray() for http in clients}
    for index, http in enumerate(clients):
        http.read_chunk_size = 256
        assert http.request(GET, f"/bytes/{1000 + index}", []) == Error.OK
    done = 0
    while done < 60:
        for member in wait(group):
            assert isinstance(member, HTTPClient)
            serve_one(member, bodies[id(member)])
            if member.get_status() == S.STATUS_CONNECTED:
                index = clients.index(member)
                assert bytes(bodies[id(member)]) == pattern(1000 + index)
                bodies[id(member)].clear()
                done += 1
                left[id(member)] -= 1
                if left[id(member)]:
                    assert member.request(GET, f"/bytes/{1000 + index}", []) == Error.OK
            else:
                assert member.get_status() in (S.STATUS_REQUESTING, S.STATUS_BODY)
    assert all(count == 0 for count in left.values())


def test_a_client_waiting_for_its_reply_is_not_returned_until_bytes_arrive(
    server: LoopbackServer, group: PollGroup
) -> None:
    http = HTTPClient()
    http.connect_to_host("127.0.0.1", server.port)
    group.add(http)
    connect_all(group, [http])
    assert group.wait(0.05) == []  # connected and idle: nothing to do
    assert http.request(GET, "/hold", []) == Error.OK
    assert group.wait(0.05) == []  # requesting, the server holds its reply
    server.release.set()
    body = bytearray()
    while http.get_status() != S.STATUS_CONNECTED:
        assert wait(group) == [http]
        serve_one(http, body)
    assert bytes(body) == PAGE


def test_a_large_upload_is_driven_by_writable_events(
    tcp_listener: Callable[..., socket.socket], group: PollGroup[HTTPClient]
) -> None:
    listener = tcp_listener()
    http = HTTPClient()
    http.connect_to_host("127.0.0.1", listener.getsockname()[1])
    group.add(http)
    connect_all(group, [http])
    server_side = accept(listener)
    size = 16 << 20  # more than the socket buffers hold while the server does not read
    assert http.request_raw(HTTPClient.METHOD_POST, "/upload", [], b"x" * size) == Error.OK
    assert http._unsent, "the whole upload went out at once; the test needs a partial write"
    assert interest(http)[2] == READ | WRITE

    def serve() -> None:  # now read the whole request, then answer with its body's length
        data = b""
        while b"\r\n\r\n" not in data:
            data += server_side.recv(65536)
        got = len(data.split(b"\r\n\r\n", 1)[1])
        while got < size:
            got += len(server_side.recv(1 << 20))
        reply = str(got).encode()
        server_side.sendall(
            b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(reply), reply)
        )

    reader = threading.Thread(target=serve, daemon=True)
    reader.start()
    body = bytearray()
    while http.get_status() != S.STATUS_CONNECTED:
        assert http.get_status() in (S.STATUS_REQUESTING, S.STATUS_BODY)
        for member in wait(group):
            assert member is http
            if http.get_status() == S.STATUS_REQUESTING:
                http.poll()
            if http.get_status() == S.STATUS_BODY:
                body += http.read_response_body_chunk()
    reader.join(SAFETY_TIMEOUT)
    server_side.close()
    assert bytes(body) == str(size).encode()


def test_the_group_follows_a_reconnect_and_a_closed_connection(
    server: LoopbackServer, group: PollGroup
) -> None:
    http = HTTPClient()
    group.add(http)
    for _ in range(3):  # each round ends with the server closing: a new socket every time
        assert http.connect_to_host("127.0.0.1", server.port) == Error.OK
        connect_all(group, [http])
        assert http.request(GET, "/close", []) == Error.OK
        body = bytearray()
        while http.get_status() in (S.STATUS_REQUESTING, S.STATUS_BODY):
            assert wait(group) == [http]
            serve_one(http, body)
        assert bytes(body) == PAGE
        assert http.get_status() == S.STATUS_DISCONNECTED
        assert group.wait(0) == [http]  # an outcome to see is returned at once


def test_a_socket_number_taken_over_by_another_member_serves_the_new_member(
    tcp_listener: Callable[..., socket.socket], group: PollGroup
) -> None:
    listener = tcp_listener()
    port = listener.getsockname()[1]
    older, newer = HTTPClient(), HTTPClient()
    with PollGroup() as connecting:
        connecting.add(older)
        assert older.connect_to_host("127.0.0.1", port) == Error.OK
        connect_all(connecting, [older])
    older_side = accept(listener)
    group.add(newer)  # examined before the older member in each wait
    group.add(older)
    assert group.wait(0) == [newer]  # disconnected: returned; the older waits on its socket
    taken = older.get_connection().fileno()
    older.close()
    older_side.close()
    # Fill any lower free numbers so that the newer client's socket gets the older's number.
    fillers = []
    while (filler := os.open(os.devnull, os.O_RDONLY)) != taken:
        fillers.append(filler)
    os.close(filler)
    assert newer.connect_to_host("127.0.0.1", port) == Error.OK
    for filler in fillers:
        os.close(filler)
    assert newer.get_connection().fileno() == taken
    assert older in wait(group)  # closed: returned at once, as any outcome
    group.remove(older)
    connect_all(group, [newer])
    server_side = accept(listener)
    assert newer.request(GET, "/", []) == Error.OK
    assert group.wait(0.05) == []
    server_side.recv(4096)
    server_side.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    body = bytearray()
    while newer.get_status() in (S.STATUS_REQUESTING, S.STATUS_BODY):
        assert wait(group) == [newer]
        serve_one(newer, body)
    assert bytes(body) == b"ok"
    server_side.close()
    newer.close()


@contextlib.contextmanager
def two_peers_one_held_elsewhere(
    listener: socket.socket,
) -> Iterator[tuple[PollGroup, list[StreamPeerTCP], list[socket.socket]]]:
    """A group with two TCP peers connected to ``listener`` and registered (a wait has seen
    them with nothing to read), the server's side of each, and a copy of the first peer's
    socket held open as a forked child would; everything is closed afterwards."""
    group: PollGroup = PollGroup()
    peers = [StreamPeerTCP(), StreamPeerTCP()]
    for peer in peers:
        assert peer.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
        group.add(peer)
    sides = [accept(listener), accept(listener)]
    for peer in peers:
        assert peer.get_status() == StreamPeerTCP.Status.STATUS_CONNECTED  # the connect's step
    assert group.wait(0.05) == []  # both connected, nothing to read: both registered
    copy = os.dup(peers[0].fileno())
    try:
        yield group, peers, sides
    finally:
        group.close()
        os.close(copy)
        for side in sides:
            side.close()
        for peer in peers:
            peer.disconnect_from_host()


def test_a_socket_closed_here_but_open_elsewhere_does_not_disturb_a_wait(
    tcp_listener: Callable[..., socket.socket],
) -> None:
    # The platform's own waiting (epoll on Linux, which keeps such a socket): the selectors
    # layer, used only where epoll and this issue do not exist, hides it but not its effect.
    with two_peers_one_held_elsewhere(tcp_listener()) as (group, peers, sides):
        closing = peers[0]
        sides[0].sendall(b"x")  # readable, through the copy as well
        closing.disconnect_from_host()
        # epoll still reports the copy under the closed number; the group has no member there.
        assert group.wait(0) == [closing]  # closed: returned at once, as any outcome
        group.remove(closing)
        assert group.wait(0) == []
        sides[1].sendall(b"y")
        assert wait(group) == [peers[1]]


def test_a_socket_closed_here_but_open_elsewhere_does_not_end_a_wait_before_its_timeout(
    tcp_listener: Callable[..., socket.socket],
) -> None:
    """The first wait that meets such a socket renews the group's epoll; with nothing else
    ready it then goes on waiting, rather than returning an empty list as a timeout would."""
    with two_peers_one_held_elsewhere(tcp_listener()) as (group, peers, sides):
        closing = peers[0]
        sides[0].sendall(b"x")  # readable, through the copy as well
        closing.disconnect_from_host()
        group.remove(closing)  # before any wait has met the closed socket
        started = time.monotonic()
        assert group.wait(0.2) == []
        assert time.monotonic() - started >= 0.2  # the whole timeout, not cut short
        sides[1].sendall(b"y")
        assert wait(group) == [peers[1]]


@pytest.mark.xfail(
    strict=True,
    reason="epoll keeps a closed socket whose copy is open elsewhere, and reports it under "
    "its number: once a new member's socket takes that number, the copy's readiness is "
    "credited to it. Telling the two apart costs a check per event on every reused number "
    "(or a new epoll per reuse); not fixed here, and the same before epoll was used directly.",
)
def test_a_reused_number_is_not_woken_by_the_closed_socket_held_elsewhere(
    tcp_listener: Callable[..., socket.socket],
) -> None:
    group: PollGroup = PollGroup()
    listener = tcp_listener()
    port = listener.getsockname()[1]
    first = StreamPeerTCP()
    assert first.connect_to_host("127.0.0.1", port) == Error.OK
    group.add(first)
    first_side = accept(listener)
    assert first.get_status() == StreamPeerTCP.Status.STATUS_CONNECTED
    assert group.wait(0.05) == []
    number = first.fileno()
    copy = os.dup(number)  # as a forked child would hold it
    second = StreamPeerTCP()
    try:
        first_side.sendall(b"x")  # readable, through the copy as well
        first.disconnect_from_host()
        group.remove(first)
        assert second.connect_to_host("127.0.0.1", port) == Error.OK
        second_side = accept(listener)
        assert second.get_status() == StreamPeerTCP.Status.STATUS_CONNECTED
        assert second.fileno() == number  # the lowest free number, as the kernel hands out
        group.add(second)
        assert group.wait(0.05) == []  # nothing came for the second peer
        second_side.sendall(b"y")
        assert wait(group) == [second]
        second_side.close()
    finally:
        group.close()
        os.close(copy)
        first_side.close()
        second.disconnect_from_host()


def test_an_idle_connection_closed_by_the_server_is_returned(
    tcp_listener: Callable[..., socket.socket], group: PollGroup
) -> None:
    listener = tcp_listener()
    http = HTTPClient()
    http.connect_to_host("127.0.0.1", listener.getsockname()[1])
    group.add(http)
    connect_all(group, [http])
    server_side = accept(listener)
    assert group.wait(0.05) == []
    server_side.close()
    assert wait(group) == [http]
    assert http.poll() == Error.ERR_CONNECTION_ERROR
    assert http.get_status() == S.STATUS_CONNECTION_ERROR


def test_idle_timeout_ends_a_silent_exchange_with_one_line(
    server: LoopbackServer, group: PollGroup, engine_log: LogLines
) -> None:
    http = HTTPClient()
    http.connect_to_host("127.0.0.1", server.port)
    group.add(http, idle_timeout=0.2)
    connect_all(group, [http])
    assert group.wait(0.3) == []  # connected and idle: the idle timeout does not apply
    assert http.get_status() == S.STATUS_CONNECTED
    assert http.request(GET, "/hold", []) == Error.OK
    assert wait(group) == [http]
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert engine_log.lines == [
        "ERROR: PollGroup.wait: no progress for 0.2 s (idle_timeout)",
    ]
    assert http.poll() == Error.ERR_CONNECTION_ERROR
    assert group.wait(0) == [http]


def test_idle_timeout_counts_from_the_start_of_each_exchange(
    server: LoopbackServer, group: PollGroup, engine_log: LogLines
) -> None:
    http = HTTPClient()
    http.connect_to_host("127.0.0.1", server.port)
    group.add(http, idle_timeout=0.5)
    connect_all(group, [http])
    assert http.request(GET, "/", []) == Error.OK
    body = bytearray()
    while http.get_status() in (S.STATUS_REQUESTING, S.STATUS_BODY):
        assert wait(group) == [http]
        serve_one(http, body)
    assert bytes(body) == PAGE
    time.sleep(0.6)  # idle between exchanges for longer than the timeout, with no wait
    assert http.request(GET, "/hold", []) == Error.OK
    assert group.wait(0) == []  # the new exchange's clock starts with it
    assert http.get_status() == S.STATUS_REQUESTING
    assert wait(group) == [http]
    assert http.get_status() == S.STATUS_CONNECTION_ERROR
    assert engine_log.lines == ["ERROR: PollGroup.wait: no progress for 0.5 s (idle_timeout)"]


def test_members_without_a_socket_are_returned_at_once(group: PollGroup) -> None:
    buffer = StreamPeerBuffer()
    resolving = HTTPClient()
    assert resolving.connect_to_host("localhost", 80) == Error.OK
    fresh = HTTPClient()
    group.add(buffer)
    group.add(fresh)
    if resolving.get_status() == S.STATUS_RESOLVING:
        group.add(resolving)
    ready = group.wait(SAFETY_TIMEOUT)
    assert buffer in ready
    assert fresh in ready
    assert resolving in ready or resolving not in group
    resolving.close()


def test_tls_records_already_received_count_as_ready(
    tls_server: Callable[..., TLSServer],
    tcp_listener: Callable[..., socket.socket],
    trust_tls_ca: str,
    group: PollGroup,
) -> None:
    listener = tcp_listener()
    records = [bytes([n]) * 1000 for n in range(1, 4)]

    def handler(conn: ssl.SSLSocket) -> None:
        for record in records:  # three records, sent together
            conn.sendall(record)
        recv_exactly(conn, 1)  # hold the connection until the client is done

    tls_server(handler, listener=listener)
    tcp = StreamPeerTCP()
    assert tcp.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
    peer = StreamPeerSSL()
    assert peer.connect_to_stream(tcp, True, "localhost") == Error.OK
    group.add(peer)
    received = bytearray()
    while len(received) < 3000:
        assert wait(group) == [peer]
        err, data = peer.get_partial_data(100)
        assert err == Error.OK
        received += data
    assert bytes(received) == b"".join(records)
    assert group.wait(0.05) == []  # everything read: the socket has nothing more
    peer.put_data(b"!")


def test_a_tls_client_is_followed_from_tcp_to_tls(
    tls_server: Callable[..., TLSServer],
    tcp_listener: Callable[..., socket.socket],
    trust_tls_ca: str,
    group: PollGroup,
) -> None:
    listener = tcp_listener()
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello"

    def handler(conn: ssl.SSLSocket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            head += conn.recv(4096)
        conn.sendall(reply)
        recv_exactly(conn, 1)

    tls_server(handler, listener=listener)
    http = HTTPClient()
    assert http.connect_to_host("localhost", listener.getsockname()[1], True) == Error.OK
    group.add(http)
    streams = set()
    while http.get_status() in (S.STATUS_RESOLVING, S.STATUS_CONNECTING):
        for member in wait(group):
            assert member is http
            http.poll()
            streams.add(type(http.get_connection()).__name__)
    assert http.get_status() == S.STATUS_CONNECTED
    assert "StreamPeerSSL" in streams
    assert http.request(GET, "/", []) == Error.OK
    body = bytearray()
    while http.get_status() in (S.STATUS_REQUESTING, S.STATUS_BODY):
        assert wait(group) == [http]
        serve_one(http, body)
    assert bytes(body) == b"hello"
    http.close()


def test_removed_members_are_no_longer_returned(server: LoopbackServer, group: PollGroup) -> None:
    buffer = StreamPeerBuffer()
    group.add(buffer)
    assert buffer in group
    assert len(group) == 1
    group.remove(buffer)
    assert buffer not in group
    assert group.wait(0) == []
    with pytest.raises(KeyError):
        group.remove(buffer)
    http = HTTPClient()
    http.connect_to_host("127.0.0.1", server.port)
    group.add(http)
    connect_all(group, [http])
    http.request(GET, "/", [])
    group.remove(http)
    assert group.wait(0.05) == []
    assert group.members() == []


def test_a_freed_member_leaves_the_group(group: PollGroup) -> None:
    holder = Ref(StreamPeerBuffer())
    member = holder.get()
    assert member is not None
    group.add(member)
    holder.release()  # the last engine reference: the peer is freed
    assert member._freed
    assert group.wait(0) == []
    assert member not in group


def test_wrong_arguments_raise() -> None:
    with PollGroup() as group:
        with pytest.raises(TypeError, match="HTTPClient, a StreamPeer"):
            group.add(42)  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="positive"):
            group.add(HTTPClient(), idle_timeout=0)
        with pytest.raises(TypeError, match="seconds"):
            group.add(HTTPClient(), idle_timeout="5")  # type: ignore[arg-type]
        with pytest.raises(ValueError, match="stream peer"):
            group.add(StreamPeerBuffer(), idle_timeout=1)
        with pytest.raises(ValueError, match="timeout"):
            group.wait(-1)


def test_a_closed_group_refuses_to_wait_or_add(group: PollGroup) -> None:
    """Waiting on a closed group is a mistake to report, not an empty list a loop would
    read as a timeout (and spin on)."""
    http = HTTPClient()
    group.add(http)
    group.close()
    group.close()  # again: nothing more happens
    assert http not in group
    with pytest.raises(ValueError, match="closed group"):
        group.wait(None)
    with pytest.raises(ValueError, match="closed group"):
        group.add(http)


class Wrapper:
    """A member driving a client of its own, as an HTTPRequest node does."""

    def __init__(self, http: HTTPClient | None) -> None:
        self.http = http

    def _poll_target(self) -> HTTPClient | None:
        return self.http


def test_a_member_with_a_poll_target_is_returned_for_its_client(
    server: LoopbackServer, engine_log: LogLines
) -> None:
    http = HTTPClient()
    http.connect_to_host("127.0.0.1", server.port)
    node = Wrapper(http)
    group: PollGroup[Wrapper] = PollGroup()
    with group:
        group.add(node, idle_timeout=0.2)
        while http.get_status() == S.STATUS_CONNECTING:
            assert group.wait(SAFETY_TIMEOUT) == [node]
            http.poll()
        assert group.wait(0.05) == []
        http.request(GET, "/hold", [])
        assert group.wait(SAFETY_TIMEOUT) == [node]  # the idle timeout, through the node
        assert http.get_status() == S.STATUS_CONNECTION_ERROR
        assert len(engine_log.lines) == 1
        node.http = None  # no client any more: returned at once
        assert group.wait(0) == [node]
