"""Reference counting, Ref, the collector rules and WeakRef (object_model.md §3)."""

from __future__ import annotations

import copy
import gc
from collections.abc import Iterator
from typing import Any

import pytest

from engine.object_model import (
    ClassDB,
    Object,
    Ref,
    Reference,
    WeakRef,
    instance_from_id,
    is_instance_valid,
    weakref,
)

#: Ids of RcProbe objects that received PREDELETE, in order.
DELETED: list[int] = []
#: What an RcDying object saw about itself during PREDELETE.
DYING: dict[str, Any] = {}


class RcProbe(Reference):
    """Records PREDELETE by id (never keeps itself alive)."""

    def _notification(self, what: int) -> None:
        if what == Object.NOTIFICATION_PREDELETE:
            DELETED.append(self.get_instance_id())


class RcDying(Reference):
    """Looks at its own counters while being deleted (count 0, still valid)."""

    def _notification(self, what: int) -> None:
        if what != Object.NOTIFICATION_PREDELETE:
            return
        DYING["valid"] = is_instance_valid(self)
        DYING["count_before"] = self.get_reference_count()
        DYING["unreference"] = self.unreference()
        DYING["reference"] = self.reference()
        DYING["init_ref"] = self.init_ref()
        DYING["count_after"] = self.get_reference_count()
        try:
            Ref(self)
        except ValueError:
            DYING["ref"] = "ValueError"
        else:
            DYING["ref"] = "no error"


class RcPlain(Object):
    """A plain Object that records PREDELETE."""

    def _notification(self, what: int) -> None:
        if what == Object.NOTIFICATION_PREDELETE:
            DELETED.append(self.get_instance_id())


ClassDB.register_class(RcProbe)
ClassDB.register_class(RcDying)
ClassDB.register_class(RcPlain)


@pytest.fixture(autouse=True)
def _clean() -> Iterator[None]:
    DELETED.clear()
    DYING.clear()
    yield
    DELETED.clear()
    DYING.clear()


def deleted(obj_id: int) -> bool:
    """Whether the object with this id was freed (PREDELETE seen, gone from ObjectDB)."""
    return obj_id in DELETED and instance_from_id(obj_id) is None


# --- §3.1 counters ----------------------------------------------------------------------


def test_fresh_reference_has_count_one() -> None:
    obj = RcProbe()
    assert obj.get_reference_count() == 1


def test_init_ref_first_owner_leaves_count_one_then_acts_like_reference() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    assert obj.init_ref() is True
    assert obj.get_reference_count() == 1
    assert obj.init_ref() is True
    assert obj.get_reference_count() == 2
    assert obj.unreference() is False
    assert obj.unreference() is True
    assert deleted(oid)


def test_reference_adds_one_and_unreference_takes_one() -> None:
    obj = RcProbe()
    obj.init_ref()
    assert obj.reference() is True
    assert obj.get_reference_count() == 2
    assert obj.reference() is True
    assert obj.get_reference_count() == 3
    assert obj.unreference() is False
    assert obj.get_reference_count() == 2
    assert obj.unreference() is False
    assert obj.get_reference_count() == 1
    assert is_instance_valid(obj)
    assert obj.unreference() is True
    assert not is_instance_valid(obj)


def test_worked_example_step_by_step() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    assert obj.get_reference_count() == 1
    a = Ref(obj)
    assert obj.get_reference_count() == 1
    b = Ref(obj)
    assert obj.get_reference_count() == 2
    b.release()
    assert obj.get_reference_count() == 1
    assert obj.reference() is True
    assert obj.get_reference_count() == 2
    assert obj.unreference() is False
    assert obj.get_reference_count() == 1
    assert DELETED == []
    a.release()
    assert deleted(oid)
    assert not is_instance_valid(obj)
    assert a.is_null()


def test_last_unreference_returns_true_and_frees_with_predelete() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    obj.init_ref()
    assert DELETED == []
    assert obj.unreference() is True
    assert [oid] == DELETED
    assert instance_from_id(oid) is None
    assert not is_instance_valid(obj)
    assert obj.get_instance_id() == oid


