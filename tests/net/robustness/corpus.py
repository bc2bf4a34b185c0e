"""The adversarial corpus: server replies and what HTTPClient must make of them.

Data only (plus the few helpers that build long replies). Each `Case` is one raw reply to one
request, what the server does after it (`then`), and the outcome a script must see: for a
refusal the `Error` and the final status (`CONNECTION_ERROR`), a fragment of the one ERROR line,
and the body bytes delivered before the fault; for an accepted reply the exact code, headers and
body, the final status (reused or not) and, where it matters, length and chunked flag. Every
category of robustness.md §3-§4 is here; each limit of limits.py is met exactly and crossed by one
byte (or one more item). Section references are to robustness.md (R) and httpclient.md (H).

`scripts/fuzz.py` mutates these replies, so keep the module free of test-only imports.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from engine.object_model import Error
from net import HTTPClient
from net.http import limits

S = HTTPClient.Status
M = HTTPClient.Method
GET, HEAD, CONNECT = M.METHOD_GET, M.METHOD_HEAD, M.METHOD_CONNECT

REUSED = (S.STATUS_CONNECTED,)
CLOSED = (S.STATUS_DISCONNECTED,)
FAILED = (S.STATUS_CONNECTION_ERROR,)
#: Never reused: closed at the body's end if the extra bytes or the close were already received,
#: else the next poll reports the idle connection lost (H §5.6, §13.1; DEBUG only, no ERROR).
NOT_REUSED = (S.STATUS_DISCONNECTED, S.STATUS_CONNECTION_ERROR)

INVALID = Error.ERR_INVALID_DATA  # classes D and E
LOST = Error.ERR_CONNECTION_ERROR  # class F


@dataclass(frozen=True)
class Case:
    """One server reply and the outcome the script must see."""

    name: str
    category: str
    reply: bytes
    #: What the server does after the reply: "keep" (waits), "close" (FIN), "reset", or
    #: "ragged" (a TLS EOF without close_notify).
    then: str
    status: tuple[int, ...]  # acceptable final statuses after the exchange and an idle poll
    error: Error = Error.OK  # the failing poll's return, or the code ending the read's log line
    code: int = 0  # get_response_code() at the end
    body: bytes = b""  # every body byte delivered (for a refusal: before the fault)
    headers: tuple[str, ...] | None = None  # exact get_response_headers(); None: not checked
    length: int | None = None  # get_response_body_length(), when it matters
    chunked: bool | None = None  # is_response_chunked(), when it matters
    log: str = ""  # a fragment of the ERROR line (refusals) or the WARNING line (accepted)
    method: int = GET
    target: str = "/"
    request_headers: tuple[str, ...] = ()
    unread: bytes = b""  # bytes left in the stream for the caller (tunnels, upgrades)

    @property
    def refused(self) -> bool:
        return self.error != Error.OK


def head(*lines: str | bytes, status: bytes = b"HTTP/1.1 200 OK", end: bytes = b"\r\n") -> bytes:
    """A head from field lines, each ended by `end`, then the empty line."""
    encoded = [line.encode("latin-1") if isinstance(line, str) else line for line in lines]
    return b"".join(line + end for line in [status, *encoded]) + end


def plain(*lines: str) -> tuple[str, ...]:
    """The header strings a script gets back for simple, already trimmed field lines."""
    return tuple(lines)


CHUNKED_HEAD = head("Transfer-Encoding: chunked")


def _accept(
    name: str,
    reply: bytes,
    *,
    headers: tuple[str, ...],
    body: bytes = b"",
    code: int = 200,
    status: tuple[int, ...] = REUSED,
    then: str = "keep",
    **kw: Any,
) -> Case:
    return Case(name, "", reply, then, status, code=code, body=body, headers=headers, **kw)


def _refuse(
    name: str,
    reply: bytes,
    error: Error,
    log: str,
    *,
    code: int = 0,
    body: bytes = b"",
    then: str = "close",
    **kw: Any,
) -> Case:
    return Case(name, "", reply, then, FAILED, error=error, code=code, body=body, log=log, **kw)


def _ok(body: bytes, *extra: str, status: bytes = b"HTTP/1.1 200 OK") -> bytes:
    return head(*extra, f"Content-Length: {len(body)}", status=status) + body


# -- R §3.2 status line ----------------------------------------------------------------------


def _status_line() -> list[Case]:
    cl0 = ("Content-Length: 0",)
    accepted = [
        _accept("302-found", head(*cl0, status=b"HTTP/1.1 302 Found"), code=302, headers=cl0),
        _accept(
            "http10-404",
            _ok(b"nah", status=b"HTTP/1.0 404 Not Found"),
            code=404,
            body=b"nah",
            headers=plain("Content-Length: 3"),
            status=CLOSED,  # HTTP/1.0 without keep-alive
            then="close",
        ),
        _accept("no-reason", head(status=b"HTTP/1.1 204"), code=204, headers=(), length=-1),
        _accept("no-reason-with-sp", head(status=b"HTTP/1.1 204 "), code=204, headers=()),
        _accept(
            "http13-as-11",
            _ok(b"hi", status=b"HTTP/1.3 200 OK"),
            body=b"hi",
            headers=plain("Content-Length: 2"),
        ),
        _accept(
            "code-777",
            _ok(b"x", status=b"HTTP/1.1 777 Odd"),
            code=777,
            body=b"x",
            headers=plain("Content-Length: 1"),
        ),
        _accept("code-999", _ok(b"", status=b"HTTP/1.1 999 x"), code=999, headers=cl0),
        _accept(
            "reason-odd-bytes",
            head(*cl0, status=b"HTTP/1.1 200 \t\x01odd\xff reason"),
            headers=cl0,
        ),
        _accept("reason-double-space", head(*cl0, status=b"HTTP/1.1 200  OK"), headers=cl0),
        _accept(
            "lf-line-ends",
            b"HTTP/1.1 200 OK\nContent-Length: 2\n\nhi",
            body=b"hi",
            headers=plain("Content-Length: 2"),
        ),
        _accept(
            "http10-keep-alive",
            _ok(b"hi", "Connection: keep-alive", status=b"HTTP/1.0 200 OK"),
            body=b"hi",
            headers=plain("Connection: keep-alive", "Content-Length: 2"),
        ),
    ]
    malformed = {
        "http2": b"HTTP/2 200",
        "http20": b"HTTP/2.0 200 OK",
        "http09": b"HTTP/0.9 200",
        "http110": b"HTTP/1.10 200",
        "version-only": b"HTTP/1.1",
        "double-space": b"HTTP/1.1  200 OK",
        "htab": b"HTTP/1.1\t200 OK",
        "code-2-digits": b"HTTP/1.1 20 OK",
        "code-4-digits": b"HTTP/1.1 2000 OK",
        "code-letter-o": b"HTTP/1.1 2O0 OK",
        "code-099": b"HTTP/1.1 099 x",
        "code-glued-reason": b"HTTP/1.1 200OK",
        "code-negative": b"HTTP/1.1 -200 OK",
    }
    cases = [
        _refuse(
            f"refused-{name}",
            line + b"\r\nContent-Length: 0\r\n\r\n",
            INVALID,
            "invalid status line",
        )
        for name, line in malformed.items()
    ]
    not_http = {
        "lower-case": b"Http/1.1 200 OK\r\n\r\n",
        "icy": b"ICY 200 OK\r\n\r\n",
        "rtsp": b"RTSP/1.0 200 OK\r\n\r\n",
        "leading-sp": b" HTTP/1.1 200 OK\r\n\r\n",
        "leading-crlf": b"\r\nHTTP/1.1 200 OK\r\n\r\n",
        "leading-lf": b"\nHTTP/1.1 200 OK\r\n\r\n",
        "tls-handshake": b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(32),
        "tls-alert": b"\x15\x03\x03\x00\x02\x02\x28",
    }
    cases += [
        _refuse(f"refused-{name}", reply, INVALID, "does not start with HTTP/")
        for name, reply in not_http.items()
    ]
    cases += [
        _refuse("nul-in-reason", b"HTTP/1.1 200 O\x00K\r\n\r\n", INVALID, "NUL in a status line"),
        _refuse("bare-cr-in-reason", b"HTTP/1.1 200 O\rK\r\n\r\n", INVALID, "CR without LF"),
        _refuse("eof-before-any-byte", b"", LOST, "no response"),
        _refuse("reset-before-any-byte", b"", LOST, "no response", then="reset"),
        _refuse("eof-inside-status-line", b"HTTP/1.1 200 O", LOST, "inside the response head"),
    ]
    return accepted + cases


# -- R §3.1, §3.3 field lines ------------------------------------------------------------------


def _field_lines() -> list[Case]:
    cl0 = "Content-Length: 0"
    accepted = [
        _accept(
            "fold-joined",
            head("X-A: one", "\t two", cl0),
            headers=plain("X-A: one two", cl0),
        ),
        _accept(
            "fold-several-lines",
            head("X-A: a", " b", "  \t c ", cl0),
            headers=plain("X-A: a b c", cl0),
        ),
        _accept(
            "fold-with-lf-ends",
            head("X-A: one", " two", cl0, end=b"\n"),
            headers=plain("X-A: one two", cl0),
        ),
        _accept("control-byte-kept", head(b"X-C: a\x01b", cl0), headers=plain("X-C: a\x01b", cl0)),
        _accept("htab-in-value-kept", head("X-T: a\tb", cl0), headers=plain("X-T: a\tb", cl0)),
        _accept("obs-text-latin1", head(b"X-L: caf\xe9", cl0), headers=plain("X-L: caf\xe9", cl0)),
        _accept("utf8-value", head(b"X-U: caf\xc3\xa9", cl0), headers=plain("X-U: caf\xe9", cl0)),
        _accept("empty-value", head("X-E:", cl0), headers=plain("X-E: ", cl0)),
        _accept("blank-value", head("X-E: \t ", cl0), headers=plain("X-E: ", cl0)),
        _accept("ows-trimmed", head("X-T:\t  v w \t", cl0), headers=plain("X-T: v w", cl0)),
        _accept(
            "colon-in-value", head("X-Time: 12:30:00", cl0), headers=plain("X-Time: 12:30:00", cl0)
        ),
        _accept(
            "all-tchar-name",
            head("!#$%&'*+-.^_`|~09aZ: v", cl0),
            headers=plain("!#$%&'*+-.^_`|~09aZ: v", cl0),
        ),
        _accept(
            "repeats-and-case-kept",
            head("Set-Cookie: a=1", "Vary: Accept", "set-cookie: b=2", "vary: Origin", cl0),
            headers=plain(
                "Set-Cookie: a=1", "Vary: Accept", "set-cookie: b=2", "vary: Origin", cl0
            ),
        ),
        _accept("del-byte-kept", head(b"X-D: a\x7fb", cl0), headers=plain("X-D: a\x7fb", cl0)),
        _accept(
            "mixed-line-ends",
            b"HTTP/1.1 200 OK\r\nA: 1\nContent-Length: 0\r\n\n",
            headers=plain("A: 1", cl0),
        ),
        _accept(
            "no-fields",
            b"HTTP/1.1 200 OK\r\n\r\nuntil close",
            body=b"until close",
            headers=(),
            status=CLOSED,
            then="close",
            length=-1,
        ),
    ]
    refused = {
        "no-colon": b"Server nginx",
        "empty-name": b": x",
        "space-in-name": b"X Y: 1",
        "at-in-name": b"X@: 1",
        "non-ascii-name": b"X\xc3\x9c: 1",
        "paren-name": b"(X): 1",
        "space-before-colon": b"Content-Length : 2",
        "tab-before-colon": b"Content-Length\t: 2",
    }
    cases = [
        _refuse(name, head(line, "Content-Length: 2") + b"hi", INVALID, "invalid field line")
        for name, line in refused.items()
    ]
    cases += [
        _refuse(
            "fold-as-first-line",
            head(" Content-Length: 2") + b"hi",
            INVALID,
            "continuation field line",
        ),
        _refuse(
            "status-line-repeated",
            head("HTTP/1.1 200 OK", "Content-Length: 2") + b"hi",
            INVALID,
            "invalid field line",
        ),
        _refuse("only-empty-lines", b"\r\n\r\n", INVALID, "does not start with HTTP/"),
        _refuse(
            "bare-cr-line-ends-then-eof",
            b"HTTP/1.1 200 OK\rContent-Length: 0\r\r",
            LOST,
            "inside the response head",
        ),
        _refuse("nul-in-value", head(b"X: a\x00b", cl0), INVALID, "NUL in a field line"),
        _refuse("nul-in-name", head(b"X\x00: a", cl0), INVALID, "NUL in a field line"),
        _refuse(
            "bare-cr-in-value", head(b"X: a\rb", cl0), INVALID, "CR without LF in a field line"
        ),
        _refuse("cr-cr-lf", head(b"X: a\r", cl0), INVALID, "CR without LF in a field line"),
        _refuse(
            "eof-inside-field-line",
            b"HTTP/1.1 200 OK\r\nContent-Le",
            LOST,
            "inside the response head",
        ),
        _refuse(
            "eof-before-empty-line",
            b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n",
            LOST,
            "inside the response head",
        ),
        _refuse(
            "reset-inside-head",
            b"HTTP/1.1 200 OK\r\nX: 1",
            LOST,
            "inside the response head",
            then="reset",
        ),
    ]
    return accepted + cases


# -- R §3.4 interim responses ------------------------------------------------------------------


def _interim() -> list[Case]:
    final = _ok(b"done", "X-Final: yes")
    final_headers = plain("X-Final: yes", "Content-Length: 4")
    upgrade = ("Upgrade: websocket", "Connection: Upgrade")
    switching = head(
        "Upgrade: websocket", "Connection: Upgrade", status=b"HTTP/1.1 101 Switching Protocols"
    )
    frames = b"\x81\x05hello"
    return [
        _accept(
            "100-then-200",
            head(status=b"HTTP/1.1 100 Continue") + final,
            body=b"done",
            headers=final_headers,
        ),
        _accept(
            "102-then-200",
            head(status=b"HTTP/1.1 102 Processing") + final,
            body=b"done",
            headers=final_headers,
        ),
        _accept(
            "103-fields-dropped",
            head("Link: </a.css>; rel=preload", status=b"HTTP/1.1 103 Early Hints") + final,
            body=b"done",
            headers=final_headers,
        ),
        _accept(
            "unknown-150",
            head(status=b"HTTP/1.1 150 Odd") + final,
            body=b"done",
            headers=final_headers,
        ),
        _accept(
            "interim-length-ignored",
            head("Content-Length: 5", status=b"HTTP/1.1 100 Continue") + final,
            body=b"done",
            headers=final_headers,
        ),
        _accept(
            "interim-chunked-ignored",
            head("Transfer-Encoding: chunked", status=b"HTTP/1.1 100 Continue") + final,
            body=b"done",
            headers=final_headers,
        ),
        _accept(
            "interim-lf-ends-and-fold",
            head("X: a", " b", status=b"HTTP/1.1 103 Hints", end=b"\n") + final,
            body=b"done",
            headers=final_headers,
        ),
        _accept(
            "three-interim",
            head(status=b"HTTP/1.0 100 Continue") * 2 + head(status=b"HTTP/1.1 103 x") + final,
            body=b"done",
            headers=final_headers,
        ),
        _refuse(
            "interim-bad-field",
            head("Link", status=b"HTTP/1.1 103 Early Hints") + final,
            INVALID,
            "invalid field line",
        ),
        _refuse(
            "interim-then-http2",
            head(status=b"HTTP/1.1 100 Continue") + b"HTTP/2 200\r\n\r\n",
            INVALID,
            "invalid status line",
        ),
        _refuse(
            "interim-then-eof",
            head(status=b"HTTP/1.1 100 Continue"),
            LOST,
            "inside the response head",
        ),
        _refuse(
            "unsolicited-101",
            switching + frames,
            INVALID,
            "101 response to a request without Upgrade",
        ),
        _accept(
            "101-after-upgrade",
            switching + frames,
            code=101,
            headers=plain(*upgrade),
            request_headers=upgrade,
            unread=frames,
            length=-1,
        ),
        _accept(
            "100-then-101-after-upgrade",
            head(status=b"HTTP/1.1 100 Continue") + switching + frames,
            code=101,
            headers=plain(*upgrade),
            request_headers=upgrade,
            unread=frames,
        ),
    ]


# -- R §3.5 framing precedence -----------------------------------------------------------------


def _framing() -> list[Case]:
    te = "Transfer-Encoding: chunked"
    body = b"5\r\nhello\r\n0\r\n\r\n"
    warning = "both Transfer-Encoding and Content-Length"
    cases = [
        _accept(
            "te-and-cl-te-wins",
            head(te, "Content-Length: 100") + body,
            body=b"hello",
            headers=plain(te, "Content-Length: 100"),
            length=-1,
            chunked=True,
            status=CLOSED,
            log=warning,
        ),
        _accept(
            "cl-and-te-te-wins",
            head("Content-Length: 3", te) + body,
            body=b"hello",
            headers=plain("Content-Length: 3", te),
            length=-1,
            chunked=True,
            status=CLOSED,
            log=warning,
        ),
        _accept(
            "te-bad-cl-ignored",
            head(te, "Content-Length: -1") + body,
            body=b"hello",
            headers=plain(te, "Content-Length: -1"),
            chunked=True,
            status=CLOSED,
            log=warning,
        ),
        _accept(
            "te-case-insensitive",
            head("Transfer-Encoding: Chunked") + body,
            body=b"hello",
            headers=plain("Transfer-Encoding: Chunked"),
            chunked=True,
        ),
        _accept(
            "te-empty-elements",
            head("Transfer-Encoding: , chunked ,") + body,
            body=b"hello",
            headers=plain("Transfer-Encoding: , chunked ,"),
            chunked=True,
        ),
        _accept(
            "te-http10-closes",
            head(te, status=b"HTTP/1.0 200 OK") + body,
            body=b"hello",
            headers=plain(te),
            chunked=True,
            status=CLOSED,
        ),
        _accept(
            "te-folded-onto-empty-value",
            head("Transfer-Encoding:", " chunked") + body,
            body=b"hello",
            headers=plain("Transfer-Encoding: chunked"),
            chunked=True,
        ),
        _accept(
            "cl-tabs-around",
            head("Content-Length:\t7\t") + b"1234567",
            body=b"1234567",
            headers=plain("Content-Length: 7"),
            length=7,
        ),
        _accept(
            "cl-list-spaced",
            head("Content-Length:  7 ,\t7 ") + b"1234567",
            body=b"1234567",
            headers=plain("Content-Length: 7 ,\t7"),
            length=7,
        ),
        _accept("cl-zero", _ok(b""), headers=plain("Content-Length: 0"), length=0),
        _accept(
            "cl-seven",
            _ok(b"1234567"),
            body=b"1234567",
            headers=plain("Content-Length: 7"),
            length=7,
        ),
        _accept(
            "cl-leading-zeros",
            head("Content-Length: 007") + b"1234567",
            body=b"1234567",
            headers=plain("Content-Length: 007"),
            length=7,
        ),
        _accept(
            "cl-list-equal",
            head("Content-Length: 7, 7") + b"1234567",
            body=b"1234567",
            headers=plain("Content-Length: 7, 7"),
            length=7,
        ),
        _accept(
            "cl-two-equal-lines",
            head("Content-Length: 7", "Content-Length: 7") + b"1234567",
            body=b"1234567",
            headers=plain("Content-Length: 7", "Content-Length: 7"),
            length=7,
        ),
        _accept(
            "cl-more-bytes-connection-close",
            head("Connection: close", "Content-Length: 2") + b"hiTHERE",
            body=b"hi",
            headers=plain("Connection: close", "Content-Length: 2"),
            status=CLOSED,
            then="close",
        ),
        _accept(
            "connection-token-list",
            head("Connection: Keep-Alive, CLOSE", "Content-Length: 2") + b"hi",
            body=b"hi",
            headers=plain("Connection: Keep-Alive, CLOSE", "Content-Length: 2"),
            status=CLOSED,
            then="close",
        ),
        _accept(
            "http10-length-closes",
            _ok(b"hi", status=b"HTTP/1.0 200 OK"),
            body=b"hi",
            headers=plain("Content-Length: 2"),
            status=CLOSED,
            then="close",
        ),
        _accept(
            "http10-keep-alive-any-case",
            _ok(b"hi", "connection: KEEP-ALIVE", status=b"HTTP/1.0 200 OK"),
            body=b"hi",
            headers=plain("connection: KEEP-ALIVE", "Content-Length: 2"),
        ),
        _accept(
            "until-close",
            head("X: 1") + b"until the end",
            body=b"until the end",
            headers=plain("X: 1"),
            length=-1,
            status=CLOSED,
            then="close",
        ),
        _accept(
            "until-close-empty",
            head("X: 1"),
            headers=plain("X: 1"),
            status=CLOSED,
            then="close",
        ),
        _accept(
            "until-close-keep-alive-ignored",
            head("Connection: keep-alive") + b"HTTP/1.1 200 OK\r\n\r\n",
            body=b"HTTP/1.1 200 OK\r\n\r\n",
            headers=plain("Connection: keep-alive"),
            status=CLOSED,
            then="close",
        ),
        _accept(
            "error-status-with-body",
            _ok(b"oops", status=b"HTTP/1.1 500 Internal Server Error"),
            code=500,
            body=b"oops",
            headers=plain("Content-Length: 4"),
        ),
    ]
    codings = {
        "gzip-chunked": "gzip, chunked",
        "chunked-gzip": "chunked, gzip",
        "identity": "identity",
        "gzip": "gzip",
        "chunked-twice-in-list": "chunked, chunked",
        "chunked-with-parameter": "chunked;x=1",
        "empty-value": "",
    }
    cases += [
        _refuse(
            f"te-{name}",
            head(f"Transfer-Encoding: {value}".rstrip()) + body,
            INVALID,
            "unsupported Transfer-Encoding",
        )
        for name, value in codings.items()
    ]
    cases += [
        _refuse(
            "te-two-chunked-lines", head(te, te) + body, INVALID, "unsupported Transfer-Encoding"
        ),
        _refuse(
            "te-folded-into-gzip-chunked",
            head("Transfer-Encoding: gzip,", " chunked") + body,
            INVALID,
            "unsupported Transfer-Encoding",
        ),
        _refuse(
            "te-space-before-colon",
            head("Transfer-Encoding : chunked", "Content-Length: 3") + body,
            INVALID,
            "invalid field line",
        ),
        _refuse(
            "cl-folded-into-two-numbers",
            head("Content-Length: 1", " 0") + b"0123456789",
            INVALID,
            "invalid or conflicting Content-Length",
        ),
    ]
    lengths = {
        "plus": "+7",
        "minus": "-7",
        "underscore": "7_0",
        "hex": "0x7",
        "decimal-point": "7.0",
        "inner-space": "7 0",
        "arabic-digit": "\u0667",
        "empty": "",
        "trailing-comma": "7,",
        "differing-list": "7, 8",
        "exponent": "1e3",
        "20-digits": "0" * 19 + "7",
        "2-to-the-63": str(2**63),
        "huge": "9" * 40,
    }
    cases += [
        _refuse(
            f"cl-{name}",
            head(f"Content-Length: {value}".rstrip().encode()) + b"1234567",
            INVALID,
            "invalid or conflicting Content-Length",
        )
        for name, value in lengths.items()
    ]
    cases += [
        _refuse(
            "cl-differing-lines",
            head("Content-Length: 7", "Content-Length: 8") + b"12345678",
            INVALID,
            "invalid or conflicting Content-Length",
        ),
        _refuse(
            "cl-same-value-other-spelling",
            head("Content-Length: 7", "Content-Length: 07") + b"1234567",
            INVALID,
            "invalid or conflicting Content-Length",
        ),
    ]
    return cases


# -- R §3.6 chunked bodies ---------------------------------------------------------------------


def _chunked() -> list[Case]:
    data = bytes(range(65, 65 + 31))  # 0x1f bytes
    te = plain("Transfer-Encoding: chunked")

    def good(name: str, body: bytes, decoded: bytes, **kw: Any) -> Case:
        options = {"headers": te, "chunked": True, "length": -1, **kw}
        return _accept(f"chunked-{name}", CHUNKED_HEAD + body, body=decoded, **options)

    def bad(name: str, body: bytes, log: str, decoded: bytes = b"") -> Case:
        return _refuse(f"chunked-{name}", CHUNKED_HEAD + body, INVALID, log, code=200, body=decoded)

    def cut(name: str, body: bytes, log: str, decoded: bytes = b"", then: str = "close") -> Case:
        return _refuse(
            f"chunked-{name}", CHUNKED_HEAD + body, LOST, log, code=200, body=decoded, then=then
        )

    sized = [
        b"1f",
        b"1F",
        b"001f",
        b"1f ",
        b"1f\t",
        b"1f;a",
        b'1f;a=b;c="d e"',
        b'1f ; q="a;b"',
        b"1f;\x01\xff",
    ]
    names = [
        "lower",
        "upper",
        "leading-zeros",
        "trailing-sp",
        "trailing-tab",
        "ext",
        "ext-quoted",
        "ext-bws",
        "ext-odd-bytes",
    ]
    cases = [
        good(f"size-{n}", line + b"\r\n" + data + b"\r\n0\r\n\r\n", data)
        for n, line in zip(names, sized, strict=True)
    ]
    cases += [
        good("two-chunks", b"3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n", b"abcde"),
        good("many-one-byte-chunks", b"1\r\na\r\n" * 20 + b"0\r\n\r\n", b"a" * 20),
        good("last-chunk-zeros-and-ext", b"3\r\nabc\r\n000;end=1\r\n\r\n", b"abc"),
        good("framing-inside-data", b"7\r\n\r\n0\r\n\r\n\r\n0\r\n\r\n", b"\r\n0\r\n\r\n"),
        good("trailers-dropped", b"3\r\nabc\r\n0\r\nX-T: 1\r\nX-U: a\r\n b\r\n\r\n", b"abc"),
        good(
            "framing-trailers-ignored",
            b"3\r\nabc\r\n0\r\nContent-Length: 5\r\nTransfer-Encoding: gzip\r\n\r\n",
            b"abc",
        ),
        good("size-mixed-case-hex", b"aB\r\n" + bytes(171) + b"\r\n0\r\n\r\n", bytes(171)),
        good("trailers-lf-ends", b"3\r\nabc\r\n0\r\nX-T: 1\n\n", b"abc"),
        good("eof-after-last-chunk", b"3\r\nabc\r\n0\r\n", b"abc", then="close", status=CLOSED),
        good(
            "eof-after-trailer-line",
            b"3\r\nabc\r\n0\r\nX: 1\r\n",
            b"abc",
            then="close",
            status=CLOSED,
        ),
        bad("size-plus", b"+5\r\nhello\r\n0\r\n\r\n", "invalid chunk-size line"),
        bad("size-minus", b"-1\r\nh\r\n0\r\n\r\n", "invalid chunk-size line"),
        bad("size-0x", b"0x5\r\nhello\r\n0\r\n\r\n", "invalid chunk-size line"),
        bad("size-underscore", b"1_f\r\n" + data + b"\r\n0\r\n\r\n", "invalid chunk-size line"),
        bad("size-leading-sp", b" 5\r\nhello\r\n0\r\n\r\n", "invalid chunk-size line"),
        bad("size-junk", b"5z\r\nhello\r\n0\r\n\r\n", "invalid chunk-size line"),
        bad("size-space-junk", b"5 x\r\nhello\r\n0\r\n\r\n", "invalid chunk-size line"),
        bad("size-empty-line", b"\r\nhello\r\n0\r\n\r\n", "invalid chunk-size line"),
        bad("size-ext-only", b";a\r\nhello\r\n0\r\n\r\n", "invalid chunk-size line"),
        bad(
            "size-17-digits", b"00000000000000005\r\nhello\r\n0\r\n\r\n", "invalid chunk-size line"
        ),
        bad("size-2-to-the-63", b"8000000000000000\r\nhello\r\n", "too large"),
        bad("size-ffff", b"ffffffffffffffff\r\nhello\r\n", "too large"),
        bad("size-bare-lf", b"5\nhello\r\n0\r\n\r\n", "invalid chunk-size line"),
        bad("ext-bare-lf", b"5;a\nb\r\nhello\r\n0\r\n\r\n", "invalid chunk-size line"),
        bad("size-bare-cr", b"5\rx\r\nhello\r\n0\r\n\r\n", "invalid chunk-size line"),
        bad("ext-nul", b"5;a\x00\r\nhello\r\n0\r\n\r\n", "invalid chunk-size line"),
        bad("last-chunk-bare-lf", b"3\r\nabc\r\n0\n\r\n", "invalid chunk-size line", b"abc"),
        bad(
            "data-then-junk",
            b"4\r\nwxyzQQ\r\n0\r\n\r\n",
            "chunk data not followed by CRLF",
            b"wxyz",
        ),
        bad(
            "data-then-bare-lf",
            b"5\r\nhello\n0\r\n\r\n",
            "chunk data not followed by CRLF",
            b"hello",
        ),
        bad(
            "data-then-cr-junk",
            b"5\r\nhello\rx0\r\n\r\n",
            "chunk data not followed by CRLF",
            b"hello",
        ),
        bad(
            "data-longer-than-size",
            b"3\r\nabcd\r\n0\r\n\r\n",
            "chunk data not followed by CRLF",
            b"abc",
        ),
        bad("trailer-nul", b"3\r\nabc\r\n0\r\nX: a\x00\r\n\r\n", "NUL in a trailer line", b"abc"),
        bad("trailer-no-colon", b"3\r\nabc\r\n0\r\nX-T 1\r\n\r\n", "invalid trailer line", b"abc"),
        bad(
            "trailer-space-before-colon",
            b"3\r\nabc\r\n0\r\nX-T : 1\r\n\r\n",
            "invalid trailer line",
            b"abc",
        ),
        bad(
            "trailer-fold-first",
            b"3\r\nabc\r\n0\r\n X: 1\r\n\r\n",
            "continuation trailer line",
            b"abc",
        ),
        bad(
            "trailer-bare-cr",
            b"3\r\nabc\r\n0\r\nX: a\rb\r\n\r\n",
            "CR without LF in a trailer line",
            b"abc",
        ),
        cut("eof-before-first-chunk", b"", "in chunk framing"),
        cut("eof-inside-size-line", b"5", "in chunk framing"),
        cut("eof-inside-data", b"5\r\nhel", "received 3 of 5", b"hel"),
        cut("eof-after-data", b"5\r\nhello", "in chunk framing", b"hello"),
        cut("eof-inside-terminator", b"5\r\nhello\r", "in chunk framing", b"hello"),
        cut(
            "eof-inside-trailer-line", b"5\r\nhello\r\n0\r\nX: 1", "inside a trailer line", b"hello"
        ),
        cut("reset-inside-data", b"5\r\nhel", "received 3 of 5", b"hel", then="reset"),
    ]
    return cases


# -- R §3.5 rule 1: bodies that must be empty --------------------------------------------------


def _no_body() -> list[Case]:
    chunked_te = "Transfer-Encoding: chunked"
    return [
        _accept(
            "head-with-length",
            head("Content-Length: 10"),
            method=HEAD,
            headers=plain("Content-Length: 10"),
            length=0,
        ),
        _accept(
            "head-with-chunked",
            head(chunked_te),
            method=HEAD,
            headers=plain(chunked_te),
            length=0,
            chunked=False,
        ),
        _accept("head-no-framing", head("X: 1"), method=HEAD, headers=plain("X: 1"), length=0),
        _accept(
            "head-bad-length-not-reused",
            head("Content-Length: abc"),
            method=HEAD,
            headers=plain("Content-Length: abc"),
            status=CLOSED,
        ),
        _accept(
            "head-te-and-cl-not-reused",
            head(chunked_te, "Content-Length: 5"),
            method=HEAD,
            headers=plain(chunked_te, "Content-Length: 5"),
            status=CLOSED,
        ),
        _accept(
            "head-gzip-not-reused",
            head("Transfer-Encoding: gzip"),
            method=HEAD,
            headers=plain("Transfer-Encoding: gzip"),
            status=CLOSED,
        ),
        _accept(
            "204-length-0",
            head("Content-Length: 0", status=b"HTTP/1.1 204 No Content"),
            code=204,
            headers=plain("Content-Length: 0"),
            length=0,
        ),
        _accept(
            "204-length-5-not-reused",
            head("Content-Length: 5", status=b"HTTP/1.1 204 No Content"),
            code=204,
            headers=plain("Content-Length: 5"),
            status=CLOSED,
        ),
        _accept(
            "204-chunked-not-reused",
            head(chunked_te, status=b"HTTP/1.1 204 No Content"),
            code=204,
            headers=plain(chunked_te),
            status=CLOSED,
            chunked=False,
        ),
        _accept(
            "204-no-framing",
            head(status=b"HTTP/1.1 204 No Content"),
            code=204,
            headers=(),
            length=-1,
        ),
        _accept(
            "304-length-100",
            head("Content-Length: 100", status=b"HTTP/1.1 304 Not Modified"),
            code=304,
            headers=plain("Content-Length: 100"),
            length=0,
        ),
        _accept(
            "304-chunked",
            head(chunked_te, status=b"HTTP/1.1 304 Not Modified"),
            code=304,
            headers=plain(chunked_te),
        ),
        _accept(
            "304-bad-length-not-reused",
            head("Content-Length: x", status=b"HTTP/1.1 304 Not Modified"),
            code=304,
            headers=plain("Content-Length: x"),
            status=CLOSED,
        ),
        _accept(
            "304-no-framing",
            head(status=b"HTTP/1.1 304 Not Modified"),
            code=304,
            headers=(),
            length=-1,
        ),
        _accept(
            "connect-200-tunnel",
            head(status=b"HTTP/1.1 200 Connection Established") + b"\x16\x03\x01tunnel",
            method=CONNECT,
            target="example.com:443",
            headers=(),
            unread=b"\x16\x03\x01tunnel",
            length=-1,
        ),
        _accept(
            "connect-200-length-is-tunnel",
            head("Content-Length: 5") + b"bytes",
            method=CONNECT,
            target="example.com:443",
            headers=plain("Content-Length: 5"),
            unread=b"bytes",
        ),
        _accept(
            "connect-407-has-body",
            _ok(b"auth", status=b"HTTP/1.1 407 Proxy Authentication Required"),
            method=CONNECT,
            target="example.com:443",
            code=407,
            body=b"auth",
            headers=plain("Content-Length: 4"),
        ),
    ]


# -- R §3.7 bytes after a complete response ----------------------------------------------------


def _leftovers() -> list[Case]:
    cl = plain("Content-Length: 1")
    chunked_te = "Transfer-Encoding: chunked"

    def extra(name: str, reply: bytes, **kw: Any) -> Case:
        return _accept(f"extra-{name}", reply, status=NOT_REUSED, **kw)

    return [
        extra("garbage-after-length", _ok(b"x") + b"garbage", body=b"x", headers=cl),
        extra("second-response", _ok(b"x") + _ok(b"y"), body=b"x", headers=cl),
        extra(
            "408-after-response",
            _ok(b"x") + head("Connection: close", status=b"HTTP/1.1 408 Request Timeout"),
            body=b"x",
            headers=cl,
        ),
        extra("one-byte-after-length-0", _ok(b"") + b"x", headers=plain("Content-Length: 0")),
        extra(
            "garbage-after-chunked",
            CHUNKED_HEAD + b"1\r\nx\r\n0\r\n\r\nQQ",
            body=b"x",
            headers=plain(chunked_te),
        ),
        extra(
            "crlf-after-chunked",
            CHUNKED_HEAD + b"1\r\nx\r\n0\r\n\r\n\r\n",
            body=b"x",
            headers=plain(chunked_te),
        ),
        extra(
            "body-after-204",
            head(status=b"HTTP/1.1 204 No Content") + _ok(b"smuggled"),
            code=204,
            headers=(),
        ),
        extra(
            "body-after-head-reply",
            head("Content-Length: 5") + b"hello",
            method=HEAD,
            headers=plain("Content-Length: 5"),
        ),
        extra(
            "body-after-304",
            head(status=b"HTTP/1.1 304 Not Modified") + b"<html>",
            code=304,
            headers=(),
        ),
    ]


# -- R §3.7 truncation, resets and TLS without close_notify ------------------------------------


def _truncation() -> list[Case]:
    cl = plain("Content-Length: 10")
    chunked_te = plain("Transfer-Encoding: chunked")
    short = head("Content-Length: 10") + b"abc"
    return [
        _refuse("length-body-eof", short, LOST, "after 3 of 10", code=200, body=b"abc", headers=cl),
        _refuse(
            "length-body-reset", short, LOST, "after 3 of 10", code=200, body=b"abc", then="reset"
        ),
        _refuse(
            "length-body-ragged-tls",
            short,
            LOST,
            "after 3 of 10",
            code=200,
            body=b"abc",
            then="ragged",
        ),
        _refuse(
            "length-body-eof-at-head", head("Content-Length: 10"), LOST, "after 0 of 10", code=200
        ),
        _refuse(
            "until-close-ragged-tls",
            head("X: 1") + b"partial",
            LOST,
            "may be truncated",
            code=200,
            body=b"partial",
            then="ragged",
        ),
        _refuse(
            "until-close-reset",
            head("X: 1") + b"partial",
            LOST,
            "may be truncated",
            code=200,
            body=b"partial",
            then="reset",
        ),
        _accept(
            "until-close-http10-fin",
            head(status=b"HTTP/1.0 200 OK") + b"all of it",
            body=b"all of it",
            headers=(),
            status=CLOSED,
            then="close",
        ),
        _accept(
            "length-complete-then-ragged",
            _ok(b"0123456789"),
            body=b"0123456789",
            headers=cl,
            status=NOT_REUSED,
            then="ragged",
        ),
        _accept(
            "length-complete-then-fin",
            _ok(b"0123456789"),
            body=b"0123456789",
            headers=cl,
            status=NOT_REUSED,
            then="close",
        ),
        _accept(
            "chunked-complete-then-ragged",
            CHUNKED_HEAD + b"3\r\nabc\r\n0\r\n\r\n",
            body=b"abc",
            headers=chunked_te,
            status=NOT_REUSED,
            then="ragged",
        ),
        _accept(
            "chunked-last-chunk-then-ragged",
            CHUNKED_HEAD + b"3\r\nabc\r\n0\r\n",
            body=b"abc",
            headers=chunked_te,
            status=CLOSED,
            then="ragged",
        ),
    ]


# -- R §4 limits: each met exactly, then crossed by one byte or one item -----------------------


def _fill(total: int, name: str = "X-Fill") -> list[str]:
    """Field lines (without line ends) whose CRLF-ended sizes add up to exactly total bytes."""
    lines = []
    while total:
        size = min(total, limits.FIELD_LINE_MAX)
        if 0 < total - size < 64:
            size -= 64
        prefix = f"{name}-{len(lines)}: "
        lines.append(prefix + "v" * (size - len(prefix) - 2))
        total -= size
    return lines


class _Sized:
    """A reply built to an exact size, and the header strings its final head gives back."""

    def __init__(self, reply: bytes, headers: tuple[str, ...]) -> None:
        self.reply = reply
        self.headers = headers


def _status_line_of(size: int) -> _Sized:
    return _Sized(
        head("Content-Length: 0", status=b"HTTP/1.1 200 " + b"r" * (size - 15)),
        ("Content-Length: 0",),
    )


def _field_line_of(size: int) -> _Sized:
    big = "X-Big: " + "v" * (size - 9)
    return _Sized(head(big, "Content-Length: 0"), (big, "Content-Length: 0"))


def _folded_field_of(size: int) -> _Sized:
    first, fold = "X-Fold: " + "a" * 30000, "b" * (size - 30013)  # 30010 + (size - 30010) bytes
    return _Sized(
        head(first, " " + fold, "Content-Length: 0"), (f"{first} {fold}", "Content-Length: 0")
    )


def _heads_of(size: int) -> _Sized:
    lines = [*_fill(size - len(head("Content-Length: 0"))), "Content-Length: 0"]
    return _Sized(head(*lines), tuple(lines))


def _interim_and_final_of(size: int) -> _Sized:
    interim = head(*_fill(60000, "Link"), status=b"HTTP/1.1 103 Early Hints") * 3
    final = _heads_of(size - len(interim))
    return _Sized(interim + final.reply, final.headers)


def _fields(count: int) -> _Sized:
    lines = [*(f"X-{i}: {i}" for i in range(count - 1)), "Content-Length: 0"]
    return _Sized(head(*lines), tuple(lines))


def _size_line_of(size: int) -> bytes:
    return CHUNKED_HEAD + b"1;" + b"e" * (size - 4) + b"\r\nx\r\n0\r\n\r\n"


def _extensions_of(total: int) -> bytes:
    per_line = limits.CHUNK_SIZE_LINE_MAX - 3  # ";" and extension bytes on a 4 KiB size line
    body = b""
    while total:
        take = min(total, per_line)
        body += b"1;" + b"e" * (take - 1) + b"\r\nx\r\n"
        total -= take
    return CHUNKED_HEAD + body + b"0\r\n\r\n"


def _trailer_line_of(size: int) -> bytes:
    return CHUNKED_HEAD + b"1\r\nx\r\n0\r\nX-T: " + b"v" * (size - 7) + b"\r\n\r\n"


def _trailer_fields(count: int) -> bytes:
    lines = b"".join(b"X-%d: %d\r\n" % (i, i) for i in range(count))
    return CHUNKED_HEAD + b"1\r\nx\r\n0\r\n" + lines + b"\r\n"


def _trailer_bytes_of(size: int) -> bytes:
    lines = b"".join(line.encode() + b"\r\n" for line in _fill(size - 2))
    return CHUNKED_HEAD + b"1\r\nx\r\n0\r\n" + lines + b"\r\n"


def _met_and_crossed(name: str, make: Any, limit: int, message: str, **crossed: Any) -> list[Case]:
    """The case at the limit (accepted) and one byte or item past it (refused with message)."""
    at, past = make(limit), make(limit + 1)
    if isinstance(at, _Sized):
        accepted = _accept(f"{name}-at-limit", at.reply, headers=at.headers)
        past = past.reply
    else:
        accepted = _accept(
            f"{name}-at-limit", at, body=b"x", headers=plain("Transfer-Encoding: chunked")
        )
    refused = _refuse(f"{name}-over-limit", past, INVALID, message, **crossed)
    return [accepted, refused]


def _limits() -> list[Case]:
    te = plain("Transfer-Encoding: chunked")
    interim = head(status=b"HTTP/1.1 100 Continue")
    big = "9223372036854775807"
    heads = f"response heads exceed {limits.HEAD_BYTES_MAX} bytes"
    cases = [
        *_met_and_crossed(
            "status-line",
            _status_line_of,
            limits.STATUS_LINE_MAX,
            "status line longer than 8192 bytes",
        ),
        *_met_and_crossed(
            "field-line",
            _field_line_of,
            limits.FIELD_LINE_MAX,
            "field line longer than 65536 bytes",
        ),
        *_met_and_crossed(
            "folded-field",
            _folded_field_of,
            limits.FIELD_LINE_MAX,
            "field line longer than 65536 bytes",
        ),
        *_met_and_crossed("heads", _heads_of, limits.HEAD_BYTES_MAX, heads),
        *_met_and_crossed(
            "interim-and-final-heads", _interim_and_final_of, limits.HEAD_BYTES_MAX, heads
        ),
        *_met_and_crossed("fields", _fields, limits.FIELDS_MAX, "more than 256 field lines"),
        *_met_and_crossed(
            "size-line",
            _size_line_of,
            limits.CHUNK_SIZE_LINE_MAX,
            "chunk-size line longer than 4096 bytes",
            code=200,
        ),
        *_met_and_crossed(
            "trailer-line",
            _trailer_line_of,
            limits.TRAILER_LINE_MAX,
            "trailer line longer than 65536 bytes",
            code=200,
            body=b"x",
        ),
        *_met_and_crossed(
            "trailer-fields",
            _trailer_fields,
            limits.TRAILER_FIELDS_MAX,
            "more than 256 trailer lines",
            code=200,
            body=b"x",
        ),
        *_met_and_crossed(
            "trailer-bytes",
            _trailer_bytes_of,
            limits.TRAILER_BYTES_MAX,
            "trailers exceed 262144 bytes",
            code=200,
            body=b"x",
        ),
        _accept(
            "interim-100",
            interim * limits.INTERIM_MAX + _ok(b"k"),
            body=b"k",
            headers=plain("Content-Length: 1"),
        ),
        _refuse(
            "interim-101",
            interim * (limits.INTERIM_MAX + 1) + _ok(b"k"),
            INVALID,
            "more than 100 interim responses",
        ),
        _accept(
            "extensions-at-limit",
            _extensions_of(limits.CHUNK_EXTENSIONS_MAX),
            body=b"x" * 17,
            headers=te,
        ),
        _refuse(
            "extensions-over-limit",
            _extensions_of(limits.CHUNK_EXTENSIONS_MAX + 1),
            INVALID,
            "chunk extensions exceed 65536 bytes",
            code=200,
            body=b"x" * 16,
        ),
        _accept(
            "cl-19-digits",
            head("Content-Length: 0000000000000000005") + b"12345",
            body=b"12345",
            headers=plain("Content-Length: 0000000000000000005"),
            length=5,
        ),
        _refuse(
            "cl-max-value-truncated",
            head(f"Content-Length: {big}") + b"abc",
            LOST,
            f"after 3 of {big}",
            code=200,
            body=b"abc",
            length=2**63 - 1,
        ),
        _accept(
            "chunk-size-16-digits",
            CHUNKED_HEAD + b"0000000000000005\r\nhello\r\n0\r\n\r\n",
            body=b"hello",
            headers=te,
        ),
        _refuse(
            "chunk-size-max-value-truncated",
            CHUNKED_HEAD + b"7fffffffffffffff\r\nabc",
            LOST,
            f"received 3 of {big}",
            code=200,
            body=b"abc",
        ),
    ]
    return cases


CATEGORIES = {
    "status line": _status_line,
    "field lines": _field_lines,
    "interim": _interim,
    "framing": _framing,
    "chunked": _chunked,
    "no body": _no_body,
    "leftovers": _leftovers,
    "truncation": _truncation,
    "limits": _limits,
}


def _build() -> list[Case]:
    return [
        replace(case, category=category) for category, make in CATEGORIES.items() for case in make()
    ]


CASES: list[Case] = _build()
