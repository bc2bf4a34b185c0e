"""Object: identity and lifetime, properties and calls by name, metadata, notifications, freeing.

object_model.md §2.1-§2.3, §2.5, §2.7, §2.8; conversions from object_model_reference.md §3.1.
"""

from __future__ import annotations

import copy
import gc
import logging
import math
import pickle
import weakref as pyweakref
from collections.abc import Callable, Iterator
from enum import IntEnum
from typing import Any

import pytest

from engine.object_model import (
    ArgumentInfo,
    CallError,
    CallErrorType,
    ClassDB,
    ConnectFlags,
    Error,
    Object,
    PropertyInfo,
    PropertyUsage,
    Reference,
    VariantType,
    instance_from_id,
    is_instance_valid,
    object_db,
)

_log = logging.getLogger("tests.object_model")

CALL_OK = CallError(CallErrorType.CALL_OK, 0, VariantType.NIL)

# --- test classes (registered once, at import) ------------------------------------------


class ObjPoint(Object):
    """Properties: x (read/write), label (read-only), positive (guarded), hidden (write-only)."""

    def __init__(self) -> None:
        super().__init__()
        self._x = 0
        self._label = "point"
        self._positive = 1
        self._hidden = 0

    def set_x(self, x: int) -> None:
        self._x = x

    def get_x(self) -> int:
        return self._x

    def get_label(self) -> str:
        return self._label

    def set_positive(self, value: int) -> None:
        if value <= 0:
            _log.error('ERROR: set_positive: Condition "value <= 0" is true.')
            return
        self._positive = value

    def get_positive(self) -> int:
        return self._positive

    def set_hidden(self, value: int) -> None:
        self._hidden = value

    def move(self, dx: int, dy: int = 0) -> list[int]:
        self._x += dx
        return [self._x, dy]

    def extra_python_only(self) -> int:
        return 1

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "set_x", args=("x",))
        ClassDB.bind_method(cls, "get_x", const=True)
        ClassDB.bind_method(cls, "get_label", const=True)
        ClassDB.bind_method(cls, "set_positive", args=("value",))
        ClassDB.bind_method(cls, "get_positive", const=True)
        ClassDB.bind_method(cls, "set_hidden", args=("value",))
        ClassDB.bind_method(cls, "move", args=("dx", "dy"))
        ClassDB.add_property(cls, PropertyInfo(name="x", type=VariantType.INT), "set_x", "get_x")
        ClassDB.add_property(
            cls, PropertyInfo(name="label", type=VariantType.STRING), "", "get_label"
        )
        ClassDB.add_property(
            cls, PropertyInfo(name="positive", type=VariantType.INT), "set_positive", "get_positive"
        )
        ClassDB.add_property(cls, PropertyInfo(name="hidden", type=VariantType.INT), "set_hidden")
        ClassDB.bind_integer_constant(cls, "", "POINT_LIMIT", 7)


ClassDB.register_class(ObjPoint)


class ObjPointPlain(ObjPoint):
    """Unregistered subclass: its extra methods are not reachable by name."""

    def unregistered_extra(self) -> int:
        return 42


class ObjPointRaising(ObjPoint):
    """Unregistered subclass whose __init__ fails."""

    def __init__(self) -> None:
        super().__init__()
        raise RuntimeError("broken constructor")


class ObjTypes(Object):
    """One method per parameter type of object_model_reference.md §3.1."""

    class Mode(IntEnum):
        MODE_A = 0
        MODE_B = 1

    def __init__(self) -> None:
        super().__init__()
        self.got: list[Any] = []

    def take_bool(self, v: bool) -> None:
        self.got.append(v)

    def take_int(self, v: int) -> None:
        self.got.append(v)

    def take_float(self, v: float) -> None:
        self.got.append(v)

    def take_string(self, v: str) -> None:
        self.got.append(v)

    def take_dict(self, v: dict) -> None:
        self.got.append(v)

    def take_array(self, v: list) -> None:
        self.got.append(v)

    def take_bytes(self, v: bytes) -> None:
        self.got.append(v)

    def take_strings(self, v: list[str]) -> None:
        self.got.append(v)

    def take_ints(self, v: list[int]) -> None:
        self.got.append(v)

    def take_reals(self, v: list[float]) -> None:
        self.got.append(v)

    def take_point(self, v: ObjPoint | None) -> None:
        self.got.append(v)

    def take_mode(self, v: Mode) -> None:
        self.got.append(v)

    def take_error(self, v: Error) -> None:
        self.got.append(v)

    def take_variant(self, v: Any) -> None:
        self.got.append(v)

    def pair(self, a: int, b: str) -> None:
        self.got.append((a, b))

    def collect(self, item: int, bag: list | None = None) -> list:
        assert bag is not None
        bag.append(item)
        return bag

    def tag(self, key: str, table: dict | None = None) -> dict:
        assert table is not None
        table[key] = True
        return table

    def gather(self, *args: Any) -> Any:
        self.got.append(args)
        return args

    @classmethod
    def _bind_methods(cls) -> None:
        for name in (
            "take_bool",
            "take_int",
            "take_float",
            "take_string",
            "take_dict",
            "take_array",
            "take_bytes",
            "take_strings",
            "take_ints",
            "take_reals",
            "take_point",
            "take_mode",
            "take_error",
            "take_variant",
        ):
            ClassDB.bind_method(cls, name, args=("v",))
        ClassDB.bind_method(cls, "pair", args=("a", "b"))
        bag = ArgumentInfo(name="bag", type=VariantType.ARRAY)
        ClassDB.bind_method(cls, "collect", args=("item", bag), defaults=([],))
        table = ArgumentInfo(name="table", type=VariantType.DICTIONARY)
        ClassDB.bind_method(cls, "tag", args=("key", table), defaults=({},))
        ClassDB.bind_vararg_method(cls, "gather")
        ClassDB.bind_enum(cls, cls.Mode)


ClassDB.register_class(ObjTypes)


class ObjHooked(Object):
    """Has every §2.2 hook; property alpha, a group and a read-only stat_hp."""

    def __init__(self) -> None:
        super().__init__()
        self.journal: list[tuple[str, str]] = []
        self.extras: dict[str, Any] = {}
        self._alpha = 1

    def set_alpha(self, v: int) -> None:
        self._alpha = v

    def get_alpha(self) -> int:
        return self._alpha

    def get_stat_hp(self) -> int:
        return 10

    def _set(self, name: str, value: Any) -> bool:
        self.journal.append(("ObjHooked._set", name))
        if name in ("base_only", "alpha", "label"):
            self.extras[name] = value
            return True
        return False

    def _get(self, name: str) -> Any:
        self.journal.append(("ObjHooked._get", name))
        if name in ("HOOKED_LIMIT", "alpha"):
            return "from hook"
        return self.extras.get(name)

    def _get_property_list(self) -> list[PropertyInfo]:
        return [PropertyInfo(name="base_extra", type=VariantType.INT)]

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "set_alpha", args=("v",))
        ClassDB.bind_method(cls, "get_alpha", const=True)
        ClassDB.bind_method(cls, "get_stat_hp", const=True)
        ClassDB.add_property(
            cls, PropertyInfo(name="alpha", type=VariantType.INT), "set_alpha", "get_alpha"
        )
        ClassDB.add_property_group(cls, "Stats", "stat_")
        ClassDB.add_property(
            cls, PropertyInfo(name="stat_hp", type=VariantType.INT), "", "get_stat_hp"
        )
        ClassDB.bind_integer_constant(cls, "", "HOOKED_LIMIT", 3)


