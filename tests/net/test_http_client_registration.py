"""HTTPClient in ClassDB, as the seed class reference and httpclient.md §1 register it.

The seed page is parsed for its constants, properties and method signatures, so a change on
either side shows up here without retyping the page.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from engine.object_model import ClassDB, Error, Reference
from net import HTTPClient
from support import LogLines

SEED = Path("/work/shared/seed/HTTPClient.txt")

# Variant types and descriptor shapes used below (object_model_reference.md §1.3, §2.1).
NIL, BOOL, INT, STRING, DICTIONARY, OBJECT = 0, 1, 2, 4, 18, 17
POOL_BYTE_ARRAY, POOL_STRING_ARRAY = 20, 23
RESOURCE_TYPE = 19  # PropertyHint in 3.5
ENUM_USAGE = 262151  # DEFAULT | CLASS_IS_ENUM
NORMAL, CONST = 1, 9


@pytest.fixture(scope="module")
def seed() -> str:
    if not SEED.exists():
        pytest.skip("the seed class reference is not available")
    return SEED.read_text(encoding="utf-8")


def plain(name: str, type_: int) -> dict[str, Any]:
    return {"name": name, "class_name": "", "type": type_, "hint": 0, "hint_string": "", "usage": 7}


def enum_arg(name: str, class_name: str) -> dict[str, Any]:
    return {
        "name": name,
        "class_name": class_name,
        "type": INT,
        "hint": 0,
        "hint_string": "",
        "usage": ENUM_USAGE,
    }


def stream_peer(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "class_name": "StreamPeer",
        "type": OBJECT,
        "hint": RESOURCE_TYPE,
        "hint_string": "StreamPeer",
        "usage": 7,
    }


VOID = plain("", NIL)
ERROR = enum_arg("", "Error")

#: httpclient.md §1.4: (name, args, default_args, flags, return) in bind order.
METHODS: list[tuple[str, list[dict[str, Any]], list[Any], int, dict[str, Any]]] = [
    (
        "connect_to_host",
        [
            plain("host", STRING),
            plain("port", INT),
            plain("use_ssl", BOOL),
            plain("verify_host", BOOL),
        ],
        [-1, False, True],
        NORMAL,
        ERROR,
    ),
    ("set_connection", [stream_peer("connection")], [], NORMAL, VOID),
    ("get_connection", [], [], CONST, stream_peer("")),
    (
        "request_raw",
        [
            enum_arg("method", "HTTPClient.Method"),
            plain("url", STRING),
            plain("headers", POOL_STRING_ARRAY),
            plain("body", POOL_BYTE_ARRAY),
        ],
        [],
        NORMAL,
        ERROR,
    ),
    (
        "request",
        [
            enum_arg("method", "HTTPClient.Method"),
            plain("url", STRING),
            plain("headers", POOL_STRING_ARRAY),
            plain("body", STRING),
        ],
        [""],
        NORMAL,
        ERROR,
    ),
    ("close", [], [], NORMAL, VOID),
    ("has_response", [], [], CONST, plain("", BOOL)),
    ("is_response_chunked", [], [], CONST, plain("", BOOL)),
    ("get_response_code", [], [], CONST, plain("", INT)),
    ("get_response_headers", [], [], NORMAL, plain("", POOL_STRING_ARRAY)),
    ("get_response_headers_as_dictionary", [], [], NORMAL, plain("", DICTIONARY)),
    ("get_response_body_length", [], [], CONST, plain("", INT)),
    ("read_response_body_chunk", [], [], NORMAL, plain("", POOL_BYTE_ARRAY)),
    ("set_read_chunk_size", [plain("bytes", INT)], [], NORMAL, VOID),
    ("get_read_chunk_size", [], [], CONST, plain("", INT)),
    ("set_blocking_mode", [plain("enabled", BOOL)], [], NORMAL, VOID),
    ("is_blocking_mode_enabled", [], [], CONST, plain("", BOOL)),
    ("get_status", [], [], CONST, enum_arg("", "HTTPClient.Status")),
    ("poll", [], [], NORMAL, ERROR),
    ("set_http_proxy", [plain("host", STRING), plain("port", INT)], [], NORMAL, VOID),
    ("set_https_proxy", [plain("host", STRING), plain("port", INT)], [], NORMAL, VOID),
    ("query_string_from_dict", [plain("fields", DICTIONARY)], [], NORMAL, plain("", STRING)),
]

#: The seed's type names for return values (its signature lines).
SEED_TYPES = {"void": NIL, "bool": BOOL, "int": INT, "Dictionary": DICTIONARY}


def seed_constants(text: str) -> list[tuple[str, int]]:
    return [
        (name, int(value)) for name, value in re.findall(r"•\s+([A-Z][A-Z0-9_]*) = (-?\d+)", text)
    ]


def seed_enums(text: str) -> dict[str, list[str]]:
    """Each ``enum Name:`` section's constant names, in page order."""
    sections = re.split(r"^enum (\w+):$", text, flags=re.M)
    enums: dict[str, list[str]] = {}
    for name, body in zip(sections[1::2], sections[2::2], strict=True):
        body = re.split(r"^Property Descriptions$", body, flags=re.M)[0]
        enums[name] = [n for n, _ in seed_constants(body)]
    return enums


