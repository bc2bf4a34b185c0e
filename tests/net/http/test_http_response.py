"""The response reader, from byte tables: status line, fields, 1xx, framing, reuse, EOF."""

from __future__ import annotations

import pytest
from http_driver import all_splits, chunked, cuts, drive, response

from net.http.errors import Fault, ProtocolError, RemoteProtocolError
from net.http.framing import Framing
from net.http.response import ResponseReader
from net.http.states import On

D, E, F = Fault.MALFORMED, Fault.LIMIT, Fault.TRUNCATED


# -- status line ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status_line", "code", "minor", "reason"),
    [
        (b"HTTP/1.1 302 Found", 302, 1, "Found"),
        (b"HTTP/1.0 404 Not Found", 404, 0, "Not Found"),
        (b"HTTP/1.1 204", 204, 1, ""),
        (b"HTTP/1.1 204 ", 204, 1, ""),
        (b"HTTP/1.3 200 OK", 200, 3, "OK"),
        (b"HTTP/1.1 777 Odd", 777, 1, "Odd"),
        (b"HTTP/1.1 200 \t\x01odd\xff reason", 200, 1, "\t\x01odd\xff reason"),
        (b"HTTP/1.1 200  OK", 200, 1, " OK"),
    ],
)
def test_status_line_accepted(status_line: bytes, code: int, minor: int, reason: str) -> None:
    out = drive(response("Content-Length: 0", status=status_line))
    assert out.head is not None
    assert (out.head.status, out.head.http_minor, out.head.reason) == (code, minor, reason)
    assert out.end
    assert out.fault is None


@pytest.mark.parametrize(
    "status_line",
    [
        b"HTTP/2 200",
        b"HTTP/2.0 200 OK",
        b"HTTP/0.9 200",
        b"HTTP/1.10 200",
        b"Http/1.1 200",
        b"ICY 200 OK",
        b"RTSP/1.0 200",
        b"HTTP/1.1  200 OK",
        b"HTTP/1.1\t200 OK",
        b" HTTP/1.1 200 OK",
        b"\r\nHTTP/1.1 200 OK",
        b"\nHTTP/1.1 200 OK",
        b"HTTP/1.1 20 OK",
        b"HTTP/1.1 2000 OK",
        b"HTTP/1.1 2O0 OK",
        b"HTTP/1.1 099 x",
        b"HTTP/1.1 200 O\x00K",
        b"HTTP/1.1 200 O\rK",
        b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",
        b"\x15\x03\x03\x00\x02\x02\x16",
    ],
)
def test_status_line_refused(status_line: bytes) -> None:
    out = drive(response("Content-Length: 0", status=status_line))
    assert out.head is None
    assert out.fault is D


@pytest.mark.parametrize("first", [b"I", b"\x16", b"H\x03", b"HTTP2", b"http/"])
def test_first_bytes_that_cannot_start_http_fail_at_once(first: bytes) -> None:
    reader = ResponseReader()
    reader.feed(first)
    with pytest.raises(RemoteProtocolError, match="does not start with HTTP/") as caught:
        reader.next_head()
    assert caught.value.fault is D


def test_eof_before_any_byte_is_no_response() -> None:
    out = drive(b"")
    assert (out.fault, out.message) == (F, "no response: connection closed")


@pytest.mark.parametrize(
    "raw", [b"HTTP/1.1 200 OK\r\n", b"HTTP/1.1 200", b"H", b"HTTP/1.1 200 OK\r"]
)
def test_eof_inside_the_head_is_truncation(raw: bytes) -> None:
    out = drive(raw)
    assert (out.fault, out.message) == (F, "connection closed inside the response head")


# -- field lines --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("lines", "fields"),
    [
        ([b"X-A: one", b"\t two"], [("X-A", "one two")]),
        ([b"X-A: one", b"  two  ", b"\tthree"], [("X-A", "one two three")]),
        ([b"X-A:", b" two"], [("X-A", "two")]),
        ([b"X: a\x01b"], [("X", "a\x01b")]),
        ([b"X: caf\xe9"], [("X", "caf\xe9")]),
        ([b"X: caf\xc3\xa9"], [("X", "café")]),
        ([b"X:"], [("X", "")]),
        ([b"X: \t "], [("X", "")]),
        ([b"X:\tv\t"], [("X", "v")]),
        ([b"A: 1", b"a: 2", b"B: 3"], [("A", "1"), ("a", "2"), ("B", "3")]),
        ([b"!#$%&'*+-.^_`|~09az: x"], [("!#$%&'*+-.^_`|~09az", "x")]),
        ([b"X: a: b"], [("X", "a: b")]),
    ],
)
def test_field_lines_accepted(lines: list[bytes], fields: list[tuple[str, str]]) -> None:
    out = drive(response(*lines, "Content-Length: 0"))
    assert out.head is not None
    assert list(out.head.fields) == [*fields, ("Content-Length", "0")]


