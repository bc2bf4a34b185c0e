"""The ``engine-net`` console tool, run as a subprocess against servers the tests start."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from support import Exchange, RawServer, engine_net

ServerFactory = Callable[..., RawServer]


def ok(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_fetch_to_a_pipe_writes_the_body_and_nothing_else(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(ok(b"piped body"))]])
    result = engine_net("fetch", f"http://127.0.0.1:{server.port}/x?y=1")
    assert (result.returncode, result.stdout, result.stderr) == (0, b"piped body", b"")
    assert server.requests[0].startswith(b"GET /x?y=1 HTTP/1.1\r\n")


def test_fetch_sends_method_headers_and_data(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(ok(b"created"))]])
    result = engine_net(
        "fetch", f"http://127.0.0.1:{server.port}/items", "-X", "post", "-H", "X-Token: t",
        "-d", "name=a",
    )  # fmt: skip
    assert result.returncode == 0
    request = server.requests[0]
    assert request.startswith(b"POST /items HTTP/1.1\r\n")
    assert b"\r\nX-Token: t\r\n" in request
    assert request.endswith(b"\r\n\r\nname=a")


def test_fetch_to_a_file_renames_only_on_success(raw_server: ServerFactory, tmp_path: Path) -> None:
    server = raw_server([[Exchange(ok(b"saved"))]])
    target = tmp_path / "out.bin"
    result = engine_net("fetch", f"http://127.0.0.1:{server.port}/", "-o", str(target))
    assert result.returncode == 0
    assert target.read_bytes() == b"saved"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_a_dropped_connection_leaves_no_partial_file(
    raw_server: ServerFactory, tmp_path: Path
) -> None:
    reply = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\npartial"
    server = raw_server([[Exchange(reply, then="close")]])
    target = tmp_path / "out.bin"
    target.write_bytes(b"previous")
    result = engine_net("fetch", f"http://127.0.0.1:{server.port}/", "-o", str(target))
    assert result.returncode == 6
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith("engine-net fetch: the body ended early")
    assert "7 of 1000" in lines[0]


@pytest.mark.parametrize(
    ("url", "code", "start"),
    [
        ("ftp://example.com/", 2, "engine-net fetch: not an http:// or https:// URL"),
        ("http://example.com:99999/", 2, "engine-net fetch: bad port"),
        ("http://nonexistent.invalid/", 3, "engine-net fetch: cannot resolve the host name"),
        ("http://127.0.0.1:{port}/", 4, "engine-net fetch: cannot connect"),
    ],
    ids=["scheme", "port", "dns", "refused"],
)
def test_failures_give_one_line_and_their_own_exit_code(url: str, code: int, start: str) -> None:
    result = engine_net("fetch", url.format(port=free_port()))
    lines = result.stderr.decode().strip().splitlines()
    assert result.returncode == code
    assert len(lines) == 1, lines
    assert lines[0].startswith(start)
    assert result.stdout == b""


def test_a_bad_header_is_refused_before_connecting() -> None:
    result = engine_net("fetch", f"http://127.0.0.1:{free_port()}/", "-H", "Bad Name: x")
    assert result.returncode == 2
    assert result.stderr.decode().startswith("engine-net fetch: invalid request")


def test_inspect_lists_a_fresh_instance() -> None:
    result = engine_net("inspect", "HTTPClient")
    text = result.stdout.decode()
    assert result.returncode == 0
    for expected in ("read_chunk_size", "RANGE 256,16777216", "4096", "set_connection"):
        assert expected in text
    assert engine_net("inspect", "NoSuchClass").returncode == 2


def test_classes_prints_the_tree() -> None:
    result = engine_net("classes")
    assert result.returncode == 0
    assert "HTTPClient" in result.stdout.decode()


def test_demo_runs_end_to_end() -> None:
    result = engine_net("demo", "--large-mib", "2")
    text = result.stdout.decode()
    assert result.returncode == 0, result.stderr.decode()
    assert "STATUS_CONNECTED" in text
    assert "chunk 5 of 5" in text
    assert "2.0 MiB in" in text
    assert "Inspector: HTTPClient" in text


@pytest.mark.parametrize("form", ["text", "xml", "json"])
def test_doc_writes_each_format(form: str, tmp_path: Path) -> None:
    target = tmp_path / f"HTTPClient.{form}"
    result = engine_net("doc", "HTTPClient", "--format", form, "-o", str(target))
    assert (result.returncode, result.stdout) == (0, b"")
    text = target.read_text(encoding="utf-8")
    if form == "text":
        assert text.startswith("HTTPClient\n\nInherits: Reference < Object\n")
        assert "  • STATUS_BODY = 7" in text
    elif form == "xml":
        root = ElementTree.fromstring(text.encode())
        assert root.get("name") == "HTTPClient"
        assert len(root.findall("./constants/constant")) == 81
    else:
        entry = json.loads(text)
        assert (entry["name"], len(entry["methods"]), len(entry["constants"])) == (
            "HTTPClient",
            20,
            81,
        )


def test_doc_all_is_the_whole_api_json() -> None:
    result = engine_net("doc", "all", "--format", "json")
    names = [entry["name"] for entry in json.loads(result.stdout)]
    assert names[0] == "GlobalConstants"
    assert {"HTTPClient", "Object", "StreamPeerTCP"} <= set(names)
    assert engine_net("doc", "NoSuchClass").returncode == 2
