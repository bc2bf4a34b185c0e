"""Signals: user signals, connect, flags, emission order, snapshots (object_model.md §2.4)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from engine.object_model import (
    ArgumentInfo,
    ClassDB,
    ConnectFlags,
    Error,
    MessageQueue,
    MethodInfo,
    Object,
    VariantType,
    is_instance_valid,
)

Journal = list[tuple[str, str, tuple[Any, ...]]]


class SigEmitter(Object):
    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.add_signal(
            cls,
            MethodInfo(name="fired", args=[ArgumentInfo(name="value", type=VariantType.INT)]),
        )
        ClassDB.add_signal(cls, MethodInfo(name="pinged"))


ClassDB.register_class(SigEmitter)


class SigEmitterChild(SigEmitter):
    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.add_signal(cls, MethodInfo(name="child_sig"))


ClassDB.register_class(SigEmitterChild)


class SigTarget(Object):
    def __init__(self) -> None:
        super().__init__()
        self.label = ""
        self.journal: Journal = []
        self.action: Callable[[], None] | None = None

    def _record(self, method: str, args: tuple[Any, ...]) -> None:
        self.journal.append((self.label, method, args))
        if self.action is not None:
            self.action()

    def on_event(self, *args: Any) -> None:
        self._record("on_event", args)

    def on_other(self, *args: Any) -> None:
        self._record("on_other", args)

    def on_value(self, value: int) -> None:
        self._record("on_value", (value,))

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_vararg_method(cls, "on_event")
        ClassDB.bind_vararg_method(cls, "on_other")
        ClassDB.bind_method(cls, "on_value", args=("value",))


ClassDB.register_class(SigTarget)

VOID = {"name": "", "class_name": "", "type": 0, "hint": 0, "hint_string": "", "usage": 7}


def _arg(name: str, vtype: int) -> dict[str, Any]:
    return {"name": name, "class_name": "", "type": vtype, "hint": 0, "hint_string": "", "usage": 7}


def _signal(name: str, *args: dict[str, Any]) -> dict[str, Any]:
    return {
        "name": name,
        "args": list(args),
        "default_args": [],
        "flags": 1,
        "id": 0,
        "return": VOID,
    }


@pytest.fixture(autouse=True)
def _empty_queue() -> Iterator[None]:
    MessageQueue.clear()
    yield
    MessageQueue.clear()


@pytest.fixture
def journal() -> Journal:
    return []


@pytest.fixture
def make_target(journal: Journal) -> Iterator[Callable[[str], SigTarget]]:
    made: list[SigTarget] = []

    def make(label: str) -> SigTarget:
        t = SigTarget()
        t.label = label
        t.journal = journal
        made.append(t)
        return t

    yield make
    for t in made:
        if is_instance_valid(t):
            t.free()


@pytest.fixture
def emitter() -> Iterator[SigEmitter]:
    e = SigEmitter()
    yield e
    if is_instance_valid(e):
        e.free()


# --- add_user_signal --------------------------------------------------------------------


def test_add_user_signal_with_dict_and_argumentinfo_arguments(
    emitter: SigEmitter, engine_log: Any
) -> None:
    emitter.add_user_signal(
        "custom",
        [{"name": "x", "type": 2}, ArgumentInfo(name="y", type=VariantType.STRING)],
    )
    assert emitter.has_user_signal("custom")
    assert emitter.has_signal("custom")
    listed = emitter.get_signal_list()[-1]
    assert listed == _signal("custom", _arg("x", 2), _arg("y", 4))
    assert list(listed) == ["name", "args", "default_args", "flags", "id", "return"]
    assert list(listed["args"][0]) == ["name", "class_name", "type", "hint", "hint_string", "usage"]
    assert type(listed["args"][0]["type"]) is int
    assert engine_log.lines == []


def test_add_user_signal_without_arguments_and_by_name(emitter: SigEmitter) -> None:
    emitter.add_user_signal("bare")
    emitter.call("add_user_signal", "named", [{"name": "n"}])
    signals = emitter.get_signal_list()
    assert signals[-2:] == [_signal("bare"), _signal("named", _arg("n", 0))]


def test_add_user_signal_empty_name(emitter: SigEmitter, engine_log: Any) -> None:
    before = emitter.get_signal_list()
    emitter.add_user_signal("")
    assert engine_log.lines == ["ERROR: add_user_signal: Signal name cannot be empty."]
    assert emitter.get_signal_list() == before
    assert not emitter.has_user_signal("")


def test_add_user_signal_clashing_with_a_class_signal(engine_log: Any) -> None:
    child = SigEmitterChild()
    child.add_user_signal("fired")
    child.add_user_signal("child_sig")
    assert len(engine_log.lines) == 2
    assert all(line.startswith("ERROR: add_user_signal: ") for line in engine_log.lines)
    assert not child.has_user_signal("fired")
    assert not child.has_user_signal("child_sig")
    assert [s["name"] for s in child.get_signal_list()] == ["child_sig", "fired", "pinged"]
    child.free()


def test_add_user_signal_duplicate_keeps_the_first(emitter: SigEmitter, engine_log: Any) -> None:
    emitter.add_user_signal("dup", [{"name": "a", "type": 1}])
    emitter.add_user_signal("dup", [{"name": "b", "type": 4}])
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith("ERROR: add_user_signal: ")
    user = [s for s in emitter.get_signal_list() if s["name"] == "dup"]
    assert user == [_signal("dup", _arg("a", 1))]


def test_user_signals_are_per_object(emitter: SigEmitter) -> None:
    other = SigEmitter()
    emitter.add_user_signal("mine")
    assert not other.has_signal("mine")
    assert not other.has_user_signal("mine")
    other.free()


# --- introspection ----------------------------------------------------------------------


def test_get_signal_list_class_signals_own_first_then_user_signals() -> None:
    child = SigEmitterChild()
    child.add_user_signal("u2")
    child.add_user_signal("u1")
    assert child.get_signal_list() == [
        _signal("child_sig"),
        _signal("fired", _arg("value", 2)),
        _signal("pinged"),
        _signal("u2"),
        _signal("u1"),
    ]
    assert child.has_signal("fired")
    assert not child.has_user_signal("fired")
    assert not child.has_signal("nope")
    child.free()


def test_plain_object_has_no_class_signals() -> None:
    obj = Object()
    assert obj.get_signal_list() == []
    obj.free()


def test_connection_list_shapes(emitter: SigEmitter, make_target: Any) -> None:
    t = make_target("t")
    assert emitter.connect("fired", t, "on_event", [1, "b"], ConnectFlags.PERSIST) == Error.OK
    (conn,) = emitter.get_signal_connection_list("fired")
    assert list(conn) == ["signal", "method", "source", "target", "binds", "flags"]
    assert conn == {
        "signal": "fired",
        "method": "on_event",
        "source": emitter,
        "target": t,
        "binds": [1, "b"],
        "flags": 2,
    }
    assert conn["source"] is emitter
    assert conn["target"] is t
    assert type(conn["flags"]) is int
    (incoming,) = t.get_incoming_connections()
    assert list(incoming) == ["source", "signal_name", "method_name"]
    assert incoming == {"source": emitter, "signal_name": "fired", "method_name": "on_event"}
    assert incoming["source"] is emitter
    assert emitter.get_signal_connection_list("pinged") == []
    assert emitter.get_signal_connection_list("nope") == []
    assert emitter.get_incoming_connections() == []


def test_connection_list_is_a_copy(emitter: SigEmitter, make_target: Any) -> None:
    t = make_target("t")
    binds = [1]
    emitter.connect("fired", t, "on_event", binds)
    binds.append(2)
    conn = emitter.get_signal_connection_list("fired")[0]
    conn["binds"].append(3)
    assert emitter.get_signal_connection_list("fired")[0]["binds"] == [1]


def test_connection_list_is_in_emission_order(emitter: SigEmitter, make_target: Any) -> None:
    low, high = make_target("low"), make_target("high")
    emitter.connect("fired", high, "on_event")
    emitter.connect("fired", low, "on_other")
    emitter.connect("fired", low, "on_event")
    listed = [(c["target"], c["method"]) for c in emitter.get_signal_connection_list("fired")]
    assert listed == [(low, "on_other"), (low, "on_event"), (high, "on_event")]


# --- connect / disconnect / is_connected ------------------------------------------------


def test_connect_and_disconnect(emitter: SigEmitter, make_target: Any, engine_log: Any) -> None:
    t = make_target("t")
    assert emitter.connect("fired", t, "on_event") == Error.OK
    assert emitter.is_connected("fired", t, "on_event")
    assert not emitter.is_connected("fired", t, "on_other")
    assert not emitter.is_connected("pinged", t, "on_event")
    emitter.disconnect("fired", t, "on_event")
    assert not emitter.is_connected("fired", t, "on_event")
    assert emitter.get_signal_connection_list("fired") == []
    assert t.get_incoming_connections() == []
    assert engine_log.lines == []


def test_connect_by_name(emitter: SigEmitter, make_target: Any, journal: Journal) -> None:
    t = make_target("t")
    assert emitter.call("connect", "fired", t, "on_event", [9]) == Error.OK
    assert emitter.call("is_connected", "fired", t, "on_event") is True
    emitter.call("emit_signal", "fired", 1)
    assert journal == [("t", "on_event", (1, 9))]
    emitter.call("disconnect", "fired", t, "on_event")
    assert not emitter.is_connected("fired", t, "on_event")


def test_connect_to_none_or_freed_target(emitter: SigEmitter, make_target: Any) -> None:
    assert emitter.connect("fired", None, "on_event") == Error.ERR_INVALID_PARAMETER
    t = make_target("t")
    t.free()
    assert emitter.connect("fired", t, "on_event") == Error.ERR_INVALID_PARAMETER
    assert emitter.get_signal_connection_list("fired") == []


def test_connect_unknown_signal(emitter: SigEmitter, make_target: Any, engine_log: Any) -> None:
    t = make_target("t")
    assert emitter.connect("nope", t, "on_event") == Error.ERR_INVALID_PARAMETER
    assert engine_log.lines == [
        "ERROR: connect: In Object of type 'SigEmitter': Attempt to connect nonexistent "
        "signal 'nope' to method 'SigTarget.on_event'."
    ]
    assert t.get_incoming_connections() == []


def test_connect_twice_is_refused(emitter: SigEmitter, make_target: Any, engine_log: Any) -> None:
    t = make_target("t")
    assert emitter.connect("fired", t, "on_event", [1]) == Error.OK
    assert emitter.connect("fired", t, "on_event", [2]) == Error.ERR_INVALID_PARAMETER
    assert len(engine_log.lines) == 1
    line = engine_log.lines[0]
    assert line.startswith("ERROR: connect: ")
    assert "'fired'" in line
    assert "'on_event'" in line
    (conn,) = emitter.get_signal_connection_list("fired")
    assert conn["binds"] == [1]


def test_same_method_on_two_targets_and_two_methods_on_one_target(
    emitter: SigEmitter, make_target: Any
) -> None:
    a, b = make_target("a"), make_target("b")
    assert emitter.connect("fired", a, "on_event") == Error.OK
    assert emitter.connect("fired", b, "on_event") == Error.OK
    assert emitter.connect("fired", a, "on_other") == Error.OK
    assert emitter.connect("pinged", a, "on_event") == Error.OK
    assert len(emitter.get_signal_connection_list("fired")) == 3
    assert len(a.get_incoming_connections()) == 3


def test_connect_refuses_a_method_the_target_lacks(
    emitter: SigEmitter, make_target: Any, engine_log: Any
) -> None:
    # A departure from 3.5, which connects anything and fails at every emit instead.
    t = make_target("t")
    assert emitter.connect("fired", t, "missing") == Error.ERR_INVALID_PARAMETER
    assert not emitter.is_connected("fired", t, "missing")
    assert engine_log.lines == [
        "ERROR: connect: In Object of type 'SigEmitter': Attempt to connect signal 'fired' "
        "to nonexistent method 'SigTarget.missing'."
    ]
    engine_log.clear()
    emitter.emit_signal("fired", 1)
    assert engine_log.lines == []


def test_disconnect_unknown_signal_or_connection_logs(
    emitter: SigEmitter, make_target: Any, engine_log: Any
) -> None:
    t = make_target("t")
    emitter.connect("fired", t, "on_event")
    emitter.disconnect("nope", t, "on_event")
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith("ERROR: disconnect: ")
    engine_log.clear()
    emitter.disconnect("fired", t, "on_other")
    emitter.disconnect("pinged", t, "on_event")
    assert len(engine_log.lines) == 2
    assert all(line.startswith("ERROR: disconnect: ") for line in engine_log.lines)
    assert emitter.is_connected("fired", t, "on_event")


def test_is_connected_unknown_signal(
    emitter: SigEmitter, make_target: Any, engine_log: Any
) -> None:
    t = make_target("t")
    assert emitter.is_connected("nope", t, "on_event") is False
    assert engine_log.lines == ["ERROR: is_connected: Nonexistent signal: nope."]


def test_user_signal_connect_and_emit(
    emitter: SigEmitter, make_target: Any, journal: Journal
) -> None:
    t = make_target("t")
    emitter.add_user_signal("custom", [{"name": "x", "type": 2}])
    assert emitter.connect("custom", t, "on_event") == Error.OK
    emitter.emit_signal("custom", 5)
    assert journal == [("t", "on_event", (5,))]


# --- flags ------------------------------------------------------------------------------


def test_oneshot_fires_once(emitter: SigEmitter, make_target: Any, journal: Journal) -> None:
    t = make_target("t")
    assert emitter.connect("fired", t, "on_event", [], ConnectFlags.ONESHOT) == Error.OK
    assert emitter.get_signal_connection_list("fired")[0]["flags"] == 4
    emitter.emit_signal("fired", 1)
    assert not emitter.is_connected("fired", t, "on_event")
    assert t.get_incoming_connections() == []
    emitter.emit_signal("fired", 2)
    assert journal == [("t", "on_event", (1,))]


def test_oneshot_is_removed_after_the_loop_even_with_a_counter(
    emitter: SigEmitter, make_target: Any, journal: Journal
) -> None:
    t = make_target("t")
    flags = ConnectFlags.ONESHOT | ConnectFlags.REFERENCE_COUNTED
    assert emitter.connect("fired", t, "on_event", [], flags) == Error.OK
    assert emitter.connect("fired", t, "on_event", [], flags) == Error.OK
    emitter.emit_signal("fired", 1)
    assert not emitter.is_connected("fired", t, "on_event")
    emitter.emit_signal("fired", 2)
    assert journal == [("t", "on_event", (1,))]


def test_oneshot_is_removed_only_after_the_loop(
    emitter: SigEmitter, make_target: Any, journal: Journal
) -> None:
    first, second = make_target("first"), make_target("second")
    emitter.connect("fired", first, "on_event", [], ConnectFlags.ONESHOT)
    emitter.connect("fired", second, "on_event")
    seen: list[bool] = []

    def check_and_reemit() -> None:
        seen.append(emitter.is_connected("fired", first, "on_event"))
        if len(seen) == 1:
            emitter.emit_signal("fired", "nested")

    second.action = check_and_reemit
    emitter.emit_signal("fired", "outer")
    assert seen[0] is True
    assert journal[:3] == [
        ("first", "on_event", ("outer",)),
        ("second", "on_event", ("outer",)),
        ("first", "on_event", ("nested",)),
    ]
    assert not emitter.is_connected("fired", first, "on_event")
    assert emitter.is_connected("fired", second, "on_event")


def test_reference_counted_connects_count_up(
    emitter: SigEmitter, make_target: Any, journal: Journal, engine_log: Any
) -> None:
    t = make_target("t")
    rc = ConnectFlags.REFERENCE_COUNTED
    assert emitter.connect("fired", t, "on_event", [1], rc) == Error.OK
    assert emitter.connect("fired", t, "on_event", [2], rc) == Error.OK
    assert emitter.connect("fired", t, "on_event", [3], rc) == Error.OK
    (conn,) = emitter.get_signal_connection_list("fired")
    assert conn["binds"] == [1]
    assert conn["flags"] == 8
    emitter.emit_signal("fired", 0)
    assert journal == [("t", "on_event", (0, 1))]
    emitter.disconnect("fired", t, "on_event")
    assert emitter.is_connected("fired", t, "on_event")
    emitter.disconnect("fired", t, "on_event")
    assert emitter.is_connected("fired", t, "on_event")
    emitter.disconnect("fired", t, "on_event")
    assert not emitter.is_connected("fired", t, "on_event")
    assert t.get_incoming_connections() == []
    assert engine_log.lines == []


def test_reference_counted_connection_removed_at_once_by_freeing(
    emitter: SigEmitter, make_target: Any
) -> None:
    t = make_target("t")
    rc = ConnectFlags.REFERENCE_COUNTED
    emitter.connect("fired", t, "on_event", [], rc)
    emitter.connect("fired", t, "on_event", [], rc)
    t.free()
    assert emitter.get_signal_connection_list("fired") == []


def test_deferred_connection_queues_the_call(
    emitter: SigEmitter, make_target: Any, journal: Journal
) -> None:
    t = make_target("t")
    emitter.connect("fired", t, "on_event", ["b"], ConnectFlags.DEFERRED)
    emitter.emit_signal("fired", 1)
    assert journal == []
    assert MessageQueue.pending() == 1
    assert MessageQueue.flush() == 1
    assert journal == [("t", "on_event", (1, "b"))]
    assert emitter.is_connected("fired", t, "on_event")


def test_deferred_call_error_is_reported_at_flush(
    emitter: SigEmitter, make_target: Any, engine_log: Any
) -> None:
    t = make_target("t")
    emitter.connect("fired", t, "on_value", [], ConnectFlags.DEFERRED)
    emitter.emit_signal("fired", "x")
    assert engine_log.lines == []
    MessageQueue.flush()
    assert engine_log.lines == [
        "ERROR: flush: Error calling deferred method: "
        "'SigTarget::on_value': Cannot convert argument 1 from String to int."
    ]


def test_deferred_oneshot_is_removed_after_emission(
    emitter: SigEmitter, make_target: Any, journal: Journal
) -> None:
    t = make_target("t")
    emitter.connect("fired", t, "on_event", [], ConnectFlags.DEFERRED | ConnectFlags.ONESHOT)
    emitter.emit_signal("fired", 1)
    assert not emitter.is_connected("fired", t, "on_event")
    emitter.emit_signal("fired", 2)
    MessageQueue.flush()
    assert journal == [("t", "on_event", (1,))]


def test_persist_is_only_stored_and_reported(
    emitter: SigEmitter, make_target: Any, journal: Journal
) -> None:
    t = make_target("t")
    emitter.connect("fired", t, "on_event", [], ConnectFlags.PERSIST)
    emitter.emit_signal("fired", 1)
    emitter.emit_signal("fired", 2)
    assert journal == [("t", "on_event", (1,)), ("t", "on_event", (2,))]
    assert MessageQueue.pending() == 0
    assert emitter.get_signal_connection_list("fired")[0]["flags"] == ConnectFlags.PERSIST


# --- emission ---------------------------------------------------------------------------


def test_emission_runs_by_ascending_target_id(
    emitter: SigEmitter, make_target: Any, journal: Journal
) -> None:
    a, b, c = make_target("a"), make_target("b"), make_target("c")
    emitter.connect("fired", c, "on_event")
    emitter.connect("fired", a, "on_event")
    emitter.connect("fired", b, "on_event")
    emitter.emit_signal("fired", 1)
    assert [entry[0] for entry in journal] == ["a", "b", "c"]


def test_emission_keeps_connection_order_within_one_target(
    emitter: SigEmitter, make_target: Any, journal: Journal
) -> None:
    low, high = make_target("low"), make_target("high")
    emitter.connect("fired", high, "on_other")
    emitter.connect("fired", low, "on_other")
    emitter.connect("fired", high, "on_event")
    emitter.connect("fired", low, "on_event")
    emitter.emit_signal("fired")
    assert [(label, method) for label, method, _ in journal] == [
        ("low", "on_other"),
        ("low", "on_event"),
        ("high", "on_other"),
        ("high", "on_event"),
    ]


def test_binds_are_appended_after_emit_arguments(
    emitter: SigEmitter, make_target: Any, journal: Journal
) -> None:
    t = make_target("t")
    emitter.connect("fired", t, "on_event", ["x", 2])
    emitter.emit_signal("fired", 1, "extra")
    assert journal == [("t", "on_event", (1, "extra", "x", 2))]


def test_emit_arguments_are_not_checked_against_the_declaration(
    emitter: SigEmitter, make_target: Any, journal: Journal, engine_log: Any
) -> None:
    t = make_target("t")
    emitter.connect("pinged", t, "on_event")
    emitter.emit_signal("pinged", "a", None, [1])
    assert journal == [("t", "on_event", ("a", None, [1]))]
    assert engine_log.lines == []


def test_emission_converts_arguments_by_name(
    emitter: SigEmitter, make_target: Any, journal: Journal
) -> None:
    t = make_target("t")
    emitter.connect("fired", t, "on_value")
    emitter.emit_signal("fired", 2.9)
    assert journal == [("t", "on_value", (2,))]


def test_emit_signal_is_void(emitter: SigEmitter, make_target: Any) -> None:
    t = make_target("t")
    emitter.connect("fired", t, "on_event")
    assert emitter.emit_signal("fired", 1) is None
    assert emitter.call("emit_signal", "fired", 1) is None


def test_connect_during_emission_does_not_affect_it(
    emitter: SigEmitter, make_target: Any, journal: Journal
) -> None:
    a, b = make_target("a"), make_target("b")
    late = make_target("late")
    emitter.connect("fired", a, "on_event")
    emitter.connect("fired", b, "on_event")

    def connect_late() -> None:
        a.action = None
        emitter.connect("fired", late, "on_event")
        emitter.connect("fired", b, "on_other")

    a.action = connect_late
    emitter.emit_signal("fired", 1)
    assert [(label, method) for label, method, _ in journal] == [
        ("a", "on_event"),
        ("b", "on_event"),
    ]
    journal.clear()
    emitter.emit_signal("fired", 2)
    assert [(label, method) for label, method, _ in journal] == [
        ("a", "on_event"),
        ("b", "on_event"),
        ("b", "on_other"),
        ("late", "on_event"),
    ]


def test_disconnect_during_emission_does_not_affect_it(
    emitter: SigEmitter, make_target: Any, journal: Journal
) -> None:
    a, b = make_target("a"), make_target("b")
    emitter.connect("fired", a, "on_event")
    emitter.connect("fired", b, "on_event")

    def drop_b() -> None:
        a.action = None
        emitter.disconnect("fired", b, "on_event")

    a.action = drop_b
    emitter.emit_signal("fired", 1)
    assert [entry[0] for entry in journal] == ["a", "b"]
    assert not emitter.is_connected("fired", b, "on_event")
    journal.clear()
    emitter.emit_signal("fired", 2)
    assert [entry[0] for entry in journal] == ["a"]


def test_freed_target_loses_its_connections(
    emitter: SigEmitter, make_target: Any, journal: Journal, engine_log: Any
) -> None:
    a, b = make_target("a"), make_target("b")
    emitter.connect("fired", a, "on_event")
    emitter.connect("pinged", a, "on_event")
    emitter.connect("fired", b, "on_event")
    a.free()
    assert [c["target"] for c in emitter.get_signal_connection_list("fired")] == [b]
    assert emitter.get_signal_connection_list("pinged") == []
    emitter.emit_signal("fired", 1)
    assert journal == [("b", "on_event", (1,))]
    assert engine_log.lines == []


def test_target_freed_during_emission_is_skipped(
    emitter: SigEmitter, make_target: Any, journal: Journal, engine_log: Any
) -> None:
    a, b, c = make_target("a"), make_target("b"), make_target("c")
    for t in (a, b, c):
        emitter.connect("fired", t, "on_event")
    a.action = b.free
    emitter.emit_signal("fired", 1)
    assert [entry[0] for entry in journal] == ["a", "c"]
    assert [conn["target"] for conn in emitter.get_signal_connection_list("fired")] == [a, c]
    assert engine_log.lines == []


def test_freed_emitter_loses_its_connections(
    emitter: SigEmitter, make_target: Any, engine_log: Any
) -> None:
    t = make_target("t")
    emitter.connect("fired", t, "on_event")
    emitter.free()
    assert t.get_incoming_connections() == []
    assert engine_log.lines == []


def test_target_freeing_the_emitter_stops_the_emission(
    emitter: SigEmitter, make_target: Any, journal: Journal, engine_log: Any
) -> None:
    a, b = make_target("a"), make_target("b")
    emitter.connect("fired", a, "on_event")
    emitter.connect("fired", b, "on_event")
    eid = emitter.get_instance_id()
    a.action = emitter.free
    emitter.emit_signal("fired", 1)
    assert [entry[0] for entry in journal] == ["a"]
    assert engine_log.lines == [
        f"ERROR: emit_signal: Object [SigEmitter:{eid}] was freed or unreferenced while a "
        "signal is being emitted from it."
    ]
    assert a.get_incoming_connections() == []
    assert b.get_incoming_connections() == []


def test_call_error_in_a_target_is_logged_and_the_next_target_runs(
    emitter: SigEmitter, make_target: Any, journal: Journal, engine_log: Any
) -> None:
    a, b, c = make_target("a"), make_target("b"), make_target("c")
    emitter.connect("fired", a, "on_value")
    emitter.connect("fired", b, "on_value", ["bind"])
    emitter.connect("fired", c, "on_event")
    emitter.emit_signal("fired", "text")
    assert journal == [("c", "on_event", ("text",))]
    assert engine_log.lines == [
        "ERROR: emit_signal: Error calling method from signal 'fired': "
        "'SigTarget::on_value': Cannot convert argument 1 from String to int.",
        "ERROR: emit_signal: Error calling method from signal 'fired': "
        "'SigTarget::on_value': Method expected 1 arguments, but called with 2.",
    ]


def test_too_few_arguments_from_a_signal(
    emitter: SigEmitter, make_target: Any, engine_log: Any
) -> None:
    t = make_target("t")
    emitter.connect("pinged", t, "on_value")
    emitter.emit_signal("pinged")
    assert engine_log.lines == [
        "ERROR: emit_signal: Error calling method from signal 'pinged': "
        "'SigTarget::on_value': Method expected 1 arguments, but called with 0."
    ]


def test_exception_in_a_target_propagates(emitter: SigEmitter, make_target: Any) -> None:
    t = make_target("t")
    emitter.connect("fired", t, "on_event")

    def boom() -> None:
        raise RuntimeError("target bug")

    t.action = boom
    with pytest.raises(RuntimeError, match="target bug"):
        emitter.emit_signal("fired", 1)


def test_blocked_signals_do_nothing(
    emitter: SigEmitter, make_target: Any, journal: Journal, engine_log: Any
) -> None:
    t = make_target("t")
    emitter.connect("fired", t, "on_event", [], ConnectFlags.DEFERRED)
    emitter.connect("pinged", t, "on_event", [], ConnectFlags.ONESHOT)
    assert emitter.is_blocking_signals() is False
    emitter.set_block_signals(True)
    assert emitter.is_blocking_signals() is True
    emitter.emit_signal("fired", 1)
    emitter.emit_signal("pinged")
    assert MessageQueue.pending() == 0
    assert journal == []
    assert emitter.is_connected("pinged", t, "on_event")
    emitter.set_block_signals(False)
    emitter.emit_signal("pinged")
    assert journal == [("t", "on_event", ())]
    assert engine_log.lines == []


def test_blocking_is_per_emitter(make_target: Any, journal: Journal) -> None:
    e1, e2 = SigEmitter(), SigEmitter()
    t = make_target("t")
    e1.connect("pinged", t, "on_event", [1])
    e2.connect("pinged", t, "on_event", [2])
    e1.set_block_signals(True)
    e1.emit_signal("pinged")
    e2.emit_signal("pinged")
    assert journal == [("t", "on_event", (2,))]
    e1.free()
    e2.free()


def test_unknown_and_unconnected_signals_emit_silently(
    emitter: SigEmitter, engine_log: Any
) -> None:
    emitter.emit_signal("nope", 1, 2)
    emitter.emit_signal("fired", 1)
    emitter.emit_signal("")
    emitter.call("emit_signal", "nope")
    assert engine_log.lines == []


def test_disconnect_then_reconnect(emitter: SigEmitter, make_target: Any, journal: Journal) -> None:
    t = make_target("t")
    emitter.connect("fired", t, "on_event", [1])
    emitter.disconnect("fired", t, "on_event")
    assert emitter.connect("fired", t, "on_event", [2]) == Error.OK
    emitter.emit_signal("fired")
    assert journal == [("t", "on_event", (2,))]


def test_target_may_be_the_emitter_itself(emitter: SigEmitter, engine_log: Any) -> None:
    assert emitter.connect("pinged", emitter, "set_meta") == Error.OK
    emitter.emit_signal("pinged", "k", 5)
    assert emitter.get_meta("k") == 5
    (incoming,) = emitter.get_incoming_connections()
    assert incoming["source"] is emitter
    assert engine_log.lines == []
