"""Dictionary shapes, the enums and the text form (object_model_reference.md §1, §2, §3.3)."""

from __future__ import annotations

import enum
from typing import Any

import pytest

from engine.object_model import (
    ArgumentInfo,
    ConnectFlags,
    Error,
    MethodFlags,
    MethodInfo,
    Object,
    PropertyHint,
    PropertyInfo,
    PropertyUsage,
    VariantType,
)
from engine.object_model.variant import stringify

PROPERTY_KEYS = ["name", "class_name", "type", "hint", "hint_string", "usage"]
METHOD_KEYS = ["name", "args", "default_args", "flags", "id", "return"]
VOID = {"name": "", "class_name": "", "type": 0, "hint": 0, "hint_string": "", "usage": 7}


# --- §1.2 property dictionaries ---------------------------------------------------------


def test_property_dict_keys_in_order_with_plain_values() -> None:
    info = PropertyInfo(
        name="read_chunk_size",
        type=VariantType.INT,
        hint=PropertyHint.RANGE,
        hint_string="256,16777216",
        usage=PropertyUsage.DEFAULT,
    )
    d = info.as_dict()
    assert list(d) == PROPERTY_KEYS
    assert d == {
        "name": "read_chunk_size",
        "class_name": "",
        "type": 2,
        "hint": 1,
        "hint_string": "256,16777216",
        "usage": 7,
    }
    for key in ("type", "hint", "usage"):
        assert type(d[key]) is int
    for key in ("name", "class_name", "hint_string"):
        assert type(d[key]) is str


def test_property_field_defaults() -> None:
    assert PropertyInfo(name="p").as_dict() == {
        "name": "p",
        "class_name": "",
        "type": 0,
        "hint": 0,
        "hint_string": "",
        "usage": 7,
    }


def test_property_name_is_required() -> None:
    with pytest.raises(ValueError, match="name"):
        PropertyInfo()  # type: ignore[call-arg]


def test_composite_usage_is_a_plain_int_in_the_dict() -> None:
    info = PropertyInfo(name="e", usage=PropertyUsage.DEFAULT | PropertyUsage.CLASS_IS_ENUM)
    d = info.as_dict()
    assert d["usage"] == 262151
    assert type(d["usage"]) is int


def test_property_dict_is_a_new_dict_each_call() -> None:
    info = PropertyInfo(name="p", type=VariantType.STRING)
    first = info.as_dict()
    first["name"] = "changed"
    first["type"] = 99
    second = info.as_dict()
    assert second["name"] == "p"
    assert second["type"] == 4
    assert first is not second
    assert info.name == "p"


def test_models_are_frozen() -> None:
    info = PropertyInfo(name="p")
    with pytest.raises(ValueError, match="frozen"):
        info.name = "q"  # type: ignore[misc]
    method = MethodInfo(name="m")
    with pytest.raises(ValueError, match="frozen"):
        method.id = 3  # type: ignore[misc]


def test_resource_type_copies_hint_string_into_class_name() -> None:
    info = PropertyInfo(
        name="connection",
        type=VariantType.OBJECT,
        hint=PropertyHint.RESOURCE_TYPE,
        hint_string="StreamPeer",
        usage=PropertyUsage(0),
    )
    assert info.class_name == "StreamPeer"
    assert info.as_dict() == {
        "name": "connection",
        "class_name": "StreamPeer",
        "type": 17,
        "hint": 19,
        "hint_string": "StreamPeer",
        "usage": 0,
    }


def test_resource_type_keeps_an_explicit_class_name() -> None:
    info = PropertyInfo(
        name="r",
        class_name="Reference",
        type=VariantType.OBJECT,
        hint=PropertyHint.RESOURCE_TYPE,
        hint_string="WeakRef",
    )
    assert info.class_name == "Reference"


def test_other_hints_do_not_copy_hint_string() -> None:
    info = PropertyInfo(name="p", hint=PropertyHint.ENUM, hint_string="A,B")
    assert info.class_name == ""