ClassDB.register_class(ObjHooked)


class ObjHookedChild(ObjHooked):
    def get_beta(self) -> str:
        return "b"

    def _set(self, name: str, value: Any) -> bool:
        self.journal.append(("ObjHookedChild._set", name))
        return name in ("shared", "child_only")

    def _get(self, name: str) -> Any:
        self.journal.append(("ObjHookedChild._get", name))
        return "child" if name == "shared" else None

    def _validate_property(self, prop: PropertyInfo) -> PropertyInfo:
        if prop.name == "alpha":
            return prop.model_copy(update={"usage": PropertyUsage.STORAGE})
        return prop

    def _get_property_list(self) -> list[PropertyInfo]:
        return [PropertyInfo(name="child_extra", type=VariantType.STRING)]

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "get_beta", const=True)
        ClassDB.add_property(
            cls, PropertyInfo(name="beta", type=VariantType.STRING), "", "get_beta"
        )


ClassDB.register_class(ObjHookedChild)


class ObjHookedPlain(ObjHookedChild):
    """Unregistered, defines no hooks of its own."""


class ObjHookedPlainExtra(ObjHookedChild):
    """Unregistered, adds to the property list."""

    def _get_property_list(self) -> list[PropertyInfo]:
        return [PropertyInfo(name="plain_extra", type=VariantType.BOOL)]


class ObjRefThing(Reference):
    pass


ClassDB.register_class(ObjRefThing)


NOTES: list[tuple[str, Any]] = []


class ObjNotifyBase(Object):
    def __init__(self) -> None:
        super().__init__()
        NOTES.append(("ObjNotifyBase.__init__", None))

    def _notification(self, what: int) -> None:
        NOTES.append(("ObjNotifyBase", what))


ClassDB.register_class(ObjNotifyBase)


class ObjNotifyChild(ObjNotifyBase):
    def __init__(self) -> None:
        NOTES.append(("ObjNotifyChild.__init__ start", None))
        super().__init__()
        NOTES.append(("ObjNotifyChild.__init__ end", None))

    def _notification(self, what: int) -> None:
        NOTES.append(("ObjNotifyChild", what))


ClassDB.register_class(ObjNotifyChild)


class ObjNotifyPlain(ObjNotifyChild):
    """Unregistered subclass with its own hook."""

    def _notification(self, what: int) -> None:
        NOTES.append(("ObjNotifyPlain", what))


class _NotifyMixin:
    """Not an Object subclass: its methods are not hooks (the chain is Object subclasses)."""

    def _notification(self, what: int) -> None:
        NOTES.append(("_NotifyMixin", what))


class ObjNotifyMixed(_NotifyMixin, Object):
    pass


ClassDB.register_class(ObjNotifyMixed)


class ObjProbe(Object):
    """Records what it can see of itself while PREDELETE runs."""

    def __init__(self) -> None:
        super().__init__()
        self.seen: dict[str, Any] = {}
        self.peer: Object | None = None

    def _notification(self, what: int) -> None:
        if what != Object.NOTIFICATION_PREDELETE:
            return
        self.seen["valid"] = is_instance_valid(self)
        self.seen["lookup"] = instance_from_id(self.get_instance_id()) is self
        self.seen["meta"] = self.get_meta("k", "missing")
        self.seen["outgoing"] = len(self.get_signal_connection_list("ping"))
        self.seen["incoming"] = len(self.get_incoming_connections())
        self.seen["lines"] = 0


ClassDB.register_class(ObjProbe)


class ObjShape(Object):
    pass


ClassDB.register_virtual_class(ObjShape)


class ObjSquare(ObjShape):
    pass


ClassDB.register_class(ObjSquare)


class ObjShapePlain(ObjShape):
    """Unregistered subclass of a virtual class."""


@pytest.fixture(autouse=True)
def _clear_notes() -> Iterator[None]:
    NOTES.clear()
    yield
    NOTES.clear()


def _freed_point() -> ObjPoint:
    p = ObjPoint()
    p.free()
    return p


# --- §2.1 identity and lifetime ---------------------------------------------------------


def test_ids_count_up_from_one_and_are_never_reused() -> None:
    a, b, c = Object(), Object(), Object()
    ids = [a.get_instance_id(), b.get_instance_id(), c.get_instance_id()]
    assert ids[0] >= 1
    assert ids == [ids[0], ids[0] + 1, ids[0] + 2]
    a.free()
    d = Object()
    assert d.get_instance_id() == ids[2] + 1
    assert instance_from_id(ids[0]) is None
    for obj in (b, c, d):
        obj.free()


def test_get_instance_id_keeps_answering_after_free(engine_log: Any) -> None:
    p = ObjPoint()
    pid = p.get_instance_id()
    p.free()
    assert p.get_instance_id() == pid
    assert engine_log.lines == []


def test_instance_from_id_gives_live_object_or_none() -> None:
    p = ObjPoint()
    pid = p.get_instance_id()
    assert instance_from_id(pid) is p
    assert instance_from_id(0) is None
    assert instance_from_id(pid + 1_000_000) is None
    p.free()
    assert instance_from_id(pid) is None


def test_instance_from_id_truncates_a_float() -> None:
    p = ObjPoint()
    assert instance_from_id(float(p.get_instance_id()) + 0.9) is p
    p.free()


@pytest.mark.parametrize("bad", ["1", None, b"1", [1]])
def test_instance_from_id_rejects_other_types(bad: Any) -> None:
    with pytest.raises(TypeError):
        instance_from_id(bad)


def test_plain_object_is_kept_alive_by_objectdb_until_freed() -> None:
    p = ObjPoint()
    pid = p.get_instance_id()
    del p
    gc.collect()
    again = instance_from_id(pid)
    assert isinstance(again, ObjPoint)
    again.free()
    assert instance_from_id(pid) is None


@pytest.mark.parametrize(
    "value", [None, 0, 1, "x", 1.5, object(), [], {}, ObjPoint, Object, b"", math.nan]
)
def test_is_instance_valid_is_false_for_non_objects(value: Any) -> None:
    assert is_instance_valid(value) is False


def test_is_instance_valid_for_live_and_freed_objects() -> None:
    p = ObjPoint()
    assert is_instance_valid(p) is True
    p.free()
    assert is_instance_valid(p) is False


