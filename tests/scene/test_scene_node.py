"""Node: names, tree links, the enter/ready/exit order, misuse, freeing (httprequest.md §1.1)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from engine.object_model import ClassDB, MessageQueue, Object
from engine.scene import Node, SceneTree
from support import LogLines

EVENTS: list[str] = []


class Traced(Node):
    """Records every hook, notification and signal of the tree life, by name."""

    def __init__(self) -> None:
        super().__init__()
        for signal in ("tree_entered", "tree_exiting", "tree_exited", "ready"):
            self.connect(signal, self, "on_signal", [signal])

    def _notification(self, what: int) -> None:
        names = {10: "ENTER_TREE", 11: "EXIT_TREE", 13: "READY"}
        if what in names:
            EVENTS.append(f"{self.get_name()}:{names[what]}")

    def _enter_tree(self) -> None:
        EVENTS.append(f"{self.get_name()}:_enter_tree")

    def _exit_tree(self) -> None:
        EVENTS.append(f"{self.get_name()}:_exit_tree")

    def _ready(self) -> None:
        EVENTS.append(f"{self.get_name()}:_ready")

    def on_signal(self, signal: str) -> None:
        EVENTS.append(f"{self.get_name()}:{signal}")

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "on_signal", args=("signal",))


ClassDB.register_class(Traced)


@pytest.fixture
def tree() -> Iterator[SceneTree]:
    EVENTS.clear()
    made = SceneTree()
    made.init()
    yield made
    made.finish()
    made.free()


def named(name: str, cls: type[Node] = Node) -> Node:
    node = cls()
    node.set_name(name)
    return node


def test_a_new_node_is_named_after_its_class_and_siblings_get_numbers() -> None:
    parent = Node()
    children = [Node() for _ in range(3)]
    for child in children:
        parent.add_child(child)
    assert parent.get_name() == "Node"
    assert [c.name for c in children] == ["Node", "Node2", "Node3"]
    children[2].set_name("Node")  # renaming into a clash counts on from the number
    assert children[2].name == "Node3"
    children[1].set_name("Item7")
    other = named("Item7")
    parent.add_child(other)
    assert other.name == "Item8"
    parent.free()


def test_a_name_loses_forbidden_characters_and_an_empty_one_is_refused(
    engine_log: LogLines,
) -> None:
    node = named('a.b:c@d/e"f%g')
    assert node.name == "abcdefg"
    engine_log.clear()
    node.set_name("./")
    assert node.name == "abcdefg"
    assert engine_log.lines == ['ERROR: set_name: Condition "name == """ is true.']
    node.free()


def test_the_tree_links_are_answered_from_both_ends(tree: SceneTree) -> None:
    parent, child = Node(), Node()
    parent.add_child(child)
    assert not parent.is_inside_tree()
    assert parent.get_tree() is None
    tree.root.add_child(parent)
    assert child.is_inside_tree()
    assert child.get_tree() is tree
    assert tree.root.get_child(0) is parent
    assert parent.get_child(-1) is child
    assert parent.get_children() == [child]
    assert child.get_parent() is parent
    assert tree.root.is_a_parent_of(child)
    assert not child.is_a_parent_of(parent)
    parent.remove_child(child)
    assert child.get_parent() is None
    assert not child.is_inside_tree()
    assert parent.get_child_count() == 0
    child.free()


def test_entering_goes_parents_first_and_ready_children_first(tree: SceneTree) -> None:
    parent = named("P", Traced)
    parent.add_child(named("A", Traced))
    parent.add_child(named("B", Traced))
    tree.root.add_child(parent)
    enter = ["ENTER_TREE", "_enter_tree", "tree_entered"]
    ready = ["_ready", "READY", "ready"]  # Node runs _ready inside its own READY handler
    assert [
        *(f"{n}:{e}" for n in "PAB" for e in enter),
        *(f"{n}:{e}" for n in "ABP" for e in ready),
    ] == EVENTS


def test_leaving_goes_children_first_and_tree_exited_comes_after_every_exit(
    tree: SceneTree,
) -> None:
    parent = named("P", Traced)
    parent.add_child(named("A", Traced))
    parent.add_child(named("B", Traced))
    tree.root.add_child(parent)
    EVENTS.clear()
    tree.root.remove_child(parent)
    leave = ["_exit_tree", "tree_exiting", "EXIT_TREE"]
    assert [
        *(f"{n}:{e}" for n in "BAP" for e in leave),
        "A:tree_exited",
        "B:tree_exited",
        "P:tree_exited",
    ] == EVENTS
    parent.free()


