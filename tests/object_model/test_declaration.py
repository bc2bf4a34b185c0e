"""Declaring classes the Python way: ``@exposed``, ``export(...)``, ``signal(...)``."""

from __future__ import annotations

from collections.abc import Iterator
from enum import IntEnum
from typing import Any, Final

import pytest

from engine.doc import class_page, class_xml
from engine.doc.api_json import api_class
from engine.doc.model import class_doc
from engine.object_model import (
    ArgumentInfo,
    ClassDB,
    MethodInfo,
    Object,
    PropertyHint,
    PropertyInfo,
    PropertyUsage,
    Ref,
    Reference,
    VariantType,
    export,
    exposed,
    signal,
)
from engine.object_model.declaration import Export
from support import LogLines


@pytest.fixture
def forget() -> Iterator[list[str]]:
    """Names of the classes a test registers; unregistered afterwards, most derived first."""
    names: list[str] = []
    yield names
    for name in reversed(names):
        if ClassDB.class_exists(name):
            ClassDB.unregister_class(name)


def declare_decorated() -> type[Reference]:
    @exposed
    class Player(Reference):
        """A player of the game.

        Declared with the decorator.
        """

        class Team(IntEnum):
            TEAM_RED = 0
            TEAM_BLUE = 1

        MAX_HEALTH: Final[int] = 100

        health: int = export(100, hint=PropertyHint.RANGE, hint_string="0,100")
        team: Team = export(Team.TEAM_RED)
        stats = exposed.group("Stats", prefix="stat_")
        stat_speed: float = export(1.5)
        alive: bool = export(True)
        nickname: str = export(doc="What the others call the player.")
        tags: list[str] = export([], usage=PropertyUsage.STORAGE)

        health_changed = signal(value=int)
        died = signal()
        joined = signal("where")

        def heal(self, amount: int = 10) -> int:
            """Add [code]amount[/code] health, up to [constant MAX_HEALTH]."""
            self.health = min(self.health + amount, self.MAX_HEALTH)  # type: ignore[has-type]
            self.emit_signal("health_changed", self.health)
            return self.health  # type: ignore[has-type, no-any-return]

        @exposed.const
        def is_on(self, team: Player.Team) -> bool:
            return bool(self.team == team)  # type: ignore[has-type]

        @exposed.python_only
        def helper(self, anything):  # type: ignore[no-untyped-def]
            return anything

        def _private(self) -> None:
            pass

    return Player


