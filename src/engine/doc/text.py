"""The plain-text class page, laid out like the seed ``HTTPClient.txt`` (§5.3).

Owns the page's sections and their order, the blank-line rhythm (every line or block is
followed by one blank line, two between the items of sections 9-13), bullets, the two summary
tables and signature lines. Imports ``model``, ``markup`` and ``spelling`` only: the page is a
pure function of a ``ClassDoc``, so the layout can be tested without registering anything.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from .markup import inline_text, text_blocks
from .model import ArgumentDoc, ClassDoc, ConstantDoc, MethodDoc, PropertyDoc, SignalDoc
from .spelling import literal, text_type

BULLET = "  \u2022 "

_T = TypeVar("_T")


class _Page:
    """Lines of the page; ``block`` writes a line (or several) and the blank after it."""

    def __init__(self) -> None:
        self.lines: list[str] = []

    def block(self, text: str) -> None:
        self.lines.append(text)
        self.lines.append("")

    def prose(self, source: str) -> None:
        for block in text_blocks(source):
            self.block(block)

    def section(self, title: str, items: Sequence[_T], write: Callable[[_T], None]) -> None:
        """A titled section of items separated by two blank lines; left out when empty."""
        if not items:
            return
        self.block(title)
        for i, item in enumerate(items):
            if i:
                self.lines.append("")
            write(item)

    def render(self) -> str:
        lines = "\n".join(self.lines).split("\n")
        return "\n".join(line.rstrip() for line in lines).rstrip("\n") + "\n"


def table(rows: Sequence[Sequence[str]]) -> str:
    """Rows of cells padded to the column widths, joined by `` | ``, two spaces in front."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return "\n".join(
        ("  " + " | ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True))).rstrip()
        for row in rows
    )


def argument_text(arg: ArgumentDoc, page: str) -> str:
    """``int port=-1``: the type, the name and the default in literal form."""
    text = f"{text_type(arg.type, page)} {arg.name}"
    if arg.has_default:
        text += "=" + literal(arg.default, arg.type.type)
    return text


def call_text(name: str, arguments: Sequence[ArgumentDoc], page: str, vararg: bool = False) -> str:
    """``name ( <arg>, <arg> )``; ``( )`` without arguments; ``, ...`` ends a vararg list."""
    parts = [argument_text(a, page) for a in arguments]
    if vararg:
        parts.append("...")
    return f"{name} ( {', '.join(parts)} )" if parts else f"{name} ( )"


def signature_tail(method: MethodDoc, page: str) -> str:
    """The signature line without its return type: the Methods table's second cell."""
    text = call_text(method.name, method.arguments, page, method.vararg)
    return f"{text} {method.qualifiers}" if method.qualifiers else text


def return_text(method: MethodDoc, page: str) -> str:
    return text_type(method.returns, page, returning=True)


def signature(method: MethodDoc, page: str) -> str:
    """``Error connect_to_host ( String host, int port=-1, ... )`` plus qualifiers."""
    return f"{return_text(method, page)} {signature_tail(method, page)}"


def property_type(prop: PropertyDoc, page: str) -> str:
    return text_type(prop.type, page)


def constant_line(constant: ConstantDoc) -> str:
    """``  • NAME = value --- text``; the text part is left out when there is none."""
    line = f"{BULLET}{constant.name} = {constant.value}"
    text = " ".join(inline_text(b) for b in text_blocks(constant.description))
    return f"{line} --- {text}" if text else line


def class_text(doc: ClassDoc) -> str:
    """The whole page for ``doc``, ending with one newline."""
    page = _Page()
    name = doc.name
    page.block(name)
    if doc.ancestors:
        page.block("Inherits: " + " < ".join(doc.ancestors))
    if doc.children:
        page.block("Inherited By: " + ", ".join(doc.children))
    page.prose(doc.brief)
    if text_blocks(doc.description):
        page.block("Description")
        page.prose(doc.description)
    methods = doc.documented_methods
    if doc.properties:
        page.block("Properties")
        rows = [
            [
                property_type(p, name),
                p.name,
                literal(p.default, p.type.type) if p.has_default else "",
            ]
            for p in doc.properties
        ]
        page.block(table(rows))
    if methods:
        page.block("Methods")
        page.block(table([[return_text(m, name), signature_tail(m, name)] for m in methods]))

    def write_signal(signal: SignalDoc) -> None:
        page.block(BULLET + call_text(signal.name, signal.arguments, name))
        page.prose(signal.description)

    def write_enum(enum: tuple[str, tuple[str, ...]]) -> None:
        page.block(f"enum {enum[0]}:")
        for constant in doc.constants_of(enum[0]):
            page.block(constant_line(constant))

    def write_property(prop: PropertyDoc) -> None:
        page.block(f"{BULLET}{property_type(prop, name)} {prop.name}")
        if prop.has_default:
            page.block("Default")
            page.block(literal(prop.default, prop.type.type))
        if prop.setter:
            page.block("Setter")
            page.block(f"{prop.setter}(value)")
        if prop.getter:
            page.block("Getter")
            page.block(f"{prop.getter}()")
        page.prose(prop.description)

    def write_method(method: MethodDoc) -> None:
        page.block(BULLET + signature(method, name))
        page.prose(method.description)

    page.section("Signals", doc.signals, write_signal)
    page.section("Enumerations", doc.enums, write_enum)
    plain = doc.constants_of("")
    if plain:
        page.block("Constants")
        for constant in plain:
            page.block(constant_line(constant))
    page.section("Property Descriptions", doc.properties, write_property)
    page.section("Method Descriptions", methods, write_method)
    return page.render()
