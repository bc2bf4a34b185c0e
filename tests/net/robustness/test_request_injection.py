"""Request-side injection attempts: each is refused before a single byte reaches the server.

robustness.md §2 and httpclient.md §4.1: an invalid method, target, header line, Host or body
framing returns ERR_INVALID_PARAMETER, logs one ERROR line (never a header value), keeps the
status CONNECTED and writes nothing, so the next valid request is the first thing the server
reads on the connection. Both `request` and `request_raw` are tried. Accepted look-alikes go out
verbatim (the rows at the end).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import pytest
from corpus_runner import LogTap

from engine.object_model import Error
from net import HTTPClient
from support import Exchange, RawServer

S = HTTPClient.Status
M = HTTPClient.Method
ServerFactory = Callable[..., RawServer]
SECRET = "s3cr3t"


@dataclass(frozen=True)
class Attempt:
    name: str
    headers: tuple[str, ...] = ()
    target: str = "/"
    method: int = M.METHOD_GET
    body: bytes = b""
    log: str = ""  # a fragment of the ERROR line


def header(name: str, line: str, index: int = 0) -> Attempt:
    return Attempt(name, ("X-Ok: 1",) * index + (line,), log=f"p_headers[{index}]")


def target(name: str, value: str, method: int = M.METHOD_GET) -> Attempt:
    return Attempt(name, target=value, method=method, log="_check_request_url")


def framing(name: str, *headers: str, body: bytes = b"", method: int = M.METHOD_POST) -> Attempt:
    return Attempt(name, headers, method=method, body=body, log="request ")


ATTEMPTS = [
    # Method numbers outside 0..8 (METHOD_MAX is a count, not a method).
    *[
        Attempt(f"method-{n}", method=n, log=f"p_method = {n} is out of bounds")
        for n in (-1, 9, 10, 255, -(2**31), 2**63)
    ],
    # Targets: forms, and bytes <= 0x20 or 0x7F anywhere.
    target("target-empty", ""),
    target("target-relative", "index.php"),
    target("target-upper-scheme", "HTTP://example.com/"),
    target("target-ftp", "ftp://example.com/"),
    target("target-asterisk-for-get", "*"),
    target("target-space", "/a b"),
    target("target-htab", "/a\tb"),
    target("target-crlf-injection", "/a HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET /b"),
    target("target-lf", "/a\nb"),
    target("target-cr", "/a\rb"),
    target("target-nul", "/a\x00"),
    target("target-esc", "/a\x1b[2J"),
    target("target-del", "/a\x7f"),
    target("target-lone-surrogate", "/\udc80"),
    target("connect-without-port", "example.com", M.METHOD_CONNECT),
    target("connect-empty-host", ":443", M.METHOD_CONNECT),
    target("connect-empty-port", "example.com:", M.METHOD_CONNECT),
    target("connect-crlf", "example.com:443\r\nX: 1", M.METHOD_CONNECT),
    # Header lines: shape, name, and control bytes in the value.
    header("header-empty", ""),
    header("header-no-colon", "X-Trace"),
    header("header-empty-name", f": {SECRET}"),
    header("header-only-colon", ":"),
    header("header-space-in-name", f"X Trace: {SECRET}"),
    header("header-paren-in-name", f"X(1): {SECRET}"),
    header("header-non-ascii-name", f"\u00dc: {SECRET}"),
    header("header-non-ascii-in-name", f"X-\u00e9: {SECRET}"),
    header("header-leading-space", f" X: {SECRET}"),
    header("header-leading-tab-obs-fold", f"\tX: {SECRET}"),
    header("header-space-before-colon", f"X : {SECRET}"),
    header("header-tab-before-colon", f"X\t: {SECRET}"),
    header("header-crlf-injection", f"X: {SECRET}\r\nSet-Cookie: admin=1"),
    header("header-crlf-ends-head", f"X: {SECRET}\r\n\r\nGET /smuggled HTTP/1.1"),
    header("header-lf-obs-fold", f"X: {SECRET}\n more"),
    header("header-crlf-obs-fold", f"X: {SECRET}\r\n\tmore"),
    header("header-bare-cr", f"X: {SECRET}\rmore"),
    header("header-nul-in-value", f"X: {SECRET}\x00"),
    header("header-nul-in-name", f"X\x00: {SECRET}"),
    header("header-cr-in-name", f"X\r: {SECRET}"),
    header("header-esc-in-value", f"X: {SECRET}\x1bb"),
    header("header-vt-in-value", f"X: {SECRET}\x0b"),
    header("header-del-in-value", f"X: {SECRET}\x7f"),
    header("header-unit-separator", f"X: {SECRET}\x1f"),
    header("header-lone-surrogate", f"X: {SECRET}\udc80"),
    header("third-header-bad", f"X: {SECRET}\r\nY: 1", index=2),
    header("authorization-injection", f"Authorization: Bearer {SECRET}\r\nX-Admin: 1"),
    # Host: one, and uri-host [":" port].
    Attempt("host-twice", ("Host: a.example", "Host: b.example"), log="p_headers[1]"),
    header("host-with-space", "Host: a b"),
    header("host-with-slash", "Host: a/b"),
    header("host-with-userinfo", "Host: user@a"),
    header("host-two-colons", "Host: a:1:2"),
    header("host-port-letters", "Host: a:http"),
    # Body framing: a body that disagrees with it would be read as a second request.
    framing("cl-shorter-than-body", "Content-Length: 3", body=b"abcdef"),
    framing("cl-longer-than-body", "Content-Length: 9", body=b"abc"),
    framing("cl-signed", "Content-Length: +3", body=b"abc"),
    framing("cl-non-ascii-digit", "Content-Length: \u0663", body=b"abc"),
    framing("cl-twice", "Content-Length: 3", "Content-Length: 3", body=b"abc"),
    framing("cl-and-te", "Content-Length: 3", "Transfer-Encoding: chunked", body=b"abc"),
    framing("te-gzip-only", "Transfer-Encoding: gzip", body=b"abc"),
    framing("te-chunked-twice", "Transfer-Encoding: chunked, chunked", body=b"0\r\n\r\n"),
    framing("te-chunked-not-last", "Transfer-Encoding: chunked, gzip", body=b"0\r\n\r\n"),
    framing("te-body-not-chunked", "Transfer-Encoding: chunked", body=b"abc"),
    framing("te-body-unfinished", "Transfer-Encoding: chunked", body=b"3\r\nabc\r\n"),
    framing(
        "te-body-smuggles-a-request",
        "Transfer-Encoding: chunked",
        body=b"0\r\n\r\nGET /admin HTTP/1.1\r\nHost: a\r\n\r\n",
    ),
    framing("trace-with-body", body=b"abc", method=M.METHOD_TRACE),
    # A caller-framed chunked body follows the rules for sending, not those for receiving.
    *[
        framing(f"te-sent-{name}", "Transfer-Encoding: chunked", body=body)
        for name, body in (
            ("bare-lf-after-a-trailer", b"3\r\nabc\r\n0\r\nX-T: 1\n\r\n"),
            ("bare-lf-ending-the-body", b"3\r\nabc\r\n0\r\n\n"),
            ("obs-fold-in-a-trailer", b"3\r\nabc\r\n0\r\nX-T: 1\r\n 2\r\n\r\n"),
            ("control-byte-in-a-trailer", b"3\r\nabc\r\n0\r\nX-T: a\x1bb\r\n\r\n"),
            ("del-in-a-trailer", b"3\r\nabc\r\n0\r\nX-T: \x7f\r\n\r\n"),
            ("control-byte-in-an-extension", b"3;a\x01b\r\nabc\r\n0\r\n\r\n"),
            ("non-ascii-extension", b"3;a=\xc3\xa9\r\nabc\r\n0\r\n\r\n"),
            ("space-in-an-extension", b"3;a b\r\nabc\r\n0\r\n\r\n"),
            ("whitespace-after-the-size", b"3 \r\nabc\r\n0\r\n\r\n"),
        )
    ],
]


@pytest.fixture
def log() -> Iterator[LogTap]:
    with LogTap() as tap:
        yield tap


def connected(raw_server: ServerFactory, reply: bytes) -> tuple[RawServer, HTTPClient]:
    server = raw_server([[Exchange(reply)]])
    http = HTTPClient()
    http.set_blocking_mode(True)  # each call below finishes its step; no waiting loop needed
    assert http.connect_to_host("127.0.0.1", server.port) == Error.OK
    while http.get_status() == S.STATUS_CONNECTING:
        http.poll()
    assert http.get_status() == S.STATUS_CONNECTED
    return server, http


def fetch(http: HTTPClient) -> bytes:
    assert http.request(M.METHOD_GET, "/ok", []) == Error.OK
    while http.get_status() == S.STATUS_REQUESTING:
        http.poll()
    body = b""
    while http.get_status() == S.STATUS_BODY:
        body += http.read_response_body_chunk()
    return body


OK = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nafter"


@pytest.mark.parametrize("attempt", ATTEMPTS, ids=[a.name for a in ATTEMPTS])
def test_refused_before_anything_is_written(
    raw_server: ServerFactory, log: LogTap, attempt: Attempt
) -> None:
    server, http = connected(raw_server, OK)
    for function in ("request", "request_raw"):
        log.take()
        body: str | bytes = attempt.body.decode() if function == "request" else attempt.body
        result = getattr(http, function)(
            attempt.method, attempt.target, list(attempt.headers), body
        )
        assert result == Error.ERR_INVALID_PARAMETER
        assert http.get_status() == S.STATUS_CONNECTED
        assert not http.has_response()
        lines = log.take()
        assert len(lines) == 1, lines
        assert lines[0].startswith(f"ERROR: {function}: ")
        assert attempt.log in lines[0]
        assert SECRET not in lines[0]  # header values are never logged (robustness.md §1.8)
        assert not {"\r", "\n", "\x00"} & set(lines[0])
    # The connection is untouched: the next request is the first bytes the server reads.
    assert fetch(http) == b"after"
    assert len(server.requests) == 1
    assert server.requests[0].startswith(b"GET /ok HTTP/1.1\r\nHost: 127.0.0.1:")
    http.close()


ACCEPTED = [
    Attempt("value-non-ascii", ("X-Name: Jos\u00e9",)),
    Attempt("value-htab", ("X-Tab: a\tb",)),
    Attempt("value-empty", ("X-Empty:",)),
    Attempt("value-ows-kept-verbatim", ("X-Ows: \t v \t",)),
    Attempt("value-obs-text-looking", ("X-Quote: \u00ab\u00bb",)),
    Attempt("name-all-tchar", ("!#$%&'*+-.^_`|~09aZ: v",)),
    Attempt("host-replaced-and-kept-in-place", ("X-First: 1", "Host: [::1]:8080")),
    Attempt("target-non-ascii-utf8", target="/caf\u00e9?q=\u00fc"),
    Attempt("target-absolute", target="http://example.com/a?b#c"),
    Attempt("options-asterisk", target="*", method=M.METHOD_OPTIONS),
    Attempt("te-chunked-body", ("Transfer-Encoding: chunked",), method=M.METHOD_POST),
    Attempt(
        "te-chunk-extensions",
        ("Transfer-Encoding: chunked",),
        method=M.METHOD_POST,
        body=b'3;a=b;q="x \\"y\\""\r\nabc\r\n0\r\n\r\n',
    ),
]


@pytest.mark.parametrize("attempt", ACCEPTED, ids=[a.name for a in ACCEPTED])
def test_legal_look_alikes_go_out_verbatim(raw_server: ServerFactory, attempt: Attempt) -> None:
    body = b"3\r\nabc\r\n0\r\n\r\n" if attempt.name == "te-chunked-body" else attempt.body
    server, http = connected(raw_server, OK)
    assert http.request_raw(attempt.method, attempt.target, list(attempt.headers), body) == Error.OK
    while http.get_status() == S.STATUS_REQUESTING:
        http.poll()
    while http.get_status() == S.STATUS_BODY:
        http.read_response_body_chunk()
    http.close()
    server.wait()
    (sent,) = server.requests
    lines = sent.split(b"\r\n")
    method = HTTPClient.Method(attempt.method).name.removeprefix("METHOD_")
    assert lines[0] == f"{method} {attempt.target} HTTP/1.1".encode()
    for line in attempt.headers:
        assert lines.count(line.encode()) == 1
    assert sent.endswith(b"\r\n\r\n" + body)
