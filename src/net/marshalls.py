"""The engine's binary Variant format (3.x ``encode_variant`` / ``decode_variant``).

Owns the byte layout ``StreamPeer.put_var`` / ``get_var`` exchange with engine peers, and
``EncodedObjectAsID``, what an object sent by id decodes to. Imports ``engine.object_model``
and the standard library; no I/O.

Why a module of its own: the format is a pure function of a value, so it is tested from byte
tables without a stream. Both directions walk containers with an explicit stack, never by
recursion, so the engine's nesting limit (1024) holds however deep a value or a peer's bytes
go, and Python's own recursion limit is never reached. The decoder allocates only in
proportion to the bytes it was given: every count is checked against what is left first.

The layout (all little-endian, whatever ``big_endian`` says; only ``put_var``'s length prefix
follows it): a 32-bit header, the type number in its low byte and one flag in bit 16 (an int
or float stored in 64 bits; an object sent as its instance id), then the payload. Strings are
a 32-bit byte count, their UTF-8 bytes and zero padding to a multiple of 4.
"""

from __future__ import annotations

import array
import itertools
import logging
import struct
import sys
from collections.abc import Iterator
from typing import Any, Final

from engine.object_model import (
    ClassDB,
    Error,
    Object,
    PropertyInfo,
    PropertyUsage,
    Reference,
    VariantType,
    is_instance_valid,
)
from engine.object_model.errors import err_print

#: The engine's nesting limit (``Variant::MAX_RECURSION_DEPTH``): a value deeper than this
#: many containers is refused both ways.
MAX_RECURSION_DEPTH: Final = 1024
#: The number of Variant types of the 3.x line; a header naming another is malformed.
VARIANT_MAX: Final = 27
#: The header's type bits, and its one flag (the same bit means both things).
TYPE_MASK: Final = 0xFF
FLAG_64: Final = 1 << 16
FLAG_OBJECT_AS_ID: Final = FLAG_64

_INT32_MIN: Final = -(2**31)
_INT32_MAX: Final = 2**31 - 1
_INT64_MIN: Final = -(2**63)
_INT64_MAX: Final = 2**63 - 1
_LITTLE_HOST: Final = sys.byteorder == "little"

_U32: Final = struct.Struct("<I")
_I32: Final = struct.Struct("<i")
_I64: Final = struct.Struct("<q")
_U64: Final = struct.Struct("<Q")
_F32: Final = struct.Struct("<f")
_F64: Final = struct.Struct("<d")
_ZEROS: Final = (b"", b"\0\0\0", b"\0\0", b"\0")  # padding after n bytes: _ZEROS[n % 4]
_BOM: Final = b"\xef\xbb\xbf"

_NIL, _BOOL, _INT, _REAL, _STRING = 0, 1, 2, 3, 4
_OBJECT, _DICT, _ARRAY, _BYTES, _INTS, _REALS, _STRINGS = 17, 18, 19, 20, 21, 22, 23


def _header(kind: int, flags: int = 0) -> bytes:
    return _U32.pack(kind | flags)


_H_NIL, _H_TRUE, _H_FALSE = _header(_NIL), _header(_BOOL) + b"\1\0\0\0", _header(_BOOL) + bytes(4)
_H_INT32, _H_INT64 = _header(_INT), _header(_INT, FLAG_64)
_H_REAL32, _H_REAL64 = _header(_REAL), _header(_REAL, FLAG_64)
_H_STRING, _H_DICT, _H_ARRAY = _header(_STRING), _header(_DICT), _header(_ARRAY)
_H_BYTES, _H_INTS, _H_REALS = _header(_BYTES), _header(_INTS), _header(_REALS)
_H_OBJECT, _H_OBJECT_ID = _header(_OBJECT), _header(_OBJECT, FLAG_OBJECT_AS_ID)


class VariantEncodeError(ValueError):
    """A value the engine's format cannot carry (Python-only ``encode_variant``)."""

    def __init__(self, error: Error, function: str, message: str) -> None:
        super().__init__(message)
        self.error = error
        self.function = function
        self.message = message

    def log(self, log: logging.Logger) -> None:
        """Write the one engine-style line the engine prints first for this failure."""
        err_print(self.function, self.message, log)


