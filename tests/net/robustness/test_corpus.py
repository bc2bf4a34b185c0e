"""Every corpus reply through a real HTTPClient: whole, at every cut, one byte per read.

Each case runs in polling and in blocking mode over the in-memory `CutPeer`; the outcome (the
Error, the final status, code, headers, body, length, the one log line) must be the same for
every way the reply is cut (robustness.md §1.7), and afterwards the same client fetches over a
new connection. Replies longer than `LONG` (the limit cases of 4-256 KiB) get a hypothesis-chosen
sample of cuts instead of all of them, and their one-byte-per-read run trickles the last `TRICKLE`
bytes (where each limit is met or crossed) after the rest in one piece.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from corpus import CASES, Case
from corpus_runner import LogTap, ReadySocket, bytewise, check, cuts, fresh_exchange_works, run_case
from hypothesis import given, settings
from hypothesis import strategies as st

from net import HTTPClient

S = HTTPClient.Status
LONG = 2048
TRICKLE = 16384
SHORT_CASES = [case for case in CASES if len(case.reply) <= LONG]
LONG_CASES = [case for case in CASES if len(case.reply) > LONG]

BY_NAME = {case.name: case for case in CASES}


def params(cases: list[Case], chunk_sizes: tuple[int, ...] = (4096,)) -> list[Any]:
    """(case name, blocking, read_chunk_size) for each mode and size."""
    out = []
    for chunk_size in chunk_sizes:
        for blocking in (False, True):
            for case in cases:
                mode = "blocking" if blocking else "polling"
                size = f"-{chunk_size}" if len(chunk_sizes) > 1 else ""
                out.append(
                    pytest.param(
                        case.name,
                        blocking,
                        chunk_size,
                        id=f"{case.category}:{case.name}-{mode}{size}",
                    )
                )
    return out


@pytest.fixture(scope="module")
def ready() -> Iterator[int]:
    sock = ReadySocket()
    yield sock.fd
    sock.close()


@pytest.fixture(scope="module")
def log() -> Iterator[LogTap]:
    with LogTap() as tap:
        yield tap


def one_byte_per_read(raw: bytes) -> list[bytes]:
    return bytewise(raw, max(0, len(raw) - TRICKLE))


@pytest.mark.parametrize(("name", "blocking", "chunk_size"), params(CASES, (4096, 256)))
def test_whole_and_one_byte_per_read(
    name: str, blocking: bool, chunk_size: int, ready: int, log: LogTap
) -> None:
    case = BY_NAME[name]
    http = HTTPClient()
    http.set_read_chunk_size(chunk_size)
    for pieces, how in [([case.reply], "whole"), (one_byte_per_read(case.reply), "bytewise")]:
        check(case, run_case(case, pieces, blocking, ready, log, http=http), how)
        fresh_exchange_works(http, ready, log)


@pytest.mark.parametrize(("name", "blocking", "chunk_size"), params(SHORT_CASES))
def test_every_cut(name: str, blocking: bool, chunk_size: int, ready: int, log: LogTap) -> None:
    case = BY_NAME[name]
    for point in range(1, len(case.reply)):
        out = run_case(case, cuts(case.reply, point), blocking, ready, log)
        check(case, out, f"cut at {point}")


@pytest.mark.parametrize(("name", "blocking", "chunk_size"), params(LONG_CASES))
@settings(max_examples=8, derandomize=True, deadline=None, database=None)
@given(data=st.data())
def test_sampled_cuts_of_long_replies(
    name: str, blocking: bool, chunk_size: int, data: st.DataObject, ready: int, log: LogTap
) -> None:
    case = BY_NAME[name]
    size = len(case.reply)
    near_end = st.integers(max(1, size - 64), size - 1)  # where the limits are met or crossed
    point = data.draw(st.one_of(st.integers(1, size - 1), near_end), "cut")
    check(case, run_case(case, cuts(case.reply, point), blocking, ready, log), f"cut at {point}")


def test_the_corpus_covers_every_category_with_named_expectations() -> None:
    names = [case.name for case in CASES]
    assert len(CASES) >= 120
    assert len(set(names)) == len(names)
    assert {case.category for case in CASES} == {
        "status line",
        "field lines",
        "interim",
        "framing",
        "chunked",
        "no body",
        "leftovers",
        "truncation",
        "limits",
    }
    for case in CASES:
        assert case.refused == (case.status == (S.STATUS_CONNECTION_ERROR,)), case.name
        assert case.refused or case.headers is not None, f"{case.name}: accepted without headers"
        assert not case.refused or case.log, f"{case.name}: refused without a log fragment"