def test_unreference_on_a_fresh_object_frees_it() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    assert obj.unreference() is True
    assert deleted(oid)


def test_counters_at_zero_stay_zero_and_answer_false() -> None:
    obj = RcDying()
    obj.init_ref()
    assert obj.unreference() is True
    assert DYING == {
        "valid": True,
        "count_before": 0,
        "unreference": False,
        "reference": False,
        "init_ref": False,
        "count_after": 0,
        "ref": "ValueError",
    }
    assert obj.get_reference_count() == 0


def test_unreference_after_free_stays_zero_and_returns_false(engine_log: Any) -> None:
    obj = RcProbe()
    obj.unreference()
    engine_log.clear()
    assert obj.unreference() is False
    assert obj.get_reference_count() == 0
    assert engine_log.lines == [
        "ERROR: unreference: Attempt to call 'unreference' on a previously freed instance."
    ]
    engine_log.clear()
    assert obj.reference() is False
    assert obj.get_reference_count() == 0
    assert engine_log.lines == [
        "ERROR: reference: Attempt to call 'reference' on a previously freed instance."
    ]


def test_counters_by_name() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    assert obj.call("init_ref") is True
    assert obj.call("reference") is True
    assert obj.get_reference_count() == 2
    assert obj.call("unreference") is False
    assert obj.call("unreference") is True
    assert deleted(oid)


def test_get_reference_count_is_python_only(engine_log: Any) -> None:
    names = [m["name"] for m in ClassDB.class_get_method_list("Reference")]
    assert "get_reference_count" not in names
    assert "get_reference_count" not in [
        m["name"] for m in ClassDB.class_get_method_list("RcProbe")
    ]
    assert not ClassDB.class_has_method("Reference", "get_reference_count")
    obj = RcProbe()
    assert obj.has_method("get_reference_count") is False
    assert obj.get_reference_count() == 1
    assert obj.call("get_reference_count") is None
    assert engine_log.lines == [
        "ERROR: call: Error calling method from 'call': "
        "'RcProbe::get_reference_count': Method not found."
    ]


def test_reference_refuses_free(engine_log: Any) -> None:
    obj = RcProbe()
    r = Ref(obj)
    obj.free()
    assert engine_log.lines == ["ERROR: free: Can't 'free' a reference."]
    assert is_instance_valid(obj)
    assert obj.get_reference_count() == 1
    assert DELETED == []
    engine_log.clear()
    assert obj.call("free") is None
    assert engine_log.lines == ["ERROR: call: Can't 'free' a reference."]
    assert is_instance_valid(obj)
    assert obj.has_method("free") is True
    r.release()
    assert not is_instance_valid(obj)


def test_reference_adds_no_properties_signals_or_constants() -> None:
    assert ClassDB.class_get_property_list("Reference", True) == []
    assert ClassDB.class_get_signal_list("Reference", True) == []
    assert ClassDB.class_get_integer_constant_list("Reference", True) == []


# --- §3.2 Ref ---------------------------------------------------------------------------


@pytest.mark.parametrize("make", [lambda: Ref(), lambda: Ref(None)], ids=["Ref()", "Ref(None)"])
def test_null_ref(make: Any) -> None:
    r = make()
    assert r.get() is None
    assert r.is_null() is True
    assert r.is_valid() is False
    assert bool(r) is False
    assert repr(r) == "Ref(null)"
    r.release()
    assert r.is_null()


def test_ref_of_a_non_reference_raises_type_error() -> None:
    plain = Object()
    try:
        with pytest.raises(TypeError):
            Ref(plain)  # type: ignore[type-var]
    finally:
        plain.free()
    for bad in (5, "x", object(), [1]):
        with pytest.raises(TypeError):
            Ref(bad)


def test_ref_of_a_freed_object_raises_value_error() -> None:
    obj = RcProbe()
    obj.unreference()
    with pytest.raises(ValueError, match=r"."):
        Ref(obj)


