"""Signals connected to plain Python methods, as the engine connects them to a script's."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from engine.object_model import (
    ConnectFlags,
    Error,
    MessageQueue,
    Object,
    is_instance_valid,
    signal,
)
from engine.object_model.declaration import exposed
from support import LogLines


@exposed
class Button(Object):
    pressed = signal(times=int)


class Handler(Object):
    """Not registered: its methods are plain Python ones."""

    def __init__(self) -> None:
        self.heard: list[tuple[Any, ...]] = []

    def on_pressed(self, times: int, *extra: Any) -> None:
        self.heard.append((times, *extra))

    def _on_pressed_privately(self, times: int) -> None:
        self.heard.append(("private", times))

    def takes_none(self) -> None:
        self.heard.append(())

    def fails(self, times: int) -> None:
        raise RuntimeError("handler bug")

    @staticmethod
    def static(times: int) -> None:
        pass

    @property
    def attribute(self) -> int:
        return 1


@pytest.fixture
def button() -> Iterator[Button]:
    made = Button()
    yield made
    made.free()


@pytest.fixture
def handler() -> Iterator[Handler]:
    made = Handler()
    yield made
    if is_instance_valid(made):
        made.free()


def test_a_plain_method_is_called_with_the_arguments_and_binds(
    button: Button, handler: Handler, engine_log: LogLines
) -> None:
    assert button.connect("pressed", handler, "on_pressed", ["bound"]) == Error.OK
    assert button.connect("pressed", handler, "_on_pressed_privately") == Error.OK
    assert button.is_connected("pressed", handler, "on_pressed")
    button.emit_signal("pressed", 2)
    assert handler.heard == [(2, "bound"), ("private", 2)]
    button.disconnect("pressed", handler, "on_pressed")
    button.emit_signal("pressed", 3)
    assert handler.heard[-1] == ("private", 3)
    assert engine_log.lines == []
    # Not a bound method: calls by name still do not reach it.
    assert not handler.has_method("on_pressed")
    assert handler.call("on_pressed", 1) is None
    assert len(engine_log.lines) == 1


def test_deferred_and_oneshot_connections(button: Button, handler: Handler) -> None:
    button.connect("pressed", handler, "on_pressed", [], ConnectFlags.DEFERRED)
    button.connect("pressed", handler, "_on_pressed_privately", [], ConnectFlags.ONESHOT)
    button.emit_signal("pressed", 1)
    assert handler.heard == [("private", 1)]
    assert MessageQueue.flush() == 1
    assert handler.heard == [("private", 1), (1,)]
    button.emit_signal("pressed", 2)
    MessageQueue.flush()
    assert handler.heard[2:] == [(2,)]


def test_a_wrong_argument_count_is_a_call_error(
    button: Button, handler: Handler, engine_log: LogLines
) -> None:
    button.connect("pressed", handler, "takes_none")
    button.emit_signal("pressed", 1)
    assert handler.heard == []
    assert engine_log.lines == [
        "ERROR: emit_signal: Error calling method from signal 'pressed': "
        "'Object::takes_none': Method expected 0 arguments, but called with 1."
    ]
    button.disconnect("pressed", handler, "takes_none")
    engine_log.clear()
    button.connect("pressed", handler, "_on_pressed_privately")
    button.emit_signal("pressed")
    assert engine_log.lines == [
        "ERROR: emit_signal: Error calling method from signal 'pressed': "
        "'Object::_on_pressed_privately': Method expected 1 arguments, but called with 0."
    ]


def test_connect_refuses_what_is_not_a_method(
    button: Button, handler: Handler, engine_log: LogLines
) -> None:
    for name in ("nothing", "static", "attribute", "__init__", "heard"):
        assert button.connect("pressed", handler, name) == Error.ERR_INVALID_PARAMETER
        assert engine_log.lines == [
            "ERROR: connect: In Object of type 'Button': Attempt to connect signal 'pressed' "
            f"to nonexistent method 'Handler.{name}'."
        ]
        engine_log.clear()
    assert button.get_signal_connection_list("pressed") == []


def test_a_method_gone_from_the_class_fails_at_emit(button: Button, engine_log: LogLines) -> None:
    class Fleeting(Object):
        def gone(self, times: int) -> None:
            pass

    target = Fleeting()
    assert button.connect("pressed", target, "gone") == Error.OK
    del Fleeting.gone
    button.emit_signal("pressed", 1)
    assert engine_log.lines == [
        "ERROR: emit_signal: Error calling method from signal 'pressed': "
        "'Object::gone': Method not found."
    ]
    target.free()


def test_an_exception_in_the_method_is_a_bug_and_propagates(
    button: Button, handler: Handler
) -> None:
    button.connect("pressed", handler, "fails")
    with pytest.raises(RuntimeError, match="handler bug"):
        button.emit_signal("pressed", 1)


def test_a_freed_target_is_skipped(button: Button, handler: Handler) -> None:
    button.connect("pressed", handler, "on_pressed")
    handler.free()
    button.emit_signal("pressed", 1)
    assert handler.heard == []
    assert button.connect("pressed", handler, "on_pressed") == Error.ERR_INVALID_PARAMETER


def test_bound_and_plain_methods_run_by_ascending_target_id(button: Button) -> None:
    order: list[str] = []

    class Plain(Object):
        def hit(self, times: int) -> None:
            order.append(f"plain {self.get_instance_id()}")

    first, second = Plain(), Plain()
    for target in (second, first):
        button.connect("pressed", target, "hit")
    button.emit_signal("pressed", 1)
    assert order == [f"plain {first.get_instance_id()}", f"plain {second.get_instance_id()}"]
    first.free()
    second.free()
