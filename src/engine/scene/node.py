"""``Node``: a named object in a tree of objects, told when it enters, leaves and is processed.

Owns the parent/child links, unique sibling names, the enter/ready/exit propagation in the
engine's order, the process flags and ``queue_free``. The tree that drives frames is
``engine.scene.scene_tree``; a node only asks its tree for the frame's delta and to queue
deletions. Imports ``engine.object_model`` only.
"""

from __future__ import annotations

import functools
import logging
import re
from typing import TYPE_CHECKING, Any, Final

from engine.object_model import (
    ArgumentInfo,
    ClassDB,
    MessageQueue,
    MethodInfo,
    Object,
    PropertyInfo,
    PropertyUsage,
    VariantType,
)
from engine.object_model.errors import err_print, fail_cond
from engine.object_model.object import NOTIFICATION_PREDELETE

if TYPE_CHECKING:
    from engine.scene.scene_tree import SceneTree

logger: Final = logging.getLogger("engine.scene")

NOTIFICATION_ENTER_TREE: Final = 10
NOTIFICATION_EXIT_TREE: Final = 11
NOTIFICATION_READY: Final = 13
NOTIFICATION_PROCESS: Final = 17
NOTIFICATION_INTERNAL_PROCESS: Final = 25

#: Characters a node name may not hold; the engine strips them (``String::validate_node_name``).
_INVALID_NAME_CHARACTERS: Final = re.compile(r'[.:@/"%]')
_TRAILING_NUMBER: Final = re.compile(r"^(.*?)(\d+)$")


