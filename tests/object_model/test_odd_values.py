"""Values that must never make the object model raise: recursive or very deep containers in
Variant-to-String, and lone surrogates (text with no UTF-8 form) in log lines."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from typing import Any

import pytest

from engine.object_model.errors import err_print, fail_cond, logger, quote, warn_print
from engine.object_model.variant import STRINGIFY_DEPTH_MAX, stringify
from support import LogLines

# --- stringify: recursion and depth ----------------------------------------------------------


def test_a_list_inside_itself_is_written_as_the_engine_writes_it(engine_log: LogLines) -> None:
    looped: list[Any] = [1]
    looped.append(looped)
    assert stringify(looped) == "[1, [...]]"
    assert engine_log.lines == []  # the 3.x engine marks the loop and logs nothing


def test_a_dictionary_inside_itself_is_written_as_the_engine_writes_it(
    engine_log: LogLines,
) -> None:
    looped: dict[str, Any] = {"a": 1}
    looped["self"] = looped
    assert stringify(looped) == "{a:1, self:{...}}"
    pair: list[Any] = [{}]
    pair[0]["list"] = pair
    assert stringify(pair) == "[{list:[...]}]"
    assert engine_log.lines == []


def test_a_container_seen_twice_but_not_inside_itself_is_written_twice() -> None:
    shared = [1, 2]
    assert stringify([shared, shared]) == "[[1, 2], [1, 2]]"
    assert stringify({"a": shared, "b": (shared,)}) == "{a:[1, 2], b:[[1, 2]]}"


def test_very_deep_nesting_is_cut_with_one_line(engine_log: LogLines) -> None:
    deep: list[Any] = []
    for _ in range(100_000):  # far past Python's recursion limit
        deep = [deep]
    text = stringify(deep)
    assert text == "[" * STRINGIFY_DEPTH_MAX + "[...]" + "]" * STRINGIFY_DEPTH_MAX
    assert engine_log.lines == ["ERROR: stringify: Maximum array recursion reached!"]


def test_a_deep_dictionary_is_cut_with_the_dictionary_line(engine_log: LogLines) -> None:
    deep: dict[str, Any] = {}
    for _ in range(5_000):
        deep = {"k": deep}
    assert stringify(deep).count("{...}") == 1
    assert engine_log.lines == ["ERROR: stringify: Maximum dictionary recursion reached!"]


def test_nesting_up_to_the_limit_is_written_whole(engine_log: LogLines) -> None:
    deep: list[Any] = []
    for _ in range(STRINGIFY_DEPTH_MAX - 1):
        deep = [deep]
    assert stringify(deep) == "[" * STRINGIFY_DEPTH_MAX + "]" * STRINGIFY_DEPTH_MAX
    assert engine_log.lines == []


# --- lone surrogates in log lines ------------------------------------------------------------


def test_quote_spells_a_lone_surrogate_as_an_escape() -> None:
    assert quote("a\ud800b") == "a\\ud800b"
    assert quote("caf\udce9") == "caf\\udce9"  # os.fsdecode's form of a Latin-1 byte


@pytest.fixture
def strict_utf8_log() -> Iterator[io.BytesIO]:
    """The engine logger also writing to a strict UTF-8 stream (a log file, say)."""
    raw = io.BytesIO()
    stream = io.TextIOWrapper(raw, encoding="utf-8", errors="strict", write_through=True)
    handler = logging.StreamHandler(stream)
    logger.addHandler(handler)
    try:
        yield raw
    finally:
        logger.removeHandler(handler)


def test_log_lines_with_a_lone_surrogate_are_written_by_a_strict_handler(
    strict_utf8_log: io.BytesIO, capsys: pytest.CaptureFixture[str]
) -> None:
    err_print("call\ud800", "no method 'x\udc80'")
    warn_print("f", "bad \ud800")
    fail_cond("f", "x", "\ud800")
    written = strict_utf8_log.getvalue().decode("utf-8").splitlines()
    assert written == [
        "ERROR: call\\ud800: no method 'x\\udc80'",
        "WARNING: f: bad \\ud800",
        'ERROR: f: Condition "x" is true. Returned: "\\ud800"',
    ]
    assert "Logging error" not in capsys.readouterr().err  # the handler never failed