def test_ready_comes_once_in_a_nodes_life(tree: SceneTree) -> None:
    node = named("N", Traced)
    tree.root.add_child(node)
    tree.root.remove_child(node)
    EVENTS.clear()
    tree.root.add_child(node)
    assert EVENTS == ["N:ENTER_TREE", "N:_enter_tree", "N:tree_entered"]


@pytest.mark.parametrize("case", ["has_parent", "itself", "descendant", "not_a_child", "null"])
def test_misuse_of_the_tree_logs_one_line_and_changes_nothing(
    engine_log: LogLines, case: str
) -> None:
    top, middle, leaf, stranger = named("Top"), named("Middle"), named("Leaf"), named("Other")
    top.add_child(middle)
    middle.add_child(leaf)
    engine_log.clear()
    expected = {
        "has_parent": "ERROR: add_child: Can't add child 'Leaf' to 'Other', already has a "
        "parent 'Middle'.",
        "itself": "ERROR: add_child: Can't add child 'Top' to itself.",
        "descendant": "ERROR: add_child: Can't add child 'Top' to 'Leaf' as it would result in "
        "a cyclic dependency since 'Top' is already a parent of 'Leaf'.",
        "not_a_child": 'ERROR: remove_child: Condition "idx == -1" is true.',
        "null": 'ERROR: add_child: Condition "!p_child" is true.',
    }[case]
    if case == "has_parent":
        stranger.add_child(leaf)
    elif case == "itself":
        top.add_child(top)
    elif case == "descendant":
        leaf.add_child(top)
    elif case == "not_a_child":
        top.remove_child(leaf)
    else:
        top.add_child(None)
    assert engine_log.lines == [expected]
    assert top.get_children() == [middle]
    assert middle.get_children() == [leaf]
    assert leaf.get_parent() is middle
    assert top.get_parent() is None
    assert stranger.get_child_count() == 0
    top.free()
    stranger.free()


def test_get_child_out_of_range_logs_and_answers_null(engine_log: LogLines) -> None:
    node = Node()
    assert node.get_child(0) is None
    assert engine_log.lines == [
        "ERROR: get_child: Index p_index = 0 is out of bounds (data.children.size() = 0)."
    ]
    node.free()


def test_freeing_a_node_removes_it_from_its_parent_and_frees_its_children(
    tree: SceneTree,
) -> None:
    parent, child, grandchild = Node(), Node(), Node()
    tree.root.add_child(parent)
    parent.add_child(child)
    child.add_child(grandchild)
    parent.free()
    assert tree.root.get_child_count() == 0
    assert child.to_string() == grandchild.to_string() == "[Deleted Object]"


def test_queue_free_in_a_tree_frees_after_processing_of_that_frame(tree: SceneTree) -> None:
    seen: list[Any] = []

    class Doomed(Node):
        def _process(self, delta: float) -> None:
            seen.append(self.is_queued_for_deletion())
            self.queue_free()

    node = Doomed()
    tree.root.add_child(node)
    tree.idle(0.01)
    assert seen == [False]
    assert node.to_string() == "[Deleted Object]"
    assert tree.root.get_child_count() == 0


def test_queue_free_outside_a_tree_waits_for_the_message_queue() -> None:
    node = Node()
    node.queue_free()
    assert node.is_queued_for_deletion()
    assert node.call("is_queued_for_deletion") is True  # by name too
    assert node.to_string() != "[Deleted Object]"
    MessageQueue.flush()
    assert node.to_string() == "[Deleted Object]"


def test_a_plain_object_is_never_queued_for_deletion() -> None:
    obj = Object()
    assert obj.is_queued_for_deletion() is False
    obj.free()


def test_the_registration_matches_the_engines_names() -> None:
    assert ClassDB.get_parent_class("Node") == "Object"
    assert not ClassDB.is_parent_class("Node", "Reference")
    signals = {s["name"] for s in ClassDB.class_get_signal_list("Node", True)}
    assert signals == {"ready", "tree_entered", "tree_exiting", "tree_exited"}
    constants = {
        name: ClassDB.class_get_integer_constant("Node", name)
        for name in ClassDB.class_get_integer_constant_list("Node", True)
    }
    assert constants == {
        "NOTIFICATION_ENTER_TREE": 10,
        "NOTIFICATION_EXIT_TREE": 11,
        "NOTIFICATION_READY": 13,
        "NOTIFICATION_PROCESS": 17,
        "NOTIFICATION_INTERNAL_PROCESS": 25,
    }
    (name,) = [p for p in ClassDB.class_get_property_list("Node", True) if p["name"] == "name"]
    assert name["usage"] == 0
    add_child = [m for m in ClassDB.class_get_method_list("Node", True) if m["name"] == "add_child"]
    assert [a["name"] for a in add_child[0]["args"]] == ["node", "legible_unique_name"]
    assert add_child[0]["default_args"] == [False]
