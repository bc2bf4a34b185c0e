"""Chunked bodies: size-line grammar, terminators, trailers, EOF, and the read-size rules."""

from __future__ import annotations

import pytest
from http_driver import chunked, drive, response

from net.http.errors import Fault, RemoteProtocolError
from net.http.response import ResponseReader

D, F = Fault.MALFORMED, Fault.TRUNCATED
TE = "Transfer-Encoding: chunked"


def chunked_response(body: bytes) -> bytes:
    return response(TE, body=body)


@pytest.mark.parametrize(
    "size_line",
    [
        b"1f",
        b"1F",
        b"001f",
        b"1f ",
        b"1f\t",
        b"1f;a",
        b'1f;a=b;c="d e"',
        b'1f ; q="a;b"',
        b"1f;\x01\xff",
    ],
)
def test_size_lines_accepted(size_line: bytes) -> None:
    data = bytes(range(65, 65 + 31))
    out = drive(chunked_response(size_line + b"\r\n" + data + b"\r\n0\r\n\r\n"))
    assert (out.body, out.end, out.reusable, out.fault) == (data, True, True, None)


@pytest.mark.parametrize(
    "size_line",
    [
        b"+1f",
        b"-1",
        b"0x1f",
        b"1_f",
        b" 1f",
        b"1fz",
        b"1f x",
        b"",
        b";a",
        b"1f;a\x00",
        b"1" * 17,
        b"0" * 17,
        b"8000000000000000",
        b"ffffffffffffffff",
    ],
)
def test_size_lines_refused(size_line: bytes) -> None:
    out = drive(chunked_response(size_line + b"\r\n" + b"x" * 31 + b"\r\n0\r\n\r\n"))
    assert out.head is not None
    assert (out.body, out.fault) == (b"", D)


def test_largest_chunk_size_is_accepted_and_streamed() -> None:
    reader = ResponseReader()
    reader.feed(chunked_response(b"7fffffffffffffff\r\nabc"))
    assert reader.next_head() is not None
    piece = reader.read_body(4096)
    assert (piece.data, piece.end) == (b"abc", False)


@pytest.mark.parametrize(
    ("body", "partial"),
    [
        (b"1f\n" + b"x" * 31, b""),
        (b"1f;a\nb\r\n", b""),
        (b"1f\rx\r\n", b""),
        (b"4\r\nwxyzQQ", b"wxyz"),
        (b"4\r\nwxyz\n\r\n0\r\n\r\n", b"wxyz"),
        (b"4\r\nwxyz\rx0\r\n\r\n", b"wxyz"),
        (b"2\r\nab\r\n4\r\nwxyz\r\n0\n\r\n", b"abwxyz"),
        (b"4\r\nwxyz\r\n0\r\nX: \x00\r\n\r\n", b"wxyz"),
        (b"0\r\nno colon\r\n\r\n", b""),
        (b"0\r\nX : 1\r\n\r\n", b""),
        (b"0\r\n\tfold\r\n\r\n", b""),
        (b"0\r\nX: 1\rY\r\n\r\n", b""),
    ],
)
def test_framing_errors_return_the_bytes_before_them(body: bytes, partial: bytes) -> None:
    out = drive(chunked_response(body))
    assert (out.body, out.end, out.fault) == (partial, False, D)


def test_terminator_error_message_quotes_the_two_bytes() -> None:
    out = drive(chunked_response(b"4\r\nwxyzQQ"))
    assert out.message == 'chunk data not followed by CRLF (got "QQ")'


@pytest.mark.parametrize(
    ("body", "partial"),
    [
        (b"", b""),
        (b"1", b""),
        (b"1f;ext", b""),
        (b"4\r\nwx", b"wx"),
        (b"4\r\nwxyz", b"wxyz"),
        (b"4\r\nwxyz\r", b"wxyz"),
        (b"4\r\nwxyz\r\n", b"wxyz"),
        (b"0\r\nX: 1", b""),
        (b"0\r\nX: 1\r", b""),
    ],
)
def test_early_eof_is_truncation(body: bytes, partial: bytes) -> None:
    out = drive(chunked_response(body))
    assert (out.body, out.end, out.fault) == (partial, False, F)


def test_eof_inside_a_chunk_reports_counts() -> None:
    reader = ResponseReader()
    reader.feed(chunked_response(b"a\r\n0123"))
    reader.feed_eof()
    reader.next_head()
    with pytest.raises(RemoteProtocolError) as caught:
        reader.read_body(4096)
    error = caught.value
    assert (error.partial, error.received, error.expected) == (b"0123", 4, 10)
    assert error.message == "connection closed inside a chunk: received 4 of 10 bytes"


