"""The engine's binary Variant format: golden bytes, round trips, objects, limits, bad input.

The golden byte strings are written out by hand from the layout the engine's 3.x
``marshalls.cpp`` and its "Binary serialization API" page give (little-endian 32-bit header
with the type in its low byte and the 64-bit / object-as-id flag in bit 16; strings as a
byte count, UTF-8 and zero padding to 4).
"""

from __future__ import annotations

import array
import contextlib
import math
import struct
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from engine.object_model import Error, Object, Ref, is_instance_valid
from net import EncodedObjectAsID, StreamPeerBuffer
from net.marshalls import (
    MAX_RECURSION_DEPTH,
    VariantDecodeError,
    VariantEncodeError,
    decode_variant,
    encode_variant,
)


def h(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


def string(text: str) -> bytes:
    data = text.encode()
    return struct.pack("<I", len(data)) + data + bytes(-len(data) % 4)


# --- golden bytes -----------------------------------------------------------------------------

GOLDEN: list[tuple[Any, str]] = [
    (None, "00000000"),
    (True, "01000000 01000000"),
    (False, "01000000 00000000"),
    (42, "02000000 2a000000"),
    (-1, "02000000 ffffffff"),
    (2**31 - 1, "02000000 ffffff7f"),
    (2**31, "02000100 00000080 00000000"),  # one past 32 bits: the 64-bit flag
    (-(2**31) - 1, "02000100 ffffff7f ffffffff"),
    (1.5, "03000000 0000c03f"),  # exact in 32 bits
    (0.1, "03000100 9a999999 9999b93f"),  # not exact: 64 bits with the flag
    (math.inf, "03000000 0000807f"),
    (1e300, "03000100 9c750088 3ce4377e"),  # beyond float32's range
    ("", "04000000 00000000"),
    ("abcd", "04000000 04000000 61626364"),
    ("héllo", "04000000 06000000 68c3a96c 6c6f0000"),
    ([1, "a"], "13000000 02000000 02000000 01000000 04000000 01000000 61000000"),
    ((), "13000000 00000000"),
    ({"a": None}, "12000000 01000000 04000000 01000000 61000000 00000000"),
    (b"xyz", "14000000 03000000 78797a00"),
    (bytearray(b"abcd"), "14000000 04000000 61626364"),
    (array.array("i", [1, -2]), "15000000 02000000 01000000 feffffff"),
    (array.array("f", [1.5]), "16000000 01000000 0000c03f"),
]


@pytest.mark.parametrize(("value", "expected"), GOLDEN, ids=[repr(v)[:30] for v, _ in GOLDEN])
def test_golden_bytes(value: Any, expected: str) -> None:
    assert encode_variant(value) == h(expected)
    decoded, used = decode_variant(h(expected))
    assert used == len(h(expected))
    if isinstance(value, tuple):
        value = list(value)
    if isinstance(value, bytearray):
        value = bytes(value)
    assert decoded == value
    assert type(decoded) is type(value)


def test_a_nan_is_always_sent_in_64_bits() -> None:
    encoded = encode_variant(math.nan)
    assert encoded[:4] == h("03000100")
    assert len(encoded) == 12
    assert math.isnan(decode_variant(encoded)[0])


def test_a_pool_string_array_decodes_to_a_list_of_str() -> None:
    # each string carries its terminating NUL in its count, then pads to 4
    data = h("17000000 02000000 02000000 61000000 04000000 61626300")
    assert decode_variant(data) == (["a", "abc"], len(data))
    assert decode_variant(h("17000000 00000000")) == ([], 8)


def test_header_flags_and_the_shared_bit_are_read_as_the_engine_reads_them() -> None:
    assert decode_variant(h("02000000 07000000"))[0] == 7
    # only the low byte names the type; the engine ignores the rest beside the flag
    assert decode_variant(h("02010000 07000000"))[0] == 7
    # an Array's count loses its top bit (once "shared")
    assert decode_variant(h("13000000 01000080 00000000"))[0] == [None]
    # any non-zero bool word is true
    assert decode_variant(h("01000000 02000000"))[0] is True


def test_text_ends_at_a_nul_and_drops_a_leading_byte_order_mark() -> None:
    assert decode_variant(h("04000000 03000000 61006200"))[0] == "a"
    assert decode_variant(h("04000000 04000000 efbbbf61"))[0] == "a"


def test_a_lone_surrogate_goes_as_the_engine_writes_it() -> None:
    encoded = encode_variant("\ud800")
    assert encoded == h("04000000 03000000 eda08000")
    assert decode_variant(encoded)[0] == "\ud800"


def test_subclasses_of_the_python_types_are_sent_as_their_base() -> None:
    assert encode_variant(Error.ERR_BUG) == encode_variant(47)
    assert encode_variant(memoryview(b"ab")) == encode_variant(b"ab")

    class Name(str):
        pass

    class Table(dict[str, int]):
        pass

    assert encode_variant(Name("x")) == encode_variant("x")
    assert encode_variant(Table(a=1)) == encode_variant({"a": 1})


# --- objects ----------------------------------------------------------------------------------


def test_an_object_goes_as_its_instance_id_with_the_flag() -> None:
    obj = Object()
    try:
        encoded = encode_variant([obj])
        assert encoded == h("13000000 01000000 11000100") + struct.pack("<Q", obj.get_instance_id())
        decoded = decode_variant(encoded)[0][0]
        assert isinstance(decoded, EncodedObjectAsID)
        assert decoded.object_id == obj.get_instance_id()
    finally:
        obj.free()
    assert decode_variant(h("11000100 00000000 00000000"))[0] is None  # id 0 is null


def test_a_freed_object_goes_as_null() -> None:
    obj = Object()
    obj.free()
    assert encode_variant(obj) == h("00000000")
    assert encode_variant(obj, full_objects=True) == h("00000000")


def full_buffer_bytes() -> bytes:
    return (
        h("11000000")
        + string("StreamPeerBuffer")
        + h("02000000")
        + string("big_endian")
        + h("01000000 01000000")
        + string("data_array")
        + h("14000000 02000000 61620000")
    )


def test_a_full_object_goes_as_its_class_and_stored_properties() -> None:
    buffer = Ref(StreamPeerBuffer())
    assert buffer.get() is not None
    buffer.get().data_array = b"ab"
    buffer.get().big_endian = True
    assert encode_variant(buffer.get(), full_objects=True) == full_buffer_bytes()


def test_a_full_object_is_made_again_only_when_allowed() -> None:
    with pytest.raises(VariantDecodeError) as refused:
        decode_variant(full_buffer_bytes())
    assert refused.value.error == Error.ERR_UNAUTHORIZED
    made, used = decode_variant(full_buffer_bytes(), allow_objects=True)
    assert used == len(full_buffer_bytes())
    assert isinstance(made, StreamPeerBuffer)
    assert made.data_array == b"ab"
    assert made.big_endian is True
    assert decode_variant(h("11000000 00000000"), allow_objects=True)[0] is None  # no class


def test_a_plain_object_made_by_a_failing_decode_is_freed() -> None:
    made: list[Object] = []
    original = Object.__new__

    def spy(cls: type, *args: Any, **kwargs: Any) -> Object:
        obj = original(cls)
        made.append(obj)
        return obj

    data = h("11000000") + string("Object") + h("01000000") + string("x")  # value missing
    Object.__new__ = spy  # type: ignore[method-assign, assignment]
    try:
        with pytest.raises(VariantDecodeError):
            decode_variant(data, allow_objects=True)
    finally:
        Object.__new__ = original  # type: ignore[method-assign]
    assert len(made) == 1
    assert not is_instance_valid(made[0])


@pytest.mark.parametrize("class_name", ["NoSuchClass", "StreamPeer"])
def test_a_full_object_of_a_class_that_cannot_be_made_is_unavailable(class_name: str) -> None:
    with pytest.raises(VariantDecodeError) as refused:
        decode_variant(h("11000000") + string(class_name) + h("00000000"), allow_objects=True)
    assert refused.value.error == Error.ERR_UNAVAILABLE


# --- Python values with no Variant form ---------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [2**63, -(2**63) - 1, {1, 2}, object(), array.array("d", [1.0]), [1, [complex(1, 2)]]],
    ids=["int65", "-int65", "set", "object", "array-d", "nested-complex"],
)
def test_values_with_no_variant_form_are_refused(value: Any) -> None:
    with pytest.raises(VariantEncodeError) as refused:
        encode_variant(value)
    assert refused.value.error == Error.ERR_INVALID_PARAMETER


