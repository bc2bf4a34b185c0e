"""The ClassDB query API (object_model.md §5) and the core registrations (§2.9, §3)."""

from __future__ import annotations

from collections.abc import Callable
from enum import IntEnum
from typing import Any

import pytest

from engine.object_model import (
    ArgumentInfo,
    ClassDB,
    Error,
    MethodInfo,
    Object,
    PropertyInfo,
    PropertyUsage,
    Ref,
    Reference,
    VariantType,
    WeakRef,
)

VARIANT_USAGE = 524295
ENUM_USAGE = 262151


def prop(
    type: int = 0,
    class_name: str = "",
    hint: int = 0,
    hint_string: str = "",
    usage: int = 7,
    name: str = "",
) -> dict[str, Any]:
    return {
        "name": name,
        "class_name": class_name,
        "type": type,
        "hint": hint,
        "hint_string": hint_string,
        "usage": usage,
    }


def signal(name: str, *args: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "args": list(args),
        "default_args": [],
        "flags": 1,
        "id": 0,
        "return": prop(),
    }


def names(entries: list[dict[str, Any]]) -> list[str]:
    return [e["name"] for e in entries]


# --- the hierarchy ----------------------------------------------------------------------


class CdbBase(Reference):
    class Kind(IntEnum):
        KIND_A = 0
        KIND_B = 1

    def __init__(self) -> None:
        super().__init__()
        self._base_value = 3

    def set_base_value(self, value: int) -> None:
        self._base_value = value

    def get_base_value(self) -> int:
        return self._base_value

    def base_action(self, x: int, y: str = "y") -> Error:
        return Error.OK

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "set_base_value", args=("value",))
        ClassDB.bind_method(cls, "get_base_value", const=True)
        ClassDB.bind_method(cls, "base_action")
        ClassDB.add_property_group(cls, "Base Group", "base_")
        ClassDB.add_property(
            cls,
            PropertyInfo(name="base_value", type=VariantType.INT),
            "set_base_value",
            "get_base_value",
        )
        ClassDB.bind_integer_constant(cls, "", "BASE_CONST", 10)
        ClassDB.bind_enum(cls, cls.Kind)
        ClassDB.add_signal(
            cls,
            MethodInfo(name="base_signal", args=(ArgumentInfo(name="a", type=VariantType.INT),)),
        )


class CdbMid(CdbBase):
    class Shade(IntEnum):
        SHADE_DARK = 0
        SHADE_LIGHT = 1

    def __init__(self) -> None:
        super().__init__()
        self._mid_name = "mid"

    def set_mid_name(self, name: str) -> None:
        self._mid_name = name

    def get_mid_name(self) -> str:
        return self._mid_name

    def get_mid_ro(self) -> int:
        return 77

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "set_mid_name")
        ClassDB.bind_method(cls, "get_mid_name", const=True)
        ClassDB.bind_method(cls, "get_mid_ro", const=True)
        ClassDB.add_property(
            cls,
            PropertyInfo(name="mid_name", type=VariantType.STRING),
            "set_mid_name",
            "get_mid_name",
        )
        ClassDB.add_property_group(cls, "Mid Group")
        ClassDB.add_property(
            cls, PropertyInfo(name="mid_ro", type=VariantType.INT), "", "get_mid_ro"
        )
        ClassDB.bind_enum(cls, cls.Shade)
        ClassDB.bind_integer_constant(cls, "", "MID_CONST", 20)
        ClassDB.add_signal(cls, MethodInfo(name="mid_signal"))


class CdbLeaf(CdbMid):
    class Size(IntEnum):
        SIZE_S = 1
        SIZE_L = 2

    def __init__(self) -> None:
        super().__init__()
        self._leaf_flag = True

    def leaf_method(self) -> None:
        pass

    def set_leaf_flag(self, flag: bool) -> None:
        self._leaf_flag = flag

    def get_leaf_flag(self) -> bool:
        return self._leaf_flag

    def set_leaf_only(self, value: int) -> None:
        pass

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "leaf_method")
        ClassDB.bind_method(cls, "set_leaf_flag")
        ClassDB.bind_method(cls, "get_leaf_flag", const=True)
        ClassDB.bind_method(cls, "set_leaf_only")
        ClassDB.add_property(
            cls,
            PropertyInfo(name="leaf_flag", type=VariantType.BOOL),
            "set_leaf_flag",
            "get_leaf_flag",
        )
        ClassDB.add_property(
            cls, PropertyInfo(name="leaf_only", type=VariantType.INT), "set_leaf_only", ""
        )
        ClassDB.bind_integer_constant(cls, "Zeta", "ZETA_ONE", 1)
        ClassDB.bind_enum(cls, cls.Size)
        ClassDB.bind_integer_constant(cls, "", "LEAF_CONST", 30)
        ClassDB.bind_integer_constant(cls, "Zeta", "ZETA_TWO", 2)
        ClassDB.add_signal(
            cls,
            MethodInfo(name="leaf_signal", args=(ArgumentInfo(name="x", type=VariantType.INT),)),
        )
        ClassDB.add_signal(cls, MethodInfo(name="leaf_other"))


ClassDB.register_virtual_class(CdbBase)
ClassDB.register_class(CdbMid)
ClassDB.register_class(CdbLeaf)

