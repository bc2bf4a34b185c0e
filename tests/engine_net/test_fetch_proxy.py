"""``engine-net fetch`` through proxies: ``--proxy`` and the environment, read as curl reads
them. The choice itself is tested as a function; the command runs in a fresh interpreter
against loopback proxies (raw ones that record what they got, and proxy.py)."""

from __future__ import annotations

import base64
import socket
import subprocess
from collections.abc import Callable

import pytest
from pytest_httpserver import HTTPServer

from engine_net.proxies import DEFAULT_PORT, ProxyURLError, bypassed, choose, parse_proxy_url
from support import Exchange, ProxyPy, RawServer, engine_net

ServerFactory = Callable[..., RawServer]

OK_HI = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"

#: Every variable a proxy could come from, emptied, so the machine's own settings stay out.
NO_PROXY_ENV = {
    name: ""
    for base in ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
    for name in (base, base.upper())
}


def fetch(*args: str, **env: str) -> subprocess.CompletedProcess[bytes]:
    return engine_net("fetch", *args, env={**NO_PROXY_ENV, **env})


def request_line(server: RawServer) -> str:
    return server.requests[0].split(b"\r\n", 1)[0].decode()


# --- the choice, as a function ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("proxy.example:3128", ("proxy.example", 3128)),
        ("http://proxy.example", ("proxy.example", DEFAULT_PORT)),
        ("HTTP://Proxy.Example:8080/", ("proxy.example", 8080)),
        ("http://us%40er:p%3Ass@proxy.example:1", ("us@er:p:ss@proxy.example", 1)),
        ("http://solo@proxy.example:1", ("solo:@proxy.example", 1)),
        ("http://[::1]:3128", ("[::1]", 3128)),
    ],
)
def test_proxy_urls(text: str, expected: tuple[str, int]) -> None:
    assert parse_proxy_url(text) == expected


@pytest.mark.parametrize(
    ("text", "why"),
    [
        ("https://proxy.example", "only http://"),
        ("socks5://proxy.example", "only http://"),
        ("http://:3128", "names no host"),
        ("http://proxy.example:99999", "bad port"),
    ],
)
def test_unusable_proxy_urls(text: str, why: str) -> None:
    with pytest.raises(ProxyURLError, match=why):
        parse_proxy_url(text)


@pytest.mark.parametrize(
    ("host", "no_proxy", "direct"),
    [
        ("example.com", "*", True),
        ("example.com", "example.com", True),
        ("www.Example.COM", "example.com", True),
        ("www.example.com", ".example.com", True),
        ("example.com", " other.org , .EXAMPLE.com ", True),
        ("notexample.com", "example.com", False),
        ("example.com", "www.example.com", False),
        ("10.1.2.3", "10.0.0.0/8", True),
        ("11.1.2.3", "10.0.0.0/8", False),
        ("::1", "[::1]", True),
        ("::1", "::/127", True),
        ("127.0.0.1", "127.0.0.1", True),
        ("127.0.0.10", "127.0.0.1", False),
        ("localhost", "127.0.0.1,not/a/network", False),
        ("example.com", ",,", False),
    ],
)
def test_no_proxy_matching(host: str, no_proxy: str, direct: bool) -> None:
    assert bypassed(host, no_proxy) is direct


@pytest.mark.parametrize(
    ("tls", "given", "environ", "expected"),
    [
        (False, None, {"http_proxy": "a.test:1"}, ("a.test", 1)),
        (False, None, {"HTTP_PROXY": "a.test:1"}, ("a.test", 1)),
        (False, None, {"HTTP_PROXY": "a.test:1", "REQUEST_METHOD": "GET"}, None),  # CGI
        (False, None, {"http_proxy": "a.test:1", "HTTP_PROXY": "b.test:1"}, ("a.test", 1)),
        (True, None, {"http_proxy": "a.test:1"}, None),
        (True, None, {"HTTPS_PROXY": "b.test:2"}, ("b.test", 2)),
        (True, None, {"https_proxy": "b.test:2", "ALL_PROXY": "c.test:3"}, ("b.test", 2)),
        (True, None, {"ALL_PROXY": "c.test:3"}, ("c.test", 3)),
        (True, "d.test:4", {"https_proxy": "b.test:2"}, ("d.test", 4)),
        (True, "", {"https_proxy": "b.test:2"}, None),
        (True, "d.test:4", {"no_proxy": "target.test"}, None),
        (False, None, {"http_proxy": "a.test:1", "NO_PROXY": "*"}, None),
        (False, None, {"http_proxy": "a.test:1", "no_proxy": "other.test"}, ("a.test", 1)),
    ],
)
def test_which_proxy_a_request_takes(
    tls: bool, given: str | None, environ: dict[str, str], expected: tuple[str, int] | None
) -> None:
    assert choose("target.test", tls, given, environ) == expected


