"""Request validation and serialisation, as byte tables."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from net.http.errors import Fault, LocalProtocolError, RequestRule
from net.http.request import (
    METHODS,
    ForwardOrigin,
    Origin,
    PreparedRequest,
    build_connect,
    build_request,
)

GET, HEAD, POST, PUT, DELETE, OPTIONS, TRACE, CONNECT, PATCH = range(9)
UA = "engine-net/0.1.0 (X11)"
ORIGIN = Origin("example.com", 80, tls=False)
TAIL = f"User-Agent: {UA}\r\nAccept: */*\r\n\r\n".encode()


def build(
    method: int = GET,
    target: str = "/",
    headers: Sequence[str] = (),
    body: bytes = b"",
    origin: Origin | ForwardOrigin | None = ORIGIN,
) -> PreparedRequest:
    return build_request(method, target, headers, body, origin=origin, user_agent=UA)


def test_method_tokens() -> None:
    assert METHODS == (
        "GET",
        "HEAD",
        "POST",
        "PUT",
        "DELETE",
        "OPTIONS",
        "TRACE",
        "CONNECT",
        "PATCH",
    )


@pytest.mark.parametrize(
    ("call", "wire"),
    [
        ({}, b"GET / HTTP/1.1\r\nHost: example.com\r\n" + TAIL),
        (
            {
                "method": POST,
                "target": "/form",
                "headers": ["Content-Type: text/plain"],
                "body": b"hello",
            },
            b"POST /form HTTP/1.1\r\nHost: example.com\r\nContent-Type: text/plain\r\n"
            b"Content-Length: 5\r\n" + TAIL + b"hello",
        ),
        ({"method": POST}, b"POST / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n" + TAIL),
        ({"method": PUT}, b"PUT / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n" + TAIL),
        (
            {"method": PATCH},
            b"PATCH / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 0\r\n" + TAIL,
        ),
        ({"method": DELETE}, b"DELETE / HTTP/1.1\r\nHost: example.com\r\n" + TAIL),
        ({"method": HEAD}, b"HEAD / HTTP/1.1\r\nHost: example.com\r\n" + TAIL),
        (
            {"body": b"get body"},
            b"GET / HTTP/1.1\r\nHost: example.com\r\nContent-Length: 8\r\n" + TAIL + b"get body",
        ),
        ({"method": OPTIONS, "target": "*"}, b"OPTIONS * HTTP/1.1\r\nHost: example.com\r\n" + TAIL),
        (
            {"method": CONNECT, "target": "example.org:443"},
            b"CONNECT example.org:443 HTTP/1.1\r\nHost: example.com\r\n" + TAIL,
        ),
        (
            {"headers": ["Accept: text/html", "user-agent: me", "X-Empty:", "X-Pad:  v  "]},
            b"GET / HTTP/1.1\r\nHost: example.com\r\nAccept: text/html\r\nuser-agent: me\r\n"
            b"X-Empty:\r\nX-Pad:  v  \r\n\r\n",
        ),
        (
            {"headers": ["X-A: 1", "HOST: other.org:8080", "X-B: 2"]},
            b"GET / HTTP/1.1\r\nX-A: 1\r\nHOST: other.org:8080\r\nX-B: 2\r\n" + TAIL,
        ),
        (
            {"method": POST, "headers": ["content-length: 3"], "body": b"abc"},
            b"POST / HTTP/1.1\r\nHost: example.com\r\ncontent-length: 3\r\n" + TAIL + b"abc",
        ),
        (
            {
                "method": POST,
                "headers": ["Transfer-Encoding: chunked"],
                "body": b"3\r\nabc\r\n0\r\n\r\n",
            },
            b"POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: chunked\r\n"
            + TAIL
            + b"3\r\nabc\r\n0\r\n\r\n",
        ),
        (
            {"method": POST, "headers": ["Transfer-Encoding: gzip, chunked"], "body": b"0\r\n\r\n"},
            b"POST / HTTP/1.1\r\nHost: example.com\r\nTransfer-Encoding: gzip, chunked\r\n"
            + TAIL
            + b"0\r\n\r\n",
        ),
        (
            {"target": "/caf\u00e9?q=\u00fc", "headers": ["X-Name: J\u00fcrgen\tB"]},
            "GET /caf\u00e9?q=\u00fc HTTP/1.1\r\nHost: example.com\r\n".encode()
            + "X-Name: J\u00fcrgen\tB\r\n".encode()
            + TAIL,
        ),
    ],
)
def test_wire_format(call: dict[str, object], wire: bytes) -> None:
    assert build(**call).data == wire  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("origin", "target", "host"),
    [
        (Origin("example.com", 80, tls=False), "/", "example.com"),
        (Origin("example.com", 443, tls=True), "/", "example.com"),
        (Origin("example.com", 443, tls=False), "/", "example.com:443"),
        (Origin("example.com", 80, tls=True), "/", "example.com:80"),
        (Origin("example.com", 8080, tls=True), "/", "example.com:8080"),
        (Origin("example.com", None, tls=False), "/", "example.com"),
        (Origin("::1", 8080, tls=False), "/", "[::1]:8080"),
        (Origin("fe80::1%eth0", 80, tls=False), "/", "[fe80::1]"),
        (Origin("127.0.0.1", 8080, tls=False), "/", "127.0.0.1:8080"),
        (Origin("xn--bcher-kva.example", 443, tls=True), "/", "xn--bcher-kva.example"),
        (ORIGIN, "http://user:pw@other.org:8080/x?y", "other.org:8080"),
        (ORIGIN, "https://[::1]/x", "[::1]"),
        (ORIGIN, "http:///x", "example.com"),
        (ORIGIN, "http://b\u00fccher.example/", "example.com"),
        (None, "http://other.org/", "other.org"),
        (None, "/", ""),
    ],
)
def test_automatic_host(origin: Origin | None, target: str, host: str) -> None:
    request = build(target=target, origin=origin)
    assert request.data.split(b"\r\n")[1] == f"Host: {host}".encode()
    assert request.empty_host is (host == "")


def test_caller_host_is_never_empty_host() -> None:
    assert not build(headers=["Host:"], origin=None).empty_host


@pytest.mark.parametrize(
    ("method", "headers", "upgrade", "close"),
    [
        (GET, [], False, False),
        (GET, ["Upgrade: websocket", "Connection: Upgrade"], True, False),
        (GET, ["upgrade: h2c"], True, False),
        (GET, ["Connection: keep-alive, Close"], False, True),
        (GET, ["Connection: keep-alive", "connection: close"], False, True),
        (GET, ["Connection: closed"], False, False),
        (HEAD, [], False, False),
    ],
)
def test_request_facts(method: int, headers: list[str], upgrade: bool, close: bool) -> None:
    request = build(method=method, headers=headers)
    assert (request.method, request.upgrade, request.close) == (METHODS[method], upgrade, close)
    reader = request.reader()
    reader.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" + (b"" if method == HEAD else b"x"))
    head = reader.next_head()
    assert head is not None
    assert head.length == (0 if method == HEAD else 1)
    assert reader.read_body(10).end
    assert reader.reusable is not close


# -- rejections, in check order -------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "rule", "index"),
    [
        ({"method": -1}, RequestRule.METHOD, None),
        ({"method": 9}, RequestRule.METHOD, None),
        ({"method": 100, "target": "bad"}, RequestRule.METHOD, None),
        ({"target": "index.php"}, RequestRule.TARGET, None),
        ({"target": ""}, RequestRule.TARGET, None),
        ({"target": "*"}, RequestRule.TARGET, None),
        ({"method": OPTIONS, "target": "**"}, RequestRule.TARGET, None),
        ({"target": "ftp://x/"}, RequestRule.TARGET, None),
        ({"target": "HTTP://x/"}, RequestRule.TARGET, None),
        ({"target": "/a b"}, RequestRule.TARGET, None),
        ({"target": "/a\tb"}, RequestRule.TARGET, None),
        ({"target": "/a\r\nX: y"}, RequestRule.TARGET, None),
        ({"target": "/a\x7f"}, RequestRule.TARGET, None),
        ({"target": "/a\x00"}, RequestRule.TARGET, None),
        ({"target": "/\ud800"}, RequestRule.TARGET, None),
        ({"method": CONNECT, "target": "/x"}, RequestRule.TARGET, None),
        ({"method": CONNECT, "target": ":443"}, RequestRule.TARGET, None),
        ({"method": CONNECT, "target": "host:"}, RequestRule.TARGET, None),
        ({"method": CONNECT, "target": ":"}, RequestRule.TARGET, None),
        ({"method": CONNECT, "target": "ho st:1"}, RequestRule.TARGET, None),
        ({"target": "bad", "headers": [""]}, RequestRule.TARGET, None),
        ({"headers": [""]}, RequestRule.HEADER, 0),
        ({"headers": ["InvalidHeader", "Header: "]}, RequestRule.HEADER, 0),
        ({"headers": [":", "Header: "]}, RequestRule.HEADER, 0),
        ({"headers": ["Ok: 1", "X: a\r\nY: b"]}, RequestRule.HEADER, 1),
        ({"headers": ["X: a\r\n b"]}, RequestRule.HEADER, 0),
        ({"headers": ["X: a\n b"]}, RequestRule.HEADER, 0),
        ({"headers": [" X: a"]}, RequestRule.HEADER, 0),
        ({"headers": ["X : a"]}, RequestRule.HEADER, 0),
        ({"headers": ["X\t: a"]}, RequestRule.HEADER, 0),
        ({"headers": ["Bad Name: a"]}, RequestRule.HEADER, 0),
        ({"headers": ["X(1): v"]}, RequestRule.HEADER, 0),
        ({"headers": ["\u00dc: v"]}, RequestRule.HEADER, 0),
        ({"headers": ["X: a\x00"]}, RequestRule.HEADER, 0),
        ({"headers": ["X: a\x1bb"]}, RequestRule.HEADER, 0),
        ({"headers": ["X: \x7f"]}, RequestRule.HEADER, 0),
        ({"headers": ["X: a\rb"]}, RequestRule.HEADER, 0),
        ({"headers": ["X: \ud800"]}, RequestRule.HEADER, 0),
        ({"headers": [": v"]}, RequestRule.HEADER, 0),
        ({"headers": ["Host: a", "X: 1", "host: b"]}, RequestRule.HOST, 2),
        ({"headers": ["X: 1", "Host: a b"]}, RequestRule.HOST, 1),
        ({"headers": ["Host: a/b"]}, RequestRule.HOST, 0),
        ({"headers": ["Host: a@b"]}, RequestRule.HOST, 0),
        ({"headers": ["Host: a:b"]}, RequestRule.HOST, 0),
        ({"headers": ["Host: [::1"]}, RequestRule.HOST, 0),
        ({"headers": ["Host: %zz"]}, RequestRule.HOST, 0),
        ({"headers": ["Content-Length: 4"], "body": b"abcde"}, RequestRule.BODY_FRAMING, None),
        ({"headers": ["Content-Length: +5"], "body": b"abcde"}, RequestRule.BODY_FRAMING, None),
        ({"headers": ["Content-Length: 5"]}, RequestRule.BODY_FRAMING, None),
        ({"headers": ["Content-Length: \u0665"], "body": b"abcde"}, RequestRule.BODY_FRAMING, None),
        (
            {"headers": ["Content-Length: 5", "Content-Length: 5"], "body": b"abcde"},
            RequestRule.BODY_FRAMING,
            None,
        ),
        (
            {"headers": ["Content-Length: 5", "Transfer-Encoding: chunked"], "body": b"abcde"},
            RequestRule.BODY_FRAMING,
            None,
        ),
        ({"method": TRACE, "body": b"x"}, RequestRule.BODY_FRAMING, None),
        (
            {"headers": ["Transfer-Encoding: gzip"], "body": b"0\r\n\r\n"},
            RequestRule.BODY_FRAMING,
            None,
        ),
        (
            {"headers": ["Transfer-Encoding: chunked, gzip"], "body": b"0\r\n\r\n"},
            RequestRule.BODY_FRAMING,
            None,
        ),
        # Empty list elements: a sender never writes them (RFC 9110 §5.6.1), and a server
        # comparing the value whole would not see chunked and read the body as a request.
        *(
            (
                {"headers": [f"Transfer-Encoding: {value}"], "body": b"0\r\n\r\n"},
                RequestRule.BODY_FRAMING,
                None,
            )
            for value in ("chunked,", ", chunked", "gzip,,chunked", "gzip, ,chunked")
        ),
        (
            {
                "headers": ["Transfer-Encoding: chunked", "Transfer-Encoding: chunked"],
                "body": b"0\r\n\r\n",
            },
            RequestRule.BODY_FRAMING,
            None,
        ),
        ({"headers": ["Transfer-Encoding: chunked"]}, RequestRule.BODY_FRAMING, None),
        (
            {"headers": ["Transfer-Encoding: chunked"], "body": b"abc"},
            RequestRule.BODY_FRAMING,
            None,
        ),
        (
            {"headers": ["Transfer-Encoding: chunked"], "body": b"3\r\nabc\r\n"},
            RequestRule.BODY_FRAMING,
            None,
        ),
        (
            {"headers": ["Transfer-Encoding: chunked"], "body": b"3\r\nabc\r\n0\r\n"},
            RequestRule.BODY_FRAMING,
            None,
        ),
        (
            {"headers": ["Transfer-Encoding: chunked"], "body": b"3\r\nabc\r\n0\r\n\r\nX"},
            RequestRule.BODY_FRAMING,
            None,
        ),
        (
            {"headers": ["Transfer-Encoding: chunked"], "body": b"3\r\nabcd\r\n0\r\n\r\n"},
            RequestRule.BODY_FRAMING,
            None,
        ),
    ],
)
def test_rejections(call: dict[str, object], rule: RequestRule, index: int | None) -> None:
    with pytest.raises(LocalProtocolError) as caught:
        build(**call)  # type: ignore[arg-type]
    error = caught.value
    assert (error.rule, error.index, error.fault) == (rule, index, Fault.INVALID_REQUEST)


@pytest.mark.parametrize(
    "headers",
    [
        ["Accept: text/html", "Content-Type: application/json", "Authorization: Bearer abc123"],
        ["X:a", "X: ", "X:\t", "X: a\tb", "X: \u00e9\u4e2d", "X: \x80"],
        ["!#$%&'*+-.^_`|~09AZaz: v"],
        ["Host: [::1]:8080"],
        ["Host: 127.0.0.1"],
        ["Host: a.b-c_d~e%20f!$&'()*+,;=:"],
        ["Host: "],
        ["Content-Length: 0"],
        ["Trailer: X", "TE: trailers"],
    ],
)
def test_accepted_headers_go_out_verbatim(headers: list[str]) -> None:
    head = build(headers=headers).data.decode()
    for line in headers:
        assert f"\r\n{line}\r\n" in head


def test_trace_without_body_is_fine() -> None:
    assert build(method=TRACE).data.startswith(b"TRACE / HTTP/1.1\r\n")


def test_header_errors_name_the_index_but_never_the_value() -> None:
    with pytest.raises(LocalProtocolError) as caught:
        build(headers=["Ok: 1", "Authorization: secret\x00"])
    assert caught.value.message == "header 1 (Authorization) has a control character in its value"
    with pytest.raises(LocalProtocolError) as caught:
        build(headers=["Authorization secret"])
    assert caught.value.message == "header 0 has no colon"


def test_method_message() -> None:
    with pytest.raises(LocalProtocolError, match=r"method 9 is out of range 0\.\.8"):
        build(method=9)


# --- caller-framed chunked bodies follow the sending rules (robustness.md §1.2) ---------------

#: Bodies the response reader would tolerate, or that break the grammar outright, which we
#: must never send.
BAD_CHUNKED_BODIES = {
    "bare LF after the size": b"3\nabc\r\n0\r\n\r\n",
    "bare LF after the data": b"3\r\nabc\n0\r\n\r\n",
    "bare LF after the last chunk": b"3\r\nabc\r\n0\n\r\n",
    "bare LF ending the body": b"3\r\nabc\r\n0\r\n\n",
    "bare LF ending a trailer": b"3\r\nabc\r\n0\r\nX-T: 1\n\r\n",
    "obs-fold in a trailer": b"3\r\nabc\r\n0\r\nX-T: 1\r\n 2\r\n\r\n",
    "control byte in a trailer": b"3\r\nabc\r\n0\r\nX-T: a\x01b\r\n\r\n",
    "NUL in a trailer": b"3\r\nabc\r\n0\r\nX-T: a\x00\r\n\r\n",
    "DEL in a trailer": b"3\r\nabc\r\n0\r\nX-T: \x7f\r\n\r\n",
    "space before a trailer colon": b"3\r\nabc\r\n0\r\nX-T : 1\r\n\r\n",
    "trailer without a colon": b"3\r\nabc\r\n0\r\nX-T\r\n\r\n",
    "control byte in an extension": b"3;a\x01b\r\nabc\r\n0\r\n\r\n",
    "non-ASCII extension value": b"3;a=\xc3\xa9\r\nabc\r\n0\r\n\r\n",
    "extension with a space": b"3;a b\r\nabc\r\n0\r\n\r\n",
    "extension without a name": b"3;=b\r\nabc\r\n0\r\n\r\n",
    "unterminated quoted extension": b'3;a="b\r\nabc\r\n0\r\n\r\n',
    "whitespace before an extension": b"3 ;a\r\nabc\r\n0\r\n\r\n",
    "whitespace after the size": b"3 \r\nabc\r\n0\r\n\r\n",
    "control byte in the last chunk's extension": b"3\r\nabc\r\n0;x\x0b\r\n\r\n",
    "bytes after the end": b"3\r\nabc\r\n0\r\n\r\n\r\n",
    "size past the body": b"ffffffffffffffff\r\nabc\r\n0\r\n\r\n",
}

GOOD_CHUNKED_BODIES = {
    "plain": b"3\r\nabc\r\n0\r\n\r\n",
    "only the last chunk": b"0\r\n\r\n",
    "upper-case hex, leading zeros": b"00A\r\n0123456789\r\n000\r\n\r\n",
    "token extensions": b"3;a;b=c\r\nabc\r\n0;last\r\n\r\n",
    "quoted extension": b'3;q="a \\"b\\" \xc3\xa9;c"\r\nabc\r\n0\r\n\r\n',
    "trailers": b"3\r\nabc\r\n0\r\nX-Sum: 1\tb\r\nX-Empty:\r\nX-Name: J\xc3\xbcrgen\r\n\r\n",
    "CR and LF inside chunk data": b"4\r\n\r\n\n\r\r\n0\r\n\r\n",
}


@pytest.mark.parametrize("body", BAD_CHUNKED_BODIES.values(), ids=BAD_CHUNKED_BODIES.keys())
def test_a_caller_framed_body_breaking_the_sending_rules_is_refused(body: bytes) -> None:
    with pytest.raises(LocalProtocolError) as caught:
        build(method=POST, headers=["Transfer-Encoding: chunked"], body=body)
    assert caught.value.rule is RequestRule.BODY_FRAMING
    assert "breaks the sending rules" in caught.value.message


@pytest.mark.parametrize("body", GOOD_CHUNKED_BODIES.values(), ids=GOOD_CHUNKED_BODIES.keys())
def test_a_caller_framed_body_following_the_sending_rules_goes_out_as_given(body: bytes) -> None:
    prepared = build(method=POST, headers=["Transfer-Encoding: chunked"], body=body)
    assert prepared.data.endswith(b"\r\n\r\n" + body)


# --- through a proxy (httprequest.md §3) ------------------------------------------------------

FORWARD = ForwardOrigin("example.com", 80, False, "")


@pytest.mark.parametrize(
    ("origin", "method", "target", "line", "host"),
    [
        (FORWARD, GET, "/a?b", "GET http://example.com:80/a?b HTTP/1.1", "example.com"),
        (FORWARD, OPTIONS, "*", "OPTIONS http://example.com:80 HTTP/1.1", "example.com"),
        (FORWARD, GET, "http://other.org/x", "GET http://other.org/x HTTP/1.1", "other.org"),
        (FORWARD, CONNECT, "other.org:443", "CONNECT other.org:443 HTTP/1.1", "example.com"),
        (
            ForwardOrigin("::1", 8080, False, ""),
            GET,
            "/",
            "GET http://[::1]:8080/ HTTP/1.1",
            "[::1]:8080",
        ),
        (
            ForwardOrigin("example.com", None, False, ""),
            GET,
            "/",
            "GET http://example.com:80/ HTTP/1.1",
            "example.com",
        ),
    ],
)
def test_a_forward_proxy_gets_the_absolute_form(
    origin: ForwardOrigin, method: int, target: str, line: str, host: str
) -> None:
    head = build(method, target, origin=origin).data.decode().split("\r\n")
    assert head[:2] == [line, f"Host: {host}"]
    assert not any(h.startswith("Proxy-Authorization") for h in head)


def test_proxy_credentials_go_after_host_unless_the_caller_gave_some() -> None:
    origin = FORWARD._replace(proxy_credentials="ada:lo:ve")
    head = build(origin=origin).data.decode().split("\r\n")
    assert head[2] == "Proxy-Authorization: Basic YWRhOmxvOnZl"
    own = build(headers=["Proxy-Authorization: Bearer t"], origin=origin).data.decode()
    assert own.count("Proxy-Authorization") == 1


def test_the_connect_request() -> None:
    assert build_connect(Origin("example.com", 443, True), "", UA) == (
        b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n"
        b"User-Agent: " + UA.encode() + b"\r\n\r\n"
    )
    tunnel = build_connect(Origin("fe80::1%eth0", None, True), "\u00e9:pw", UA).split(b"\r\n")
    assert tunnel[:3] == [
        b"CONNECT [fe80::1]:443 HTTP/1.1",
        b"Host: [fe80::1]:443",
        b"Proxy-Authorization: Basic w6k6cHc=",
    ]