def test_postinitialize_is_sent_once_after_the_outermost_init() -> None:
    obj = ObjNotifyChild()
    assert NOTES == [
        ("ObjNotifyChild.__init__ start", None),
        ("ObjNotifyBase.__init__", None),
        ("ObjNotifyChild.__init__ end", None),
        ("ObjNotifyBase", Object.NOTIFICATION_POSTINITIALIZE),
        ("ObjNotifyChild", Object.NOTIFICATION_POSTINITIALIZE),
    ]
    obj.free()


def test_init_that_raises_drops_the_id_silently(engine_log: Any) -> None:
    before = Object()
    with pytest.raises(RuntimeError, match="broken constructor"):
        ObjPointRaising()
    after = Object()
    dropped = before.get_instance_id() + 1
    assert after.get_instance_id() == dropped + 1
    assert instance_from_id(dropped) is None
    assert engine_log.lines == []
    before.free()
    after.free()


def test_unregistered_subclass_reports_nearest_registered_class(engine_log: Any) -> None:
    p = ObjPointPlain()
    assert p.get_class() == "ObjPoint"
    assert p.is_class("ObjPoint")
    assert p.is_class("Object")
    assert not p.is_class("ObjPointPlain")
    assert not p.has_method("unregistered_extra")
    assert p.call("unregistered_extra") is None
    assert engine_log.lines == [
        "ERROR: call: Error calling method from 'call': "
        "'ObjPoint::unregistered_extra': Method not found."
    ]
    assert p.to_string() == f"[ObjPoint:{p.get_instance_id()}]"
    p.free()


def test_is_class_matches_the_class_or_a_registered_ancestor_exactly() -> None:
    c = ObjHookedChild()
    assert c.is_class("ObjHookedChild")
    assert c.is_class("ObjHooked")
    assert c.is_class("Object")
    assert not c.is_class("objhooked")
    assert not c.is_class("Reference")
    assert not c.is_class("ObjPoint")
    assert not c.is_class("")
    c.free()


def test_text_forms_live_and_freed() -> None:
    p = ObjPoint()
    text = f"[ObjPoint:{p.get_instance_id()}]"
    assert p.to_string() == text
    assert str(p) == text
    assert repr(p) == text
    assert p.call("to_string") == text
    p.free()
    assert p.to_string() == "[Deleted Object]"
    assert str(p) == "[Deleted Object]"
    assert repr(p) == "[Deleted Object]"


def test_constructing_a_virtual_class_raises_but_its_subclasses_work() -> None:
    with pytest.raises(TypeError):
        ObjShape()
    square = ObjSquare()
    assert square.get_class() == "ObjSquare"
    assert square.is_class("ObjShape")
    plain = ObjShapePlain()
    assert plain.get_class() == "ObjShape"
    square.free()
    plain.free()


# --- §2.2 properties by name ------------------------------------------------------------


def test_set_and_get_a_classdb_property(engine_log: Any) -> None:
    p = ObjPoint()
    p.set("x", 5)
    assert p.get("x") == 5
    assert p.get_x() == 5
    p.set("x", 2.9)
    assert p.get("x") == 2
    assert type(p.get("x")) is int
    assert engine_log.lines == []
    p.free()


def test_set_read_only_property_does_nothing_and_skips_hooks(engine_log: Any) -> None:
    h = ObjHooked()
    p = ObjPoint()
    p.set("label", "changed")
    assert p.get("label") == "point"
    h.set("stat_hp", 99)
    assert h.get("stat_hp") == 10
    assert ("ObjHooked._set", "stat_hp") not in h.journal
    assert engine_log.lines == []
    p.free()
    h.free()


def test_set_with_failed_conversion_changes_nothing_silently(engine_log: Any) -> None:
    h = ObjHooked()
    h.set("alpha", "not an int")
    assert h.get_alpha() == 1
    assert h.extras == {}
    assert h.journal == []
    h.set("alpha", None)
    assert h.get_alpha() == 1
    assert engine_log.lines == []
    h.free()


def test_set_unknown_property_is_silent(engine_log: Any) -> None:
    p = ObjPoint()
    p.set("nope", 1)
    assert p.get("nope") is None
    assert engine_log.lines == []
    p.free()


def test_set_meta_property_replaces_metadata_with_a_shallow_copy() -> None:
    p = ObjPoint()
    p.set_meta("old", 1)
    inner = [1]
    source = {"a": inner, "b": 2}
    p.set("__meta__", source)
    source["c"] = 3
    assert p.get_meta_list() == ["a", "b"]
    assert p.get_meta("a") is inner
    p.set("__meta__", "not a dict")
    p.set("__meta__", None)
    assert p.get_meta_list() == ["a", "b"]
    p.free()


def test_get_meta_property_is_a_copy() -> None:
    p = ObjPoint()
    assert p.get("__meta__") == {}
    p.set_meta("k", 1)
    got = p.get("__meta__")
    assert got == {"k": 1}
    got["other"] = 2
    assert p.get_meta_list() == ["k"]
    p.free()


def test_set_hooks_run_base_first_until_one_accepts() -> None:
    c = ObjHookedChild()
    c.set("shared", 1)
    assert c.journal == [("ObjHooked._set", "shared"), ("ObjHookedChild._set", "shared")]
    c.journal.clear()
    c.set("base_only", 5)
    assert c.journal == [("ObjHooked._set", "base_only")]
    c.journal.clear()
    c.set("nobody", 5)
    assert c.journal == [("ObjHooked._set", "nobody"), ("ObjHookedChild._set", "nobody")]
    c.free()


def test_get_hooks_run_most_derived_first_until_one_answers() -> None:
    c = ObjHookedChild()
    assert c.get("shared") == "child"
    assert c.journal == [("ObjHookedChild._get", "shared")]
    c.set("base_only", 5)
    c.journal.clear()
    assert c.get("base_only") == 5
    assert c.journal == [("ObjHookedChild._get", "base_only"), ("ObjHooked._get", "base_only")]
    c.journal.clear()
    assert c.get("nobody") is None
    assert c.journal == [("ObjHookedChild._get", "nobody"), ("ObjHooked._get", "nobody")]
    c.free()


def test_hooks_of_an_unregistered_subclass_run_once_per_walk() -> None:
    c = ObjHookedPlain()
    c.set("nobody", 1)
    assert c.journal == [("ObjHooked._set", "nobody"), ("ObjHookedChild._set", "nobody")]
    c.free()


def test_classdb_property_wins_over_hooks() -> None:
    h = ObjHooked()
    h.set("alpha", 4)
    assert h.get_alpha() == 4
    assert h.get("alpha") == 4
    assert h.journal == []
    h.free()


def test_get_property_without_getter_is_none() -> None:
    p = ObjPoint()
    p.set("hidden", 3)
    assert p._hidden == 3
    assert p.get("hidden") is None
    p.free()


