"""SceneTree and Timer: a frame's phases in order, timers, run(), finish (httprequest.md §1.2-3)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest

from engine.object_model import ClassDB, MessageQueue, Reference
from engine.scene import MainLoop, Node, SceneTree, SceneTreeTimer, Timer
from support import LogLines

LOG: list[str] = []


class Listener(Reference):
    """A signal target that records what it heard."""

    def heard(self, what: str) -> None:
        LOG.append(what)

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "heard", args=("what",))


ClassDB.register_class(Listener)


class Worker(Node):
    """Processes internally and normally, recording each."""

    def _notification(self, what: int) -> None:
        if what == Node.NOTIFICATION_INTERNAL_PROCESS:
            LOG.append(f"{self.get_name()}:internal")

    def _process(self, delta: float) -> None:
        LOG.append(f"{self.get_name()}:process {delta}")
        self.call_deferred("set_name", self.get_name())  # lands in the flush after processing


@pytest.fixture
def tree() -> Iterator[SceneTree]:
    LOG.clear()
    made = SceneTree()
    made.init()
    yield made
    made.finish()
    made.free()


def test_a_new_tree_has_a_root_inside_it(tree: SceneTree) -> None:
    assert tree.root.get_name() == "root"
    assert tree.root.is_inside_tree()
    assert tree.root.get_tree() is tree
    assert tree.get_frame() == 0


def test_one_frame_runs_its_phases_in_the_engines_order(tree: SceneTree) -> None:
    listener = Listener()
    tree.connect("idle_frame", listener, "heard", ["idle_frame"])
    a, b = Worker(), Worker()
    a.set_name("A")
    b.set_name("B")
    tree.root.add_child(a)
    a.add_child(b)
    b.set_process_internal(True)
    a.set_process_internal(True)
    MessageQueue.push_call(listener, "heard", "deferred")
    timer = tree.create_timer(0.05)
    timer.connect("timeout", listener, "heard", ["timer"])
    doomed = Node()
    tree.root.add_child(doomed)
    doomed.queue_free()
    assert tree.idle(0.05) is False
    assert LOG == [
        "idle_frame",
        "deferred",
        "A:internal",
        "B:internal",
        "A:process 0.05",
        "B:process 0.05",
        "timer",
    ]
    assert doomed.to_string() == "[Deleted Object]"
    assert MessageQueue.pending() == 0  # the calls queued by _process ran in the second flush
    assert tree.get_frame() == 1


def test_defining_process_turns_processing_on_at_ready(tree: SceneTree) -> None:
    worker, plain = Worker(), Node()
    assert not worker.is_processing()
    tree.root.add_child(worker)
    tree.root.add_child(plain)
    assert worker.is_processing()
    assert not plain.is_processing()
    worker.set_process(False)
    tree.idle(0.1)
    assert LOG == []


def test_a_timer_of_the_tree_fires_once_when_its_time_runs_out(tree: SceneTree) -> None:
    listener = Listener()
    timer = tree.create_timer(0.25)
    assert isinstance(timer, SceneTreeTimer)
    timer.connect("timeout", listener, "heard", ["timeout"])
    tree.idle(0.1)
    assert timer.time_left == pytest.approx(0.15)
    tree.idle(0.1)
    assert LOG == []
    tree.idle(0.1)
    tree.idle(0.1)
    assert LOG == ["timeout"]


def test_run_stops_when_until_holds_and_counts_the_frames(tree: SceneTree) -> None:
    frames = tree.run(until=lambda: tree.get_frame() >= 3, fps=0)
    assert frames == 3
    assert tree.run(until=lambda: True) == 0


def test_run_does_not_pause_after_the_frame_that_ends_it(
    tree: SceneTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    pauses: list[float] = []
    monkeypatch.setattr(time, "sleep", pauses.append)
    assert tree.run(until=lambda: tree.get_frame() >= 2, fps=1) == 2
    assert len(pauses) == 1  # between the two frames, none after the last


def test_run_runs_no_frame_after_until_came_true_during_a_pause(
    tree: SceneTree, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A condition that comes true while run() waits for the next frame (another thread, the
    clock) ends the run there, as it does before the first frame."""
    came_true: list[float] = []
    monkeypatch.setattr(time, "sleep", came_true.append)
    assert tree.run(until=lambda: bool(came_true), fps=1) == 1
    assert tree.get_frame() == 1


