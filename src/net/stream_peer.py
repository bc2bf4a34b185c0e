"""``StreamPeer``, the byte-stream API every transport shares, and ``StreamPeerBuffer``.

A transport subclasses ``StreamPeer`` and provides three non-blocking primitives (``_write``,
``_read``, ``_available``) plus, when it has an OS handle, ``fileno()``; everything the engine
binds (whole and partial reads and writes, the typed helpers) is built here on top of them.
``_read`` answers ``(OK, data)``, ``(OK, b"")`` when nothing has arrived yet, ``(ERR_FILE_EOF,
b"")`` after an orderly close and ``(ERR_CONNECTION_ERROR, b"")`` (or another error) when the
stream broke. Imports ``engine.object_model`` and the standard library.
"""

from __future__ import annotations

import builtins
import logging
import select
import selectors
import struct
import time
from typing import Any, Final

from engine.object_model import ClassDB, Error, PropertyInfo, Reference, VariantType
from engine.object_model.errors import err_print, fail_cond
from net.marshalls import VariantDecodeError, VariantEncodeError, decode_variant, encode_variant

logger: Final = logging.getLogger("net.stream_peer")

#: The largest size the engine's C ``int`` arguments (buffer sizes) can carry.
INT32_MAX: Final = 2**31 - 1

#: The most a read whose size the peer chose asks the transport for at once, so a length
#: prefix that lies costs no memory beyond what actually arrives.
UNTRUSTED_READ_CHUNK: Final = 64 * 1024

#: How long a blocking call waits between checks of a peer that has no OS handle to wait on.
NO_HANDLE_RECHECK: Final = 0.001

#: The most asked of a transport in one read by ``get_data``/``get_partial_data``: a socket
#: read allocates what it is asked for, so an absurd size must never reach it.
READ_MAX: Final = 1 << 20

#: The longest single wait, in seconds: poll(2) takes at most 2^31 - 1 ms (about 24.8 days),
#: so a longer limit (a timeout setting of a month) is waited out one day at a time by
#: callers that loop until their own deadline.
LONGEST_WAIT: Final = 86400.0

_FORMATS: Final = {
    # name: (struct code, size)
    "8": ("b", 1), "u8": ("B", 1), "16": ("h", 2), "u16": ("H", 2),
    "32": ("i", 4), "u32": ("I", 4), "64": ("q", 8), "u64": ("Q", 8),
    "float": ("f", 4), "double": ("d", 8),
}  # fmt: skip


def wait_for(peer: StreamPeer, writable: bool, timeout: float | None) -> bool:
    """Block until ``peer`` is readable (or writable), or ``timeout`` seconds pass.

    Waits on the OS handle when the peer has one (``poll(2)`` where the platform has it, else
    ``selectors``); otherwise sleeps one short recheck interval (an in-memory peer changes only
    when someone else writes to it). Returns ``False`` on timeout.
    """
    fd = peer.fileno()
    if fd < 0:
        if timeout != 0:
            time.sleep(NO_HANDLE_RECHECK if timeout is None else min(timeout, NO_HANDLE_RECHECK))
        return True
    if timeout is not None:
        timeout = min(max(0.0, timeout), LONGEST_WAIT)
    if HAS_POLL:
        poller = select.poll()
        poller.register(fd, select.POLLOUT if writable else select.POLLIN)
        return bool(poller.poll(None if timeout is None else timeout * 1000))
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_WRITE if writable else selectors.EVENT_READ)
        return bool(selector.select(timeout))


