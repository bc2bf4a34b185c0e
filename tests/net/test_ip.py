"""The ``IP`` singleton: queued and blocking lookups, the 256-slot queue, cache, IDNA, ClassDB.

No internet: only ``localhost``, IP literals and RFC 2606 ``.invalid`` names reach the system
resolver. Lookups that must stay WAITING go through ``_system_lookup`` replaced by a gate the
test opens (a seam for timing, not a stand-in for the behaviour under test).
"""

from __future__ import annotations

import ipaddress
import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest

import net.ip as ip_module
from engine.object_model import ClassDB, MethodFlags, VariantType
from net.ip import IP, ascii_hostname, is_ip_literal
from net.settings import CONNECT_TIMEOUT, DEFAULTS, set_setting

NONE = IP.ResolverStatus.RESOLVER_STATUS_NONE
WAITING = IP.ResolverStatus.RESOLVER_STATUS_WAITING
DONE = IP.ResolverStatus.RESOLVER_STATUS_DONE
ERROR = IP.ResolverStatus.RESOLVER_STATUS_ERROR
LOOPBACK = {"127.0.0.1", "::1"}
SETTLE_SECONDS = 10.0


class Gate:
    """A fake system lookup that records its calls and answers only once opened."""

    def __init__(self, answer: list[str]) -> None:
        self.answer = answer
        self.answers: dict[str, list[str]] = {}  # per-name answers, else ``answer``
        self.calls: list[tuple[str, int]] = []
        self.opened = threading.Event()
        self.entered = threading.Event()
        self._lock = threading.Lock()

    def __call__(self, name: str, family: int) -> list[str]:
        with self._lock:
            self.calls.append((name, family))
        self.entered.set()
        self.opened.wait(SETTLE_SECONDS)
        return list(self.answers.get(name, self.answer))


@pytest.fixture(autouse=True)
def resolver() -> Iterator[IP]:
    """The singleton with an empty queue and cache before and after each test."""
    ip = IP.get_singleton()
    _reset(ip)
    yield ip
    _reset(IP.get_singleton())


def _reset(ip: IP) -> None:
    for slot in range(IP.RESOLVER_MAX_QUERIES):
        ip.erase_resolve_item(slot)
    ip.clear_cache()


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    fake = Gate(["192.0.2.1"])
    monkeypatch.setattr(ip_module, "_system_lookup", fake)
    try:
        yield fake
    finally:
        fake.opened.set()


@pytest.fixture
def answered(monkeypatch: pytest.MonkeyPatch) -> Gate:
    """A fake system lookup that answers at once."""
    fake = Gate(["192.0.2.7", "2001:db8::7"])
    fake.opened.set()
    monkeypatch.setattr(ip_module, "_system_lookup", fake)
    return fake


def settle(ip: IP, *ids: int) -> list[IP.ResolverStatus]:
    """Poll the statuses until none is WAITING (bounded by a generous deadline)."""
    deadline = time.monotonic() + SETTLE_SECONDS
    statuses = [ip.get_resolve_item_status(i) for i in ids]
    while WAITING in statuses and time.monotonic() < deadline:
        time.sleep(0.01)
        statuses = [ip.get_resolve_item_status(i) for i in ids]
    return statuses


# --- registration ---------------------------------------------------------------------------


def test_ip_is_a_virtual_class_with_one_instance(engine_log: Any) -> None:
    assert ClassDB.class_exists("IP")
    assert ClassDB.get_parent_class("IP") == "Object"
    assert not ClassDB.can_instance("IP")
    assert ClassDB.instance("IP") is None
    assert engine_log.lines == [
        "ERROR: instance: Class 'IP' or its base class cannot be instantiated."
    ]
    with pytest.raises(TypeError):
        IP()
    ip = IP.get_singleton()
    assert ip is IP.get_singleton()
    assert ip.get_class() == "IP"
    assert ip.is_class("Object")


def test_a_freed_singleton_is_replaced() -> None:
    old = IP.get_singleton()
    old.free()
    new = IP.get_singleton()
    assert new is not old
    assert new.resolve_hostname("127.0.0.1") == "127.0.0.1"


