"""StreamPeerSSL with trustme certificates: trust, names, SNI, ALPN, handshakes, data, closes.

Two kinds of server: an ``SSLObject`` moved by hand over an in-memory ``WirePeer`` (exact
control of every byte and of how the link ends), and a real ``ssl`` socket server thread over
a socket pair or a loopback TCP connection.
"""

from __future__ import annotations

import contextlib
import socket
import ssl
import struct
from collections.abc import Callable
from pathlib import Path

import pytest
import trustme

from conftest import (
    SAFETY_TIMEOUT,
    MemoryTLSServer,
    TLSServer,
    WirePeer,
    close_notify,
    receive,
    recv_exactly,
    wait_fd,
)
from engine.object_model import ClassDB, Error
from net import settings
from net.tcp import StreamPeerTCP
from net.tls import StreamPeerSSL, create_client_context
from support import LogLines

S = StreamPeerSSL.Status
Setter = Callable[[str, str | int], None]
MakeMemory = Callable[[], MemoryTLSServer]
StartServer = Callable[..., TLSServer]


def memory_handshake(
    memory: MemoryTLSServer, validate: bool = True, host: str = "localhost"
) -> tuple[StreamPeerSSL, Error]:
    """Connect a non-blocking StreamPeerSSL over ``memory``'s wire, polling until it settles."""
    tls = StreamPeerSSL()
    tls.set_blocking_handshake_enabled(False)
    started = tls.connect_to_stream(memory.wire, validate, host)
    for _ in range(10):
        memory.pump()
        if tls.get_status() != S.STATUS_HANDSHAKING:
            break
        tls.poll()
    memory.pump()
    return tls, started


def drive(tls: StreamPeerSSL) -> int:
    """Poll a socket-backed handshake to its end, waiting on the socket in between."""
    while tls.get_status() == S.STATUS_HANDSHAKING:
        wait_fd(tls.fileno())
        tls.poll()
    return tls.get_status()


def reads_clean_close(obj: ssl.SSLObject) -> bool:
    """Whether the next read on a server ``SSLObject`` sees the client's close_notify."""
    try:
        return obj.read(1) == b""  # how CPython reports the first close_notify
    except ssl.SSLZeroReturnError:
        return True


def echo_then(ending: Callable[[ssl.SSLSocket], None]) -> Callable[[ssl.SSLSocket], None]:
    """A handler that reads a 4-byte request, answers ``b"pong"`` and ends with ``ending``."""

    def handler(conn: ssl.SSLSocket) -> None:
        assert recv_exactly(conn, 4) == b"ping"
        conn.sendall(b"pong")
        ending(conn)

    return handler


# --- registration and policy -----------------------------------------------------------------


def test_registered_with_the_engine_api_in_bind_order() -> None:
    assert ClassDB.get_parent_class("StreamPeerSSL") == "StreamPeer"
    methods = ClassDB.class_get_method_list("StreamPeerSSL", True)
    assert [m["name"] for m in methods] == [
        "poll",
        "connect_to_stream",
        "get_status",
        "disconnect_from_stream",
        "set_blocking_handshake_enabled",
        "is_blocking_handshake_enabled",
    ]
    connect = next(m for m in methods if m["name"] == "connect_to_stream")
    assert [a["name"] for a in connect["args"]] == ["stream", "validate_certs", "for_hostname"]
    assert connect["default_args"] == [False, ""]
    assert connect["args"][0]["class_name"] == "StreamPeer"
    assert ClassDB.class_get_enum_constants("StreamPeerSSL", "Status") == [
        "STATUS_DISCONNECTED",
        "STATUS_HANDSHAKING",
        "STATUS_CONNECTED",
        "STATUS_ERROR",
        "STATUS_ERROR_HOSTNAME_MISMATCH",
    ]
    assert ClassDB.class_get_property_default_value("StreamPeerSSL", "blocking_handshake") is True