def wait_for_either(peer: StreamPeer, timeout: float | None) -> bool:
    """Block until ``peer`` can be read or written, or ``timeout`` seconds pass (``False``).

    For a caller with bytes to send that must also take what arrives meanwhile (an upload
    whose reply comes while it goes out). What the peer holds ready by its own account (text
    a TLS peer has decrypted already) counts as readable at once. A peer without an OS
    handle is re-checked after one short interval, as in ``wait_for``.
    """
    fd = peer.fileno()
    if fd < 0:
        return wait_for(peer, False, timeout)
    if peer._ready_within(False, 0.0):
        return True
    if timeout is not None:
        timeout = min(max(0.0, timeout), LONGEST_WAIT)
    if HAS_POLL:
        poller = select.poll()
        poller.register(fd, select.POLLIN | select.POLLOUT)
        return bool(poller.poll(None if timeout is None else timeout * 1000))
    with selectors.DefaultSelector() as selector:
        selector.register(fd, selectors.EVENT_READ | selectors.EVENT_WRITE)
        return bool(selector.select(timeout))


#: Whether ``select.poll`` exists here (it does not on Windows).
HAS_POLL: Final = hasattr(select, "poll")


class StreamPeer(Reference):
    """Abstract byte stream with the engine's reading and writing API.

    The base of the network streams ([StreamPeerTCP], [StreamPeerSSL]) and of the in-memory
    [StreamPeerBuffer]. Whole reads and writes ([method get_data], [method put_data]) wait until
    they are done; partial ones ([method get_partial_data], [method put_partial_data]) move what
    they can at once. The typed helpers write and read numbers in little-endian order unless
    [member big_endian] is set, and strings after a 32-bit length.
    """

    big_endian: bool  # a ClassDB property, declared for type checkers

    def __init__(self) -> None:
        super().__init__()
        self._big_endian = False

    # --- what a transport provides (Python-only) ---

    def _write(self, data: bytes | memoryview) -> tuple[Error, int]:
        """Send what can be sent now; ``(error, bytes sent)``."""
        raise NotImplementedError

    def _read(self, size: int) -> tuple[Error, bytes]:
        """Receive up to ``size`` bytes available now (see the module docstring)."""
        raise NotImplementedError

    def _available(self) -> int:
        """Bytes that can be read now without waiting."""
        return 0

    def fileno(self) -> int:
        """The OS handle to wait on with ``selectors``, or -1 (Python-only)."""
        return -1

    def _wait(self, writable: bool) -> bool:
        """Wait before retrying a blocking call; ``False`` means waiting cannot help."""
        return self._ready_within(writable, None)

    def _ready_within(self, writable: bool, timeout: float | None) -> bool:
        """Block until a read (or a write) can make progress, at most ``timeout`` seconds
        (``None``: no limit); ``False`` when the time ran out."""
        if not writable and self._available() > 0:
            return True
        return wait_for(self, writable, timeout)

    # --- the engine's API ---

    def put_data(self, data: bytes) -> Error:
        """Send all of [code]data[/code], waiting as needed; [constant OK] or the stream's error."""
        view = memoryview(data)
        while view:
            err, sent = self._write(view)
            if err != Error.OK:
                return err
            view = view[sent:]
            if view and not sent and not self._wait(True):
                return Error.ERR_UNAVAILABLE
        return Error.OK

    def put_partial_data(self, data: bytes) -> list[Any]:
        """Send what the stream takes now of [code]data[/code], without waiting. Returns
        [code][error, bytes sent][/code]; fewer bytes than given (even 0) is not an error.
        """
        err, sent = self._write(data)
        return [err, sent]

    def get_data(self, bytes: int) -> list[Any]:
        """Receive exactly [code]bytes[/code] bytes, waiting as needed. Returns
        [code][error, data][/code]; on an error the data holds what arrived before it.
        """
        if bytes < 0:
            fail_cond("get_data", "p_bytes < 0", Error.ERR_INVALID_PARAMETER, log=logger)
            return [Error.ERR_INVALID_PARAMETER, b""]
        return list(self._take(bytes))

    def _take(self, size: int) -> tuple[Error, bytes]:
        """Read exactly ``size`` bytes, waiting as needed; logs nothing (callers do)."""
        received = bytearray()
        while len(received) < size:
            err, chunk = self._read(min(size - len(received), READ_MAX))
            if err != Error.OK:
                return err, builtins.bytes(received)
            received += chunk
            if not chunk and not self._wait(False):
                return Error.ERR_UNAVAILABLE, builtins.bytes(received)
        return Error.OK, builtins.bytes(received)

    def _take_untrusted(self, size: int) -> tuple[Error, bytes]:
        """``_take`` for a size read from the stream itself: asks for a bounded piece at a
        time, so memory grows only with the bytes that really arrive."""
        received = bytearray()
        while len(received) < size:
            err, chunk = self._take(min(size - len(received), UNTRUSTED_READ_CHUNK))
            received += chunk
            if err != Error.OK:
                return err, builtins.bytes(received)
        return Error.OK, builtins.bytes(received)

    def get_partial_data(self, bytes: int) -> list[Any]:
        """Receive up to [code]bytes[/code] bytes that have arrived, without waiting. Returns
        [code][error, data][/code]; the data may be shorter than asked, or empty.
        """
        if bytes < 0:
            fail_cond("get_partial_data", "p_bytes < 0", Error.ERR_INVALID_PARAMETER, log=logger)
            return [Error.ERR_INVALID_PARAMETER, b""]
        err, chunk = self._read(min(bytes, READ_MAX)) if bytes else (Error.OK, b"")
        return [err, chunk]

    def get_available_bytes(self) -> int:
        """Returns how many bytes can be read now without waiting."""
        return self._available()

    def set_big_endian(self, enable: bool) -> None:
        """If [code]true[/code], the typed helpers ([method put_32], [method get_u16],
        [method put_double] and the others) use big-endian (network) byte order; by default they use
        little-endian.
        """
        self._big_endian = bool(enable)

    def is_big_endian_enabled(self) -> bool:
        """Returns [member big_endian]."""
        return self._big_endian

    # --- typed helpers ---

    def _put_number(self, kind: str, value: int | float) -> None:
        code, size = _FORMATS[kind]
        if code in "fd":
            packed = struct.pack(code, value)
        else:
            bits = size * 8
            wrapped = int(value) & ((1 << bits) - 1)
            if code.islower() and wrapped >= 1 << (bits - 1):
                wrapped -= 1 << bits
            packed = struct.pack(code, wrapped)
        if self._big_endian:
            packed = packed[::-1]
        self.put_data(packed)

    def _get_number(self, kind: str, function: str) -> Any:
        code, size = _FORMATS[kind]
        err, data = self._take(size)
        if err != Error.OK or len(data) != size:
            err_print(
                function, f"Not enough data to read {size} bytes ({Error(err).name}).", logger
            )
            return 0.0 if code in "fd" else 0
        if self._big_endian:
            data = data[::-1]
        return struct.unpack(code, data)[0]

    def put_8(self, value: int) -> None:
        """Write [code]value[/code] as a signed 8-bit integer; values out of range wrap."""
        self._put_number("8", value)

    def put_u8(self, value: int) -> None:
        """Write [code]value[/code] as an unsigned 8-bit integer; values out of range wrap."""
        self._put_number("u8", value)

    def put_16(self, value: int) -> None:
        """Write [code]value[/code] as a signed 16-bit integer; values out of range wrap."""
        self._put_number("16", value)

    def put_u16(self, value: int) -> None:
        """Write [code]value[/code] as an unsigned 16-bit integer; values out of range wrap."""
        self._put_number("u16", value)

    def put_32(self, value: int) -> None:
        """Write [code]value[/code] as a signed 32-bit integer; values out of range wrap."""
        self._put_number("32", value)

    def put_u32(self, value: int) -> None:
        """Write [code]value[/code] as an unsigned 32-bit integer; values out of range wrap."""
        self._put_number("u32", value)

    def put_64(self, value: int) -> None:
        """Write [code]value[/code] as a signed 64-bit integer; values out of range wrap."""
        self._put_number("64", value)

    def put_u64(self, value: int) -> None:
        """Write [code]value[/code] as an unsigned 64-bit integer; values out of range wrap."""
        self._put_number("u64", value)

    def put_float(self, value: float) -> None:
        """Write [code]value[/code] as a 32-bit (single precision) float."""
        self._put_number("float", value)

    def put_double(self, value: float) -> None:
        """Write [code]value[/code] as a 64-bit (double precision) float."""
        self._put_number("double", value)

    def put_string(self, value: str) -> None:
        """Write [code]value[/code] as a 32-bit length and then one byte per character, the low byte
        of its code (the engine's ASCII form); use [method put_utf8_string] for other text.
        """
        data = bytes(ord(ch) & 0xFF for ch in value)
        self.put_u32(len(data))
        self.put_data(data)

    def put_utf8_string(self, value: str) -> None:
        """Write [code]value[/code] as a 32-bit length and then its UTF-8 bytes. Text holding a lone
        surrogate (from a file name or JSON, with no UTF-8 form) logs an error and writes nothing.
        """
        try:
            data = value.encode()
        except UnicodeEncodeError:
            err_print(
                "put_utf8_string",
                "the string holds a lone surrogate, which has no UTF-8 form.",
                logger,
            )
            return
        self.put_u32(len(data))
        self.put_data(data)

    def put_var(self, value: Any, full_objects: bool = False) -> None:
        """Write [code]value[/code] in the engine's binary Variant format, after its size as a
        32-bit integer (in the [member big_endian] order; the encoded value itself is always
        little-endian). An object is sent as its instance id unless [code]full_objects[/code] is
        [code]true[/code], which sends its class and stored properties. A value with no Variant
        form logs an error and writes nothing.
        """
        try:
            payload = encode_variant(value, full_objects)
        except VariantEncodeError as refused:
            refused.log(logger)
            return
        if len(payload) > INT32_MAX:
            fail_cond("put_var", "len > INT32_MAX", log=logger)
            return
        size = struct.pack(">i" if self._big_endian else "<i", len(payload))
        self.put_data(size + payload)

    def get_8(self) -> int:
        """Read a signed 8-bit integer, waiting for it; 0 (logged) if the stream fails."""
        return int(self._get_number("8", "get_8"))

    def get_u8(self) -> int:
        """Read an unsigned 8-bit integer, waiting for it; 0 (logged) if the stream fails."""
        return int(self._get_number("u8", "get_u8"))

    def get_16(self) -> int:
        """Read a signed 16-bit integer, waiting for it; 0 (logged) if the stream fails."""
        return int(self._get_number("16", "get_16"))

    def get_u16(self) -> int:
        """Read an unsigned 16-bit integer, waiting for it; 0 (logged) if the stream fails."""
        return int(self._get_number("u16", "get_u16"))

    def get_32(self) -> int:
        """Read a signed 32-bit integer, waiting for it; 0 (logged) if the stream fails."""
        return int(self._get_number("32", "get_32"))

    def get_u32(self) -> int:
        """Read an unsigned 32-bit integer, waiting for it; 0 (logged) if the stream fails."""
        return int(self._get_number("u32", "get_u32"))

    def get_64(self) -> int:
        """Read a signed 64-bit integer, waiting for it; 0 (logged) if the stream fails."""
        return int(self._get_number("64", "get_64"))

    def get_u64(self) -> int:
        """Read an unsigned 64-bit integer, waiting for it; 0 (logged) if the stream fails."""
        return int(self._get_number("u64", "get_u64"))

    def get_float(self) -> float:
        """Read a 32-bit float, waiting for it; 0.0 (logged) if the stream fails."""
        return float(self._get_number("float", "get_float"))

    def get_double(self) -> float:
        """Read a 64-bit float, waiting for it; 0.0 (logged) if the stream fails."""
        return float(self._get_number("double", "get_double"))

    def _get_text(self, size: int, function: str) -> bytes | None:
        if size < 0:
            size = self.get_u32()
        err, data = self._take(size)
        if err != Error.OK:
            fail_cond(function, "err != OK", "", empty="String()", log=logger)
            return None
        text: bytes = data.split(b"\0", 1)[0]
        return text

    def get_string(self, bytes: int = -1) -> str:
        """Read [code]bytes[/code] bytes as text, one character per byte; with -1 a 32-bit length is
        read first, as [method put_string] writes it. The text ends at the first NUL byte. Returns
        an empty string (and logs an error) if the stream fails.
        """
        data = self._get_text(bytes, "get_string")
        return "" if data is None else data.decode("latin-1")

    def get_utf8_string(self, bytes: int = -1) -> str:
        """Read [code]bytes[/code] bytes as UTF-8 text (invalid sequences replaced); with -1 a
        32-bit length is read first, as [method put_utf8_string] writes it. The text ends at the
        first NUL byte. Returns an empty string (and logs an error) if the stream fails.
        """
        data = self._get_text(bytes, "get_utf8_string")
        return "" if data is None else data.decode("utf-8", "replace")

    def get_var(self, allow_objects: bool = False) -> Any:
        """Read a value written by [method put_var]: a 32-bit size, then that many bytes in the
        engine's binary Variant format. A full object is accepted only with
        [code]allow_objects[/code] ([b]warning:[/b] it creates an object of the class the peer
        names and sets its properties). Returns [code]null[/code] and logs one error if the
        stream fails or the bytes are not a valid value.
        """
        err, head = self._take(4)
        if err != Error.OK or len(head) != 4:
            err_print("get_var", f"Not enough data to read 4 bytes ({Error(err).name}).", logger)
            return None
        size: int = struct.unpack(">i" if self._big_endian else "<i", head)[0]
        if size < 0:
            fail_cond("get_var", "len < 0", empty="Variant()", log=logger)
            return None
        err, payload = self._take_untrusted(size)
        if err != Error.OK:
            fail_cond("get_var", "err != OK", empty="Variant()", log=logger)
            return None
        try:
            value, _ = decode_variant(payload, allow_objects)
        except VariantDecodeError as refused:
            refused.log(logger)
            return None
        return value

    @classmethod
    def _bind_methods(cls) -> None:
        bind = ClassDB.bind_method
        bind(cls, "put_data", args=("data",))
        bind(cls, "put_partial_data", args=("data",))
        bind(cls, "get_data", args=("bytes",))
        bind(cls, "get_partial_data", args=("bytes",))
        bind(cls, "get_available_bytes", const=True)
        bind(cls, "set_big_endian", args=("enable",))
        bind(cls, "is_big_endian_enabled", const=True)
        for kind in ("8", "u8", "16", "u16", "32", "u32", "64", "u64", "float", "double"):
            bind(cls, f"put_{kind}", args=("value",))
        bind(cls, "put_string", args=("value",))
        bind(cls, "put_utf8_string", args=("value",))
        bind(cls, "put_var", args=("value", "full_objects"))
        for kind in ("8", "u8", "16", "u16", "32", "u32", "64", "u64", "float", "double"):
            bind(cls, f"get_{kind}")
        bind(cls, "get_string", args=("bytes",))
        bind(cls, "get_utf8_string", args=("bytes",))
        bind(cls, "get_var", args=("allow_objects",))
        ClassDB.add_property(
            cls,
            PropertyInfo(name="big_endian", type=VariantType.BOOL),
            "set_big_endian",
            "is_big_endian_enabled",
        )