@pytest.mark.parametrize(
    "line",
    [
        b"Server nginx",
        b": x",
        b"X Y: 1",
        b"X@: 1",
        b"Content-Length : 7",
        b"X\t: 1",
        b"\xc3\x9c: v",
        b"X: a\x00b",
        b"X: a\rb",
        b"X\x00: a",
    ],
)
def test_field_lines_refused(line: bytes) -> None:
    out = drive(response(line, "Content-Length: 0"))
    assert out.head is None
    assert out.fault is D


def test_fold_as_first_field_line_is_refused() -> None:
    out = drive(response(b" X: 1", "Content-Length: 0"))
    assert (out.fault, out.message) == (D, 'continuation field line " X: 1"')


def test_bare_lf_ends_head_lines() -> None:
    out = drive(b"HTTP/1.1 200 OK\nContent-Length: 2\r\nX: y\n\nhi")
    assert out.head is not None
    assert list(out.head.fields) == [("Content-Length", "2"), ("X", "y")]
    assert (out.body, out.end, out.reusable) == (b"hi", True, True)


def test_messages_quote_at_most_32_escaped_bytes() -> None:
    out = drive(response(b"\x01" * 40 + b"\nSet-Cookie: x", "Content-Length: 0"))
    assert out.fault is D
    assert out.message == 'invalid field line "' + "\\x01" * 32 + '..."'


# -- interim responses --------------------------------------------------------------------


def test_interim_heads_are_skipped() -> None:
    raw = (
        b"HTTP/1.1 100 Continue\r\n\r\n"
        b"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\nContent-Length: 5\r\n\r\n"
        b"HTTP/1.1 199 Whatever\r\nTransfer-Encoding: chunked\r\n\r\n"
        + response("Content-Length: 2", body=b"ok")
    )
    out = drive(raw)
    assert out.head is not None
    assert (out.head.status, list(out.head.fields)) == (200, [("Content-Length", "2")])
    assert (out.body, out.end, out.reusable) == (b"ok", True, True)


def test_unsolicited_101_is_refused() -> None:
    out = drive(response("Upgrade: websocket", status=b"HTTP/1.1 101 Switching Protocols"))
    assert (out.fault, out.message) == (D, "101 response to a request without Upgrade")


def test_101_after_upgrade_is_final_and_hands_the_stream_over() -> None:
    raw = response("Upgrade: websocket", status=b"HTTP/1.1 101 Switching Protocols")
    out = drive(raw + b"\x81\x00", upgrade=True)
    assert out.head is not None
    assert (out.head.status, out.head.framing, out.head.length) == (101, Framing.UPGRADE, -1)
    assert not out.head.has_body
    assert (out.end, out.reusable, out.leftover) == (True, True, 2)


# -- framing (httpclient.md §5.4) ---------------------------------------------------------