def test_blocking_handshake_property() -> None:
    tls = StreamPeerSSL()
    assert tls.is_blocking_handshake_enabled()
    tls.set("blocking_handshake", False)
    assert not tls.is_blocking_handshake_enabled()
    assert tls.get("blocking_handshake") is False
    tls.blocking_handshake = True  # type: ignore[attr-defined]
    assert tls.is_blocking_handshake_enabled()


def test_the_verifying_context_follows_the_policy() -> None:
    context = create_client_context(True)
    assert context.protocol == ssl.PROTOCOL_TLS_CLIENT
    assert context.verify_mode == ssl.CERT_REQUIRED
    assert context.check_hostname
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert not context.options & ssl.OP_IGNORE_UNEXPECTED_EOF
    assert len(context.get_ca_certs()) > 50  # certifi's bundle


def test_the_non_verifying_context_verifies_nothing() -> None:
    context = create_client_context(False)
    assert context.verify_mode == ssl.CERT_NONE
    assert not context.check_hostname
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert not context.options & ssl.OP_IGNORE_UNEXPECTED_EOF


def test_the_certificates_setting_replaces_certifi(trust_tls_ca: str, tls_ca: trustme.CA) -> None:
    cas = create_client_context(True).get_ca_certs()
    assert len(cas) == 1
    assert ssl.DER_cert_to_PEM_cert(create_client_context(True).get_ca_certs(True)[0]).encode() == (
        tls_ca.cert_pem.bytes()
    )


# --- handshakes in memory --------------------------------------------------------------------


def test_non_blocking_handshake_driven_by_poll(
    trust_tls_ca: str, memory_tls: MakeMemory, engine_log: LogLines
) -> None:
    memory = memory_tls()
    tls = StreamPeerSSL()
    tls.set_blocking_handshake_enabled(False)
    assert tls.connect_to_stream(memory.wire, True, "localhost") == Error.OK
    assert tls.get_status() == S.STATUS_HANDSHAKING
    assert memory.wire.outbound  # the ClientHello went out at once
    polls = 0
    while tls.get_status() == S.STATUS_HANDSHAKING:
        memory.pump()
        tls.poll()
        polls += 1
        assert polls < 10
    memory.pump()
    assert tls.get_status() == S.STATUS_CONNECTED
    assert memory.handshaken
    assert memory.tls.selected_alpn_protocol() == "http/1.1"
    assert memory.sni == ["localhost"]
    assert tls.get_hostname() == "localhost"
    assert tls.get_stream() is memory.wire
    assert engine_log.lines == []


def test_data_both_ways_in_memory(trust_tls_ca: str, memory_tls: MakeMemory) -> None:
    memory = memory_tls()
    tls, _ = memory_handshake(memory)
    assert tls.put_data(b"GET / HTTP/1.1\r\n\r\n") == Error.OK
    assert memory.receive() == b"GET / HTTP/1.1\r\n\r\n"
    memory.send(b"HTTP/1.1 200 OK\r\n")
    assert tls.get_partial_data(4) == [Error.OK, b"HTTP"]
    assert tls.get_available_bytes() == 13  # the rest of the record, already decrypted
    assert tls.get_partial_data(100) == [Error.OK, b"/1.1 200 OK\r\n"]
    assert tls.get_partial_data(100) == [Error.OK, b""]


def test_close_notify_reads_as_eof(trust_tls_ca: str, memory_tls: MakeMemory) -> None:
    memory = memory_tls()
    tls, _ = memory_handshake(memory)
    memory.send(b"bye")
    memory.close_notify()
    memory.wire.closed = True  # and then the TCP FIN
    assert tls.get_partial_data(10) == [Error.OK, b"bye"]
    assert tls.get_partial_data(10) == [Error.ERR_FILE_EOF, b""]
    assert tls.get_status() == S.STATUS_DISCONNECTED
    assert tls.get_partial_data(10) == [Error.ERR_FILE_EOF, b""]  # it stays readable
    assert tls.put_partial_data(b"x") == [Error.ERR_UNCONFIGURED, 0]
    tls.disconnect_from_stream()  # answers the server's close_notify with its own
    memory.pump()
    assert reads_clean_close(memory.tls)