OBJECT_METHODS = [
    "free",
    "get_class",
    "is_class",
    "set",
    "get",
    "get_property_list",
    "get_method_list",
    "notification",
    "to_string",
    "get_instance_id",
    "set_meta",
    "remove_meta",
    "get_meta",
    "has_meta",
    "get_meta_list",
    "add_user_signal",
    "has_user_signal",
    "emit_signal",
    "call",
    "call_deferred",
    "set_deferred",
    "callv",
    "has_method",
    "has_signal",
    "get_signal_list",
    "get_signal_connection_list",
    "get_incoming_connections",
    "connect",
    "disconnect",
    "is_connected",
    "set_block_signals",
    "is_blocking_signals",
    "property_list_changed_notify",
    "is_queued_for_deletion",
]
REFERENCE_METHODS = ["init_ref", "reference", "unreference"]
OBJECT_CONSTANTS = [
    "NOTIFICATION_POSTINITIALIZE",
    "NOTIFICATION_PREDELETE",
    "CONNECT_DEFERRED",
    "CONNECT_PERSIST",
    "CONNECT_ONESHOT",
    "CONNECT_REFERENCE_COUNTED",
]
BASE_METHODS = ["set_base_value", "get_base_value", "base_action"]
MID_METHODS = ["set_mid_name", "get_mid_name", "get_mid_ro"]
LEAF_METHODS = ["leaf_method", "set_leaf_flag", "get_leaf_flag", "set_leaf_only"]

BASE_PROPS = [
    prop(name="Base Group", hint_string="base_", usage=128),
    prop(VariantType.INT, name="base_value"),
]
MID_PROPS = [
    prop(VariantType.STRING, name="mid_name"),
    prop(name="Mid Group", usage=128),
    prop(VariantType.INT, name="mid_ro"),
]
LEAF_PROPS = [
    prop(VariantType.BOOL, name="leaf_flag"),
    prop(VariantType.INT, name="leaf_only"),
]


# --- classes ----------------------------------------------------------------------------


def test_class_exists() -> None:
    for name in ("CdbBase", "CdbMid", "CdbLeaf", "Object", "Reference", "WeakRef"):
        assert ClassDB.class_exists(name) is True
    assert ClassDB.class_exists("CdbNope") is False
    assert ClassDB.class_exists("") is False
    assert ClassDB.class_exists("cdbleaf") is False


def test_get_class_list_is_sorted_and_complete() -> None:
    classes = ClassDB.get_class_list()
    assert classes == sorted(classes)
    assert {"CdbBase", "CdbMid", "CdbLeaf", "Object", "Reference", "WeakRef"} <= set(classes)
    assert len(classes) == len(set(classes))
    assert all(ClassDB.class_exists(c) for c in classes)


def test_get_parent_class() -> None:
    assert ClassDB.get_parent_class("CdbLeaf") == "CdbMid"
    assert ClassDB.get_parent_class("CdbMid") == "CdbBase"
    assert ClassDB.get_parent_class("CdbBase") == "Reference"
    assert ClassDB.get_parent_class("WeakRef") == "Reference"
    assert ClassDB.get_parent_class("Reference") == "Object"
    assert ClassDB.get_parent_class("Object") == ""


def test_is_parent_class() -> None:
    assert ClassDB.is_parent_class("CdbLeaf", "CdbLeaf") is True
    assert ClassDB.is_parent_class("CdbLeaf", "CdbMid") is True
    assert ClassDB.is_parent_class("CdbLeaf", "CdbBase") is True
    assert ClassDB.is_parent_class("CdbLeaf", "Reference") is True
    assert ClassDB.is_parent_class("CdbLeaf", "Object") is True
    assert ClassDB.is_parent_class("CdbBase", "CdbLeaf") is False
    assert ClassDB.is_parent_class("CdbMid", "WeakRef") is False
    assert ClassDB.is_parent_class("CdbLeaf", "CdbNope") is False


def test_get_inheriters_from_class() -> None:
    assert ClassDB.get_inheriters_from_class("CdbBase") == ["CdbLeaf", "CdbMid"]
    assert ClassDB.get_inheriters_from_class("CdbMid") == ["CdbLeaf"]
    assert ClassDB.get_inheriters_from_class("CdbLeaf") == []
    from_reference = ClassDB.get_inheriters_from_class("Reference")
    assert from_reference == sorted(from_reference)
    assert {"CdbBase", "CdbMid", "CdbLeaf", "WeakRef"} <= set(from_reference)
    assert "Reference" not in from_reference
    assert "Object" not in from_reference
    from_object = ClassDB.get_inheriters_from_class("Object")
    assert set(from_object) == set(ClassDB.get_class_list()) - {"Object"}


def test_can_instance(engine_log: Any) -> None:
    assert ClassDB.can_instance("CdbBase") is False
    assert ClassDB.can_instance("CdbMid") is True
    assert ClassDB.can_instance("CdbLeaf") is True
    assert ClassDB.can_instance("Object") is True
    assert ClassDB.can_instance("Reference") is True
    assert ClassDB.can_instance("WeakRef") is True
    assert engine_log.lines == []


def test_instance_gives_a_new_unadopted_object(engine_log: Any) -> None:
    obj = ClassDB.instance("CdbLeaf")
    assert type(obj) is CdbLeaf
    assert obj.get_class() == "CdbLeaf"
    assert obj.get_reference_count() == 1
    other = ClassDB.instance("CdbLeaf")
    assert other is not obj
    assert other.get_instance_id() != obj.get_instance_id()
    r = Ref(obj)
    assert obj.get_reference_count() == 1
    r.release()
    plain = ClassDB.instance("Object")
    assert type(plain) is Object
    plain.free()
    assert engine_log.lines == []