# --- depth ------------------------------------------------------------------------------------


def nested(levels: int) -> list[Any]:
    value: list[Any] = []
    for _ in range(levels):
        value = [value]
    return value


def test_the_engines_depth_limit_holds_both_ways_to_the_level() -> None:
    deepest = nested(MAX_RECURSION_DEPTH)  # its innermost list sits at depth 1024
    encoded = encode_variant(deepest)
    decoded, used = decode_variant(encoded)
    assert used == len(encoded)
    assert encode_variant(decoded) == encoded
    for _ in range(MAX_RECURSION_DEPTH):  # walked, not compared: == itself would recurse
        (decoded,) = decoded
    assert decoded == []
    with pytest.raises(VariantEncodeError) as too_deep:
        encode_variant(nested(MAX_RECURSION_DEPTH + 1))
    assert too_deep.value.error == Error.ERR_OUT_OF_MEMORY
    one_more = h("13000000 01000000") + encoded
    with pytest.raises(VariantDecodeError) as refused:
        decode_variant(one_more)
    assert refused.value.error == Error.ERR_OUT_OF_MEMORY
    assert refused.value.message == "Variant is too deep. Bailing."


def test_a_value_that_contains_itself_ends_at_the_depth_limit() -> None:
    loop: list[Any] = []
    loop.append(loop)
    table: dict[str, Any] = {}
    table["self"] = table
    for value in (loop, table):
        with pytest.raises(VariantEncodeError) as refused:
            encode_variant(value)
        assert refused.value.message == "Potential infinite recursion detected. Bailing."