def test_get_falls_back_to_integer_constants() -> None:
    p = ObjPoint()
    assert p.get("CONNECT_ONESHOT") == 4
    assert p.get("NOTIFICATION_PREDELETE") == 1
    assert p.get("POINT_LIMIT") == 7
    assert p.call("get", "CONNECT_DEFERRED") == 1
    p.free()


def test_constant_wins_over_get_hooks() -> None:
    h = ObjHooked()
    assert h.get("HOOKED_LIMIT") == 3
    assert h.journal == []
    h.free()


def _category(name: str) -> dict[str, Any]:
    return PropertyInfo(name=name, usage=PropertyUsage.CATEGORY).as_dict()


META_ENTRY = {
    "name": "__meta__",
    "class_name": "",
    "type": 18,
    "hint": 0,
    "hint_string": "",
    "usage": 1048581,
}


def test_property_list_base_first_with_categories_groups_and_hooks() -> None:
    c = ObjHookedChild()
    assert c.get_property_list() == [
        _category("ObjHooked"),
        PropertyInfo(name="alpha", type=VariantType.INT, usage=PropertyUsage.STORAGE).as_dict(),
        {"name": "Stats", "class_name": "", "type": 0, "hint": 0, "hint_string": "stat_",
         "usage": 128},
        PropertyInfo(name="stat_hp", type=VariantType.INT).as_dict(),
        PropertyInfo(name="base_extra", type=VariantType.INT).as_dict(),
        _category("ObjHookedChild"),
        PropertyInfo(name="beta", type=VariantType.STRING).as_dict(),
        PropertyInfo(name="child_extra", type=VariantType.STRING).as_dict(),
    ]  # fmt: skip
    c.free()


def test_property_list_without_validate_hook_keeps_registered_usage() -> None:
    h = ObjHooked()
    names = [(d["name"], d["usage"]) for d in h.get_property_list()]
    assert names == [
        ("ObjHooked", 256),
        ("alpha", 7),
        ("Stats", 128),
        ("stat_hp", 7),
        ("base_extra", 7),
    ]
    h.free()


def test_property_list_of_unregistered_subclass_adds_no_category() -> None:
    c = ObjHookedPlainExtra()
    names = [d["name"] for d in c.get_property_list()]
    assert names == [
        "ObjHooked",
        "alpha",
        "Stats",
        "stat_hp",
        "base_extra",
        "ObjHookedChild",
        "beta",
        "child_extra",
        "plain_extra",
    ]
    c.free()


def test_property_list_of_reference_subclass_starts_with_reference_category() -> None:
    r = ObjRefThing()
    assert r.get_property_list() == [_category("Reference"), _category("ObjRefThing")]


def test_property_list_has_meta_entry_only_while_metadata_exists() -> None:
    p = ObjPoint()
    names = [d["name"] for d in p.get_property_list()]
    assert names == ["ObjPoint", "x", "label", "positive", "hidden"]
    p.set_meta("k", 1)
    plist = p.get_property_list()
    assert plist[-1] == META_ENTRY
    assert list(plist[-1]) == list(META_ENTRY)
    assert sum(d["name"] == "__meta__" for d in plist) == 1
    p.remove_meta("k")
    assert [d["name"] for d in p.get_property_list()] == names
    p.set("__meta__", {})
    assert [d["name"] for d in p.get_property_list()] == names
    assert all(d["name"] != "script" for d in p.get_property_list())
    p.free()


def test_property_attribute_reads_and_writes_through_accessors(engine_log: Any) -> None:
    p = ObjPoint()
    p.x = 12
    assert p.x == 12
    assert p.get_x() == 12
    p.x = 3.7
    assert p.x == 3
    assert type(p.x) is int
    p.x = True
    assert p.x == 1
    assert type(p.x) is int
    assert p.label == "point"
    assert engine_log.lines == []
    p.free()


@pytest.mark.parametrize("value", ["12", None, [1], math.inf, 2**63])
def test_property_attribute_rejects_unconvertible_value(value: Any) -> None:
    p = ObjPoint()
    p.x = 4
    with pytest.raises(TypeError):
        p.x = value
    assert p.x == 4
    p.free()


def test_property_attribute_without_setter_is_read_only() -> None:
    p = ObjPoint()
    with pytest.raises(AttributeError):
        p.label = "new"
    assert p.label == "point"
    p.free()


def test_property_attribute_without_getter_cannot_be_read() -> None:
    p = ObjPoint()
    p.hidden = 5
    assert p._hidden == 5
    with pytest.raises(AttributeError):
        _ = p.hidden
    p.free()


def test_property_attribute_setter_guard_logs_and_keeps_value(engine_log: Any) -> None:
    p = ObjPoint()
    p.positive = 9
    p.positive = -1
    assert p.positive == 9
    assert engine_log.lines == ['ERROR: set_positive: Condition "value <= 0" is true.']
    p.free()


# --- §2.3 calls by name -----------------------------------------------------------------


def test_has_method() -> None:
    p = ObjPoint()
    assert p.has_method("free")
    assert p.has_method("set_x")
    assert p.has_method("get_class")
    assert p.has_method("emit_signal")
    assert not p.has_method("nope")
    assert not p.has_method("extra_python_only")
    assert not p.has_method("_bind_methods")
    assert not ClassDB.class_has_method("ObjPoint", "free")
    p.free()


def test_get_method_list_matches_classdb() -> None:
    c = ObjHookedChild()
    assert c.get_method_list() == ClassDB.class_get_method_list("ObjHookedChild")
    plain = ObjPointPlain()
    assert plain.get_method_list() == ClassDB.class_get_method_list("ObjPoint")
    c.free()
    plain.free()


def test_call_runs_the_method_and_returns_its_result(engine_log: Any) -> None:
    p = ObjPoint()
    assert p.call("set_x", 4) is None
    assert p.call("get_x") == 4
    assert p.call("move", 2, 5) == [6, 5]
    assert p.callv("move", [1]) == [7, 0]
    assert p.callp("get_x", ()) == (7, CALL_OK)
    assert p.callp("get_x", []) == (7, CALL_OK)
    assert engine_log.lines == []
    p.free()


def test_call_inherited_method_by_name() -> None:
    p = ObjPoint()
    assert p.call("get_class") == "ObjPoint"
    assert p.call("is_class", "Object") is True
    assert p.callv("has_method", ["free"]) is True
    p.free()


