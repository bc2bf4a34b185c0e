"""GDNative ``api.json`` in its 3.x shape (§5.2), and a pydantic model of that shape.

Owns element 0 (the ``GlobalConstants`` pseudo class with the @GlobalScope names of our global
enums), the class entries sorted by name, the engine's key order and oddities (``instanciable``,
``is_reference`` true on GlobalConstants, ``is_virtual`` for every ``_`` name) and the output
format. The document is built through the models, so it cannot leave the shape; the models are
strict and forbid unknown keys, so tests validate the output with them too. Imports
``engine.object_model``, pydantic, ``model`` and ``spelling``.
"""

from __future__ import annotations

import json

from pydantic import BaseModel, ConfigDict, TypeAdapter

from engine.object_model import (
    ClassDB,
    Error,
    MethodFlags,
    PropertyHint,
    PropertyUsage,
    VariantType,
)

from .model import ArgumentDoc, ClassDoc, MethodDoc, class_doc
from .spelling import api_argument_type, api_return_type, default_text


class _Shape(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class ApiArgument(_Shape):
    name: str
    type: str
    has_default_value: bool
    default_value: str


class ApiProperty(_Shape):
    name: str
    type: str
    getter: str
    setter: str
    index: int


class ApiSignal(_Shape):
    name: str
    arguments: list[ApiArgument]


class ApiMethod(_Shape):
    name: str
    return_type: str
    is_editor: bool
    is_noscript: bool
    is_const: bool
    is_reverse: bool
    is_virtual: bool
    has_varargs: bool
    is_from_script: bool
    arguments: list[ApiArgument]


class ApiEnum(_Shape):
    name: str
    values: dict[str, int]


class ApiClass(_Shape):
    name: str
    base_class: str
    api_type: str
    singleton: bool
    singleton_name: str
    instanciable: bool
    is_reference: bool
    constants: dict[str, int]
    properties: list[ApiProperty]
    signals: list[ApiSignal]
    methods: list[ApiMethod]
    enums: list[ApiEnum]


#: Validates a whole document: ``API_DOCUMENT.validate_json(text)``.
API_DOCUMENT: TypeAdapter[list[ApiClass]] = TypeAdapter(list[ApiClass])

#: @GlobalScope spells the Pool array types by their older names.
_TYPE_NAMES = {
    VariantType.POOL_BYTE_ARRAY: "TYPE_RAW_ARRAY",
    VariantType.POOL_INT_ARRAY: "TYPE_INT_ARRAY",
    VariantType.POOL_REAL_ARRAY: "TYPE_REAL_ARRAY",
    VariantType.POOL_STRING_ARRAY: "TYPE_STRING_ARRAY",
    VariantType.POOL_VECTOR2_ARRAY: "TYPE_VECTOR2_ARRAY",
    VariantType.POOL_VECTOR3_ARRAY: "TYPE_VECTOR3_ARRAY",
    VariantType.POOL_COLOR_ARRAY: "TYPE_COLOR_ARRAY",
}


def global_constants() -> dict[str, int]:
    """The @GlobalScope names of Error, VariantType, PropertyHint, PropertyUsage, MethodFlags."""
    names: dict[str, int] = {e.name: int(e) for e in Error}
    names.update({_TYPE_NAMES.get(t, f"TYPE_{t.name}"): int(t) for t in VariantType})
    names.update({f"PROPERTY_HINT_{h.name}": int(h) for h in PropertyHint})
    names.update({f"PROPERTY_USAGE_{n}": int(u) for n, u in PropertyUsage.__members__.items()})
    names.update(
        {
            f"METHOD_FLAG_{n}": int(f)
            for n, f in MethodFlags.__members__.items()
            if n not in ("VARARG", "DEFAULT")
        }
    )
    names["METHOD_FLAGS_DEFAULT"] = int(MethodFlags.DEFAULT)
    return _sorted_constants(names)


def _sorted_constants(constants: dict[str, int]) -> dict[str, int]:
    return {name: constants[name] for name in sorted(constants, key=str.lower)}


def _argument(arg: ArgumentDoc) -> ApiArgument:
    return ApiArgument(
        name=arg.name,
        type=api_argument_type(arg.type),
        has_default_value=arg.has_default,
        default_value=default_text(arg.default) if arg.has_default else "",
    )


def _method(method: MethodDoc) -> ApiMethod:
    flags = method.flags
    return ApiMethod(
        name=method.name,
        return_type=api_return_type(method.returns),
        is_editor=bool(flags & MethodFlags.EDITOR),
        is_noscript=bool(flags & MethodFlags.NOSCRIPT),
        is_const=bool(flags & MethodFlags.CONST),
        is_reverse=bool(flags & MethodFlags.REVERSE),
        is_virtual=bool(flags & MethodFlags.VIRTUAL) or method.name.startswith("_"),
        has_varargs=bool(flags & MethodFlags.VARARG),
        is_from_script=bool(flags & MethodFlags.FROM_SCRIPT),
        arguments=[_argument(a) for a in method.arguments],
    )


def api_class(doc: ClassDoc) -> ApiClass:
    """One class entry (own members only)."""
    return ApiClass(
        name=doc.name,
        base_class=doc.parent,
        api_type="core",
        singleton=False,
        singleton_name="",
        instanciable=doc.instanciable,
        is_reference=doc.is_reference,
        constants=_sorted_constants({c.name: c.value for c in doc.constants}),
        properties=[
            ApiProperty(
                name=p.name,
                type=api_return_type(p.getter_returns or p.type),
                getter=p.getter,
                setter=p.setter,
                index=-1,
            )
            for p in doc.properties
        ],
        signals=[
            ApiSignal(name=s.name, arguments=[_argument(a) for a in s.arguments])
            for s in doc.signals
        ],
        methods=[_method(m) for m in doc.methods],
        enums=[
            ApiEnum(name=enum, values={c.name: c.value for c in doc.constants_of(enum)})
            for enum, _ in doc.enums
        ],
    )


def global_scope() -> ApiClass:
    """Element 0: the ``GlobalConstants`` pseudo class."""
    return ApiClass(
        name="GlobalConstants",
        base_class="",
        api_type="core",
        singleton=True,
        singleton_name="GlobalConstants",
        instanciable=False,
        is_reference=True,
        constants=global_constants(),
        properties=[],
        signals=[],
        methods=[],
        enums=[],
    )


def api_document() -> list[ApiClass]:
    """GlobalConstants, then every registered class sorted by name."""
    return [global_scope()] + [
        api_class(class_doc(n, with_defaults=False)) for n in sorted(ClassDB.get_class_list())
    ]


def api_json_text() -> str:
    """The document as JSON: tab indentation, non-ASCII kept, a final newline."""
    data = [entry.model_dump() for entry in api_document()]
    return json.dumps(data, indent="\t", ensure_ascii=False) + "\n"