def test_eof_without_close_notify_is_a_connection_error(
    trust_tls_ca: str, memory_tls: MakeMemory, engine_log: LogLines
) -> None:
    memory = memory_tls()
    tls, _ = memory_handshake(memory)
    memory.send(b"partial")
    memory.wire.closed = True  # a FIN with no close_notify: possibly a truncation attack
    assert tls.get_partial_data(10) == [Error.OK, b"partial"]
    assert tls.get_partial_data(10) == [Error.ERR_CONNECTION_ERROR, b""]
    assert tls.get_status() == S.STATUS_ERROR
    assert tls.get_partial_data(10) == [Error.ERR_CONNECTION_ERROR, b""]
    assert tls.get_session_error() == ""  # no alert: a ragged close
    assert engine_log.lines == []  # the caller (HTTPClient) reports it


def test_a_corrupt_record_is_a_connection_error(trust_tls_ca: str, memory_tls: MakeMemory) -> None:
    memory = memory_tls()
    tls, _ = memory_handshake(memory)
    memory.wire.inbound += b"\x17\x03\x03\x00\x20" + b"\x00" * 32  # fails authentication
    assert tls.get_partial_data(10) == [Error.ERR_CONNECTION_ERROR, b""]
    assert tls.get_status() == S.STATUS_ERROR
    assert tls.get_session_error() == "DECRYPTION_FAILED_OR_BAD_RECORD_MAC"


def test_an_alert_after_the_handshake_is_kept_by_name(
    trust_tls_ca: str, memory_tls: MakeMemory, engine_log: LogLines
) -> None:
    memory = memory_tls()
    tls, _ = memory_handshake(memory)
    memory.wire.outbound += b"\x17\x03\x03\x00\x20" + b"\x00" * 32  # the server's turn to fail
    with pytest.raises(ssl.SSLError):
        memory.receive()
    memory.pump()  # its bad_record_mac alert
    assert tls.get_partial_data(10) == [Error.ERR_CONNECTION_ERROR, b""]
    assert tls.get_status() == S.STATUS_ERROR
    assert tls.get_session_error() == "SSLV3_ALERT_BAD_RECORD_MAC"
    assert engine_log.lines == []  # the caller (HTTPClient) reports it, naming the alert
    tls.disconnect_from_stream()
    assert tls.get_session_error() == ""


def test_a_broken_base_stream_is_a_connection_error(
    trust_tls_ca: str, memory_tls: MakeMemory
) -> None:
    memory = memory_tls()
    tls, _ = memory_handshake(memory)
    assert tls.get_partial_data(10) == [Error.OK, b""]  # takes the session tickets, if any
    memory.wire.broken = True
    assert tls.get_partial_data(10) == [Error.ERR_CONNECTION_ERROR, b""]
    assert tls.get_status() == S.STATUS_ERROR
    assert tls.put_partial_data(b"x") == [Error.ERR_CONNECTION_ERROR, 0]


def test_a_write_failure_returns_the_base_streams_error(
    trust_tls_ca: str, memory_tls: MakeMemory
) -> None:
    memory = memory_tls()
    tls, _ = memory_handshake(memory)
    assert tls.get_partial_data(10) == [Error.OK, b""]  # takes the session tickets, if any
    memory.wire.broken = True
    assert tls.put_partial_data(b"x") == [Error.FAILED, 0]
    assert tls.put_partial_data(b"y") == [Error.FAILED, 0]  # writes stay refused
    # As over TCP, the reading side is kept for what arrived before (an early reply); the
    # read that finds the stream broken ends the session.
    assert tls.get_status() == S.STATUS_CONNECTED
    assert tls.get_partial_data(10) == [Error.ERR_CONNECTION_ERROR, b""]
    assert tls.get_status() == S.STATUS_ERROR


