"""StreamPeer's engine API over StreamPeerBuffer: whole and partial data, typed helpers, buffer."""

from __future__ import annotations

import struct

import pytest

from engine.object_model import ClassDB, Error
from net import StreamPeer, StreamPeerBuffer
from support import LogLines


def filled(data: bytes) -> StreamPeerBuffer:
    buffer = StreamPeerBuffer()
    buffer.data_array = data
    return buffer


def test_stream_peer_is_virtual_and_registered_with_the_engine_api() -> None:
    assert not ClassDB.can_instance("StreamPeer")
    with pytest.raises(TypeError):
        StreamPeer()
    names = [m["name"] for m in ClassDB.class_get_method_list("StreamPeer", True)]
    assert names[:7] == [
        "put_data",
        "put_partial_data",
        "get_data",
        "get_partial_data",
        "get_available_bytes",
        "set_big_endian",
        "is_big_endian_enabled",
    ]
    for kind in ("8", "u8", "16", "u16", "32", "u32", "64", "u64", "float", "double"):
        assert f"put_{kind}" in names
        assert f"get_{kind}" in names
    for name in ("put_string", "put_utf8_string", "get_string", "get_utf8_string"):
        assert name in names
    assert ClassDB.class_get_property_default_value("StreamPeer", "big_endian") is False
    assert ClassDB.class_get_property_list("StreamPeerBuffer") == [
        {
            "name": "data_array",
            "class_name": "",
            "type": 20,
            "hint": 0,
            "hint_string": "",
            "usage": 7,
        },
        {
            "name": "big_endian",
            "class_name": "",
            "type": 1,
            "hint": 0,
            "hint_string": "",
            "usage": 7,
        },
    ]


def test_whole_and_partial_reads() -> None:
    buffer = filled(b"abcdef")
    assert buffer.get_available_bytes() == 6
    assert buffer.get_data(2) == [Error.OK, b"ab"]
    assert buffer.get_partial_data(10) == [Error.OK, b"cdef"]
    assert buffer.get_partial_data(10) == [Error.OK, b""]
    assert buffer.get_available_bytes() == 0


def test_a_short_whole_read_fails_and_consumes_nothing(engine_log: LogLines) -> None:
    buffer = filled(b"abc")
    assert buffer.get_data(4) == [Error.ERR_INVALID_PARAMETER, b""]
    assert buffer.get_position() == 0
    assert buffer.get_data(3) == [Error.OK, b"abc"]
    assert engine_log.lines == [
        'ERROR: get_data: Condition "p_bytes < 0 || p_bytes > get_available_bytes()" is true. '
        "Returned: ERR_INVALID_PARAMETER"
    ]


def test_negative_sizes_are_refused(engine_log: LogLines) -> None:
    buffer = filled(b"abc")
    assert buffer.get_partial_data(-1) == [Error.ERR_INVALID_PARAMETER, b""]
    assert buffer.call("get_data", -1) == [Error.ERR_INVALID_PARAMETER, b""]
    assert len(engine_log.lines) == 2


def test_writes_overwrite_from_the_position_and_grow() -> None:
    buffer = filled(b"abcdef")
    buffer.seek(2)
    assert buffer.put_data(b"XY") == Error.OK
    assert buffer.put_partial_data(b"1234") == [Error.OK, 4]
    assert buffer.data_array == b"abXY1234"
    assert buffer.get_position() == 8
    assert buffer.get_size() == 8


@pytest.mark.parametrize(
    ("kind", "value", "code"),
    [
        ("8", -5, "b"),
        ("u8", 250, "B"),
        ("16", -30000, "h"),
        ("u16", 65000, "H"),
        ("32", -(2**31), "i"),
        ("u32", 2**32 - 1, "I"),
        ("64", -(2**63), "q"),
        ("u64", 2**64 - 1, "Q"),
        ("float", 1.5, "f"),
        ("double", -2.25, "d"),
    ],
)
@pytest.mark.parametrize("big_endian", [False, True])
def test_typed_helpers_round_trip_in_both_byte_orders(
    kind: str, value: float, code: str, big_endian: bool
) -> None:
    buffer = StreamPeerBuffer()
    buffer.big_endian = big_endian
    getattr(buffer, f"put_{kind}")(value)
    assert buffer.data_array == struct.pack((">" if big_endian else "<") + code, value)
    buffer.seek(0)
    assert getattr(buffer, f"get_{kind}")() == value


def test_integers_wrap_to_their_width_as_a_c_cast_does() -> None:
    buffer = StreamPeerBuffer()
    buffer.put_u8(300)
    buffer.put_8(200)
    buffer.seek(0)
    assert (buffer.get_u8(), buffer.get_8()) == (44, -56)


def test_reading_past_the_end_logs_and_returns_zero(engine_log: LogLines) -> None:
    buffer = filled(b"\x01")
    assert buffer.get_u32() == 0
    assert buffer.get_double() == 0.0
    assert [line.split(":")[1].strip() for line in engine_log.lines[-2:]] == [
        "get_u32",
        "get_double",
    ]


def test_strings_carry_a_length_prefix() -> None:
    buffer = StreamPeerBuffer()
    buffer.put_string("abc")
    buffer.put_utf8_string("héllo")
    assert buffer.data_array == b"\x03\x00\x00\x00abc\x06\x00\x00\x00h\xc3\xa9llo"
    buffer.seek(0)
    assert buffer.get_string() == "abc"
    assert buffer.get_utf8_string() == "héllo"


def test_strings_of_a_given_size_stop_at_a_nul() -> None:
    buffer = filled(b"ab\0cdxyz")
    assert buffer.get_string(5) == "ab"
    assert buffer.get_utf8_string(3) == "xyz"


def test_buffer_seek_resize_clear_duplicate(engine_log: LogLines) -> None:
    buffer = filled(b"abcdef")
    buffer.seek(4)
    buffer.resize(2)
    assert (buffer.data_array, buffer.get_position()) == (b"ab", 2)
    buffer.resize(4)
    assert buffer.data_array == b"ab\0\0"
    copy = buffer.duplicate()
    assert (copy.data_array, copy.get_position()) == (b"ab\0\0", 0)
    assert copy is not buffer
    buffer.seek(10)
    buffer.resize(-1)
    assert buffer.get_position() == 2
    buffer.clear()
    assert (buffer.get_size(), buffer.get_position()) == (0, 0)
    assert len(engine_log.lines) == 2


def test_calls_by_name_convert_like_the_engine() -> None:
    buffer = StreamPeerBuffer()
    assert buffer.call("put_data", [1, 2, 3]) == Error.OK
    assert buffer.call("put_data", "text") is None
    buffer.call("seek", 0.0)
    assert buffer.call("get_partial_data", 2) == [Error.OK, b"\x01\x02"]
