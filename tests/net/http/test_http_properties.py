"""Hypothesis properties of the core (robustness.md §7.3, §7.4), derandomized for CI."""

from __future__ import annotations

import re
from dataclasses import dataclass

from http_driver import cuts, drive
from hypothesis import given, settings
from hypothesis import strategies as st

from net.http import grammar
from net.http.errors import LocalProtocolError, RemoteProtocolError
from net.http.request import Origin, build_request
from net.http.response import ResponseReader

CI = settings(max_examples=120, deadline=None, derandomize=True)
WIDE = settings(CI, max_examples=400)

TCHARS = "!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
names = st.text(alphabet="XYZabc-_!~", min_size=1, max_size=6).map(lambda n: "X-" + n)
words = st.text(alphabet="abcXYZ019=;,\"'é\x01\x7f\t ", min_size=1, max_size=8).map(
    lambda w: w.strip(" \t") or "w"
)
#: A field as (name, segments, fold): its value is the segments joined by one space; when fold
#: is set, each segment after the first goes on a continuation line.
fields = st.lists(
    st.tuples(names, st.lists(words, min_size=1, max_size=3), st.booleans()), max_size=4
)


@dataclass
class Model:
    """A valid response: interim heads, a final head, and a body with its framing."""

    interim: list[tuple[int, list[tuple[str, list[str], bool]]]]
    status: int
    fields: list[tuple[str, list[str], bool]]
    framing: str
    parts: list[bytes]
    extension: bytes
    trailers: list[tuple[str, list[str], bool]]

    def body(self) -> bytes:
        return b"".join(self.parts)

    def expected_fields(self) -> list[tuple[str, str]]:
        return [(name, " ".join(segments)) for name, segments, _ in self.fields]

    def serialise(self) -> bytes:
        out = b"".join(
            b"HTTP/1.1 %d Info\r\n" % code + _lines(f) + b"\r\n" for code, f in self.interim
        )
        framing = {
            "length": [("Content-Length", [str(len(self.body()))], False)],
            "chunked": [("Transfer-Encoding", ["chunked"], False)],
            "close": [],
        }
        out += b"HTTP/1.1 %d Fine\n" % self.status + _lines(self.fields + framing[self.framing])
        out += b"\r\n"
        if self.framing != "chunked":
            return out + self.body()
        for part in self.parts:
            if part:
                out += b"%X%s\r\n%s\r\n" % (len(part), self.extension, part)
        return out + b"0\r\n" + _lines(self.trailers) + b"\r\n"


def _lines(fields: list[tuple[str, list[str], bool]]) -> bytes:
    out = ""
    for name, segments, fold in fields:
        out += f"{name}: " + ("\r\n \t" if fold else " ").join(segments) + "\r\n"
    return out.encode()


models = st.builds(
    Model,
    interim=st.lists(st.tuples(st.sampled_from([100, 102, 103, 150]), fields), max_size=2),
    status=st.integers(200, 599).filter(lambda s: s not in (204, 304)),
    fields=fields,
    framing=st.sampled_from(["length", "chunked", "close"]),
    parts=st.lists(
        st.sampled_from([b"", b"a", b"\r\n0\r\n\r\n", b"xyz" * 7, bytes(range(256))]), max_size=5
    ),
    extension=st.sampled_from([b"", b";a", b' ;q="x;y"', b"\t"]),
    trailers=fields,
)
cut_points = st.lists(st.integers(0, 2000), max_size=5)


@WIDE
@given(models, cut_points, st.sampled_from([1, 7, 4096]), st.booleans())
def test_round_trip_and_split_invariance(
    model: Model, points: list[int], max_bytes: int, blocking: bool
) -> None:
    raw = model.serialise()
    whole = drive(raw, max_bytes=max_bytes, blocking=blocking)
    assert whole.fault is None, whole.message
    assert whole.head is not None
    assert whole.head.status == model.status
    assert list(whole.head.fields[: len(model.fields)]) == model.expected_fields()
    assert (whole.body, whole.end, whole.reusable) == (model.body(), True, model.framing != "close")
    split = drive(
        cuts(raw, *[p % (len(raw) + 1) for p in points]), max_bytes=max_bytes, blocking=blocking
    )
    assert split.verdict() == whole.verdict()