def test_unsent_ciphertext_waits_and_is_flushed_later(
    trust_tls_ca: str, memory_tls: MakeMemory
) -> None:
    memory = memory_tls()
    tls, _ = memory_handshake(memory)
    memory.wire.capacity = 1000  # the base peer takes 1000 bytes, then is full
    payload = bytes(range(256)) * 1024  # 256 KiB
    err, accepted = tls.put_partial_data(payload)
    assert err == Error.OK
    assert 0 < accepted < len(payload)
    assert len(memory.wire.outbound) == 1000
    assert tls.put_partial_data(payload[accepted:]) == [Error.OK, 0]  # full: back-pressure
    received = bytearray()
    sent = accepted
    for _ in range(10_000):
        received += memory.receive()
        if len(received) == len(payload):
            break
        tls.poll()  # flushes held ciphertext
        err, more = tls.put_partial_data(payload[sent:])
        assert err == Error.OK
        sent += more
    assert received == payload


def test_sni_is_the_idna_name_without_one_trailing_dot(memory_tls: MakeMemory) -> None:
    memory = memory_tls()
    tls, _ = memory_handshake(memory, validate=False, host="Bücher.example.")
    assert tls.get_status() == S.STATUS_CONNECTED
    assert memory.sni == ["xn--bcher-kva.example"]
    assert tls.get_hostname() == "Bücher.example."


def test_a_trailing_dot_still_matches_the_certificate(
    trust_tls_ca: str, memory_tls: MakeMemory
) -> None:
    memory = memory_tls()
    tls, _ = memory_handshake(memory, host="localhost.")
    assert tls.get_status() == S.STATUS_CONNECTED
    assert memory.sni == ["localhost"]


@pytest.mark.parametrize("host", ["127.0.0.1", "::1", "[::1]"])
def test_no_sni_for_an_ip_literal_and_the_ip_san_is_checked(
    host: str, trust_tls_ca: str, memory_tls: MakeMemory
) -> None:
    memory = memory_tls()
    tls, _ = memory_handshake(memory, host=host)
    assert tls.get_status() == S.STATUS_CONNECTED
    assert memory.sni == [None]


@pytest.mark.parametrize(
    ("host", "reason"),
    [("example.org", "Hostname mismatch"), ("127.0.0.2", "IP address mismatch")],
)
def test_a_wrong_name_is_a_hostname_mismatch(
    host: str, reason: str, trust_tls_ca: str, memory_tls: MakeMemory, engine_log: LogLines
) -> None:
    memory = memory_tls()
    tls, started = memory_handshake(memory, host=host)
    assert tls.get_status() == S.STATUS_ERROR_HOSTNAME_MISMATCH
    assert started == Error.OK  # the failure came later, in poll
    assert len(engine_log.lines) == 1
    line = engine_log.lines[0]
    assert line.startswith(f'ERROR: poll: TLS handshake with "{host}" failed: ')
    assert reason in line
    assert tls.get_partial_data(1) == [Error.ERR_CONNECTION_ERROR, b""]


def test_an_untrusted_ca_is_an_error(memory_tls: MakeMemory, engine_log: LogLines) -> None:
    memory = memory_tls()  # the trust store is certifi's, which does not know the test CA
    tls, _ = memory_handshake(memory)
    assert tls.get_status() == S.STATUS_ERROR
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith(
        'ERROR: poll: TLS handshake with "localhost" failed: CERTIFICATE_VERIFY_FAILED: '
    )


def test_another_private_ca_is_not_trusted(
    net_settings: Setter, tmp_path: Path, memory_tls: MakeMemory
) -> None:
    other = trustme.CA()
    path = str(tmp_path / "other.pem")
    other.cert_pem.write_to_path(path)
    net_settings(settings.CERTIFICATES, path)
    tls, _ = memory_handshake(memory_tls())
    assert tls.get_status() == S.STATUS_ERROR


