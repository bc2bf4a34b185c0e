"""Markup to text (§5.3), docstrings to the engine's source form, and the value spellings."""

from __future__ import annotations

from enum import IntEnum
from typing import Any

import pytest

from engine.doc.markup import inline_text, text_blocks
from engine.doc.model import source_text, split_brief
from engine.doc.spelling import (
    TypeRef,
    api_argument_type,
    api_return_type,
    default_text,
    literal,
    text_type,
    xml_type,
)
from engine.object_model import PropertyUsage, VariantType


class _Color(IntEnum):
    GREEN = 2


@pytest.mark.parametrize(
    ("bbcode", "text"),
    [
        ("[b]Note:[/b] read this.", "Note: read this."),
        ("[i]slanted[/i] and [u]underlined[/u]", "slanted and underlined"),
        ("Call [method poll] first.", "Call poll first."),
        ("See [member read_chunk_size].", "See read_chunk_size."),
        ("Wait for [constant STATUS_BODY].", "Wait for STATUS_BODY."),
        ("Emits [signal changed].", "Emits changed."),
        ("A [enum Method] value.", "A Method value."),
        ("Any [StreamPeer] will do.", "Any StreamPeer will do."),
        ("[method String.http_escape]", "String.http_escape"),
        ("[constant @GlobalScope.OK] and [@GlobalScope]", "@GlobalScope.OK and @GlobalScope"),
        ("[url=https://example.com/a?b=1]the docs[/url].", "the docs (https://example.com/a?b=1)."),
        ("[url]https://example.com[/url]", "https://example.com"),
        ("If [code]true[/code], go.", "If true, go."),
        ("[code][b]raw[/b] [method x][/code]", "[b]raw[/b] [method x]"),
        ("[code]a[0] = [::1][/code]", "a[0] = [::1]"),
        ("a list [1, 2] and [lowercase words]", "a list [1, 2] and [lowercase words]"),
        ("[code]never closed", "never closed"),
        ("no markup at all", "no markup at all"),
    ],
)
def test_inline_markup_to_text(bbcode: str, text: str) -> None:
    assert inline_text(bbcode) == text


def test_text_blocks_keep_codeblocks_verbatim_and_dedented() -> None:
    source = "First [b]one[/b].\n[codeblock]\n    if a:\n        b()\n[/codeblock]\nLast."
    assert text_blocks(source) == ["First one.", "if a:\n    b()", "Last."]
    assert text_blocks("") == []
    assert text_blocks("[codeblock]\n\tx = [1]\n") == ["x = [1]"]  # unclosed, tab expanded


def test_docstrings_become_one_paragraph_per_line() -> None:
    doc = """Brief line.

        A paragraph wrapped
        over [method three]
        lines.

        Second paragraph.
        [codeblock]
        def f():
            return "[b]"

        f()
        [/codeblock]
        Tail.
        """
    assert source_text(doc) == (
        "Brief line.\n"
        "A paragraph wrapped over [method three] lines.\n"
        "Second paragraph.\n"
        '[codeblock]\ndef f():\n    return "[b]"\n\nf()\n[/codeblock]\n'
        "Tail."
    )
    assert split_brief(doc)[0] == "Brief line."
    assert split_brief(doc)[1].startswith("A paragraph wrapped over")
    assert split_brief(None) == ("", "")
    assert source_text("   ") == ""


