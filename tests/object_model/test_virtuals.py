"""Object's script callbacks: ``_get``, ``_set``, ``_get_property_list``, ``_to_string``,
``_init`` and ``_notification``, and how the class reference lists them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from engine.doc import class_json, class_xml
from engine.object_model import (
    ClassDB,
    MethodInfo,
    Object,
    PropertyHint,
    PropertyInfo,
    PropertyUsage,
    Ref,
    Reference,
    VariantType,
    instance_from_id,
)
from support import LogLines

CALLBACKS = ["_get", "_get_property_list", "_init", "_notification", "_set", "_to_string"]


@pytest.fixture
def forget() -> Iterator[list[str]]:
    names: list[str] = []
    yield names
    for name in reversed(names):
        if ClassDB.class_exists(name):
            ClassDB.unregister_class(name)


class Settings(Object):
    """Properties that exist only at run time: one per key of a dict."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {"volume": 5, "title": "x"}

    def _get(self, property: str) -> Any:
        return self.values.get(property)

    def _set(self, property: str, value: Any) -> bool:
        if property not in self.values:
            return False
        self.values[property] = value
        return True

    def _get_property_list(self) -> list[Any]:
        return [
            {"name": "volume", "type": VariantType.INT, "hint": 1, "hint_string": "0,10"},
            PropertyInfo(name="title", type=VariantType.STRING),
        ]


def test_dynamic_properties_are_seen_by_get_set_and_the_property_list(
    forget: list[str], engine_log: LogLines
) -> None:
    ClassDB.register_class(Settings)
    forget.append("Settings")
    settings = Settings()
    assert settings.get("volume") == 5
    settings.set("volume", 7)
    assert settings.values["volume"] == 7
    settings.set("unknown", 1)  # no hook takes it: ignored, silently
    assert "unknown" not in settings.values
    assert settings.get("unknown") is None
    listed = settings.get_property_list()
    assert listed[0]["name"] == "Settings"
    assert listed[1:] == [
        {
            "name": "volume",
            "class_name": "",
            "type": 2,
            "hint": int(PropertyHint.RANGE),
            "hint_string": "0,10",
            "usage": int(PropertyUsage.DEFAULT),
        },
        PropertyInfo(name="title", type=VariantType.STRING).as_dict(),
    ]
    assert all(type(entry["type"]) is int for entry in listed)
    # Calls by name reach them too, as the engine's inspector would.
    assert settings.call("get", "title") == "x"
    # ClassDB itself knows only registered properties.
    assert ClassDB.class_get_property_list("Settings") == []
    assert engine_log.lines == []
    settings.free()


def test_a_bad_property_list_entry_is_a_bug_named_clearly(forget: list[str]) -> None:
    class Broken(Object):
        def _get_property_list(self) -> list[Any]:
            return ["volume"]

    ClassDB.register_class(Broken)
    forget.append("Broken")
    broken = Broken()
    with pytest.raises(TypeError, match=r"Broken\._get_property_list must return PropertyInfo"):
        broken.get_property_list()
    broken.free()


def test_to_string_hook_names_the_object(forget: list[str]) -> None:
    class Named(Reference):
        def _to_string(self) -> str:
            return "<named>"

    ClassDB.register_class(Named)
    forget.append("Named")
    named = Named()
    assert named.to_string() == "<named>"
    assert str(named) == repr(named) == "<named>"
    assert named.call("to_string") == "<named>"
    with Ref(named):
        pass
    assert str(named) == "[Deleted Object]"


def test_init_hooks_run_once_base_first_after_postinitialize(forget: list[str]) -> None:
    seen: list[str] = []

    class Base(Reference):
        __slots__ = ()  # the hook's name is free even for a slotted Reference

        def _notification(self, what: int) -> None:
            seen.append(f"notification {what}")

        def _init(self) -> None:
            seen.append("Base._init")

    class Derived(Base):
        def __init__(self) -> None:
            super().__init__()
            seen.append("__init__")

        def _init(self) -> None:
            seen.append("Derived._init")

    ClassDB.register_class(Base)
    ClassDB.register_class(Derived)
    forget.extend(["Base", "Derived"])
    derived = Derived()
    assert seen == ["__init__", "notification 0", "Base._init", "Derived._init"]
    seen.clear()
    made = ClassDB.instance("Derived")
    assert seen == ["__init__", "notification 0", "Base._init", "Derived._init"]
    del derived, made


def test_a_failing_init_hook_frees_the_half_made_object(forget: list[str]) -> None:
    made: list[int] = []
    predelete: list[int] = []

    class Fragile(Object):
        def _notification(self, what: int) -> None:
            if what == Object.NOTIFICATION_PREDELETE:
                predelete.append(self.get_instance_id())

        def _init(self) -> None:
            made.append(self.get_instance_id())
            raise RuntimeError("no")

    ClassDB.register_class(Fragile)
    forget.append("Fragile")
    with pytest.raises(RuntimeError, match="no"):
        Fragile()
    assert instance_from_id(made[0]) is None
    assert predelete == made


def test_callbacks_are_not_methods() -> None:
    obj = Object()
    listed = {m["name"] for m in ClassDB.class_get_method_list("Object")}
    for name in CALLBACKS:
        assert name not in listed
        assert not ClassDB.class_has_method("Object", name)
        assert not obj.has_method(name)
    obj.free()


def test_the_class_reference_lists_them_as_virtual() -> None:
    xml = class_xml("Object")
    for name in CALLBACKS:
        assert f'<method name="{name}" qualifiers="virtual">' in xml
    assert (
        '<method name="_set" qualifiers="virtual">\n'
        '\t\t\t<return type="bool" />\n'
        '\t\t\t<argument index="0" name="property" type="String" />\n'
        '\t\t\t<argument index="1" name="value" type="Variant" />\n'
    ) in xml
    assert '<method name="_get" qualifiers="virtual">\n\t\t\t<return type="Variant" />' in xml
    methods = {m["name"]: m for m in json.loads(class_json("Object"))["methods"]}
    for name in CALLBACKS:
        assert methods[name]["is_virtual"] is True
        assert methods[name]["is_const"] is False
    assert methods["_to_string"]["return_type"] == "String"
    assert methods["_get_property_list"]["return_type"] == "Array"
    assert [a["type"] for a in methods["_notification"]["arguments"]] == ["int"]


def test_a_class_can_declare_callbacks_of_its_own(forget: list[str]) -> None:
    class Tool(Object):
        _virtual_docs = {"_run": "Called to run the tool."}

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.add_virtual_method(
                cls, MethodInfo(name="_run", return_val=PropertyInfo(name="", type=1))
            )

    ClassDB.register_class(Tool)
    forget.append("Tool")
    xml = class_xml("Tool")
    assert '<method name="_run" qualifiers="virtual">' in xml
    assert "Called to run the tool." in xml
    assert not ClassDB.class_has_method("Tool", "_run")

    class Again(Tool):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.add_virtual_method(cls, MethodInfo(name="_run"))

    with pytest.raises(ValueError, match="already has virtual method '_run'"):
        ClassDB.register_class(Again)

    class Wrong(Object):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.add_virtual_method(cls, "_run")  # type: ignore[arg-type]

    with pytest.raises(TypeError, match="needs a MethodInfo"):
        ClassDB.register_class(Wrong)