def test_constants_in_engine_order() -> None:
    assert ClassDB.class_get_integer_constant_list("IP", True) == [
        "RESOLVER_STATUS_NONE",
        "RESOLVER_STATUS_WAITING",
        "RESOLVER_STATUS_DONE",
        "RESOLVER_STATUS_ERROR",
        "RESOLVER_MAX_QUERIES",
        "RESOLVER_INVALID_ID",
        "TYPE_NONE",
        "TYPE_IPV4",
        "TYPE_IPV6",
        "TYPE_ANY",
    ]
    assert ClassDB.class_get_enum_list("IP", True) == ["ResolverStatus", "Type"]
    assert ClassDB.class_get_integer_constant_enum("IP", "RESOLVER_MAX_QUERIES") == ""
    assert ClassDB.class_get_integer_constant_enum("IP", "TYPE_IPV6") == "Type"
    values = {
        "RESOLVER_STATUS_NONE": 0,
        "RESOLVER_STATUS_WAITING": 1,
        "RESOLVER_STATUS_DONE": 2,
        "RESOLVER_STATUS_ERROR": 3,
        "RESOLVER_MAX_QUERIES": 256,
        "RESOLVER_INVALID_ID": -1,
        "TYPE_NONE": 0,
        "TYPE_IPV4": 1,
        "TYPE_IPV6": 2,
        "TYPE_ANY": 3,
    }
    for name, value in values.items():
        assert ClassDB.class_get_integer_constant("IP", name) == value
        assert getattr(IP, name) == value


def test_methods_in_engine_order_with_args_and_defaults() -> None:
    methods = {m["name"]: m for m in ClassDB.class_get_method_list("IP", True)}
    assert list(methods) == [
        "resolve_hostname",
        "resolve_hostname_addresses",
        "resolve_hostname_queue_item",
        "get_resolve_item_status",
        "get_resolve_item_address",
        "get_resolve_item_addresses",
        "erase_resolve_item",
        "get_local_addresses",
        "clear_cache",
    ]
    expected = {
        # name: (arg names, default_args, const, return type)
        "resolve_hostname": (["host", "ip_type"], [3], False, VariantType.STRING),
        "resolve_hostname_addresses": (["host", "ip_type"], [3], False, VariantType.ARRAY),
        "resolve_hostname_queue_item": (["host", "ip_type"], [3], False, VariantType.INT),
        "get_resolve_item_status": (["id"], [], True, VariantType.INT),
        "get_resolve_item_address": (["id"], [], True, VariantType.STRING),
        "get_resolve_item_addresses": (["id"], [], True, VariantType.ARRAY),
        "erase_resolve_item": (["id"], [], False, VariantType.NIL),
        "get_local_addresses": ([], [], True, VariantType.ARRAY),
        "clear_cache": (["hostname"], [""], False, VariantType.NIL),
    }
    for name, (args, defaults, const, returns) in expected.items():
        method = methods[name]
        assert [a["name"] for a in method["args"]] == args, name
        assert method["default_args"] == defaults, name
        assert bool(method["flags"] & MethodFlags.CONST) == const, name
        assert method["return"]["type"] == returns, name
    ip_type = methods["resolve_hostname"]["args"][1]
    assert (ip_type["type"], ip_type["class_name"]) == (VariantType.INT, "IP.Type")
    assert methods["get_resolve_item_status"]["return"]["class_name"] == "IP.ResolverStatus"


def test_bound_methods_answer_calls_by_name(resolver: IP) -> None:
    slot = resolver.call("resolve_hostname_queue_item", "127.0.0.1")
    assert resolver.call("get_resolve_item_status", slot) == DONE
    assert resolver.call("get_resolve_item_addresses", slot) == ["127.0.0.1"]
    assert resolver.call("resolve_hostname", "::1", IP.TYPE_IPV6) == "::1"