def test_from_dict_defaults_missing_keys() -> None:
    info = PropertyInfo.from_dict({"name": "x", "type": 2})
    assert info == PropertyInfo(name="x", type=VariantType.INT)
    assert info.as_dict() == {
        "name": "x",
        "class_name": "",
        "type": 2,
        "hint": 0,
        "hint_string": "",
        "usage": 7,
    }


def test_from_dict_ignores_unknown_keys() -> None:
    info = PropertyInfo.from_dict({"name": "x", "type": 4, "bogus": 1, "default": [1]})
    assert info.as_dict() == {
        "name": "x",
        "class_name": "",
        "type": 4,
        "hint": 0,
        "hint_string": "",
        "usage": 7,
    }


def test_from_dict_round_trips_as_dict() -> None:
    original = PropertyInfo(
        name="c",
        class_name="StreamPeer",
        type=VariantType.OBJECT,
        hint=PropertyHint.RESOURCE_TYPE,
        hint_string="StreamPeer",
        usage=PropertyUsage.NOEDITOR | PropertyUsage.INTERNAL,
    )
    assert PropertyInfo.from_dict(original.as_dict()) == original


def test_argument_info_from_dict_gives_an_argument_info() -> None:
    arg = ArgumentInfo.from_dict({"name": "value", "type": 2})
    assert isinstance(arg, ArgumentInfo)
    assert isinstance(arg, PropertyInfo)
    assert list(arg.as_dict()) == PROPERTY_KEYS
    assert arg.as_dict()["type"] == 2


@pytest.mark.parametrize(
    "bad",
    [
        {"name": 5},
        {"name": None},
        {"name": "x", "class_name": 3},
        {"name": "x", "hint_string": ["a"]},
        {"name": "x", "type": "int"},
        {"name": "x", "usage": "7x"},
        {"name": "x", "hint": [1]},
    ],
)
def test_from_dict_wrong_value_type_raises_type_error(bad: dict[str, Any]) -> None:
    with pytest.raises(TypeError):
        PropertyInfo.from_dict(bad)
    with pytest.raises(TypeError):
        ArgumentInfo.from_dict(bad)


def test_property_equality_compares_all_six_fields() -> None:
    base: dict[str, Any] = {
        "name": "p",
        "class_name": "C",
        "type": VariantType.OBJECT,
        "hint": PropertyHint.NONE,
        "hint_string": "h",
        "usage": PropertyUsage.DEFAULT,
    }
    assert PropertyInfo(**base) == PropertyInfo(**base)
    changes: dict[str, Any] = {
        "name": "q",
        "class_name": "D",
        "type": VariantType.INT,
        "hint": PropertyHint.RANGE,
        "hint_string": "other",
        "usage": PropertyUsage.STORAGE,
    }
    for key, value in changes.items():
        assert PropertyInfo(**{**base, key: value}) != PropertyInfo(**base), key


# --- §1.3 / §1.4 method dictionaries ----------------------------------------------------


def test_method_dict_defaults() -> None:
    d = MethodInfo(name="m").as_dict()
    assert list(d) == METHOD_KEYS
    assert d == {
        "name": "m",
        "args": [],
        "default_args": [],
        "flags": 1,
        "id": 0,
        "return": VOID,
    }
    assert list(d["return"]) == PROPERTY_KEYS


