"""Sweeps over every bound method of every registered class, generated from ClassDB's own info.

Two rules of the binding layer hold for all of them, whatever the class (object_model.md §2.8,
API.md): a freed object's methods and properties log one freed-instance line and answer the
empty value of their declared type, and a direct call with an argument of the wrong Python type
raises TypeError with the text a call by name logs. ``import net`` registers the network
classes; ``SweepUser`` stands for a user's own registered class.
"""

from __future__ import annotations

import select
import socket
from typing import Any

import pytest

import net
from engine.object_model import (
    ClassDB,
    Error,
    Object,
    PropertyInfo,
    PropertyUsage,
    Ref,
    Reference,
    VariantType,
    registry,
)
from net import IP, HTTPClient
from support import LogLines


class SweepUser(Reference):
    """A user's class: one method per kind of return value, and a property."""

    def __init__(self) -> None:
        super().__init__()
        self._level = 3

    def set_level(self, level: int) -> None:
        self._level = level

    def get_level(self) -> int:
        return self._level

    def describe(self, prefix: str, extra: list[str]) -> str:
        return prefix + ",".join(extra)

    def ratio(self) -> float:
        return 0.5

    def pack(self, data: bytes, table: dict[str, Any]) -> bytes:
        return data + bytes(len(table))

    def check(self) -> Error:
        return Error.OK

    def anything(self, value: Any) -> Any:
        return value

    def remember(self, tags: list[str], kind: int = Error.FAILED) -> None:
        self.kept = (tags, kind)

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "set_level", args=("level",))
        ClassDB.bind_method(cls, "get_level", const=True)
        ClassDB.bind_method(cls, "describe", args=("prefix", "extra"))
        ClassDB.bind_method(cls, "ratio", const=True)
        ClassDB.bind_method(cls, "pack", args=("data", "table"))
        ClassDB.bind_method(cls, "check")
        ClassDB.bind_method(cls, "anything", args=("value",))
        ClassDB.bind_method(cls, "remember", args=("tags", "kind"), defaults=(Error.FAILED,))
        ClassDB.add_property(
            cls, PropertyInfo(name="level", type=VariantType.INT), "set_level", "get_level"
        )


ClassDB.register_class(SweepUser)

#: Classes of the library (not those other test modules register), and the user's.
SWEPT = sorted(
    name
    for name, info in registry.classes.items()
    if info.cls.__module__.startswith(("engine.", "net.")) or info.cls is SweepUser
)
assert {"Object", "Reference", "WeakRef", "HTTPClient", "StreamPeerTCP", "IP"} <= set(SWEPT)
#: Each class that can be instanced, with IP through its singleton's class.
INSTANCED = [n for n in SWEPT if ClassDB.can_instance(n) or n == "IP"]
STILL_ANSWERING = {"get_instance_id", "get_class", "is_class", "to_string"}
BY_NAME = {"call", "callv"}  # these report an INSTANCE_IS_NULL call error instead

#: A value of each type that the type accepts (the sweeps only need it to pass the checks).
VALID: dict[int, Any] = {
    VariantType.NIL: None,
    VariantType.BOOL: True,
    VariantType.INT: 1,
    VariantType.REAL: 1.5,
    VariantType.STRING: "x",
    VariantType.OBJECT: None,
    VariantType.DICTIONARY: {},
    VariantType.ARRAY: [],
    VariantType.POOL_BYTE_ARRAY: b"",
    VariantType.POOL_INT_ARRAY: [],
    VariantType.POOL_REAL_ARRAY: [],
    VariantType.POOL_STRING_ARRAY: [],
}
#: A value of each type that the type refuses, and the engine's name of that value's type.
WRONG: dict[int, tuple[Any, str]] = {
    VariantType.BOOL: ("x", "String"),
    VariantType.INT: ("x", "String"),
    VariantType.REAL: ("x", "String"),
    VariantType.STRING: (1.5, "float"),
    VariantType.OBJECT: ("x", "String"),
    VariantType.DICTIONARY: ([], "Array"),
    VariantType.ARRAY: ("x", "String"),
    VariantType.POOL_BYTE_ARRAY: ("x", "String"),
    VariantType.POOL_INT_ARRAY: ("x", "String"),
    VariantType.POOL_REAL_ARRAY: (1, "int"),
    VariantType.POOL_STRING_ARRAY: ("x", "String"),
}
#: The empty value of each return type (object_model.md §2.8).
EMPTY: dict[int, Any] = {
    VariantType.NIL: None,
    VariantType.BOOL: False,
    VariantType.INT: 0,
    VariantType.REAL: 0.0,
    VariantType.STRING: "",
    VariantType.OBJECT: None,
    VariantType.DICTIONARY: {},
    VariantType.ARRAY: [],
    VariantType.POOL_BYTE_ARRAY: b"",
    VariantType.POOL_INT_ARRAY: [],
    VariantType.POOL_REAL_ARRAY: [],
    VariantType.POOL_STRING_ARRAY: [],
}


