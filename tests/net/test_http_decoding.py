"""Streaming decoders and their limits, without sockets (httprequest.md §2.6)."""

from __future__ import annotations

import gzip
import os
import zlib

import pytest

from net.http_decoding import (
    SLACK,
    BodyDecoder,
    BodyTooLarge,
    DecodeFailed,
    codings_to_decode,
)

DATA = os.urandom(2000) * 100 + b"tail"


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-15)
    return packer.compress(data) + packer.flush()


def decode(codings: list[str], wire: bytes, piece: int = 4096, step: int = 777) -> bytes:
    decoder = BodyDecoder(codings, piece)
    out: list[bytes] = []
    for start in range(0, len(wire), step):
        out += decoder.feed(wire[start : start + step])
    out += decoder.finish()
    assert all(len(p) <= piece for p in out)
    return b"".join(out)


@pytest.mark.parametrize(
    ("codings", "encode"),
    [
        (["gzip"], gzip.compress),
        (["x-gzip"], gzip.compress),
        (["deflate"], zlib.compress),
        (["deflate"], _raw_deflate),
        (["deflate", "gzip"], lambda d: gzip.compress(zlib.compress(d))),
        (["gzip", "gzip"], lambda d: gzip.compress(gzip.compress(d))),
        (["gzip"], lambda d: gzip.compress(d[:5000]) + gzip.compress(d[5000:])),  # two members
        ([], lambda d: d),
    ],
)
def test_every_accepted_coding_decodes_piece_by_piece(codings: list[str], encode: object) -> None:
    assert callable(encode)
    assert decode(codings, encode(DATA)) == DATA


def test_a_byte_at_a_time_decodes_too() -> None:
    assert decode(["deflate"], zlib.compress(DATA[:3000]), step=1) == DATA[:3000]


@pytest.mark.parametrize(
    ("codings", "wire"),
    [
        (["gzip"], b"not gzip at all"),
        (["gzip"], gzip.compress(DATA)[:-20]),  # truncated
        (["deflate"], zlib.compress(DATA)[:50]),
        (["gzip", "gzip"], gzip.compress(b"plain, not gzip inside")),
        (["deflate"], b"x"),
    ],
)
def test_corrupt_or_truncated_data_fails(codings: list[str], wire: bytes) -> None:
    with pytest.raises(DecodeFailed):
        decode(codings, wire)


def test_an_empty_body_with_a_coding_is_empty() -> None:
    assert decode(["gzip"], b"") == b""


def test_a_double_gzip_bomb_stops_after_about_a_mebibyte() -> None:
    bomb = gzip.compress(gzip.compress(bytes(64 << 20)))
    assert len(bomb) < 1000
    decoder = BodyDecoder(["gzip", "gzip"], 65536)
    produced = [0]

    def consume() -> None:
        for piece in decoder.feed(bomb):
            produced[0] += len(piece)

    with pytest.raises(DecodeFailed, match="over the ratio limit"):
        consume()
    assert produced[0] <= SLACK + 1024 * len(bomb)
    assert decoder.decoded <= SLACK + 1024 * len(bomb) + 65536


def test_the_size_limit_counts_decoded_bytes() -> None:
    decoder = BodyDecoder(["gzip"], 1024, limit=5000)
    with pytest.raises(BodyTooLarge):
        list(decoder.feed(gzip.compress(bytes(6000))))
    plain = BodyDecoder([], 1024, limit=10)
    assert list(plain.feed(b"0123456789")) == [b"0123456789"]
    with pytest.raises(BodyTooLarge):
        list(plain.feed(b"!"))


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], []),
        (["gzip"], ["gzip"]),
        (["GZip"], ["gzip"]),
        (["deflate, gzip"], ["deflate", "gzip"]),
        (["deflate", "gzip"], ["deflate", "gzip"]),
        (["identity"], []),
        (["gzip, br"], None),  # one unknown coding: delivered as sent
        (["compress"], None),
    ],
)
def test_codings_to_decode(values: list[str], expected: list[str] | None) -> None:
    assert codings_to_decode(values) == expected


def test_more_than_two_codings_are_refused() -> None:
    with pytest.raises(DecodeFailed, match="3 stacked"):
        codings_to_decode(["gzip, gzip, deflate"])