def test_validate_certs_false_accepts_an_untrusted_cert_for_another_name(
    memory_tls: MakeMemory, engine_log: LogLines
) -> None:
    memory = memory_tls()
    tls, started = memory_handshake(memory, validate=False, host="wrong.example")
    assert started == Error.OK
    assert tls.get_status() == S.STATUS_CONNECTED
    assert engine_log.lines == []  # HTTPClient logs the warning, not the peer


@pytest.mark.parametrize(
    ("content", "code"),
    [(None, Error.ERR_FILE_CANT_OPEN), (b"not a certificate\n", Error.ERR_FILE_CORRUPT)],
)
def test_an_unusable_certificates_file_fails_and_names_the_file(
    content: bytes | None,
    code: Error,
    tmp_path: Path,
    net_settings: Setter,
    memory_tls: MakeMemory,
    engine_log: LogLines,
) -> None:
    path = tmp_path / "bundle.pem"
    if content is not None:
        path.write_bytes(content)
    net_settings(settings.CERTIFICATES, str(path))
    memory = memory_tls()
    tls = StreamPeerSSL()
    assert tls.connect_to_stream(memory.wire, True, "localhost") == code
    assert tls.get_status() == S.STATUS_ERROR
    assert not memory.wire.outbound  # nothing was sent
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith(
        f'ERROR: connect_to_stream: Cannot load the trusted certificates from "{path}" '
        "(network/ssl/certificates): "
    )
    # Without verification the bundle is not needed, so it is not read.
    tls, _ = memory_handshake(memory_tls(), validate=False)
    assert tls.get_status() == S.STATUS_CONNECTED


def test_a_handshake_past_the_deadline_fails(
    net_settings: Setter, memory_tls: MakeMemory, engine_log: LogLines
) -> None:
    net_settings(settings.CONNECT_TIMEOUT, 0)
    memory = memory_tls()  # never pumped: the server stays silent
    tls = StreamPeerSSL()
    tls.set_blocking_handshake_enabled(False)
    assert tls.connect_to_stream(memory.wire, False, "localhost") == Error.FAILED
    assert tls.get_status() == S.STATUS_ERROR
    assert engine_log.lines == [
        'ERROR: connect_to_stream: TLS handshake with "localhost" failed: '
        "timed out after 0 s (network/limits/tcp/connect_timeout_seconds)"
    ]


def test_a_silent_server_keeps_the_handshake_pending_before_the_deadline(
    memory_tls: MakeMemory,
) -> None:
    memory = memory_tls()
    tls = StreamPeerSSL()
    tls.set_blocking_handshake_enabled(False)
    assert tls.connect_to_stream(memory.wire, False, "localhost") == Error.OK
    for _ in range(3):
        tls.poll()
        assert tls.get_status() == S.STATUS_HANDSHAKING


def test_eof_during_the_handshake_fails_it(memory_tls: MakeMemory, engine_log: LogLines) -> None:
    memory = memory_tls()
    tls = StreamPeerSSL()
    tls.set_blocking_handshake_enabled(False)
    assert tls.connect_to_stream(memory.wire, False, "localhost") == Error.OK
    memory.wire.closed = True
    tls.poll()
    assert tls.get_status() == S.STATUS_ERROR
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith('ERROR: poll: TLS handshake with "localhost" failed: ')


@pytest.mark.filterwarnings("ignore:ssl.TLSVersion.TLSv1_1 is deprecated:DeprecationWarning")
def test_a_server_without_tls_1_2_is_refused(
    tls_server_cert: trustme.LeafCert, engine_log: LogLines
) -> None:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls_server_cert.configure_cert(context)
    context.set_ciphers("DEFAULT:@SECLEVEL=0")  # let OpenSSL 3 speak TLS 1.1 at all
    context.minimum_version = ssl.TLSVersion.MINIMUM_SUPPORTED
    context.maximum_version = ssl.TLSVersion.TLSv1_1
    memory = MemoryTLSServer(context, WirePeer())
    tls, _ = memory_handshake(memory, validate=False)
    assert tls.get_status() == S.STATUS_ERROR
    assert len(engine_log.lines) == 1
    assert "PROTOCOL_VERSION" in engine_log.lines[0]


