"""How the generated documents spell a type and a default value.

Owns the type table of object_model_reference.md §5 (one descriptor, four spellings: XML
``type``/``enum``, text page, api.json return, api.json argument) and the two value forms: the
literal form of §5.1 (XML and text page) and the Variant-to-String text of §3.3 (api.json).
Imports ``engine.object_model`` only; kept apart from ``model`` so that every writer spells a
type the same way without knowing where the descriptor came from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from engine.object_model import PropertyUsage, VariantType
from engine.object_model.variant import stringify, type_name

_POOL_TYPES = frozenset(
    {
        VariantType.POOL_BYTE_ARRAY,
        VariantType.POOL_INT_ARRAY,
        VariantType.POOL_REAL_ARRAY,
        VariantType.POOL_STRING_ARRAY,
        VariantType.POOL_VECTOR2_ARRAY,
        VariantType.POOL_VECTOR3_ARRAY,
        VariantType.POOL_COLOR_ARRAY,
    }
)


@dataclass(frozen=True)
class TypeRef:
    """The part of a property, argument or return descriptor that names a type."""

    type: int = VariantType.NIL
    class_name: str = ""
    usage: int = PropertyUsage.DEFAULT

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> TypeRef:
        """From an engine descriptor dictionary (``class_get_method_list`` and friends)."""
        return cls(int(d["type"]), str(d["class_name"]), int(d["usage"]))

    @property
    def enum(self) -> str:
        """``"C.E"`` or ``"Error"`` for an enum-typed int, else ``""``."""
        return self.class_name if self.type == VariantType.INT else ""

    @property
    def is_variant(self) -> bool:
        """A NIL return that means "any value" (a NIL argument or property always does)."""
        return self.type == VariantType.NIL and bool(self.usage & PropertyUsage.NIL_IS_VARIANT)

    def base_name(self, returning: bool = False) -> str:
        """The name without enum information: ``int``, ``StreamPeer``, ``Variant``, ``void``."""
        if self.type == VariantType.NIL:
            return "void" if returning and not self.is_variant else "Variant"
        if self.type == VariantType.OBJECT:
            return self.class_name or "Object"
        return type_name(self.type)


def xml_type(ref: TypeRef, returning: bool = False) -> tuple[str, str]:
    """The XML ``type`` and ``enum`` attributes (``enum`` empty when there is none)."""
    if ref.enum:
        return "int", ref.enum
    return ref.base_name(returning), ""


def text_type(ref: TypeRef, page: str, returning: bool = False) -> str:
    """The text page's name: an enum of the page's own class by its short name."""
    enum = ref.enum
    if not enum:
        return ref.base_name(returning)
    owner, _, short = enum.rpartition(".")
    return short if owner == page else enum


def api_return_type(ref: TypeRef) -> str:
    """api.json ``return_type`` (and property ``type``): ``enum.C::E``, ``enum.Error``, ..."""
    if ref.enum:
        return "enum." + ref.enum.replace(".", "::")
    return ref.base_name(returning=True)


def api_argument_type(ref: TypeRef) -> str:
    """api.json argument ``type``: enum-typed arguments are plain ``int``."""
    return "int" if ref.enum else ref.base_name()


def literal(value: Any, vtype: int = VariantType.NIL) -> str:
    """The literal form of a default value (§5.1): ``true``, ``4096``, ``1.0``, ``"a\\"b"``.

    ``vtype`` is the declared type; it tells a Pool array from an Array, both Python lists.
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, float):
        return _float_literal(value)
    if isinstance(value, str):
        return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'
    if isinstance(value, bytes | bytearray | memoryview):
        return _sequence("PoolByteArray(", [str(b) for b in bytes(value)], ")")
    if isinstance(value, list | tuple):
        if vtype in _POOL_TYPES:
            items = [literal(v) for v in value]
            return _sequence(type_name(vtype) + "(", items, ")")
        return _sequence("[", [literal(v) for v in value], "]")
    if isinstance(value, dict):
        if not value:
            return "{}"
        pairs = [f"{literal(k)}: {literal(v)}" for k, v in value.items()]
        return "{ " + ", ".join(pairs) + " }"
    return stringify(value)


def _sequence(opening: str, items: list[str], closing: str) -> str:
    """``[  ]`` when empty (the engine's construct string), ``[ a, b ]`` otherwise."""
    return f"{opening} {', '.join(items)} {closing}"


def _float_literal(value: float) -> str:
    if math.isnan(value):
        return "nan"
    if math.isinf(value):
        return "inf" if value > 0 else "-inf"
    text = repr(value)
    return text if any(c in text for c in ".e") else text + ".0"


def default_text(value: Any) -> str:
    """api.json ``default_value``: the engine's Variant-to-String text (§3.3)."""
    return stringify(value)