CALL_ERRORS = [
    (
        "nope",
        (),
        CallError(CallErrorType.CALL_ERROR_INVALID_METHOD, 0, VariantType.NIL),
        "'ObjPoint::nope': Method not found.",
    ),
    (
        "set_x",
        ("x",),
        CallError(CallErrorType.CALL_ERROR_INVALID_ARGUMENT, 0, VariantType.INT),
        "'ObjPoint::set_x': Cannot convert argument 1 from String to int.",
    ),
    (
        "move",
        (1, "two"),
        CallError(CallErrorType.CALL_ERROR_INVALID_ARGUMENT, 1, VariantType.INT),
        "'ObjPoint::move': Cannot convert argument 2 from String to int.",
    ),
    (
        "get_x",
        (1,),
        CallError(CallErrorType.CALL_ERROR_TOO_MANY_ARGUMENTS, 0, VariantType.NIL),
        "'ObjPoint::get_x': Method expected 0 arguments, but called with 1.",
    ),
    (
        "move",
        (1, 2, 3),
        CallError(CallErrorType.CALL_ERROR_TOO_MANY_ARGUMENTS, 2, VariantType.NIL),
        "'ObjPoint::move': Method expected 2 arguments, but called with 3.",
    ),
    (
        "move",
        (),
        CallError(CallErrorType.CALL_ERROR_TOO_FEW_ARGUMENTS, 1, VariantType.NIL),
        "'ObjPoint::move': Method expected 1 arguments, but called with 0.",
    ),
    (
        "call",
        (),
        CallError(CallErrorType.CALL_ERROR_TOO_FEW_ARGUMENTS, 0, VariantType.NIL),
        "'ObjPoint::call': Method expected 0 arguments, but called with 0.",
    ),
    (
        "call",
        (5,),
        CallError(CallErrorType.CALL_ERROR_INVALID_ARGUMENT, 0, VariantType.STRING),
        "'ObjPoint::call': Cannot convert argument 1 from int to String.",
    ),
    (
        "free",
        (1,),
        CallError(CallErrorType.CALL_ERROR_TOO_MANY_ARGUMENTS, 0, VariantType.NIL),
        "'ObjPoint::free': Method expected 0 arguments, but called with 1.",
    ),
]


@pytest.mark.parametrize(("method", "args", "error", "text"), CALL_ERRORS)
def test_call_error_is_logged_and_returns_none(
    engine_log: Any, method: str, args: tuple[Any, ...], error: CallError, text: str
) -> None:
    p = ObjPoint()
    assert p.call(method, *args) is None
    assert engine_log.lines == [f"ERROR: call: Error calling method from 'call': {text}"]
    assert is_instance_valid(p)
    assert p.get_x() == 0
    p.free()


@pytest.mark.parametrize(("method", "args", "error", "text"), CALL_ERRORS)
def test_callv_error_says_callv(
    engine_log: Any, method: str, args: tuple[Any, ...], error: CallError, text: str
) -> None:
    p = ObjPoint()
    assert p.callv(method, list(args)) is None
    assert engine_log.lines == [f"ERROR: callv: Error calling method from 'callv': {text}"]
    p.free()


@pytest.mark.parametrize(("method", "args", "error", "text"), CALL_ERRORS)
def test_callp_reports_the_call_error_without_logging(
    engine_log: Any, method: str, args: tuple[Any, ...], error: CallError, text: str
) -> None:
    p = ObjPoint()
    result, got = p.callp(method, args)
    assert result is None
    assert got == error
    assert isinstance(got, CallError)
    assert engine_log.lines == []
    p.free()


def test_call_with_non_string_method_name(engine_log: Any) -> None:
    p = ObjPoint()
    with pytest.raises(TypeError) as raised:
        p.call(5)  # type: ignore[arg-type]
    assert str(raised.value) == (
        "Invalid type in function 'call' in base 'ObjPoint'. "
        "Cannot convert argument 1 from int to String."
    )
    assert p.call("call", 5) is None  # by name: the call error is logged
    result, error = p.callp(None, ())  # type: ignore[arg-type]
    assert result is None
    assert error == CallError(CallErrorType.CALL_ERROR_INVALID_ARGUMENT, 0, VariantType.STRING)
    assert engine_log.lines == [
        "ERROR: call: Error calling method from 'call': "
        "'ObjPoint::call': Cannot convert argument 1 from int to String."
    ]
    p.free()


def test_nested_call_by_name() -> None:
    p = ObjPoint()
    assert p.call("call", "set_x", 8) is None
    assert p.call("callv", "get_x", []) == 8
    p.free()


def test_failed_argument_check_runs_nothing() -> None:
    t = ObjTypes()
    assert t.call("pair", 1, 2) is None
    assert t.callp("pair", ("1", 2))[1].argument == 0
    assert t.got == []
    assert t.call("pair", 1.9, "b") is None
    assert t.got == [(1, "b")]
    t.free()


_FREED = object()  # stands for a freed ObjPoint
_POINT = object()  # stands for a live ObjPoint
_PLAIN = object()  # stands for a plain Object (not an ObjPoint)
_SUB = object()  # stands for an unregistered ObjPoint subclass instance


class _Str(str):
    pass


ACCEPTED: list[tuple[str, Any, Any]] = [
    # bool: bool, int, float -> x != 0
    ("take_bool", True, True),
    ("take_bool", False, False),
    ("take_bool", 1, True),
    ("take_bool", 0, False),
    ("take_bool", -3, True),
    ("take_bool", 2.5, True),
    ("take_bool", 0.0, False),
    # int: bool -> 0/1, float truncated toward zero, enum members -> int, int64 range
    ("take_int", 5, 5),
    ("take_int", True, 1),
    ("take_int", False, 0),
    ("take_int", 2.9, 2),
    ("take_int", -2.9, -2),
    ("take_int", ObjTypes.Mode.MODE_B, 1),
    ("take_int", Error.ERR_BUG, 47),
    ("take_int", 2**63 - 1, 2**63 - 1),
    ("take_int", -(2**63), -(2**63)),
    # float: int and bool -> float(x)
    ("take_float", 1.5, 1.5),
    ("take_float", 2, 2.0),
    ("take_float", True, 1.0),
    ("take_float", math.inf, math.inf),
    # String: str subclasses -> plain str
    ("take_string", "abc", "abc"),
    ("take_string", _Str("sub"), "sub"),
    ("take_string", "", ""),
    # Object: None, wrong class or freed -> None
    ("take_point", None, None),
    ("take_point", _POINT, _POINT),
    ("take_point", _SUB, _SUB),
    ("take_point", _FREED, None),
    ("take_point", _PLAIN, None),
    # Dictionary
    ("take_dict", {"a": 1}, {"a": 1}),
    # Array: tuple -> list, bytes-likes -> list[int]
    ("take_array", [1, "a"], [1, "a"]),
    ("take_array", (1, 2), [1, 2]),
    ("take_array", b"\x01\x02", [1, 2]),
    ("take_array", bytearray(b"\x03"), [3]),
    ("take_array", memoryview(b"\x04"), [4]),
    # PoolByteArray: bytes-likes -> bytes, lists of ints 0..255 (or bools) -> bytes
    ("take_bytes", b"ab", b"ab"),
    ("take_bytes", bytearray(b"ab"), b"ab"),
    ("take_bytes", memoryview(b"ab"), b"ab"),
    ("take_bytes", [0, 1, 255], b"\x00\x01\xff"),
    ("take_bytes", (7,), b"\x07"),
    ("take_bytes", [True, False], b"\x01\x00"),
    ("take_bytes", [], b""),
    # PoolStringArray: list/tuple -> new list[str], others as text
    ("take_strings", ["a", "b"], ["a", "b"]),
    ("take_strings", ("a", "b"), ["a", "b"]),
    ("take_strings", [], []),
    (
        "take_strings",
        [1, True, False, 1.5, 2.0, 0.1234567, None, [1, "x"], {"b": 1, "a": 2}],
        ["1", "True", "False", "1.5", "2", "0.123457", "Null", "[1, x]", "{a:2, b:1}"],
    ),
    # PoolIntArray, PoolRealArray: elements pass the int / float rows
    ("take_ints", [1, 2.9, True], [1, 2, 1]),
    ("take_ints", (3,), [3]),
    ("take_reals", [1, 2.5, False], [1.0, 2.5, 0.0]),
    # enum-typed ints: as int, no range check
    ("take_mode", ObjTypes.Mode.MODE_B, 1),
    ("take_mode", 99, 99),
    ("take_mode", 1.7, 1),
    ("take_error", Error.FAILED, 1),
    ("take_error", 1234, 1234),
    # Variant: anything, unchanged
    ("take_variant", None, None),
    ("take_variant", "x", "x"),
    ("take_variant", (1, 2), (1, 2)),
    ("take_variant", _POINT, _POINT),
]


