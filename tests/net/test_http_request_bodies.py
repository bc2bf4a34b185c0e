"""HTTPRequest's redirects, compressed bodies, size limit and download file against loopback
servers (httprequest.md §2.4-2.7)."""

from __future__ import annotations

import gzip
import os
import socket
import stat
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from pytest_httpserver import HTTPServer
from request_support import Harness
from werkzeug import Response

from engine.object_model import Error
from net import HTTPClient, HTTPRequest
from support import Exchange, RawServer

R = HTTPRequest.Result
TEXT = b"engine-net " * 2000


@pytest.fixture
def other_server() -> Iterator[HTTPServer]:
    """A second server: another port, so another origin."""
    server = HTTPServer(host="127.0.0.1", port=0)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def _redirect(status: int, location: str) -> Response:
    return Response(status=status, headers={"Location": location})


# --- redirects -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("status", "method", "arrives"),
    [
        (301, "GET", ("GET", b"body")),  # the method does not change: nothing is dropped
        (301, "POST", ("GET", b"")),
        (302, "POST", ("GET", b"")),
        (302, "PUT", ("PUT", b"body")),
        (303, "PUT", ("GET", b"")),
        (307, "POST", ("POST", b"body")),
        (308, "PUT", ("PUT", b"body")),
    ],
)
def test_each_redirect_code_follows_the_method_and_body_rules(
    frames: Harness, httpserver: HTTPServer, status: int, method: str, arrives: tuple[str, bytes]
) -> None:
    httpserver.expect_request("/from").respond_with_response(_redirect(status, "/to"))
    httpserver.expect_request("/to").respond_with_data("landed")
    req = frames.node()
    code = {"GET": 0, "POST": 2, "PUT": 3}[method]
    done = frames.fetch(
        req, httpserver.url_for("/from"), ["Content-Type: text/plain"], True, code, "body"
    )
    assert (done.result, done.code, done.body) == (R.RESULT_SUCCESS, 200, b"landed")
    final, _ = httpserver.log[-1]
    assert (final.method, final.get_data()) == arrives
    assert ("Content-Type" in final.headers) == (arrives[1] != b"")