# --- literals -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "address"),
    [
        ("127.0.0.1", "127.0.0.1"),
        ("::1", "::1"),
        ("0:0:0:0:0:0:0:1", "::1"),
        ("2001:DB8::1", "2001:db8::1"),
        ("fe80::1%lo", "fe80::1%lo"),
    ],
)
def test_literals_are_done_at_once_without_a_lookup(
    resolver: IP, gate: Gate, literal: str, address: str
) -> None:
    slot = resolver.resolve_hostname_queue_item(literal)
    assert resolver.get_resolve_item_status(slot) == DONE
    assert resolver.get_resolve_item_address(slot) == address
    assert resolver.get_resolve_item_addresses(slot) == [address]
    assert resolver.resolve_hostname(literal) == address
    assert resolver.resolve_hostname_addresses(literal) == [address]
    assert gate.calls == []


def test_a_literal_of_the_other_family_fails_at_once(resolver: IP, gate: Gate) -> None:
    v4_as_v6 = resolver.resolve_hostname_queue_item("127.0.0.1", IP.TYPE_IPV6)
    v6_as_v4 = resolver.resolve_hostname_queue_item("::1", IP.TYPE_IPV4)
    assert resolver.get_resolve_item_status(v4_as_v6) == ERROR
    assert resolver.get_resolve_item_status(v6_as_v4) == ERROR
    assert resolver.resolve_hostname("127.0.0.1", IP.TYPE_IPV6) == ""
    assert resolver.resolve_hostname("::1", IP.TYPE_IPV4) == ""
    assert resolver.resolve_hostname("::1", IP.TYPE_NONE) == "::1"
    assert gate.calls == []


@pytest.mark.parametrize(
    ("text", "literal"),
    [
        ("127.0.0.1", True),
        ("::1", True),
        ("fe80::1%eth0", True),
        ("::ffff:192.0.2.1", True),
        ("[::1]", False),
        ("127.1", False),
        ("localhost", False),
        ("", False),
        ("1.2.3.4.5", False),
    ],
)
def test_is_ip_literal(text: str, literal: bool) -> None:
    assert is_ip_literal(text) is literal


# --- the system resolver (localhost and .invalid only) --------------------------------------


def test_localhost_resolves_through_the_queue(resolver: IP) -> None:
    slot = resolver.resolve_hostname_queue_item("localhost")
    assert settle(resolver, slot) == [DONE]
    addresses = resolver.get_resolve_item_addresses(slot)
    assert addresses
    assert set(addresses) <= LOOPBACK
    assert len(addresses) == len(set(addresses))
    assert resolver.get_resolve_item_address(slot) == addresses[0]


def test_localhost_resolves_blocking(resolver: IP) -> None:
    assert resolver.resolve_hostname("localhost") in LOOPBACK
    addresses = resolver.resolve_hostname_addresses("localhost")
    assert addresses
    assert set(addresses) <= LOOPBACK


def test_an_invalid_name_ends_in_error_logged_at_debug_only(
    resolver: IP, engine_log: Any, caplog: pytest.LogCaptureFixture
) -> None:
    slot = resolver.resolve_hostname_queue_item("nonexistent.invalid")
    assert settle(resolver, slot) == [ERROR]
    assert resolver.resolve_hostname("nonexistent.invalid") == ""
    assert resolver.resolve_hostname_addresses("nonexistent.invalid") == []
    assert engine_log.lines == []
    debug = [r for r in caplog.records if r.name == "net.ip" and r.levelno == logging.DEBUG]
    assert any("nonexistent.invalid" in r.getMessage() for r in debug)
    assert resolver.get_resolve_item_address(slot) == ""
    assert engine_log.lines == [
        "ERROR: get_resolve_item_address: Resolve of 'nonexistent.invalid' didn't complete yet."
    ]


def test_type_filters_the_families(resolver: IP) -> None:
    v4 = resolver.resolve_hostname_addresses("localhost", IP.TYPE_IPV4)
    v6 = resolver.resolve_hostname_addresses("localhost", IP.TYPE_IPV6)
    assert v4
    assert all(ipaddress.ip_address(a).version == 4 for a in v4)
    assert all(ipaddress.ip_address(a).version == 6 for a in v6)
    slot = resolver.resolve_hostname_queue_item("localhost", IP.TYPE_IPV4)
    assert settle(resolver, slot) == [DONE]
    assert resolver.get_resolve_item_addresses(slot) == v4


