"""Response bodies decoded as they stream: a chain of incremental decoders, one per content
coding, with the body-size and decompression-ratio limits beside them (httprequest.md §2.6).

The shape of urllib3's ``MultiDecoder``: one small object per coding, stacked by the
``Content-Encoding`` list. Each pull asks zlib for at most one piece (``max_length``), so no
step holds more than a piece of decoded bytes whatever the ratio. No I/O, no logging. Imports
the standard library only.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterator
from typing import Final

#: Codings decoded, and the zlib window of each (``deflate`` picks its wrapper on first bytes).
GZIP_CODINGS: Final = frozenset({"gzip", "x-gzip"})
DECODED_CODINGS: Final = GZIP_CODINGS | {"deflate"}
#: More stacked codings than this are refused (two covers every server seen in practice).
MAX_CODINGS: Final = 2
#: Bomb defence: decoded bytes may not exceed RATIO x encoded bytes + SLACK.
RATIO: Final = 1024
SLACK: Final = 1 << 20

_GZIP_MAGIC: Final = b"\x1f\x8b"


class DecodeFailed(Exception):
    """The body cannot be decoded: corrupt, truncated, too many codings or over the ratio."""


class BodyTooLarge(Exception):
    """The decoded body grew past the size limit."""


def codings_to_decode(values: list[str]) -> list[str] | None:
    """The codings of ``Content-Encoding`` field values, in the order they were applied, when
    every one can be decoded; ``None`` when one cannot (the body is then delivered as sent).
    ``DecodeFailed`` for more than ``MAX_CODINGS``.
    """
    codings = [
        c.strip().lower() for v in values for c in v.split(",") if c.strip().lower() != "identity"
    ]
    codings = [c for c in codings if c]
    if any(c not in DECODED_CODINGS for c in codings):
        return None
    if len(codings) > MAX_CODINGS:
        raise DecodeFailed(f"{len(codings)} stacked content codings (at most {MAX_CODINGS})")
    return codings


class _Layer:
    """One coding's incremental decoder: bytes in with ``push``, at most ``max_length`` out per
    ``pull``."""

    def __init__(self, coding: str) -> None:
        self._gzip = coding in GZIP_CODINGS
        self._zlib: zlib._Decompress | None = zlib.decompressobj(31) if self._gzip else None
        self._pending = b""
        self.started = False

    def push(self, data: bytes) -> None:
        if data:
            self.started = True
            self._pending = self._pending + data if self._pending else data

    def pull(self, max_length: int) -> bytes:
        z = self._zlib
        if z is None:
            if len(self._pending) < 2:
                return b""
            cmf, flg = self._pending[0], self._pending[1]
            wrapped = cmf & 0x0F == 8 and (cmf << 8 | flg) % 31 == 0
            z = self._zlib = zlib.decompressobj(15 if wrapped else -15)  # raw, as browsers accept
        if z.eof:
            if not (self._gzip and self._pending.startswith(_GZIP_MAGIC)):
                self._pending = b""  # trailing bytes after the stream: ignored, as browsers do
                return b""
            z = self._zlib = zlib.decompressobj(31)  # another gzip member follows
        try:
            out = z.decompress(self._pending, max_length)
        except zlib.error as exc:
            raise DecodeFailed(
                f"corrupt {'gzip' if self._gzip else 'deflate'} data: {exc}"
            ) from None
        self._pending = z.unused_data if z.eof else z.unconsumed_tail
        return out

    def complete(self) -> bool:
        return not self.started or (self._zlib is not None and self._zlib.eof)


class BodyDecoder:
    """Decodes one response body piece by piece and enforces its limits.

    ``feed`` takes the bytes as they came off the wire and yields decoded pieces of at most
    ``piece`` bytes; ``finish`` yields the rest once the wire body has ended and checks that
    every coding ended too. ``limit`` (-1: none) bounds the decoded size (``BodyTooLarge``);
    the ratio rule bounds it against the encoded size received so far (``DecodeFailed``).
    With no codings the bytes pass through, the size limit still counted.
    """

    def __init__(self, codings: list[str], piece: int, limit: int = -1) -> None:
        self._layers = [_Layer(c) for c in reversed(codings)]  # the last coding applied first
        self._piece = piece
        self._limit = limit
        self.encoded = 0
        self.decoded = 0

    def feed(self, wire: bytes) -> Iterator[bytes]:
        self.encoded += len(wire)
        if not self._layers:
            if wire:
                yield self._counted(wire)
            return
        self._layers[0].push(wire)
        yield from self._drain()

    def finish(self) -> Iterator[bytes]:
        yield from self._drain()
        for layer in self._layers:
            if not layer.complete():
                raise DecodeFailed("the compressed body ends before its stream does")

    def _drain(self) -> Iterator[bytes]:
        if not self._layers:
            return
        while out := self._pull(len(self._layers) - 1):
            yield self._counted(out)

    def _pull(self, index: int) -> bytes:
        layer = self._layers[index]
        while True:
            out = layer.pull(self._piece)
            if out or index == 0:
                return out
            feed = self._pull(index - 1)
            if not feed:
                return b""
            layer.push(feed)

    def _counted(self, data: bytes) -> bytes:
        self.decoded += len(data)
        if 0 <= self._limit < self.decoded:
            raise BodyTooLarge(f"the body is over {self._limit} bytes")
        if self._layers and self.decoded > RATIO * self.encoded + SLACK:
            raise DecodeFailed(
                f"{self.decoded} bytes decoded from {self.encoded}: over the ratio limit"
            )
        return data
