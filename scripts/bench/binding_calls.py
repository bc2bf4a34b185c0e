"""Scenario ``binding``: the binding layer's ``call``/``set``/``get`` beside direct calls.

Uses ``binding.py``'s approach (``timeit`` of statement strings, median of several repeats) on
its class declared both ways (``obj``: ``_bind_methods``, ``dec``: ``@exposed``) and on an
HTTPClient (disconnected, so ``poll`` does no I/O and the
binding's own cost shows). Prints nanoseconds per operation and the ratio to the direct call it
stands for; the issue's target is ``obj.call`` at most 3x a direct method call.
"""

from __future__ import annotations

import binding
from binding import environment, per_op_ns
from harness import Options, print_table

from net import HTTPClient

#: HTTPClient's rows, after binding.py's own (minus its ClassDB listings): (statement, the
#: direct statement it is compared with, or None for a direct one)
HTTP_ROWS: list[tuple[str, str | None]] = [
    ("http.poll()", None),
    ('http.call("poll")', "http.poll()"),
    ("http.get_status()", None),
    ('http.call("get_status")', "http.get_status()"),
    ("http.set_read_chunk_size(4096)", None),
    ('http.set("read_chunk_size", 4096)', "http.set_read_chunk_size(4096)"),
    ("http.read_chunk_size = 4096", "http.set_read_chunk_size(4096)"),
    ("http.get_read_chunk_size()", None),
    ('http.get("read_chunk_size")', "http.get_read_chunk_size()"),
    ("http.read_chunk_size", "http.get_read_chunk_size()"),
]


def run(options: Options) -> None:
    """Time every row and print the table."""
    number = options.binding_number
    repeat = options.repeats
    print(f"\n[binding] {number} operations per timing, {repeat} timings, median")
    env = {**environment(), "http": HTTPClient()}
    measured: dict[str, float] = {}
    rows = []
    chosen = [row for row in binding.ROWS if not row[0].startswith("ClassDB")] + HTTP_ROWS
    for stmt, base in chosen:
        ns = measured[stmt] = per_op_ns(stmt, env, number, repeat)
        rows.append([stmt, f"{ns:.1f}", f"{ns / measured[base]:.2f}x" if base else ""])
    print_table(
        "Binding layer (ratio to the direct call; target: call/get/set/attributes at most 3x)",
        ["operation", "ns/op", "x direct"],
        rows,
    )