FRAMING_ROWS = [
    # (raw, method, framing, length, body, reusable)
    (response("Content-Length: 10"), "HEAD", Framing.EMPTY, 0, b"", True),
    (response("Transfer-Encoding: chunked"), "HEAD", Framing.EMPTY, 0, b"", True),
    (response(), "HEAD", Framing.EMPTY, 0, b"", True),
    (response("Content-Length: abc"), "HEAD", Framing.EMPTY, 0, b"", False),
    (
        response("Content-Length: 1", "Transfer-Encoding: chunked"),
        "HEAD",
        Framing.EMPTY,
        0,
        b"",
        False,
    ),
    (response("Transfer-Encoding: gzip"), "HEAD", Framing.EMPTY, 0, b"", False),
    (
        response("Content-Length: 0", status=b"HTTP/1.1 204 No Content"),
        "GET",
        Framing.EMPTY,
        0,
        b"",
        True,
    ),
    (
        response("Content-Length: 5", status=b"HTTP/1.1 204 No Content"),
        "GET",
        Framing.EMPTY,
        0,
        b"",
        False,
    ),
    (
        response("Transfer-Encoding: chunked", status=b"HTTP/1.1 204 No Content"),
        "GET",
        Framing.EMPTY,
        0,
        b"",
        False,
    ),
    (
        response("Content-Length: 100", status=b"HTTP/1.1 304 Not Modified"),
        "GET",
        Framing.EMPTY,
        0,
        b"",
        True,
    ),
    (
        response("Transfer-Encoding: chunked", status=b"HTTP/1.1 304 Not Modified"),
        "GET",
        Framing.EMPTY,
        0,
        b"",
        True,
    ),
    (
        response("Content-Length: 7, 8", status=b"HTTP/1.1 304 Not Modified"),
        "GET",
        Framing.EMPTY,
        0,
        b"",
        False,
    ),
    (response(status=b"HTTP/1.1 204 No Content"), "GET", Framing.NONE, -1, b"", True),
    (response(status=b"HTTP/1.1 304 Not Modified"), "GET", Framing.NONE, -1, b"", True),
    (
        response(status=b"HTTP/1.1 200 Connection established"),
        "CONNECT",
        Framing.TUNNEL,
        -1,
        b"",
        True,
    ),
    (
        response("Content-Length: 2", body=b"no", status=b"HTTP/1.1 407 Auth"),
        "CONNECT",
        Framing.LENGTH,
        2,
        b"no",
        True,
    ),
    (
        response("Transfer-Encoding: chunked", body=chunked(b"abc", b"de")),
        "GET",
        Framing.CHUNKED,
        -1,
        b"abcde",
        True,
    ),
    (
        response("Transfer-Encoding: Chunked", body=chunked(b"abc")),
        "GET",
        Framing.CHUNKED,
        -1,
        b"abc",
        True,
    ),
    (
        response("Transfer-Encoding: , chunked ,", body=chunked(b"abc")),
        "GET",
        Framing.CHUNKED,
        -1,
        b"abc",
        True,
    ),
    (response("Content-Length: 7", body=b"1234567"), "POST", Framing.LENGTH, 7, b"1234567", True),
    (response("Content-Length: 0"), "GET", Framing.LENGTH, 0, b"", True),
    (response("Content-Length: 007", body=b"1234567"), "GET", Framing.LENGTH, 7, b"1234567", True),
    (response("Content-Length: 7, 7", body=b"1234567"), "GET", Framing.LENGTH, 7, b"1234567", True),
    (
        response("Content-Length: 7", "content-length: 7", body=b"1234567"),
        "GET",
        Framing.LENGTH,
        7,
        b"1234567",
        True,
    ),
    (response(body=b"until the end"), "GET", Framing.UNTIL_CLOSE, -1, b"until the end", False),
    (response(body=b"x", status=b"HTTP/1.1 777 Odd"), "GET", Framing.UNTIL_CLOSE, -1, b"x", False),
]


@pytest.mark.parametrize(("raw", "method", "framing", "length", "body", "reusable"), FRAMING_ROWS)
def test_framing_rows(
    raw: bytes, method: str, framing: Framing, length: int, body: bytes, reusable: bool
) -> None:
    out = drive(raw, method=method)
    assert out.fault is None, out.message
    assert out.head is not None
    assert (out.head.framing, out.head.length, out.head.chunked) == (
        framing,
        length,
        framing is Framing.CHUNKED,
    )
    assert (out.body, out.end, out.reusable) == (body, True, reusable)
    if framing is Framing.EMPTY:
        assert out.reads == [b""]  # one read returns b"" and ends the body


def test_te_with_cl_decodes_chunked_flags_a_warning_and_closes() -> None:
    raw = response("Content-Length: 3", "Transfer-Encoding: chunked", body=chunked(b"hello"))
    out = drive(raw)
    assert out.head is not None
    assert (out.head.framing, out.head.length, out.head.te_with_cl) == (Framing.CHUNKED, -1, True)
    assert (out.body, out.end, out.reusable) == (b"hello", True, False)