def _methods(class_name: str) -> list[dict[str, Any]]:
    return ClassDB.class_get_method_list(class_name)


def _cases(with_args: bool = False) -> list[tuple[str, str]]:
    return [(c, m["name"]) for c in INSTANCED for m in _methods(c) if m["args"] or not with_args]


def _method(class_name: str, method: str) -> dict[str, Any]:
    (found,) = [m for m in _methods(class_name) if m["name"] == method]
    return found


def _make(class_name: str) -> Object:
    if class_name == "IP":
        return type(IP.get_singleton())()  # another instance of the singleton's class
    made = ClassDB.instance(class_name)
    assert isinstance(made, Object)
    return made


def _free(obj: Object) -> None:
    if isinstance(obj, Reference):
        Ref(obj).release()
    else:
        obj.free()
    assert obj.to_string() == "[Deleted Object]"


def _state(obj: Object) -> dict[str, Any]:
    return dict(getattr(obj, "__dict__", {}))


def _empty(returns: dict[str, Any]) -> Any:
    if returns["type"] == VariantType.INT and returns["class_name"] == "Error":
        return Error.ERR_INVALID_PARAMETER
    return EMPTY[returns["type"]]


# --- freed objects ------------------------------------------------------------------------


@pytest.mark.parametrize(("class_name", "method"), _cases())
def test_a_freed_objects_method_called_directly_logs_once_and_answers_empty(
    engine_log: LogLines, class_name: str, method: str
) -> None:
    obj = _make(class_name)
    obj_id = obj.get_instance_id()
    _free(obj)
    info = _method(class_name, method)
    args = [VALID[a["type"]] for a in info["args"]]
    before = _state(obj)
    engine_log.clear()
    result = getattr(obj, method)(*args)
    if method in STILL_ANSWERING:
        expected = {
            "get_instance_id": obj_id,
            "get_class": class_name,
            "is_class": False,  # is_class("x")
            "to_string": "[Deleted Object]",
        }[method]
        assert result == expected
        assert engine_log.lines == []
        return
    if method in BY_NAME:
        assert result is None
        assert engine_log.lines == [
            f"ERROR: {method}: Error calling method from '{method}': "
            f"'{class_name}::x': Instance is null."
        ]
        return
    empty = _empty(info["return"])
    assert result == empty
    assert type(result) is type(empty)
    assert engine_log.lines == [
        f"ERROR: {method}: Attempt to call '{method}' on a previously freed instance."
    ]
    assert _state(obj) == before  # no other effect


@pytest.mark.parametrize(("class_name", "method"), _cases())
def test_a_freed_objects_method_called_by_name_logs_instance_is_null(
    engine_log: LogLines, class_name: str, method: str
) -> None:
    obj = _make(class_name)
    _free(obj)
    args = [VALID[a["type"]] for a in _method(class_name, method)["args"]]
    engine_log.clear()
    assert obj.call(method, *args) is None
    assert obj.callv(method, args) is None
    detail = f"'{class_name}::{method}': Instance is null."
    assert engine_log.lines == [
        f"ERROR: call: Error calling method from 'call': {detail}",
        f"ERROR: callv: Error calling method from 'callv': {detail}",
    ]


def _properties() -> list[tuple[str, dict[str, Any]]]:
    skip = PropertyUsage.GROUP | PropertyUsage.CATEGORY
    return [
        (c, p)
        for c in INSTANCED
        for p in ClassDB.class_get_property_list(c)
        if not p["usage"] & skip
    ]


