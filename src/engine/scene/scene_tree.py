"""``MainLoop``, ``SceneTree`` and ``SceneTreeTimer``: the frame loop that drives nodes.

The host calls ``idle(delta)`` once per frame; one method per phase of a frame, in the engine's
order (``scene_tree.cpp``'s idle): the ``idle_frame`` signal, a message queue flush, internal
processing, processing, another flush, deletions, timers. ``SceneTree.run`` is a Python-only
loop for hosts and tests. Imports ``engine.object_model`` and ``engine.scene.node``.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable

from engine.object_model import (
    ClassDB,
    MessageQueue,
    MethodInfo,
    Object,
    PropertyInfo,
    Reference,
    VariantType,
)
from engine.object_model.object import NOTIFICATION_PREDELETE
from engine.scene.node import NOTIFICATION_INTERNAL_PROCESS, NOTIFICATION_PROCESS, Node


class MainLoop(Object):
    """The object a host drives: [method init] once, [method idle] once per frame,
    [method finish] at the end. A subclass may define [code]_initialize()[/code],
    [code]_idle(delta)[/code] (returning [code]true[/code] to quit) and [code]_finalize()[/code].
    """

    def init(self) -> None:
        """Called once by the host before the first frame."""
        self._main_loop_init()

    def idle(self, delta: float) -> bool:
        """Run one frame that stands for [code]delta[/code] seconds; returns [code]true[/code]
        when the loop asks to quit.
        """
        return self._main_loop_idle(float(delta))

    def finish(self) -> None:
        """Called once by the host after the last frame."""
        self._main_loop_finish()

    # The bound methods above call these, so a subclass changes behaviour by overriding them
    # (a call by name runs the bound function of the class that bound it).
    def _main_loop_init(self) -> None:
        hook = getattr(self, "_initialize", None)
        if callable(hook):
            hook()

    def _main_loop_idle(self, delta: float) -> bool:
        hook = getattr(self, "_idle", None)
        return bool(hook(delta)) if callable(hook) else False

    def _main_loop_finish(self) -> None:
        hook = getattr(self, "_finalize", None)
        if callable(hook):
            hook()

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "init")
        ClassDB.bind_method(cls, "idle", args=("delta",))
        ClassDB.bind_method(cls, "finish")


ClassDB.register_class(MainLoop)


class SceneTreeTimer(Reference):
    """A one-shot countdown made by [method SceneTree.create_timer]: the tree counts
    [member time_left] down by each frame's delta and emits [signal timeout] when it runs out,
    then lets the timer go.
    """

    time_left: float

    def __init__(self) -> None:
        super().__init__()
        self._time_left = 0.0

    def set_time_left(self, time: float) -> None:
        """Seconds until [signal timeout]."""
        self._time_left = float(time)

    def get_time_left(self) -> float:
        """Returns [member time_left]."""
        return self._time_left

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "set_time_left", args=("time",))
        ClassDB.bind_method(cls, "get_time_left", const=True)
        ClassDB.add_property(
            cls,
            PropertyInfo(name="time_left", type=VariantType.REAL),
            "set_time_left",
            "get_time_left",
        )
        ClassDB.add_signal(cls, MethodInfo(name="timeout"))


ClassDB.register_class(SceneTreeTimer)


class SceneTree(MainLoop):
    """The main loop of a program made of nodes: it owns the [member root] node and, once per
    [method idle], processes every node inside it, runs deferred calls, frees the nodes queued
    for deletion and counts its timers down.

    [codeblock]
    tree = SceneTree()
    tree.init()
    tree.root.add_child(node)
    while not tree.idle(1.0 / 60):
        pass  # a real host waits for the next frame here
    tree.finish()
    [/codeblock]
    """

    # The ClassDB property, declared for type checkers; registration installs it. (It reads
    # null only once finish() has freed the root.)
    root: Node

    def __init__(self) -> None:
        super().__init__()
        self._frame = 0
        self._quit = False
        self._initialized = False
        self._finished = False
        self._process_delta = 0.0
        self._delete_queue: list[Node] = []
        self._timers: list[SceneTreeTimer] = []
        root = Node()
        root.set_name("root")
        self._root: Node | None = root
        root._propagate_enter_tree(self)
        root._propagate_ready()

    def _notification(self, what: int) -> None:
        if what == NOTIFICATION_PREDELETE:
            self._main_loop_finish()

    def get_root(self) -> Node | None:
        """Returns [member root]."""
        return self._root

    def get_frame(self) -> int:
        """Returns how many frames [method idle] has run."""
        return self._frame

    def quit(self, exit_code: int = -1) -> None:
        """Ask the loop to end: the current or next [method idle] returns [code]true[/code].
        [code]exit_code[/code] is accepted for the engine's sake.
        """
        self._quit = True

    def create_timer(self, time_sec: float, pause_mode_process: bool = True) -> SceneTreeTimer:
        """Returns a new [SceneTreeTimer] that emits [signal SceneTreeTimer.timeout] once
        [code]time_sec[/code] seconds of frames have passed. The tree keeps it until then.
        [code]pause_mode_process[/code] is accepted for the engine's sake (nothing pauses here).
        """
        timer = SceneTreeTimer()
        timer.set_time_left(time_sec)
        self._timers.append(timer)
        return timer

    def run(
        self,
        until: Callable[[], bool] | None = None,
        timeout: float | None = None,
        fps: float = 60.0,
    ) -> int:
        """Python-only: call ``idle`` with real elapsed deltas, sleeping to ``fps`` (0: frames back
        to back), until ``until()`` is true (checked before the first frame, after each one, so a
        frame that makes it true is not followed by a pause, and after each pause), the tree
        quits, or ``timeout`` seconds pass (``TimeoutError``). Calls ``init`` first if the host
        has not. Returns the number of frames run; ``RuntimeError`` if a frame frees or
        finishes the tree.
        """
        if self._freed or self._finished:
            raise RuntimeError("this SceneTree has finished; make a new one")
        if fps < 0:
            raise ValueError(f"fps must be 0 or more, not {fps}")
        if not self._initialized:
            self.init()
        period = 1.0 / fps if fps > 0 else 0.0
        started = time.monotonic()
        last = started - period
        frames = 0
        if until is not None and until():
            return 0
        while True:
            now = time.monotonic()
            if timeout is not None and now - started >= timeout:
                raise TimeoutError(f"SceneTree.run: not done after {timeout} s ({frames} frames)")
            delta, last = now - last, now
            frames += 1
            if self.idle(delta):
                break
            if self._freed or self._finished:  # a node ended the tree during the frame
                raise RuntimeError(
                    f"SceneTree.run: the tree was ended during run ({frames} frames)"
                )
            if until is not None and until():
                break
            pause = last + period - time.monotonic()
            if timeout is not None:
                pause = min(pause, started + timeout - time.monotonic())
            if pause > 0:
                time.sleep(pause)
                if until is not None and until():
                    break  # it came true meanwhile (another thread, the clock): no more frames
        return frames

    # --- one frame ---

    def _main_loop_init(self) -> None:
        self._initialized = True
        super()._main_loop_init()

    def _main_loop_idle(self, delta: float) -> bool:
        self._process_delta = delta
        super()._main_loop_idle(delta)
        self.emit_signal("idle_frame")
        MessageQueue.flush()
        self._notify_processing(NOTIFICATION_INTERNAL_PROCESS)
        self._notify_processing(NOTIFICATION_PROCESS)
        MessageQueue.flush()
        self._flush_delete_queue()
        self._advance_timers(delta)
        self._frame += 1
        return self._quit

    def _main_loop_finish(self) -> None:
        if self._finished:
            return
        self._finished = True
        super()._main_loop_finish()
        self._flush_delete_queue()
        root, self._root = self._root, None
        if root is not None and not root._freed:
            root._propagate_exit_tree()
            root._propagate_after_exit_tree()
            root.free()
        self._timers.clear()

    def _notify_processing(self, what: int) -> None:
        """Send ``what`` to each node that wants it, in tree order (parents first)."""
        internal = what == NOTIFICATION_INTERNAL_PROCESS
        for node in self._nodes_in_order():
            wants = node._processing_internal if internal else node._processing
            if wants and not node._freed and node._tree is self:
                node.notification(what)

    def _nodes_in_order(self) -> list[Node]:
        found: list[Node] = []
        pending = [self._root] if self._root is not None else []
        while pending:
            node = pending.pop()
            found.append(node)
            pending.extend(reversed(node._children))
        return found

    def _queue_delete(self, node: Node) -> None:
        self._delete_queue.append(node)

    def _flush_delete_queue(self) -> None:
        while self._delete_queue:
            node = self._delete_queue.pop(0)
            if not node._freed:
                node.free()

    def _advance_timers(self, delta: float) -> None:
        for timer in list(self._timers):
            timer._time_left -= delta
            if timer._time_left <= 0:
                self._timers.remove(timer)
                timer.emit_signal("timeout")

    @classmethod
    def _bind_methods(cls) -> None:
        bind = functools.partial(ClassDB.bind_method, cls)
        bind("get_root", const=True)
        bind("get_frame", const=True)
        bind("quit", args=("exit_code",))
        bind("create_timer", args=("time_sec", "pause_mode_process"))
        ClassDB.add_property(
            cls,
            PropertyInfo(name="root", type=VariantType.OBJECT, class_name="Node"),
            "",
            "get_root",
        )
        ClassDB.add_signal(cls, MethodInfo(name="idle_frame"))


ClassDB.register_class(SceneTree)