@pytest.mark.parametrize("tail", [b"0\r\n", b"0\r\nX: 1\r\n", b"0\r\nX: 1\r\n fold\r\n"])
def test_eof_at_a_line_boundary_after_the_last_chunk_completes_without_reuse(tail: bytes) -> None:
    out = drive(chunked_response(b"3\r\nabc\r\n" + tail))
    assert (out.body, out.end, out.reusable, out.fault) == (b"abc", True, False, None)


def test_trailers_are_checked_and_discarded() -> None:
    raw = chunked_response(chunked(b"abc", trailer=b"Expires: never\r\nX-Sum: 1\r\n \t2\r\n"))
    out = drive(raw)
    assert out.head is not None
    assert list(out.head.fields) == [("Transfer-Encoding", "chunked")]
    assert (out.body, out.end, out.reusable) == (b"abc", True, True)


def test_chunk_data_may_look_like_framing() -> None:
    tricky = b"\r\n0\r\n\r\nHTTP/1.1 200 OK\r\n\r\n"
    out = drive(chunked_response(chunked(tricky, b"x")))
    assert (out.body, out.end, out.reusable) == (tricky + b"x", True, True)


# -- read sizes (httpclient.md §5.5, §6) ------------------------------------------------------


def reads(body: bytes, pieces: list[int] | None = None, **options: object) -> list[bytes]:
    raw = chunked_response(body)
    head_size = len(raw) - len(body)
    cut = [raw[:head_size]]
    at = head_size
    for size in pieces or [len(body)]:
        cut.append(raw[at : at + size])
        at += size
    cut.append(raw[at:])
    out = drive([piece for piece in cut if piece], **options)  # type: ignore[arg-type]
    assert out.fault is None, out.message
    assert out.end
    return [piece for piece in out.reads if piece]


def sizes(pieces: list[bytes]) -> list[int]:
    return [len(piece) for piece in pieces]


def test_non_blocking_reads_span_chunks() -> None:
    body = chunked(b"a" * 3000, b"b" * 5000, b"c" * 100)
    assert sizes(reads(body)) == [4096, 4004]
    assert b"".join(reads(body)) == b"a" * 3000 + b"b" * 5000 + b"c" * 100


def test_blocking_reads_return_whole_chunks_up_to_the_read_size() -> None:
    body = chunked(b"a" * 3000, b"b" * 5000, b"c" * 100)
    assert sizes(reads(body, blocking=True)) == [3000, 4096, 904, 100]


def test_blocking_reads_wait_for_a_full_piece_on_a_trickle() -> None:
    body = chunked(b"a" * 3000, b"b" * 5000, b"c" * 100)
    trickle = [700] * (len(body) // 700 + 1)
    assert sizes(reads(body, trickle, blocking=True)) == [3000, 4096, 904, 100]
    non_blocking = reads(body, trickle)
    assert max(sizes(non_blocking)) <= 700
    assert b"".join(non_blocking) == b"a" * 3000 + b"b" * 5000 + b"c" * 100


def test_the_read_that_consumes_the_last_chunk_ends_the_body() -> None:
    reader = ResponseReader()
    reader.feed(chunked_response(chunked(b"abc")))
    reader.next_head()
    piece = reader.read_body(4096, blocking=True)
    assert (piece.data, piece.end, reader.reusable) == (b"abc", True, True)


def test_blocking_read_ends_on_a_later_last_chunk() -> None:
    reader = ResponseReader()
    reader.feed(chunked_response(b"3\r\nabc\r\n"))
    reader.next_head()
    assert reader.read_body(4096, blocking=True).data == b"abc"
    reader.feed(b"0\r\n")
    assert reader.read_body(4096, blocking=True).data == b""
    reader.feed(b"\r\n")
    piece = reader.read_body(4096, blocking=True)
    assert (piece.data, piece.end) == (b"", True)


def test_a_waiting_blocking_read_consumes_no_data() -> None:
    reader = ResponseReader()
    reader.feed(chunked_response(b"10\r\n0123456789"))
    reader.next_head()
    assert reader.read_body(4096, blocking=True).data == b""
    assert reader.buffered == 10
    reader.feed(b"abcdef")
    assert reader.read_body(4096, blocking=True).data == b"0123456789abcdef"


def test_blocking_reads_on_length_and_close_delimited_bodies() -> None:
    reader = ResponseReader()
    reader.feed(response("Content-Length: 10000", body=b"x" * 3000))
    reader.next_head()
    assert reader.read_body(4096, blocking=True).data == b""
    reader.feed(b"x" * 7000)
    got = [len(reader.read_body(4096, blocking=True).data) for _ in range(3)]
    assert (got, reader.done) == ([4096, 4096, 1808], True)

    reader = ResponseReader()
    reader.feed(response(body=b"y" * 5000))
    reader.next_head()
    assert len(reader.read_body(4096, blocking=True).data) == 4096
    assert reader.read_body(4096, blocking=True).data == b""
    reader.feed_eof()
    piece = reader.read_body(4096, blocking=True)
    assert (len(piece.data), piece.end, reader.reusable) == (904, True, False)
