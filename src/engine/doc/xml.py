"""The class reference XML file, ``doc/classes/<Class>.xml`` in the engine's 3.5 form (§5.1).

Owns the element order, tab indentation, the 3.4+ self-closing tags, the ``qualifiers`` and
``enum`` attributes, the two escaping rules (attributes escape ``& < > " '``, text ``& < >``)
and the text-block layout. Written line by line rather than through ``xml.etree`` because the
engine's exact layout (attribute order, ``<tag />`` with a space, empty text blocks on two
lines) is part of the contract. Imports ``model`` and ``spelling`` only.
"""

from __future__ import annotations

from .model import ArgumentDoc, ClassDoc, MethodDoc
from .spelling import TypeRef, literal, xml_type

HEADER = '<?xml version="1.0" encoding="UTF-8" ?>'
VERSION = "3.5"
SCHEMA = (
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:noNamespaceSchemaLocation="../class.xsd"'
)

_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;"})
_ATTRIBUTE_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&apos;"}
)


def escape_text(text: str) -> str:
    return text.translate(_TEXT_ESCAPES)


def escape_attribute(value: str) -> str:
    return value.translate(_ATTRIBUTE_ESCAPES)


def _attributes(pairs: list[tuple[str, str]]) -> str:
    return "".join(f' {key}="{escape_attribute(value)}"' for key, value in pairs)


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def line(self, depth: int, text: str) -> None:
        self.lines.append("\t" * depth + text)

    def text_block(self, depth: int, opening: str, closing: str, source: str) -> None:
        """Opening tag, the trimmed text one tab deeper on every non-empty line, closing tag."""
        self.line(depth, opening)
        for text in source.strip().splitlines():
            self.lines.append("\t" * (depth + 1) + escape_text(text) if text.strip() else "")
        self.line(depth, closing)


def _typed(ref: TypeRef, returning: bool = False) -> list[tuple[str, str]]:
    type_name, enum = xml_type(ref, returning)
    return [("type", type_name)] + ([("enum", enum)] if enum else [])


def _argument(index: int, arg: ArgumentDoc, with_default: bool = True) -> str:
    pairs = [("index", str(index)), ("name", arg.name), *_typed(arg.type)]
    if with_default and arg.has_default:
        pairs.append(("default", literal(arg.default, arg.type.type)))
    return f"<argument{_attributes(pairs)} />"


def _method(out: _Writer, method: MethodDoc) -> None:
    pairs = [("name", method.name)]
    if method.qualifiers:
        pairs.append(("qualifiers", method.qualifiers))
    out.line(2, f"<method{_attributes(pairs)}>")
    out.line(3, f"<return{_attributes(_typed(method.returns, returning=True))} />")
    for i, arg in enumerate(method.arguments):
        out.line(3, _argument(i, arg))
    out.text_block(3, "<description>", "</description>", method.description)
    out.line(2, "</method>")


def class_xml_text(doc: ClassDoc) -> str:
    """The whole XML file for ``doc``: LF line ends and a newline at the end."""
    out = _Writer()
    out.lines.append(HEADER)
    root = [("name", doc.name)] + ([("inherits", doc.parent)] if doc.parent else [])
    root.append(("version", VERSION))
    out.line(0, f"<class{_attributes(root)} {SCHEMA}>")
    out.text_block(1, "<brief_description>", "</brief_description>", doc.brief)
    out.text_block(1, "<description>", "</description>", doc.description)
    out.line(1, "<tutorials>")
    out.line(1, "</tutorials>")
    out.line(1, "<methods>")
    for method in doc.documented_methods:
        _method(out, method)
    out.line(1, "</methods>")
    if doc.properties:
        out.line(1, "<members>")
        for prop in doc.properties:
            pairs = [("name", prop.name), ("type", xml_type(prop.type)[0])]
            pairs += [("setter", prop.setter), ("getter", prop.getter)]
            if prop.type.enum:
                pairs.append(("enum", prop.type.enum))
            if prop.has_default:
                pairs.append(("default", literal(prop.default, prop.type.type)))
            out.text_block(2, f"<member{_attributes(pairs)}>", "</member>", prop.description)
        out.line(1, "</members>")
    if doc.signals:
        out.line(1, "<signals>")
        for signal in doc.signals:
            out.line(2, f"<signal{_attributes([('name', signal.name)])}>")
            for i, arg in enumerate(signal.arguments):
                out.line(3, _argument(i, arg, with_default=False))
            out.text_block(3, "<description>", "</description>", signal.description)
            out.line(2, "</signal>")
        out.line(1, "</signals>")
    out.line(1, "<constants>")
    for constant in doc.constants:
        pairs = [("name", constant.name), ("value", str(constant.value))]
        if constant.enum:
            pairs.append(("enum", constant.enum))
        out.text_block(2, f"<constant{_attributes(pairs)}>", "</constant>", constant.description)
    out.line(1, "</constants>")
    out.line(0, "</class>")
    return "\n".join(out.lines) + "\n"