def _resolve(value: Any, point: ObjPoint, freed: ObjPoint, plain: Object, sub: ObjPoint) -> Any:
    return {id(_POINT): point, id(_FREED): freed, id(_PLAIN): plain, id(_SUB): sub}.get(
        id(value), value
    )


@pytest.fixture
def objects() -> Iterator[tuple[ObjPoint, ObjPoint, Object, ObjPoint]]:
    point, plain, sub = ObjPoint(), Object(), ObjPointPlain()
    freed = _freed_point()
    yield point, freed, plain, sub
    for obj in (point, plain, sub):
        obj.free()


@pytest.mark.parametrize(("method", "given", "expected"), ACCEPTED)
def test_argument_conversion_accepts(
    engine_log: Any,
    objects: tuple[ObjPoint, ObjPoint, Object, ObjPoint],
    method: str,
    given: Any,
    expected: Any,
) -> None:
    given = _resolve(given, *objects)
    expected = _resolve(expected, *objects)
    t = ObjTypes()
    assert t.callp(method, (given,)) == (None, CALL_OK)
    (received,) = t.got
    assert received == expected
    assert type(received) is type(expected)
    if isinstance(expected, Object):
        assert received is expected
    assert engine_log.lines == []
    t.free()


def test_dict_and_list_arguments_are_passed_by_reference() -> None:
    t = ObjTypes()
    d: dict[str, Any] = {}
    lst: list[Any] = []
    t.call("take_dict", d)
    t.call("take_array", lst)
    t.call("take_variant", lst)
    assert t.got[0] is d
    assert t.got[1] is lst
    assert t.got[2] is lst
    t.free()


def test_pool_string_array_is_a_new_list() -> None:
    t = ObjTypes()
    strings = ["a"]
    t.call("take_strings", strings)
    assert t.got[0] == ["a"]
    assert t.got[0] is not strings
    t.free()


def test_pool_string_array_element_object_as_text(objects: Any) -> None:
    point = objects[0]
    t = ObjTypes()
    t.call("take_strings", [point])
    assert t.got == [[f"[ObjPoint:{point.get_instance_id()}]"]]
    t.free()


REJECTED: list[tuple[str, Any, str, str]] = [
    ("take_bool", "true", "String", "bool"),
    ("take_bool", None, "Nil", "bool"),
    ("take_bool", [], "Array", "bool"),
    ("take_int", "2", "String", "int"),
    ("take_int", None, "Nil", "int"),
    ("take_int", math.nan, "float", "int"),
    ("take_int", math.inf, "float", "int"),
    ("take_int", -math.inf, "float", "int"),
    ("take_int", 2**63, "int", "int"),
    ("take_int", -(2**63) - 1, "int", "int"),
    ("take_int", 1e19, "float", "int"),
    ("take_int", b"1", "PoolByteArray", "int"),
    ("take_float", "1.5", "String", "float"),
    ("take_float", None, "Nil", "float"),
    ("take_float", 10**400, "int", "float"),
    ("take_string", 1, "int", "String"),
    ("take_string", True, "bool", "String"),
    ("take_string", 1.5, "float", "String"),
    ("take_string", b"a", "PoolByteArray", "String"),
    ("take_string", None, "Nil", "String"),
    ("take_string", {}, "Dictionary", "String"),
    ("take_string", (), "Array", "String"),
    ("take_string", _POINT, "Object", "String"),
    ("take_string", object(), "object", "String"),
    ("take_point", 5, "int", "Object"),
    ("take_point", "x", "String", "Object"),
    ("take_point", {}, "Dictionary", "Object"),
    ("take_dict", None, "Nil", "Dictionary"),
    ("take_dict", [], "Array", "Dictionary"),
    ("take_dict", "", "String", "Dictionary"),
    ("take_array", "ab", "String", "Array"),
    ("take_array", {}, "Dictionary", "Array"),
    ("take_array", None, "Nil", "Array"),
    ("take_bytes", "ab", "String", "PoolByteArray"),
    ("take_bytes", None, "Nil", "PoolByteArray"),
    ("take_bytes", [256], "Array", "PoolByteArray"),
    ("take_bytes", [-1], "Array", "PoolByteArray"),
    ("take_bytes", [1.0], "Array", "PoolByteArray"),
    ("take_bytes", ["a"], "Array", "PoolByteArray"),
    ("take_strings", "abc", "String", "PoolStringArray"),
    ("take_strings", b"ab", "PoolByteArray", "PoolStringArray"),
    ("take_strings", None, "Nil", "PoolStringArray"),
    ("take_ints", [1, "2"], "Array", "PoolIntArray"),
    ("take_ints", [math.nan], "Array", "PoolIntArray"),
    ("take_ints", "12", "String", "PoolIntArray"),
    ("take_ints", None, "Nil", "PoolIntArray"),
    ("take_reals", ["x"], "Array", "PoolRealArray"),
    ("take_reals", [None], "Array", "PoolRealArray"),
    ("take_mode", "1", "String", "int"),
    ("take_mode", None, "Nil", "int"),
    ("take_error", "OK", "String", "int"),
]


@pytest.mark.parametrize(("method", "given", "given_name", "expected_name"), REJECTED)
def test_argument_conversion_rejects(
    engine_log: Any,
    objects: tuple[ObjPoint, ObjPoint, Object, ObjPoint],
    method: str,
    given: Any,
    given_name: str,
    expected_name: str,
) -> None:
    given = _resolve(given, *objects)
    t = ObjTypes()
    result, error = t.callp(method, (given,))
    assert result is None
    assert error.error == CallErrorType.CALL_ERROR_INVALID_ARGUMENT
    assert error.argument == 0
    assert error.expected.type_name == expected_name
    assert t.call(method, given) is None
    assert engine_log.lines == [
        "ERROR: call: Error calling method from 'call': "
        f"'ObjTypes::{method}': Cannot convert argument 1 from {given_name} to {expected_name}."
    ]
    assert t.got == []
    t.free()