def seed_method_names(text: str) -> set[str]:
    """Every method name the page mentions: signatures, setters/getters, calls and "see" links."""
    names = set(re.findall(r"^\s*•\s+\w+ (\w+) \(", text, re.M))
    names |= set(re.findall(r"^(?:Setter|Getter)\n\n(\w+)\(", text, re.M))
    names |= set(re.findall(r"\b([a-z]+(?:_[a-z]+)+)\s?\(", text))
    names |= set(re.findall(r"\b[Ss]ee ([a-z]+(?:_[a-z]+)+)\b", text))
    names |= set(re.findall(r"http_client\.([a-z_]+)\(", text))
    names |= set(re.findall(r"\bcall (\w+) in order\b", text))
    return names


def method_list() -> list[dict[str, Any]]:
    return ClassDB.class_get_method_list("HTTPClient", True)


# --- the class ------------------------------------------------------------------------------


def test_class_is_an_instanceable_reference_without_signals(seed: str) -> None:
    assert "Inherits: Reference < Object" in seed
    assert ClassDB.class_exists("HTTPClient")
    assert ClassDB.get_parent_class("HTTPClient") == "Reference"
    assert ClassDB.is_parent_class("HTTPClient", "Object")
    assert ClassDB.can_instance("HTTPClient")
    made = ClassDB.instance("HTTPClient")
    assert isinstance(made, HTTPClient)
    assert isinstance(made, Reference)
    assert made.get_class() == "HTTPClient"
    assert ClassDB.class_get_signal_list("HTTPClient", True) == []
    assert not any(
        p["usage"] & (128 | 256) for p in ClassDB.class_get_property_list("HTTPClient", True)
    )


def test_proxy_methods_come_between_poll_and_query_string() -> None:
    """Departure 40: the 3.5 proxy setters, where the engine's 3.5 binds them."""
    names = [m["name"] for m in method_list()]
    assert names[names.index("poll") + 1 : names.index("query_string_from_dict")] == [
        "set_http_proxy",
        "set_https_proxy",
    ]


# --- constants ------------------------------------------------------------------------------


def test_the_81_constants_match_the_seed_in_order(seed: str) -> None:
    expected = seed_constants(seed)
    assert len(expected) == 81
    names = ClassDB.class_get_integer_constant_list("HTTPClient", True)
    assert names == [name for name, _ in expected]
    for name, value in expected:
        assert ClassDB.class_has_integer_constant("HTTPClient", name)
        assert ClassDB.class_get_integer_constant("HTTPClient", name) == value
        assert getattr(HTTPClient, name) == value, name
        assert int(getattr(HTTPClient, name)) == value


def test_constants_are_filed_under_the_three_short_enum_names(seed: str) -> None:
    enums = seed_enums(seed)
    assert list(enums) == ["Method", "Status", "ResponseCode"]
    assert [len(v) for v in enums.values()] == [10, 10, 61]
    assert ClassDB.class_get_enum_list("HTTPClient", True) == ["Method", "Status", "ResponseCode"]
    for enum, names in enums.items():
        assert ClassDB.class_get_enum_constants("HTTPClient", enum, True) == names
        for name in names:
            assert ClassDB.class_get_integer_constant_enum("HTTPClient", name, True) == enum
    values = dict(seed_constants(seed))
    for enum, names in enums.items():
        assert [values[n] for n in names] == sorted(values[n] for n in names), enum


