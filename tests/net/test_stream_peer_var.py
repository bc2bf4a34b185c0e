"""StreamPeer.put_var / get_var: the length prefix, the binding, failures, real sockets."""

from __future__ import annotations

import contextlib
import logging
import socket
import struct
import tracemalloc
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conftest import accept, wait_fd
from engine.object_model import ClassDB, Error, Object, Ref
from net import EncodedObjectAsID, StreamPeerBuffer
from net.marshalls import encode_variant
from net.tcp import StreamPeerTCP
from support import LogLines

Listen = Callable[..., socket.socket]


def filled(data: bytes) -> StreamPeerBuffer:
    buffer = StreamPeerBuffer()
    buffer.data_array = data
    return buffer


def test_bound_in_the_engines_order_with_its_defaults() -> None:
    methods = ClassDB.class_get_method_list("StreamPeer", True)
    names = [m["name"] for m in methods]
    assert names[names.index("put_utf8_string") + 1] == "put_var"
    assert names[names.index("get_utf8_string") + 1] == "get_var"
    put_var = methods[names.index("put_var")]
    get_var = methods[names.index("get_var")]
    assert [(a["name"], a["type"]) for a in put_var["args"]] == [("value", 0), ("full_objects", 1)]
    assert put_var["default_args"] == [False]
    assert [(a["name"], a["type"]) for a in get_var["args"]] == [("allow_objects", 1)]
    assert get_var["default_args"] == [False]


def test_put_var_writes_the_size_then_the_value() -> None:
    buffer = StreamPeerBuffer()
    buffer.put_var(42)
    # what the engine writes for 42 (the engine's store_var shows the same bytes)
    assert buffer.data_array == bytes.fromhex("08000000 02000000 2a000000")
    buffer.clear()
    buffer.big_endian = True
    buffer.put_var(42)  # only the size follows big_endian; the value stays little-endian
    assert buffer.data_array == bytes.fromhex("00000008 02000000 2a000000")


@pytest.mark.parametrize("big_endian", [False, True])
def test_get_var_reads_back_what_put_var_wrote(big_endian: bool) -> None:
    buffer = StreamPeerBuffer()
    buffer.big_endian = big_endian
    values: list[Any] = [None, {"a": [1, 2.5, "x"], "b": b"\x00\x01"}, -(2**40), "", [[], {}]]
    for value in values:
        buffer.put_var(value)
    buffer.seek(0)
    assert [buffer.get_var() for _ in values] == values
    assert buffer.get_available_bytes() == 0


def test_through_call_by_name() -> None:
    buffer = StreamPeerBuffer()
    buffer.call("put_var", [1, "two"])
    buffer.seek(0)
    assert buffer.call("get_var") == [1, "two"]


def test_objects_by_id_and_in_full() -> None:
    buffer = StreamPeerBuffer()
    obj = Object()
    source = Ref(StreamPeerBuffer())
    assert source.get() is not None
    source.get().data_array = b"payload"
    try:
        buffer.put_var(obj)
        buffer.put_var(source.get(), True)
        buffer.put_var(source.get(), True)
        buffer.seek(0)
        by_id = buffer.get_var()
        assert isinstance(by_id, EncodedObjectAsID)
        assert by_id.get_object_id() == obj.get_instance_id()
        assert buffer.get_var() is None  # a full object is refused by default
        made = buffer.get_var(True)
        assert isinstance(made, StreamPeerBuffer)
        assert made.data_array == b"payload"
    finally:
        obj.free()