def test_method_dict_shape_and_plain_ints() -> None:
    info = MethodInfo(
        name="connect_to_host",
        args=(
            ArgumentInfo(name="host", type=VariantType.STRING),
            ArgumentInfo(name="port", type=VariantType.INT),
            ArgumentInfo(name="use_ssl", type=VariantType.BOOL),
            ArgumentInfo(name="verify_host", type=VariantType.BOOL),
        ),
        default_args=(-1, False, True),
        flags=MethodFlags.NORMAL,
        id=57,
        return_val=PropertyInfo(
            name="",
            class_name="Error",
            type=VariantType.INT,
            usage=PropertyUsage.DEFAULT | PropertyUsage.CLASS_IS_ENUM,
        ),
    )
    d = info.as_dict()
    assert d == {
        "name": "connect_to_host",
        "args": [
            {"name": "host", "class_name": "", "type": 4, "hint": 0, "hint_string": "", "usage": 7},
            {"name": "port", "class_name": "", "type": 2, "hint": 0, "hint_string": "", "usage": 7},
            {
                "name": "use_ssl",
                "class_name": "",
                "type": 1,
                "hint": 0,
                "hint_string": "",
                "usage": 7,
            },
            {
                "name": "verify_host",
                "class_name": "",
                "type": 1,
                "hint": 0,
                "hint_string": "",
                "usage": 7,
            },
        ],
        "default_args": [-1, False, True],
        "flags": 1,
        "id": 57,
        "return": {
            "name": "",
            "class_name": "Error",
            "type": 2,
            "hint": 0,
            "hint_string": "",
            "usage": 262151,
        },
    }
    assert type(d["flags"]) is int
    assert type(d["args"]) is list
    assert type(d["default_args"]) is list
    assert all(list(a) == PROPERTY_KEYS for a in d["args"])
    assert all(type(a["type"]) is int and type(a["usage"]) is int for a in d["args"])
    assert type(d["return"]["usage"]) is int


def test_method_flags_combination_is_a_plain_int() -> None:
    d = MethodInfo(name="m", flags=MethodFlags.NORMAL | MethodFlags.VARARG).as_dict()
    assert d["flags"] == 129
    assert type(d["flags"]) is int


def test_method_dict_is_fresh_and_defaults_are_deep_copies() -> None:
    info = MethodInfo(
        name="m",
        args=(
            ArgumentInfo(name="a", type=VariantType.ARRAY),
            ArgumentInfo(name="d", type=VariantType.DICTIONARY),
        ),
        default_args=([1, [2]], {"k": [3]}),
    )
    first = info.as_dict()
    first["default_args"][0].append(9)
    first["default_args"][0][1].append(9)
    first["default_args"][1]["k"].append(9)
    first["default_args"].append("extra")
    first["args"][0]["name"] = "changed"
    first["args"].clear()
    first["return"]["usage"] = 0
    second = info.as_dict()
    assert second["default_args"] == [[1, [2]], {"k": [3]}]
    assert [a["name"] for a in second["args"]] == ["a", "d"]
    assert second["return"] == VOID
    assert info.default_args == ([1, [2]], {"k": [3]})


def test_method_info_rejects_more_defaults_than_args() -> None:
    with pytest.raises(ValueError, match="default"):
        MethodInfo(
            name="m", args=(ArgumentInfo(name="a", type=VariantType.INT),), default_args=(1, 2)
        )
    with pytest.raises(ValueError, match="default"):
        MethodInfo(name="m", default_args=(1,))


def test_method_info_accepts_defaults_up_to_the_arg_count() -> None:
    args = (
        ArgumentInfo(name="a", type=VariantType.INT),
        ArgumentInfo(name="b", type=VariantType.INT),
    )
    assert MethodInfo(name="m", args=args, default_args=(1, 2)).as_dict()["default_args"] == [1, 2]
    assert MethodInfo(name="m", args=args, default_args=(2,)).as_dict()["default_args"] == [2]


def test_method_info_equality() -> None:
    a = MethodInfo(name="m", args=(ArgumentInfo(name="x", type=VariantType.INT),))
    b = MethodInfo(name="m", args=(ArgumentInfo(name="x", type=VariantType.INT),))
    assert a == b
    assert a != MethodInfo(name="m", args=(ArgumentInfo(name="y", type=VariantType.INT),))
    assert a != MethodInfo(name="m", args=a.args, flags=MethodFlags.NORMAL | MethodFlags.CONST)


# --- §2 enumerations --------------------------------------------------------------------