def test_a_million_levels_of_bytes_end_at_the_limit_without_recursion() -> None:
    with pytest.raises(VariantDecodeError) as refused:
        decode_variant(h("13000000 01000000") * 1_000_000 + h("00000000"))
    assert refused.value.error == Error.ERR_OUT_OF_MEMORY


# --- bad input ------------------------------------------------------------------------------

BAD: list[tuple[str, str, Error]] = [
    ("empty", "", Error.ERR_INVALID_DATA),
    ("short header", "010000", Error.ERR_INVALID_DATA),
    ("type 27", "1b000000", Error.ERR_INVALID_DATA),
    ("type 255", "ff000000", Error.ERR_INVALID_DATA),
    ("short bool", "01000000 0100", Error.ERR_INVALID_DATA),
    ("short int", "02000000 01", Error.ERR_INVALID_DATA),
    ("short int64", "02000100 01000000", Error.ERR_INVALID_DATA),
    ("short float", "03000000 0000", Error.ERR_INVALID_DATA),
    ("short double", "03000100 00000000", Error.ERR_INVALID_DATA),
    ("no string length", "04000000 01", Error.ERR_INVALID_DATA),
    ("string past end", "04000000 ffffff7f 61000000", Error.ERR_FILE_EOF),
    ("string negative", "04000000 ffffffff", Error.ERR_FILE_EOF),
    ("string without padding", "04000000 01000000 61", Error.ERR_FILE_EOF),
    ("bad utf-8", "04000000 02000000 c3280000", Error.ERR_INVALID_DATA),
    ("array of 2^31-1 with none", "13000000 ffffff7f", Error.ERR_INVALID_DATA),
    ("array cut short", "13000000 02000000 00000000", Error.ERR_INVALID_DATA),
    ("dict key without value", "12000000 01000000 00000000", Error.ERR_INVALID_DATA),
    ("dict as a key", "12000000 01000000 12000000 00000000 00000000", Error.ERR_UNAVAILABLE),
    ("bytes past end", "14000000 05000000 61626364", Error.ERR_INVALID_DATA),
    ("bytes negative", "14000000 ffffffff", Error.ERR_INVALID_DATA),
    ("ints count overflow", "15000000 00000040", Error.ERR_INVALID_DATA),
    ("ints past end", "15000000 02000000 01000000", Error.ERR_INVALID_DATA),
    ("ints negative", "15000000 ffffffff", Error.ERR_INVALID_DATA),
    ("reals past end", "16000000 01000000 0000", Error.ERR_INVALID_DATA),
    ("strings cut short", "17000000 05000000 02000000 61000000", Error.ERR_INVALID_DATA),
    ("short object id", "11000100 01000000", Error.ERR_INVALID_DATA),
    ("full object refused", "11000000 00000000", Error.ERR_UNAUTHORIZED),
    ("vector2", "05000000 0000803f 0000803f", Error.ERR_UNAVAILABLE),
    ("rid", "10000000", Error.ERR_UNAVAILABLE),
]


