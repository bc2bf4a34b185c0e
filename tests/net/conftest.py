"""Fixtures for the transport tests: settings, loopback sockets, certificates, TLS servers.

Everything here is real: sockets on loopback, ``ssl`` server endpoints with trustme
certificates. Waiting is done with selectors and events under a generous safety timeout that
fails the test; nothing sleeps. The helpers (``wait_fd``, ``receive``, ``TLSServer``,
``WirePeer``, ...) are imported by the tests of this directory with ``from conftest import``;
the HTTP client tests may reuse all of it.
"""

from __future__ import annotations

import contextlib
import selectors
import socket
import ssl
import threading
from collections.abc import Callable, Iterator

import pytest
import trustme
from request_support import Harness

from engine.object_model import Error, MessageQueue
from engine.scene import SceneTree
from net import settings
from net.stream_peer import StreamPeer
from support import RawServer

#: Seconds a test waits for something that should happen at once before it fails.
SAFETY_TIMEOUT = 10.0


# --- waiting ---------------------------------------------------------------------------------


def wait_fd(
    fd: int | socket.socket, writable: bool = False, timeout: float = SAFETY_TIMEOUT
) -> None:
    """Wait until ``fd`` is readable (or writable); fail the test after ``timeout`` seconds."""
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_WRITE if writable else selectors.EVENT_READ)
        if not selector.select(timeout):
            pytest.fail(f"fd {fd} not {'writable' if writable else 'readable'} in {timeout} s")


def receive(peer: StreamPeer, size: int) -> tuple[Error, bytes]:
    """Read ``size`` bytes from a socket-backed peer with partial reads, waiting in between.

    Stops early at the first error and returns it with the bytes read so far.
    """
    got = bytearray()
    while len(got) < size:
        err, chunk = peer.get_partial_data(size - len(got))
        got += chunk
        if err != Error.OK:
            return err, bytes(got)
        if not chunk:
            wait_fd(peer.fileno())
    return Error.OK, bytes(got)


def recv_exactly(sock: socket.socket, size: int) -> bytes:
    """Blocking read of ``size`` bytes from a plain or TLS server socket (short on EOF)."""
    got = bytearray()
    while len(got) < size:
        chunk = sock.recv(size - len(got))
        if not chunk:
            break
        got += chunk
    return bytes(got)


# --- settings --------------------------------------------------------------------------------


@pytest.fixture
def net_settings() -> Iterator[Callable[[str, str | int], None]]:
    """A setter for ``net.settings``; every setting is put back as it was after the test."""
    saved = {name: settings.get_setting(name) for name in settings.DEFAULTS}
    yield settings.set_setting
    for name, value in saved.items():
        settings.set_setting(name, value)


# --- plain sockets ---------------------------------------------------------------------------


def ipv6_loopback_available() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@pytest.fixture(params=["127.0.0.1", "::1"])
def loopback_host(request: pytest.FixtureRequest) -> str:
    """Each loopback address; ``::1`` is skipped where it cannot be bound."""
    host: str = request.param
    if host == "::1" and not ipv6_loopback_available():
        pytest.skip("::1 cannot be bound here")
    return host


@pytest.fixture
def tcp_listener() -> Iterator[Callable[..., socket.socket]]:
    """A factory of listening sockets on loopback (port 0); all closed after the test."""
    made: list[socket.socket] = []

    def listen(host: str = "127.0.0.1", backlog: int = 8) -> socket.socket:
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        sock = socket.socket(family, socket.SOCK_STREAM)
        made.append(sock)
        sock.bind((host, 0))
        sock.listen(backlog)
        return sock

    yield listen
    for sock in made:
        sock.close()


def accept(listener: socket.socket) -> socket.socket:
    """Accept one connection, failing the test if none arrives in time."""
    wait_fd(listener)
    conn, _ = listener.accept()
    conn.settimeout(SAFETY_TIMEOUT)
    return conn


# --- certificates ----------------------------------------------------------------------------


@pytest.fixture(scope="session")
def tls_ca() -> trustme.CA:
    """A private CA that certifi does not know."""
    return trustme.CA()


@pytest.fixture(scope="session")
def tls_server_cert(tls_ca: trustme.CA) -> trustme.LeafCert:
    """A server certificate for ``localhost``, ``127.0.0.1`` and ``::1``."""
    return tls_ca.issue_cert("localhost", "127.0.0.1", "::1")