def declare_by_hand() -> type[Reference]:
    class Player(Reference):
        """A player of the game.

        Declared with the decorator.
        """

        class Team(IntEnum):
            TEAM_RED = 0
            TEAM_BLUE = 1

        def __init__(self) -> None:
            super().__init__()
            self._health = 100
            self._team = Player.Team.TEAM_RED
            self._speed = 1.5
            self._alive = True
            self._nickname = ""
            self._tags: list[str] = []

        def set_health(self, value: int) -> None:
            self._health = value

        def get_health(self) -> int:
            return self._health

        def set_team(self, value: Player.Team) -> None:
            self._team = value

        def get_team(self) -> Player.Team:
            return self._team

        def set_stat_speed(self, value: float) -> None:
            self._speed = value

        def get_stat_speed(self) -> float:
            return self._speed

        def set_alive(self, value: bool) -> None:
            self._alive = value

        def is_alive(self) -> bool:
            return self._alive

        def set_nickname(self, value: str) -> None:
            self._nickname = value

        def get_nickname(self) -> str:
            """What the others call the player."""
            return self._nickname

        def set_tags(self, value: list[str]) -> None:
            self._tags = value

        def get_tags(self) -> list[str]:
            return self._tags

        def heal(self, amount: int = 10) -> int:
            """Add [code]amount[/code] health, up to [constant MAX_HEALTH]."""
            self._health = min(self._health + amount, 100)
            return self._health

        def is_on(self, team: Player.Team) -> bool:
            return self._team == team

        @classmethod
        def _bind_methods(cls) -> None:
            for prop in ("health", "team", "stat_speed", "alive", "nickname", "tags"):
                getter = "is_alive" if prop == "alive" else f"get_{prop}"
                ClassDB.bind_method(cls, f"set_{prop}")
                ClassDB.bind_method(cls, getter, const=True)
            ClassDB.bind_method(cls, "heal")
            ClassDB.bind_method(cls, "is_on", const=True)
            ClassDB.bind_enum(cls, cls.Team)
            ClassDB.bind_integer_constant(cls, "", "MAX_HEALTH", 100)
            add = ClassDB.add_property
            add(
                cls,
                PropertyInfo(
                    name="health",
                    type=VariantType.INT,
                    hint=PropertyHint.RANGE,
                    hint_string="0,100",
                ),
                "set_health",
                "get_health",
            )
            team = PropertyInfo(
                name="team",
                type=VariantType.INT,
                hint=PropertyHint.ENUM,
                hint_string="TEAM_RED:0,TEAM_BLUE:1",
            )
            add(cls, team, "set_team", "get_team")
            ClassDB.add_property_group(cls, "Stats", "stat_")
            speed = PropertyInfo(name="stat_speed", type=VariantType.REAL)
            add(cls, speed, "set_stat_speed", "get_stat_speed")
            add(cls, PropertyInfo(name="alive", type=VariantType.BOOL), "set_alive", "is_alive")
            nickname = PropertyInfo(name="nickname", type=VariantType.STRING)
            add(cls, nickname, "set_nickname", "get_nickname")
            tags = PropertyInfo(
                name="tags", type=VariantType.POOL_STRING_ARRAY, usage=PropertyUsage.STORAGE
            )
            add(cls, tags, "set_tags", "get_tags")
            value = ArgumentInfo(name="value", type=VariantType.INT)
            ClassDB.add_signal(cls, MethodInfo(name="health_changed", args=(value,)))
            ClassDB.add_signal(cls, MethodInfo(name="died"))
            where = ArgumentInfo(name="where")
            ClassDB.add_signal(cls, MethodInfo(name="joined", args=(where,)))

    ClassDB.register_class(Player)
    return Player


def answers(name: str) -> dict[str, Any]:
    """Everything ClassDB and the generated documents say about a class, ids left out."""
    constants = ClassDB.class_get_integer_constant_list(name, True)
    props = [p["name"] for p in ClassDB.class_get_property_list(name, True)]
    return {
        "parent": ClassDB.get_parent_class(name),
        "can_instance": ClassDB.can_instance(name),
        "methods": [
            {k: v for k, v in m.items() if k != "id"}
            for m in ClassDB.class_get_method_list(name, True)
        ],
        "properties": ClassDB.class_get_property_list(name, True),
        "accessors": [
            (
                ClassDB.class_get_property_setter(name, p),
                ClassDB.class_get_property_getter(name, p),
                ClassDB.class_get_property_default_value(name, p),
            )
            for p in props
        ],
        "signals": ClassDB.class_get_signal_list(name, True),
        "constants": [
            (
                c,
                ClassDB.class_get_integer_constant(name, c),
                ClassDB.class_get_integer_constant_enum(name, c, True),
            )
            for c in constants
        ],
        "enums": {
            e: ClassDB.class_get_enum_constants(name, e, True)
            for e in ClassDB.class_get_enum_list(name, True)
        },
        "api.json": api_class(class_doc(name, with_defaults=False)).model_dump(),
        "xml": class_xml(name),
        "page": class_page(name),
    }


def test_both_styles_give_identical_classdb_answers() -> None:
    declare_by_hand()
    by_hand = answers("Player")
    ClassDB.unregister_class("Player")
    declare_decorated()
    try:
        decorated = answers("Player")
    finally:
        ClassDB.unregister_class("Player")
    assert decorated.keys() == by_hand.keys()
    for key in by_hand:
        assert decorated[key] == by_hand[key], key
    # The comparison covers real content, not two empty answers.
    assert len(by_hand["methods"]) == 14
    assert [s["name"] for s in by_hand["signals"]] == ["health_changed", "died", "joined"]
    assert by_hand["constants"][-1] == ("MAX_HEALTH", 100, "")
    assert '<member name="team" type="int"' in by_hand["xml"]


