"""The class reference XML (object_model_reference.md §5.1)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

import net  # noqa: F401  (registers the network classes)
from engine.doc import class_xml

ROOT = (
    '<class name="HTTPClient" inherits="Reference" version="3.5" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
    'xsi:noNamespaceSchemaLocation="../class.xsd">'
)
XSI = "{http://www.w3.org/2001/XMLSchema-instance}"


@pytest.fixture(scope="module")
def text() -> str:
    return class_xml("HTTPClient")


@pytest.fixture(scope="module")
def root(text: str) -> ET.Element:
    return ET.fromstring(text.encode("utf-8"))


def test_file_head_and_root_attributes(text: str, root: ET.Element) -> None:
    lines = text.split("\n")
    assert lines[0] == '<?xml version="1.0" encoding="UTF-8" ?>'
    assert lines[1] == ROOT
    assert text.endswith("</class>\n")
    assert "\r" not in text
    assert root.attrib == {
        "name": "HTTPClient",
        "inherits": "Reference",
        "version": "3.5",
        f"{XSI}noNamespaceSchemaLocation": "../class.xsd",
    }


def test_children_in_order_and_the_counts(root: ET.Element) -> None:
    assert [child.tag for child in root] == [
        "brief_description",
        "description",
        "tutorials",
        "methods",
        "members",
        "constants",
    ]
    methods = root.findall("methods/method")
    assert len(methods) == 16
    assert [m.get("name") for m in methods] == sorted(m.get("name") or "" for m in methods)
    assert len(root.findall("members/member")) == 3
    assert len(root.findall("constants/constant")) == 81
    assert root.find("signals") is None
    tutorials = root.find("tutorials")
    assert tutorials is not None
    assert len(tutorials) == 0


def test_accessors_are_not_methods(root: ET.Element) -> None:
    names = {m.get("name") for m in root.findall("methods/method")}
    for member in root.findall("members/member"):
        assert member.get("setter") not in names
        assert member.get("getter") not in names


def test_connect_to_host_fragment_is_exact(text: str) -> None:
    lines = text.split("\n")
    start = lines.index('\t\t<method name="connect_to_host">')
    assert lines[start : start + 7] == [
        '\t\t<method name="connect_to_host">',
        '\t\t\t<return type="int" enum="Error" />',
        '\t\t\t<argument index="0" name="host" type="String" />',
        '\t\t\t<argument index="1" name="port" type="int" default="-1" />',
        '\t\t\t<argument index="2" name="use_ssl" type="bool" default="false" />',
        '\t\t\t<argument index="3" name="verify_host" type="bool" default="true" />',
        "\t\t\t<description>",
    ]
    end = lines.index("\t\t</method>", start)
    assert lines[end - 1] == "\t\t\t</description>"
    assert all(line.startswith("\t\t\t\t") or not line for line in lines[start + 7 : end - 1])


def test_other_fragment_lines_of_the_spec(text: str) -> None:
    lines = text.split("\n")
    status = lines.index('\t\t<method name="get_status" qualifiers="const">')
    assert lines[status + 1] == '\t\t\t<return type="int" enum="HTTPClient.Status" />'
    for line in [
        '\t\t<member name="connection" type="StreamPeer" setter="set_connection" '
        'getter="get_connection">',
        '\t\t<member name="read_chunk_size" type="int" setter="set_read_chunk_size" '
        'getter="get_read_chunk_size" default="4096">',
        '\t\t<member name="blocking_mode_enabled" type="bool" setter="set_blocking_mode" '
        'getter="is_blocking_mode_enabled" default="false">',
        '\t\t<constant name="METHOD_GET" value="0" enum="Method">',
        '\t\t\t<argument index="0" name="method" type="int" enum="HTTPClient.Method" />',
        "\t<tutorials>",
        "\t</tutorials>",
    ]:
        assert line in lines


def test_request_body_default_is_escaped(text: str, root: ET.Element) -> None:
    assert '<argument index="3" name="body" type="String" default="&quot;&quot;" />' in text
    request = root.find("methods/method[@name='request']")
    assert request is not None
    body = request.find("argument[@index='3']")
    assert body is not None
    assert body.get("default") == '""'
    raw = root.find("methods/method[@name='request_raw']/argument[@index='3']")
    assert raw is not None
    assert "default" not in raw.attrib


def test_text_blocks_escape_and_indent(text: str, root: ET.Element) -> None:
    brief = text.split("<brief_description>\n", 1)[1].split("\n", 1)[0]
    assert brief == "\t\tLow-level HTTP/1.1 client: connect once, then send requests and read " + (
        "responses by polling."
    )
    assert "&amp;" in text
    assert "[codeblock]" in text
    query = root.find("methods/method[@name='query_string_from_dict']/description")
    assert query is not None
    assert '# Returns "q=hello%20world&page=2"' in (query.text or "")
    constant = root.find("constants/constant[@name='STATUS_BODY']")
    assert constant is not None
    assert (constant.text or "").strip() == ("The head is in; read the body now.")


def test_object_has_no_inherits_and_lists_free() -> None:
    text = class_xml("Object")
    assert text.split("\n")[1].startswith('<class name="Object" version="3.5" xmlns:xsi=')
    root = ET.fromstring(text.encode("utf-8"))
    call = root.find("methods/method[@name='call']")
    assert call is not None
    assert call.get("qualifiers") == "vararg"
    assert root.find("methods/method[@name='free']") is not None
    assert root.find("members") is None
    flags = root.find("constants/constant[@name='CONNECT_ONESHOT']")
    assert flags is not None
    assert flags.attrib == {
        "name": "CONNECT_ONESHOT",
        "value": "4",
        "enum": "ConnectFlags",
    }
    plain = root.find("constants/constant[@name='NOTIFICATION_PREDELETE']")
    assert plain is not None
    assert "enum" not in plain.attrib
