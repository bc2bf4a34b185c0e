"""``StreamPeerTCP``: a non-blocking TCP stream with the engine's status model.

Owns one socket from connect (or adoption) to close, the connect deadline, and the mapping of
socket outcomes to engine ``Error`` codes. Imports ``engine.object_model``, ``net.stream_peer``,
``net.settings`` and the standard library (``socket``, ``select``, ``fcntl``/``termios``).

Why it is shaped this way:
- The socket is non-blocking from birth. ``connect_to_host`` starts the connect; ``get_status``
  finishes it by asking, without waiting, whether the socket became writable and
  what ``SO_ERROR`` says. A connect still pending when the deadline passes (read from
  ``network/limits/tcp/connect_timeout_seconds`` when the connect starts, monotonic clock)
  fails. Completion is checked before the deadline, so a late status check never fails a
  connect that has already succeeded.
- As in the engine, ``get_status`` on a connected peer notices an orderly close (nothing
  buffered, peer sent FIN) or a reset, and the peer then releases its socket. The outcome stays
  readable: later reads return ``ERR_FILE_EOF`` after an orderly close and
  ``ERR_CONNECTION_ERROR`` after a failure.
- Engine-API misuse logs one line on ``net.tcp`` and returns a code; network outcomes (refused,
  timed out, name not found) are not misuse and are logged at DEBUG only.
"""

from __future__ import annotations

import errno
import logging
import select
import socket
import sys
import time
from enum import IntEnum
from typing import Annotated, Any, ClassVar, Final

from engine.object_model import ClassDB, Error
from engine.object_model.errors import fail_cond
from engine.object_model.object import NOTIFICATION_PREDELETE

from . import settings
from .stream_peer import HAS_POLL, LONGEST_WAIT, StreamPeer, wait_for

if sys.platform != "win32":
    import fcntl
    import termios

logger: Final = logging.getLogger("net.tcp")

#: ``connect_ex`` answers meaning "the connect has started and goes on in the background".
_IN_PROGRESS: Final = frozenset({0, errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EALREADY})
#: ``send`` flags: no SIGPIPE where the platform allows asking (Python ignores it anyway).
_SEND_FLAGS: Final = getattr(socket, "MSG_NOSIGNAL", 0)
_INET: Final = (socket.AF_INET, socket.AF_INET6)
#: ``poll(2)`` flags that mean a socket failed or both directions ended.
_TROUBLE: Final = (select.POLLERR | select.POLLHUP | select.POLLNVAL) if HAS_POLL else 0


def _writable_now(sock: socket.socket) -> bool:
    """Whether ``sock`` reports writable or failed right now (no waiting)."""
    if HAS_POLL:
        poller = select.poll()
        poller.register(sock, select.POLLOUT)
        return bool(poller.poll(0))
    _, writable, failed = select.select([], [sock], [sock], 0)
    return bool(writable or failed)