def test_relative_locations_resolve_against_the_current_url(
    harness: Harness, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/a/b").respond_with_response(_redirect(302, "c?x=1"))
    httpserver.expect_request("/a/c").respond_with_response(_redirect(301, "../d"))
    httpserver.expect_request("/d").respond_with_data("end")
    req = harness.node()
    done = harness.fetch(req, httpserver.url_for("/a/b"))
    assert done.body == b"end"
    assert [(r.path, r.query_string) for r, _ in httpserver.log] == [
        ("/a/b", b""),
        ("/a/c", b"x=1"),
        ("/d", b""),
    ]


def test_credentials_stay_behind_when_a_redirect_leaves_the_origin(
    frames: Harness, httpserver: HTTPServer, other_server: HTTPServer
) -> None:
    httpserver.expect_request("/start").respond_with_response(
        _redirect(302, other_server.url_for("/away"))
    )
    other_server.expect_request("/away").respond_with_data("there")
    req = frames.node()
    url = httpserver.url_for("/start").replace("http://", "http://ada:pw@")
    done = frames.fetch(req, url, ["Cookie: c=1", "X-Kept: yes"])
    assert done.body == b"there"
    first, _ = httpserver.log[-1]
    away, _ = other_server.log[-1]
    assert first.headers["Authorization"].startswith("Basic ")
    assert first.headers["Cookie"] == "c=1"
    assert "Authorization" not in away.headers
    assert "Cookie" not in away.headers
    assert away.headers["X-Kept"] == "yes"


def test_the_redirect_limit(frames: Harness, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/loop").respond_with_response(_redirect(302, "/loop"))
    req = frames.node(max_redirects=3)
    done = frames.fetch(req, httpserver.url_for("/loop"))
    assert (done.result, done.code) == (R.RESULT_REDIRECT_LIMIT_REACHED, 302)
    assert len(httpserver.log) == 4  # the first request and three followed redirects


def test_a_redirect_without_location_is_the_result(frames: Harness, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/x").respond_with_data("moved", status=301)
    req = frames.node()
    done = frames.fetch(req, httpserver.url_for("/x"))
    assert (done.result, done.code, done.body) == (R.RESULT_SUCCESS, 301, b"moved")


def test_a_location_of_another_scheme_fails_the_request(
    frames: Harness, httpserver: HTTPServer
) -> None:
    httpserver.expect_request("/x").respond_with_response(_redirect(302, "ftp://127.0.0.1/f"))
    req = frames.node()
    assert frames.fetch(req, httpserver.url_for("/x")).result == R.RESULT_REQUEST_FAILED
    assert len(httpserver.log) == 1


def test_same_origin_redirects_reuse_the_connection(
    harness: Harness, raw_server: Callable[..., RawServer]
) -> None:
    hop = b"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 4\r\n\r\nskip"
    final = b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\ndone"
    server = raw_server([[Exchange(hop), Exchange(final)]])
    req = harness.node()
    done = harness.fetch(req, f"http://127.0.0.1:{server.port}/first")
    assert done.body == b"done"
    assert done.header("Location") is None  # the final response's headers, not the hop's
    assert server.accepted == 1


def test_a_redirects_body_never_reaches_the_download_file(
    frames: Harness, httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/r").respond_with_response(
        Response("hop body", status=302, headers={"Location": "/f"})
    )
    httpserver.expect_request("/f").respond_with_data("final")
    target = tmp_path / "out"
    req = frames.node(download_file=str(target))
    done = frames.fetch(req, httpserver.url_for("/r"))
    assert (done.result, done.body) == (R.RESULT_SUCCESS, b"")
    assert target.read_bytes() == b"final"


# --- compressed bodies -----------------------------------------------------------------------


def _raw_deflate(data: bytes) -> bytes:
    packer = zlib.compressobj(wbits=-15)
    return packer.compress(data) + packer.flush()


@pytest.mark.parametrize(
    ("coding", "encoded"),
    [
        ("gzip", gzip.compress(TEXT)),
        ("x-gzip", gzip.compress(TEXT)),
        ("deflate", zlib.compress(TEXT)),
        ("deflate", _raw_deflate(TEXT)),
        ("deflate, gzip", gzip.compress(zlib.compress(TEXT))),
    ],
)
def test_compressed_bodies_are_decoded(
    harness: Harness, httpserver: HTTPServer, coding: str, encoded: bytes
) -> None:
    httpserver.expect_request("/z").respond_with_data(encoded, headers={"Content-Encoding": coding})
    req = harness.node(download_chunk_size=1024)
    done = harness.fetch(req, httpserver.url_for("/z"))
    assert (done.result, done.body) == (R.RESULT_SUCCESS, TEXT)
    sent, _ = httpserver.log[-1]
    assert sent.headers["Accept-Encoding"] == "gzip, deflate"
    assert req.get_downloaded_bytes() == len(encoded)  # counted before decoding


def test_a_custom_accept_encoding_gets_the_bytes_as_sent(
    frames: Harness, httpserver: HTTPServer
) -> None:
    encoded = gzip.compress(TEXT)
    httpserver.expect_request("/z").respond_with_data(encoded, headers={"Content-Encoding": "gzip"})
    req = frames.node()
    done = frames.fetch(req, httpserver.url_for("/z"), ["Accept-Encoding: gzip"])
    assert done.body == encoded
    assert httpserver.log[-1][0].headers["Accept-Encoding"] == "gzip"


def test_without_accept_gzip_nothing_is_asked_or_decoded(
    frames: Harness, httpserver: HTTPServer
) -> None:
    encoded = gzip.compress(TEXT)
    httpserver.expect_request("/z").respond_with_data(encoded, headers={"Content-Encoding": "gzip"})
    req = frames.node(accept_gzip=False)
    done = frames.fetch(req, httpserver.url_for("/z"))
    assert done.body == encoded
    assert "Accept-Encoding" not in httpserver.log[-1][0].headers


def test_an_unknown_coding_is_delivered_undecoded(frames: Harness, httpserver: HTTPServer) -> None:
    httpserver.expect_request("/z").respond_with_data(b"\x01br", headers={"Content-Encoding": "br"})
    req = frames.node()
    assert frames.fetch(req, httpserver.url_for("/z")).body == b"\x01br"


@pytest.mark.parametrize(
    ("coding", "encoded"),
    [
        ("gzip", b"this is not gzip"),
        ("gzip", gzip.compress(TEXT)[:-30]),
        ("gzip, gzip, gzip", gzip.compress(gzip.compress(gzip.compress(b"x")))),
        ("gzip, gzip", gzip.compress(gzip.compress(bytes(64 << 20)))),  # a 64 MiB bomb
    ],
    ids=["corrupt", "truncated", "three_codings", "bomb"],
)
def test_undecodable_bodies_fail(
    harness: Harness, httpserver: HTTPServer, coding: str, encoded: bytes
) -> None:
    httpserver.expect_request("/z").respond_with_data(encoded, headers={"Content-Encoding": coding})
    req = harness.node()
    done = harness.fetch(req, httpserver.url_for("/z"))
    assert (done.result, done.body) == (R.RESULT_BODY_DECOMPRESS_FAILED, b"")


# --- the body size limit ---------------------------------------------------------------------


def test_a_content_length_over_the_limit_fails_before_the_body(
    frames: Harness, raw_server: Callable[..., RawServer]
) -> None:
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"  # the body never comes
    server = raw_server([[Exchange(reply)]])
    req = frames.node(body_size_limit=999)
    done = frames.fetch(req, f"http://127.0.0.1:{server.port}/")
    assert (done.result, done.code) == (R.RESULT_BODY_SIZE_LIMIT_EXCEEDED, 200)
    assert req.get_http_client_status() == HTTPClient.STATUS_DISCONNECTED


def test_a_chunked_body_fails_as_soon_as_it_grows_past_the_limit(
    harness: Harness, raw_server: Callable[..., RawServer]
) -> None:
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    server = raw_server([[Exchange(head + b"400\r\n" + bytes(1024) + b"\r\n")]])  # no end
    req = harness.node(body_size_limit=1000, download_chunk_size=256)
    done = harness.fetch(req, f"http://127.0.0.1:{server.port}/")
    assert done.result == R.RESULT_BODY_SIZE_LIMIT_EXCEEDED


def test_the_limit_counts_decoded_bytes(harness: Harness, httpserver: HTTPServer) -> None:
    encoded = gzip.compress(bytes(100_000))
    httpserver.expect_request("/z").respond_with_data(encoded, headers={"Content-Encoding": "gzip"})
    req = harness.node(body_size_limit=50_000)
    done = harness.fetch(req, httpserver.url_for("/z"))
    assert done.result == R.RESULT_BODY_SIZE_LIMIT_EXCEEDED
    req.body_size_limit = 100_000
    assert harness.fetch(req, httpserver.url_for("/z")).result == R.RESULT_SUCCESS


# --- download_file ---------------------------------------------------------------------------


def test_a_download_is_written_whole_with_the_umask_mode(
    harness: Harness, httpserver: HTTPServer, tmp_path: Path
) -> None:
    httpserver.expect_request("/f").respond_with_data(
        gzip.compress(TEXT), headers={"Content-Encoding": "gzip"}
    )
    target = tmp_path / "file.txt"
    req = harness.node(download_file=str(target), download_chunk_size=512)
    old = os.umask(0o077)
    try:
        done = harness.fetch(req, httpserver.url_for("/f"))
    finally:
        os.umask(old)
    assert (done.result, done.body) == (R.RESULT_SUCCESS, b"")
    assert target.read_bytes() == TEXT
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert list(tmp_path.iterdir()) == [target]


@pytest.mark.parametrize(
    "reply",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial",
        b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 9\r\n\r\nnot gzip!",
    ],
    ids=["cut", "corrupt"],
)
def test_a_failed_download_leaves_the_old_file_as_it_was(
    harness: Harness, raw_server: Callable[..., RawServer], tmp_path: Path, reply: bytes
) -> None:
    server = raw_server([[Exchange(reply, then="close")]])
    target = tmp_path / "keep.bin"
    target.write_bytes(b"old content")
    req = harness.node(download_file=str(target))
    done = harness.fetch(req, f"http://127.0.0.1:{server.port}/")
    assert done.result != R.RESULT_SUCCESS
    assert target.read_bytes() == b"old content"
    assert list(tmp_path.iterdir()) == [target]


def test_a_download_that_times_out_leaves_nothing(
    harness: Harness, raw_server: Callable[..., RawServer], tmp_path: Path
) -> None:
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome of it"  # the rest never comes
    server = raw_server([[Exchange(reply)]])
    target = tmp_path / "slow.bin"
    req = harness.node(download_file=str(target), timeout=0.3)
    done = harness.fetch(req, f"http://127.0.0.1:{server.port}/")
    assert done.result == R.RESULT_TIMEOUT
    assert list(tmp_path.iterdir()) == []


def test_cancel_removes_the_temporary_file(
    harness: Harness, raw_server: Callable[..., RawServer], tmp_path: Path
) -> None:
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nsome of it"
    server = raw_server([[Exchange(reply)]])
    req = harness.node(download_file=str(tmp_path / "x"))
    assert req.request(f"http://127.0.0.1:{server.port}/") == Error.OK
    harness.tree.run(
        until=lambda: req.get_http_client_status() == HTTPClient.STATUS_BODY, timeout=10, fps=1000
    )
    assert len(list(tmp_path.iterdir())) == 1  # the temporary file
    req.cancel_request()
    assert list(tmp_path.iterdir()) == []
    harness.frames(3)
    assert harness.calls(req) == []


@pytest.mark.parametrize("where", ["missing", "folder"])
def test_a_download_path_that_cannot_be_written_fails_before_sending(
    harness: Harness, tcp_listener: Callable[..., socket.socket], tmp_path: Path, where: str
) -> None:
    listener = tcp_listener()
    path = tmp_path / "no" / "such" if where == "missing" else tmp_path
    req = harness.node(download_file=str(path))
    done = harness.fetch(req, f"http://127.0.0.1:{listener.getsockname()[1]}/")
    assert done.result == R.RESULT_DOWNLOAD_FILE_CANT_OPEN
    listener.settimeout(0.05)
    with pytest.raises(TimeoutError):
        listener.accept()


def test_a_chunked_gzip_body_is_decoded(
    harness: Harness, raw_server: Callable[..., RawServer]
) -> None:
    encoded = gzip.compress(TEXT)
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(encoded[i : i + 1000]), encoded[i : i + 1000])
        for i in range(0, len(encoded), 1000)
    )
    head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"
    server = raw_server([[Exchange(head + chunks + b"0\r\n\r\n")]])
    req = harness.node()
    done = harness.fetch(req, f"http://127.0.0.1:{server.port}/")
    assert (done.result, done.body) == (R.RESULT_SUCCESS, TEXT)
    assert req.get_downloaded_bytes() == len(encoded)  # chunk framing not counted
    assert req.get_body_size() == -1


def test_a_close_delimited_body_over_the_limit_fails(
    frames: Harness, raw_server: Callable[..., RawServer]
) -> None:
    reply = b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + bytes(5000)
    server = raw_server([[Exchange(reply, then="close")]])
    req = frames.node(body_size_limit=4096)
    done = frames.fetch(req, f"http://127.0.0.1:{server.port}/")
    assert done.result == R.RESULT_BODY_SIZE_LIMIT_EXCEEDED


def test_an_ipv6_literal_url_works(frames: Harness, raw_server: Callable[..., RawServer]) -> None:
    if not socket.has_ipv6:
        pytest.skip("no IPv6")
    try:
        server = raw_server(
            [[Exchange(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nv6")]], socket.AF_INET6
        )
    except OSError:
        pytest.skip("::1 cannot be bound here")
    req = frames.node()
    done = frames.fetch(req, f"http://[::1]:{server.port}/six")
    assert done.body == b"v6"
    assert server.requests[0].startswith(b"GET /six HTTP/1.1\r\n")
