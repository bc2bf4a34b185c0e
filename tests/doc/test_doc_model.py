"""A registered probe class through all three writers: signals, an enum-typed property,
plain constants, vararg and hidden methods, container defaults, escaping and codeblocks."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from enum import IntEnum
from typing import Annotated, Any, ClassVar

import pytest

from engine.doc import UnknownClassError, api_json, class_page, class_xml
from engine.doc.model import class_doc
from engine.object_model import (
    ArgumentInfo,
    ClassDB,
    MethodInfo,
    PropertyInfo,
    PropertyUsage,
    Reference,
    VariantType,
)

ENUM_USAGE = PropertyUsage.DEFAULT | PropertyUsage.CLASS_IS_ENUM


class DocProbe(Reference):
    """A probe for the [b]class reference[/b] writers.

    Its description links [url=https://example.com/?a=1&b=2]a page[/url] and compares
    a < b & c > d in prose.

    [codeblock]
    if a < b:
        print("[not a tag]")
    [/codeblock]
    """

    class Mode(IntEnum):
        MODE_OFF = 0
        MODE_ON = 1

    _constant_docs: ClassVar[dict[str, str]] = {
        "MODE_ON": "Switched [i]on[/i].",
        "LIMIT": "The largest [code]factor[/code].",
    }
    _signal_docs: ClassVar[dict[str, str]] = {"changed": "Sent when [member mode] changes."}

    def __init__(self) -> None:
        super().__init__()
        self._mode = 0

    def set_mode(self, mode: DocProbe.Mode) -> None:
        """The [enum Mode] the probe is in."""
        self._mode = int(mode)

    def get_mode(self) -> Annotated[int, Mode]:
        return self._mode

    def scale(
        self,
        factor: float = 1.5,
        names: list[str] | None = None,
        tags: dict[str, Any] | None = None,
        raw: bytes = b"",
    ) -> float:
        """Scale by [code]factor[/code]."""
        return factor

    def log(self, prefix: str, *rest: Any) -> None:
        """Log [code]prefix[/code] and the rest."""

    def _hidden(self) -> None:
        """Not in the XML or on the page."""

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "set_mode", args=("mode",))
        ClassDB.bind_method(cls, "get_mode", const=True)
        names = ArgumentInfo(name="names", type=VariantType.POOL_STRING_ARRAY)
        tags = ArgumentInfo(name="tags", type=VariantType.DICTIONARY)
        ClassDB.bind_method(
            cls, "scale", args=("factor", names, tags, "raw"), defaults=(1.5, [], {}, b"")
        )
        ClassDB.bind_vararg_method(cls, "log", args=("prefix",))
        ClassDB.bind_method(cls, "_hidden")
        ClassDB.add_property(
            cls, PropertyInfo(name="mode", type=VariantType.INT), "set_mode", "get_mode"
        )
        mode = ArgumentInfo(name="mode", type=VariantType.INT, class_name="DocProbe.Mode",
                            usage=ENUM_USAGE)  # fmt: skip
        who = ArgumentInfo(name="who", type=VariantType.OBJECT, class_name="Object")
        ClassDB.add_signal(cls, MethodInfo(name="changed", args=(mode, who)))
        ClassDB.add_signal(cls, MethodInfo(name="bare"))
        ClassDB.bind_enum(cls, cls.Mode)
        ClassDB.bind_integer_constant(cls, "", "LIMIT", 8)


ClassDB.register_class(DocProbe)


def test_model_reads_classdb_and_docstrings() -> None:
    doc = class_doc("DocProbe")
    assert doc.ancestors == ("Reference", "Object")
    assert doc.brief == "A probe for the [b]class reference[/b] writers."
    assert [m.name for m in doc.methods] == ["_hidden", "get_mode", "log", "scale", "set_mode"]
    assert [m.name for m in doc.documented_methods] == ["log", "scale"]
    (prop,) = doc.properties
    assert (prop.name, prop.type.enum, prop.default, prop.description) == (
        "mode",
        "DocProbe.Mode",
        0,
        "The [enum Mode] the probe is in.",
    )
    assert [(c.name, c.enum) for c in doc.constants] == [
        ("MODE_OFF", "Mode"),
        ("MODE_ON", "Mode"),
        ("LIMIT", ""),
    ]
    assert doc.constants[0].description == ""
    assert [s.name for s in doc.signals] == ["bare", "changed"]
    with pytest.raises(UnknownClassError):
        class_doc("NoSuchDocClass")


def test_probe_text_page() -> None:
    page = class_page("DocProbe")
    assert "Inherits: Reference < Object\n\nA probe for the class reference writers.\n" in page
    assert "links a page (https://example.com/?a=1&b=2) and compares a < b & c > d" in page
    assert '\n\nif a < b:\n    print("[not a tag]")\n\n' in page
    assert "Properties\n\n  Mode | mode | 0\n" in page
    assert (
        "Methods\n\n"
        "  void  | log ( String prefix, ... ) vararg\n"
        "  float | scale ( float factor=1.5, PoolStringArray names=PoolStringArray(  ), "
        "Dictionary tags={}, PoolByteArray raw=PoolByteArray(  ) )\n"
    ) in page
    assert (
        "Signals\n\n  • bare ( )\n\n\n  • changed ( Mode mode, Object who )\n\n"
        "Sent when mode changes.\n\n"
        "Enumerations\n\nenum Mode:\n\n  • MODE_OFF = 0\n\n  • MODE_ON = 1 --- Switched on.\n\n"
        "Constants\n\n  • LIMIT = 8 --- The largest factor.\n\n"
        "Property Descriptions\n\n  • Mode mode\n\nDefault\n\n0\n\nSetter\n\nset_mode(value)"
        "\n\nGetter\n\nget_mode()\n\nThe Mode the probe is in.\n\n"
        "Method Descriptions\n\n  • void log ( String prefix, ... ) vararg\n\n"
    ) in page
    assert "_hidden" not in page


def test_probe_xml() -> None:
    text = class_xml("DocProbe")
    root = ET.fromstring(text.encode("utf-8"))
    assert [c.tag for c in root] == [
        "brief_description",
        "description",
        "tutorials",
        "methods",
        "members",
        "signals",
        "constants",
    ]
    assert "\t\tIts description links [url=https://example.com/?a=1&amp;b=2]a page[/url] " in text
    assert "compares a &lt; b &amp; c &gt; d in prose." in text
    assert '\t\tif a &lt; b:\n\t\t    print("[not a tag]")\n' in text
    assert (
        '\t\t<member name="mode" type="int" setter="set_mode" getter="get_mode" '
        'enum="DocProbe.Mode" default="0">\n\t\t\tThe [enum Mode] the probe is in.\n\t\t</member>'
    ) in text
    assert (
        '\t\t<signal name="bare">\n\t\t\t<description>\n\t\t\t</description>\n\t\t</signal>\n'
        '\t\t<signal name="changed">\n'
        '\t\t\t<argument index="0" name="mode" type="int" enum="DocProbe.Mode" />\n'
        '\t\t\t<argument index="1" name="who" type="Object" />\n'
    ) in text
    assert '\t\t<method name="log" qualifiers="vararg">\n\t\t\t<return type="void" />\n' in text
    names = 'name="names" type="PoolStringArray" default="PoolStringArray(  )" />'
    assert '<argument index="1" ' + names in text
    assert '<argument index="2" name="tags" type="Dictionary" default="{}" />' in text
    assert '<constant name="MODE_OFF" value="0" enum="Mode">\n\t\t</constant>' in text
    assert '<constant name="LIMIT" value="8">\n\t\t\tThe largest [code]factor[/code].\n' in text
    assert root.find("methods/method[@name='_hidden']") is None
    assert root.find("methods/method[@name='set_mode']") is None


def test_probe_api_json() -> None:
    entry = next(c for c in json.loads(api_json()) if c["name"] == "DocProbe")
    assert entry["constants"] == {"LIMIT": 8, "MODE_OFF": 0, "MODE_ON": 1}
    assert entry["enums"] == [{"name": "Mode", "values": {"MODE_OFF": 0, "MODE_ON": 1}}]
    assert entry["properties"][0]["type"] == "enum.DocProbe::Mode"
    assert entry["signals"] == [
        {"name": "bare", "arguments": []},
        {
            "name": "changed",
            "arguments": [
                {"name": "mode", "type": "int", "has_default_value": False, "default_value": ""},
                {"name": "who", "type": "Object", "has_default_value": False, "default_value": ""},
            ],
        },
    ]
    methods = {m["name"]: m for m in entry["methods"]}
    assert list(methods) == ["_hidden", "get_mode", "log", "scale", "set_mode"]
    assert methods["_hidden"]["is_virtual"] is True
    assert methods["log"]["has_varargs"] is True
    assert methods["get_mode"]["return_type"] == "enum.DocProbe::Mode"
    assert methods["set_mode"]["arguments"][0]["type"] == "int"
    assert [a["default_value"] for a in methods["scale"]["arguments"]] == ["1.5", "[]", "{}", "[]"]
