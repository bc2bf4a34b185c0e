"""GDNative api.json in its 3.x shape (object_model_reference.md §5.2)."""

from __future__ import annotations

import json
from typing import Any

import pytest

import net  # noqa: F401  (registers the network classes)
from engine.doc import api_json
from engine.doc.api_json import API_DOCUMENT, ApiClass
from engine.object_model import ClassDB

CLASS_KEYS = [
    "name",
    "base_class",
    "api_type",
    "singleton",
    "singleton_name",
    "instanciable",
    "is_reference",
    "constants",
    "properties",
    "signals",
    "methods",
    "enums",
]
METHOD_KEYS = [
    "name",
    "return_type",
    "is_editor",
    "is_noscript",
    "is_const",
    "is_reverse",
    "is_virtual",
    "has_varargs",
    "is_from_script",
    "arguments",
]


@pytest.fixture(scope="module")
def text() -> str:
    return api_json()


@pytest.fixture(scope="module")
def data(text: str) -> list[dict[str, Any]]:
    loaded: list[dict[str, Any]] = json.loads(text)
    return loaded


@pytest.fixture(scope="module")
def http(data: list[dict[str, Any]]) -> dict[str, Any]:
    return next(c for c in data if c["name"] == "HTTPClient")


def method(entry: dict[str, Any], name: str) -> dict[str, Any]:
    found: dict[str, Any] = next(m for m in entry["methods"] if m["name"] == name)
    return found


def test_validates_against_the_model(text: str) -> None:
    document = API_DOCUMENT.validate_json(text)
    assert all(isinstance(c, ApiClass) for c in document)
    assert list(ApiClass.model_fields) == CLASS_KEYS


def test_file_format(text: str, data: list[dict[str, Any]]) -> None:
    assert text == json.dumps(data, indent="\t", ensure_ascii=False) + "\n"
    assert text.startswith('[\n\t{\n\t\t"name": "GlobalConstants",')


def test_key_order_everywhere(data: list[dict[str, Any]]) -> None:
    for entry in data:
        assert list(entry) == CLASS_KEYS
        for m in entry["methods"]:
            assert list(m) == METHOD_KEYS
            for arg in m["arguments"]:
                assert list(arg) == ["name", "type", "has_default_value", "default_value"]
        for p in entry["properties"]:
            assert list(p) == ["name", "type", "getter", "setter", "index"]
        for e in entry["enums"]:
            assert list(e) == ["name", "values"]


def test_global_constants_come_first(data: list[dict[str, Any]]) -> None:
    first = data[0]
    assert {k: v for k, v in first.items() if k != "constants"} == {
        "name": "GlobalConstants",
        "base_class": "",
        "api_type": "core",
        "singleton": True,
        "singleton_name": "GlobalConstants",
        "instanciable": False,
        "is_reference": False,
        "properties": [],
        "signals": [],
        "methods": [],
        "enums": [],
    }
    constants = first["constants"]
    assert list(constants) == sorted(constants, key=str.upper)
    expected = {
        "OK": 0,
        "FAILED": 1,
        "ERR_PRINTER_ON_FIRE": 48,
        "TYPE_NIL": 0,
        "TYPE_REAL": 3,
        "TYPE_RID": 16,
        "TYPE_RAW_ARRAY": 20,
        "TYPE_INT_ARRAY": 21,
        "TYPE_REAL_ARRAY": 22,
        "TYPE_STRING_ARRAY": 23,
        "TYPE_VECTOR2_ARRAY": 24,
        "TYPE_VECTOR3_ARRAY": 25,
        "TYPE_COLOR_ARRAY": 26,
        "PROPERTY_HINT_NONE": 0,
        "PROPERTY_HINT_RESOURCE_TYPE": 19,
        "PROPERTY_HINT_ENUM_SUGGESTION": 39,
        "PROPERTY_HINT_IMAGE_COMPRESS_LOSSLESS": 24,
        "PROPERTY_USAGE_STORAGE": 1,
        "PROPERTY_USAGE_DEFAULT": 7,
        "PROPERTY_USAGE_DEFAULT_INTL": 71,
        "PROPERTY_USAGE_NOEDITOR": 5,
        "PROPERTY_USAGE_SCRIPT_VARIABLE": 8192,
        "METHOD_FLAG_NORMAL": 1,
        "METHOD_FLAG_CONST": 8,
        "METHOD_FLAG_FROM_SCRIPT": 64,
        "METHOD_FLAG_VARARG": 128,
        "METHOD_FLAGS_DEFAULT": 1,
        "TYPE_MAX": 27,
    }
    assert {k: constants[k] for k in expected} == expected
    # Names our enums have that 3.5's @GlobalScope does not bind.
    for absent in (
        "TYPE_POOL_BYTE_ARRAY",
        "METHOD_FLAG_DEFAULT",
        "PROPERTY_HINT_LOCALE_ID",
        "PROPERTY_HINT_TYPE_STRING",
        "PROPERTY_USAGE_INTERNAL",
        "PROPERTY_USAGE_KEYING_INCREMENTS",
    ):
        assert absent not in constants
    # 3.5 binds: Error 49, TYPE_* 27 + TYPE_MAX, hints 0-24 but 6 (SPRITE_FRAME) + ENUM_SUGGESTION,
    # usage 12 bits + 3 composites, METHOD_FLAG_* 8 + METHOD_FLAGS_DEFAULT
    assert len(constants) == 49 + 28 + 25 + 15 + 9