@pytest.mark.parametrize(("class_name", "prop"), _properties(), ids=lambda v: str(v))
def test_a_freed_objects_property_reads_empty_and_ignores_writes(
    engine_log: LogLines, class_name: str, prop: dict[str, Any]
) -> None:
    obj = _make(class_name)
    _free(obj)
    engine_log.clear()
    name = prop["name"]
    getter = ClassDB.class_get_property_getter(class_name, name)
    setter = ClassDB.class_get_property_setter(class_name, name)
    value = getattr(obj, name)
    assert value == EMPTY[prop["type"]]
    assert type(value) is type(EMPTY[prop["type"]])
    expected = [f"ERROR: {getter}: Attempt to call '{getter}' on a previously freed instance."]
    if setter:  # a read-only property (SceneTree.root, Timer.time_left) has nothing to write
        setattr(obj, name, VALID[prop["type"]])
        expected.append(
            f"ERROR: {setter}: Attempt to call '{setter}' on a previously freed instance."
        )
    assert engine_log.lines == expected


def test_the_sweep_covers_subclasses_and_user_classes() -> None:
    cases = set(_cases())
    assert ("HTTPClient", "request") in cases
    assert ("StreamPeerBuffer", "put_data") in cases  # StreamPeer's own, through a subclass
    assert ("SweepUser", "describe") in cases
    assert ("SweepUser", "init_ref") in cases


def test_freeing_runs_predelete_hooks_while_the_methods_still_work() -> None:
    seen: list[Any] = []

    class Watched(SweepUser):
        def _notification(self, what: int) -> None:
            if what == Object.NOTIFICATION_PREDELETE:
                seen.append(self.get_level())

    watched = Watched()
    watched.set_level(8)
    _free(watched)
    assert seen == [8]


def test_a_freed_http_client_connects_nowhere_and_sends_nothing(engine_log: LogLines) -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener:
        port = listener.getsockname()[1]
        # The same steps on a live client do reach the listener: the check below can fail.
        live = HTTPClient()
        assert live.connect_to_host("127.0.0.1", port) == Error.OK
        while live.get_status() in (HTTPClient.STATUS_RESOLVING, HTTPClient.STATUS_CONNECTING):
            live.poll()
        assert select.select([listener], [], [], 5)[0] == [listener]
        listener.accept()[0].close()
        live.close()

        http = HTTPClient()
        _free(http)
        engine_log.clear()
        http.blocking_mode_enabled = True
        assert http.connect_to_host("127.0.0.1", port) == Error.ERR_INVALID_PARAMETER
        assert http.poll() == Error.ERR_INVALID_PARAMETER
        assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.ERR_INVALID_PARAMETER
        assert http.request_raw(HTTPClient.METHOD_POST, "/", [], b"x") == (
            Error.ERR_INVALID_PARAMETER
        )
        assert http.get_status() == 0
        assert select.select([listener], [], [], 0)[0] == []
        assert [line.split(":")[1].strip() for line in engine_log.lines] == [
            "set_blocking_mode",
            "connect_to_host",
            "poll",
            "request",
            "request_raw",
            "get_status",
        ]


def test_a_freed_object_still_is_an_instance_of_its_class() -> None:
    http = HTTPClient()
    _free(http)
    assert isinstance(http, HTTPClient)
    assert http.get_class() == "HTTPClient"
    assert repr(http) == "[Deleted Object]"


# --- wrong Python types in direct calls ---------------------------------------------------


def _wrong_type_cases() -> list[tuple[str, str, int]]:
    return [
        (c, m, i)
        for c, m in _cases(with_args=True)
        for i, arg in enumerate(_method(c, m)["args"])
        if arg["type"] in WRONG
    ]


@pytest.mark.parametrize(("class_name", "method", "index"), _wrong_type_cases())
def test_a_direct_call_with_a_wrong_type_raises_the_engines_conversion_error(
    engine_log: LogLines, class_name: str, method: str, index: int
) -> None:
    obj = IP.get_singleton() if class_name == "IP" else _make(class_name)
    declared = _method(class_name, method)["args"]
    args = [VALID[a["type"]] for a in declared]
    wrong, given = WRONG[declared[index]["type"]]
    args[index] = wrong
    expected = VariantType(declared[index]["type"]).type_name
    detail = f"Cannot convert argument {index + 1} from {given} to {expected}."
    with pytest.raises(TypeError) as raised:
        getattr(obj, method)(*args)
    text = str(raised.value)
    assert text.startswith(f"Invalid type in function '{method}' in base '{class_name}'. {detail}")
    assert engine_log.lines == []
    # A call by name refuses the same argument with the same words.
    assert obj.call(method, *args) is None
    assert engine_log.lines == [
        f"ERROR: call: Error calling method from 'call': '{class_name}::{method}': {detail}"
    ]
    if class_name != "IP" and not isinstance(obj, Reference):
        obj.free()