@pytest.mark.parametrize(
    "te_lines",
    [
        ["gzip, chunked"],
        ["chunked, gzip"],
        ["identity"],
        ["chunked, chunked"],
        ["chunked", "chunked"],
        ["chunked;x=1"],
        [""],
        ["gzip", "chunked"],
    ],
)
def test_other_transfer_codings_are_refused(te_lines: list[str]) -> None:
    lines = [f"Transfer-Encoding: {value}" for value in te_lines]
    out = drive(response(*lines, body=chunked(b"abc")))
    assert out.head is None
    assert out.fault is D
    assert out.message.startswith("unsupported Transfer-Encoding")


@pytest.mark.parametrize(
    "cl_lines",
    [
        ["+7"],
        ["-7"],
        ["7_0"],
        ["0x7"],
        ["7.0"],
        ["7 0"],
        ["\u0667"],
        [""],
        ["7,"],
        ["7, 8"],
        ["7", "8"],
        ["7", "07"],
        ["1" * 20],
        ["9223372036854775808"],
    ],
)
def test_bad_content_lengths_are_refused(cl_lines: list[str]) -> None:
    lines = [f"Content-Length: {value}" for value in cl_lines]
    out = drive(response(*lines, body=b"1234567"))
    assert out.head is None
    assert out.fault is D
    assert out.message.startswith("invalid or conflicting Content-Length")


def test_largest_content_length_is_streamed_without_allocation() -> None:
    reader = ResponseReader()
    reader.feed(response("Content-Length: 9223372036854775807", body=b"x" * 10_000))
    head = reader.next_head()
    assert head is not None
    assert head.length == 2**63 - 1
    assert reader.read_body(4096).data == b"x" * 4096
    assert reader.buffered == 10_000 - 4096


# -- keep-alive (httpclient.md §5.6, §13.1) ------------------------------------------------


@pytest.mark.parametrize(
    ("status", "lines", "close_sent", "reusable"),
    [
        (b"HTTP/1.1 200 OK", [], False, True),
        (b"HTTP/1.1 200 OK", ["Connection: close"], False, False),
        (b"HTTP/1.1 200 OK", ["Connection: Keep-Alive, CLOSE"], False, False),
        (b"HTTP/1.1 200 OK", ["Connection: keep-alive", "Connection: close"], False, False),
        (b"HTTP/1.1 200 OK", ["Connection: closed"], False, True),
        (b"HTTP/1.1 200 OK", [], True, False),
        (b"HTTP/1.0 200 OK", [], False, False),
        (b"HTTP/1.0 200 OK", ["Connection: Keep-Alive"], False, True),
        (b"HTTP/1.0 200 OK", ["Connection: keep-alive, close"], False, False),
        (b"HTTP/1.2 200 OK", [], False, True),
    ],
)
def test_keep_alive(status: bytes, lines: list[str], close_sent: bool, reusable: bool) -> None:
    out = drive(
        response(*lines, "Content-Length: 2", body=b"ok", status=status), close_sent=close_sent
    )
    assert (out.body, out.end, out.reusable) == (b"ok", True, reusable)


def test_http10_chunked_is_decoded_but_not_reused() -> None:
    raw = response(
        "Connection: keep-alive",
        "Transfer-Encoding: chunked",
        body=chunked(b"ab"),
        status=b"HTTP/1.0 200 OK",
    )
    out = drive(raw)
    assert (out.body, out.end, out.reusable) == (b"ab", True, False)


@pytest.mark.parametrize(
    "raw",
    [
        response("Content-Length: 2", body=b"okHTTP/1.1 200 OK\r\n\r\n"),
        response("Transfer-Encoding: chunked", body=chunked(b"ok") + b"garbage"),
        response(status=b"HTTP/1.1 204 No Content") + b"x",
        response("Content-Length: 3") + b"abc",
    ],
)
def test_buffered_bytes_after_the_message_forbid_reuse(raw: bytes) -> None:
    out = drive(raw, method="HEAD" if raw.endswith(b"abc") else "GET")
    assert (out.end, out.reusable, out.fault) == (True, False, None)
    assert out.leftover > 0


def test_eof_seen_before_the_end_forbids_reuse() -> None:
    reader = ResponseReader()
    reader.feed(response("Content-Length: 2", body=b"ok"))
    reader.feed_eof()
    assert reader.next_head() is not None
    body = reader.read_body(4096)
    assert (body.data, body.end, reader.done, reader.reusable) == (b"ok", True, True, False)