def test_instance_of_a_virtual_class_logs_and_gives_none(engine_log: Any) -> None:
    assert ClassDB.instance("CdbBase") is None
    assert engine_log.lines == [
        "ERROR: instance: Class 'CdbBase' or its base class cannot be instantiated."
    ]


# --- unknown classes --------------------------------------------------------------------

UNKNOWN = "CdbNope"
LOGGED: list[tuple[str, Callable[[], Any], Any]] = [
    ("get_parent_class", lambda: ClassDB.get_parent_class(UNKNOWN), ""),
    ("is_parent_class", lambda: ClassDB.is_parent_class(UNKNOWN, "Object"), False),
    ("can_instance", lambda: ClassDB.can_instance(UNKNOWN), False),
    ("instance", lambda: ClassDB.instance(UNKNOWN), None),
    ("class_get_signal_list", lambda: ClassDB.class_get_signal_list(UNKNOWN), []),
    ("class_get_signal_list", lambda: ClassDB.class_get_signal_list(UNKNOWN, True), []),
    ("class_get_property_setter", lambda: ClassDB.class_get_property_setter(UNKNOWN, "p"), ""),
    ("class_get_property_getter", lambda: ClassDB.class_get_property_getter(UNKNOWN, "p"), ""),
    (
        "class_get_property_default_value",
        lambda: ClassDB.class_get_property_default_value(UNKNOWN, "p"),
        None,
    ),
]
SILENT: list[tuple[str, Callable[[], Any], Any]] = [
    ("class_exists", lambda: ClassDB.class_exists(UNKNOWN), False),
    ("get_inheriters_from_class", lambda: ClassDB.get_inheriters_from_class(UNKNOWN), []),
    ("class_get_property_list", lambda: ClassDB.class_get_property_list(UNKNOWN), []),
    ("class_get_property_list/own", lambda: ClassDB.class_get_property_list(UNKNOWN, True), []),
    ("class_get_method_list", lambda: ClassDB.class_get_method_list(UNKNOWN), []),
    ("class_get_method_list/own", lambda: ClassDB.class_get_method_list(UNKNOWN, True), []),
    ("class_has_method", lambda: ClassDB.class_has_method(UNKNOWN, "free"), False),
    ("class_has_method/own", lambda: ClassDB.class_has_method(UNKNOWN, "get", True), False),
    (
        "class_get_integer_constant_list",
        lambda: ClassDB.class_get_integer_constant_list(UNKNOWN),
        [],
    ),
    (
        "class_get_integer_constant_list/own",
        lambda: ClassDB.class_get_integer_constant_list(UNKNOWN, True),
        [],
    ),
    (
        "class_has_integer_constant",
        lambda: ClassDB.class_has_integer_constant(UNKNOWN, "CONNECT_DEFERRED"),
        False,
    ),
    ("class_get_signal", lambda: ClassDB.class_get_signal(UNKNOWN, "s"), {}),
    ("class_has_signal", lambda: ClassDB.class_has_signal(UNKNOWN, "s"), False),
    ("class_get_enum_list", lambda: ClassDB.class_get_enum_list(UNKNOWN), []),
    ("class_get_enum_list/own", lambda: ClassDB.class_get_enum_list(UNKNOWN, True), []),
    ("class_get_enum_constants", lambda: ClassDB.class_get_enum_constants(UNKNOWN, "E"), []),
    (
        "class_get_enum_constants/own",
        lambda: ClassDB.class_get_enum_constants(UNKNOWN, "E", True),
        [],
    ),
    (
        "class_get_integer_constant_enum",
        lambda: ClassDB.class_get_integer_constant_enum(UNKNOWN, "X"),
        "",
    ),
    (
        "class_get_integer_constant_enum/own",
        lambda: ClassDB.class_get_integer_constant_enum(UNKNOWN, "X", True),
        "",
    ),
]


@pytest.mark.parametrize(("function", "query", "expected"), LOGGED, ids=[f for f, _, _ in LOGGED])
def test_unknown_class_logs_where_the_spec_says(
    engine_log: Any, function: str, query: Callable[[], Any], expected: Any
) -> None:
    result = query()
    assert result == expected
    assert type(result) is type(expected)
    assert engine_log.lines == [f"ERROR: {function}: Cannot get class '{UNKNOWN}'."]


@pytest.mark.parametrize(("function", "query", "expected"), SILENT, ids=[f for f, _, _ in SILENT])
def test_unknown_class_is_silent_elsewhere(
    engine_log: Any, function: str, query: Callable[[], Any], expected: Any
) -> None:
    result = query()
    assert result == expected
    assert type(result) is type(expected)
    assert engine_log.lines == []


def test_unknown_class_integer_constant_logs_not_found(engine_log: Any) -> None:
    assert ClassDB.class_get_integer_constant(UNKNOWN, "CONNECT_DEFERRED") == 0
    assert engine_log.lines == [
        'ERROR: class_get_integer_constant: Condition "!found" is true. Returned: 0'
    ]


def test_known_class_queries_do_not_log(engine_log: Any) -> None:
    ClassDB.get_parent_class("CdbLeaf")
    ClassDB.is_parent_class("CdbLeaf", "CdbNope")
    ClassDB.class_get_signal_list("CdbLeaf")
    ClassDB.class_get_property_setter("CdbLeaf", "nope")
    ClassDB.class_get_property_getter("CdbLeaf", "nope")
    ClassDB.class_get_property_default_value("CdbLeaf", "nope")
    ClassDB.class_get_signal("CdbLeaf", "nope")
    ClassDB.class_get_enum_constants("CdbLeaf", "Nope")
    ClassDB.class_has_method("CdbLeaf", "nope")
    assert engine_log.lines == []


