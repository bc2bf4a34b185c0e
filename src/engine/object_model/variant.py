"""Engine value types and the strict conversion done at the dynamic call boundary.

Python values stand in for the engine's Variant (String -> str, PoolByteArray -> bytes, ...).
This module names those types (``VariantType``), says which Python values a typed parameter
accepts and how they are converted (one small converter per type, picked once at
registration), and spells values as the engine's Variant-to-String does. It imports only
``errors``; objects are recognised through the ``is_engine_object`` hook that ``object.py`` sets.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from enum import IntEnum
from typing import Any, Final

from .errors import err_print


class VariantType(IntEnum):
    """``Variant::Type`` of the 3.x line; each member knows the engine's name for its type."""

    type_name: str

    def __new__(cls, value: int, type_name: str) -> VariantType:
        member = int.__new__(cls, value)
        member._value_ = value
        member.type_name = type_name
        return member

    NIL = 0, "Nil"
    BOOL = 1, "bool"
    INT = 2, "int"
    REAL = 3, "float"
    STRING = 4, "String"
    VECTOR2 = 5, "Vector2"
    RECT2 = 6, "Rect2"
    VECTOR3 = 7, "Vector3"
    TRANSFORM2D = 8, "Transform2D"
    PLANE = 9, "Plane"
    QUAT = 10, "Quat"
    AABB = 11, "AABB"
    BASIS = 12, "Basis"
    TRANSFORM = 13, "Transform"
    COLOR = 14, "Color"
    NODE_PATH = 15, "NodePath"
    RID = 16, "RID"
    OBJECT = 17, "Object"
    DICTIONARY = 18, "Dictionary"
    ARRAY = 19, "Array"
    POOL_BYTE_ARRAY = 20, "PoolByteArray"
    POOL_INT_ARRAY = 21, "PoolIntArray"
    POOL_REAL_ARRAY = 22, "PoolRealArray"
    POOL_STRING_ARRAY = 23, "PoolStringArray"
    POOL_VECTOR2_ARRAY = 24, "PoolVector2Array"
    POOL_VECTOR3_ARRAY = 25, "PoolVector3Array"
    POOL_COLOR_ARRAY = 26, "PoolColorArray"


def type_name(vtype: int) -> str:
    """The engine's name of the type numbered ``vtype`` (``"float"`` for 3)."""
    return _BY_VALUE[vtype].type_name


_BY_VALUE: Final[dict[int, VariantType]] = {int(t): t for t in VariantType}

#: Returned by a converter that refuses its value (cheaper than raising on the hot path).
REJECT: Final[Any] = object()

Converter = Callable[[Any], Any]

INT64_MIN: Final = -(2**63)
INT64_MAX: Final = 2**63 - 1


def _is_object_default(value: Any) -> bool:
    return False


#: Set by ``object.py``: tells an engine Object from any other Python value.
is_engine_object: Callable[[Any], bool] = _is_object_default
#: Set by ``object.py``: whether an engine Object has been freed.
is_freed: Callable[[Any], bool] = _is_object_default


def _to_bool(v: Any) -> Any:
    if type(v) is bool:
        return v
    if isinstance(v, int | float):
        return v != 0
    return REJECT


def _to_int(v: Any) -> Any:
    if type(v) is int:
        return v if INT64_MIN <= v <= INT64_MAX else REJECT
    if isinstance(v, int):  # bool and enum members become plain ints
        v = int(v)
        return v if INT64_MIN <= v <= INT64_MAX else REJECT
    if isinstance(v, float):
        if not math.isfinite(v):
            return REJECT
        v = int(v)  # truncates toward zero, as a C cast does
        return v if INT64_MIN <= v <= INT64_MAX else REJECT
    return REJECT


def _to_float(v: Any) -> Any:
    if type(v) is float:
        return v
    if isinstance(v, int | float):
        try:
            return float(v)
        except OverflowError:
            return REJECT
    return REJECT


def _to_string(v: Any) -> Any:
    if type(v) is str:
        return v
    return str.__str__(v) if isinstance(v, str) else REJECT


def _to_dict(v: Any) -> Any:
    return v if isinstance(v, dict) else REJECT


def _to_array(v: Any) -> Any:
    if isinstance(v, list):
        return v
    if isinstance(v, tuple):
        return list(v)
    if isinstance(v, bytes | bytearray | memoryview):
        return list(bytes(v))
    return REJECT


def _to_bytes(v: Any) -> Any:
    if type(v) is bytes:
        return v
    if isinstance(v, bytes | bytearray | memoryview):
        return bytes(v)
    if isinstance(v, list | tuple):
        for item in v:
            if not isinstance(item, int) or not 0 <= item <= 255:
                return REJECT
        return bytes(v)
    return REJECT