SPECIAL = [
    b"\r",
    b"\n",
    b"\x00",
    b" ",
    b"\t",
    b":",
    b";",
    b"0",
    b"f",
    b"+",
    b"-",
    b"\x7f",
    b"\x80",
    b"\xff",
]


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    raw = bytearray(draw(models).serialise())
    for _ in range(draw(st.integers(1, 3))):
        at = draw(st.integers(0, len(raw)))
        kind = draw(st.sampled_from(["insert", "delete", "replace", "truncate"]))
        byte = draw(st.sampled_from(SPECIAL))
        if kind == "insert":
            raw[at:at] = byte
        elif kind == "delete":
            del raw[at : at + 1]
        elif kind == "replace":
            raw[at : at + 1] = byte
        else:
            del raw[at:]
    return bytes(raw)


@WIDE
@given(
    st.one_of(
        mutated(),
        st.binary(max_size=200),
        st.binary(max_size=60).map(lambda b: b"HTTP/1.1 200 OK\r\n" + b),
    ),
    cut_points,
    st.booleans(),
)
def test_damaged_input_only_raises_protocol_errors_and_cuts_do_not_matter(
    raw: bytes, points: list[int], blocking: bool
) -> None:
    whole = drive(
        raw, max_bytes=5, blocking=blocking
    )  # drive lets only RemoteProtocolError through
    assert whole.end or whole.fault is not None
    split = drive(cuts(raw, *[p % (len(raw) + 1) for p in points]), max_bytes=5, blocking=blocking)
    assert split.verdict()[:3] + split.verdict()[4:] == whole.verdict()[:3] + whole.verdict()[4:]
    if whole.reusable:
        assert split.reusable


_RFC_HEADER = re.compile(f"[{re.escape(TCHARS)}]+:[^\\x00-\\x08\\x0a-\\x1f\\x7f]*")


@CI
@given(st.text(alphabet="aX-!~09 \t\r\n\x00\x7f\x01:;@é", max_size=12))
def test_request_header_accepted_iff_rfc_grammar(line: str) -> None:
    try:
        request = build_request(
            0, "/", [line], b"", origin=Origin("h.example", 80, False), user_agent="t"
        )
    except LocalProtocolError:
        assert not _RFC_HEADER.fullmatch(line)
        return
    assert _RFC_HEADER.fullmatch(line)
    head = request.data.decode()
    assert head.count(f"\r\n{line}\r\n") == 1
    assert len(head.split("\r\n")) == 7  # request line, Host, the header, UA, Accept, "", ""


NUMBER = st.text(alphabet="0123456789aFx_+- \u0667", min_size=0, max_size=22)


@CI
@given(NUMBER)
def test_content_length_grammar(text: str) -> None:
    valid = re.fullmatch(r"[0-9]{1,19}", text.strip(" \t"), re.ASCII)
    expected = int(text) if valid and int(text) < 2**63 else None
    assert grammar.content_length([text]) == expected


@CI
@given(NUMBER)
def test_chunk_size_grammar(text: str) -> None:
    reader = ResponseReader()
    reader.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + text.encode() + b"\r\n")
    reader.next_head()
    valid = re.fullmatch(r"([0-9A-Fa-f]{1,16})[ \t]*", text, re.ASCII)
    try:
        piece = reader.read_body(10)
    except RemoteProtocolError:
        assert not valid or int(valid[1], 16) >= 2**63
    else:
        assert valid
        assert int(valid[1], 16) < 2**63
        assert not piece.end  # the next chunk's data, or the trailers, are still to come