# --- properties -------------------------------------------------------------------------


def test_class_get_property_list_own_first_without_categories() -> None:
    assert ClassDB.class_get_property_list("CdbLeaf") == LEAF_PROPS + MID_PROPS + BASE_PROPS
    assert ClassDB.class_get_property_list("CdbMid") == MID_PROPS + BASE_PROPS
    assert ClassDB.class_get_property_list("CdbBase") == BASE_PROPS


def test_class_get_property_list_no_inheritance() -> None:
    assert ClassDB.class_get_property_list("CdbLeaf", True) == LEAF_PROPS
    assert ClassDB.class_get_property_list("CdbMid", True) == MID_PROPS
    assert ClassDB.class_get_property_list("CdbLeaf", False) == (
        LEAF_PROPS + MID_PROPS + BASE_PROPS
    )


def test_class_get_property_list_has_no_hooks_or_meta() -> None:
    obj = CdbLeaf()
    obj.set_meta("tag", 1)
    listed = ClassDB.class_get_property_list("CdbLeaf")
    assert "__meta__" not in names(listed)
    assert all(not p["usage"] & PropertyUsage.CATEGORY for p in listed)


def test_class_get_property(engine_log: Any) -> None:
    obj = CdbLeaf()
    assert ClassDB.class_get_property(obj, "leaf_flag") is True
    assert ClassDB.class_get_property(obj, "base_value") == 3
    assert ClassDB.class_get_property(obj, "mid_ro") == 77
    assert ClassDB.class_get_property(obj, "leaf_only") is None
    assert ClassDB.class_get_property(obj, "LEAF_CONST") == 30
    assert ClassDB.class_get_property(obj, "KIND_B") == 1
    assert ClassDB.class_get_property(obj, "BASE_CONST") == 10
    assert ClassDB.class_get_property(obj, "CONNECT_ONESHOT") == 4
    assert ClassDB.class_get_property(obj, "nope") is None
    assert engine_log.lines == []


def test_class_get_property_with_none_or_freed_logs(engine_log: Any) -> None:
    assert ClassDB.class_get_property(None, "base_value") is None
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith("ERROR: class_get_property: ")
    engine_log.clear()
    obj = CdbLeaf()
    obj.unreference()
    assert ClassDB.class_get_property(obj, "base_value") is None
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith("ERROR: class_get_property: ")


def test_class_set_property(engine_log: Any) -> None:
    obj = CdbLeaf()
    assert ClassDB.class_set_property(obj, "base_value", 42) == Error.OK
    assert obj.get_base_value() == 42
    assert ClassDB.class_set_property(obj, "leaf_flag", 0) == Error.OK
    assert obj.get_leaf_flag() is False
    assert ClassDB.class_set_property(obj, "mid_name", "renamed") == Error.OK
    assert obj.get_mid_name() == "renamed"
    result = ClassDB.class_set_property(obj, "base_value", 7.9)
    assert result is Error.OK
    assert obj.get_base_value() == 7
    assert engine_log.lines == []


def test_class_set_property_unavailable(engine_log: Any) -> None:
    obj = CdbLeaf()
    assert ClassDB.class_set_property(obj, "nope", 1) == Error.ERR_UNAVAILABLE
    assert ClassDB.class_set_property(obj, "LEAF_CONST", 1) == Error.ERR_UNAVAILABLE
    assert ClassDB.class_set_property(obj, "Mid Group", 1) == Error.ERR_UNAVAILABLE
    mid = CdbMid()
    assert ClassDB.class_set_property(mid, "leaf_flag", True) == Error.ERR_UNAVAILABLE
    assert engine_log.lines == []


def test_class_set_property_invalid_data(engine_log: Any) -> None:
    obj = CdbLeaf()
    assert ClassDB.class_set_property(obj, "mid_ro", 5) == Error.ERR_INVALID_DATA
    assert ClassDB.class_set_property(obj, "base_value", "x") == Error.ERR_INVALID_DATA
    assert ClassDB.class_set_property(obj, "base_value", None) == Error.ERR_INVALID_DATA
    assert ClassDB.class_set_property(obj, "mid_name", 5) == Error.ERR_INVALID_DATA
    assert obj.get_base_value() == 3
    assert obj.get_mid_name() == "mid"
    assert engine_log.lines == []


def test_class_set_property_with_none_or_freed_logs(engine_log: Any) -> None:
    assert ClassDB.class_set_property(None, "base_value", 1) == Error.ERR_INVALID_PARAMETER
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith("ERROR: class_set_property: ")
    engine_log.clear()
    obj = CdbLeaf()
    obj.unreference()
    result = ClassDB.class_set_property(obj, "base_value", 1)
    assert result == Error.ERR_INVALID_PARAMETER
    assert isinstance(result, Error)
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith("ERROR: class_set_property: ")


def test_class_set_property_returns_error_members() -> None:
    obj = CdbLeaf()
    assert ClassDB.class_set_property(obj, "base_value", 1) is Error.OK
    assert ClassDB.class_set_property(obj, "nope", 1) is Error.ERR_UNAVAILABLE
    assert ClassDB.class_set_property(obj, "mid_ro", 1) is Error.ERR_INVALID_DATA