# -- a head read again ---------------------------------------------------------------------


def test_a_head_read_again_is_framed_for_its_own_request() -> None:
    """The same head bytes answer a GET, a GET that sent Connection: close and a HEAD: each
    time they are read as that request's answer, however often they came before."""
    head = response("Server: s", "Content-Length: 2")
    cases = [
        (head + b"ok", "GET", False, (Framing.LENGTH, 2, b"ok", True)),
        (head + b"ok", "GET", True, (Framing.LENGTH, 2, b"ok", False)),
        (head, "HEAD", False, (Framing.EMPTY, 0, b"", True)),
    ]
    heads = []
    for _ in range(3):
        for raw, method, close_sent, expected in cases:
            out = drive(raw, method=method, close_sent=close_sent)
            assert out.head is not None
            assert (out.head.framing, out.head.length, out.body, out.reusable) == expected
            assert out.head.fields == (("Server", "s"), ("Content-Length", "2"))
            heads.append(out.head)
    assert heads[0] == heads[3]
    assert heads[0] is not heads[3]  # each response has a head of its own


def test_bytes_after_a_head_read_again_still_forbid_reuse() -> None:
    raw = response("Content-Length: 2", body=b"ok")
    assert drive(raw).reusable
    out = drive(raw + b"HTTP/1.1 200 OK\r\n")
    assert (out.body, out.end, out.reusable) == (b"ok", True, False)


def test_heads_that_always_differ_are_each_read_as_they_are() -> None:
    """A server whose every head differs (a request id, a long cookie): each one is read
    afresh and right, however many came before."""
    for number in range(150):
        cookie = "c" * (3000 if number % 3 == 0 else number)
        raw = response(f"X-Request-Id: {number}", f"Set-Cookie: {cookie}", body=b"")
        out = drive(raw + b"tail")
        assert out.head is not None
        assert out.head.fields == (("X-Request-Id", str(number)), ("Set-Cookie", cookie))
        assert (out.head.framing, out.body, out.reusable) == (Framing.UNTIL_CLOSE, b"tail", False)


@pytest.mark.parametrize(
    "raw",
    [
        response("Content-Length: 2", "Content-Length: 3", body=b"ok"),
        response("Content-Length: x", body=b"ok"),
        response("Transfer-Encoding: gzip", body=b"ok"),
        response("Content-Length: 5", body=b"ok"),  # cut short by the close
        response("Transfer-Encoding: chunked", "Content-Length: 2", body=chunked(b"ok")),
        response("Content-Length: 5", status=b"HTTP/1.1 204 No Content"),
        response("Content-Length: 5", status=b"HTTP/1.1 304 Not Modified"),
        b"HTTP/1.1 100 Continue\r\n\r\n" + response("Content-Length: 2", body=b"ok"),
        response(
            "Connection: keep-alive", "Content-Length: 2", body=b"ok", status=b"HTTP/1.0 200 OK"
        ),
    ],
)
@pytest.mark.parametrize("method", ["GET", "HEAD"])
def test_a_head_read_again_gives_the_same_outcome(raw: bytes, method: str) -> None:
    """Refused heads are refused again, bodies cut short are cut short again, whatever the
    same head text gave before (for this request or another)."""
    first = drive(raw, method=method).verdict()
    for _ in range(3):
        drive(raw, method="HEAD" if method == "GET" else "GET")
        assert drive(raw, method=method).verdict() == first
        assert not drive(raw + b"more", method=method).reusable  # bytes after the message


# -- length and close-delimited bodies ------------------------------------------------------


def test_short_length_body_is_truncation_with_counts() -> None:
    out = drive(response("Content-Length: 10", body=b"abcd"))
    assert (out.body, out.end, out.fault) == (b"abcd", False, F)
    assert out.message == "connection closed after 4 of 10 body bytes"
    reader = ResponseReader()
    reader.feed(response("Content-Length: 10", body=b"abcd"))
    reader.feed_eof()
    reader.next_head()
    with pytest.raises(RemoteProtocolError) as caught:
        reader.read_body(4096)
    assert (caught.value.partial, caught.value.received, caught.value.expected) == (b"abcd", 4, 10)