def test_the_wrong_type_sweep_covers_every_typed_argument() -> None:
    cases = set(_wrong_type_cases())
    assert ("HTTPClient", "request", 3) in cases
    assert ("Object", "connect", 1) in cases  # an Object argument
    assert ("Object", "emit_signal", 0) in cases  # a vararg method's leading argument
    assert ("SweepUser", "pack", 1) in cases


def test_a_bytes_body_for_request_names_request_raw() -> None:
    http = HTTPClient()
    with pytest.raises(TypeError) as raised:
        http.request(HTTPClient.METHOD_POST, "/", [], body=b"payload")  # type: ignore[arg-type]
    assert str(raised.value) == (
        "Invalid type in function 'request' in base 'HTTPClient'. Cannot convert argument 4 "
        "from PoolByteArray to String. Use request_raw() to send bytes."
    )


def test_a_direct_call_converts_as_a_call_by_name_does() -> None:
    user = SweepUser()
    assert user.describe("a", ("b", 1)) == "ab,1"  # tuple -> Array, items -> String
    user.set_level(2.9)  # type: ignore[arg-type]
    assert user.get_level() == 2
    assert user.pack(bytearray(b"x"), {}) == b"x"
    assert user.anything(object) is object  # Variant takes anything


def test_a_direct_call_hands_on_what_a_call_by_name_hands_on() -> None:
    """A list for a PoolStringArray arrives as a new list of strings (the method may keep it
    without the caller's later changes reaching it); an enum member or a bool for an int
    arrives as a plain int; the function's own default arrives untouched."""
    user = SweepUser()
    for call in (user.remember, lambda *args: user.call("remember", *args)):
        tags: list[Any] = ["a", 1]
        call(tags, HTTPClient.METHOD_POST)
        kept, kind = user.kept
        assert kept == ["a", "1"]
        assert kept is not tags
        assert type(kind) is int
        assert kind == 2
        tags.append("later")
        assert user.kept[0] == ["a", "1"]
        call(["b"], True)
        assert user.kept == (["b"], 1)
        assert type(user.kept[1]) is int
    user.remember([])
    assert user.kept[1] is Error.FAILED


def test_a_direct_call_keeps_python_defaults_and_keywords() -> None:
    obj = Object()
    obj.add_user_signal("s")  # the function's own default (None for the arguments list)
    assert obj.has_user_signal(signal="s")
    with pytest.raises(TypeError, match="Cannot convert argument 1 from int to String"):
        obj.has_user_signal(signal=5)  # type: ignore[arg-type]
    obj.free()


def test_an_out_of_range_int_reaches_the_method_which_judges_it() -> None:
    buffer = net.StreamPeerBuffer()
    buffer.put_u64(2**64 - 1)  # the right Python type: no TypeError
    buffer.seek(0)
    assert buffer.get_u64() == 2**64 - 1


def test_direct_calls_without_arguments_are_the_functions_themselves() -> None:
    """The hot calls carry no checking wrapper at all."""
    for name in ("poll", "get_status", "read_response_body_chunk"):
        assert getattr(HTTPClient, name) is HTTPClient.__dict__[name]
        assert not hasattr(HTTPClient.__dict__[name], "__wrapped__")
    assert hasattr(HTTPClient.__dict__["request"], "__wrapped__")


def test_a_subclass_override_of_a_bound_method_is_checked_as_the_bound_one() -> None:
    class Overriding(SweepUser):  # unregistered; it redefines a bound method
        def describe(self, prefix: Any, extra: Any) -> str:
            return f"mine:{prefix}:{extra}"

    user = Overriding()
    assert user.describe("a", ("b",)) == "mine:a:['b']"  # converted as the bound method's
    with pytest.raises(TypeError) as raised:
        user.describe(1.5, [])
    assert str(raised.value) == (
        "Invalid type in function 'describe' in base 'SweepUser'. "
        "Cannot convert argument 1 from float to String."
    )
