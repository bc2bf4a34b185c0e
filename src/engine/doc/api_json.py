"""GDNative ``api.json`` in its 3.x shape (§5.2), and a pydantic model of that shape.

Owns element 0 (the ``GlobalConstants`` pseudo class with the @GlobalScope names 3.5 binds for
our global enums), the class entries sorted by name, the engine's key and constant order, its
oddities (``instanciable``, ``is_virtual`` for every ``_`` name), which classes are singletons,
and the output format. The document is built through the models, so it cannot leave the
shape; the models are strict and forbid unknown keys, so tests validate the output with them
too. Imports
``engine.object_model``, pydantic, ``model`` and ``spelling``.
"""

from __future__ import annotations

import json
from typing import Final

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


#: Members of our PropertyHint and PropertyUsage that the engine's C++ enums have but its 3.5
#: @GlobalScope does not bind (scripts never see them), so api.json leaves them out too.
_UNBOUND_IN_3_5: Final = frozenset(
    {
        *(
            f"PROPERTY_HINT_{name}"
            for name in (
                "LOCALE_ID",
                "METHOD_OF_BASE_TYPE",
                "METHOD_OF_INSTANCE",
                "METHOD_OF_SCRIPT",
                "METHOD_OF_VARIANT_TYPE",
                "NODE_PATH_TO_EDITED_NODE",
                "NODE_PATH_VALID_TYPES",
                "OBJECT_ID",
                "OBJECT_TOO_BIG",
                "PROPERTY_OF_BASE_TYPE",
                "PROPERTY_OF_INSTANCE",
                "PROPERTY_OF_SCRIPT",
                "PROPERTY_OF_VARIANT_TYPE",
                "SAVE_FILE",
                "SPRITE_FRAME",
                "TYPE_STRING",
            )
        ),
        *(
            f"PROPERTY_USAGE_{name}"
            for name in (
                "ANIMATE_AS_TRIGGER",
                "CLASS_IS_ENUM",
                "DO_NOT_SHARE_ON_DUPLICATE",
                "HIGH_END_GFX",
                "INTERNAL",
                "KEYING_INCREMENTS",
                "NIL_IS_VARIANT",
                "NODE_PATH_FROM_SCENE_ROOT",
                "RESOURCE_NOT_PERSISTENT",
                "SCRIPT_DEFAULT_VALUE",
                "STORE_IF_NULL",
                "UPDATE_ALL_IF_MODIFIED",
            )
        ),
    }
)

#: Classes whose one instance the engine registers as a singleton under this name.
_SINGLETONS: Final = {"IP": "IP"}


def global_constants() -> dict[str, int]:
    """The @GlobalScope names 3.5 binds for Error, VariantType, PropertyHint, PropertyUsage and
    MethodFlags."""
    names: dict[str, int] = {e.name: int(e) for e in Error}
    names.update({_TYPE_NAMES.get(t, f"TYPE_{t.name}"): int(t) for t in VariantType})
    names["TYPE_MAX"] = len(VariantType)
    names.update({f"PROPERTY_HINT_{h.name}": int(h) for h in PropertyHint})
    names.update({f"PROPERTY_USAGE_{n}": int(u) for n, u in PropertyUsage.__members__.items()})
    names.update(
        {f"METHOD_FLAG_{n}": int(f) for n, f in MethodFlags.__members__.items() if n != "DEFAULT"}
    )
    names["METHOD_FLAGS_DEFAULT"] = int(MethodFlags.DEFAULT)
    return sorted_constants({n: v for n, v in names.items() if n not in _UNBOUND_IN_3_5})


def sorted_constants(constants: dict[str, int]) -> dict[str, int]:
    """The engine's order: its case-insensitive comparison upper-cases both sides, so ``_``
    (0x5F) sorts after the letters: ``MULTIPLE_CHOICES`` before ``MULTI_STATUS``."""
    return {name: constants[name] for name in sorted(constants, key=str.upper)}


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
        singleton=doc.name in _SINGLETONS,
        singleton_name=_SINGLETONS.get(doc.name, ""),
        instanciable=doc.instanciable,
        is_reference=doc.is_reference,
        constants=sorted_constants({c.name: c.value for c in doc.constants}),
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
        is_reference=False,
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