def test_constant_examples_from_the_spec() -> None:
    assert HTTPClient.STATUS_BODY == 7
    assert HTTPClient.METHOD_MAX == 9
    assert HTTPClient.RESPONSE_NETWORK_AUTH_REQUIRED == 511
    assert ClassDB.class_get_integer_constant("HTTPClient", "STATUS_CONNECTED") == 5
    assert ClassDB.class_get_integer_constant("HTTPClient", "METHOD_POST") == 2
    assert ClassDB.class_get_integer_constant("HTTPClient", "RESPONSE_OK") == 200
    assert HTTPClient().get_status() == HTTPClient.STATUS_DISCONNECTED


# --- properties -----------------------------------------------------------------------------


def test_three_properties_with_their_descriptors() -> None:
    assert ClassDB.class_get_property_list("HTTPClient", True) == [
        plain("blocking_mode_enabled", BOOL),
        {
            "name": "connection",
            "class_name": "StreamPeer",
            "type": OBJECT,
            "hint": RESOURCE_TYPE,
            "hint_string": "StreamPeer",
            "usage": 0,
        },
        {
            "name": "read_chunk_size",
            "class_name": "",
            "type": INT,
            "hint": 1,
            "hint_string": "256,16777216",
            "usage": 7,
        },
    ]
    for entry in ClassDB.class_get_property_list("HTTPClient", True):
        assert list(entry) == ["name", "class_name", "type", "hint", "hint_string", "usage"]
        assert all(type(entry[k]) is int for k in ("type", "hint", "usage"))


@pytest.mark.parametrize(
    ("prop", "setter", "getter", "default"),
    [
        ("blocking_mode_enabled", "set_blocking_mode", "is_blocking_mode_enabled", False),
        ("connection", "set_connection", "get_connection", None),
        ("read_chunk_size", "set_read_chunk_size", "get_read_chunk_size", 4096),
    ],
)
def test_property_setter_getter_and_default(
    prop: str, setter: str, getter: str, default: object
) -> None:
    assert ClassDB.class_get_property_setter("HTTPClient", prop) == setter
    assert ClassDB.class_get_property_getter("HTTPClient", prop) == getter
    assert ClassDB.class_get_property_default_value("HTTPClient", prop) == default
    http = HTTPClient()
    assert http.get(prop) == default
    assert getattr(http, prop) == default
    assert ClassDB.class_get_property(http, prop) == default


def test_seed_properties_match(seed: str) -> None:
    pattern = (
        r"•\s+(\w+) ([a-z_]+)\n\nDefault\n\n(\S+)\n\n"
        r"Setter\n\n(\w+)\(value\)\n\nGetter\n\n(\w+)\(\)"
    )
    found = re.findall(pattern, seed)
    assert [f[1] for f in found] == ["blocking_mode_enabled", "read_chunk_size"]
    properties = {p["name"]: p for p in ClassDB.class_get_property_list("HTTPClient", True)}
    for type_name, name, default, setter, getter in found:
        assert properties[name]["type"] == SEED_TYPES[type_name]
        value = {"false": False, "true": True}.get(default, default)
        if isinstance(value, str):
            value = int(value)
        assert ClassDB.class_get_property_default_value("HTTPClient", name) == value
        assert ClassDB.class_get_property_setter("HTTPClient", name) == setter
        assert ClassDB.class_get_property_getter("HTTPClient", name) == getter
    pairs = re.findall(r"Setter\n\n(\w+)\(value\)\n\nGetter\n\n(\w+)\(\)", seed)
    assert ("set_connection", "get_connection") in pairs
    assert ClassDB.class_get_property_setter("HTTPClient", "connection") == "set_connection"


def test_read_chunk_size_range_is_inclusive_and_never_clamped(engine_log: LogLines) -> None:
    http = HTTPClient()
    for good in (256, 16777216, 300):
        http.read_chunk_size = good
        assert http.get_read_chunk_size() == good
    for bad in (255, 16777217, 0, -1):
        http.set_read_chunk_size(bad)
        assert http.read_chunk_size == 300
    assert (
        engine_log.lines
        == ['ERROR: set_read_chunk_size: Condition "p_size < 256 || p_size > (1 << 24)" is true.']
        * 4
    )