def test_property_setter_and_getter_walk_ancestors() -> None:
    assert ClassDB.class_get_property_setter("CdbLeaf", "base_value") == "set_base_value"
    assert ClassDB.class_get_property_getter("CdbLeaf", "base_value") == "get_base_value"
    assert ClassDB.class_get_property_setter("CdbLeaf", "mid_ro") == ""
    assert ClassDB.class_get_property_getter("CdbLeaf", "mid_ro") == "get_mid_ro"
    assert ClassDB.class_get_property_setter("CdbLeaf", "leaf_only") == "set_leaf_only"
    assert ClassDB.class_get_property_getter("CdbLeaf", "leaf_only") == ""
    assert ClassDB.class_get_property_setter("CdbMid", "leaf_flag") == ""
    assert ClassDB.class_get_property_getter("CdbLeaf", "nope") == ""
    assert ClassDB.class_get_property_getter("CdbLeaf", "Mid Group") == ""


def test_class_get_property_default_value() -> None:
    assert ClassDB.class_get_property_default_value("CdbLeaf", "base_value") == 3
    assert ClassDB.class_get_property_default_value("CdbLeaf", "mid_name") == "mid"
    assert ClassDB.class_get_property_default_value("CdbLeaf", "leaf_flag") is True
    assert ClassDB.class_get_property_default_value("CdbLeaf", "leaf_only") is None
    assert ClassDB.class_get_property_default_value("CdbLeaf", "nope") is None
    assert ClassDB.class_get_property_default_value("CdbBase", "base_value") == 3
    assert ClassDB.class_get_property_default_value("Object", "nope") is None


# --- methods ----------------------------------------------------------------------------


def test_class_get_method_list_own_first_in_binding_order() -> None:
    assert names(ClassDB.class_get_method_list("CdbLeaf")) == (
        LEAF_METHODS + MID_METHODS + BASE_METHODS + REFERENCE_METHODS + OBJECT_METHODS
    )
    assert names(ClassDB.class_get_method_list("CdbBase")) == (
        BASE_METHODS + REFERENCE_METHODS + OBJECT_METHODS
    )


def test_class_get_method_list_no_inheritance() -> None:
    assert names(ClassDB.class_get_method_list("CdbLeaf", True)) == LEAF_METHODS
    assert names(ClassDB.class_get_method_list("CdbMid", True)) == MID_METHODS
    assert names(ClassDB.class_get_method_list("Reference", True)) == REFERENCE_METHODS
    assert names(ClassDB.class_get_method_list("Object", True)) == OBJECT_METHODS


def test_method_dicts_of_the_hierarchy() -> None:
    listed = {m["name"]: m for m in ClassDB.class_get_method_list("CdbLeaf")}
    assert listed["set_base_value"]["args"] == [prop(VariantType.INT, name="value")]
    assert listed["set_base_value"]["flags"] == 1
    assert listed["get_base_value"]["flags"] == 9
    assert listed["get_base_value"]["return"] == prop(VariantType.INT)
    assert listed["base_action"]["args"] == [
        prop(VariantType.INT, name="x"),
        prop(VariantType.STRING, name="y"),
    ]
    assert listed["base_action"]["default_args"] == ["y"]
    assert listed["base_action"]["return"] == prop(VariantType.INT, "Error", usage=ENUM_USAGE)
    own_ids = [m["id"] for m in ClassDB.class_get_method_list("CdbLeaf", True)]
    assert own_ids == sorted(own_ids)
    assert all(i > 0 for i in own_ids)


def test_object_method_list_starts_with_free() -> None:
    free = {
        "name": "free",
        "args": [],
        "default_args": [],
        "flags": 1,
        "id": 0,
        "return": prop(),
    }
    assert ClassDB.class_get_method_list("Object")[0] == free
    assert ClassDB.class_get_method_list("Object", True)[0] == free
    leaf = ClassDB.class_get_method_list("CdbLeaf")
    assert names(leaf).count("free") == 1
    assert leaf[names(leaf).index("free")] == free
    assert names(leaf).index("free") == names(leaf).index("get_class") - 1


def test_class_has_method() -> None:
    assert ClassDB.class_has_method("CdbLeaf", "leaf_method") is True
    assert ClassDB.class_has_method("CdbLeaf", "leaf_method", True) is True
    assert ClassDB.class_has_method("CdbLeaf", "get_base_value") is True
    assert ClassDB.class_has_method("CdbLeaf", "get_base_value", True) is False
    assert ClassDB.class_has_method("CdbLeaf", "init_ref") is True
    assert ClassDB.class_has_method("CdbLeaf", "connect") is True
    assert ClassDB.class_has_method("CdbLeaf", "connect", True) is False
    assert ClassDB.class_has_method("CdbMid", "leaf_method") is False
    assert ClassDB.class_has_method("CdbLeaf", "nope") is False
    assert ClassDB.class_has_method("CdbLeaf", "__init__") is False
    assert ClassDB.class_has_method("CdbLeaf", "get_reference_count") is False


def test_free_is_not_a_bound_method() -> None:
    assert ClassDB.class_has_method("Object", "free") is False
    assert ClassDB.class_has_method("Object", "free", True) is False
    assert ClassDB.class_has_method("CdbLeaf", "free") is False
    obj = CdbLeaf()
    assert obj.has_method("free") is True


# --- constants and enums ----------------------------------------------------------------

LEAF_CONSTANTS = ["ZETA_ONE", "SIZE_S", "SIZE_L", "LEAF_CONST", "ZETA_TWO"]
MID_CONSTANTS = ["SHADE_DARK", "SHADE_LIGHT", "MID_CONST"]
BASE_CONSTANTS = ["BASE_CONST", "KIND_A", "KIND_B"]