def test_disconnect_sends_close_notify_and_forgets_the_stream(
    trust_tls_ca: str, memory_tls: MakeMemory
) -> None:
    memory = memory_tls()
    tls, _ = memory_handshake(memory)
    tls.disconnect_from_stream()
    assert tls.get_status() == S.STATUS_DISCONNECTED
    assert tls.get_stream() is None
    assert tls.get_hostname() == ""
    assert tls.fileno() == -1
    memory.pump()
    assert reads_clean_close(memory.tls)
    assert tls.get_partial_data(1) == [Error.ERR_UNCONFIGURED, b""]


def test_tls_inside_tls(
    trust_tls_ca: str, memory_tls: MakeMemory, tls_server_context: ssl.SSLContext
) -> None:
    outer_server = memory_tls()
    outer, _ = memory_handshake(outer_server)
    inner_in, inner_out = ssl.MemoryBIO(), ssl.MemoryBIO()
    inner_server = tls_server_context.wrap_bio(inner_in, inner_out, server_side=True)

    def shuttle() -> None:
        """The inner server's ciphertext rides as plaintext of the outer session."""
        inner_in.write(outer_server.receive())
        with contextlib.suppress(ssl.SSLWantReadError):
            inner_server.do_handshake()
        outer_server.send(inner_out.read())

    inner = StreamPeerSSL()
    inner.set_blocking_handshake_enabled(False)
    assert inner.connect_to_stream(outer, True, "localhost") == Error.OK
    for _ in range(10):
        shuttle()
        if inner.get_status() != S.STATUS_HANDSHAKING:
            break
        inner.poll()
    assert inner.get_status() == S.STATUS_CONNECTED
    assert inner.get_stream() is outer
    assert inner.put_data(b"hi") == Error.OK
    shuttle()
    assert inner_server.read(2) == b"hi"
    inner_server.write(b"yo")
    shuttle()
    got = b""
    for _ in range(5):  # session tickets of both sessions come first
        err, got = inner.get_partial_data(2)
        assert err == Error.OK
        if got:
            break
    assert got == b"yo"
    inner.disconnect_from_stream()  # closes the outer session too
    assert outer.get_status() == S.STATUS_DISCONNECTED
    inner_in.write(outer_server.receive())  # the inner close_notify, then the outer one
    assert outer_server.client_closed
    assert reads_clean_close(inner_server)


# --- misuse ----------------------------------------------------------------------------------


def test_connect_to_stream_without_a_stream(engine_log: LogLines) -> None:
    tls = StreamPeerSSL()
    assert tls.connect_to_stream(None) == Error.ERR_INVALID_PARAMETER
    assert tls.call("connect_to_stream", None) == Error.ERR_INVALID_PARAMETER
    line = (
        'ERROR: connect_to_stream: Condition "p_base.is_null()" is true. '
        "Returned: ERR_INVALID_PARAMETER"
    )
    assert engine_log.lines == [line, line]
    assert tls.get_status() == S.STATUS_DISCONNECTED


def test_validating_needs_a_host_name(engine_log: LogLines) -> None:
    tls = StreamPeerSSL()
    assert tls.connect_to_stream(WirePeer(), True) == Error.ERR_INVALID_PARAMETER
    assert engine_log.lines == [
        'ERROR: connect_to_stream: Condition "p_validate_certs && p_for_hostname.empty()" '
        "is true. Returned: ERR_INVALID_PARAMETER"
    ]


def test_a_name_idna_cannot_encode_is_refused(engine_log: LogLines) -> None:
    tls = StreamPeerSSL()
    assert tls.connect_to_stream(WirePeer(), False, "a..b") == Error.ERR_INVALID_PARAMETER
    assert engine_log.lines == ['ERROR: connect_to_stream: Invalid host name "a..b" (IDNA).']


