"""``ClassDB.unregister_class``: declaring the same class again in a test or a notebook."""

from __future__ import annotations

import gc
from enum import IntEnum

import pytest

from engine.object_model import (
    ClassDB,
    Object,
    PropertyInfo,
    Ref,
    Reference,
    VariantType,
    object_db,
)


def make_counter(step_default: int = 1) -> type[Reference]:
    class Counter(Reference):
        class Mode(IntEnum):
            MODE_UP = 0
            MODE_DOWN = 1

        def __init__(self) -> None:
            super().__init__()
            self._step = step_default

        def set_step(self, step: int) -> None:
            self._step = step

        def get_step(self) -> int:
            return self._step

        def turn(self, mode: Counter.Mode) -> int:
            return int(mode)

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "set_step")
            ClassDB.bind_method(cls, "get_step", const=True)
            ClassDB.bind_method(cls, "turn")
            ClassDB.bind_enum(cls, cls.Mode)
            ClassDB.add_property(
                cls, PropertyInfo(name="step", type=VariantType.INT), "set_step", "get_step"
            )

    return Counter


def test_a_class_can_be_declared_again_after_unregistering() -> None:
    first = make_counter(1)
    ClassDB.register_class(first)
    assert ClassDB.class_get_property_default_value("Counter", "step") == 1
    ClassDB.unregister_class("Counter")
    assert not ClassDB.class_exists("Counter")
    assert "Counter" not in ClassDB.get_class_list()
    assert ClassDB.class_get_method_list("Counter") == []

    second = make_counter(5)
    ClassDB.register_class(second)
    try:
        assert ClassDB.class_get_property_default_value("Counter", "step") == 5
        with Ref(second()) as counter:
            assert counter is not None
            assert counter.call("get_step") == 5
            assert counter.get_class() == "Counter"
        assert ClassDB.instance("Counter").get_class() == "Counter"
    finally:
        ClassDB.unregister_class("Counter")


def test_unregistering_gives_the_python_class_its_own_attributes_back() -> None:
    cls = make_counter()
    plain_turn = cls.__dict__["turn"]
    before = set(cls.__dict__)
    ClassDB.register_class(cls)
    assert cls.__dict__["turn"] is not plain_turn  # the direct-call checking stand-in
    assert cls.MODE_DOWN == 1  # type: ignore[attr-defined]
    ClassDB.unregister_class("Counter")
    assert set(cls.__dict__) == before
    assert cls.__dict__["turn"] is plain_turn
    # The very same class registers again, and its enum is known again as Counter.Mode.
    ClassDB.register_class(cls)
    try:
        turn = ClassDB.class_get_method_list("Counter", True)[2]
        assert turn["args"][0]["class_name"] == "Counter.Mode"
    finally:
        ClassDB.unregister_class("Counter")


def test_refused_while_an_instance_lives() -> None:
    cls = make_counter()
    ClassDB.register_class(cls)
    held = Ref(cls())
    with pytest.raises(ValueError, match="instances are alive"):
        ClassDB.unregister_class("Counter")
    assert ClassDB.class_exists("Counter")
    held.release()
    ClassDB.unregister_class("Counter")
    assert not ClassDB.class_exists("Counter")


def test_a_plain_object_counts_until_freed() -> None:
    class Plain(Object):
        pass

    ClassDB.register_class(Plain)
    obj = Plain()
    del obj  # a plain Object lives on in ObjectDB until freed, as in the engine
    gc.collect()
    with pytest.raises(ValueError, match="1 of its instances"):
        ClassDB.unregister_class("Plain")
    for live in [o for o in object_db.live_objects() if type(o) is Plain]:
        live.free()
    ClassDB.unregister_class("Plain")


def test_refused_while_a_registered_subclass_exists() -> None:
    class Base(Object):
        pass

    class Derived(Base):
        pass

    ClassDB.register_class(Base)
    ClassDB.register_class(Derived)
    with pytest.raises(ValueError, match=r"registered classes derive from it \(Derived\)"):
        ClassDB.unregister_class("Base")
    ClassDB.unregister_class("Derived")
    ClassDB.unregister_class("Base")
    assert not ClassDB.class_exists("Base")


def test_unknown_or_core_classes() -> None:
    with pytest.raises(ValueError, match="is not registered"):
        ClassDB.unregister_class("NoSuchClass")
    with pytest.raises(ValueError, match="is not registered"):
        ClassDB.unregister_class(3)  # type: ignore[arg-type]
    for name in ("Object", "Reference", "WeakRef"):
        with pytest.raises(ValueError, match="belongs to engine-net"):
            ClassDB.unregister_class(name)
    assert ClassDB.class_exists("WeakRef")