def test_class_get_integer_constant_walks_ancestors(engine_log: Any) -> None:
    assert ClassDB.class_get_integer_constant("CdbLeaf", "LEAF_CONST") == 30
    assert ClassDB.class_get_integer_constant("CdbLeaf", "SIZE_L") == 2
    assert ClassDB.class_get_integer_constant("CdbLeaf", "MID_CONST") == 20
    assert ClassDB.class_get_integer_constant("CdbLeaf", "KIND_B") == 1
    assert ClassDB.class_get_integer_constant("CdbLeaf", "BASE_CONST") == 10
    assert ClassDB.class_get_integer_constant("CdbLeaf", "CONNECT_REFERENCE_COUNTED") == 8
    value = ClassDB.class_get_integer_constant("CdbLeaf", "SIZE_S")
    assert type(value) is int
    assert engine_log.lines == []


def test_class_get_integer_constant_missing_logs(engine_log: Any) -> None:
    assert ClassDB.class_get_integer_constant("CdbBase", "LEAF_CONST") == 0
    assert engine_log.lines == [
        'ERROR: class_get_integer_constant: Condition "!found" is true. Returned: 0'
    ]


def test_class_get_integer_constant_list() -> None:
    assert ClassDB.class_get_integer_constant_list("CdbLeaf") == (
        LEAF_CONSTANTS + MID_CONSTANTS + BASE_CONSTANTS + OBJECT_CONSTANTS
    )
    assert ClassDB.class_get_integer_constant_list("CdbLeaf", True) == LEAF_CONSTANTS
    assert ClassDB.class_get_integer_constant_list("CdbMid", True) == MID_CONSTANTS
    assert ClassDB.class_get_integer_constant_list("CdbBase") == BASE_CONSTANTS + OBJECT_CONSTANTS


def test_class_has_integer_constant() -> None:
    assert ClassDB.class_has_integer_constant("CdbLeaf", "LEAF_CONST") is True
    assert ClassDB.class_has_integer_constant("CdbLeaf", "BASE_CONST") is True
    assert ClassDB.class_has_integer_constant("CdbLeaf", "NOTIFICATION_PREDELETE") is True
    assert ClassDB.class_has_integer_constant("CdbBase", "LEAF_CONST") is False
    assert ClassDB.class_has_integer_constant("CdbLeaf", "nope") is False


def test_class_get_enum_list() -> None:
    assert ClassDB.class_get_enum_list("CdbLeaf", True) == ["Zeta", "Size"]
    assert ClassDB.class_get_enum_list("CdbLeaf") == [
        "Zeta",
        "Size",
        "Shade",
        "Kind",
        "ConnectFlags",
    ]
    assert ClassDB.class_get_enum_list("CdbMid", True) == ["Shade"]
    assert ClassDB.class_get_enum_list("Reference") == ["ConnectFlags"]
    assert ClassDB.class_get_enum_list("Reference", True) == []


def test_class_get_enum_constants() -> None:
    assert ClassDB.class_get_enum_constants("CdbLeaf", "Zeta") == ["ZETA_ONE", "ZETA_TWO"]
    assert ClassDB.class_get_enum_constants("CdbLeaf", "Size", True) == ["SIZE_S", "SIZE_L"]
    assert ClassDB.class_get_enum_constants("CdbLeaf", "Kind") == ["KIND_A", "KIND_B"]
    assert ClassDB.class_get_enum_constants("CdbLeaf", "Kind", True) == []
    assert ClassDB.class_get_enum_constants("CdbLeaf", "ConnectFlags") == [
        "CONNECT_DEFERRED",
        "CONNECT_PERSIST",
        "CONNECT_ONESHOT",
        "CONNECT_REFERENCE_COUNTED",
    ]
    assert ClassDB.class_get_enum_constants("CdbLeaf", "Nope") == []
    assert ClassDB.class_get_enum_constants("CdbLeaf", "CdbLeaf.Size") == []


def test_class_get_integer_constant_enum() -> None:
    assert ClassDB.class_get_integer_constant_enum("CdbLeaf", "SIZE_S") == "Size"
    assert ClassDB.class_get_integer_constant_enum("CdbLeaf", "ZETA_TWO") == "Zeta"
    assert ClassDB.class_get_integer_constant_enum("CdbLeaf", "KIND_A") == "Kind"
    assert ClassDB.class_get_integer_constant_enum("CdbLeaf", "KIND_A", True) == ""
    assert ClassDB.class_get_integer_constant_enum("CdbLeaf", "SIZE_S", True) == "Size"
    assert ClassDB.class_get_integer_constant_enum("CdbLeaf", "LEAF_CONST") == ""
    assert ClassDB.class_get_integer_constant_enum("CdbLeaf", "CONNECT_PERSIST") == "ConnectFlags"
    assert ClassDB.class_get_integer_constant_enum("CdbLeaf", "NOTIFICATION_PREDELETE") == ""
    assert ClassDB.class_get_integer_constant_enum("CdbLeaf", "nope") == ""


def test_enum_values_are_class_attributes() -> None:
    assert CdbLeaf.SIZE_L is CdbLeaf.Size.SIZE_L  # type: ignore[attr-defined]
    assert CdbLeaf.KIND_B == 1  # type: ignore[attr-defined]
    assert CdbLeaf.ZETA_TWO == 2  # type: ignore[attr-defined]
    assert CdbLeaf.LEAF_CONST == 30  # type: ignore[attr-defined]


# --- signals ----------------------------------------------------------------------------

LEAF_SIGNALS = [
    signal("leaf_signal", prop(VariantType.INT, name="x")),
    signal("leaf_other"),
]
MID_SIGNALS = [signal("mid_signal")]
BASE_SIGNALS = [signal("base_signal", prop(VariantType.INT, name="a"))]