def test_ref_adopts_and_holds() -> None:
    obj = RcProbe()
    r = Ref(obj)
    assert r.get() is obj
    assert r.is_valid() is True
    assert r.is_null() is False
    assert bool(r) is True
    assert obj.get_reference_count() == 1


@pytest.mark.parametrize(
    "duplicate",
    [lambda r: Ref(r), copy.copy, copy.deepcopy],
    ids=["Ref(other)", "copy.copy", "copy.deepcopy"],
)
def test_ref_copies_take_a_new_reference(duplicate: Any) -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    a = Ref(obj)
    b = duplicate(a)
    assert b is not a
    assert b.get() is obj
    assert obj.get_reference_count() == 2
    a.release()
    assert obj.get_reference_count() == 1
    assert b.get() is obj
    b.release()
    assert deleted(oid)


@pytest.mark.parametrize(
    "duplicate",
    [lambda r: Ref(r), copy.copy, copy.deepcopy],
    ids=["Ref(other)", "copy.copy", "copy.deepcopy"],
)
def test_copy_of_a_null_or_dead_ref_is_null(duplicate: Any) -> None:
    assert duplicate(Ref()).is_null()
    obj = RcProbe()
    r = Ref(obj)
    obj.unreference()
    dup = duplicate(r)
    assert dup.is_null()
    assert obj.get_reference_count() == 0


def test_assignment_is_an_alias_not_a_copy() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    a = Ref(obj)
    b = a
    assert b is a
    assert obj.get_reference_count() == 1
    b.release()
    assert a.is_null()
    assert deleted(oid)


def test_assign_takes_the_new_then_releases_the_old() -> None:
    first = RcProbe()
    first_id = first.get_instance_id()
    second = RcProbe()
    r = Ref(first)
    r.assign(second)
    assert r.get() is second
    assert second.get_reference_count() == 1
    assert deleted(first_id)
    other = Ref(second)
    assert second.get_reference_count() == 2
    r.assign(None)
    assert r.is_null()
    assert second.get_reference_count() == 1
    third = RcProbe()
    r.assign(Ref(third))
    assert r.get() is third
    assert third.get_reference_count() == 1
    other.release()


def test_assign_that_fails_keeps_the_old_object() -> None:
    held = RcProbe()
    r = Ref(held)
    dead = RcProbe()
    dead.unreference()
    with pytest.raises(ValueError, match=r"."):
        r.assign(dead)
    assert r.get() is held
    assert held.get_reference_count() == 1
    with pytest.raises(TypeError):
        r.assign(5)  # type: ignore[arg-type]
    assert r.get() is held
    assert held.get_reference_count() == 1
    assert [dead.get_instance_id()] == DELETED


def test_assign_the_same_object_changes_nothing() -> None:
    obj = RcProbe()
    r = Ref(obj)
    r.assign(obj)
    assert r.get() is obj
    assert obj.get_reference_count() == 1
    assert DELETED == []
    r.assign(r)
    assert obj.get_reference_count() == 1
    other = Ref(obj)
    r.assign(other)
    assert obj.get_reference_count() == 2
    assert DELETED == []
    other.release()
    assert obj.get_reference_count() == 1


@pytest.mark.parametrize("method", ["release", "unref"])
def test_release_unreferences_once(method: str) -> None:
    obj = RcProbe()
    a = Ref(obj)
    b = Ref(obj)
    getattr(b, method)()
    assert b.is_null()
    assert obj.get_reference_count() == 1
    getattr(b, method)()
    assert obj.get_reference_count() == 1
    assert is_instance_valid(obj)
    a.release()
    assert not is_instance_valid(obj)


def test_with_binds_the_object_and_releases_at_exit() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    with Ref(obj) as held:
        assert held is obj
        assert obj.get_reference_count() == 1
        assert DELETED == []
    assert deleted(oid)