class VariantDecodeError(ValueError):
    """Bytes that are not one well-formed Variant (Python-only ``decode_variant``).

    ``error`` is the engine's code; ``function`` and ``message`` make the engine's line.
    """

    def __init__(self, error: Error, function: str, message: str) -> None:
        super().__init__(f"{function}: {message}")
        self.error = error
        self.function = function
        self.message = message

    def log(self, log: logging.Logger) -> None:
        """Write the one engine-style line the engine prints first for this failure."""
        err_print(self.function, self.message, log)


def _cond(function: str, condition: str, error: Error) -> VariantDecodeError:
    return VariantDecodeError(
        error, function, f'Condition "{condition}" is true. Returned: {error.name}'
    )


class EncodedObjectAsID(Reference):
    """Stands for an object that a peer sent as its instance id (without its contents).

    [method StreamPeer.get_var] returns one when the bytes hold an object id rather than a full
    object; the id names an object in the sending process, not in this one.
    """

    object_id: int  # a ClassDB property, declared for type checkers

    def __init__(self) -> None:
        super().__init__()
        self._object_id = 0

    def set_object_id(self, id: int) -> None:
        """The instance id the peer sent."""
        self._object_id = id

    def get_object_id(self) -> int:
        """Returns [member object_id]."""
        return self._object_id

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "set_object_id", args=("id",))
        ClassDB.bind_method(cls, "get_object_id", const=True)
        ClassDB.add_property(
            cls,
            PropertyInfo(name="object_id", type=VariantType.INT),
            "set_object_id",
            "get_object_id",
        )


ClassDB.register_class(EncodedObjectAsID)


# --- encoding -----------------------------------------------------------------------------


def _put_string(out: bytearray, text: str) -> None:
    data = text.encode("utf-8", "surrogatepass")
    out += _U32.pack(len(data))
    out += data
    out += _ZEROS[len(data) % 4]


def _put_int(out: bytearray, value: int) -> None:
    if _INT32_MIN <= value <= _INT32_MAX:
        out += _H_INT32
        out += _I32.pack(value)
    elif _INT64_MIN <= value <= _INT64_MAX:
        out += _H_INT64
        out += _I64.pack(value)
    else:
        raise VariantEncodeError(
            Error.ERR_INVALID_PARAMETER,
            "encode_variant",
            f"The integer {value} does not fit the engine's 64 bits.",
        )


def _put_float(out: bytearray, value: float) -> None:
    """32 bits when a float32 holds the value exactly, as the engine decides; else 64."""
    try:
        packed = _F32.pack(value)
    except OverflowError:  # beyond float32's range: the engine's float would be inf
        packed = b""
    if packed and _F32.unpack(packed)[0] == value:
        out += _H_REAL32
        out += packed
    else:  # NaN lands here too: it never equals itself, so the engine also sends 64 bits
        out += _H_REAL64
        out += _F64.pack(value)


def _put_pool(out: bytearray, header: bytes, values: array.array[Any]) -> None:
    out += header
    out += _U32.pack(len(values))
    if _LITTLE_HOST:
        out += values.tobytes()
    else:
        swapped = array.array(values.typecode, values)
        swapped.byteswap()
        out += swapped.tobytes()


def _object_values(obj: Object, names: list[str], out: bytearray) -> Iterator[Any]:
    """Each stored property's value, its name written just before (for the stack walk)."""
    for name in names:
        _put_string(out, name)
        yield obj.get(name)