def test_get_local_addresses_includes_loopback(resolver: IP) -> None:
    addresses = resolver.get_local_addresses()
    assert "127.0.0.1" in addresses
    assert len(addresses) == len(set(addresses))
    assert all(is_ip_literal(a) for a in addresses)


# --- the queue ------------------------------------------------------------------------------


def test_the_queue_holds_256_lookups(resolver: IP, gate: Gate, engine_log: Any) -> None:
    ids = [resolver.resolve_hostname_queue_item(f"wait{n}.invalid") for n in range(256)]
    assert ids == list(range(256))
    assert all(resolver.get_resolve_item_status(i) == WAITING for i in ids)
    assert engine_log.lines == []
    assert resolver.resolve_hostname_queue_item("one-more.invalid") == IP.RESOLVER_INVALID_ID
    assert resolver.resolve_hostname_queue_item("127.0.0.1") == IP.RESOLVER_INVALID_ID
    assert (
        engine_log.lines
        == [
            "WARNING: resolve_hostname_queue_item: Out of resolver queries",
        ]
        * 2
    )
    resolver.erase_resolve_item(7)
    assert resolver.resolve_hostname_queue_item("10.0.0.7") == 7
    assert resolver.get_resolve_item_status(7) == DONE
    gate.opened.set()
    assert settle(resolver, *ids) == [DONE] * 256
    assert resolver.get_resolve_item_address(7) == "10.0.0.7"  # the erased lookup's late answer
    assert resolver.get_resolve_item_address(8) == "192.0.2.1"
    workers = [t for t in threading.enumerate() if t.name.startswith("net.ip resolver")]
    assert 1 <= len(workers) <= ip_module.RESOLVER_THREADS
    assert all(t.daemon for t in workers)


def test_ids_are_erased_and_reused(resolver: IP, engine_log: Any) -> None:
    first = resolver.resolve_hostname_queue_item("192.0.2.1")
    second = resolver.resolve_hostname_queue_item("192.0.2.2")
    assert (first, second) == (0, 1)
    resolver.erase_resolve_item(first)
    assert resolver.get_resolve_item_status(first) == NONE
    assert engine_log.lines == [
        "ERROR: get_resolve_item_status: Condition status == IP::RESOLVER_STATUS_NONE"
    ]
    assert resolver.resolve_hostname_queue_item("192.0.2.3") == first
    assert resolver.get_resolve_item_address(first) == "192.0.2.3"
    assert resolver.get_resolve_item_address(second) == "192.0.2.2"


def test_an_erased_waiting_lookup_leaves_its_slot_alone(resolver: IP, gate: Gate) -> None:
    gate.answers = {"slow.invalid": ["192.0.2.8"], "other.invalid": ["192.0.2.9"]}
    slot = resolver.resolve_hostname_queue_item("slow.invalid")
    assert gate.entered.wait(SETTLE_SECONDS)  # its lookup is running
    assert resolver.get_resolve_item_status(slot) == WAITING
    resolver.erase_resolve_item(slot)
    reused = resolver.resolve_hostname_queue_item("other.invalid")
    assert reused == slot
    gate.opened.set()
    assert settle(resolver, reused) == [DONE]
    assert resolver.get_resolve_item_addresses(reused) == ["192.0.2.9"]


@pytest.mark.parametrize("bad", [-1, 256, 1000])
def test_bad_ids_log_the_index_line(resolver: IP, engine_log: Any, bad: int) -> None:
    assert resolver.get_resolve_item_status(bad) == NONE
    assert resolver.get_resolve_item_address(bad) == ""
    assert resolver.get_resolve_item_addresses(bad) == []
    resolver.erase_resolve_item(bad)
    tail = f"Index p_id = {bad} is out of bounds (IP::RESOLVER_MAX_QUERIES = 256)."
    assert engine_log.lines == [
        f"ERROR: {function}: {tail}"
        for function in (
            "get_resolve_item_status",
            "get_resolve_item_address",
            "get_resolve_item_addresses",
            "erase_resolve_item",
        )
    ]


