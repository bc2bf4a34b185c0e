"""The per-class ``call``/``get``/``set`` made at commit behave as Object's own."""

from __future__ import annotations

from typing import Any

import pytest

from engine.object_model import ClassDB, Object, export, exposed
from support import LogLines


def test_each_registered_class_gets_its_own_entries_unless_it_defines_them() -> None:
    @exposed
    class Quick(Object):
        level: int = export(1)

    @exposed
    class Custom(Object):
        def get(self, property: str) -> Any:  # an override of a bound method stays
            return "mine"

    try:
        assert {"call", "get", "set"} <= set(Quick.__dict__)
        assert Quick.__dict__["call"] is not Object.__dict__["call"]
        assert Quick.call.__doc__ == Object.call.__doc__
        assert Custom.__dict__["get"] is not Object.__dict__["get"]
        assert "call" in Custom.__dict__
        custom = Custom()
        assert custom.get("anything") == "mine"
        custom.free()
    finally:
        ClassDB.unregister_class("Custom")
        ClassDB.unregister_class("Quick")
    assert "call" not in Quick.__dict__


def test_they_fall_back_to_the_general_path(engine_log: LogLines) -> None:
    @exposed
    class Fallback(Object):
        level: int = export(1)
        shown: int = export(2, setter="")

        def _get(self, property: str) -> Any:
            return 7 if property == "dynamic" else None

    obj: Any = Fallback()
    try:
        assert obj.get("level") == 1
        assert obj.get("dynamic") == 7
        assert obj.get("NOTIFICATION_PREDELETE") == 1
        obj.set("shown", 5)  # read-only: ignored, silently
        assert obj.shown == 2
        obj.set("level", "x")  # refused, silently
        assert obj.level == 1
        obj.set("level", 3.0)  # converted as a call by name converts
        assert obj.level == 3
        assert obj.call("get_level") == 3
        assert obj.call("nothing") is None
        assert engine_log.lines == [
            "ERROR: call: Error calling method from 'call': 'Fallback::nothing': Method not found."
        ]
        with pytest.raises(TypeError, match="Cannot convert argument 1 from Array to String"):
            obj.get([])
        with pytest.raises(TypeError, match="Cannot convert argument 1 from Array to String"):
            obj.call([])
        with pytest.raises(TypeError, match="cannot assign String to property 'level'"):
            obj.level = "x"
    finally:
        obj.free()
        ClassDB.unregister_class("Fallback")
