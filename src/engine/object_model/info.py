"""Metadata records of the binding layer and the enums they are written in.

``PropertyInfo``, ``ArgumentInfo`` and ``MethodInfo`` are frozen pydantic models: validated
once, when a class registers, and turned into the engine's dictionary shapes by ``as_dict()``
(fresh plain dicts, ints for enum values, key order as the engine's). Imports ``variant`` only.
"""

from __future__ import annotations

import copy
from enum import IntEnum, IntFlag
from typing import Any, Self

from pydantic import BaseModel, ConfigDict, Field, StrictStr, ValidationError, model_validator

from .variant import VariantType


class PropertyHint(IntEnum):
    """Editor hints, numbered as in the engine's 3.5 release (the numbers shift between minors)."""

    NONE = 0
    RANGE = 1
    EXP_RANGE = 2
    ENUM = 3
    EXP_EASING = 4
    LENGTH = 5
    SPRITE_FRAME = 6
    KEY_ACCEL = 7
    FLAGS = 8
    LAYERS_2D_RENDER = 9
    LAYERS_2D_PHYSICS = 10
    LAYERS_2D_NAVIGATION = 11
    LAYERS_3D_RENDER = 12
    LAYERS_3D_PHYSICS = 13
    LAYERS_3D_NAVIGATION = 14
    FILE = 15
    DIR = 16
    GLOBAL_FILE = 17
    GLOBAL_DIR = 18
    RESOURCE_TYPE = 19
    MULTILINE_TEXT = 20
    PLACEHOLDER_TEXT = 21
    COLOR_NO_ALPHA = 22
    IMAGE_COMPRESS_LOSSY = 23
    IMAGE_COMPRESS_LOSSLESS = 24
    OBJECT_ID = 25
    TYPE_STRING = 26
    NODE_PATH_TO_EDITED_NODE = 27
    METHOD_OF_VARIANT_TYPE = 28
    METHOD_OF_BASE_TYPE = 29
    METHOD_OF_INSTANCE = 30
    METHOD_OF_SCRIPT = 31
    PROPERTY_OF_VARIANT_TYPE = 32
    PROPERTY_OF_BASE_TYPE = 33
    PROPERTY_OF_INSTANCE = 34
    PROPERTY_OF_SCRIPT = 35
    OBJECT_TOO_BIG = 36
    NODE_PATH_VALID_TYPES = 37
    SAVE_FILE = 38
    ENUM_SUGGESTION = 39
    LOCALE_ID = 40


class PropertyUsage(IntFlag):
    """Where a property is stored and shown (bits unchanged across 3.1-3.6)."""

    STORAGE = 1
    EDITOR = 2
    NETWORK = 4
    EDITOR_HELPER = 8
    CHECKABLE = 16
    CHECKED = 32
    INTERNATIONALIZED = 64
    GROUP = 128
    CATEGORY = 256
    NO_INSTANCE_STATE = 2048
    RESTART_IF_CHANGED = 4096
    SCRIPT_VARIABLE = 8192
    STORE_IF_NULL = 16384
    ANIMATE_AS_TRIGGER = 32768
    UPDATE_ALL_IF_MODIFIED = 65536
    SCRIPT_DEFAULT_VALUE = 131072
    CLASS_IS_ENUM = 262144
    NIL_IS_VARIANT = 524288
    INTERNAL = 1048576
    DO_NOT_SHARE_ON_DUPLICATE = 2097152
    HIGH_END_GFX = 4194304
    NODE_PATH_FROM_SCENE_ROOT = 8388608
    RESOURCE_NOT_PERSISTENT = 16777216
    KEYING_INCREMENTS = 33554432
    DEFAULT = STORAGE | EDITOR | NETWORK
    DEFAULT_INTL = DEFAULT | INTERNATIONALIZED
    NOEDITOR = STORAGE | NETWORK


class MethodFlags(IntFlag):
    """How a bound method may be called and shown."""

    NORMAL = 1
    EDITOR = 2
    NOSCRIPT = 4
    CONST = 8
    REVERSE = 16
    VIRTUAL = 32
    FROM_SCRIPT = 64
    VARARG = 128
    DEFAULT = NORMAL


class ConnectFlags(IntFlag):
    """Options of a signal connection (Object's ``CONNECT_*`` constants)."""

    DEFERRED = 1
    PERSIST = 2
    ONESHOT = 4
    REFERENCE_COUNTED = 8


class PropertyInfo(BaseModel):
    """One property (or category/group entry, or argument/return descriptor)."""

    model_config = ConfigDict(frozen=True)

    name: StrictStr
    class_name: StrictStr = ""
    type: VariantType = VariantType.NIL
    hint: PropertyHint = PropertyHint.NONE
    hint_string: StrictStr = ""
    usage: PropertyUsage = PropertyUsage.DEFAULT

    @model_validator(mode="before")
    @classmethod
    def _resource_class(cls, data: Any) -> Any:
        # A resource-typed value names its class in hint_string; the engine copies it over.
        if (
            isinstance(data, dict)
            and data.get("hint") == PropertyHint.RESOURCE_TYPE
            and not data.get("class_name")
            and data.get("hint_string")
        ):
            data = {**data, "class_name": data["hint_string"]}
        return data

    def as_dict(self) -> dict[str, Any]:
        """The engine's property dictionary: six keys, plain ints, a new dict each call."""
        return {
            "name": self.name,
            "class_name": self.class_name,
            "type": int(self.type),
            "hint": int(self.hint),
            "hint_string": self.hint_string,
            "usage": int(self.usage),
        }

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> Self:
        """Build from an engine-style dict: missing keys take defaults, unknown keys are ignored.

        Raises ``TypeError`` for a value of the wrong type.
        """
        if not isinstance(d, dict):
            raise TypeError(f"expected a dict, got {type(d).__name__}")
        known = {k: v for k, v in d.items() if k in cls.model_fields}
        try:
            return cls(**known)
        except ValidationError as exc:
            raise TypeError(str(exc)) from None


class ArgumentInfo(PropertyInfo):
    """One argument of a method or signal; ``name`` is the registered argument name."""


VOID: PropertyInfo = PropertyInfo(name="")
VARIANT: PropertyInfo = PropertyInfo(
    name="", usage=PropertyUsage.DEFAULT | PropertyUsage.NIL_IS_VARIANT
)


def _copy_values(values: tuple[Any, ...]) -> list[Any]:
    """A new list of ``values``; containers inside are deep-copied, plain values shared."""
    if any(isinstance(v, list | dict) for v in values):
        return copy.deepcopy(list(values))
    return list(values)


class MethodInfo(BaseModel):
    """A bound method or a signal. ``return_val`` is written under the key ``return``."""

    model_config = ConfigDict(frozen=True)

    name: StrictStr
    args: tuple[ArgumentInfo, ...] = ()
    default_args: tuple[Any, ...] = ()
    flags: MethodFlags = MethodFlags.NORMAL
    id: int = 0
    return_val: PropertyInfo = Field(default=VOID)

    @model_validator(mode="after")
    def _defaults_fit(self) -> Self:
        if len(self.default_args) > len(self.args):
            raise ValueError(
                f"method '{self.name}' has {len(self.default_args)} defaults "
                f"but only {len(self.args)} arguments"
            )
        return self

    def as_dict(self) -> dict[str, Any]:
        """The engine's method/signal dictionary; defaults are deep copies."""
        return {
            "name": self.name,
            "args": [a.as_dict() for a in self.args],
            "default_args": _copy_values(self.default_args),
            "flags": int(self.flags),
            "id": self.id,
            "return": self.return_val.as_dict(),
        }