def test_close_delimited_body_needs_close_notify_over_tls() -> None:
    raw = response(body=b"partial")
    assert drive(raw).body == b"partial"
    out = drive(raw, clean=False)
    assert (out.body, out.end, out.fault) == (b"partial", False, F)
    assert "close_notify" in out.message


def test_framing_decides_completeness_whatever_the_close() -> None:
    out = drive(response("Content-Length: 2", body=b"ok"), clean=False)
    assert (out.body, out.end, out.fault) == (b"ok", True, None)


def test_an_empty_body_takes_one_read() -> None:
    reader = ResponseReader()
    reader.feed(response("Content-Length: 0"))
    head = reader.next_head()
    assert head is not None
    assert head.has_body
    assert not reader.done
    piece = reader.read_body(4096)
    assert (piece.data, piece.end, reader.done, reader.reusable) == (b"", True, True, True)


# -- misuse -------------------------------------------------------------------------------


def test_misuse_raises_runtime_errors() -> None:
    reader = ResponseReader()
    with pytest.raises(RuntimeError):
        reader.read_body(10)
    reader.feed(response("Content-Length: 1", body=b"x"))
    assert reader.next_head() is not None
    with pytest.raises(RuntimeError):
        reader.next_head()
    with pytest.raises(ValueError, match="at least 1"):
        reader.read_body(0)
    assert reader.read_body(1).end
    with pytest.raises(RuntimeError):
        reader.read_body(1)
    reader.feed_eof()
    with pytest.raises(RuntimeError):
        reader.feed(b"x")


def test_a_failed_reader_stays_failed() -> None:
    reader = ResponseReader()
    reader.feed(b"XTTP")
    with pytest.raises(RemoteProtocolError):
        reader.next_head()
    with pytest.raises(RuntimeError):
        reader.next_head()


def test_protocol_error_is_abstract() -> None:
    with pytest.raises(TypeError):
        ProtocolError("x", Fault.MALFORMED)


# -- split invariance -----------------------------------------------------------------------

SPLIT_CORPUS = [
    response("Content-Length: 5", body=b"hello"),
    b"HTTP/1.1 100 Continue\r\n\r\n"
    b"HTTP/1.1 200 OK\nX-A: one\r\n\ttwo\r\nContent-Length: 3\r\n\r\nabc",
    response(
        "Transfer-Encoding: chunked",
        body=b'5 ; q="a;b"\r\nhello\r\n00a\r\n\r\n0\r\n\r\n0\r\n\r\n0\r\nT: 1\r\n  more\r\n\r\n',
    ),
    response("Transfer-Encoding: chunked", body=b"4\r\nwxyzQQ"),
    response("Transfer-Encoding: chunked", body=b"4\r\nwxyz\r"),
    response("Transfer-Encoding: chunked", body=b"4\r\nwx"),
    response("Transfer-Encoding: chunked", body=b"0\r\nX: 1\r\n"),
    response("Transfer-Encoding: chunked", body=b"1f\rx\r\n"),
    response(body=b"close delimited"),
    response("Content-Length: 9", body=b"short"),
    response(b"X: \x00"),
    b"HTTP/1.1 200 OK\r\nX: 1\rY\r\n\r\n",
    b"HTTP/1.1 200 OK\r\n",
    b"RTSP/1.0 200 OK\r\n\r\n",
]


@pytest.mark.parametrize("raw", SPLIT_CORPUS)
@pytest.mark.parametrize("max_bytes", [1, 3, 4096])
@pytest.mark.parametrize("blocking", [False, True])
def test_any_split_gives_the_same_outcome(raw: bytes, max_bytes: int, blocking: bool) -> None:
    whole = drive(raw, max_bytes=max_bytes, blocking=blocking)
    for pieces in all_splits(raw):
        assert drive(pieces, max_bytes=max_bytes, blocking=blocking).verdict() == whole.verdict()


def test_cuts_helper() -> None:
    assert cuts(b"abcdef", 4, 2) == [b"ab", b"cd", b"ef"]


# -- direct body reads ----------------------------------------------------------------------


def _read_direct(reader: ResponseReader, body: bytes, piece: int) -> tuple[bytes, bool]:
    """Hand the reader body bytes the caller read itself, `piece` at a time, while it allows."""
    taken = bytearray()
    end = False
    while body and reader.direct_run():
        size = min(piece, reader.direct_run())
        data, body = body[:size], body[size:]
        result = reader.take_direct(data)
        taken += result.data
        end = result.end
    return bytes(taken), end


