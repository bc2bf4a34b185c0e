"""``StreamPeerSSL``: a TLS client session over any ``StreamPeer``.

Owns the client ``SSLContext`` policy (robustness.md §5), one ``ssl.SSLObject`` with its two
``MemoryBIO`` buffers, the ciphertext the base peer has not taken yet, and the handshake
deadline. Imports ``engine.object_model``, ``net.stream_peer``, ``net.tcp``, ``net.settings``,
``certifi`` and the standard library.

Why it is shaped this way:
- No socket is wrapped: ciphertext moves only through the base peer's ``_read``/``_write``, so
  the same code runs over TCP, an in-memory peer or another ``StreamPeerSSL`` (a tunnel).
- The context is built at each handshake setup, as ``network/ssl/certificates`` may have
  changed; only the one over certifi's bundle (fixed while the process runs) is shared.
- A clean close (close_notify) and a ragged one (EOF without close_notify, an alert) stay two
  outcomes: ``OP_IGNORE_UNEXPECTED_EOF`` is cleared and every spelling is mapped (§13.5).
- A handshake failure logs one ERROR line with the ``ssl`` reason; later failures are the
  caller's to report (HTTPClient logs them), so they are DEBUG here. An alert or a record error
  after the handshake is kept (``get_session_error``) so the caller's line can name it.
- Records already taken from the base peer count as readable: ``ssl`` hands out one record per
  read, so after a read the next records may wait in the incoming ``MemoryBIO`` while the
  socket has nothing more to say (``_ready_within``).
- Out of scope: the engine's ``accept_stream`` (server side) and the ``valid_certificate``
  argument of ``connect_to_stream`` (trust comes from ``network/ssl/certificates``).
"""

from __future__ import annotations

import contextlib
import ipaddress
import logging
import ssl
import time
from enum import IntEnum
from typing import Annotated, ClassVar, Final

import certifi

from engine.object_model import ClassDB, Error, PropertyInfo, Ref, VariantType, is_instance_valid
from engine.object_model.errors import err_print, fail_cond, quote
from engine.object_model.object import NOTIFICATION_PREDELETE

from . import settings
from .settings import CERTIFICATES, CONNECT_TIMEOUT
from .stream_peer import StreamPeer, wait_for
from .tcp import StreamPeerTCP

logger: Final = logging.getLogger("net.tls")

#: The only application protocol offered (ALPN, RFC 7301).
ALPN_PROTOCOLS: Final = ("http/1.1",)
#: Ciphertext asked of the base peer per read: room for several full TLS records.
PULL_SIZE: Final = 1 << 16
#: Plaintext returned per read; a TLS record carries at most 16 KiB, so this never cuts one.
READ_LIMIT: Final = 1 << 16
#: Plaintext accepted per write (writes accept nothing while ciphertext waits to be sent).
WRITE_LIMIT: Final = 1 << 16
#: OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH and X509_V_ERR_IP_ADDRESS_MISMATCH.
NAME_MISMATCH_CODES: Final = frozenset({62, 64})

_certifi_context: ssl.SSLContext | None = None


def create_client_context(validate_certs: bool) -> ssl.SSLContext:
    """Python-only: the client context for one handshake (robustness.md §5).

    With ``validate_certs`` the trust store is the PEM bundle named by ``network/ssl/certificates``
    or, when that is empty, certifi's bundle; the bundle replaces the store, never adds to it.
    Without it nothing is verified (the engine's meaning). Raises ``OSError`` (``ssl.SSLError``
    for a file that holds no usable certificate) when the bundle cannot be loaded.
    """
    global _certifi_context
    bundle = settings.get_str(CERTIFICATES) if validate_certs else ""
    if validate_certs and not bundle and _certifi_context is not None:
        return _certifi_context
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)  # CERT_REQUIRED, check_hostname on
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.options &= ~ssl.OP_IGNORE_UNEXPECTED_EOF
    context.set_alpn_protocols(list(ALPN_PROTOCOLS))
    if not validate_certs:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        return context
    context.load_verify_locations(cafile=bundle or certifi.where())
    if not bundle:
        _certifi_context = context
    return context