@pytest.fixture
def tls_server_context(tls_server_cert: trustme.LeafCert) -> ssl.SSLContext:
    """A fresh server context with that certificate and ALPN ``http/1.1``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    tls_server_cert.configure_cert(context)
    context.set_alpn_protocols(["http/1.1"])
    return context


@pytest.fixture
def ca_bundle_path(tmp_path_factory: pytest.TempPathFactory, tls_ca: trustme.CA) -> str:
    """The CA certificate as a PEM file."""
    path = tmp_path_factory.mktemp("trust") / "ca.pem"
    tls_ca.cert_pem.write_to_path(str(path))
    return str(path)


@pytest.fixture
def trust_tls_ca(net_settings: Callable[[str, str | int], None], ca_bundle_path: str) -> str:
    """Make the test CA the only trusted one (``network/ssl/certificates``) for the test."""
    net_settings(settings.CERTIFICATES, ca_bundle_path)
    return ca_bundle_path


# --- a TLS server on a real socket ------------------------------------------------------------


def close_notify(conn: ssl.SSLSocket) -> None:
    """Send close_notify, then close the socket without waiting for the client's reply.

    ``unwrap`` sends the alert, then tries to read the client's: on the non-blocking socket
    that ends in ``SSLWantReadError``, or in an EOF error if the client closed first.
    """
    conn.setblocking(False)
    with contextlib.suppress(ssl.SSLError, OSError):
        conn.unwrap()
    conn.close()


class TLSServer:
    """A one-thread TLS server over a loopback listener or one end of a socket pair.

    Each connection is wrapped with ``context``, handshaken, then handed to ``handler``; the
    handler decides how the connection ends (``close_notify`` for a clean close, ``close()``
    for a ragged one). The server records the SNI names and ALPN choices it saw and the
    handshake errors; any other exception is kept and re-raised by ``join``. Every blocking
    call has a timeout, so the thread always ends by itself.
    """

    def __init__(
        self,
        context: ssl.SSLContext,
        handler: Callable[[ssl.SSLSocket], None] | None = None,
        *,
        listener: socket.socket | None = None,
        sock: socket.socket | None = None,
        connections: int = 1,
    ) -> None:
        self.context = context
        self.handler = handler
        self.listener = listener
        self.sock = sock
        self.connections = connections
        self.sni: list[str | None] = []
        self.alpn: list[str | None] = []
        self.handshake_errors: list[BaseException] = []
        self.errors: list[BaseException] = []
        self.handshaken = threading.Event()
        context.sni_callback = self._on_sni
        self._thread = threading.Thread(target=self._run, daemon=True)

    @property
    def address(self) -> tuple[str, int]:
        assert self.listener is not None
        host, port = self.listener.getsockname()[:2]
        return str(host), int(port)

    def _on_sni(self, _obj: ssl.SSLObject, name: str | None, _ctx: ssl.SSLContext) -> None:
        self.sni.append(name)

    def start(self) -> TLSServer:
        self._thread.start()
        return self

    def _next_socket(self) -> socket.socket:
        if self.sock is not None:
            sock, self.sock = self.sock, None
            return sock
        assert self.listener is not None
        self.listener.settimeout(SAFETY_TIMEOUT)
        return self.listener.accept()[0]

    def _run(self) -> None:
        try:
            for _ in range(self.connections):
                raw = self._next_socket()
                raw.settimeout(SAFETY_TIMEOUT)
                conn = self.context.wrap_socket(
                    raw,
                    server_side=True,
                    do_handshake_on_connect=False,
                    suppress_ragged_eofs=False,  # a ragged EOF raises instead of reading b""
                )
                with conn:
                    try:
                        conn.do_handshake()
                    except (ssl.SSLError, OSError) as exc:
                        self.handshake_errors.append(exc)
                        continue
                    finally:
                        self.handshaken.set()
                    self.alpn.append(conn.selected_alpn_protocol())
                    if self.handler is not None:
                        self.handler(conn)
        except BaseException as exc:  # reported by join()
            self.errors.append(exc)
        finally:
            if self.sock is not None:
                self.sock.close()

    def join(self) -> None:
        self._thread.join(SAFETY_TIMEOUT)
        assert not self._thread.is_alive(), "the TLS server thread did not finish"
        if self.errors:
            raise self.errors[0]


@pytest.fixture
def tls_server(tls_server_context: ssl.SSLContext) -> Iterator[Callable[..., TLSServer]]:
    """A factory of started ``TLSServer``s (``tls_server_context`` unless given); joined after."""
    servers: list[TLSServer] = []

    def start(
        handler: Callable[[ssl.SSLSocket], None] | None = None,
        *,
        context: ssl.SSLContext | None = None,
        listener: socket.socket | None = None,
        sock: socket.socket | None = None,
        connections: int = 1,
    ) -> TLSServer:
        server = TLSServer(
            context or tls_server_context,
            handler,
            listener=listener,
            sock=sock,
            connections=connections,
        )
        servers.append(server.start())
        return server

    yield start
    for server in servers:
        server.join()


# --- TLS in memory -----------------------------------------------------------------------------


class WirePeer(StreamPeer):
    """The client's end of an in-memory link (a test peer, not registered).

    Reads take from ``inbound``; writes land in ``outbound`` (at most ``capacity`` bytes held
    when set). ``closed`` gives EOF once ``inbound`` is drained, ``broken`` a connection error.
    """

    def __init__(self) -> None:
        super().__init__()
        self.inbound = bytearray()
        self.outbound = bytearray()
        self.capacity: int | None = None
        self.closed = False
        self.broken = False

    def _read(self, size: int) -> tuple[Error, bytes]:
        if self.inbound:
            chunk = bytes(self.inbound[:size])
            del self.inbound[:size]
            return Error.OK, chunk
        if self.broken:
            return Error.ERR_CONNECTION_ERROR, b""
        return (Error.ERR_FILE_EOF if self.closed else Error.OK), b""

    def _write(self, data: bytes | memoryview) -> tuple[Error, int]:
        if self.broken:
            return Error.FAILED, 0
        room = len(data) if self.capacity is None else self.capacity - len(self.outbound)
        taken = max(0, min(room, len(data)))
        self.outbound += data[:taken]
        return Error.OK, taken

    def _available(self) -> int:
        return len(self.inbound)


class MemoryTLSServer:
    """The server side of a TLS session over a ``WirePeer``, moved by hand with ``pump``."""

    def __init__(self, context: ssl.SSLContext, wire: WirePeer) -> None:
        self.wire = wire
        self.sni: list[str | None] = []
        self._in = ssl.MemoryBIO()
        self._out = ssl.MemoryBIO()
        context.sni_callback = lambda _obj, name, _ctx: self.sni.append(name)
        self.tls = context.wrap_bio(self._in, self._out, server_side=True)
        self.handshaken = False
        self.handshake_error: ssl.SSLError | None = None
        self.client_closed = False

    def pump(self) -> None:
        """Take the client's ciphertext, advance the handshake, hand back the replies."""
        self._in.write(bytes(self.wire.outbound))
        self.wire.outbound.clear()
        if not self.handshaken and self.handshake_error is None:
            try:
                self.tls.do_handshake()
                self.handshaken = True
            except ssl.SSLWantReadError:
                pass
            except ssl.SSLError as exc:
                self.handshake_error = exc
        self._send_out()

    def _send_out(self) -> None:
        self.wire.inbound += self._out.read()

    def send(self, data: bytes) -> None:
        self.tls.write(data)
        self._send_out()

    def receive(self) -> bytes:
        """All plaintext the client has sent so far; ``client_closed`` tells of a close_notify."""
        self.pump()
        got = bytearray()
        while not self.client_closed:
            try:
                chunk = self.tls.read(1 << 16)
            except ssl.SSLWantReadError:
                break
            except ssl.SSLZeroReturnError:
                chunk = b""
            self.client_closed = not chunk
            got += chunk
        return bytes(got)

    def close_notify(self) -> None:
        with contextlib.suppress(ssl.SSLWantReadError):
            self.tls.unwrap()
        self._send_out()


@pytest.fixture
def memory_tls(tls_server_context: ssl.SSLContext) -> Callable[[], MemoryTLSServer]:
    """A factory of ``MemoryTLSServer``s, each over its own new ``WirePeer``."""

    def make() -> MemoryTLSServer:
        return MemoryTLSServer(tls_server_context, WirePeer())

    return make


# --- HTTPRequest nodes in a tree (test_http_request_*.py) --------------------------------


@pytest.fixture
def tree(raw_server: Callable[..., RawServer]) -> Iterator[SceneTree]:
    """A tree torn down before the raw servers, so they see their connections close."""
    made = SceneTree()
    made.init()
    yield made
    made.finish()
    made.free()
    MessageQueue.flush()


@pytest.fixture(params=[False, True], ids=["frames", "threads"])
def harness(request: pytest.FixtureRequest, tree: SceneTree) -> Harness:
    """Each test twice: the node polled by the tree's frames, and driven by a worker thread."""
    return Harness(tree, threads=request.param)


@pytest.fixture
def frames(tree: SceneTree) -> Harness:
    return Harness(tree)