def test_an_idle_peer_refuses_poll_and_data(engine_log: LogLines) -> None:
    tls = StreamPeerSSL()
    assert tls.get_status() == S.STATUS_DISCONNECTED
    tls.poll()
    assert engine_log.lines == [
        'ERROR: poll: Condition "status != STATUS_CONNECTED && status != STATUS_HANDSHAKING" '
        "is true."
    ]
    assert tls.get_partial_data(1) == [Error.ERR_UNCONFIGURED, b""]
    assert tls.put_partial_data(b"x") == [Error.ERR_UNCONFIGURED, 0]
    assert tls.get_available_bytes() == 0
    assert tls.fileno() == -1


# --- over real sockets -----------------------------------------------------------------------


def test_blocking_handshake_over_a_socket_pair(trust_tls_ca: str, tls_server: StartServer) -> None:
    mine, theirs = socket.socketpair()
    server = tls_server(echo_then(close_notify), sock=theirs)
    tls = StreamPeerSSL()
    assert tls.connect_to_stream(StreamPeerTCP.from_socket(mine), True, "localhost") == Error.OK
    assert tls.get_status() == S.STATUS_CONNECTED
    assert tls.put_data(b"ping") == Error.OK
    assert receive(tls, 4) == (Error.OK, b"pong")
    assert receive(tls, 1) == (Error.ERR_FILE_EOF, b"")
    tls.disconnect_from_stream()
    server.join()
    assert server.alpn == ["http/1.1"]
    assert server.sni == ["localhost"]


def test_a_connect_timeout_of_thirty_days_is_just_long(
    trust_tls_ca: str,
    tls_server: StartServer,
    net_settings: Callable[[str, str | int], None],
) -> None:
    """The blocking handshake waits up to its deadline: a limit beyond what one poll(2) wait
    can last (about 24.8 days) must not overflow it."""
    net_settings(settings.CONNECT_TIMEOUT, 30 * 24 * 3600)
    mine, theirs = socket.socketpair()
    server = tls_server(echo_then(close_notify), sock=theirs)
    tls = StreamPeerSSL()
    assert tls.connect_to_stream(StreamPeerTCP.from_socket(mine), True, "localhost") == Error.OK
    assert tls.get_status() == S.STATUS_CONNECTED
    assert tls.put_data(b"ping") == Error.OK
    assert receive(tls, 4) == (Error.OK, b"pong")
    tls.disconnect_from_stream()
    server.join()


def test_a_ragged_close_over_tcp_is_a_connection_error(
    trust_tls_ca: str, tls_server: StartServer, tcp_listener: Callable[..., socket.socket]
) -> None:
    listener = tcp_listener()
    server = tls_server(echo_then(lambda conn: conn.close()), listener=listener)
    tcp = StreamPeerTCP()
    assert tcp.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
    tls = StreamPeerSSL()
    assert tls.connect_to_stream(tcp, True, "localhost") == Error.OK  # blocking: waits for TCP
    assert tls.put_data(b"ping") == Error.OK
    assert receive(tls, 4) == (Error.OK, b"pong")
    assert receive(tls, 1) == (Error.ERR_CONNECTION_ERROR, b"")
    assert tls.get_status() == S.STATUS_ERROR
    tls.disconnect_from_stream()
    assert tcp.get_status() == StreamPeerTCP.Status.STATUS_NONE
    server.join()