def test_run_returns_when_until_holds_at_the_timeout(tree: SceneTree) -> None:
    """until() is true by the time the timeout is reached: the run succeeded, no TimeoutError."""
    start = time.monotonic()
    assert tree.run(until=lambda: time.monotonic() - start >= 0.1, timeout=0.1, fps=1) <= 1


def test_run_passes_real_elapsed_deltas(tree: SceneTree) -> None:
    deltas: list[float] = []

    class Clock(Node):
        def _process(self, delta: float) -> None:
            deltas.append(delta)

    tree.root.add_child(Clock())
    tree.run(until=lambda: len(deltas) >= 3, fps=200)
    assert all(d > 0 for d in deltas)


def test_run_raises_timeout_error_when_until_never_holds(tree: SceneTree) -> None:
    with pytest.raises(TimeoutError, match=r"not done after 0\.05 s"):
        tree.run(until=lambda: False, timeout=0.05, fps=100)


def test_run_stops_when_the_tree_quits(tree: SceneTree) -> None:
    class Quitter(Node):
        def _process(self, delta: float) -> None:
            if self.get_tree().get_frame() == 1:
                self.get_tree().quit()

    tree.root.add_child(Quitter())
    assert tree.run(fps=0, timeout=5) == 2


def test_run_refuses_a_finished_tree_and_a_negative_rate() -> None:
    tree = SceneTree()
    with pytest.raises(ValueError, match="fps must be 0 or more"):
        tree.run(fps=-1)
    tree.finish()
    with pytest.raises(RuntimeError, match="has finished"):
        tree.run()
    tree.free()


@pytest.mark.parametrize("ending", ["free", "finish"])
def test_run_stops_with_an_error_when_a_frame_frees_or_finishes_the_tree(
    ending: str, engine_log: LogLines
) -> None:
    """A node ending the tree during a frame: run() says so at once instead of calling the
    ended tree's idle() frame after frame (an error line each) until its timeout, or forever."""
    tree = SceneTree()
    tree.init()

    class Ender(Node):
        def _process(self, delta: float) -> None:
            getattr(self.get_tree(), ending)()

    ender = Ender()
    ender.set_process(True)
    tree.get_root().add_child(ender)
    with pytest.raises(RuntimeError, match="ended during run"):
        tree.run(until=lambda: tree.get_frame() < 0, timeout=5, fps=0)
    assert engine_log.lines == []  # nor is until() asked of the ended tree
    if ending == "finish":
        tree.free()


def test_finish_frees_the_root_and_every_node() -> None:
    tree = SceneTree()
    parent, child = Node(), Node()
    tree.root.add_child(parent)
    parent.add_child(child)
    root = tree.root
    tree.finish()
    assert {n.to_string() for n in (root, parent, child)} == {"[Deleted Object]"}
    assert tree.root is None
    tree.free()


def test_freeing_a_tree_without_finish_frees_its_nodes() -> None:
    tree = SceneTree()
    node = Node()
    tree.root.add_child(node)
    tree.free()
    assert node.to_string() == "[Deleted Object]"


def test_a_main_loop_subclass_answers_through_its_virtual_methods() -> None:
    calls: list[Any] = []

    class Loop(MainLoop):
        def _initialize(self) -> None:
            calls.append("init")

        def _idle(self, delta: float) -> bool:
            calls.append(delta)
            return True

        def _finalize(self) -> None:
            calls.append("finish")

    loop = Loop()
    loop.call("init")
    assert loop.call("idle", 0.5) is True
    loop.finish()
    assert calls == ["init", 0.5, "finish"]
    loop.free()


