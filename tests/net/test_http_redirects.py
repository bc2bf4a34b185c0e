"""URLs and redirects as pure functions, table-tested without sockets (§2.2, §2.5)."""

from __future__ import annotations

import pytest

from net.http_redirects import Hop, Result, Url, next_hop, parse_url, redirect_method, resolve

GET, HEAD, POST, PUT = 0, 1, 2, 3

BASE = Url(False, "example.org", 80, "/dir/page?x=1")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("http://example.org", Url(False, "example.org", 80, "/")),
        ("HTTPS://Example.org/a?b=c#frag", Url(True, "Example.org", 443, "/a?b=c")),
        ("http://127.0.0.1:8080/x", Url(False, "127.0.0.1", 8080, "/x")),
        ("http://[::1]:81/", Url(False, "::1", 81, "/")),
        ("https://[::1]/", Url(True, "::1", 443, "/")),
        ("http://ada:l%40ve@example.org/", Url(False, "example.org", 80, "/", "ada", "l@ve")),
        ("http://example.org:/p", Url(False, "example.org", 80, "/p")),
    ],
)
def test_parse_url_accepts_http_and_https_urls(text: str, expected: Url) -> None:
    assert parse_url(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "example.org/x",  # no scheme
        "ftp://example.org/",
        "http://",
        "http:///path",  # empty host
        "http://example.org:0/",
        "http://example.org:65536/",
        "http://example.org:8o/",
        "http://exa mple.org/",
        "http://example.org/a b",
        "http://example.org/\r\nX: y",
        "http://example.org/\x7f",
        "http://[::1/",
        "http://[::1]x/",
    ],
)
def test_parse_url_refuses_everything_else(text: str) -> None:
    assert parse_url(text) is None


@pytest.mark.parametrize(
    ("location", "expected"),
    [
        ("https://other.org/p", "https://other.org:443/p"),
        ("//other.org/p", "http://other.org:80/p"),
        ("/abs?q=2", "http://example.org:80/abs?q=2"),
        ("next", "http://example.org:80/dir/next"),
        ("../up", "http://example.org:80/up"),
        ("?only=query", "http://example.org:80/dir/page?only=query"),
    ],
)
def test_resolve_follows_rfc_3986_reference_resolution(location: str, expected: str) -> None:
    url = resolve(BASE, location)
    assert url is not None
    assert url.text() == expected


@pytest.mark.parametrize("location", ["ftp://example.org/", "mailto:a@example.org", "http://"])
def test_resolve_refuses_other_schemes_and_unparsable_values(location: str) -> None:
    assert resolve(BASE, location) is None


@pytest.mark.parametrize(
    ("method", "status", "expected"),
    [
        (GET, 301, GET),
        (POST, 301, GET),
        (PUT, 301, PUT),
        (POST, 302, GET),
        (PUT, 302, PUT),
        (POST, 303, GET),
        (PUT, 303, GET),
        (HEAD, 303, HEAD),
        (POST, 307, POST),
        (PUT, 308, PUT),
        (HEAD, 301, HEAD),
    ],
)
def test_redirect_method_table(method: int, status: int, expected: int) -> None:
    assert redirect_method(method, status) == expected


def _hop(method: int = POST, headers: tuple[str, ...] = (), url: Url = BASE) -> Hop:
    return Hop(url, method, headers, b"payload")


def test_a_body_and_its_headers_go_when_the_method_becomes_get() -> None:
    headers = ("Content-Type: text/plain", "Content-Length: 7", "Transfer-Encoding: x", "X-A: 1")
    hop = next_hop(_hop(POST, headers), 303, ["Location: /next"], 8)
    assert isinstance(hop, Hop)
    assert (hop.method, hop.body, hop.headers) == (GET, b"", ("X-A: 1",))
    assert hop.redirects == 1


@pytest.mark.parametrize("status", [307, 308])
def test_307_and_308_keep_method_body_and_headers(status: int) -> None:
    headers = ("Content-Type: text/plain",)
    hop = next_hop(_hop(POST, headers), status, ["location: /next"], 8)
    assert isinstance(hop, Hop)
    assert (hop.method, hop.body, hop.headers) == (POST, b"payload", headers)
    assert hop.url.target == "/next"


def test_leaving_the_origin_drops_credentials_for_the_rest_of_the_chain() -> None:
    start = parse_url("http://ada:pw@example.org/")
    assert start is not None
    headers = ("Authorization: Bearer t", "Cookie: a=b", "Proxy-Authorization: x", "X-Keep: 1")
    away = next_hop(_hop(GET, headers, start), 302, ["Location: http://other.org/"], 8)
    assert isinstance(away, Hop)
    assert away.headers == ("X-Keep: 1",)
    assert away.url.authorization() is None
    back = next_hop(away, 302, ["Location: http://example.org/again"], 8)
    assert isinstance(back, Hop)
    assert back.url.authorization() is None  # not given back on returning


def test_the_same_origin_keeps_credentials_and_headers() -> None:
    start = parse_url("http://ada:pw@example.org/")
    assert start is not None
    hop = next_hop(_hop(GET, ("Cookie: a=b",), start), 301, ["Location: /x"], 8)
    assert isinstance(hop, Hop)
    assert hop.headers == ("Cookie: a=b",)
    assert hop.url.authorization() == "Authorization: Basic YWRhOnB3"


@pytest.mark.parametrize(
    ("change", "location"),
    [("scheme", "https://example.org/"), ("port", "http://example.org:81/")],
)
def test_another_scheme_or_port_is_another_origin(change: str, location: str) -> None:
    hop = next_hop(_hop(GET, ("Authorization: x",)), 302, [f"Location: {location}"], 8)
    assert isinstance(hop, Hop)
    assert hop.headers == ()


def test_the_limit_counts_followed_redirects() -> None:
    hop = _hop(GET)
    for _ in range(2):
        nxt = next_hop(hop, 302, ["Location: /n"], 2)
        assert isinstance(nxt, Hop)
        hop = nxt
    assert next_hop(hop, 302, ["Location: /n"], 2) is Result.RESULT_REDIRECT_LIMIT_REACHED
    assert next_hop(_hop(GET), 302, ["Location: /n"], 0) is Result.RESULT_REDIRECT_LIMIT_REACHED
    assert isinstance(next_hop(Hop(BASE, GET, (), b"", 500), 302, ["Location: /n"], -1), Hop)


@pytest.mark.parametrize(
    ("status", "headers"),
    [
        (200, ["Location: /n"]),
        (304, ["Location: /n"]),
        (302, []),
        (302, ["X-Location: /n", "Content-Location: /n"]),  # only the exact field name counts
    ],
)
def test_a_response_without_a_followed_redirect_is_final(status: int, headers: list[str]) -> None:
    assert next_hop(_hop(), status, headers, 8) is None


def test_an_unusable_location_fails_the_request() -> None:
    assert next_hop(_hop(), 301, ["Location: gopher://x/"], 8) is Result.RESULT_REQUEST_FAILED