def test_an_unused_id_answers_empty_values(resolver: IP, engine_log: Any) -> None:
    assert resolver.get_resolve_item_status(5) == NONE
    assert resolver.get_resolve_item_address(5) == ""
    assert resolver.get_resolve_item_addresses(5) == []
    assert engine_log.lines == [
        "ERROR: get_resolve_item_status: Condition status == IP::RESOLVER_STATUS_NONE",
        "ERROR: get_resolve_item_address: Resolve of '' didn't complete yet.",
        "ERROR: get_resolve_item_addresses: Resolve of '' didn't complete yet.",
    ]


def test_a_waiting_lookup_has_no_address_yet(resolver: IP, gate: Gate, engine_log: Any) -> None:
    slot = resolver.resolve_hostname_queue_item("pending\r\n.invalid")
    assert resolver.get_resolve_item_addresses(slot) == []
    assert engine_log.lines == [
        "ERROR: get_resolve_item_addresses: Resolve of 'pending\\r\\n.invalid' didn't complete yet."
    ]


def test_an_empty_host_is_refused(resolver: IP, engine_log: Any) -> None:
    assert resolver.resolve_hostname_queue_item("") == IP.RESOLVER_INVALID_ID
    assert resolver.resolve_hostname("") == ""
    assert resolver.resolve_hostname_addresses("") == []
    condition = 'Condition "p_hostname.empty()" is true. Returned:'
    assert engine_log.lines == [
        f"ERROR: resolve_hostname_queue_item: {condition} -1",
        f"ERROR: resolve_hostname: {condition} String()",
        f"ERROR: resolve_hostname_addresses: {condition} Array()",
    ]
    assert resolver.resolve_hostname_queue_item("192.0.2.1") == 0