ERROR_NAMES = [
    "OK",
    "FAILED",
    "ERR_UNAVAILABLE",
    "ERR_UNCONFIGURED",
    "ERR_UNAUTHORIZED",
    "ERR_PARAMETER_RANGE_ERROR",
    "ERR_OUT_OF_MEMORY",
    "ERR_FILE_NOT_FOUND",
    "ERR_FILE_BAD_DRIVE",
    "ERR_FILE_BAD_PATH",
    "ERR_FILE_NO_PERMISSION",
    "ERR_FILE_ALREADY_IN_USE",
    "ERR_FILE_CANT_OPEN",
    "ERR_FILE_CANT_WRITE",
    "ERR_FILE_CANT_READ",
    "ERR_FILE_UNRECOGNIZED",
    "ERR_FILE_CORRUPT",
    "ERR_FILE_MISSING_DEPENDENCIES",
    "ERR_FILE_EOF",
    "ERR_CANT_OPEN",
    "ERR_CANT_CREATE",
    "ERR_QUERY_FAILED",
    "ERR_ALREADY_IN_USE",
    "ERR_LOCKED",
    "ERR_TIMEOUT",
    "ERR_CANT_CONNECT",
    "ERR_CANT_RESOLVE",
    "ERR_CONNECTION_ERROR",
    "ERR_CANT_ACQUIRE_RESOURCE",
    "ERR_CANT_FORK",
    "ERR_INVALID_DATA",
    "ERR_INVALID_PARAMETER",
    "ERR_ALREADY_EXISTS",
    "ERR_DOES_NOT_EXIST",
    "ERR_DATABASE_CANT_READ",
    "ERR_DATABASE_CANT_WRITE",
    "ERR_COMPILATION_FAILED",
    "ERR_METHOD_NOT_FOUND",
    "ERR_LINK_FAILED",
    "ERR_SCRIPT_FAILED",
    "ERR_CYCLIC_LINK",
    "ERR_INVALID_DECLARATION",
    "ERR_DUPLICATE_SYMBOL",
    "ERR_PARSE_ERROR",
    "ERR_BUSY",
    "ERR_SKIP",
    "ERR_HELP",
    "ERR_BUG",
    "ERR_PRINTER_ON_FIRE",
]


def test_error_has_all_49_codes_in_order() -> None:
    assert len(ERROR_NAMES) == 49
    assert [(m.name, m.value) for m in Error] == [(n, i) for i, n in enumerate(ERROR_NAMES)]


def test_error_members_compare_equal_to_ints() -> None:
    assert issubclass(Error, enum.IntEnum)
    assert Error.OK == 0
    assert Error.ERR_INVALID_PARAMETER == 31
    assert Error(30) is Error.ERR_INVALID_DATA


VARIANT_TYPES = [
    ("NIL", "Nil"),
    ("BOOL", "bool"),
    ("INT", "int"),
    ("REAL", "float"),
    ("STRING", "String"),
    ("VECTOR2", "Vector2"),
    ("RECT2", "Rect2"),
    ("VECTOR3", "Vector3"),
    ("TRANSFORM2D", "Transform2D"),
    ("PLANE", "Plane"),
    ("QUAT", "Quat"),
    ("AABB", "AABB"),
    ("BASIS", "Basis"),
    ("TRANSFORM", "Transform"),
    ("COLOR", "Color"),
    ("NODE_PATH", "NodePath"),
    ("RID", "RID"),
    ("OBJECT", "Object"),
    ("DICTIONARY", "Dictionary"),
    ("ARRAY", "Array"),
    ("POOL_BYTE_ARRAY", "PoolByteArray"),
    ("POOL_INT_ARRAY", "PoolIntArray"),
    ("POOL_REAL_ARRAY", "PoolRealArray"),
    ("POOL_STRING_ARRAY", "PoolStringArray"),
    ("POOL_VECTOR2_ARRAY", "PoolVector2Array"),
    ("POOL_VECTOR3_ARRAY", "PoolVector3Array"),
    ("POOL_COLOR_ARRAY", "PoolColorArray"),
]


def test_variant_types_values_and_type_names() -> None:
    assert issubclass(VariantType, enum.IntEnum)
    assert [(m.name, m.value, m.type_name) for m in VariantType] == [
        (name, i, type_name) for i, (name, type_name) in enumerate(VARIANT_TYPES)
    ]
    assert VariantType.REAL.type_name == "float"
    assert VariantType(17) is VariantType.OBJECT
    assert VariantType.INT == 2


def test_variant_type_has_no_max_member() -> None:
    assert len(VariantType) == 27
    with pytest.raises(ValueError, match="27"):
        VariantType(27)
    assert "MAX" not in VariantType.__members__