def encode_variant(value: Any, full_objects: bool = False) -> bytes:
    """The engine's bytes for ``value`` (Python-only; ``put_var`` writes them after a length).

    Python types: None, bool, int (32 or 64 bits), float (32 bits when exact, else 64), str,
    list and tuple (Array), dict (Dictionary, in its order), bytes/bytearray/memoryview
    (PoolByteArray), ``array('i')`` (PoolIntArray), ``array('f')`` (PoolRealArray) and engine
    Objects: by instance id, or with ``full_objects`` by class name and stored properties; a
    freed object is sent as null. Raises ``VariantEncodeError`` for anything else, an int
    beyond 64 bits, or nesting deeper than ``MAX_RECURSION_DEPTH`` (a value containing
    itself ends there, as in the engine).
    """
    out = bytearray()
    u32, zeros = _U32.pack, _ZEROS
    stack: list[Iterator[Any]] = [iter((value,))]
    while stack:
        depth = len(stack) - 1
        for item in stack[-1]:
            if depth > MAX_RECURSION_DEPTH:
                raise VariantEncodeError(
                    Error.ERR_OUT_OF_MEMORY,
                    "encode_variant",
                    "Potential infinite recursion detected. Bailing.",
                )
            kind = type(item)
            if kind is str:  # _put_string in line: the most common leaf
                data = item.encode("utf-8", "surrogatepass")
                out += _H_STRING
                out += u32(len(data))
                out += data
                out += zeros[len(data) % 4]
            elif kind is int:
                _put_int(out, item)
            elif kind is float:
                _put_float(out, item)
            elif kind is bool:
                out += _H_TRUE if item else _H_FALSE
            elif item is None:
                out += _H_NIL
            else:
                inner = _put_composite(out, item, full_objects)
                if inner is not None:
                    stack.append(inner)
                    break
        else:
            stack.pop()
    return bytes(out)


def _put_composite(out: bytearray, item: Any, full_objects: bool) -> Iterator[Any] | None:
    """Write a container's or object's head, or another leaf; the elements to write next."""
    if not isinstance(item, list | tuple | dict):
        if _put_other(out, item):
            return None
        if isinstance(item, Object):
            return _put_object(out, item, full_objects)
        raise VariantEncodeError(
            Error.ERR_INVALID_PARAMETER,
            "encode_variant",
            f"A value of Python type '{type(item).__name__}' has no Variant form.",
        )
    out += _H_DICT if isinstance(item, dict) else _H_ARRAY
    out += _U32.pack(len(item))
    if not item:
        return None
    if isinstance(item, dict):
        return itertools.chain.from_iterable(item.items())
    return iter(item)


def _put_object(out: bytearray, obj: Object, full_objects: bool) -> Iterator[Any] | None:
    if not is_instance_valid(obj):  # a freed object goes as null, as the engine sends it
        out += _H_NIL
        return None
    if not full_objects:
        out += _H_OBJECT_ID
        out += _U64.pack(obj.get_instance_id() & (2**64 - 1))
        return None
    out += _H_OBJECT
    _put_string(out, obj.get_class())
    names = [p["name"] for p in obj.get_property_list() if p["usage"] & PropertyUsage.STORAGE]
    out += _U32.pack(len(names))
    return _object_values(obj, names, out) if names else None


def _put_other(out: bytearray, item: Any) -> bool:
    """The leaf types past the common ones; ``False`` when ``item`` is none of them."""
    if isinstance(item, bytes | bytearray | memoryview):
        data = item.tobytes() if isinstance(item, memoryview) else item
        out += _H_BYTES
        out += _U32.pack(len(data))
        out += data
        out += _ZEROS[len(data) % 4]
        return True
    if isinstance(item, array.array):
        if item.typecode == "i" and item.itemsize == 4:
            _put_pool(out, _H_INTS, item)
        elif item.typecode == "f":
            _put_pool(out, _H_REALS, item)
        else:
            raise VariantEncodeError(
                Error.ERR_INVALID_PARAMETER,
                "encode_variant",
                f"An array of typecode '{item.typecode}' has no Variant form "
                "(use 'i' for PoolIntArray, 'f' for PoolRealArray).",
            )
        return True
    if isinstance(item, bool):
        out += _H_TRUE if item else _H_FALSE
        return True
    if isinstance(item, int):  # IntEnum members such as Error
        _put_int(out, int(item))
        return True
    if isinstance(item, float):
        _put_float(out, float(item))
        return True
    if isinstance(item, str):
        out += _H_STRING
        _put_string(out, str.__str__(item))
        return True
    return False