class Node(Object):
    """A named member of a scene tree: the base of everything that lives in one.

    A node has one parent and any number of ordered children. Once the tree's root is among its
    ancestors it is inside the tree: it gets [constant NOTIFICATION_ENTER_TREE], its
    [code]_enter_tree[/code] method runs and [signal tree_entered] is emitted, parents before
    children; then [constant NOTIFICATION_READY] ([code]_ready[/code], [signal ready]) comes
    children first, once in the node's life. Leaving goes children first.

    While inside a tree a node can be processed once per frame: [method set_process] turns on
    [constant NOTIFICATION_PROCESS] and the [code]_process(delta)[/code] method (on by itself for
    a class that defines [code]_process[/code]), [method set_process_internal] the internal
    notification that built-in nodes use. A node is not reference counted: [method free] or
    [method queue_free] deletes it, and its children with it.
    """

    name: str  # the ClassDB property, declared for type checkers

    def __init__(self) -> None:
        super().__init__()
        self._name = self._class_info.name
        self._parent: Node | None = None
        self._children: list[Node] = []
        self._tree: SceneTree | None = None
        self._ready_done = False
        self._processing = False
        self._processing_internal = False
        self._queued = False

    def _notification(self, what: int) -> None:
        if what == NOTIFICATION_READY:
            if callable(getattr(self, "_process", None)):
                self.set_process(True)
            hook = getattr(self, "_ready", None)
            if callable(hook):
                hook()
        elif what == NOTIFICATION_PROCESS:
            hook = getattr(self, "_process", None)
            if callable(hook) and self._tree is not None:
                hook(self._tree._process_delta)
        elif what == NOTIFICATION_PREDELETE:
            if self._parent is not None:
                self._parent.remove_child(self)
            while self._children:  # the last first, as the engine deletes them
                self._children[-1].free()

    # --- name ---

    def set_name(self, name: str) -> None:
        """The node's name, unique among its siblings: a clashing name gets a number appended
        ([code]Node[/code], [code]Node2[/code], [code]Node3[/code]...). The characters
        [code]. : @ / " %[/code] are removed; a name left empty is refused with an error.
        """
        valid = _INVALID_NAME_CHARACTERS.sub("", name)
        if not valid:
            fail_cond("set_name", 'name == ""', log=logger)
            return
        self._name = valid
        if self._parent is not None:
            self._name = self._parent._unique_child_name(valid, self)

    def get_name(self) -> str:
        """Returns [member name]."""
        return self._name

    def _unique_child_name(self, wanted: str, child: Node) -> str:
        taken = {c._name for c in self._children if c is not child}
        if wanted not in taken:
            return wanted
        match = _TRAILING_NUMBER.match(wanted)
        base, number = (match.group(1), int(match.group(2)) + 1) if match else (wanted, 2)
        while f"{base}{number}" in taken:
            number += 1
        return f"{base}{number}"

    # --- the tree ---

    def add_child(self, node: Node | None, legible_unique_name: bool = False) -> None:
        """Add [code]node[/code] as the last child. Its name is made unique among the children;
        [code]legible_unique_name[/code] is accepted for the engine's sake (names are always
        legible here). If this node is inside a tree, [code]node[/code] and its children enter
        it now. A node that already has a parent, this node itself or one of its ancestors is
        refused with an error.
        """
        if node is None:
            fail_cond("add_child", "!p_child", log=logger)
            return
        if node is self:
            err_print("add_child", f"Can't add child '{node._name}' to itself.", logger)
            return
        if node._parent is not None:
            err_print(
                "add_child",
                f"Can't add child '{node._name}' to '{self._name}', already has a parent "
                f"'{node._parent._name}'.",
                logger,
            )
            return
        if node.is_a_parent_of(self):
            err_print(
                "add_child",
                f"Can't add child '{node._name}' to '{self._name}' as it would result in a "
                f"cyclic dependency since '{node._name}' is already a parent of '{self._name}'.",
                logger,
            )
            return
        node._name = self._unique_child_name(node._name, node)
        self._children.append(node)
        node._parent = self
        if self._tree is not None:
            node._propagate_enter_tree(self._tree)
            node._propagate_ready()

    def remove_child(self, node: Node | None) -> None:
        """Remove the child [code]node[/code] (it leaves the tree first, if inside one); it is
        not freed. A node that is not a child is refused with an error.
        """
        if node is None:
            fail_cond("remove_child", "!p_child", log=logger)
            return
        if node._parent is not self or node not in self._children:
            fail_cond("remove_child", "idx == -1", log=logger)
            return
        was_inside = node._tree is not None
        if was_inside:
            node._propagate_exit_tree()
        self._children.remove(node)
        node._parent = None
        if was_inside:
            node._propagate_after_exit_tree()

    def get_child(self, idx: int) -> Node | None:
        """Returns the child at index [code]idx[/code] (negative counts from the end), or
        [code]null[/code] and an error when there is none.
        """
        count = len(self._children)
        if idx < 0:
            idx += count
        if idx < 0 or idx >= count:
            err_print(
                "get_child",
                f"Index p_index = {idx} is out of bounds (data.children.size() = {count}).",
                logger,
            )
            return None
        return self._children[idx]

    def get_child_count(self) -> int:
        """Returns how many children the node has."""
        return len(self._children)

    def get_children(self) -> list[Any]:
        """Returns the children, in order, as a new array."""
        return list(self._children)

    def get_parent(self) -> Node | None:
        """Returns the parent, or [code]null[/code] for a node without one."""
        return self._parent

    def is_a_parent_of(self, node: Node | None) -> bool:
        """Returns [code]true[/code] if [code]node[/code] is a descendant of this node."""
        ancestor = node._parent if node is not None else None
        while ancestor is not None:
            if ancestor is self:
                return True
            ancestor = ancestor._parent
        return False

    def is_inside_tree(self) -> bool:
        """Returns [code]true[/code] while the node is in a [SceneTree]."""
        return self._tree is not None

    def get_tree(self) -> Any:  # SceneTree | None; the tree module imports this one
        """Returns the [SceneTree] the node is in, or [code]null[/code] outside a tree."""
        return self._tree

    def _propagate_enter_tree(self, tree: SceneTree) -> None:
        self._tree = tree
        self.notification(NOTIFICATION_ENTER_TREE)
        hook = getattr(self, "_enter_tree", None)
        if callable(hook):
            hook()
        self.emit_signal("tree_entered")
        for child in list(self._children):
            if child._parent is self:
                child._propagate_enter_tree(tree)

    def _propagate_ready(self) -> None:
        for child in list(self._children):
            if child._parent is self and child._tree is not None:
                child._propagate_ready()
        if not self._ready_done and self._tree is not None:
            self._ready_done = True
            self.notification(NOTIFICATION_READY)
            self.emit_signal("ready")

    def _propagate_exit_tree(self) -> None:
        for child in reversed(list(self._children)):
            if child._tree is not None:
                child._propagate_exit_tree()
        hook = getattr(self, "_exit_tree", None)
        if callable(hook):
            hook()
        self.emit_signal("tree_exiting")
        self.notification(NOTIFICATION_EXIT_TREE, True)
        self._tree = None

    def _propagate_after_exit_tree(self) -> None:
        for child in list(self._children):
            child._propagate_after_exit_tree()
        self.emit_signal("tree_exited")

    # --- processing ---

    def set_process(self, enable: bool) -> None:
        """If [code]true[/code], the node gets [constant NOTIFICATION_PROCESS] and its
        [code]_process(delta)[/code] method runs once per frame while it is inside a tree.
        """
        self._processing = bool(enable)

    def is_processing(self) -> bool:
        """Returns [code]true[/code] if processing is on (see [method set_process])."""
        return self._processing

    def set_process_internal(self, enable: bool) -> None:
        """If [code]true[/code], the node gets [constant NOTIFICATION_INTERNAL_PROCESS] once per
        frame while inside a tree, before any node's ordinary processing. Built-in nodes
        ([Timer], [HTTPRequest]) work through it; scripts rarely need it.
        """
        self._processing_internal = bool(enable)

    def is_processing_internal(self) -> bool:
        """Returns [code]true[/code] if internal processing is on."""
        return self._processing_internal

    def get_process_delta_time(self) -> float:
        """Returns the seconds the current frame stands for, as given to [code]_process[/code];
        0 outside a tree.
        """
        return self._tree._process_delta if self._tree is not None else 0.0

    # --- freeing ---

    def queue_free(self) -> None:
        """Free the node at the end of the current frame, after processing: inside a tree, its
        tree frees it during its next [method SceneTree.idle] (or the current one); outside a
        tree, at the next message queue flush. Calling it again changes nothing.
        """
        if self._queued:
            return
        self._queued = True
        if self._tree is not None:
            self._tree._queue_delete(self)
        else:
            MessageQueue.push_call(self, "free")

    def _queued_for_deletion(self) -> bool:
        return self._queued

    @classmethod
    def _bind_methods(cls) -> None:
        bind = functools.partial(ClassDB.bind_method, cls)
        node = ArgumentInfo(name="node", type=VariantType.OBJECT, class_name="Node")
        bind("add_child", args=(node, "legible_unique_name"), defaults=(False,))
        bind("remove_child", args=(node,))
        bind("get_child_count", const=True)
        bind("get_children", const=True)
        bind("get_child", args=("idx",), const=True)
        bind("get_parent", const=True)
        bind("is_a_parent_of", args=(node,), const=True)
        bind("is_inside_tree", const=True)
        bind("set_name", args=("name",))
        bind("get_name", const=True)
        bind("set_process", args=("enable",))
        bind("is_processing", const=True)
        bind("get_process_delta_time", const=True)
        bind("set_process_internal", args=("enable",))
        bind("is_processing_internal", const=True)
        bind(
            "get_tree",
            const=True,
            returns=PropertyInfo(name="", type=VariantType.OBJECT, class_name="SceneTree"),
        )
        bind("queue_free")
        ClassDB.add_property(
            cls,
            PropertyInfo(name="name", type=VariantType.STRING, usage=PropertyUsage(0)),
            "set_name",
            "get_name",
        )
        for signal in ("ready", "tree_entered", "tree_exiting", "tree_exited"):
            ClassDB.add_signal(cls, MethodInfo(name=signal))
        for name, value in (
            ("NOTIFICATION_ENTER_TREE", NOTIFICATION_ENTER_TREE),
            ("NOTIFICATION_EXIT_TREE", NOTIFICATION_EXIT_TREE),
            ("NOTIFICATION_READY", NOTIFICATION_READY),
            ("NOTIFICATION_PROCESS", NOTIFICATION_PROCESS),
            ("NOTIFICATION_INTERNAL_PROCESS", NOTIFICATION_INTERNAL_PROCESS),
        ):
            ClassDB.bind_integer_constant(cls, "", name, value)


ClassDB.register_class(Node)