def test_properties_go_through_their_accessors() -> None:
    http = HTTPClient()
    http.set("read_chunk_size", 65536)
    assert http.get_read_chunk_size() == 65536
    http.read_chunk_size = 255  # out of range: logged, the value is kept
    assert http.get("read_chunk_size") == 65536
    http.set("blocking_mode_enabled", True)
    assert http.is_blocking_mode_enabled() is True
    assert http.blocking_mode_enabled is True


# --- methods --------------------------------------------------------------------------------


def test_twenty_two_methods_in_bind_order() -> None:
    names = [m["name"] for m in method_list()]
    assert names == [m[0] for m in METHODS]
    assert len(names) == 22


@pytest.mark.parametrize(
    ("name", "args", "defaults", "flags", "returns"), METHODS, ids=[m[0] for m in METHODS]
)
def test_method_descriptor(
    name: str,
    args: list[dict[str, Any]],
    defaults: list[Any],
    flags: int,
    returns: dict[str, Any],
) -> None:
    entry = next(m for m in method_list() if m["name"] == name)
    assert list(entry) == ["name", "args", "default_args", "flags", "id", "return"]
    assert entry["args"] == args
    assert entry["default_args"] == defaults
    assert entry["flags"] == flags
    assert entry["return"] == returns
    assert isinstance(entry["id"], int)
    assert entry["id"] > 0
    assert ClassDB.class_has_method("HTTPClient", name)


def test_connect_to_host_entry_is_the_worked_example() -> None:
    """object_model_reference.md §1.7, id excepted."""
    entry = next(m for m in method_list() if m["name"] == "connect_to_host")
    del entry["id"]
    assert entry == {
        "name": "connect_to_host",
        "args": [
            {"name": "host", "class_name": "", "type": 4, "hint": 0, "hint_string": "", "usage": 7},
            {"name": "port", "class_name": "", "type": 2, "hint": 0, "hint_string": "", "usage": 7},
            {
                "name": "use_ssl",
                "class_name": "",
                "type": 1,
                "hint": 0,
                "hint_string": "",
                "usage": 7,
            },
            {
                "name": "verify_host",
                "class_name": "",
                "type": 1,
                "hint": 0,
                "hint_string": "",
                "usage": 7,
            },
        ],
        "default_args": [-1, False, True],
        "flags": 1,
        "return": {
            "name": "",
            "class_name": "Error",
            "type": 2,
            "hint": 0,
            "hint_string": "",
            "usage": 262151,
        },
    }


def test_method_ids_are_unique_and_in_bind_order() -> None:
    ids = [m["id"] for m in method_list()]
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_every_method_the_seed_mentions_is_bound(seed: str) -> None:
    mentioned = seed_method_names(seed) - {"str"}  # GDScript's str() in the example
    assert {"connect_to_host", "request", "poll", "read_response_body_chunk"} <= mentioned
    assert {"query_string_from_dict", "set_connection", "get_connection", "close"} <= mentioned
    bound = {m["name"] for m in method_list()}
    assert mentioned <= bound, mentioned - bound


def test_seed_signatures_match(seed: str) -> None:
    signatures = re.findall(r"^\s*•\s+(\w+) (\w+) \( ?(.*?) ?\)( const)?$", seed, re.M)
    assert len(signatures) >= 6
    entries = {m["name"]: m for m in method_list()}
    for returns, name, args, const in signatures:
        entry = entries[name]
        assert entry["return"]["type"] == SEED_TYPES[returns], name
        assert entry["flags"] == (CONST if const else NORMAL), name
        assert len(entry["args"]) == (len(args.split(",")) if args else 0), name


def test_bound_methods_can_be_called_dynamically() -> None:
    """Defaults fill trailing arguments at the call boundary."""
    http = HTTPClient()
    assert http.call("get_status") == HTTPClient.STATUS_DISCONNECTED
    assert http.call("request", HTTPClient.METHOD_GET, "/", []) == Error.ERR_INVALID_PARAMETER
    assert http.call("query_string_from_dict", {"a": 1}) == "a=1"
    assert http.call("connect_to_host", "127.0.0.1") == Error.OK
    assert http.get_status() == HTTPClient.STATUS_CONNECTING
    http.call("close")
    assert http.get_status() == HTTPClient.STATUS_DISCONNECTED