# --- decoding -----------------------------------------------------------------------------


class _Frame:
    """A container being filled while its elements are decoded (one per nesting level)."""

    __slots__ = ("in_key", "key", "kind", "left", "name", "target")

    def __init__(self, kind: int, target: Any, left: int, in_key: bool = False) -> None:
        self.kind = kind
        self.target = target  # the list, dict or Object being filled
        self.left = left  # elements (or pairs, or properties) still to come
        self.in_key = in_key  # an Array inside a Dictionary key: it becomes a tuple
        self.key: Any = _NO_KEY  # a Dictionary's pending key
        self.name = ""  # an Object's pending property name


_NO_KEY: Final[Any] = object()


def _read_string(data: bytes, pos: int) -> tuple[str, int]:
    """A length-prefixed, padded UTF-8 string at ``pos``; the text and the position after it.

    As the engine's parser does, the text ends at its first NUL byte and a leading byte order
    mark is dropped.
    """
    if len(data) - pos < 4:
        raise _cond("_decode_string", "len < 4", Error.ERR_INVALID_DATA)
    size = _I32.unpack_from(data, pos)[0]
    pos += 4
    if size < 0 or size + (-size % 4) > len(data) - pos:
        raise _cond("_decode_string", "strlen < 0 || strlen + pad > len", Error.ERR_FILE_EOF)
    return _text(data[pos : pos + size]), pos + size + (-size % 4)


def _text(raw: bytes) -> str:
    """UTF-8 bytes as the engine's parser reads them: up to the first NUL, without a leading
    byte order mark; lone surrogates kept (the engine's strings hold them)."""
    cut = raw.find(b"\0")
    if cut >= 0:
        raw = raw[:cut]
    if raw.startswith(_BOM):
        raw = raw[3:]
    try:
        return raw.decode("utf-8", "surrogatepass")
    except UnicodeDecodeError:
        raise _cond(
            "_decode_string", "str.parse_utf8((const char *)buf, strlen)", Error.ERR_INVALID_DATA
        ) from None


def _need(data: bytes, pos: int, size: int) -> None:
    if len(data) - pos < size:
        raise _cond("decode_variant", f"len < {size}", Error.ERR_INVALID_DATA)


def _count(data: bytes, pos: int) -> int:
    _need(data, pos, 4)
    count: int = _I32.unpack_from(data, pos)[0]
    return count


def _pool(data: bytes, pos: int, typecode: str) -> tuple[array.array[Any], int]:
    count = _count(data, pos)
    pos += 4
    if count < 0 or count > _INT32_MAX // 4:
        raise _cond(
            "decode_variant", "_S(count) < 0 || _S(count) > INT_MAX / _S(4)", Error.ERR_INVALID_DATA
        )
    if count * 4 > len(data) - pos:
        raise _cond("decode_variant", "count < 0 || count * 4 > len", Error.ERR_INVALID_DATA)
    values = array.array(typecode, data[pos : pos + count * 4])
    if not _LITTLE_HOST:
        values.byteswap()
    return values, pos + count * 4


_NOT_MAPPED: Final = {
    int(t): t.type_name
    for t in VariantType
    if int(t) not in (0, 1, 2, 3, 4, 17, 18, 19, 20, 21, 22, 23)
}


def decode_variant(
    data: bytes | bytearray | memoryview, allow_objects: bool = False
) -> tuple[Any, int]:
    """The value encoded at the start of ``data`` and the bytes it used (Python-only).

    Gives back the Python types ``encode_variant`` takes (an Array as a list, a PoolStringArray
    as a list of str, an object sent by id as an ``EncodedObjectAsID``). A list or pool array
    used as a Dictionary key comes back as a tuple, so it can be one. Raises
    ``VariantDecodeError`` with the engine's error for truncated or malformed bytes, nesting
    deeper than ``MAX_RECURSION_DEPTH``, a full object when ``allow_objects`` is false
    (``ERR_UNAUTHORIZED``) or of a class that cannot be instanced, and for the engine types
    engine-net has no Python form for (Vector2, Color, ...: ``ERR_UNAVAILABLE``).
    """
    if not isinstance(data, bytes):
        data = bytes(data)
    created: list[Object] = []  # plain Objects made so far: freed if the whole decode fails
    try:
        return _decode(data, allow_objects, created)
    except VariantDecodeError:
        for obj in created:
            obj.free()
        raise