PROPERTY_HINTS_35 = {
    "NONE": 0,
    "RANGE": 1,
    "EXP_RANGE": 2,
    "ENUM": 3,
    "EXP_EASING": 4,
    "LENGTH": 5,
    "SPRITE_FRAME": 6,
    "KEY_ACCEL": 7,
    "FLAGS": 8,
    "LAYERS_2D_RENDER": 9,
    "LAYERS_2D_PHYSICS": 10,
    "LAYERS_2D_NAVIGATION": 11,
    "LAYERS_3D_RENDER": 12,
    "LAYERS_3D_PHYSICS": 13,
    "LAYERS_3D_NAVIGATION": 14,
    "FILE": 15,
    "DIR": 16,
    "GLOBAL_FILE": 17,
    "GLOBAL_DIR": 18,
    "RESOURCE_TYPE": 19,
    "MULTILINE_TEXT": 20,
    "PLACEHOLDER_TEXT": 21,
    "COLOR_NO_ALPHA": 22,
    "IMAGE_COMPRESS_LOSSY": 23,
    "IMAGE_COMPRESS_LOSSLESS": 24,
    "OBJECT_ID": 25,
    "TYPE_STRING": 26,
    "NODE_PATH_TO_EDITED_NODE": 27,
    "METHOD_OF_VARIANT_TYPE": 28,
    "METHOD_OF_BASE_TYPE": 29,
    "METHOD_OF_INSTANCE": 30,
    "METHOD_OF_SCRIPT": 31,
    "PROPERTY_OF_VARIANT_TYPE": 32,
    "PROPERTY_OF_BASE_TYPE": 33,
    "PROPERTY_OF_INSTANCE": 34,
    "PROPERTY_OF_SCRIPT": 35,
    "OBJECT_TOO_BIG": 36,
    "NODE_PATH_VALID_TYPES": 37,
    "SAVE_FILE": 38,
    "ENUM_SUGGESTION": 39,
    "LOCALE_ID": 40,
}


def test_property_hint_uses_the_35_numbers() -> None:
    assert issubclass(PropertyHint, enum.IntEnum)
    assert {m.name: m.value for m in PropertyHint} == PROPERTY_HINTS_35
    assert PropertyHint.RESOURCE_TYPE == 19
    assert PropertyHint.MULTILINE_TEXT == 20


def test_property_hint_has_no_link_and_no_max() -> None:
    assert "LINK" not in PropertyHint.__members__
    assert "MAX" not in PropertyHint.__members__
    with pytest.raises(ValueError, match="41"):
        PropertyHint(41)


PROPERTY_USAGE_BITS = {
    "STORAGE": 1,
    "EDITOR": 2,
    "NETWORK": 4,
    "EDITOR_HELPER": 8,
    "CHECKABLE": 16,
    "CHECKED": 32,
    "INTERNATIONALIZED": 64,
    "GROUP": 128,
    "CATEGORY": 256,
    "NO_INSTANCE_STATE": 2048,
    "RESTART_IF_CHANGED": 4096,
    "SCRIPT_VARIABLE": 8192,
    "STORE_IF_NULL": 16384,
    "ANIMATE_AS_TRIGGER": 32768,
    "UPDATE_ALL_IF_MODIFIED": 65536,
    "SCRIPT_DEFAULT_VALUE": 131072,
    "CLASS_IS_ENUM": 262144,
    "NIL_IS_VARIANT": 524288,
    "INTERNAL": 1048576,
    "DO_NOT_SHARE_ON_DUPLICATE": 2097152,
    "HIGH_END_GFX": 4194304,
    "NODE_PATH_FROM_SCENE_ROOT": 8388608,
    "RESOURCE_NOT_PERSISTENT": 16777216,
    "KEYING_INCREMENTS": 33554432,
}


def test_property_usage_bits() -> None:
    assert issubclass(PropertyUsage, enum.IntFlag)
    for name, value in PROPERTY_USAGE_BITS.items():
        assert PropertyUsage[name] == value, name