def test_a_decorated_class_behaves(forget: list[str], engine_log: LogLines) -> None:
    player_class = declare_decorated()
    forget.append("Player")
    player = Ref(player_class())
    obj: Any = player.get()
    assert (obj.health, obj.team, obj.alive, obj.nickname, obj.tags) == (100, 0, True, "", [])
    assert obj.MAX_HEALTH == 100
    assert obj.TEAM_BLUE == 1
    heard: list[int] = []

    class HealthListener(Object):
        def on_health(self, value: int) -> None:
            heard.append(value)

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "on_health")

    ClassDB.register_class(HealthListener)
    forget.append("HealthListener")
    listener = HealthListener()
    obj.connect("health_changed", listener, "on_health")
    obj.health = 50
    assert obj.call("heal", 5) == 55
    assert obj.heal() == 65
    assert heard == [55, 65]
    obj.set("health", "x")  # refused silently, as for any bound property
    assert obj.get("health") == 65
    with pytest.raises(TypeError, match="Cannot convert argument 1 from String to int"):
        obj.heal("x")
    assert obj.call("is_on", 0) is True
    assert obj.has_method("is_on")
    assert not obj.has_method("helper")
    assert not obj.has_method("_private")
    assert obj.helper(3) == 3
    obj.tags.append("a")
    other: Any = player_class()
    assert other.tags == []  # a mutable default is copied per instance
    assert engine_log.lines == []
    listener.free()
    player.release()
    del obj, other


def test_accessors_the_class_writes_itself_are_used(forget: list[str]) -> None:
    @exposed
    class Tank(Object):
        level: int = export(setter="_set_level", getter="get_level")
        capacity: int = export(10)
        label: str = export("x", setter="")

        def __init__(self) -> None:
            self.stored = 0

        def get_level(self) -> int:
            return self.stored

        def _set_level(self, value: int) -> None:
            self.stored = min(value, self.capacity)

        def set_capacity(self, value: int) -> None:
            self._exported_capacity = max(value, 1)

    forget.append("Tank")
    tank: Any = Tank()
    tank.level = 50
    assert tank.level == 10
    tank.capacity = 0
    assert tank.capacity == 1
    assert ClassDB.class_get_property_setter("Tank", "level") == "_set_level"
    assert ClassDB.class_get_property_setter("Tank", "label") == ""
    with pytest.raises(AttributeError, match="read-only"):
        tank.label = "y"
    # Generated accessors are bound where their export stands, the class's own where they are.
    names = [m["name"] for m in ClassDB.class_get_method_list("Tank", True)]
    assert names == ["get_capacity", "get_label", "get_level", "_set_level", "set_capacity"]
    tank.free()


def test_virtual_classes_overrides_and_own_bind_methods(forget: list[str]) -> None:
    @exposed(virtual=True)
    class Shape(Reference):
        def area(self) -> float:
            return 0.0

    forget.append("Shape")

    @exposed
    class Square(Shape):
        side: float = export(2.0)

        def area(self) -> float:  # an override of a bound method stays an override
            return float(self.side**2)  # type: ignore[has-type]

        def extra(self, by: int) -> int:
            return by

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_integer_constant(cls, "", "CORNERS", 4)

    forget.append("Square")
    assert not ClassDB.can_instance("Shape")
    assert ClassDB.class_has_method("Square", "area")
    assert not ClassDB.class_has_method("Square", "area", True)
    assert ClassDB.class_get_integer_constant("Square", "CORNERS") == 4
    square: Any = ClassDB.instance("Square")
    assert square.area() == 4.0
    assert square.call("extra", 2.0) == 2
    with pytest.raises(TypeError, match="is virtual"):
        Shape()
    del square