def _decode(data: bytes, allow_objects: bool, created: list[Object]) -> tuple[Any, int]:
    """The walk itself: one value per turn of the loop, containers kept on ``stack``.

    Written for speed (locals for the unpackers, the common types first, strings read in
    line), since a 1 MiB Dictionary is some hundred thousand turns.
    """
    u32, i32, i64 = _U32.unpack_from, _I32.unpack_from, _I64.unpack_from
    f32, f64 = _F32.unpack_from, _F64.unpack_from
    end = len(data)
    stack: list[_Frame] = []
    top: _Frame | None = None
    pos = 0
    while True:
        if len(stack) > MAX_RECURSION_DEPTH:
            raise VariantDecodeError(
                Error.ERR_OUT_OF_MEMORY, "decode_variant", "Variant is too deep. Bailing."
            )
        if end - pos < 4:
            raise _cond("decode_variant", "len < 4", Error.ERR_INVALID_DATA)
        header = u32(data, pos)[0]
        pos += 4
        value: Any
        if header == _STRING:
            if end - pos < 4:
                raise _cond("_decode_string", "len < 4", Error.ERR_INVALID_DATA)
            size = i32(data, pos)[0]
            stop = pos + 4 + size
            if size < 0 or stop + (-size % 4) > end:
                raise _cond(
                    "_decode_string", "strlen < 0 || strlen + pad > len", Error.ERR_FILE_EOF
                )
            raw = data[pos + 4 : stop]
            pos = stop + (-size % 4)
            value = raw.decode("ascii") if raw.isascii() and b"\x00" not in raw else _text(raw)
        elif header == _INT:
            if end - pos < 4:
                raise _cond("decode_variant", "len < 4", Error.ERR_INVALID_DATA)
            value = i32(data, pos)[0]
            pos += 4
        elif header == _REAL:
            if end - pos < 4:
                raise _cond("decode_variant", "len < 4", Error.ERR_INVALID_DATA)
            value = f32(data, pos)[0]
            pos += 4
        elif header == _REAL | FLAG_64 or header == _INT | FLAG_64:
            if end - pos < 8:
                raise _cond("decode_variant", "len < 8", Error.ERR_INVALID_DATA)
            value = (f64 if header & TYPE_MASK == _REAL else i64)(data, pos)[0]
            pos += 8
        elif header == _NIL:
            value = None
        elif header == _BOOL:
            if end - pos < 4:
                raise _cond("decode_variant", "len < 4", Error.ERR_INVALID_DATA)
            value = u32(data, pos)[0] != 0
            pos += 4
        else:
            kind = header & TYPE_MASK
            if kind >= VARIANT_MAX:
                raise _cond(
                    "decode_variant",
                    "(type & ENCODE_MASK) >= Variant::VARIANT_MAX",
                    Error.ERR_INVALID_DATA,
                )
            as_key = top is not None and (top.in_key or (top.kind == _DICT and top.key is _NO_KEY))
            if kind in (_ARRAY, _DICT):
                count = _count(data, pos) & 0x7FFFFFFF  # the top bit once meant "shared"
                pos += 4
                if kind == _DICT and as_key:
                    raise VariantDecodeError(
                        Error.ERR_UNAVAILABLE,
                        "decode_variant",
                        "A Dictionary used as a Dictionary key has no Python form.",
                    )
                if count:
                    top = _Frame(kind, [] if kind == _ARRAY else {}, count, as_key)
                    stack.append(top)
                    continue
                value = () if as_key else [] if kind == _ARRAY else {}
            elif kind == _OBJECT and not header & FLAG_OBJECT_AS_ID:
                value, pos, frame = _start_object(data, pos, allow_objects, created)
                if frame is not None:
                    top = frame
                    stack.append(top)
                    continue
            else:
                value, pos = _decode_other(data, pos, header, as_key)
        # Hand the value to the containers it completes, innermost first.
        while top is not None:
            if top.kind == _DICT:
                if top.key is _NO_KEY:
                    top.key = value
                    break
                top.target[top.key] = value
                top.key = _NO_KEY
            elif top.kind == _ARRAY:
                top.target.append(value)
            else:
                top.target.set(top.name, value)
            top.left -= 1
            if top.left:
                if top.kind == _OBJECT:
                    top.name, pos = _read_string(data, pos)
                break
            stack.pop()
            value = tuple(top.target) if top.in_key else top.target
            top = stack[-1] if stack else None
        else:
            return value, pos


