"""query_string_from_dict against every example row of httpclient.md §7."""

from __future__ import annotations

import pytest

from net.http.query import UnencodableText, query_string_from_dict


def stringify(value: object) -> str:
    """The engine's 3.x Variant-to-String text, as httpclient.md §7's table gives it."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".")
    if isinstance(value, list | tuple):
        return "[" + ", ".join(stringify(item) for item in value) + "]"
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: item[0])
        return "{" + ", ".join(f"{stringify(k)}:{stringify(v)}" for k, v in items) + "}"
    return str(value)


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("text", "text"),
        (123, "123"),
        (-7, "-7"),
        (True, "True"),
        (False, "False"),
        (1.0, "1"),
        (0.5, "0.5"),
        (1 / 3, "0.333333"),
        ([1, "a"], "[1, a]"),
        ({"k2": 2, "k": "v"}, "{k:v, k2:2}"),
        (None, "Null"),
    ],
)
def test_local_stringify_follows_the_spec_table(value: object, text: str) -> None:
    assert stringify(value) == text


@pytest.mark.parametrize(
    ("fields", "query"),
    [
        ({}, ""),
        ({"key": "value"}, "key=value"),
        ({"username": "user", "password": "pass"}, "username=user&password=pass"),
        (
            {"single": 123, "not_valued": None, "multiple": [22, 33, 44]},
            "single=123&not_valued&multiple=22&multiple=33&multiple=44",
        ),
        (
            {"key1": "value", "key2": 123, "key3": [1, 2, 3], "key4": None},
            "key1=value&key2=123&key3=1&key3=2&key3=3&key4",
        ),
        ({"q": "a b&c=d/é"}, "q=a%20b%26c%3Dd%2F%C3%A9"),
        ({"on": True, "x": 1.0, "e": []}, "on=True&x=1"),
        ({"k": [None, [1, 2]]}, "k&k=%5B1%2C%202%5D"),
        ({"t": ("a", 0.25)}, "t=a&t=0.25"),
        ({"d": {"b": 2, "a": 1}}, "d=%7Ba%3A1%2C%20b%3A2%7D"),
        ({1: "x", "ké y": "-._~+"}, "1=x&k%C3%A9%20y=-._~%2B"),
    ],
)
def test_query_string_from_dict(fields: dict[object, object], query: str) -> None:
    assert query_string_from_dict(fields, stringify) == query


@pytest.mark.parametrize(
    ("fields", "in_key", "message"),
    [
        ({"ok": "1", "\ud800": "v"}, True, "a key holds a lone surrogate"),
        ({"name": "caf\udce9"}, False, 'the value of key "name" holds a lone surrogate'),
        ({"tags": ["a", "\udc80"]}, False, 'the value of key "tags" holds a lone surrogate'),
        ({"nested": [["\ud800"]]}, False, 'the value of key "nested" holds a lone surrogate'),
    ],
)
def test_a_lone_surrogate_is_refused_not_half_encoded(
    fields: dict[object, object], in_key: bool, message: str
) -> None:
    with pytest.raises(UnencodableText) as refused:
        query_string_from_dict(fields, stringify)
    assert refused.value.in_key is in_key
    assert str(refused.value).startswith(message)