def test_list_and_dict_defaults_are_fresh_per_call() -> None:
    t = ObjTypes()
    assert t.call("collect", 1) == [1]
    assert t.call("collect", 2) == [2]
    mine = [0]
    assert t.call("collect", 3, mine) is mine
    assert mine == [0, 3]
    assert t.call("tag", "a") == {"a": True}
    assert t.call("tag", "b") == {"b": True}
    assert ClassDB.class_get_method_list("ObjTypes", True)[-2]["default_args"] == [{}]
    t.free()


def test_vararg_method_gets_raw_arguments() -> None:
    t = ObjTypes()
    sub = _Str("s")
    result = t.call("gather", 1.5, (1, 2), sub, None)
    assert result == (1.5, (1, 2), "s", None)
    assert type(result[1]) is tuple
    assert result[2] is sub
    assert t.call("gather") == ()
    assert t.callv("gather", [True]) == (True,)
    t.free()


# --- §2.5 metadata ----------------------------------------------------------------------


def test_metadata_basics(engine_log: Any) -> None:
    p = ObjPoint()
    assert p.get_meta_list() == []
    assert not p.has_meta("b")
    p.set_meta("b", 1)
    p.set_meta("a", [2])
    p.set_meta("c", "three")
    assert p.get_meta_list() == ["b", "a", "c"]
    assert p.has_meta("a")
    assert p.get_meta("a") == [2]
    assert p.get_meta("b", 99) == 1
    p.set_meta("b", 5)
    assert p.get_meta("b") == 5
    p.set_meta("a", None)
    assert not p.has_meta("a")
    assert p.get_meta_list() == ["b", "c"]
    p.remove_meta("c")
    p.remove_meta("absent")
    assert p.get_meta_list() == ["b"]
    assert engine_log.lines == []
    p.free()


def test_get_meta_missing_key(engine_log: Any) -> None:
    p = ObjPoint()
    assert p.get_meta("nope", 7) == 7
    assert p.get_meta("nope", False) is False
    assert engine_log.lines == []
    assert p.get_meta("nope") is None
    assert engine_log.lines == [
        "ERROR: get_meta: The object does not have any 'meta' values with the key 'nope'."
    ]
    p.free()


def test_metadata_by_name() -> None:
    p = ObjPoint()
    p.call("set_meta", "k", 3)
    assert p.call("get_meta", "k") == 3
    assert p.call("get_meta", "missing", 4) == 4
    assert p.call("has_meta", "k") is True
    assert p.call("get_meta_list") == ["k"]
    p.call("remove_meta", "k")
    assert p.get_meta_list() == []
    p.free()


def test_get_meta_list_is_a_new_list() -> None:
    p = ObjPoint()
    p.set_meta("k", 1)
    p.get_meta_list().append("x")
    assert p.get_meta_list() == ["k"]
    p.free()


# --- §2.7 notifications and free() ------------------------------------------------------


def test_notification_runs_hooks_object_first_or_reversed() -> None:
    obj = ObjNotifyChild()
    NOTES.clear()
    obj.notification(42)
    assert NOTES == [("ObjNotifyBase", 42), ("ObjNotifyChild", 42)]
    NOTES.clear()
    obj.notification(43, True)
    assert NOTES == [("ObjNotifyChild", 43), ("ObjNotifyBase", 43)]
    NOTES.clear()
    obj.call("notification", 44, True)
    assert NOTES == [("ObjNotifyChild", 44), ("ObjNotifyBase", 44)]
    obj.free()


def test_unregistered_subclass_hooks_run() -> None:
    obj = ObjNotifyPlain()
    NOTES.clear()
    obj.notification(7)
    assert NOTES == [("ObjNotifyBase", 7), ("ObjNotifyChild", 7), ("ObjNotifyPlain", 7)]
    NOTES.clear()
    obj.free()
    assert NOTES == [("ObjNotifyPlain", 1), ("ObjNotifyChild", 1), ("ObjNotifyBase", 1)]


def test_a_non_object_mixin_is_not_part_of_the_hook_chain() -> None:
    obj = ObjNotifyMixed()
    obj.notification(9)
    obj.free()
    assert NOTES == []


def test_free_sends_predelete_reversed_and_invalidates(engine_log: Any) -> None:
    obj = ObjNotifyChild()
    oid = obj.get_instance_id()
    NOTES.clear()
    obj.free()
    assert NOTES == [
        ("ObjNotifyChild", Object.NOTIFICATION_PREDELETE),
        ("ObjNotifyBase", Object.NOTIFICATION_PREDELETE),
    ]
    assert instance_from_id(oid) is None
    assert not is_instance_valid(obj)
    assert engine_log.lines == []


def test_object_is_valid_during_predelete_then_connections_and_meta_go() -> None:
    probe = ObjProbe()
    other = ObjProbe()
    probe.set_meta("k", "v")
    probe.add_user_signal("ping")
    other.add_user_signal("ping")
    assert probe.connect("ping", other, "get_class") == Error.OK
    assert other.connect("ping", probe, "get_class") == Error.OK
    pid = probe.get_instance_id()
    probe.free()
    assert probe.seen == {
        "valid": True,
        "lookup": True,
        "meta": "v",
        "outgoing": 1,
        "incoming": 1,
        "lines": 0,
    }
    assert instance_from_id(pid) is None
    assert other.get_signal_connection_list("ping") == []
    assert other.get_incoming_connections() == []
    other.free()


def test_free_releases_metadata_values() -> None:
    class Token:
        pass

    p = ObjPoint()
    token = Token()
    watch = pyweakref.ref(token)
    p.set_meta("t", token)
    del token
    gc.collect()
    assert watch() is not None
    p.free()
    gc.collect()
    assert watch() is None


def test_free_twice_logs(engine_log: Any) -> None:
    p = ObjPoint()
    p.free()
    assert engine_log.lines == []
    assert p.free() is None
    assert engine_log.lines == [
        "ERROR: free: Attempt to call 'free' on a previously freed instance."
    ]


def test_free_by_name() -> None:
    obj = ObjNotifyChild()
    NOTES.clear()
    assert obj.call("free") is None
    assert not is_instance_valid(obj)
    assert NOTES == [("ObjNotifyChild", 1), ("ObjNotifyBase", 1)]
    other = ObjPoint()
    assert other.callv("free", []) is None
    assert not is_instance_valid(other)
    third = ObjPoint()
    assert third.callp("free", ()) == (None, CALL_OK)
    assert not is_instance_valid(third)


