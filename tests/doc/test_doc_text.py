"""The text page against the seed ``HTTPClient.txt`` and object_model_reference.md §5.3.

The seed is parsed (constants, property headers and their Default/Setter/Getter blocks,
method signature lines, enum sections, section headers) and every item it has must appear in
the generated page with the same values: the page is a superset of the seed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import net  # noqa: F401  (registers the network classes)
from engine.doc import UnknownClassError, class_page
from engine.object_model import ClassDB

SEED = Path("/work/shared/seed/HTTPClient.txt")
BULLET = "  \u2022 "

#: §5.3's section titles, in page order (title, Inherits and the brief have no header).
SECTIONS = [
    "Description",
    "Tutorials",
    "Properties",
    "Methods",
    "Signals",
    "Enumerations",
    "Constants",
    "Property Descriptions",
    "Method Descriptions",
]


@pytest.fixture(scope="module")
def seed() -> str:
    if not SEED.exists():
        pytest.skip("the seed class reference is not available")
    return SEED.read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def page() -> str:
    return class_page("HTTPClient")


def section(text: str, title: str) -> str:
    """The text between the header line ``title`` and the next section header."""
    lines = text.split("\n")
    start = lines.index(title) + 1
    end = next((i for i in range(start, len(lines)) if lines[i] in SECTIONS), len(lines))
    return "\n".join(lines[start:end])


def items(body: str) -> list[str]:
    """The items of a section 9-13 body: they are separated by two blank lines."""
    return [item.strip("\n") for item in body.strip("\n").split("\n\n\n")]


def blocks(item: str) -> dict[str, str]:
    """``Default``/``Setter``/``Getter`` -> the value block after each."""
    parts = item.split("\n\n")
    return {
        label: parts[i + 1]
        for i, label in enumerate(parts[:-1])
        if label in ("Default", "Setter", "Getter")
    }


# --- the seed's facts, one by one -------------------------------------------------------------


def test_every_seed_constant_has_the_same_value(seed: str, page: str) -> None:
    constants = re.findall(r"^  • ([A-Z][A-Z0-9_]*) = (-?\d+)", seed, re.M)
    assert len(constants) == 81
    ours = dict(re.findall(r"^  • ([A-Z][A-Z0-9_]*) = (-?\d+)(?: --- .+)?$", page, re.M))
    for name, value in constants:
        assert ours.get(name) == value, name


def test_every_seed_enum_has_the_same_constants_in_order(seed: str, page: str) -> None:
    def enums(text: str) -> dict[str, list[str]]:
        body = section(text, "Enumerations")
        found = re.split(r"^enum (\w+):$", body, flags=re.M)
        return {
            name: re.findall(r"^  • ([A-Z][A-Z0-9_]*) =", part, re.M)
            for name, part in zip(found[1::2], found[2::2], strict=True)
        }

    assert list(enums(seed)) == ["Method", "Status", "ResponseCode"]
    assert enums(page) == enums(seed)


def test_every_seed_property_block_appears_with_the_same_values(seed: str, page: str) -> None:
    seed_items = items(section(seed, "Property Descriptions"))
    ours = {}
    for item in items(section(page, "Property Descriptions")):
        header = item.split("\n", 1)[0]
        ours[blocks(item)["Setter"]] = (header, blocks(item))
    assert len(seed_items) == 3
    for item in seed_items:
        values = blocks(item)
        header, our_values = ours[values["Setter"]]
        if item.startswith(BULLET):  # the seed lost the `StreamPeer connection` header
            assert header == item.split("\n", 1)[0]
        assert our_values == values


def test_seed_property_headers_and_defaults(seed: str, page: str) -> None:
    headers = re.findall(r"^  • (\w+) (\w+)$", section(seed, "Property Descriptions"), re.M)
    assert headers == [("bool", "blocking_mode_enabled"), ("int", "read_chunk_size")]
    ours = re.findall(r"^  • (\w+) (\w+)$", section(page, "Property Descriptions"), re.M)
    assert ours == [
        ("bool", "blocking_mode_enabled"),
        ("StreamPeer", "connection"),
        ("int", "read_chunk_size"),
    ]
    assert "Default\n\nfalse\n\nSetter\n\nset_blocking_mode(value)" in page
    assert "Default\n\n4096\n\nSetter\n\nset_read_chunk_size(value)" in page


def test_every_seed_signature_line_appears_identically(seed: str, page: str) -> None:
    signatures = re.findall(r"^  • (.+ \( .*\).*)$", section(seed, "Method Descriptions"), re.M)
    assert len(signatures) == 6
    ours = section(page, "Method Descriptions").split("\n")
    for line in signatures:
        assert BULLET + line in ours


def test_seed_arguments_and_the_signatures_the_seed_lost(seed: str, page: str) -> None:
    # The seed's argument lists, wherever it has one, with the values it gives them...
    for name, args in re.findall(r"^  • \S+ (\w+) \( (.*) \)", seed, re.M):
        ours = re.search(rf"^  • \S+ {name} \( (.*) \)", page, re.M)
        assert ours is not None
        assert ours.group(1) == args
    # ...and §5.3's examples for the eight signature lines the conversion lost.
    lines = section(page, "Method Descriptions").split("\n")
    for line in [
        "Error connect_to_host ( String host, int port=-1, bool use_ssl=false, "
        "bool verify_host=true )",
        'Error request ( Method method, String url, PoolStringArray headers, String body="" )',
        "Error request_raw ( Method method, String url, PoolStringArray headers, "
        "PoolByteArray body )",
        "Status get_status ( ) const",
        "Error poll ( )",
        "PoolStringArray get_response_headers ( )",
        "PoolByteArray read_response_body_chunk ( )",
        "String query_string_from_dict ( Dictionary fields )",
        "void close ( )",
        "int get_response_code ( ) const",
    ]:
        assert BULLET + line in lines


def test_every_method_the_seed_names_is_on_the_page(seed: str, page: str) -> None:
    described = section(page, "Method Descriptions")
    named = re.findall(r"^  • \S+ (\w+) \(", described, re.M)
    accessors = re.findall(r"^(?:Setter|Getter)\n\n(\w+)\(", page, re.M)
    assert sorted(named) == named
    assert len(named) == 16  # the seed's 14, and the 3.5 proxy setters
    seed_names = set(re.findall(r"^  • \S+ (\w+) \(", seed, re.M))
    seed_names |= set(re.findall(r"^(?:Setter|Getter)\n\n(\w+)\(", seed, re.M))
    assert seed_names <= set(named) | set(accessors)
    assert len(set(named) | set(accessors)) == 22


# --- layout (§5.3) --------------------------------------------------------------------------


def test_page_head_and_section_order(seed: str, page: str) -> None:
    lines = page.split("\n")
    assert lines[:4] == ["HTTPClient", "", "Inherits: Reference < Object", ""]
    assert lines[4]
    assert lines[5] == ""
    assert lines[6] == "Description"
    headers = [line for line in lines if line in SECTIONS]
    assert headers == [
        "Description",
        "Properties",
        "Methods",
        "Enumerations",
        "Property Descriptions",
        "Method Descriptions",
    ]
    seed_headers = [line for line in seed.split("\n") if line in SECTIONS]
    assert [h for h in headers if h in seed_headers] == seed_headers


def test_property_table_is_exactly_the_spec_example(page: str) -> None:
    assert section(page, "Properties").strip("\n") == (
        "  bool       | blocking_mode_enabled | false\n"
        "  StreamPeer | connection            |\n"
        "  int        | read_chunk_size       | 4096"
    )


def test_method_table_pads_the_return_column(page: str) -> None:
    rows = section(page, "Methods").strip("\n").split("\n")
    assert len(rows) == 16
    assert rows[0] == "  void            | close ( )"
    assert "  Status          | get_status ( ) const" in rows
    request = 'request ( Method method, String url, PoolStringArray headers, String body="" )'
    assert "  Error           | " + request in rows
    assert len({row.index(" | ") for row in rows}) == 1


def test_blank_lines_bullets_and_the_end_of_the_file(page: str) -> None:
    assert page.endswith("\n")
    assert not page.endswith("\n\n")
    assert all(line == line.rstrip() for line in page.split("\n"))
    assert "\n\n\n\n" not in page
    # two blank lines between enums and between items; one between constants of an enum
    assert "--- The number of methods; not a method itself.\n\n\nenum Status:\n" in page
    assert "  • METHOD_GET = 0 --- " in page
    assert "\n\n  • METHOD_HEAD = 1 --- " in page
    assert "\n\n\n  • int get_response_code ( ) const\n\n" in page
    # a codeblock is kept verbatim, with a blank line before and after
    assert '\n\n{\n    "Content-Type": "text/html; charset=utf-8",\n' in page
    assert '    "Set-Cookie": ["theme=dark", "lang=en"],\n}\n\n\n' in page


def test_descriptions_come_from_docstrings_without_markup(page: str) -> None:
    assert "[code]" not in page
    assert "[method " not in page
    assert "[constant " not in page
    assert "  • STATUS_BODY = 7 --- The head is in; read the body now." in page
    method_docs = section(page, "Method Descriptions")
    assert "Call poll until the status is STATUS_CONNECTED" in method_docs
    # a property's text is its setter's docstring
    assert "The most body bytes one read_response_body_chunk call returns" in page


# --- other classes ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    ["Object", "Reference", "WeakRef", "StreamPeer", "StreamPeerBuffer", "StreamPeerTCP", "IP"],
)
def test_other_pages_generate(name: str) -> None:
    text = class_page(name)
    assert text.startswith(f"{name}\n\n")
    assert text.endswith("\n")
    assert "\n\n\n\n" not in text
    assert all(line == line.rstrip() for line in text.split("\n"))


def children(name: str) -> list[str]:
    """Direct children in ClassDB (other test modules may register more of them)."""
    return [
        c for c in ClassDB.get_inheriters_from_class(name) if ClassDB.get_parent_class(c) == name
    ]


def test_object_and_reference_pages() -> None:
    obj = class_page("Object")
    assert "Inherits:" not in obj
    assert f"\nInherited By: {', '.join(children('Object'))}\n" in obj
    assert {"IP", "Reference"} <= set(children("Object"))
    assert "  Variant         | call ( String method, ... ) vararg" in obj
    assert "  • void free ( )" in obj
    assert (
        "Constants\n\n  • NOTIFICATION_POSTINITIALIZE = 0\n\n  • NOTIFICATION_PREDELETE = 1\n"
        in obj
    )
    ref = class_page("Reference")
    assert "Inherits: Object\n" in ref
    assert "HTTPClient" in ref.split("\n")[4]
    weak = class_page("WeakRef")
    assert "  • Variant get_ref ( ) const\n" in weak
    peer = class_page("StreamPeer")
    assert f"\nInherited By: {', '.join(children('StreamPeer'))}\n" in peer
    assert {"StreamPeerBuffer", "StreamPeerSSL", "StreamPeerTCP"} <= set(children("StreamPeer"))
    assert "  String  | get_string ( int bytes=-1 )" in peer
    assert "  Variant | get_var ( bool allow_objects=false )" in peer


def test_an_unknown_class_raises() -> None:
    with pytest.raises(UnknownClassError, match="'NoSuchClass'"):
        class_page("NoSuchClass")