def test_with_on_a_shared_object_gives_back_one_count() -> None:
    obj = RcProbe()
    keep = Ref(obj)
    r = Ref(obj)
    with r as held:
        assert held is obj
        assert obj.get_reference_count() == 2
    assert r.is_null()
    assert obj.get_reference_count() == 1
    keep.release()


def test_with_releases_when_the_body_raises() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    with pytest.raises(KeyError), Ref(obj):
        raise KeyError("boom")
    assert deleted(oid)


def test_with_null_ref_binds_none() -> None:
    with Ref() as held:
        assert held is None


def test_ref_equality_compares_held_objects() -> None:
    x = RcProbe()
    y = RcProbe()
    a = Ref(x)
    b = Ref(x)
    c = Ref(y)
    assert a == b
    assert (a != b) is False
    assert a != c
    assert Ref() == Ref()
    assert a != Ref()
    assert a != x
    a.release()
    assert a != b


def test_ref_is_unhashable() -> None:
    with pytest.raises(TypeError):
        hash(Ref())
    obj = RcProbe()
    with pytest.raises(TypeError):
        {Ref(obj)}


def test_ref_repr() -> None:
    obj = RcProbe()
    r = Ref(obj)
    assert repr(r) == f"Ref([RcProbe:{obj.get_instance_id()}])"
    r.release()
    assert repr(r) == "Ref(null)"


def test_ref_whose_object_was_freed_by_misuse_reads_null(engine_log: Any) -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    r = Ref(obj)
    assert obj.unreference() is True
    assert deleted(oid)
    assert r.get() is None
    assert r.is_null() is True
    assert r.is_valid() is False
    assert bool(r) is False
    assert repr(r) == "Ref(null)"
    assert r == Ref()
    engine_log.clear()
    r.release()
    del r
    gc.collect()
    assert engine_log.lines == []
    assert obj.get_reference_count() == 0


# --- §3.3 the collector -----------------------------------------------------------------


def test_unadopted_reference_is_freed_when_python_drops_it() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    assert instance_from_id(oid) is obj
    del obj
    assert deleted(oid)


def test_unadopted_reference_is_freed_whatever_its_count() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    obj.reference()
    obj.reference()
    assert obj.get_reference_count() == 3
    del obj
    gc.collect()
    assert deleted(oid)


def test_unadopted_reference_lives_while_python_holds_it() -> None:
    holder = [RcProbe()]
    oid = holder[0].get_instance_id()
    gc.collect()
    assert instance_from_id(oid) is holder[0]
    assert DELETED == []
    holder.clear()
    assert deleted(oid)


def test_adopted_reference_lives_on_without_python_variables() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    obj.init_ref()
    del obj
    gc.collect()
    found = instance_from_id(oid)
    assert isinstance(found, RcProbe)
    assert is_instance_valid(found)
    assert DELETED == []
    assert found.unreference() is True
    assert deleted(oid)


def test_manual_reference_on_an_adopted_object_keeps_it_after_its_ref_goes() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    r = Ref(obj)
    obj.reference()
    del obj
    r.release()
    gc.collect()
    found = instance_from_id(oid)
    assert found is not None
    assert found.get_reference_count() == 1
    found.unreference()
    assert deleted(oid)


def test_freed_at_zero_even_while_python_variables_point_at_it() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    alias = obj
    r = Ref(obj)
    assert obj.unreference() is True
    assert deleted(oid)
    assert alias is obj
    assert not is_instance_valid(alias)
    assert alias.get_instance_id() == oid
    assert str(alias) == "[Deleted Object]"
    assert r.is_null()


def test_ref_collected_releases_at_once() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    r = Ref(obj)
    del obj
    assert DELETED == []
    del r
    assert deleted(oid)


def test_ref_collected_in_a_cycle_releases_at_gc_collect() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    gc.disable()
    try:
        cycle: list[Any] = [Ref(obj)]
        cycle.append(cycle)
        del obj
        del cycle
        assert DELETED == []
        assert instance_from_id(oid) is not None
        gc.collect()
    finally:
        gc.enable()
    assert deleted(oid)