def test_property_usage_composites() -> None:
    assert PropertyUsage.DEFAULT == 7
    assert PropertyUsage.DEFAULT_INTL == 71
    assert PropertyUsage.NOEDITOR == 5
    assert (
        PropertyUsage.DEFAULT
        == PropertyUsage.STORAGE | PropertyUsage.EDITOR | PropertyUsage.NETWORK
    )
    assert PropertyUsage.DEFAULT_INTL == PropertyUsage.DEFAULT | PropertyUsage.INTERNATIONALIZED
    assert PropertyUsage.NOEDITOR == PropertyUsage.STORAGE | PropertyUsage.NETWORK
    assert PropertyUsage.DEFAULT | PropertyUsage.CLASS_IS_ENUM == 262151
    assert PropertyUsage.DEFAULT | PropertyUsage.NIL_IS_VARIANT == 524295
    assert PropertyUsage.NOEDITOR | PropertyUsage.INTERNAL == 1048581


def test_property_usage_zero_is_valid() -> None:
    assert PropertyUsage(0) == 0
    assert PropertyInfo(name="connection", usage=PropertyUsage(0)).as_dict()["usage"] == 0
    assert PropertyInfo(name="connection", usage=0).as_dict()["usage"] == 0  # type: ignore[arg-type]


def test_property_usage_has_no_unused_bits() -> None:
    for unused in (512, 1024):
        assert all(m.value != unused for m in PropertyUsage)


def test_method_flags() -> None:
    assert issubclass(MethodFlags, enum.IntFlag)
    expected = {
        "NORMAL": 1,
        "EDITOR": 2,
        "NOSCRIPT": 4,
        "CONST": 8,
        "REVERSE": 16,
        "VIRTUAL": 32,
        "FROM_SCRIPT": 64,
        "VARARG": 128,
    }
    for name, value in expected.items():
        assert MethodFlags[name] == value, name
    assert MethodFlags.DEFAULT == 1
    assert MethodFlags.DEFAULT is MethodFlags.NORMAL
    assert MethodFlags.NORMAL | MethodFlags.CONST == 9
    assert MethodFlags.NORMAL | MethodFlags.VARARG == 129
    assert MethodFlags.NORMAL | MethodFlags.VIRTUAL == 33


def test_connect_flags() -> None:
    assert issubclass(ConnectFlags, enum.IntFlag)
    assert [(m.name, m.value) for m in ConnectFlags] == [
        ("DEFERRED", 1),
        ("PERSIST", 2),
        ("ONESHOT", 4),
        ("REFERENCE_COUNTED", 8),
    ]
    assert ConnectFlags.DEFERRED | ConnectFlags.ONESHOT == 5


# --- §3.3 text form ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (0, "0"),
        (-12, "-12"),
        (4096, "4096"),
        (True, "True"),
        (False, "False"),
        (None, "Null"),
        (1.5, "1.5"),
        (1.0, "1"),
        (2.25, "2.25"),
        (-0.5, "-0.5"),
        (0.1234567, "0.123457"),
        (3.1000001, "3.1"),
        ("plain", "plain"),
        ("", ""),
        ([], "[]"),
        ([1, "a", None, True], "[1, a, Null, True]"),
        ([1.5, [2, 3]], "[1.5, [2, 3]]"),
        ({}, "{}"),
        ({"a": 1}, "{a:1}"),
        ({"a": 1, "b": "x"}, "{a:1, b:x}"),
        (Error.ERR_INVALID_DATA, "30"),
    ],
)
def test_stringify(value: Any, text: str) -> None:
    assert stringify(value) == text


def test_stringify_dict_orders_pairs_by_key() -> None:
    # The engine's Variant-to-String sorts the pairs by key text; the spec shows "{k:v, k2:v2}".
    assert stringify({"b": 2, "a": 1}) == "{a:1, b:2}"


def test_stringify_object() -> None:
    obj = Object()
    try:
        assert stringify(obj) == f"[Object:{obj.get_instance_id()}]"
        assert stringify([obj]) == f"[[Object:{obj.get_instance_id()}]]"
    finally:
        obj.free()