def test_mistakes_raise_at_class_creation_and_leave_no_trace() -> None:
    before = ClassDB.get_class_list()

    class NoAnnotation(Object):
        value = export(3)

    with pytest.raises(TypeError, match="needs a type annotation"):
        exposed(NoAnnotation)
    assert isinstance(NoAnnotation.__dict__["value"], Export)
    assert "get_value" not in NoAnnotation.__dict__

    class BadDefault(Object):
        value: int = export("three")

        def keep(self) -> None:
            pass

    plain_keep = BadDefault.__dict__["keep"]
    with pytest.raises(TypeError, match="the default 'three' does not fit type int"):
        exposed(BadDefault)
    assert set(BadDefault.__dict__) >= {"value", "keep"}
    assert BadDefault.__dict__["keep"] is plain_keep
    assert "set_value" not in BadDefault.__dict__
    assert "_exported_value" not in BadDefault.__dict__
    assert "_bind_methods" not in BadDefault.__dict__

    with pytest.raises(TypeError, match="parameter 'x' has no type annotation"):

        @exposed
        class Untyped(Object):
            def go(self, x) -> None:  # type: ignore[no-untyped-def]
                pass

    with pytest.raises(TypeError, match="property 'level' of 'Mismatch' is int"):

        @exposed
        class Mismatch(Object):
            level: int = export()

            def set_level(self, value: str) -> None:
                pass

    with pytest.raises(ValueError, match="Invalid setter 'Missing::put'"):

        @exposed
        class Missing(Object):
            level: int = export(setter="put")

    with pytest.raises(TypeError, match="__slots__"):

        @exposed
        class Slotted(Object):
            __slots__ = ()
            level: int = export()

    with pytest.raises(ValueError, match="Class 'Reference' already exists"):

        @exposed
        class Reference(Object):
            pass

    with pytest.raises(TypeError, match="argument 'what': unsupported type"):

        @exposed
        class BadSignal(Object):
            happened = signal(what=complex)

    assert ClassDB.get_class_list() == before


def test_object_and_variant_properties(forget: list[str]) -> None:
    @exposed
    class Slot(Reference):
        pass

    forget.append("Slot")

    @exposed
    class Holder(Object):
        item: Slot | None = export()
        owner: Object | None = export()
        anything: Any = export()
        self_ref: Holder | None = export()

        def store(self, slot: Slot | None) -> None:  # Slot: found as a registered class
            self.item = slot

    forget.append("Holder")
    (store,) = [m for m in ClassDB.class_get_method_list("Holder", True) if m["name"] == "store"]
    assert store["args"][0]["class_name"] == "Slot"
    props = {p["name"]: p for p in ClassDB.class_get_property_list("Holder")}
    assert props["item"] == {
        "name": "item",
        "class_name": "Slot",
        "type": VariantType.OBJECT,
        "hint": PropertyHint.RESOURCE_TYPE,
        "hint_string": "Slot",
        "usage": PropertyUsage.DEFAULT,
    }
    assert (props["owner"]["class_name"], props["owner"]["hint"]) == ("Object", 0)
    assert props["self_ref"]["class_name"] == "Holder"
    assert props["anything"]["type"] == VariantType.NIL
    assert props["anything"]["usage"] == PropertyUsage.DEFAULT | PropertyUsage.NIL_IS_VARIANT
    holder: Any = Holder()
    assert holder.item is None
    with Ref(Slot()) as slot:
        holder.item = slot
        assert holder.get("item") is slot
        holder.set("item", 5)  # not an Object: refused silently
        assert holder.item is slot
        holder.set("item", holder)  # another class: null, as the engine's cast gives
        assert holder.item is None
        holder.anything = [1, "x"]
        assert holder.anything == [1, "x"]
    holder.free()

    with pytest.raises(TypeError, match="the default 3 does not fit type Slot"):

        @exposed
        class BadHolder(Object):
            item: Slot | None = export(3)