def _decode_other(data: bytes, pos: int, header: int, as_key: bool) -> tuple[Any, int]:
    """The less common leaves: headers with unusual bits, pool arrays, ids, other types."""
    kind = header & TYPE_MASK
    wide = header & FLAG_64
    value: Any
    if kind == _STRING:
        return _read_string(data, pos)
    if kind in (_INT, _REAL, _BOOL):
        size = 8 if wide and kind != _BOOL else 4
        _need(data, pos, size)
        if kind == _BOOL:
            return _U32.unpack_from(data, pos)[0] != 0, pos + 4
        unpack = {(_INT, 4): _I32, (_INT, 8): _I64, (_REAL, 4): _F32, (_REAL, 8): _F64}
        return unpack[kind, size].unpack_from(data, pos)[0], pos + size
    if kind == _NIL:
        return None, pos
    if kind == _BYTES:
        count = _count(data, pos)
        pos += 4
        if count < 0 or count > len(data) - pos:
            raise _cond("decode_variant", "count < 0 || count > len", Error.ERR_INVALID_DATA)
        return data[pos : pos + count], pos + count + (-count % 4)  # end padding may be missing
    if kind in (_INTS, _REALS):
        values, pos = _pool(data, pos, "i" if kind == _INTS else "f")
        return (tuple(values) if as_key else values), pos
    if kind == _STRINGS:
        count = _count(data, pos)
        pos += 4
        strings = []
        for _ in range(max(count, 0)):  # each string takes 4 bytes at least: bounded
            text, pos = _read_string(data, pos)
            strings.append(text)
        return (tuple(strings) if as_key else strings), pos
    if kind == _OBJECT:  # sent by id
        _need(data, pos, 8)
        object_id = _I64.unpack_from(data, pos)[0]
        value = None
        if object_id:
            value = EncodedObjectAsID()
            value.set_object_id(object_id)
        return value, pos + 8
    raise VariantDecodeError(
        Error.ERR_UNAVAILABLE,
        "decode_variant",
        f"Variant type {_NOT_MAPPED[kind]} has no Python form in engine-net.",
    )


def _start_object(
    data: bytes, pos: int, allow_objects: bool, created: list[Object]
) -> tuple[Any, int, _Frame | None]:
    """A full object's class and property count; a frame when properties follow."""
    if not allow_objects:
        raise _cond("decode_variant", "!p_allow_objects", Error.ERR_UNAUTHORIZED)
    class_name, pos = _read_string(data, pos)
    if not class_name:
        return None, pos, None
    if not (ClassDB.class_exists(class_name) and ClassDB.can_instance(class_name)):
        raise _cond("decode_variant", "!obj", Error.ERR_UNAVAILABLE)
    obj = ClassDB.instance(class_name)
    if not isinstance(obj, Object):
        raise _cond("decode_variant", "!obj", Error.ERR_UNAVAILABLE)
    if not isinstance(obj, Reference):
        created.append(obj)
    count = _count(data, pos)
    pos += 4
    if count <= 0:
        return obj, pos, None
    frame = _Frame(_OBJECT, obj, count)
    frame.name, pos = _read_string(data, pos)
    return None, pos, frame