# --- Timer -----------------------------------------------------------------------------


def _timer(tree: SceneTree, **settings: Any) -> Timer:
    timer = Timer()
    for name, value in settings.items():
        timer.set(name, value)
    listener = Listener()
    timer.set_meta("listener", listener)
    timer.connect("timeout", listener, "heard", ["timeout"])
    tree.root.add_child(timer)
    return timer


def test_a_repeating_timer_fires_each_wait_time(tree: SceneTree) -> None:
    timer = _timer(tree, wait_time=0.3)
    timer.start()
    for _ in range(7):
        tree.idle(0.1)
    assert LOG == ["timeout", "timeout"]
    assert not timer.is_stopped()


def test_a_one_shot_timer_fires_once_and_stops(tree: SceneTree) -> None:
    timer = _timer(tree, wait_time=0.15, one_shot=True)
    timer.start()
    for _ in range(5):
        tree.idle(0.1)
    assert LOG == ["timeout"]
    assert timer.is_stopped()
    assert timer.time_left == 0.0


def test_autostart_starts_the_timer_when_it_becomes_ready(tree: SceneTree) -> None:
    timer = _timer(tree, wait_time=0.15, autostart=True)
    assert not timer.is_stopped()
    assert timer.autostart is False  # the engine turns it off once used
    tree.idle(0.1)
    tree.idle(0.1)
    assert LOG == ["timeout"]


def test_start_with_a_time_sets_wait_time_and_stop_stops(tree: SceneTree) -> None:
    timer = _timer(tree)
    timer.start(0.5)
    assert timer.wait_time == 0.5
    assert timer.time_left == 0.5
    tree.idle(0.2)
    assert timer.time_left == pytest.approx(0.3)
    timer.stop()
    tree.idle(1.0)
    assert LOG == []
    assert timer.is_stopped()


def test_a_paused_timer_keeps_its_time_left(tree: SceneTree) -> None:
    timer = _timer(tree, wait_time=0.2)
    timer.start()
    timer.paused = True
    tree.idle(1.0)
    assert timer.time_left == 0.2
    assert LOG == []
    timer.paused = False
    tree.idle(0.3)
    assert LOG == ["timeout"]


def test_timer_misuse_logs_one_line(engine_log: LogLines, tree: SceneTree) -> None:
    timer = Timer()
    timer.start()
    timer.wait_time = 0
    assert timer.wait_time == 1.0
    assert timer.is_stopped()
    assert engine_log.lines == [
        "ERROR: start: Timer was not added to the SceneTree. Either add it or set autostart to "
        "true.",
        "ERROR: set_wait_time: Time should be greater than zero.",
    ]
    timer.free()


def test_the_registration_matches_the_engines_names() -> None:
    assert ClassDB.get_parent_class("SceneTree") == "MainLoop"
    assert ClassDB.get_parent_class("MainLoop") == "Object"
    assert ClassDB.get_parent_class("SceneTreeTimer") == "Reference"
    assert ClassDB.get_parent_class("Timer") == "Node"
    props = {p["name"]: p for p in ClassDB.class_get_property_list("Timer", True)}
    assert list(props) == ["wait_time", "one_shot", "autostart", "paused", "time_left"]
    assert props["paused"]["usage"] == props["time_left"]["usage"] == 0
    assert ClassDB.class_get_property_setter("SceneTreeTimer", "time_left") == "set_time_left"
    assert ClassDB.class_get_property_getter("SceneTree", "root") == "get_root"
    assert ClassDB.class_has_signal("SceneTree", "idle_frame")
    assert ClassDB.class_has_signal("Timer", "timeout")
    assert ClassDB.class_has_signal("SceneTreeTimer", "timeout")