def test_plain_object_is_never_freed_by_the_collector() -> None:
    obj = RcPlain()
    oid = obj.get_instance_id()
    del obj
    gc.collect()
    found = instance_from_id(oid)
    assert isinstance(found, RcPlain)
    assert DELETED == []
    found.free()
    assert deleted(oid)


def test_class_db_instance_returns_the_bare_object() -> None:
    obj = ClassDB.instance("RcProbe")
    assert isinstance(obj, RcProbe)
    oid = obj.get_instance_id()
    assert obj.get_reference_count() == 1
    r = Ref(obj)
    assert obj.get_reference_count() == 1
    r.release()
    assert deleted(oid)


def test_class_db_instance_unadopted_is_freed_when_dropped() -> None:
    obj = ClassDB.instance("RcProbe")
    oid = obj.get_instance_id()
    del obj
    assert deleted(oid)


def test_get_ref_returns_the_bare_object_without_counting() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    r = Ref(obj)
    w = weakref(obj)
    assert w is not None
    del obj
    got = w.get_ref()
    assert isinstance(got, RcProbe)
    assert got.get_reference_count() == 1
    assert w.call("get_ref") is got
    assert got.get_reference_count() == 1
    del got
    r.release()
    assert deleted(oid)
    assert w.get_ref() is None


# --- §3.4 WeakRef and weakref() ---------------------------------------------------------


def test_weakref_of_a_reference() -> None:
    obj = RcProbe()
    r = Ref(obj)
    w = weakref(obj)
    assert isinstance(w, WeakRef)
    assert w.get_class() == "WeakRef"
    assert w.is_class("Reference")
    assert w.get_ref() is obj
    assert obj.get_reference_count() == 1
    r.release()
    assert w.get_ref() is None


def test_weakref_is_a_new_unadopted_weakref() -> None:
    obj = RcProbe()
    w1 = weakref(obj)
    w2 = weakref(obj)
    assert w1 is not None
    assert w2 is not None
    assert w1 is not w2
    assert w1.get_reference_count() == 1
    wid = w1.get_instance_id()
    del w1
    assert instance_from_id(wid) is None
    assert w2.get_ref() is obj


def test_weakref_does_not_keep_an_unadopted_reference_alive() -> None:
    obj = RcProbe()
    oid = obj.get_instance_id()
    w = weakref(obj)
    assert w is not None
    del obj
    assert deleted(oid)
    assert w.get_ref() is None


def test_weakref_of_a_plain_object() -> None:
    obj = RcPlain()
    w = weakref(obj)
    assert w is not None
    assert w.get_ref() is obj
    obj.free()
    assert w.get_ref() is None
    assert w.call("get_ref") is None


def test_weakref_of_a_freed_object_answers_none() -> None:
    obj = RcPlain()
    obj.free()
    w = weakref(obj)
    assert isinstance(w, WeakRef)
    assert w.get_ref() is None
    ref_obj = RcProbe()
    ref_obj.unreference()
    w2 = weakref(ref_obj)
    assert isinstance(w2, WeakRef)
    assert w2.get_ref() is None


def test_weakref_of_none_is_none() -> None:
    assert weakref(None) is None


@pytest.mark.parametrize("bad", [5, "x", 1.5, object(), [1], Ref()])
def test_weakref_of_other_types_raises_type_error(bad: Any) -> None:
    with pytest.raises(TypeError):
        weakref(bad)


def test_new_weakref_holds_nothing() -> None:
    w = WeakRef()
    assert w.get_ref() is None
    made = ClassDB.instance("WeakRef")
    assert isinstance(made, WeakRef)
    assert made.get_ref() is None


def test_freed_weakref_logs_and_answers_none(engine_log: Any) -> None:
    obj = RcPlain()
    w = weakref(obj)
    assert w is not None
    assert w.unreference() is True
    engine_log.clear()
    assert w.get_ref() is None
    assert engine_log.lines == [
        "ERROR: get_ref: Attempt to call 'get_ref' on a previously freed instance."
    ]
    obj.free()
