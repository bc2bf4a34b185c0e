"""``Timer``: a node that counts down each frame and emits ``timeout``.

The countdown runs in the node's internal processing, by each frame's delta (3.5's
``scene/main/timer.cpp``, idle mode only). Imports ``engine.object_model`` and the node.
"""

from __future__ import annotations

import functools

from engine.object_model import ClassDB, MethodInfo, PropertyHint, PropertyInfo, VariantType
from engine.object_model.errors import err_print
from engine.object_model.info import PropertyUsage
from engine.scene.node import NOTIFICATION_INTERNAL_PROCESS, NOTIFICATION_READY, Node, logger


class Timer(Node):
    """Counts down [member wait_time] seconds of frames, then emits [signal timeout]; it starts
    over unless [member one_shot]. It counts only while inside a tree and started
    ([method start], or [member autostart] when it becomes ready).
    """

    # ClassDB properties, declared for type checkers; registration installs them.
    wait_time: float
    one_shot: bool
    autostart: bool
    paused: bool
    time_left: float

    def __init__(self) -> None:
        super().__init__()
        self._wait_time = 1.0
        self._one_shot = False
        self._autostart = False
        self._paused = False
        self._time_left = -1.0
        self._counting = False

    def _notification(self, what: int) -> None:
        if what == NOTIFICATION_READY and self._autostart:
            self.start()
            self._autostart = False
        elif what == NOTIFICATION_INTERNAL_PROCESS and self._counting and not self._paused:
            self._time_left -= self.get_process_delta_time()
            if self._time_left < 0:
                if self._one_shot:
                    self.stop()
                else:
                    self._time_left += self._wait_time
                self.emit_signal("timeout")

    def set_wait_time(self, time_sec: float) -> None:
        """Seconds from [method start] to [signal timeout]; more than 0."""
        if time_sec <= 0:
            err_print("set_wait_time", "Time should be greater than zero.", logger)
            return
        self._wait_time = float(time_sec)

    def get_wait_time(self) -> float:
        """Returns [member wait_time]."""
        return self._wait_time

    def set_one_shot(self, enable: bool) -> None:
        """If [code]true[/code], the timer stops after its first [signal timeout]."""
        self._one_shot = bool(enable)

    def is_one_shot(self) -> bool:
        """Returns [member one_shot]."""
        return self._one_shot

    def set_autostart(self, enable: bool) -> None:
        """If [code]true[/code], the timer starts when it becomes ready (then this turns off)."""
        self._autostart = bool(enable)

    def has_autostart(self) -> bool:
        """Returns [member autostart]."""
        return self._autostart

    def start(self, time_sec: float = -1) -> None:
        """Start counting from [code]time_sec[/code] (which becomes [member wait_time]) or, when
        it is not above 0, from [member wait_time]. A timer outside a tree logs an error.
        """
        if not self.is_inside_tree():
            err_print(
                "start",
                "Timer was not added to the SceneTree. Either add it or set autostart to true.",
                logger,
            )
            return
        if time_sec > 0:
            self.set_wait_time(time_sec)
        self._time_left = self._wait_time
        self._set_counting(True)

    def stop(self) -> None:
        """Stop counting; [member time_left] becomes 0."""
        self._time_left = -1.0
        self._set_counting(False)
        self._autostart = False

    def is_stopped(self) -> bool:
        """Returns [code]true[/code] when the timer is not counting."""
        return self.get_time_left() <= 0

    def set_paused(self, paused: bool) -> None:
        """While [code]true[/code] a started timer keeps its [member time_left]."""
        self._paused = bool(paused)
        self._set_counting(self._counting)

    def is_paused(self) -> bool:
        """Returns [member paused]."""
        return self._paused

    def get_time_left(self) -> float:
        """Returns the seconds left until [signal timeout], 0 when stopped."""
        return self._time_left if self._time_left > 0 else 0.0

    def _set_counting(self, counting: bool) -> None:
        self._counting = counting
        self.set_process_internal(counting and not self._paused)

    @classmethod
    def _bind_methods(cls) -> None:
        bind = functools.partial(ClassDB.bind_method, cls)
        bind("set_wait_time", args=("time_sec",))
        bind("get_wait_time", const=True)
        bind("set_one_shot", args=("enable",))
        bind("is_one_shot", const=True)
        bind("set_autostart", args=("enable",))
        bind("has_autostart", const=True)
        bind("start", args=("time_sec",), defaults=(-1,))
        bind("stop")
        bind("is_stopped", const=True)
        bind("set_paused", args=("paused",))
        bind("is_paused", const=True)
        bind("get_time_left", const=True)
        add = functools.partial(ClassDB.add_property, cls)
        add(
            PropertyInfo(
                name="wait_time",
                type=VariantType.REAL,
                hint=PropertyHint.EXP_RANGE,
                hint_string="0.001,4096,0.001,or_greater",
            ),
            "set_wait_time",
            "get_wait_time",
        )
        add(PropertyInfo(name="one_shot", type=VariantType.BOOL), "set_one_shot", "is_one_shot")
        add(PropertyInfo(name="autostart", type=VariantType.BOOL), "set_autostart", "has_autostart")
        add(
            PropertyInfo(name="paused", type=VariantType.BOOL, usage=PropertyUsage(0)),
            "set_paused",
            "is_paused",
        )
        add(
            PropertyInfo(name="time_left", type=VariantType.REAL, usage=PropertyUsage(0)),
            "",
            "get_time_left",
        )
        ClassDB.add_signal(cls, MethodInfo(name="timeout"))


ClassDB.register_class(Timer)