def test_classes_follow_sorted_by_name(data: list[dict[str, Any]]) -> None:
    names = [c["name"] for c in data[1:]]
    assert names == sorted(ClassDB.get_class_list())
    obj = next(c for c in data if c["name"] == "Object")
    assert obj["base_class"] == ""
    assert obj["is_reference"] is False
    assert method(obj, "free")["return_type"] == "void"
    call = method(obj, "call")
    assert call["has_varargs"] is True
    assert call["return_type"] == "Variant"
    peer = next(c for c in data if c["name"] == "StreamPeer")
    assert peer["instanciable"] is False
    assert peer["is_reference"] is True


def test_httpclient_entry(http: dict[str, Any]) -> None:
    assert {k: http[k] for k in CLASS_KEYS[:7]} == {
        "name": "HTTPClient",
        "base_class": "Reference",
        "api_type": "core",
        "singleton": False,
        "singleton_name": "",
        "instanciable": True,
        "is_reference": True,
    }
    assert len(http["methods"]) == 22
    assert len(http["properties"]) == 3
    assert len(http["constants"]) == 81
    assert len(http["enums"]) == 3
    assert http["signals"] == []
    assert [m["name"] for m in http["methods"]] == sorted(m["name"] for m in http["methods"])
    assert list(http["constants"])[:3] == ["METHOD_CONNECT", "METHOD_DELETE", "METHOD_GET"]
    assert list(http["constants"]) == sorted(http["constants"], key=str.upper)
    # The engine upper-cases before comparing, so "_" sorts after the letters.
    order = list(http["constants"])
    assert order.index("RESPONSE_MULTIPLE_CHOICES") < order.index("RESPONSE_MULTI_STATUS")


def test_ip_is_the_singleton(data: list[dict[str, Any]]) -> None:
    ip = next(c for c in data if c["name"] == "IP")
    assert (ip["singleton"], ip["singleton_name"], ip["instanciable"]) == (True, "IP", False)
    others = [c["name"] for c in data[1:] if c["singleton"] or c["singleton_name"]]
    assert others == ["IP"]


def test_get_status_and_enum_spellings(http: dict[str, Any]) -> None:
    status = method(http, "get_status")
    assert status["return_type"] == "enum.HTTPClient::Status"
    assert status["is_const"] is True
    assert status["is_virtual"] is False
    assert method(http, "poll")["return_type"] == "enum.Error"
    request = method(http, "request")
    assert request["arguments"][0] == {
        "name": "method",
        "type": "int",
        "has_default_value": False,
        "default_value": "",
    }
    assert method(http, "get_connection")["return_type"] == "StreamPeer"


def test_argument_default_text_forms(http: dict[str, Any]) -> None:
    connect = method(http, "connect_to_host")
    assert connect["return_type"] == "enum.Error"
    assert [
        (a["name"], a["type"], a["has_default_value"], a["default_value"])
        for a in connect["arguments"]
    ] == [
        ("host", "String", False, ""),
        ("port", "int", True, "-1"),
        ("use_ssl", "bool", True, "False"),
        ("verify_host", "bool", True, "True"),
    ]
    body = method(http, "request")["arguments"][3]
    assert body == {
        "name": "body",
        "type": "String",
        "has_default_value": True,
        "default_value": "",
    }
    raw = method(http, "request_raw")["arguments"][3]
    assert raw["type"] == "PoolByteArray"
    assert raw["has_default_value"] is False


def test_properties_and_enums(http: dict[str, Any]) -> None:
    assert http["properties"] == [
        {
            "name": "blocking_mode_enabled",
            "type": "bool",
            "getter": "is_blocking_mode_enabled",
            "setter": "set_blocking_mode",
            "index": -1,
        },
        {
            "name": "connection",
            "type": "StreamPeer",
            "getter": "get_connection",
            "setter": "set_connection",
            "index": -1,
        },
        {
            "name": "read_chunk_size",
            "type": "int",
            "getter": "get_read_chunk_size",
            "setter": "set_read_chunk_size",
            "index": -1,
        },
    ]
    assert [e["name"] for e in http["enums"]] == ["Method", "Status", "ResponseCode"]
    method_enum = http["enums"][0]["values"]
    assert list(method_enum.items())[:2] == [("METHOD_GET", 0), ("METHOD_HEAD", 1)]
    assert list(method_enum)[-1] == "METHOD_MAX"
    assert len(http["enums"][2]["values"]) == 61