def test_class_get_signal_walks_ancestors() -> None:
    assert ClassDB.class_get_signal("CdbLeaf", "leaf_signal") == LEAF_SIGNALS[0]
    assert ClassDB.class_get_signal("CdbLeaf", "base_signal") == BASE_SIGNALS[0]
    assert ClassDB.class_get_signal("CdbMid", "leaf_signal") == {}
    assert ClassDB.class_get_signal("CdbLeaf", "nope") == {}


def test_class_get_signal_list() -> None:
    assert ClassDB.class_get_signal_list("CdbLeaf") == LEAF_SIGNALS + MID_SIGNALS + BASE_SIGNALS
    assert ClassDB.class_get_signal_list("CdbLeaf", True) == LEAF_SIGNALS
    assert ClassDB.class_get_signal_list("CdbMid", True) == MID_SIGNALS
    assert ClassDB.class_get_signal_list("CdbBase") == BASE_SIGNALS
    assert ClassDB.class_get_signal_list("Object") == []


def test_class_has_signal() -> None:
    assert ClassDB.class_has_signal("CdbLeaf", "leaf_other") is True
    assert ClassDB.class_has_signal("CdbLeaf", "base_signal") is True
    assert ClassDB.class_has_signal("CdbBase", "leaf_other") is False
    assert ClassDB.class_has_signal("CdbLeaf", "nope") is False


# --- results are new objects ------------------------------------------------------------


def test_results_are_new_objects() -> None:
    queries: list[Callable[[], Any]] = [
        lambda: ClassDB.get_class_list(),
        lambda: ClassDB.get_inheriters_from_class("CdbBase"),
        lambda: ClassDB.class_get_property_list("CdbLeaf"),
        lambda: ClassDB.class_get_method_list("CdbLeaf"),
        lambda: ClassDB.class_get_method_list("Object", True),
        lambda: ClassDB.class_get_integer_constant_list("CdbLeaf"),
        lambda: ClassDB.class_get_signal("CdbLeaf", "leaf_signal"),
        lambda: ClassDB.class_get_signal_list("CdbLeaf"),
        lambda: ClassDB.class_get_enum_list("CdbLeaf"),
        lambda: ClassDB.class_get_enum_constants("CdbLeaf", "Size"),
    ]
    for query in queries:
        first = query()
        snapshot = query()
        assert first == snapshot
        assert first is not snapshot
        _scribble(first)
        assert query() == snapshot


def _scribble(value: Any) -> None:
    """Mutate a result in place, nested containers included."""
    if isinstance(value, dict):
        for v in value.values():
            _scribble(v)
        for key in list(value):
            if isinstance(value[key], str):
                value[key] = value[key] + "!"
            elif isinstance(value[key], int):
                value[key] = value[key] + 1000
        value["extra"] = 1
    elif isinstance(value, list):
        for item in value:
            _scribble(item)
        value.append("extra")


def test_mutating_default_args_changes_nothing() -> None:
    first = {m["name"]: m for m in ClassDB.class_get_method_list("Object", True)}
    first["connect"]["default_args"][0].append("bind")
    first["add_user_signal"]["default_args"][0].append({"name": "x"})
    again = {m["name"]: m for m in ClassDB.class_get_method_list("Object", True)}
    assert again["connect"]["default_args"] == [[], 0]
    assert again["add_user_signal"]["default_args"] == [[]]


# --- the core registrations (§2.9, §3) --------------------------------------------------

STRING = prop(VariantType.STRING)
BOOL = prop(VariantType.BOOL)
INT = prop(VariantType.INT)
ARRAY = prop(VariantType.ARRAY)
VARIANT = prop(usage=VARIANT_USAGE)
VOID = prop()
OBJECT_ARG = prop(VariantType.OBJECT, "Object")
ERROR_RET = prop(VariantType.INT, "Error", usage=ENUM_USAGE)


def arg(name: str, descriptor: dict[str, Any]) -> dict[str, Any]:
    return {**descriptor, "name": name}