class StreamPeerTCP(StreamPeer):
    """A TCP connection: non-blocking connect, status, reads and writes that never block.

    [method connect_to_host] starts a connect and returns at once; [method get_status] finishes it
    and later notices when the peer closes the connection or it breaks. Nagle's algorithm is off by
    default (see [method set_no_delay]), which suits request and response traffic.
    """

    class Status(IntEnum):
        STATUS_NONE = 0
        STATUS_CONNECTING = 1
        STATUS_CONNECTED = 2
        STATUS_ERROR = 3

    #: One short description per bound constant, for the generated class reference.
    _constant_docs: ClassVar[dict[str, str]] = {
        "STATUS_NONE": "Not connected: at first, after a disconnect or the peer's orderly close.",
        "STATUS_CONNECTING": "A connect is under way; [method get_status] finishes it.",
        "STATUS_CONNECTED": "Connected: data can move both ways.",
        "STATUS_ERROR": "The connect failed or timed out, or the connection broke.",
    }

    def __init__(self) -> None:
        super().__init__()
        self._sock: socket.socket | None = None
        # For _ready_within, by "writable": made once connected, dropped with the socket.
        self._pollers: list[select.poll | None] = [None, None]
        # Whether a read would likely find nothing (the last one came up short, or we just
        # sent): then a zero-timeout poll comes first, as a recv that finds nothing raises.
        # A look that finds nothing clears it: a caller told "nothing yet" usually waits before
        # asking again; a recv that then finds nothing sets it (a caller that spins alternates).
        self._drained = True
        # Whether the first read after the last send found the answer there: a caller that
        # reads only when its selector says so always does, and skips that poll; one that
        # reads right after sending does not, and keeps it.
        self._answered = False
        self._sent = False  # sent since the last read
        self._status = _Status.STATUS_NONE
        self._host = ""
        self._port = 0
        self._deadline = 0.0
        self._no_delay = True
        self._ended = False  # the last connection ended with an orderly close
        self._send_failed = False  # sending broke; the socket stays open for what was received

    @classmethod
    def from_socket(cls, sock: socket.socket) -> StreamPeerTCP:
        """Python-only: a connected peer that owns ``sock`` (made non-blocking).

        ``sock`` must be a connected stream socket (TCP, or one end of ``socket.socketpair()``);
        anything else raises ``ValueError``.
        """
        if sock.type != socket.SOCK_STREAM or sock.fileno() < 0:
            raise ValueError("from_socket needs an open, connected stream socket")
        try:
            address = sock.getpeername()
        except OSError as exc:
            raise ValueError(f"from_socket needs a connected socket: {exc}") from None
        peer = cls()
        sock.setblocking(False)
        peer._sock = sock
        peer._status = _Status.STATUS_CONNECTED
        if sock.family in _INET:
            peer._host, peer._port = str(address[0]), int(address[1])
        peer._apply_no_delay()
        return peer

    # --- the engine's API ---

    def connect_to_host(self, host: str, port: int) -> Error:
        """Start connecting to [code]host[/code] on [code]port[/code]. An IP address is used as is;
        a host name is resolved first, which blocks the caller ([IP] resolves without blocking).
        Returns [constant OK] when the connect has started (status [constant STATUS_CONNECTING], or
        [constant STATUS_CONNECTED] at once), [constant ERR_ALREADY_IN_USE] while a connection is
        open, [constant ERR_INVALID_PARAMETER] for an empty host or a port outside 1 to 65535,
        [constant ERR_CANT_RESOLVE] when the name does not resolve, and [constant FAILED] when the
        connect cannot start.
        """
        if self._sock is not None:
            fail_cond("connect_to_host", "_sock->is_open()", Error.ERR_ALREADY_IN_USE, log=logger)
            return Error.ERR_ALREADY_IN_USE
        if not host:
            fail_cond(
                "connect_to_host", "!p_host.is_valid()", Error.ERR_INVALID_PARAMETER, log=logger
            )
            return Error.ERR_INVALID_PARAMETER
        if port < 1 or port > 65535:
            fail_cond(
                "connect_to_host",
                "p_port < 1 || p_port > 65535",
                Error.ERR_INVALID_PARAMETER,
                log=logger,
            )
            return Error.ERR_INVALID_PARAMETER
        self._drop(_Status.STATUS_NONE, forget=True)  # a fresh start
        self._ended = False
        try:
            address = self._resolve(host, port)
        except (OSError, UnicodeError, ValueError) as exc:
            logger.debug("connect_to_host: cannot resolve %r: %s", host, exc)
            return Error.ERR_CANT_RESOLVE
        family, sockaddr = address
        try:
            sock = socket.socket(family, socket.SOCK_STREAM)
        except OSError as exc:
            logger.debug("connect_to_host: cannot create a socket for %s: %s", sockaddr[0], exc)
            self._status = _Status.STATUS_ERROR
            return Error.FAILED
        sock.setblocking(False)
        self._sock, self._pollers = sock, [None, None]
        self._host, self._port = str(sockaddr[0]), port
        self._apply_no_delay()
        code = sock.connect_ex(sockaddr)
        if code not in _IN_PROGRESS:
            logger.debug("connect to %s port %d failed: %s", self._host, port, _describe(code))
            self._drop(_Status.STATUS_ERROR)
            return Error.FAILED
        self._deadline = time.monotonic() + settings.get_int(settings.CONNECT_TIMEOUT)
        connected = code == 0
        self._status = _Status.STATUS_CONNECTED if connected else _Status.STATUS_CONNECTING
        return Error.OK

    def is_connected_to_host(self) -> bool:
        """Returns [code]true[/code] while the status is [constant STATUS_CONNECTED]."""
        return self._status == _Status.STATUS_CONNECTED

    def get_status(self) -> Annotated[int, Status]:
        """Returns the status, a [enum Status] constant, after one non-blocking step: a pending
        connect is finished (or failed once the
        [code]network/limits/tcp/connect_timeout_seconds[/code] setting has passed), and a live
        connection is checked for the peer's close or a failure.
        """
        self._update()
        return int(self._status)

    def get_connected_host(self) -> str:
        """Returns the address of the peer, or an empty string; it stays readable after the
        connection ends, until [method disconnect_from_host].
        """
        return self._host

    def get_connected_port(self) -> int:
        """Returns the port of the peer, or 0; it stays readable after the connection ends, until
        [method disconnect_from_host].
        """
        return self._port

    def disconnect_from_host(self) -> None:
        """Close the socket (if any) and return to [constant STATUS_NONE]."""
        self._ended = False
        self._drop(_Status.STATUS_NONE, forget=True)

    def set_no_delay(self, enabled: bool) -> None:
        """Turn Nagle's algorithm off ([code]true[/code], the default here) or on. Small writes then
        go out at once instead of being held back to be merged; the choice is kept for later
        connections.
        """
        self._no_delay = bool(enabled)
        self._apply_no_delay()

    # --- the transport primitives (Python-only) ---

    def fileno(self) -> int:
        return self._sock.fileno() if self._sock is not None else -1

    def _write(self, data: bytes | memoryview) -> tuple[Error, int]:
        """``(OK, sent)`` (0 while the socket is full); ``(FAILED, 0)`` if unconnected or broken."""
        sock = self._live_socket()
        if sock is None:
            return (_OK if self._connecting() else Error.FAILED), 0
        if self._send_failed:
            return Error.FAILED, 0
        if not data:
            return _OK, 0
        try:
            sent = sock.send(data, _SEND_FLAGS)
            self._drained = self._sent = True  # an answer to what was sent takes a round trip
            return _OK, sent
        except (BlockingIOError, InterruptedError):
            return _OK, 0
        except OSError as exc:
            # A server may answer early (a 413, say) and reset while we still send: keep the
            # socket so that answer can still be read; reads report the reset after it.
            logger.debug("send on %s port %d failed: %s", self._host, self._port, exc)
            self._send_failed = True
            return Error.FAILED, 0

    def _read(self, size: int) -> tuple[Error, bytes]:
        """``(OK, data)``, ``(OK, b"")`` for nothing yet (or a pending connect), ``ERR_FILE_EOF``
        after the peer's FIN, ``ERR_CONNECTION_ERROR`` after a reset, ``FAILED`` unconnected."""
        sock = self._live_socket()
        if sock is None:
            return self._closed_read(), b""
        if size <= 0:
            return _OK, b""
        first, self._sent = self._sent, False
        if self._drained and not (first and self._answered):
            ready = self._ready_within(False, 0.0)
            if first:
                self._answered = ready
            if not ready:
                self._drained = False
                return _OK, b""
        try:
            data = sock.recv(size)
        except (BlockingIOError, InterruptedError):
            self._drained = True
            self._answered = False
            return _OK, b""
        except OSError as exc:
            self._fail("recv", exc)
            return Error.ERR_CONNECTION_ERROR, b""
        if not data:
            return self._end(), b""
        self._drained = len(data) < size
        return _OK, data

    def _available(self) -> int:
        sock = self._sock
        if sock is None or self._status != _Status.STATUS_CONNECTED:
            return 0
        try:
            if sys.platform != "win32":
                buffer = bytearray(4)
                fcntl.ioctl(sock.fileno(), termios.FIONREAD, buffer)
                return int.from_bytes(buffer, sys.byteorder, signed=True)
            return len(sock.recv(1 << 16, socket.MSG_PEEK))
        except OSError:
            return 0

    def _poller(self, writable: bool) -> select.poll | None:
        """The socket's poller for reading or writing, kept while it is connected (no per-wait
        setup); None without ``poll(2)`` or a connected socket."""
        poller = self._pollers[writable]
        if poller is None:
            sock = self._sock
            if sock is None or not HAS_POLL or self._status != _CONNECTED:
                return None
            poller = self._pollers[writable] = select.poll()
            poller.register(sock, select.POLLOUT if writable else select.POLLIN)
        return poller

    def _look(self) -> int:
        """One look at the socket for reading: the ``poll(2)`` flags it shows now (0: nothing
        at all), or -1 when there is no poller (no ``poll(2)``, or not connected)."""
        poller = self._pollers[False] or self._poller(False)
        if poller is None:
            return -1
        ready = poller.poll(0)
        return ready[0][1] if ready else 0

    def _looks_sound(self) -> bool:
        """One look at the socket: True when it shows no error and no hang-up. Bytes (or the
        peer's FIN) may be waiting; the next read then takes them without looking again.
        False means only "judge it by the status", which reads the error if there is one."""
        events = self._look()
        if events == 0:
            return True
        if events < 0 or events & _TROUBLE:
            return False
        self._drained = False
        return True

    def _ready_within(self, writable: bool, timeout: float | None) -> bool:
        """Wait on the socket with its kept poller."""
        poller = self._pollers[writable] or self._poller(writable)
        if poller is None:
            return super()._ready_within(writable, timeout)
        if timeout is None:
            ready = poller.poll()
        else:  # a look (timeout 0) is the common case: an int, no float conversion
            ready = poller.poll(min(timeout, LONGEST_WAIT) * 1000 if timeout > 0 else 0)
        if not ready:
            return False
        if not writable:
            self._drained = False
        return True

    def _wait(self, writable: bool) -> bool:
        """Blocking calls wait on the socket; a pending connect waits at most until its deadline."""
        if self._sock is None:
            return False
        if self._status == _Status.STATUS_CONNECTING:
            wait_for(self, True, max(0.0, self._deadline - time.monotonic()))
            return True
        return self._ready_within(writable, None)

    # --- internals ---

    @staticmethod
    def _resolve(host: str, port: int) -> tuple[socket.AddressFamily, tuple[Any, ...]]:
        """The first address for ``host``: an IP literal at once, a name by a blocking lookup."""
        kind = socket.SOCK_STREAM
        try:
            found = socket.getaddrinfo(host, port, type=kind, flags=socket.AI_NUMERICHOST)
        except socket.gaierror:
            found = socket.getaddrinfo(host, port, type=kind)
        family, _, _, _, sockaddr = found[0]
        return family, tuple(sockaddr)

    def _update(self) -> None:
        if self._status == _Status.STATUS_CONNECTING:
            self._advance()
        elif self._status == _Status.STATUS_CONNECTED and self._sock is not None:
            try:
                if not self._sock.recv(1, socket.MSG_PEEK):
                    self._end()
            except (BlockingIOError, InterruptedError):
                pass
            except OSError as exc:
                self._fail("recv", exc)

    def _advance(self) -> None:
        """Finish a pending connect if the socket says so; fail it past the deadline."""
        sock = self._sock
        if sock is None:
            return
        try:
            if _writable_now(sock):
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code == 0:
                    self._status = _Status.STATUS_CONNECTED
                    return
                logger.debug(
                    "connect to %s port %d failed: %s", self._host, self._port, _describe(code)
                )
                self._drop(_Status.STATUS_ERROR)
                return
        except (OSError, ValueError) as exc:
            self._fail("connect", exc)
            return
        if time.monotonic() >= self._deadline:
            logger.debug(
                "connect to %s port %d timed out (%s = %d)",
                self._host,
                self._port,
                settings.CONNECT_TIMEOUT,
                settings.get_int(settings.CONNECT_TIMEOUT),
            )
            self._drop(_Status.STATUS_ERROR)

    def _live_socket(self) -> socket.socket | None:
        """The socket when it can carry data now; a pending connect is advanced first."""
        if self._status == _CONNECTING:
            self._advance()
        if self._status != _CONNECTED:
            return None
        return self._sock

    def _connecting(self) -> bool:
        return self._status == _Status.STATUS_CONNECTING

    def _closed_read(self) -> Error:
        """What a read answers when no data can move: a pending connect is not an error."""
        if self._connecting():
            return Error.OK
        if self._status == _Status.STATUS_ERROR:
            return Error.ERR_CONNECTION_ERROR
        if self._ended:
            return Error.ERR_FILE_EOF
        return Error.FAILED

    def _apply_no_delay(self) -> None:
        sock = self._sock
        if sock is not None and sock.family in _INET:
            try:
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, int(self._no_delay))
            except OSError as exc:
                logger.debug("set_no_delay: %s", exc)

    def _end(self) -> Error:
        """The peer closed: release the socket, remember how for later reads.

        An orderly close after one of our sends failed is part of a broken connection.
        """
        if self._send_failed:
            self._drop(_Status.STATUS_ERROR)
            return Error.ERR_CONNECTION_ERROR
        self._ended = True
        self._drop(_Status.STATUS_NONE)
        return Error.ERR_FILE_EOF

    def _fail(self, what: str, exc: BaseException) -> None:
        logger.debug("%s on %s port %d failed: %s", what, self._host, self._port, exc)
        self._drop(_Status.STATUS_ERROR)

    def _drop(self, status: _Status, forget: bool = False) -> None:
        """Close the socket; the address stays readable unless ``forget`` (a disconnect)."""
        sock, self._sock, self._pollers = self._sock, None, [None, None]
        if sock is not None:
            sock.close()
        self._status = status
        self._send_failed = False
        if forget:
            self._host, self._port = "", 0

    def _notification(self, what: int) -> None:
        if what == NOTIFICATION_PREDELETE:
            self._drop(_Status.STATUS_NONE, forget=True)

    @classmethod
    def _bind_methods(cls) -> None:
        bind = ClassDB.bind_method
        bind(cls, "connect_to_host", args=("host", "port"))
        bind(cls, "is_connected_to_host", const=True)
        bind(cls, "get_status")
        bind(cls, "get_connected_host", const=True)
        bind(cls, "get_connected_port", const=True)
        bind(cls, "disconnect_from_host")
        bind(cls, "set_no_delay", args=("enabled",))
        ClassDB.bind_enum(cls, cls.Status)


_Status = StreamPeerTCP.Status
# Read on every send and receive, bound once: on CPython 3.11 an attribute read on an Enum
# class goes through EnumType.__getattr__'s slow hook (about 70 ns, five times a global).
_OK: Final = Error.OK
_CONNECTED: Final = _Status.STATUS_CONNECTED
_CONNECTING: Final = _Status.STATUS_CONNECTING


def _describe(code: int) -> str:
    return f"{errno.errorcode.get(code, str(code))} ({code})"


ClassDB.register_class(StreamPeerTCP)