def test_direct_reads_end_a_length_body_and_keep_the_connection() -> None:
    reader = ResponseReader()
    reader.feed(response("Content-Length: 10"))
    assert reader.next_head() is not None
    assert reader.direct_run() == 10
    assert _read_direct(reader, b"0123456789", 4) == (b"0123456789", True)
    assert reader.done
    assert reader.reusable
    assert reader.direct_run() == 0


def test_direct_reads_stop_at_chunk_framing() -> None:
    reader = ResponseReader()
    reader.feed(response("Transfer-Encoding: chunked", body=b"6\r\n"))
    assert reader.next_head() is not None
    first = reader.read_body(10)  # takes the size line, no data yet
    assert (first.data, first.end) == (b"", False)
    assert reader.direct_run() == 6
    assert _read_direct(reader, b"abcdef", 4) == (b"abcdef", False)
    assert reader.direct_run() == 0  # the CRLF and the next size line are framing
    reader.feed(b"\r\n0\r\n\r\n")
    piece = reader.read_body(10)
    assert (piece.data, piece.end) == (b"", True)


def test_direct_reads_of_a_close_delimited_body_end_with_the_close() -> None:
    reader = ResponseReader()
    reader.feed(response())
    assert reader.next_head() is not None
    assert reader.direct_run() > 0
    assert _read_direct(reader, b"until close", 5) == (b"until close", False)
    reader.feed_eof()
    assert reader.direct_run() == 0
    piece = reader.read_body(10)
    assert (piece.data, piece.end) == (b"", True)


def test_direct_reads_are_refused_while_bytes_are_buffered() -> None:
    reader = ResponseReader()
    reader.feed(response("Content-Length: 4", body=b"ab"))
    assert reader.next_head() is not None
    assert reader.direct_run() == 2  # the two bytes after the buffered ones are body
    with pytest.raises(RuntimeError, match="2 buffered"):
        reader.take_direct(b"cd")
    reader.feed(b"c")
    assert reader.read_body(10).data == b"abc"
    with pytest.raises(RuntimeError, match="0 buffered, 1 allowed"):
        reader.take_direct(b"de")
    assert reader.take_direct(b"d").end


def test_direct_run_stops_where_framing_starts() -> None:
    reader = ResponseReader()
    reader.feed(response("Transfer-Encoding: chunked", body=b"8\r\nabc"))
    assert reader.next_head() is not None
    assert reader.read_body(3).data == b"abc"
    reader.feed(b"defgh\r\n")  # the chunk's end and its CRLF are buffered
    assert reader.direct_run() == 0


def test_a_fed_bytearray_can_be_reused_by_the_caller() -> None:
    reader = ResponseReader()
    received = bytearray(response("Content-Length: 3", body=b"abc"))
    reader.feed(received)  # type: ignore[arg-type]  # a caller recycling its receive buffer
    received[:] = b"X" * len(received)
    head = reader.next_head()
    assert head is not None
    assert head.status == 200
    assert reader.read_body(10).data == b"abc"


def test_a_state_change_missing_from_the_table_is_a_bug_that_raises() -> None:
    reader = ResponseReader()
    with pytest.raises(RuntimeError, match="no transition from 'status line'"):
        reader._goto(On.BODY_END)


@pytest.mark.parametrize(
    ("raw", "piece", "blocking"),
    [
        (response("Content-Length: 10", body=b"12345"), b"12345", False),
        (response("Content-Length: 10", body=b"12345"), b"12345", True),
        (response("Transfer-Encoding: chunked", body=b"a\r\n12345"), b"12345", False),
    ],
    ids=["length", "length-blocking", "chunked"],
)
def test_a_close_is_judged_by_the_read_that_empties_the_buffer(
    raw: bytes, piece: bytes, blocking: bool
) -> None:
    reader = ResponseReader()
    reader.feed(raw)
    assert reader.next_head() is not None
    assert reader.read_body(1).data == piece[:1]  # into the body, before the close
    reader.feed_eof()
    with pytest.raises(RemoteProtocolError) as caught:
        reader.read_body(len(piece) - 1, blocking=blocking)
    assert caught.value.fault is Fault.TRUNCATED
    assert caught.value.partial == piece[1:]
