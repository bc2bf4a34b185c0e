"""MessageQueue: the deferred-call FIFO, call_deferred and set_deferred (object_model.md §2.6)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import pytest

from engine.object_model import (
    ClassDB,
    Error,
    MessageQueue,
    Object,
    PropertyInfo,
    Reference,
    VariantType,
    instance_from_id,
    is_instance_valid,
)

JOURNAL: list[tuple[str, Any]] = []


class MqTarget(Object):
    def __init__(self) -> None:
        super().__init__()
        self.label = ""
        self._value = 0

    def record(self, item: Any) -> None:
        JOURNAL.append((self.label, item))

    def record_int(self, item: int) -> None:
        JOURNAL.append((self.label, item))

    def set_value(self, value: int) -> None:
        JOURNAL.append((self.label, ("set_value", value)))
        self._value = value

    def get_value(self) -> int:
        return self._value

    def boom(self) -> None:
        JOURNAL.append((self.label, "boom"))
        raise RuntimeError("deferred bug")

    def push_more(self, item: Any) -> None:
        JOURNAL.append((self.label, ("push_more", item)))
        MessageQueue.push_call(self, "record", item)

    def nested_flush(self) -> None:
        JOURNAL.append((self.label, ("nested_flush", MessageQueue.flush())))

    def free_later(self, other: Object) -> None:
        JOURNAL.append((self.label, "free_later"))
        other.free()

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "record", args=("item",))
        ClassDB.bind_method(cls, "record_int", args=("item",))
        ClassDB.bind_method(cls, "set_value", args=("value",))
        ClassDB.bind_method(cls, "get_value", const=True)
        ClassDB.bind_method(cls, "boom")
        ClassDB.bind_method(cls, "push_more", args=("item",))
        ClassDB.bind_method(cls, "nested_flush")
        ClassDB.bind_method(cls, "free_later", args=("other",))
        ClassDB.add_property(
            cls, PropertyInfo(name="value", type=VariantType.INT), "set_value", "get_value"
        )


ClassDB.register_class(MqTarget)


class MqRef(Reference):
    pass


ClassDB.register_class(MqRef)


@pytest.fixture(autouse=True)
def _fresh_queue() -> Iterator[None]:
    MessageQueue.clear()
    JOURNAL.clear()
    yield
    MessageQueue.clear()
    JOURNAL.clear()


@pytest.fixture
def make() -> Iterator[Any]:
    made: list[MqTarget] = []

    def build(label: str) -> MqTarget:
        t = MqTarget()
        t.label = label
        made.append(t)
        return t

    yield build
    for t in made:
        if is_instance_valid(t):
            t.free()


def test_push_returns_ok_and_nothing_runs_before_flush(make: Any) -> None:
    t = make("t")
    assert MessageQueue.push_call(t, "record", 1) == Error.OK
    assert MessageQueue.push_set(t, "value", 5) == Error.OK
    assert JOURNAL == []
    assert t.get_value() == 0
    assert MessageQueue.pending() == 2


def test_flush_runs_messages_in_fifo_order_and_returns_count(make: Any, engine_log: Any) -> None:
    a, b = make("a"), make("b")
    MessageQueue.push_call(b, "record", 1)
    MessageQueue.push_set(a, "value", 7)
    MessageQueue.push_call(a, "record", 2)
    MessageQueue.push_call(b, "record", 3)
    assert MessageQueue.flush() == 4
    assert JOURNAL == [("b", 1), ("a", ("set_value", 7)), ("a", 2), ("b", 3)]
    assert a.get_value() == 7
    assert MessageQueue.pending() == 0
    assert MessageQueue.flush() == 0
    assert engine_log.lines == []


def test_flush_of_an_empty_queue_returns_zero() -> None:
    assert MessageQueue.flush() == 0


def test_messages_pushed_during_flush_run_in_the_same_flush(make: Any) -> None:
    a = make("a")
    MessageQueue.push_call(a, "push_more", "x")
    MessageQueue.push_call(a, "record", "y")
    assert MessageQueue.flush() == 3
    assert JOURNAL == [("a", ("push_more", "x")), ("a", "y"), ("a", "x")]
    assert MessageQueue.pending() == 0


def test_nested_flush_returns_zero(make: Any) -> None:
    a = make("a")
    MessageQueue.push_call(a, "nested_flush")
    MessageQueue.push_call(a, "record", "after")
    assert MessageQueue.flush() == 2
    assert JOURNAL == [("a", ("nested_flush", 0)), ("a", "after")]


def test_freed_targets_are_dropped_silently(make: Any, engine_log: Any) -> None:
    a, b = make("a"), make("b")
    MessageQueue.push_call(a, "record", 1)
    MessageQueue.push_set(a, "value", 3)
    MessageQueue.push_call(b, "record", 2)
    a.free()
    assert MessageQueue.flush() == 1
    assert JOURNAL == [("b", 2)]
    assert engine_log.lines == []


def test_target_freed_by_an_earlier_message_is_dropped(make: Any, engine_log: Any) -> None:
    a, b = make("a"), make("b")
    MessageQueue.push_call(a, "free_later", b)
    MessageQueue.push_call(b, "record", "never")
    MessageQueue.push_call(a, "record", "still")
    assert MessageQueue.flush() == 2
    assert JOURNAL == [("a", "free_later"), ("a", "still")]
    assert engine_log.lines == []


def test_messages_hold_the_id_not_the_target() -> None:
    ref = MqRef()
    rid = ref.get_instance_id()
    MessageQueue.push_call(ref, "get_class")
    del ref
    gc.collect()
    assert instance_from_id(rid) is None
    assert MessageQueue.flush() == 0


def test_call_error_is_logged_and_the_rest_runs(make: Any, engine_log: Any) -> None:
    a = make("a")
    MessageQueue.push_call(a, "nope")
    MessageQueue.push_call(a, "record_int", "text")
    MessageQueue.push_call(a, "record", 1, 2)
    MessageQueue.push_call(a, "record")
    MessageQueue.push_call(a, "record", "ok")
    MessageQueue.flush()
    assert JOURNAL == [("a", "ok")]
    assert engine_log.lines == [
        "ERROR: flush: Error calling deferred method: 'MqTarget::nope': Method not found.",
        "ERROR: flush: Error calling deferred method: "
        "'MqTarget::record_int': Cannot convert argument 1 from String to int.",
        "ERROR: flush: Error calling deferred method: "
        "'MqTarget::record': Method expected 1 arguments, but called with 2.",
        "ERROR: flush: Error calling deferred method: "
        "'MqTarget::record': Method expected 1 arguments, but called with 0.",
    ]


def test_deferred_calls_convert_arguments(make: Any) -> None:
    a = make("a")
    MessageQueue.push_call(a, "record_int", 2.9)
    MessageQueue.push_call(a, "record", (1, 2))
    MessageQueue.flush()
    assert JOURNAL == [("a", 2), ("a", (1, 2))]
    assert type(JOURNAL[0][1]) is int


def test_deferred_set_with_failed_conversion_changes_nothing_silently(
    make: Any, engine_log: Any
) -> None:
    a = make("a")
    a.set_value(4)
    JOURNAL.clear()
    MessageQueue.push_set(a, "value", "x")
    MessageQueue.push_set(a, "unknown", 1)
    assert MessageQueue.flush() == 2
    assert a.get_value() == 4
    assert JOURNAL == []
    assert engine_log.lines == []


def test_exception_propagates_and_unrun_messages_stay_queued(make: Any) -> None:
    a = make("a")
    MessageQueue.push_call(a, "record", 1)
    MessageQueue.push_call(a, "boom")
    MessageQueue.push_call(a, "record", 2)
    MessageQueue.push_call(a, "record", 3)
    with pytest.raises(RuntimeError, match="deferred bug"):
        MessageQueue.flush()
    assert JOURNAL == [("a", 1), ("a", "boom")]
    assert MessageQueue.pending() == 2
    assert MessageQueue.flush() == 2
    assert JOURNAL[2:] == [("a", 2), ("a", 3)]


def test_queue_overflow(make: Any, engine_log: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    assert MessageQueue.MAX_MESSAGES == 65536
    monkeypatch.setattr(MessageQueue, "MAX_MESSAGES", 2)
    a = make("a")
    assert MessageQueue.push_call(a, "record", 1) == Error.OK
    assert MessageQueue.push_set(a, "value", 2) == Error.OK
    assert engine_log.lines == []
    assert MessageQueue.push_call(a, "record", 3) == Error.ERR_OUT_OF_MEMORY
    assert len(engine_log.lines) == 1
    assert engine_log.lines[0].startswith("ERROR: ")
    assert MessageQueue.push_set(a, "value", 4) == Error.ERR_OUT_OF_MEMORY
    assert len(engine_log.lines) == 2
    assert MessageQueue.pending() == 2
    assert MessageQueue.flush() == 2
    assert JOURNAL == [("a", 1), ("a", ("set_value", 2))]


def test_call_deferred_overflow_is_logged(
    make: Any, engine_log: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(MessageQueue, "MAX_MESSAGES", 1)
    a = make("a")
    a.call_deferred("record", 1)
    assert engine_log.lines == []
    assert a.call_deferred("record", 2) is None
    assert len(engine_log.lines) == 1
    assert MessageQueue.flush() == 1
    assert JOURNAL == [("a", 1)]


def test_pending_and_clear(make: Any) -> None:
    a = make("a")
    assert MessageQueue.pending() == 0
    for i in range(3):
        MessageQueue.push_call(a, "record", i)
    assert MessageQueue.pending() == 3
    MessageQueue.clear()
    assert MessageQueue.pending() == 0
    assert MessageQueue.flush() == 0
    assert JOURNAL == []


def test_call_deferred_and_set_deferred(make: Any, engine_log: Any) -> None:
    a = make("a")
    assert a.call_deferred("record", "later") is None
    assert a.set_deferred("value", 9) is None
    assert JOURNAL == []
    assert a.get_value() == 0
    assert MessageQueue.pending() == 2
    assert MessageQueue.flush() == 2
    assert JOURNAL == [("a", "later"), ("a", ("set_value", 9))]
    assert a.get_value() == 9
    assert engine_log.lines == []


def test_call_deferred_and_set_deferred_by_name(make: Any) -> None:
    a = make("a")
    assert a.call("call_deferred", "record", 1) is None
    assert a.call("set_deferred", "value", 3) is None
    assert MessageQueue.flush() == 2
    assert JOURNAL == [("a", 1), ("a", ("set_value", 3))]


def test_call_deferred_checks_happen_at_flush(make: Any, engine_log: Any) -> None:
    a = make("a")
    a.call_deferred("nope", 1)
    a.call_deferred("record_int", "x")
    assert engine_log.lines == []
    assert MessageQueue.pending() == 2
    MessageQueue.flush()
    assert engine_log.lines == [
        "ERROR: flush: Error calling deferred method: 'MqTarget::nope': Method not found.",
        "ERROR: flush: Error calling deferred method: "
        "'MqTarget::record_int': Cannot convert argument 1 from String to int.",
    ]


def test_call_deferred_free(make: Any) -> None:
    a = make("a")
    a.call_deferred("free")
    assert is_instance_valid(a)
    MessageQueue.flush()
    assert not is_instance_valid(a)


def test_set_deferred_goes_through_set_hooks_and_meta(make: Any) -> None:
    a = make("a")
    a.set_deferred("__meta__", {"k": 1})
    MessageQueue.flush()
    assert a.get_meta("k") == 1


@pytest.mark.parametrize("target", [None, 5, "obj", object()])
def test_push_to_a_non_object_raises(target: Any) -> None:
    with pytest.raises(TypeError):
        MessageQueue.push_call(target, "record", 1)
    with pytest.raises(TypeError):
        MessageQueue.push_set(target, "value", 1)
    assert MessageQueue.pending() == 0