def _to_string_array(v: Any) -> Any:
    if isinstance(v, list | tuple):
        return string_array(v)
    return REJECT


def string_array(items: list[Any] | tuple[Any, ...]) -> list[str]:
    """A PoolStringArray made from a list or tuple: a new list (never the caller's), each
    item kept when it is a ``str``, else turned into its engine text."""
    if not items:
        return []  # the usual empty headers array, without a comprehension's frame
    return [item if type(item) is str else stringify(item) for item in items]


def _elements(convert: Converter) -> Converter:
    def to_array(v: Any) -> Any:
        if not isinstance(v, list | tuple):
            return REJECT
        out = [convert(item) for item in v]
        return REJECT if any(item is REJECT for item in out) else out

    return to_array


def _to_variant(v: Any) -> Any:
    return v


def object_converter(cls: type) -> Converter:
    """Converter for an Object parameter of class ``cls``: a wrong class or a freed object
    arrives as ``None`` (the engine's cast yields null); a non-Object is refused."""

    def to_object(v: Any) -> Any:
        if v is None:
            return None
        if not is_engine_object(v):
            return REJECT
        if is_freed(v) or not isinstance(v, cls):
            return None
        return v

    return to_object


CONVERTERS: Final[dict[VariantType, Converter]] = {
    VariantType.NIL: _to_variant,
    VariantType.BOOL: _to_bool,
    VariantType.INT: _to_int,
    VariantType.REAL: _to_float,
    VariantType.STRING: _to_string,
    VariantType.DICTIONARY: _to_dict,
    VariantType.ARRAY: _to_array,
    VariantType.POOL_BYTE_ARRAY: _to_bytes,
    VariantType.POOL_INT_ARRAY: _elements(_to_int),
    VariantType.POOL_REAL_ARRAY: _elements(_to_float),
    VariantType.POOL_STRING_ARRAY: _to_string_array,
}


def given_type_name(value: Any) -> str:
    """The engine's name for the type of ``value``, as call error texts print it."""
    if value is None:
        return "Nil"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, int):
        return "int"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "String"
    if is_engine_object(value):
        return "Object"
    if isinstance(value, dict):
        return "Dictionary"
    if isinstance(value, list | tuple):
        return "Array"
    if isinstance(value, bytes | bytearray | memoryview):
        return "PoolByteArray"
    return type(value).__name__


#: How many arrays and dictionaries deep ``stringify`` goes before it writes ``[...]``
#: (``{...}``) instead and logs once; the limit later engine releases use.
STRINGIFY_DEPTH_MAX: Final = 100


def stringify(value: Any) -> str:
    """The engine's Variant-to-String text of ``value`` (3.x rules).

    ``True``/``False``, floats with at most six decimals and no trailing zeros, ``Null``,
    ``[a, b]`` for lists, ``{k:v, k2:v2}`` for dictionaries (sorted by key), ``[Class:id]``
    for objects. An array or dictionary met again inside itself is written ``[...]`` or
    ``{...}``, as the 3.x engine does (it keeps a stack of the containers it is inside);
    nesting deeper than ``STRINGIFY_DEPTH_MAX`` is cut the same way with one error line, so
    no value makes it raise ``RecursionError``.
    """
    if type(value) is str:
        return value
    cut: list[str] = []
    text = _stringify(value, [], cut)
    if cut:
        kind = "array" if cut[0] == "[...]" else "dictionary"
        err_print("stringify", f"Maximum {kind} recursion reached!")
    return text


def _stringify(value: Any, inside: list[int], cut: list[str]) -> str:
    """``stringify`` below the top: ``inside`` holds the ids of the containers being written,
    ``cut`` receives the first placeholder written for a too deep one."""
    if value is None:
        return "Null"
    if isinstance(value, str):
        return str.__str__(value)
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        text = f"{value:.6f}".rstrip("0").rstrip(".")
        return "0" if text == "-0" else text
    if isinstance(value, list | tuple | dict):
        is_dict = isinstance(value, dict)
        placeholder = "{...}" if is_dict else "[...]"
        if id(value) in inside:
            return placeholder
        if len(inside) >= STRINGIFY_DEPTH_MAX:
            if not cut:
                cut.append(placeholder)
            return placeholder
        inside.append(id(value))
        try:
            if not isinstance(value, dict):
                return "[" + ", ".join([_stringify(item, inside, cut) for item in value]) + "]"
            try:
                items = sorted(value.items())
            except TypeError:
                items = list(value.items())
            pairs = [f"{_stringify(k, inside, cut)}:{_stringify(v, inside, cut)}" for k, v in items]
            return "{" + ", ".join(pairs) + "}"
        finally:
            inside.pop()
    if isinstance(value, bytes | bytearray | memoryview):
        return "[" + ", ".join(str(b) for b in bytes(value)) + "]"
    return str(value)
