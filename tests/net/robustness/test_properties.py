"""Hypothesis properties through HTTPClient, with explicit step bounds (robustness.md §7.3-§7.4).

tests/net/http/test_http_properties.py proves split invariance and the number grammars on the
core alone. Here the same claims are made where a script sees them: any cut of a generated valid
response gives the client the same code, headers, body and final status; a damaged one gives the
same failure at every cut; random bytes never raise out of HTTPClient and always end the exchange.
On the core, every call makes progress, so random input ends in a number of steps bounded by its
size and pieces; and a header list written by the request writer is read back unchanged by the
field-line parser. Derandomized, so CI is stable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from corpus import NOT_REUSED
from corpus_runner import LogTap, Outcome, ReadySocket, cuts, run
from hypothesis import given, settings
from hypothesis import strategies as st

from net import HTTPClient
from net.http import limits
from net.http.errors import ProtocolError, RemoteProtocolError
from net.http.request import Origin, build_request
from net.http.response import ResponseReader

S = HTTPClient.Status
CI = settings(max_examples=150, deadline=None, derandomize=True, database=None)

names = st.text(alphabet="ABCxyz-_!~09", min_size=1, max_size=5).map(lambda n: "X-" + n)
words = st.text(alphabet="abcXYZ019=;,:\"'\u00e9\x01\x7f\t ", min_size=1, max_size=8).map(
    lambda w: w.strip(" \t") or "w"
)
#: (name, value segments, folded): the value is its segments joined by one space; folded puts
#: each segment after the first on its own continuation line.
field_lists = st.lists(st.tuples(names, st.lists(words, min_size=1, max_size=3), st.booleans()))
PARTS = [b"a", b"\r\n0\r\n\r\n", b"HTTP/1.1 200 OK\r\n\r\n", b"xyz" * 30, bytes(range(256))]


@dataclass
class Reply:
    """A valid response and what HTTPClient must deliver for it."""

    raw: bytes
    code: int
    headers: tuple[str, ...]
    body: bytes
    then: str
    status: int


def _lines(fields: list[tuple[str, list[str], bool]], end: bytes) -> bytes:
    out = b""
    for name, segments, folded in fields:
        joiner = end + b" \t" if folded else b" "
        out += f"{name}: ".encode() + joiner.join(s.encode() for s in segments) + end
    return out


@st.composite
def replies(draw: st.DrawFn) -> Reply:
    end = draw(st.sampled_from([b"\r\n", b"\n"]))
    raw = b""
    for code in draw(st.lists(st.sampled_from([100, 102, 103, 199]), max_size=2)):
        raw += b"HTTP/1.1 %d Interim" % code + end + _lines(draw(field_lists), end) + end
    code = draw(st.sampled_from([200, 201, 404, 500, 777]))
    fields = draw(field_lists)
    framing = draw(st.sampled_from(["length", "chunked", "close"]))
    parts = draw(st.lists(st.sampled_from(PARTS), max_size=4))
    body = b"".join(parts)
    framing_field = {
        "length": [("Content-Length", [str(len(body))], False)],
        "chunked": [("Transfer-Encoding", ["chunked"], False)],
        "close": [],
    }[framing]
    head_fields = fields + framing_field
    raw += b"HTTP/1.1 %d Fine" % code + end + _lines(head_fields, end) + end
    if framing == "chunked":
        extension = draw(st.sampled_from([b"", b";a", b' ;q="x;y"', b"\t"]))
        raw += b"".join(b"%X%s\r\n%s\r\n" % (len(p), extension, p) for p in parts)
        raw += b"0\r\n" + _lines(draw(field_lists), end) + end
    else:
        raw += body
    headers = tuple(f"{name}: {' '.join(segments)}" for name, segments, _ in head_fields)
    close = framing == "close"
    status = S.STATUS_DISCONNECTED if close else S.STATUS_CONNECTED
    return Reply(raw, code, headers, body, "close" if close else "keep", status)


@pytest.fixture(scope="module")
def ready() -> Iterator[int]:
    sock = ReadySocket()
    yield sock.fd
    sock.close()


@pytest.fixture(scope="module")
def log() -> Iterator[LogTap]:
    with LogTap() as tap:
        yield tap


def seen(out: Outcome) -> tuple[object, ...]:
    """What a script sees; the two ways a not-reused connection may end are one verdict."""
    quiet_end = out.status in NOT_REUSED and not out.errors
    status = "not reused" if quiet_end else S(out.status).name
    return (out.error, status, out.code, out.headers, out.body, len(out.errors), out.warnings)


cut_lists = st.lists(st.integers(0, 10**6), min_size=1, max_size=4)


@CI
@given(replies(), cut_lists, st.booleans())
def test_any_cut_of_a_valid_response_is_read_the_same(
    ready: int, log: LogTap, reply: Reply, points: list[int], blocking: bool
) -> None:
    whole = run([reply.raw], then=reply.then, blocking=blocking, ready=ready, log=log)
    assert (whole.code, whole.headers, whole.body) == (reply.code, reply.headers, reply.body)
    assert (whole.status, whole.errors, whole.warnings) == (reply.status, [], [])
    pieces = cuts(reply.raw, *(p % (len(reply.raw) + 1) for p in points))
    split = run(pieces, then=reply.then, blocking=blocking, ready=ready, log=log)
    assert seen(split) == seen(whole)


SPECIAL = [b"\r", b"\n", b"\x00", b" ", b"\t", b":", b";", b"0", b"f", b"+", b"-", b"\x7f", b"\xff"]


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(replies()).raw)
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(raw)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "truncate", "duplicate"]))
        if kind == "insert":
            raw[at:at] = draw(st.sampled_from(SPECIAL))
        elif kind == "delete":
            del raw[at : at + 1]
        elif kind == "replace":
            raw[at : at + 1] = draw(st.sampled_from(SPECIAL))
        elif kind == "truncate":
            del raw[at:]
        else:
            start = raw.rfind(b"\n", 0, at) + 1
            stop = raw.find(b"\n", at)
            line = raw[start : stop + 1] if stop >= 0 else raw[start:]
            raw[start:start] = line
    return bytes(raw)


@CI
@given(damaged(), cut_lists, st.booleans())
def test_any_cut_of_a_damaged_response_fails_or_succeeds_the_same(
    ready: int, log: LogTap, raw: bytes, points: list[int], blocking: bool
) -> None:
    whole = run([raw], then="close", blocking=blocking, ready=ready, log=log)
    pieces = cuts(raw, *(p % (len(raw) + 1) for p in points))
    split = run(pieces, then="close", blocking=blocking, ready=ready, log=log)
    assert seen(split) == seen(whole)
    assert len(whole.errors) <= 1


@CI
@given(
    st.one_of(
        st.binary(max_size=300),
        st.binary(max_size=120).map(lambda b: b"HTTP/1.1 200 OK\r\n" + b),
        st.binary(max_size=120).map(
            lambda b: b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + b
        ),
    ),
    cut_lists,
    st.booleans(),
    st.sampled_from(["close", "reset"]),
)
def test_random_bytes_never_raise_out_of_httpclient_and_end_the_exchange(
    ready: int, log: LogTap, raw: bytes, points: list[int], blocking: bool, then: str
) -> None:
    pieces = cuts(raw, *(p % (len(raw) + 1) for p in points))
    out = run(pieces, then=then, blocking=blocking, ready=ready, log=log)
    assert out.status in (S.STATUS_DISCONNECTED, S.STATUS_CONNECTION_ERROR)
    assert out.released
    assert len(out.errors) == (out.status == S.STATUS_CONNECTION_ERROR)


def drive_counting(pieces: list[bytes], max_bytes: int, blocking: bool, method: str) -> int:
    """Feed pieces only when asked, then EOF; return the calls made. Every call must consume
    bytes, change state or ask for input; after EOF nothing may ask for more."""
    reader = ResponseReader(method)
    source = iter(pieces)
    calls = 0
    ended = False

    def more() -> None:
        nonlocal ended
        piece = next(source, None)
        if piece is not None:
            reader.feed(piece)
        else:
            assert not ended, "the reader waits for input after EOF"
            reader.feed_eof()
            ended = True

    try:
        head = None
        while head is None:
            calls += 1
            head = reader.next_head()
            if head is None:
                more()
        if not head.has_body:
            return calls
        while True:
            calls += 1
            piece = reader.read_body(max_bytes, blocking=blocking)
            assert len(piece.data) <= max_bytes
            if piece.end:
                return calls
            if not piece.data:
                more()
    except RemoteProtocolError:
        return calls


@CI
@given(
    st.one_of(st.binary(max_size=400), damaged()),
    cut_lists,
    st.sampled_from([1, 7, 4096]),
    st.booleans(),
    st.sampled_from(["GET", "HEAD", "CONNECT"]),
)
def test_the_core_ends_random_input_in_bounded_steps_raising_only_its_error(
    raw: bytes, points: list[int], max_bytes: int, blocking: bool, method: str
) -> None:
    pieces = cuts(raw, *(p % (len(raw) + 1) for p in points))
    try:
        calls = drive_counting(pieces, max_bytes, blocking, method)
    except ProtocolError as exc:  # pragma: no cover - drive_counting catches the core's error
        raise AssertionError("unreachable") from exc
    # One call per piece asked for, per body read that returns bytes, plus the EOF and the end.
    assert calls <= 2 * (len(pieces) + 2) + len(raw) + 2


header_values = st.text(
    alphabet=st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x7f"),
    max_size=12,
).map(lambda v: v.strip(" \t"))
header_lists = st.lists(
    st.tuples(st.text(alphabet="!#$%&'*+-.^_`|~09AZaz", min_size=1, max_size=8), header_values),
    max_size=8,
).map(
    lambda pairs: [
        (n, v) for n, v in pairs if n.lower() not in ("host", "content-length", "transfer-encoding")
    ]
)


@CI
@given(header_lists, st.sampled_from([" ", "", "\t", "  "]))
def test_written_header_lists_read_back_unchanged(
    pairs: list[tuple[str, str]], separator: str
) -> None:
    lines = [f"{name}:{separator}{value}" for name, value in pairs]
    request = build_request(
        0, "/", lines, b"", origin=Origin("example.com", 8080, False), user_agent="ua"
    )
    head = request.data.split(b"\r\n", 1)[1]  # the field lines, without the request line
    reader = ResponseReader()
    reader.feed(b"HTTP/1.1 200 OK\r\n" + head)
    parsed = reader.next_head()
    assert parsed is not None
    fields = list(parsed.fields)
    assert fields[0] == ("Host", "example.com:8080")
    assert fields[1 : 1 + len(pairs)] == pairs
    assert len(request.data) <= limits.HEAD_BYTES_MAX
