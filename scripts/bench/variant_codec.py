"""Scenario ``variant``: the engine's binary Variant format beside ``pickle`` and ``json``.

Encodes and decodes one mixed Dictionary of about 1 MiB (strings, ints of both widths, floats,
bools, nulls, nested lists and dictionaries: what JSON can also carry, so the three do the same
work) and prints MB/s of encoded output for each direction, the median of several runs, with
the ratio to ``pickle``. A second row set adds a PoolByteArray and pool arrays, which JSON
cannot carry. Prints, never asserts.
"""

from __future__ import annotations

import array
import json
import pickle
import random
import statistics
import time
from collections.abc import Callable
from typing import Any

from harness import MB, Options, print_table

from net.marshalls import decode_variant, encode_variant

#: The encoded size the mixed Dictionary is grown to (its Variant encoding).
TARGET_BYTES = 1 << 20


def mixed_dictionary(seed: int = 14) -> dict[str, Any]:
    """About 1 MiB of typical game-state data, the same on every run."""
    rng = random.Random(seed)
    table: dict[str, Any] = {}
    size = 0
    index = 0
    while size < TARGET_BYTES:
        entry = {
            "name": f"player-{index}-" + "x" * rng.randrange(0, 24),
            "id": rng.randrange(2**40),
            "level": rng.randrange(100),
            "score": rng.random() * 1e6,
            "ratio": 0.5,
            "alive": rng.random() < 0.5,
            "guild": None,
            "tags": ["a", "bb", "ccc"][: rng.randrange(4)],
            "position": [rng.random(), rng.random(), rng.random()],
            "stats": {"hp": rng.randrange(1000), "mp": rng.randrange(1000)},
        }
        table[f"entry{index}"] = entry
        size += len(encode_variant(entry)) + 16
        index += 1
    return table


def with_pools(table: dict[str, Any]) -> dict[str, Any]:
    """The same Dictionary plus binary and pool-array members (no JSON form)."""
    rng = random.Random(7)
    extra = dict(table)
    extra["blob"] = rng.randbytes(64 * 1024)
    extra["ints"] = array.array("i", (rng.randrange(-(2**31), 2**31) for _ in range(16384)))
    extra["reals"] = array.array("f", (rng.random() for _ in range(16384)))
    return extra


def timed(function: Callable[[], Any], repeats: int) -> float:
    """The median wall seconds of ``repeats`` calls."""
    runs = []
    for _ in range(repeats):
        started = time.perf_counter()
        function()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def codecs(value: Any, with_json: bool) -> list[tuple[str, Callable[[], bytes], Any]]:
    """(name, encode, decode of the encoded bytes) for each codec that can carry ``value``."""
    rows: list[tuple[str, Callable[[], bytes], Any]] = [
        (
            "Variant (engine-net)",
            lambda: encode_variant(value),
            lambda data: decode_variant(data)[0],
        ),
        (
            "pickle (protocol 5)",
            lambda: pickle.dumps(value, protocol=5),
            pickle.loads,
        ),
    ]
    if with_json:
        rows.append(("json", lambda: json.dumps(value).encode(), json.loads))
    return rows


def run(options: Options) -> None:
    """Time each codec both ways and print the table."""
    repeats = max(options.repeats, 3)
    table = mixed_dictionary()
    print(
        f"\n[variant] one mixed Dictionary of {len(encode_variant(table)) / MB:.2f} MB "
        f"(Variant-encoded), {repeats} timings, median"
    )
    rows: list[list[str]] = []
    for label, value, with_json in (
        ("JSON-compatible Dictionary", table, True),
        ("plus 64 KiB bytes and two 16384-element pool arrays", with_pools(table), False),
    ):
        rows.append([label])
        measured = []
        for name, encode, decode in codecs(value, with_json):
            data = encode()
            encode_s = timed(encode, repeats)
            decode_s = timed(lambda data=data, decode=decode: decode(data), repeats)
            measured.append((name, len(data), encode_s, decode_s))
        pickled = next(m for m in measured if m[0].startswith("pickle"))
        for name, size, encode_s, decode_s in measured:
            rows.append(
                [
                    f"  {name}",
                    f"{size / MB:.2f}",
                    f"{size / MB / encode_s:.1f}",
                    f"{encode_s / pickled[2]:.2f}x",
                    f"{size / MB / decode_s:.1f}",
                    f"{decode_s / pickled[3]:.2f}x",
                ]
            )
    print_table(
        "Variant format beside pickle and json (MB/s of encoded bytes; time as x pickle's)",
        ["codec", "MB", "encode MB/s", "x pickle", "decode MB/s", "x pickle"],
        rows,
    )