@pytest.mark.parametrize(
    ("value", "vtype", "text"),
    [
        (True, VariantType.BOOL, "true"),
        (False, VariantType.BOOL, "false"),
        (-1, VariantType.INT, "-1"),
        (_Color.GREEN, VariantType.INT, "2"),
        (1.0, VariantType.REAL, "1.0"),
        (0.5, VariantType.REAL, "0.5"),
        (1e300, VariantType.REAL, "1e+300"),
        (float("inf"), VariantType.REAL, "inf"),
        ("", VariantType.STRING, '""'),
        ('say "hi" \\o/', VariantType.STRING, '"say \\"hi\\" \\\\o/"'),
        (None, VariantType.NIL, "null"),
        ([], VariantType.ARRAY, "[  ]"),
        ([1, "a"], VariantType.ARRAY, '[ 1, "a" ]'),
        ({}, VariantType.DICTIONARY, "{}"),
        ({"k": 1}, VariantType.DICTIONARY, '{ "k": 1 }'),
        (b"", VariantType.POOL_BYTE_ARRAY, "PoolByteArray(  )"),
        (b"\x01\x02", VariantType.POOL_BYTE_ARRAY, "PoolByteArray( 1, 2 )"),
        ([], VariantType.POOL_STRING_ARRAY, "PoolStringArray(  )"),
        (["a"], VariantType.POOL_STRING_ARRAY, 'PoolStringArray( "a" )'),
    ],
)
def test_literal_form(value: Any, vtype: int, text: str) -> None:
    assert literal(value, vtype) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [(-1, "-1"), (False, "False"), (True, "True"), ("", ""), (None, "Null"), (1.0, "1"),
     (0.25, "0.25"), ([1, "a"], "[1, a]"), ({"b": 2, "a": None}, "{a:Null, b:2}")],
)  # fmt: skip
def test_api_json_text_form(value: Any, text: str) -> None:
    assert default_text(value) == text


ENUM_USAGE = PropertyUsage.DEFAULT | PropertyUsage.CLASS_IS_ENUM
VARIANT_USAGE = PropertyUsage.DEFAULT | PropertyUsage.NIL_IS_VARIANT


@pytest.mark.parametrize(
    ("ref", "returning", "xml", "text", "api"),
    [
        (TypeRef(VariantType.INT), False, ("int", ""), "int", "int"),
        (TypeRef(VariantType.REAL), False, ("float", ""), "float", "float"),
        (TypeRef(VariantType.POOL_STRING_ARRAY), False, ("PoolStringArray", ""),
         "PoolStringArray", "PoolStringArray"),
        (TypeRef(VariantType.OBJECT, "StreamPeer"), False, ("StreamPeer", ""), "StreamPeer",
         "StreamPeer"),
        (TypeRef(VariantType.OBJECT), False, ("Object", ""), "Object", "Object"),
        (TypeRef(VariantType.NIL), True, ("void", ""), "void", "void"),
        (TypeRef(VariantType.NIL, usage=VARIANT_USAGE), True, ("Variant", ""), "Variant",
         "Variant"),
        (TypeRef(VariantType.NIL), False, ("Variant", ""), "Variant", "Variant"),
        (TypeRef(VariantType.INT, "Error", ENUM_USAGE), True, ("int", "Error"), "Error",
         "enum.Error"),
        (TypeRef(VariantType.INT, "HTTPClient.Status", ENUM_USAGE), True,
         ("int", "HTTPClient.Status"), "Status", "enum.HTTPClient::Status"),
        (TypeRef(VariantType.INT, "IP.Type", ENUM_USAGE), True, ("int", "IP.Type"), "IP.Type",
         "enum.IP::Type"),
    ],
)  # fmt: skip
def test_type_spellings(
    ref: TypeRef, returning: bool, xml: tuple[str, str], text: str, api: str
) -> None:
    assert xml_type(ref, returning) == xml
    assert text_type(ref, "HTTPClient", returning) == text
    if returning:
        assert api_return_type(ref) == api
    else:
        assert api_argument_type(ref) == api


def test_enum_arguments_are_plain_int_in_api_json() -> None:
    ref = TypeRef(VariantType.INT, "HTTPClient.Method", ENUM_USAGE)
    assert api_argument_type(ref) == "int"
    assert api_return_type(ref) == "enum.HTTPClient::Method"
    assert text_type(ref, "HTTPClient") == "Method"
    assert text_type(ref, "StreamPeer") == "HTTPClient.Method"
