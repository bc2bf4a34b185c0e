"""Editor-style views of ClassDB: the class tree and the inspector listing of a class.

Both are built from the script-facing query API only (and, for current values, one fresh
instance), the way an editor would build them. Imports ``engine.object_model`` and rich.
"""

from __future__ import annotations

from typing import Any

from rich.console import Console
from rich.table import Table
from rich.tree import Tree

from engine.object_model import ClassDB, PropertyHint, PropertyUsage
from engine.object_model.variant import type_name


def wide_console() -> Console:
    """A console for tables: the terminal's width, or 150 columns when output is captured."""
    console = Console()
    return console if console.is_terminal else Console(width=150)


def class_tree(root: str = "Object") -> Tree:
    """The registered classes as a tree, children sorted by name."""
    tree = Tree(f"[bold]{root}[/]")

    def grow(node: Tree, name: str) -> None:
        for child in ClassDB.get_class_list():
            if ClassDB.get_parent_class(child) == name:
                grow(node.add(child), child)

    grow(tree, root)
    return tree


def class_summary() -> Table:
    """Every registered class at a glance: parent, counts, and its own properties with defaults."""
    table = Table(title="ClassDB at a glance", title_justify="left")
    for column in ("class", "inherits", "methods", "constants", "signals", "own properties"):
        table.add_column(column)
    for name in ClassDB.get_class_list():
        own = [
            f"{p['name']}: {_type_text(p)} = "
            f"{ClassDB.class_get_property_default_value(name, p['name'])!r}"
            for p in ClassDB.class_get_property_list(name, no_inheritance=True)
            if not p["usage"] & PropertyUsage.GROUP
        ]
        table.add_row(
            name if ClassDB.can_instance(name) else f"{name} (virtual)",
            ClassDB.get_parent_class(name),
            str(len(ClassDB.class_get_method_list(name, no_inheritance=True))),
            str(len(ClassDB.class_get_integer_constant_list(name, no_inheritance=True))),
            str(len(ClassDB.class_get_signal_list(name, no_inheritance=True))),
            "\n".join(own) or "-",
        )
    return table


def _type_text(prop: dict[str, Any]) -> str:
    return str(prop["class_name"]) if prop["class_name"] else type_name(prop["type"])


def _hint_text(prop: dict[str, Any]) -> str:
    hint = PropertyHint(prop["hint"])
    return "" if hint == PropertyHint.NONE else f"{hint.name} {prop['hint_string']}".strip()


def shown_in_editor(prop: dict[str, Any]) -> bool:
    """Whether an editor lists ``prop``: its usage has EDITOR (groups and categories are
    headings, listed when a property under them is)."""
    return bool(prop["usage"] & PropertyUsage.EDITOR)


def _listed(props: list[dict[str, Any]], editor_only: bool) -> list[dict[str, Any]]:
    """``props`` as the listing shows them: with ``editor_only``, what an editor would hide is
    left out, and so is a group heading left with nothing under it."""
    if not editor_only:
        return props
    listed: list[dict[str, Any]] = []
    for prop in props:
        if prop["usage"] & PropertyUsage.GROUP:
            if listed and listed[-1]["usage"] & PropertyUsage.GROUP:
                listed.pop()  # the previous heading had nothing under it
            listed.append(prop)
        elif shown_in_editor(prop):
            listed.append(prop)
    if listed and listed[-1]["usage"] & PropertyUsage.GROUP:
        listed.pop()
    return listed


def inspector(class_name: str, editor_only: bool = True) -> Table:
    """Properties of ``class_name`` grouped by the class that declares them, base first.

    With ``editor_only`` (the default) only what an editor shows is listed: properties whose
    usage has EDITOR. The value column comes from a fresh instance (none for a virtual class);
    the default column from ``ClassDB.class_get_property_default_value``.
    """
    instance = ClassDB.instance(class_name) if ClassDB.can_instance(class_name) else None
    table = Table(title=f"Inspector: {class_name}", title_justify="left")
    for column in ("property", "type", "hint", "value", "default", "setter", "getter"):
        table.add_column(column, no_wrap=True)
    chain = [class_name]
    while parent := ClassDB.get_parent_class(chain[-1]):
        chain.append(parent)
    for name in reversed(chain):
        props = _listed(ClassDB.class_get_property_list(name, no_inheritance=True), editor_only)
        table.add_row(f"[bold cyan]{name}[/]", end_section=not props)
        for prop in props:
            if prop["usage"] & PropertyUsage.GROUP:
                table.add_row(f"[italic]{prop['name']}[/]")
                continue
            value = repr(instance.get(prop["name"])) if instance is not None else "-"
            table.add_row(
                f"  {prop['name']}",
                _type_text(prop),
                _hint_text(prop),
                value,
                repr(ClassDB.class_get_property_default_value(class_name, prop["name"])),
                ClassDB.class_get_property_setter(name, prop["name"]),
                ClassDB.class_get_property_getter(name, prop["name"]),
            )
    if instance is not None and not ClassDB.is_parent_class(class_name, "Reference"):
        instance.free()
    return table