@pytest.mark.parametrize(("data", "error"), [(d, e) for _, d, e in BAD], ids=[n for n, _, _ in BAD])
def test_bad_bytes_give_the_engines_error(data: str, error: Error) -> None:
    with pytest.raises(VariantDecodeError) as refused:
        decode_variant(h(data))
    assert refused.value.error == error


def test_a_byte_array_at_the_very_end_may_lack_its_padding() -> None:
    assert decode_variant(h("14000000 01000000 61"))[0] == b"a"  # as the engine accepts it


# --- round trips --------------------------------------------------------------------------------

ints = st.integers(min_value=-(2**63), max_value=2**63 - 1)
floats = st.floats(allow_nan=False)
texts = st.text().filter(lambda s: "\0" not in s and not s.startswith("\ufeff"))
keys = st.one_of(
    st.none(),
    st.booleans(),
    ints,
    floats,
    texts,
    st.binary(max_size=20),
    st.tuples(ints, texts),
)
leaves = st.one_of(
    st.none(),
    st.booleans(),
    ints,
    floats,
    texts,
    st.binary(max_size=40),
    st.lists(st.integers(-(2**31), 2**31 - 1), max_size=8).map(lambda v: array.array("i", v)),
    st.lists(st.floats(width=32, allow_nan=False), max_size=8).map(lambda v: array.array("f", v)),
)
values = st.recursive(
    leaves,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5),
        st.lists(inner, max_size=5).map(tuple),
        st.dictionaries(keys, inner, max_size=5),
    ),
    max_leaves=30,
)


def as_decoded(value: Any) -> Any:
    """What a decode gives back for ``value``: tuples outside keys become lists."""
    if isinstance(value, list | tuple):
        return [as_decoded(v) for v in value]
    if isinstance(value, dict):
        return {k: as_decoded(v) for k, v in value.items()}
    return value


def same(a: Any, b: Any) -> bool:
    """Equal, and of the same types all the way down (so 1 is not True, 1.0 not 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, dict):
        return list(a) == list(b) and all(
            same(k, k2) and same(a[k], b[k2]) for k, k2 in zip(a, b, strict=True)
        )
    if isinstance(a, float) and a == 0.0:
        return math.copysign(1.0, a) == math.copysign(1.0, b)
    return bool(a == b)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(values)
def test_every_supported_type_round_trips(value: Any) -> None:
    encoded = encode_variant(value)
    assert len(encoded) % 4 == 0
    decoded, used = decode_variant(encoded)
    assert used == len(encoded)
    assert same(decoded, as_decoded(value))
    assert encode_variant(decoded) == encoded


@given(st.one_of(st.floats(), st.lists(st.floats(), max_size=4)))
def test_floats_round_trip_bit_for_bit_nan_included(value: Any) -> None:
    encoded = encode_variant(value)
    assert encode_variant(decode_variant(encoded)[0]) == encoded


# --- untrusted bytes --------------------------------------------------------------------------


@settings(max_examples=500)
@given(st.binary(max_size=200), st.booleans())
def test_random_bytes_decode_or_refuse_with_an_engine_error(data: bytes, allow: bool) -> None:
    error = Error.OK
    try:
        decode_variant(data, allow_objects=allow)
    except VariantDecodeError as refused:  # the only exception that may come out
        error = refused.error
    assert isinstance(error, Error)


@settings(max_examples=300, suppress_health_check=[HealthCheck.too_slow])
@given(values, st.data())
def test_damaged_encodings_decode_or_refuse_with_an_engine_error(value: Any, data: Any) -> None:
    encoded = bytearray(encode_variant(value))
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(encoded) - 1))
        encoded[at] = data.draw(st.integers(0, 255))
    cut = data.draw(st.integers(0, len(encoded)))
    for sample in (bytes(encoded), bytes(encoded[:cut])):
        with contextlib.suppress(VariantDecodeError):
            decode_variant(sample)


def test_arrays_used_as_dictionary_keys_come_back_as_tuples() -> None:
    table = {(1, ("a", ())): "v"}
    assert decode_variant(encode_variant(table))[0] == table
    ints_as_key = h("12000000 01000000 15000000 01000000 02000000 00000000")
    assert decode_variant(ints_as_key)[0] == {(2,): None}
    strings_as_key = h("12000000 01000000 17000000 01000000 02000000 61000000 00000000")
    assert decode_variant(strings_as_key)[0] == {("a",): None}