ClassDB.register_virtual_class(StreamPeer)


class StreamPeerBuffer(StreamPeer):
    """A stream over an in-memory byte array with a read/write position.

    Writes overwrite from the position and grow the array; reads advance the position. A read
    that asks for more than is left returns what is left (partial) or fails without consuming
    anything (whole). It never waits, so it suits tests and serialisation.
    """

    data_array: bytes  # a ClassDB property, declared for type checkers

    def __init__(self) -> None:
        super().__init__()
        self._data = bytearray()
        self._pointer = 0

    def _write(self, data: bytes | memoryview) -> tuple[Error, int]:
        end = self._pointer + len(data)
        self._data[self._pointer : end] = data
        self._pointer = end
        return Error.OK, len(data)

    def _read(self, size: int) -> tuple[Error, bytes]:
        chunk = bytes(self._data[self._pointer : self._pointer + size])
        self._pointer += len(chunk)
        return Error.OK, chunk

    def _available(self) -> int:
        return len(self._data) - self._pointer

    def get_data(self, bytes: int) -> list[Any]:
        """Exactly ``bytes`` bytes, or ``ERR_INVALID_PARAMETER`` and nothing consumed."""
        if bytes < 0 or bytes > self._available():
            fail_cond(
                "get_data",
                "p_bytes < 0 || p_bytes > get_available_bytes()",
                Error.ERR_INVALID_PARAMETER,
                log=logger,
            )
            return [Error.ERR_INVALID_PARAMETER, b""]
        return list(self._take(bytes))

    def _take(self, size: int) -> tuple[Error, bytes]:
        if size > self._available():
            return Error.ERR_INVALID_PARAMETER, b""
        return self._read(size)

    def _take_untrusted(self, size: int) -> tuple[Error, bytes]:
        """The buffer never holds more than it has: one whole read, nothing consumed on fail."""
        return self._take(size)

    def seek(self, position: int) -> None:
        """Move the read/write position to [code]position[/code], from 0 to [method get_size].
        Another value logs an error and leaves the position where it was.
        """
        if position < 0 or position > len(self._data):
            fail_cond("seek", "p_pos < 0 || p_pos > data.size()", log=logger)
            return
        self._pointer = position

    def get_size(self) -> int:
        """Returns the size of the data array in bytes."""
        return len(self._data)

    def get_position(self) -> int:
        """Returns the read/write position."""
        return self._pointer

    def resize(self, size: int) -> None:
        """Make the data array [code]size[/code] bytes long, adding zero bytes or cutting the end. A
        position past the new end moves back to it. A negative size, or one above 2147483647 (the
        engine's limit), logs an error and changes nothing.
        """
        if size < 0:
            fail_cond("resize", "p_size < 0", log=logger)
            return
        if size > INT32_MAX:  # the engine's size is a C int: nothing larger can be asked
            fail_cond("resize", "p_size > INT32_MAX", log=logger)
            return
        try:
            if size > len(self._data):
                self._data.extend(bytes(size - len(self._data)))
            else:
                del self._data[size:]
        except MemoryError:  # the engine's allocation check
            fail_cond("resize", "!mem", Error.ERR_OUT_OF_MEMORY, log=logger)
            return
        self._pointer = min(self._pointer, size)

    def set_data_array(self, data: bytes) -> None:
        """The whole contents of the buffer.

        Setting it replaces the contents and moves the read/write position back to 0.
        """
        self._data = bytearray(data)
        self._pointer = 0

    def get_data_array(self) -> bytes:
        """Returns a copy of [member data_array]."""
        return bytes(self._data)

    def clear(self) -> None:
        """Empty the buffer and move the read/write position back to 0."""
        self._data.clear()
        self._pointer = 0

    def duplicate(self) -> StreamPeerBuffer:
        """Returns a new buffer with a copy of the contents, positioned at the start."""
        copy = StreamPeerBuffer()
        copy._data = bytearray(self._data)
        return copy

    @classmethod
    def _bind_methods(cls) -> None:
        bind = ClassDB.bind_method
        bind(cls, "seek", args=("position",))
        bind(cls, "get_size", const=True)
        bind(cls, "get_position", const=True)
        bind(cls, "resize", args=("size",))
        bind(cls, "set_data_array", args=("data",))
        bind(cls, "get_data_array", const=True)
        bind(cls, "clear")
        bind(cls, "duplicate", const=True)
        ClassDB.add_property(
            cls,
            PropertyInfo(name="data_array", type=VariantType.POOL_BYTE_ARRAY),
            "set_data_array",
            "get_data_array",
        )


ClassDB.register_class(StreamPeerBuffer)