def test_free_by_name_with_arguments_is_refused(engine_log: Any) -> None:
    obj = ObjNotifyChild()
    NOTES.clear()
    assert obj.call("free", 1, 2) is None
    assert is_instance_valid(obj)
    assert NOTES == []
    assert engine_log.lines == [
        "ERROR: call: Error calling method from 'call': "
        "'ObjNotifyChild::free': Method expected 0 arguments, but called with 2."
    ]
    obj.free()


def test_free_on_a_reference_is_refused(engine_log: Any) -> None:
    r = ObjRefThing()
    assert r.free() is None
    assert is_instance_valid(r)
    assert engine_log.lines == ["ERROR: free: Can't 'free' a reference."]


def test_free_by_name_on_a_reference_is_refused(engine_log: Any) -> None:
    r = ObjRefThing()
    assert r.has_method("free")
    assert r.call("free") is None
    assert is_instance_valid(r)
    assert engine_log.lines == ["ERROR: call: Can't 'free' a reference."]
    result, error = r.callp("free", ())
    assert result is None
    assert error.error == CallErrorType.CALL_ERROR_INVALID_METHOD
    assert is_instance_valid(r)


# --- §2.8 freed objects -----------------------------------------------------------------

_LIVE = object()  # replaced by a live Object in the test

FREED_METHODS: list[tuple[str, tuple[Any, ...], Any]] = [
    ("set", ("x", 1), None),
    ("get", ("x",), None),
    ("get_property_list", (), []),
    ("get_method_list", (), []),
    ("notification", (5,), None),
    ("notification", (5, True), None),
    ("set_meta", ("a", 1), None),
    ("remove_meta", ("a",), None),
    ("get_meta", ("a", 5), None),
    ("has_meta", ("a",), False),
    ("get_meta_list", (), []),
    ("add_user_signal", ("s",), None),
    ("has_user_signal", ("s",), False),
    ("emit_signal", ("s", 1), None),
    ("call_deferred", ("get_x",), None),
    ("set_deferred", ("x", 1), None),
    ("has_method", ("get_x",), False),
    ("has_signal", ("s",), False),
    ("get_signal_list", (), []),
    ("get_signal_connection_list", ("s",), []),
    ("get_incoming_connections", (), []),
    ("connect", ("s", _LIVE, "get_x"), Error.ERR_INVALID_PARAMETER),
    ("disconnect", ("s", _LIVE, "get_x"), None),
    ("is_connected", ("s", _LIVE, "get_x"), False),
    ("set_block_signals", (True,), None),
    ("is_blocking_signals", (), False),
    ("property_list_changed_notify", (), None),
    ("is_queued_for_deletion", (), False),
    ("free", (), None),
]


@pytest.mark.parametrize(("method", "args", "empty"), FREED_METHODS)
def test_methods_on_a_freed_object_log_and_return_empty(
    engine_log: Any, method: str, args: tuple[Any, ...], empty: Any
) -> None:
    live = Object()
    p = _freed_point()
    args = tuple(live if a is _LIVE else a for a in args)
    result = getattr(p, method)(*args)
    assert result == empty
    assert type(result) is type(empty)
    assert engine_log.lines == [
        f"ERROR: {method}: Attempt to call '{method}' on a previously freed instance."
    ]
    live.free()


def test_freed_object_empty_lists_are_fresh() -> None:
    p = _freed_point()
    first = p.get_meta_list()
    first.append("x")
    assert p.get_meta_list() == []


def test_identity_methods_keep_working_on_a_freed_object(engine_log: Any) -> None:
    p = ObjPoint()
    pid = p.get_instance_id()
    p.free()
    assert p.get_instance_id() == pid
    assert p.get_class() == "ObjPoint"
    assert p.is_class("Object")
    assert p.is_class("ObjPoint")
    assert p.to_string() == "[Deleted Object]"
    assert engine_log.lines == []


@pytest.mark.parametrize("method", ["get_x", "free", "nope", "get_class"])
def test_call_on_a_freed_object_logs_instance_is_null(engine_log: Any, method: str) -> None:
    p = _freed_point()
    assert p.call(method) is None
    assert p.callv(method, []) is None
    assert engine_log.lines == [
        f"ERROR: call: Error calling method from 'call': 'ObjPoint::{method}': Instance is null.",
        f"ERROR: callv: Error calling method from 'callv': 'ObjPoint::{method}': Instance is null.",
    ]


def test_callp_on_a_freed_object(engine_log: Any) -> None:
    p = _freed_point()
    assert p.callp("get_x", ()) == (
        None,
        CallError(CallErrorType.CALL_ERROR_INSTANCE_IS_NULL, 0, VariantType.NIL),
    )
    assert engine_log.lines == []


def test_subclass_methods_called_directly_on_a_freed_object_log_and_answer_empty(
    engine_log: Any,
) -> None:
    p = ObjPoint()
    p.set_x(6)
    p.free()
    assert p.get_x() == 0
    p.set_x(7)
    assert engine_log.lines == [
        "ERROR: get_x: Attempt to call 'get_x' on a previously freed instance.",
        "ERROR: set_x: Attempt to call 'set_x' on a previously freed instance.",
    ]
    assert p._x == 6  # the stub changed nothing


def test_object_constants() -> None:
    assert Object.NOTIFICATION_POSTINITIALIZE == 0
    assert Object.NOTIFICATION_PREDELETE == 1
    assert Object.CONNECT_DEFERRED == ConnectFlags.DEFERRED == 1
    assert Object.CONNECT_PERSIST == 2
    assert Object.CONNECT_ONESHOT == 4
    assert Object.CONNECT_REFERENCE_COUNTED == 8


# --- copying and pickling (found attacking issue 12 item 4) ---------------------------------


@pytest.mark.parametrize("freed", [False, True], ids=["live", "freed"])
@pytest.mark.parametrize("copier", [copy.copy, copy.deepcopy], ids=["copy", "deepcopy"])
def test_copying_an_object_gives_the_same_object(
    freed: bool, copier: Callable[[Any], Any], engine_log: Any
) -> None:
    """An Object is a handle, as a Variant holding one is in the engine: a copy (of a list
    holding it, too) is the same object, never a second Python object claiming its id."""
    p = ObjPoint()
    p.set_x(3)
    if freed:
        p.free()
    before = object_db.live_count()
    assert copier(p) is p
    assert copier([p, {"k": p}]) == [p, {"k": p}]
    assert copier([p])[0] is p
    assert object_db.live_count() == before  # no ObjectDB entry for a duplicate
    assert engine_log.lines == []
    if not freed:
        p.free()


@pytest.mark.parametrize("freed", [False, True], ids=["live", "freed"])
def test_pickling_an_object_is_a_type_error(freed: bool) -> None:
    p = ObjPoint()
    if freed:
        p.free()
    with pytest.raises(TypeError, match="cannot pickle 'ObjPoint' object"):
        pickle.dumps(p)
    if not freed:
        p.free()