def test_a_lookup_waiting_past_the_connect_timeout_fails(
    resolver: IP, gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(ip_module, "_clock", lambda: now[0])
    timeout = 5
    set_setting(CONNECT_TIMEOUT, timeout)
    try:
        slot = resolver.resolve_hostname_queue_item("stuck.invalid")
    finally:
        set_setting(CONNECT_TIMEOUT, DEFAULTS[CONNECT_TIMEOUT])
    assert gate.entered.wait(SETTLE_SECONDS)  # a worker is inside the lookup
    now[0] += timeout - 1
    assert resolver.get_resolve_item_status(slot) == WAITING
    now[0] += 1
    assert resolver.get_resolve_item_status(slot) == ERROR
    # Let the stuck lookup answer late; its answer reaches the cache but not the slot. Failures
    # are not cached, so the blocking call sees "" until the worker's answer has landed.
    monkeypatch.setattr(ip_module, "_system_lookup", lambda name, family: [])
    gate.opened.set()
    deadline = time.monotonic() + SETTLE_SECONDS
    while resolver.resolve_hostname("stuck.invalid") == "" and time.monotonic() < deadline:
        time.sleep(0.01)
    assert resolver.resolve_hostname("stuck.invalid") == "192.0.2.1"
    assert resolver.get_resolve_item_status(slot) == ERROR


def test_a_connect_timeout_of_zero_leaves_the_wait_unbounded(
    resolver: IP, gate: Gate, monkeypatch: pytest.MonkeyPatch
) -> None:
    now = [1000.0]
    monkeypatch.setattr(ip_module, "_clock", lambda: now[0])
    set_setting(CONNECT_TIMEOUT, 0)
    try:
        slot = resolver.resolve_hostname_queue_item("patient.invalid")
    finally:
        set_setting(CONNECT_TIMEOUT, DEFAULTS[CONNECT_TIMEOUT])
    now[0] += 1e9
    assert resolver.get_resolve_item_status(slot) == WAITING
    gate.opened.set()
    assert settle(resolver, slot) == [DONE]


# --- cache ----------------------------------------------------------------------------------


def test_answers_are_cached_per_host_and_type(resolver: IP, answered: Gate) -> None:
    assert resolver.resolve_hostname("cached.example") == "192.0.2.7"
    assert resolver.resolve_hostname_addresses("cached.example") == ["192.0.2.7", "2001:db8::7"]
    assert len(answered.calls) == 1
    slot = resolver.resolve_hostname_queue_item("cached.example")
    assert resolver.get_resolve_item_status(slot) == DONE  # from the cache, at once
    assert len(answered.calls) == 1
    resolver.resolve_hostname("cached.example", IP.TYPE_IPV4)
    assert len(answered.calls) == 2
    resolver.clear_cache("cached.example")
    resolver.resolve_hostname("cached.example")
    resolver.resolve_hostname("cached.example", IP.TYPE_IPV4)
    assert len(answered.calls) == 4
    resolver.clear_cache()
    resolver.resolve_hostname("cached.example")
    assert len(answered.calls) == 5


def test_queued_answers_fill_the_cache(resolver: IP, answered: Gate) -> None:
    slot = resolver.resolve_hostname_queue_item("queued.example")
    assert settle(resolver, slot) == [DONE]
    assert resolver.resolve_hostname("queued.example") == "192.0.2.7"
    assert len(answered.calls) == 1


def test_failures_are_not_cached(resolver: IP, answered: Gate) -> None:
    answered.answer = []
    assert resolver.resolve_hostname("flaky.example") == ""
    answered.answer = ["192.0.2.8"]
    assert resolver.resolve_hostname("flaky.example") == "192.0.2.8"
    assert len(answered.calls) == 2


def test_clearing_one_name_keeps_the_others(resolver: IP, answered: Gate) -> None:
    resolver.resolve_hostname("a.example")
    resolver.resolve_hostname("b.example")
    resolver.clear_cache("a.example")
    resolver.resolve_hostname("a.example")
    resolver.resolve_hostname("b.example")
    assert [name for name, _ in answered.calls] == ["a.example", "b.example", "a.example"]


# --- IDNA -----------------------------------------------------------------------------------


def test_ascii_hostname() -> None:
    assert ascii_hostname("bücher.example") == "xn--bcher-kva.example"
    assert ascii_hostname("example.com") == "example.com"
    assert ascii_hostname("ü" * 64 + ".example") is None
    assert ascii_hostname("a..example") is None


def test_non_ascii_names_are_looked_up_in_idna_form(resolver: IP, answered: Gate) -> None:
    slot = resolver.resolve_hostname_queue_item("bücher.example")
    assert settle(resolver, slot) == [DONE]
    assert resolver.resolve_hostname("münchen.example", IP.TYPE_IPV6) == "192.0.2.7"
    names = [name for name, _ in answered.calls]
    assert names == ["xn--bcher-kva.example", "xn--mnchen-3ya.example"]


def test_names_idna_cannot_encode_fail_at_once(resolver: IP, gate: Gate) -> None:
    name = "ü" * 64 + ".example"
    slot = resolver.resolve_hostname_queue_item(name)
    assert resolver.get_resolve_item_status(slot) == ERROR
    assert resolver.resolve_hostname(name) == ""
    assert gate.calls == []


@pytest.mark.parametrize("host", ["\ud800.example", "caf\udce9.example"])
def test_a_name_with_a_lone_surrogate_is_refused_before_a_slot_is_taken(
    resolver: IP, gate: Gate, engine_log: Any, host: str
) -> None:
    # "\udce9" is what os.fsdecode makes of a Latin-1 byte; "\ud800" what JSON can hold.
    line = f"Host name '{host.encode('utf-8', 'backslashreplace').decode()}' holds a lone surrogate"
    assert resolver.resolve_hostname_queue_item(host) == IP.RESOLVER_INVALID_ID
    assert resolver.resolve_hostname(host) == ""
    assert resolver.resolve_hostname_addresses(host) == []
    assert [entry.split(": ")[1] for entry in engine_log.lines] == [
        "resolve_hostname_queue_item",
        "resolve_hostname",
        "resolve_hostname_addresses",
    ]
    assert all(line in entry for entry in engine_log.lines)
    assert resolver.resolve_hostname_queue_item("192.0.2.1") == 0  # slot 0 is still free
    assert gate.calls == []