def _server_name(for_hostname: str) -> str:
    """The name checked against the certificate: IDNA form, one trailing dot dropped.

    IP literals come back in their plain form (no brackets, no zone); ``ssl`` then checks them
    against the IP SANs and sends no SNI. ``UnicodeError`` when IDNA cannot encode the name.
    """
    name = for_hostname[:-1] if for_hostname.endswith(".") else for_hostname
    if name.startswith("[") and name.endswith("]"):
        name = name[1:-1]
    try:
        return str(ipaddress.ip_address(name.split("%", 1)[0]))
    except ValueError:
        pass
    return name.encode("idna").decode("ascii") if name else ""


def _describe(exc: OSError) -> tuple[str, bool]:
    """The reason to log for an ``ssl`` or file failure, and whether it is a name mismatch."""
    if not isinstance(exc, ssl.SSLCertVerificationError) or not exc.verify_message:
        return str(getattr(exc, "reason", None) or exc.strerror or exc), False
    message = exc.verify_message
    mismatch = exc.verify_code in NAME_MISMATCH_CODES or any(
        text in message for text in ("Hostname mismatch", "IP address mismatch")
    )
    return f"{exc.reason or 'CERTIFICATE_VERIFY_FAILED'}: {message}", mismatch


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text)


class StreamPeerSSL(StreamPeer):
    """TLS client over a base [StreamPeer]; the handshake runs blocking or through [method poll].

    The base stream can be any [StreamPeer]: a [StreamPeerTCP], an in-memory peer or another
    [StreamPeerSSL] (a tunnel). Servers are checked against certifi's bundle, or against the PEM
    bundle named by the [code]network/ssl/certificates[/code] setting; TLS 1.2 is the oldest version
    accepted.
    """

    blocking_handshake: bool  # a ClassDB property, declared for type checkers

    class Status(IntEnum):
        STATUS_DISCONNECTED = 0
        STATUS_HANDSHAKING = 1
        STATUS_CONNECTED = 2
        STATUS_ERROR = 3
        STATUS_ERROR_HOSTNAME_MISMATCH = 4

    #: One short description per bound constant, for the generated class reference.
    _constant_docs: ClassVar[dict[str, str]] = {
        "STATUS_DISCONNECTED": "No TLS session: at first, after a disconnect or close_notify.",
        "STATUS_HANDSHAKING": "The handshake is under way; [method poll] drives it.",
        "STATUS_CONNECTED": "The handshake succeeded: plaintext moves both ways.",
        "STATUS_ERROR": "The handshake failed, or the session broke afterwards.",
        "STATUS_ERROR_HOSTNAME_MISMATCH": "The certificate was not issued for the host name.",
    }

    def __init__(self) -> None:
        super().__init__()
        self._base: Ref[StreamPeer] = Ref()
        self._hostname = ""
        self._handshake_blocks = True
        self._status = _Status.STATUS_DISCONNECTED
        self._deadline = 0.0
        self._tls: ssl.SSLObject | None = None
        self._bio_in = ssl.MemoryBIO()
        self._bio_out = ssl.MemoryBIO()
        self._unsent = bytearray()  # ciphertext the base peer has not taken yet
        self._base_ended = False  # the base peer reported EOF
        self._closed_clean = False  # the server sent close_notify
        self._session_error = ""  # the alert or record error that broke the session
        self._send_failed = Error.OK  # the base peer refused ciphertext: the error it gave

    # --- the engine's API ---

    def poll(self) -> None:
        """Drive a non-blocking handshake one step, or send ciphertext still held back. Outside
        [constant STATUS_HANDSHAKING] and [constant STATUS_CONNECTED] it logs an error.
        """
        if self._status not in (_Status.STATUS_CONNECTED, _Status.STATUS_HANDSHAKING):
            fail_cond(
                "poll", "status != STATUS_CONNECTED && status != STATUS_HANDSHAKING", log=logger
            )
            return
        if self._status == _Status.STATUS_HANDSHAKING:
            self._handshake("poll")
        elif not self._send_failed and (err := self._flush()) != Error.OK:
            self._refused(err)  # reading goes on: what arrived before may still be read

    def connect_to_stream(
        self, stream: StreamPeer | None, validate_certs: bool = False, for_hostname: str = ""
    ) -> Error:
        """Start a client handshake over [code]stream[/code] for [code]for_hostname[/code], the name
        sent for SNI and, with [code]validate_certs[/code], checked against the certificate.
        [code]validate_certs[/code] also checks the certificate chain; without it the link is
        encrypted but the server is not authenticated.

        Returns [constant OK] when the handshake finished (blocking, see
        [member blocking_handshake]) or is under way (non-blocking: call [method poll] until the
        status leaves [constant STATUS_HANDSHAKING]); [constant FAILED] when it failed; a file error
        when the trusted certificates cannot be loaded; [constant ERR_INVALID_PARAMETER] for a
        missing stream, a stream that is this peer or runs over it, or for
        [code]validate_certs[/code] without a host name.
        """
        function = "connect_to_stream"
        if stream is None or not is_instance_valid(stream) or not isinstance(stream, StreamPeer):
            fail_cond(function, "p_base.is_null()", Error.ERR_INVALID_PARAMETER, log=logger)
            return Error.ERR_INVALID_PARAMETER
        if validate_certs and not for_hostname:
            condition = "p_validate_certs && p_for_hostname.empty()"
            fail_cond(function, condition, Error.ERR_INVALID_PARAMETER, log=logger)
            return Error.ERR_INVALID_PARAMETER
        if _runs_over(stream, self):  # a cycle: every walk down the chain would never end
            fail_cond(
                function, "p_base runs over this peer", Error.ERR_INVALID_PARAMETER, log=logger
            )
            return Error.ERR_INVALID_PARAMETER
        try:
            name = _server_name(for_hostname)
        except UnicodeError:
            err_print(function, f'Invalid host name "{quote(for_hostname)}" (IDNA).', logger)
            return Error.ERR_INVALID_PARAMETER
        self._base.assign(stream)
        self._hostname = for_hostname
        self._clear_session()
        try:
            context = create_client_context(validate_certs)
        except OSError as exc:
            return self._trust_store_failed(function, exc)
        self._tls = context.wrap_bio(self._bio_in, self._bio_out, server_hostname=name or None)
        self._deadline = time.monotonic() + settings.get_int(CONNECT_TIMEOUT)
        self._status = _Status.STATUS_HANDSHAKING
        if self._handshake_blocks:
            self._handshake_blocking(function)
        else:
            self._handshake(function)
        if self._status in (_Status.STATUS_ERROR, _Status.STATUS_ERROR_HOSTNAME_MISMATCH):
            return Error.FAILED
        return Error.OK

    def get_status(self) -> Annotated[int, Status]:
        """Returns the session's status, a [enum Status] constant."""
        return int(self._status)

    def disconnect_from_stream(self) -> None:
        """Send close_notify (best effort, no waiting), close a TCP or TLS base stream, and forget
        it; the status becomes [constant STATUS_DISCONNECTED].
        """
        self._send_close_notify()
        close_stream(self._base.get())
        self._clear_session()
        self._base.release()
        self._hostname = ""

    def set_blocking_handshake_enabled(self, enabled: bool) -> None:
        """If [code]true[/code] (the default), [method connect_to_stream] runs the whole handshake
        before it returns; if [code]false[/code], it only starts it and [method poll] carries it on.
        """
        self._handshake_blocks = bool(enabled)

    def is_blocking_handshake_enabled(self) -> bool:
        """Returns [member blocking_handshake]."""
        return self._handshake_blocks

    # --- Python-only accessors ---

    def get_hostname(self) -> str:
        """The ``for_hostname`` of the current session (``""`` after a disconnect)."""
        return self._hostname

    def get_stream(self) -> StreamPeer | None:
        """The base peer carrying the ciphertext, or ``None``."""
        return self._base.get()

    def get_session_error(self) -> str:
        """The ``ssl`` reason of the alert or record error that broke the session after the
        handshake (``TLSV13_ALERT_CERTIFICATE_REQUIRED``, say); ``""`` while it holds, after a
        clean or ragged close or a failure of the base stream, and after a disconnect."""
        return self._session_error

    # --- the transport primitives (Python-only) ---

    def fileno(self) -> int:
        base = self._base.get()
        return base.fileno() if base is not None else -1

    def _ready_within(self, writable: bool, timeout: float | None) -> bool:
        """A read is ready at once while plaintext is decrypted or ciphertext already taken
        from the base peer waits in the incoming buffer (a read leaves any further records
        there; one holding only part of a record is emptied by the read that finds it short,
        so this never spins). Otherwise the base peer waits. Outside a session every read and
        write answers at once."""
        tls, status = self._tls, self._status
        if tls is None or (status != _CONNECTED and status != _Status.STATUS_HANDSHAKING):
            return True
        if not writable and status == _CONNECTED and (self._bio_in.pending or tls.pending()):
            return True
        base = self._base.get()
        return True if base is None else base._ready_within(writable, timeout)

    def _available(self) -> int:
        tls = self._tls
        return tls.pending() if tls is not None and self._status == _Status.STATUS_CONNECTED else 0

    def _read(self, size: int) -> tuple[Error, bytes]:
        """``(OK, plaintext)``, ``(OK, b"")`` for nothing yet; ``ERR_FILE_EOF`` after
        close_notify, ``ERR_CONNECTION_ERROR`` after a ragged EOF, an alert or a base failure,
        ``ERR_UNCONFIGURED`` with no session."""
        tls = self._tls
        if tls is None or self._status != _Status.STATUS_CONNECTED:
            return self._closed_result(reading=True), b""
        if size <= 0:
            return Error.OK, b""
        size = min(size, READ_LIMIT)
        if self._unsent and not self._send_failed and (err := self._flush()) != Error.OK:
            self._refused(err)  # reading goes on: what arrived before may still be read
        for attempt in (0, 1):
            try:
                data = tls.read(size)
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                if attempt:
                    break
                err, moved = self._pull()
                if err not in (Error.OK, Error.ERR_FILE_EOF):
                    self._end(_Status.STATUS_ERROR, f"the base stream failed ({Error(err).name})")
                    return Error.ERR_CONNECTION_ERROR, b""
                if not moved and err == Error.OK:
                    break
                continue
            except ssl.SSLZeroReturnError:
                self._end(_Status.STATUS_DISCONNECTED, "closed by close_notify")
                return Error.ERR_FILE_EOF, b""
            except ssl.SSLError as exc:  # SSLEOFError, UNEXPECTED_EOF_WHILE_READING, alerts
                self._broken_by(exc)
                return Error.ERR_CONNECTION_ERROR, b""
            if not data:
                self._end(_Status.STATUS_DISCONNECTED, "closed by close_notify")
                return Error.ERR_FILE_EOF, b""
            return Error.OK, data
        return Error.OK, b""

    def _write(self, data: bytes | memoryview) -> tuple[Error, int]:
        """``(OK, plaintext bytes accepted)``; 0 while ciphertext waits for the base peer."""
        tls = self._tls
        if tls is None or self._status != _Status.STATUS_CONNECTED:
            return self._closed_result(), 0
        err = self._send_failed or self._flush()  # OK is 0: a failure stays the answer
        if err != Error.OK:
            return self._refused(err), 0
        if not data or self._unsent:  # the base peer is full: accept nothing more for now
            return Error.OK, 0
        try:
            accepted = tls.write(data[:WRITE_LIMIT])
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            return Error.OK, 0
        except ssl.SSLError as exc:
            self._broken_by(exc)
            return Error.ERR_CONNECTION_ERROR, 0
        err = self._flush()
        if err != Error.OK:
            return self._refused(err), 0
        return Error.OK, accepted

    # --- internals ---

    def _closed_result(self, reading: bool = False) -> Error:
        """What reads and writes answer outside a usable session (sticky after an ending)."""
        if self._status in (_Status.STATUS_ERROR, _Status.STATUS_ERROR_HOSTNAME_MISMATCH):
            return Error.ERR_CONNECTION_ERROR
        return Error.ERR_FILE_EOF if reading and self._closed_clean else Error.ERR_UNCONFIGURED

    def _handshake(self, function: str) -> None:
        """Run the handshake as far as it goes without waiting; fail it past the deadline."""
        tls = self._tls
        assert tls is not None
        eof_seen = False
        while True:
            try:
                tls.do_handshake()
                done = True
            except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
                done = False
            except ssl.SSLError as exc:
                self._handshake_failed(function, *_describe(exc))
                return
            err, moved = self._flush(), 0
            if err == Error.OK and not done:
                err, moved = self._pull()
            if err not in (Error.OK, Error.ERR_FILE_EOF):
                self._handshake_failed(function, f"the base stream failed ({Error(err).name})")
                return
            if done:
                self._status = _Status.STATUS_CONNECTED
                return
            if not moved and (err == Error.OK or eof_seen):
                break
            eof_seen = err == Error.ERR_FILE_EOF  # one more try lets ssl report the EOF
        if time.monotonic() >= self._deadline:
            seconds = settings.get_int(CONNECT_TIMEOUT)
            self._handshake_failed(function, f"timed out after {seconds} s ({CONNECT_TIMEOUT})")

    def _handshake_blocking(self, function: str) -> None:
        """Run the handshake to its end, waiting on the base peer between steps."""
        while True:
            self._handshake(function)
            base = self._base.get()
            if self._status != _Status.STATUS_HANDSHAKING or base is None:
                return
            wait_for(base, bool(self._unsent), max(0.0, self._deadline - time.monotonic()))

    def _handshake_failed(self, function: str, reason: str, mismatch: bool = False) -> None:
        host = f' with "{quote(self._hostname)}"' if self._hostname else ""
        err_print(function, f"TLS handshake{host} failed: {reason}", logger)
        self._tls = None
        self._status = _Status.STATUS_ERROR_HOSTNAME_MISMATCH if mismatch else _Status.STATUS_ERROR

    def _trust_store_failed(self, function: str, exc: OSError) -> Error:
        path = settings.get_str(CERTIFICATES) or certifi.where()
        corrupt = isinstance(exc, ssl.SSLError)
        shown = f'"{_printable(path)}" ({CERTIFICATES})'
        err_print(
            function,
            f"Cannot load the trusted certificates from {shown}: {_describe(exc)[0]}.",
            logger,
        )
        self._status = _Status.STATUS_ERROR
        return Error.ERR_FILE_CORRUPT if corrupt else Error.ERR_FILE_CANT_OPEN

    def _pull(self) -> tuple[Error, int]:
        """Move the ciphertext the base peer has now into the SSL object: ``(error, bytes)``."""
        base = self._base.get()
        if base is None:
            return Error.ERR_CONNECTION_ERROR, 0
        if self._base_ended:
            return Error.ERR_FILE_EOF, 0
        err, data = base._read(PULL_SIZE)
        if data:
            self._bio_in.write(data)
        if err == Error.ERR_FILE_EOF:
            self._base_ended = True
            self._bio_in.write_eof()
        return err, len(data)

    def _flush(self) -> Error:
        """Hand the base peer all the ciphertext it takes now; the rest waits in ``_unsent``."""
        if self._bio_out.pending:
            self._unsent += self._bio_out.read()
        base = self._base.get()
        if base is None:
            return Error.ERR_CONNECTION_ERROR if self._unsent else Error.OK
        while self._unsent:
            with memoryview(self._unsent) as view:
                err, sent = base._write(view)
            if err != Error.OK:
                return err
            if not sent:
                break
            del self._unsent[:sent]
        return Error.OK

    def _refused(self, err: Error) -> Error:
        """The base peer refused ciphertext (a reset while sending, say): writes fail from now
        on, but the session is kept for reading, as a TCP peer keeps its socket, so a reply
        that came before (an early 413) can still be decrypted; reads report the end after it."""
        if not self._send_failed:
            logger.debug("TLS session with %r: the base stream refused ciphertext", self._hostname)
        self._send_failed = err
        return err

    def _send_close_notify(self) -> None:
        """Also the reply to the server's close_notify (RFC 8446 §6.1), if one came."""
        tls = self._tls
        if tls is None or self._status not in (
            _Status.STATUS_CONNECTED,
            _Status.STATUS_DISCONNECTED,
        ):
            return
        with contextlib.suppress(ssl.SSLError):  # the peer's close_notify is not awaited
            tls.unwrap()
        self._flush()

    def _end(self, status: StreamPeerSSL.Status, reason: str) -> None:
        """The session is over after the handshake: DISCONNECTED (close_notify) or ERROR."""
        logger.debug("TLS session with %r ended: %s", self._hostname, reason)
        self._closed_clean = status == _Status.STATUS_DISCONNECTED
        if not self._closed_clean:
            self._tls = None  # kept after close_notify, to answer it on disconnect
        self._status = status

    def _broken_by(self, exc: ssl.SSLError) -> None:
        """The session broke after the handshake: a ragged EOF, or an alert or record error
        (kept, so that the caller's error line can name it)."""
        reason = _describe(exc)[0]
        ragged = isinstance(exc, ssl.SSLEOFError) or reason == "UNEXPECTED_EOF_WHILE_READING"
        if not ragged:
            self._session_error = reason
        self._end(_Status.STATUS_ERROR, reason)

    def _clear_session(self) -> None:
        self._session_error = ""
        self._tls = None
        self._bio_in = ssl.MemoryBIO()
        self._bio_out = ssl.MemoryBIO()
        self._unsent = bytearray()
        self._base_ended = False
        self._closed_clean = False
        self._send_failed = Error.OK
        self._status = _Status.STATUS_DISCONNECTED

    def _notification(self, what: int) -> None:
        if what == NOTIFICATION_PREDELETE:
            self._send_close_notify()
            self._clear_session()
            self._base.release()

    @classmethod
    def _bind_methods(cls) -> None:
        bind = ClassDB.bind_method
        bind(cls, "poll")
        bind(cls, "connect_to_stream", args=("stream", "validate_certs", "for_hostname"))
        bind(cls, "get_status", const=True)
        bind(cls, "disconnect_from_stream")
        bind(cls, "set_blocking_handshake_enabled", args=("enabled",))
        bind(cls, "is_blocking_handshake_enabled", const=True)
        ClassDB.add_property(
            cls,
            PropertyInfo(name="blocking_handshake", type=VariantType.BOOL),
            "set_blocking_handshake_enabled",
            "is_blocking_handshake_enabled",
        )
        ClassDB.bind_enum(cls, cls.Status)


_Status = StreamPeerSSL.Status
_CONNECTED: Final = _Status.STATUS_CONNECTED


def _runs_over(stream: StreamPeer | None, peer: StreamPeerSSL) -> bool:
    """Whether ``stream`` is ``peer`` or a TLS stream over it (chains never loop, since
    ``connect_to_stream`` refuses what would close one)."""
    while isinstance(stream, StreamPeerSSL):
        if stream is peer:
            return True
        stream = stream.get_stream()
    return False


def close_stream(stream: StreamPeer | None) -> None:
    """Python-only: close a TCP or TLS stream (each has its own engine name for it); any other
    peer has nothing to close."""
    if isinstance(stream, StreamPeerSSL):
        stream.disconnect_from_stream()
    elif isinstance(stream, StreamPeerTCP):
        stream.disconnect_from_host()


def session_error(stream: StreamPeer | None) -> str:
    """Python-only: the alert or record error that broke a TLS stream or a TLS stream under it
    (a tunnel), or ``""``."""
    while isinstance(stream, StreamPeerSSL):
        if error := stream.get_session_error():
            return error
        stream = stream.get_stream()
    return ""


ClassDB.register_class(StreamPeerSSL)
