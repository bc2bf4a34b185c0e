"""Every limit of limits.py met exactly, then crossed by one byte (or one more item)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from http_driver import Outcome, drive, response

from net.http import limits
from net.http.errors import Fault, RemoteProtocolError
from net.http.response import ResponseReader

E = Fault.LIMIT
OK_HEAD = b"HTTP/1.1 200 OK"
TE = "Transfer-Encoding: chunked"


def pad_lines(total: int, name: bytes = b"P") -> list[bytes]:
    """Field lines (without line ends) whose CRLF-terminated sizes add up to total."""
    lines = []
    while total:
        size = min(total, 60_000)
        if 0 < total - size < 6:  # keep the last line long enough to hold "P: \r\n"
            size -= 6
        lines.append(name + b": " + b"v" * (size - len(name) - 4))
        total -= size
    return lines


def crossed(make: Callable[[int], bytes], exact: int) -> tuple[Outcome, Outcome]:
    """Outcomes at the limit and one past it."""
    return drive(make(exact)), drive(make(exact + 1))


def check(at_limit: Outcome, past: Outcome, message: str) -> None:
    assert at_limit.fault is None, at_limit.message
    assert at_limit.end
    assert (past.fault, past.message) == (E, message)


def test_status_line() -> None:
    def make(size: int) -> bytes:
        return response("Content-Length: 0", status=OK_HEAD + b" " + b"r" * (size - 18))

    check(*crossed(make, limits.STATUS_LINE_MAX), "status line longer than 8192 bytes")


def test_status_line_with_bare_lf() -> None:
    def make(size: int) -> bytes:
        return OK_HEAD + b" " + b"r" * (size - 17) + b"\nContent-Length: 0\n\n"

    check(*crossed(make, limits.STATUS_LINE_MAX), "status line longer than 8192 bytes")


def test_field_line() -> None:
    def make(size: int) -> bytes:
        return response(b"X: " + b"v" * (size - 5), "Content-Length: 0")

    check(*crossed(make, limits.FIELD_LINE_MAX), "field line longer than 65536 bytes")


def test_folded_field_line_counts_all_its_lines() -> None:
    def make(size: int) -> bytes:
        first = b"X: " + b"a" * (40_000 - 5)
        fold = b" " + b"b" * (size - 40_000 - 3)
        return response(first, fold, "Content-Length: 0")

    check(*crossed(make, limits.FIELD_LINE_MAX), "field line longer than 65536 bytes")


def test_head_bytes() -> None:
    def make(size: int) -> bytes:
        fixed = len(OK_HEAD) + 2 + len("Content-Length: 0\r\n") + 2
        return response(*pad_lines(size - fixed), "Content-Length: 0")

    assert len(make(limits.HEAD_BYTES_MAX)) == limits.HEAD_BYTES_MAX
    check(*crossed(make, limits.HEAD_BYTES_MAX), "response heads exceed 262144 bytes")


def test_head_bytes_include_interim_heads() -> None:
    interim = b"HTTP/1.1 100 Continue\r\n\r\n" * 3

    def make(size: int) -> bytes:
        early = b"HTTP/1.1 103 Early Hints\r\n"
        final = response("Content-Length: 0")
        lines = pad_lines(size - len(interim) - len(early) - 2 - len(final))
        return interim + early + b"".join(line + b"\r\n" for line in lines) + b"\r\n" + final

    assert len(make(limits.HEAD_BYTES_MAX)) == limits.HEAD_BYTES_MAX
    check(*crossed(make, limits.HEAD_BYTES_MAX), "response heads exceed 262144 bytes")


def test_fields_per_head() -> None:
    def make(count: int) -> bytes:
        return response(*[f"X-{i}: {i}" for i in range(count - 1)], "Content-Length: 0")

    check(*crossed(make, limits.FIELDS_MAX), "more than 256 field lines")


def test_interim_responses() -> None:
    def make(count: int) -> bytes:
        return b"HTTP/1.1 100 Continue\r\n\r\n" * count + response("Content-Length: 0")

    check(*crossed(make, limits.INTERIM_MAX), "more than 100 interim responses")


@pytest.mark.parametrize(
    ("value", "length"),
    [("9223372036854775807", 2**63 - 1), ("0" * 19, 0), ("0" * 18 + "7", 7)],
)
def test_content_length_digits_accepted(value: str, length: int) -> None:
    reader = ResponseReader()
    reader.feed(response(f"Content-Length: {value}"))
    head = reader.next_head()
    assert head is not None
    assert head.length == length


@pytest.mark.parametrize("value", ["9223372036854775808", "0" * 20, "0" * 19 + "7"])
def test_content_length_digits_refused(value: str) -> None:
    out = drive(response(f"Content-Length: {value}"))
    assert out.fault is Fault.MALFORMED


def test_chunk_size_digits() -> None:
    ok = drive(response(TE, body=b"0000000000000001\r\nx\r\n0\r\n\r\n"))
    assert (ok.body, ok.end) == (b"x", True)
    past = drive(response(TE, body=b"00000000000000001\r\nx\r\n0\r\n\r\n"))
    assert past.fault is Fault.MALFORMED


def test_chunk_size_line() -> None:
    def make(size: int) -> bytes:
        return response(TE, body=b"1;" + b"e" * (size - 4) + b"\r\nx\r\n0\r\n\r\n")

    check(*crossed(make, limits.CHUNK_SIZE_LINE_MAX), "chunk-size line longer than 4096 bytes")


def test_chunk_extension_bytes_per_body() -> None:
    def make(size: int) -> bytes:
        chunks = [b"1;" + b"e" * 4091 + b"\r\nx\r\n"] * 16  # 4092 extension bytes each
        last = b"1;" + b"e" * (size - 16 * 4092 - 1) + b"\r\nx\r\n"
        return response(TE, body=b"".join(chunks) + last + b"0\r\n\r\n")

    check(*crossed(make, limits.CHUNK_EXTENSIONS_MAX), "chunk extensions exceed 65536 bytes")


def trailers(lines: list[bytes]) -> bytes:
    return response(
        TE, body=b"1\r\nx\r\n0\r\n" + b"".join(line + b"\r\n" for line in lines) + b"\r\n"
    )


def test_trailer_line() -> None:
    def make(size: int) -> bytes:
        return trailers([b"T: " + b"v" * (size - 5)])

    check(*crossed(make, limits.TRAILER_LINE_MAX), "trailer line longer than 65536 bytes")


def test_trailer_fields() -> None:
    def make(count: int) -> bytes:
        return trailers([b"T: %d" % i for i in range(count)])

    check(*crossed(make, limits.TRAILER_FIELDS_MAX), "more than 256 trailer lines")


def test_trailer_bytes() -> None:
    def make(size: int) -> bytes:
        return trailers(pad_lines(size - 2, b"T"))

    check(*crossed(make, limits.TRAILER_BYTES_MAX), "trailers exceed 262144 bytes")


@pytest.mark.parametrize(
    ("prefix", "limit"),
    [
        (b"", limits.STATUS_LINE_MAX),
        (b"HTTP/1.1 200 OK\r\n", limits.FIELD_LINE_MAX),
        (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", limits.CHUNK_SIZE_LINE_MAX),
    ],
)
def test_a_trickle_stops_at_the_limit(prefix: bytes, limit: int) -> None:
    line = {
        limits.STATUS_LINE_MAX: b"HTTP/1.1 200 ",
        limits.FIELD_LINE_MAX: b"X: ",
        limits.CHUNK_SIZE_LINE_MAX: b"1;",
    }[limit]
    reader = ResponseReader()
    reader.feed(prefix)
    in_body = reader.next_head() is not None
    fed: list[int] = []

    def trickle() -> None:
        while True:
            reader.feed(line[len(fed) : len(fed) + 1] or b"z")
            fed.append(1)
            if in_body:
                reader.read_body(4096)
            else:
                reader.next_head()

    with pytest.raises(RemoteProtocolError) as caught:
        trickle()
    assert caught.value.fault is E
    assert len(fed) == limit + 1
    assert reader.buffered == limit + 1