# --- the command ------------------------------------------------------------------------------


def test_fetch_proxy_option_forwards_the_request(raw_server: ServerFactory) -> None:
    proxy = raw_server([[Exchange(OK_HI)]])
    result = fetch("--proxy", f"http://{proxy.host}:{proxy.port}", "http://target.invalid/x")
    assert (result.returncode, result.stdout) == (0, b"hi")
    assert request_line(proxy) == "GET http://target.invalid:80/x HTTP/1.1"


@pytest.mark.parametrize("variable", ["http_proxy", "HTTP_PROXY", "all_proxy"])
def test_fetch_reads_the_proxy_from_the_environment(
    raw_server: ServerFactory, variable: str
) -> None:
    proxy = raw_server([[Exchange(OK_HI)]])
    result = fetch("http://target.invalid:8080/", **{variable: f"{proxy.host}:{proxy.port}"})
    assert (result.returncode, result.stdout) == (0, b"hi")
    assert request_line(proxy) == "GET http://target.invalid:8080/ HTTP/1.1"


@pytest.mark.parametrize("variable", ["no_proxy", "NO_PROXY"])
def test_no_proxy_sends_a_host_direct(raw_server: ServerFactory, variable: str) -> None:
    target = raw_server([[Exchange(OK_HI)]])
    result = fetch(
        f"http://127.0.0.1:{target.port}/direct",
        "--proxy",
        "http://proxy.invalid:3128",
        **{variable: "localhost, 127.0.0.1"},
    )
    assert (result.returncode, result.stdout) == (0, b"hi")
    assert request_line(target) == "GET /direct HTTP/1.1"


def test_an_empty_proxy_option_overrides_the_environment(raw_server: ServerFactory) -> None:
    target = raw_server([[Exchange(OK_HI)]])
    result = fetch(
        f"http://127.0.0.1:{target.port}/", "--proxy", "", http_proxy="proxy.invalid:3128"
    )
    assert (result.returncode, result.stdout) == (0, b"hi")


def test_https_goes_through_a_connect_tunnel_with_the_credentials(
    raw_server: ServerFactory,
) -> None:
    proxy = raw_server([[Exchange(b"HTTP/1.1 407 Proxy Authentication Required\r\n\r\n")]])
    result = fetch(
        "https://target.invalid/",
        https_proxy=f"http://us%40er:p%3Ass@{proxy.host}:{proxy.port}",
    )
    assert result.returncode == 4
    assert "407 Proxy Authentication Required" in result.stderr.decode()
    assert len(result.stderr.decode().splitlines()) == 1
    lines = proxy.requests[0].decode().split("\r\n")
    assert lines[0] == "CONNECT target.invalid:443 HTTP/1.1"
    token = base64.b64encode(b"us@er:p:ss").decode()
    assert f"Proxy-Authorization: Basic {token}" in lines


@pytest.mark.parametrize(
    "proxy", ["socks5://127.0.0.1:1080", "https://127.0.0.1:3128", "http://proxy.invalid:x"]
)
def test_an_unusable_proxy_is_refused_before_connecting(proxy: str) -> None:
    result = fetch("--proxy", proxy, "http://target.invalid/")
    assert result.returncode == 2
    assert len(result.stderr.decode().splitlines()) == 1


def test_a_malformed_proxy_host_is_bad_input_not_a_direct_connection(
    raw_server: ServerFactory,
) -> None:
    target = raw_server([[Exchange(OK_HI)]])
    result = fetch(f"http://127.0.0.1:{target.port}/", "--proxy", "http://abc:3128")
    assert result.returncode == 2
    assert target.accepted == 0
    assert "set_http_proxy() was refused" in result.stderr.decode()


def test_fetch_through_proxy_py(proxy_py: ProxyPy, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/file").respond_with_data(b"\x00\x01" * 5000)
    result = fetch(
        f"http://localhost:{httpserver.port}/file",
        http_proxy=f"http://{proxy_py.host}:{proxy_py.port}",
    )
    assert (result.returncode, result.stdout) == (0, b"\x00\x01" * 5000)
    request, _ = httpserver.log[0]
    assert "proxy.py" in request.headers["Via"]


def test_a_proxy_that_cannot_be_reached_is_named_without_its_credentials() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: nothing listens there
    result = fetch("--proxy", f"http://ada:secret@127.0.0.1:{port}", "http://target.invalid/")
    assert result.returncode == 4
    line = result.stderr.decode()
    assert f"through the proxy 127.0.0.1:{port}" in line
    assert "secret" not in line