# name, args, default_args, flags, return
OBJECT_API: list[tuple[str, list[dict[str, Any]], list[Any], int, dict[str, Any]]] = [
    ("free", [], [], 1, VOID),
    ("get_class", [], [], 9, STRING),
    ("is_class", [arg("class", STRING)], [], 9, BOOL),
    ("set", [arg("property", STRING), arg("value", VARIANT)], [], 1, VOID),
    ("get", [arg("property", STRING)], [], 9, VARIANT),
    ("get_property_list", [], [], 9, ARRAY),
    ("get_method_list", [], [], 9, ARRAY),
    ("notification", [arg("what", INT), arg("reversed", BOOL)], [False], 1, VOID),
    ("to_string", [], [], 1, STRING),
    ("get_instance_id", [], [], 9, INT),
    ("set_meta", [arg("name", STRING), arg("value", VARIANT)], [], 1, VOID),
    ("remove_meta", [arg("name", STRING)], [], 1, VOID),
    ("get_meta", [arg("name", STRING), arg("default", VARIANT)], [None], 9, VARIANT),
    ("has_meta", [arg("name", STRING)], [], 9, BOOL),
    ("get_meta_list", [], [], 9, prop(VariantType.POOL_STRING_ARRAY)),
    ("add_user_signal", [arg("signal", STRING), arg("arguments", ARRAY)], [[]], 1, VOID),
    ("has_user_signal", [arg("signal", STRING)], [], 9, BOOL),
    ("emit_signal", [arg("signal", STRING)], [], 129, VOID),
    ("call", [arg("method", STRING)], [], 129, VARIANT),
    ("call_deferred", [arg("method", STRING)], [], 129, VOID),
    ("set_deferred", [arg("property", STRING), arg("value", VARIANT)], [], 1, VOID),
    ("callv", [arg("method", STRING), arg("arg_array", ARRAY)], [], 1, VARIANT),
    ("has_method", [arg("method", STRING)], [], 9, BOOL),
    ("has_signal", [arg("signal", STRING)], [], 9, BOOL),
    ("get_signal_list", [], [], 9, ARRAY),
    ("get_signal_connection_list", [arg("signal", STRING)], [], 9, ARRAY),
    ("get_incoming_connections", [], [], 9, ARRAY),
    (
        "connect",
        [
            arg("signal", STRING),
            arg("target", OBJECT_ARG),
            arg("method", STRING),
            arg("binds", ARRAY),
            arg("flags", INT),
        ],
        [[], 0],
        1,
        ERROR_RET,
    ),
    (
        "disconnect",
        [arg("signal", STRING), arg("target", OBJECT_ARG), arg("method", STRING)],
        [],
        1,
        VOID,
    ),
    (
        "is_connected",
        [arg("signal", STRING), arg("target", OBJECT_ARG), arg("method", STRING)],
        [],
        9,
        BOOL,
    ),
    ("set_block_signals", [arg("enable", BOOL)], [], 1, VOID),
    ("is_blocking_signals", [], [], 9, BOOL),
    ("property_list_changed_notify", [], [], 1, VOID),
    ("is_queued_for_deletion", [], [], 9, BOOL),
]


def _without_ids(listed: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    return [(m["name"], m["args"], m["default_args"], m["flags"], m["return"]) for m in listed]


def test_object_registration() -> None:
    listed = ClassDB.class_get_method_list("Object", True)
    assert [m["name"] for m in listed] == OBJECT_METHODS
    assert _without_ids(listed) == OBJECT_API
    assert all(list(m) == ["name", "args", "default_args", "flags", "id", "return"] for m in listed)
    ids = [m["id"] for m in listed]
    assert ids[0] == 0
    assert all(i > 0 for i in ids[1:])
    assert ids[1:] == sorted(ids[1:])
    assert len(set(ids)) == len(ids)
    assert ClassDB.class_get_method_list("Object") == listed


def test_object_constants_properties_and_signals() -> None:
    assert ClassDB.class_get_integer_constant_list("Object") == OBJECT_CONSTANTS
    values = [ClassDB.class_get_integer_constant("Object", c) for c in OBJECT_CONSTANTS]
    assert values == [0, 1, 1, 2, 4, 8]
    assert ClassDB.class_get_enum_list("Object") == ["ConnectFlags"]
    assert ClassDB.class_get_enum_constants("Object", "ConnectFlags") == OBJECT_CONSTANTS[2:]
    assert ClassDB.class_get_integer_constant_enum("Object", "NOTIFICATION_POSTINITIALIZE") == ""
    assert ClassDB.class_get_integer_constant_enum("Object", "CONNECT_ONESHOT") == "ConnectFlags"
    assert ClassDB.class_get_property_list("Object") == []
    assert ClassDB.class_get_signal_list("Object") == []
    assert Object.NOTIFICATION_PREDELETE == 1  # type: ignore[attr-defined]
    assert Object.NOTIFICATION_POSTINITIALIZE == 0  # type: ignore[attr-defined]
    assert Object.CONNECT_REFERENCE_COUNTED == 8  # type: ignore[attr-defined]
    assert ClassDB.get_parent_class("Object") == ""


def test_reference_registration() -> None:
    listed = ClassDB.class_get_method_list("Reference", True)
    assert _without_ids(listed) == [
        ("init_ref", [], [], 1, BOOL),
        ("reference", [], [], 1, BOOL),
        ("unreference", [], [], 1, BOOL),
    ]
    ids = [m["id"] for m in listed]
    object_ids = [m["id"] for m in ClassDB.class_get_method_list("Object", True)]
    assert ids == sorted(ids)
    assert min(ids) > max(object_ids)
    assert names(ClassDB.class_get_method_list("Reference")) == (REFERENCE_METHODS + OBJECT_METHODS)
    assert ClassDB.class_get_integer_constant_list("Reference", True) == []
    assert ClassDB.class_get_enum_list("Reference", True) == []
    assert ClassDB.class_get_property_list("Reference") == []
    assert ClassDB.class_get_signal_list("Reference") == []
    assert ClassDB.get_parent_class("Reference") == "Object"
    assert ClassDB.can_instance("Reference")


def test_weakref_registration() -> None:
    listed = ClassDB.class_get_method_list("WeakRef", True)
    assert _without_ids(listed) == [("get_ref", [], [], 9, VARIANT)]
    reference_ids = [m["id"] for m in ClassDB.class_get_method_list("Reference", True)]
    assert listed[0]["id"] > max(reference_ids)
    assert names(ClassDB.class_get_method_list("WeakRef")) == (
        ["get_ref", *REFERENCE_METHODS, *OBJECT_METHODS]
    )
    assert ClassDB.class_get_integer_constant_list("WeakRef", True) == []
    assert ClassDB.class_get_property_list("WeakRef") == []
    assert ClassDB.class_get_signal_list("WeakRef") == []
    assert ClassDB.get_parent_class("WeakRef") == "Reference"
    assert ClassDB.can_instance("WeakRef")
    assert type(ClassDB.instance("WeakRef")) is WeakRef