FAILURES: list[tuple[str, bytes, str]] = [
    ("nothing", b"", "ERROR: get_var: Not enough data to read 4 bytes (ERR_INVALID_PARAMETER)."),
    (
        "negative size",
        bytes.fromhex("ffffffff"),
        'ERROR: get_var: Condition "len < 0" is true. Returned: Variant()',
    ),
    (
        "size beyond the data",
        bytes.fromhex("ffffff7f 00000000"),
        'ERROR: get_var: Condition "err != OK" is true. Returned: Variant()',
    ),
    (
        "empty value",
        bytes.fromhex("00000000"),
        'ERROR: decode_variant: Condition "len < 4" is true. Returned: ERR_INVALID_DATA',
    ),
    (
        "full object",
        bytes.fromhex("08000000 11000000 00000000"),
        'ERROR: decode_variant: Condition "!p_allow_objects" is true. Returned: ERR_UNAUTHORIZED',
    ),
    (
        "too deep",
        struct.pack("<i", 8 * 1100 + 4) + bytes.fromhex("13000000 01000000") * 1100 + bytes(4),
        "ERROR: decode_variant: Variant is too deep. Bailing.",
    ),
]


@pytest.mark.parametrize(("data", "line"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES])
def test_a_failed_get_var_is_null_with_one_line(
    engine_log: LogLines, data: bytes, line: str
) -> None:
    assert filled(data).get_var() is None
    assert engine_log.lines == [line]


def test_a_value_with_no_variant_form_is_logged_and_not_written(engine_log: LogLines) -> None:
    buffer = StreamPeerBuffer()
    buffer.put_var({1, 2})
    assert buffer.get_size() == 0
    assert engine_log.lines == [
        "ERROR: encode_variant: A value of Python type 'set' has no Variant form."
    ]


class Lines(logging.Handler):
    """Counts the WARNING and ERROR lines while a hypothesis example runs."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage())


@contextlib.contextmanager
def counted_lines() -> Iterator[Lines]:
    handler = Lines()
    root = logging.getLogger()
    root.addHandler(handler)
    try:
        yield handler
    finally:
        root.removeHandler(handler)


@settings(max_examples=400)
@given(st.binary(max_size=120), st.booleans())
def test_untrusted_bytes_give_a_value_or_null_and_one_line(payload: bytes, allow: bool) -> None:
    with counted_lines() as lines:
        value = filled(struct.pack("<i", len(payload)) + payload).get_var(allow)
    assert len(lines.lines) <= 1
    if lines.lines:
        assert value is None


def test_a_lying_size_costs_no_memory_in_a_buffer() -> None:
    buffer = filled(struct.pack("<i", 2**31 - 1) + bytes(16))
    tracemalloc.start()
    try:
        assert buffer.get_var() is None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


# --- over a real socket -----------------------------------------------------------------------


@pytest.fixture
def pair(tcp_listener: Listen) -> Iterator[tuple[StreamPeerTCP, socket.socket]]:
    listener = tcp_listener()
    peer = StreamPeerTCP()
    assert peer.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
    server = accept(listener)
    while peer.get_status() == StreamPeerTCP.Status.STATUS_CONNECTING:
        wait_fd(peer.fileno(), writable=True)
    assert peer.get_status() == StreamPeerTCP.Status.STATUS_CONNECTED
    yield peer, server
    peer.disconnect_from_host()
    server.close()


def test_values_both_ways_over_tcp(pair: tuple[StreamPeerTCP, socket.socket]) -> None:
    peer, server = pair
    value = {"name": "x" * 100_000, "scores": [1, 2, 3], "raw": bytes(range(256)) * 100}
    peer.put_var(value)
    expected = encode_variant(value)
    received = bytearray()
    while len(received) < 4 + len(expected):
        received += server.recv(1 << 16)
    assert bytes(received) == struct.pack("<i", len(expected)) + expected
    server.sendall(bytes(received))  # echoed back, arriving in pieces
    assert peer.get_var() == value


def test_a_lying_size_over_tcp_reads_what_came_then_fails(
    pair: tuple[StreamPeerTCP, socket.socket], engine_log: LogLines
) -> None:
    peer, server = pair
    server.sendall(struct.pack("<i", 2**31 - 1) + bytes(1000))
    server.shutdown(socket.SHUT_WR)
    tracemalloc.start()
    try:
        assert peer.get_var() is None
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20  # bounded by the read piece, never by the 2 GiB it claimed
    assert engine_log.lines == [
        'ERROR: get_var: Condition "err != OK" is true. Returned: Variant()'
    ]
