"""Console entry point ``engine-net``.

Sub-commands: ``classes`` (the class tree) and ``demo`` (for now: the class tree and an
editor-style property listing of every registered class). ``doc``, ``inspect`` and ``fetch``
arrive with later work. Imports ``engine.object_model`` (and ``net`` when it exists); output
goes through rich when it is installed, plain text otherwise.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

import net  # noqa: F401  (importing net registers the network classes)
from engine.object_model import ClassDB, PropertyHint, PropertyUsage, VariantType
from engine.object_model.variant import type_name


def class_tree() -> list[str]:
    """The registered classes as an indented tree, children sorted by name."""
    lines: list[str] = []

    def walk(name: str, depth: int) -> None:
        lines.append("  " * depth + name)
        children = [c for c in ClassDB.get_class_list() if ClassDB.get_parent_class(c) == name]
        for child in children:
            walk(child, depth + 1)

    walk("Object", 0)
    return lines


def _type_text(prop: dict[str, Any]) -> str:
    if prop["type"] == VariantType.OBJECT:
        return str(prop["class_name"] or "Object")
    if prop["class_name"]:
        return str(prop["class_name"])
    return type_name(prop["type"])


def inspector_rows(class_name: str) -> list[tuple[str, str, str, str, str]]:
    """Rows (section, name, type, hint, default) for a class, base first, as an inspector shows."""
    rows: list[tuple[str, str, str, str, str]] = []
    chain = [class_name]
    while (parent := ClassDB.get_parent_class(chain[-1])) != "":
        chain.append(parent)
    for name in reversed(chain):
        rows.append((name, "", "", "", ""))
        for prop in ClassDB.class_get_property_list(name, no_inheritance=True):
            if prop["usage"] & PropertyUsage.GROUP:
                rows.append((f"{name} / {prop['name']}", "", "", "", ""))
                continue
            hint = PropertyHint(prop["hint"])
            hint_text = "" if hint == PropertyHint.NONE else f"{hint.name} {prop['hint_string']}"
            default = ClassDB.class_get_property_default_value(name, prop["name"])
            rows.append(("", prop["name"], _type_text(prop), hint_text.strip(), repr(default)))
    return rows


def _print_demo() -> None:
    print("Registered classes:")
    for line in class_tree():
        print("  " + line)
    for name in ClassDB.get_class_list():
        print(f"\nInspector: {name}")
        for section, prop, type_text, hint, default in inspector_rows(name):
            if section:
                print(f"  [{section}]")
            else:
                print(f"    {prop:<24} {type_text:<14} {hint:<24} default {default}")
        if not ClassDB.class_get_property_list(name):
            print("    (no properties)")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="engine-net", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("classes", help="print the registered class tree")
    sub.add_parser("demo", help="show what the library does")
    for later in ("doc", "inspect", "fetch"):
        sub.add_parser(later, help="not built yet")
    args = parser.parse_args(argv)
    if args.command == "classes":
        print("\n".join(class_tree()))
    elif args.command == "demo":
        _print_demo()
    else:
        print(f"engine-net {args.command}: not built yet", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