def test_non_blocking_handshake_over_loopback_tcp(
    loopback_host: str,
    trust_tls_ca: str,
    tls_server: StartServer,
    tcp_listener: Callable[..., socket.socket],
) -> None:
    listener = tcp_listener(loopback_host)
    closed: list[bytes] = []
    server = tls_server(lambda conn: closed.append(conn.recv(1)), listener=listener)
    tcp = StreamPeerTCP()
    assert tcp.connect_to_host(loopback_host, listener.getsockname()[1]) == Error.OK
    while tcp.get_status() == StreamPeerTCP.Status.STATUS_CONNECTING:
        wait_fd(tcp.fileno(), writable=True)
    tls = StreamPeerSSL()
    tls.blocking_handshake = False  # type: ignore[attr-defined]
    assert tls.connect_to_stream(tcp, True, loopback_host) == Error.OK
    assert drive(tls) == S.STATUS_CONNECTED
    tls.disconnect_from_stream()  # close_notify, then the TCP connection closes
    assert tcp.get_status() == StreamPeerTCP.Status.STATUS_NONE
    server.join()
    assert closed == [b""]  # the server read a clean close
    assert server.sni == [None]
    assert server.alpn == ["http/1.1"]


def test_a_blocking_handshake_past_the_deadline_fails(net_settings: Setter) -> None:
    net_settings(settings.CONNECT_TIMEOUT, 0)
    mine, theirs = socket.socketpair()  # nobody answers on the other end
    theirs.settimeout(SAFETY_TIMEOUT)
    tls = StreamPeerSSL()
    assert tls.connect_to_stream(StreamPeerTCP.from_socket(mine), False, "localhost") == (
        Error.FAILED
    )
    assert tls.get_status() == S.STATUS_ERROR
    assert theirs.recv(5)[:1] == b"\x16"  # a ClientHello was sent before the deadline hit
    tls.disconnect_from_stream()
    theirs.close()


def test_a_plain_http_server_fails_the_handshake(engine_log: LogLines) -> None:
    mine, theirs = socket.socketpair()
    theirs.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    tls = StreamPeerSSL()
    assert tls.connect_to_stream(StreamPeerTCP.from_socket(mine), False, "localhost") == (
        Error.FAILED
    )
    assert tls.get_status() == S.STATUS_ERROR
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith(
        'ERROR: connect_to_stream: TLS handshake with "localhost" failed: '
    )
    assert "base stream" not in engine_log.lines[0]  # ssl itself refused the reply
    tls.disconnect_from_stream()
    theirs.close()


def test_a_peer_cannot_run_over_itself(engine_log: LogLines) -> None:
    """A TLS peer over itself, or two over each other, made a cycle: fileno() recursed
    without end and a client's error check looped forever (found attacking issue 12)."""
    first, second = StreamPeerSSL(), StreamPeerSSL()
    first.set_blocking_handshake_enabled(False)
    assert first.connect_to_stream(first, False, "") == Error.ERR_INVALID_PARAMETER
    assert first.get_stream() is None
    assert first.connect_to_stream(second, False, "") == Error.FAILED  # second is idle
    engine_log.clear()
    assert second.connect_to_stream(first, False, "") == Error.ERR_INVALID_PARAMETER
    assert second.get_stream() is None
    assert first.fileno() == -1
    assert engine_log.lines == [
        'ERROR: connect_to_stream: Condition "p_base runs over this peer" is true. '
        "Returned: ERR_INVALID_PARAMETER"
    ]


def test_poll_after_a_refused_write_keeps_what_arrived_readable(
    trust_tls_ca: str, tls_server: StartServer
) -> None:
    """An engine user polls its StreamPeerSSL every frame: after the server answered early
    and reset (so writes fail), poll must not throw away the session's reading side, which
    still holds the answer."""
    mine, theirs = socket.socketpair()

    def answer_then_reset(conn: ssl.SSLSocket) -> None:
        conn.sendall(b"early")
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))

    server = tls_server(answer_then_reset, sock=theirs)
    tls = StreamPeerSSL()
    assert tls.connect_to_stream(StreamPeerTCP.from_socket(mine), True, "localhost") == Error.OK
    server.join()  # answered and reset
    for _ in range(1000):  # the reset reaches the socket: a write fails
        error, _sent = tls.put_partial_data(b"x" * 65536)
        if error != Error.OK:
            break
        wait_fd(mine, writable=True)
    assert error == Error.FAILED
    tls.poll()
    assert receive(tls, 5) == (Error.OK, b"early")
