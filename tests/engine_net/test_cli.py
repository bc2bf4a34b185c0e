"""The ``engine-net`` console tool, run as a subprocess against servers the tests start."""

from __future__ import annotations

import argparse
import json
import socket
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree

import pytest

from engine_net import cli
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
        ("http://[::1/", 2, "engine-net fetch: not an http:// or https:// URL"),
        ("http://example.com:99999/", 2, "engine-net fetch: bad port"),
        ("http://nonexistent.invalid/", 3, "engine-net fetch: cannot resolve the host name"),
        ("http://127.0.0.1:{port}/", 4, "engine-net fetch: cannot connect"),
    ],
    ids=["scheme", "unclosed-bracket", "port", "dns", "refused"],
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
    for expected in ("read_chunk_size", "RANGE 256,16777216", "4096", "set_read_chunk_size"):
        assert expected in text


def test_inspect_shows_the_scene_classes_and_http_request() -> None:
    result = engine_net("inspect", "HTTPRequest")
    text = result.stdout.decode()
    assert result.returncode == 0, result.stderr
    for expected in ("accept_gzip", "RANGE 0,3600,0.1,or_greater", "set_download_file"):
        assert expected in text
    assert "wait_time" in engine_net("inspect", "Timer").stdout.decode()


def test_inspect_hides_what_an_editor_hides_unless_all() -> None:
    # HTTPClient.connection has no EDITOR usage: the engine's inspector does not list it.
    assert "set_connection" not in engine_net("inspect", "HTTPClient").stdout.decode()
    listed = engine_net("inspect", "--all", "HTTPClient").stdout.decode()
    assert "set_connection" in listed
    assert "read_chunk_size" in listed


LAMP = """
from engine.object_model import ClassDB, PropertyInfo, PropertyUsage, Reference, VariantType


class Lamp(Reference):
    def __init__(self) -> None:
        super().__init__()
        self._level = 3
        self._wiring = 0

    def set_level(self, value: int) -> None:
        self._level = value

    def get_level(self) -> int:
        return self._level

    def set_wiring(self, value: int) -> None:
        self._wiring = value

    def get_wiring(self) -> int:
        return self._wiring

    @classmethod
    def _bind_methods(cls) -> None:
        for name in ("set_level", "get_level", "set_wiring", "get_wiring"):
            ClassDB.bind_method(cls, name)
        level = PropertyInfo(type=VariantType.INT, name="level")
        ClassDB.add_property(cls, level, "set_level", "get_level")
        wiring = PropertyInfo(type=VariantType.INT, name="wiring", usage=PropertyUsage.STORAGE)
        ClassDB.add_property(cls, wiring, "set_wiring", "get_wiring")


ClassDB.register_class(Lamp)
"""


def test_inspect_imports_a_user_module_from_the_current_folder(tmp_path: Path) -> None:
    (tmp_path / "lamp_classes.py").write_text(LAMP, encoding="utf-8")
    shown = engine_net("inspect", "--import", "lamp_classes", "Lamp", cwd=str(tmp_path))
    assert shown.returncode == 0, shown.stderr
    assert "set_level" in shown.stdout.decode()
    assert "wiring" not in shown.stdout.decode()
    everything = engine_net(
        "inspect", "--import", "lamp_classes", "--all", "Lamp", cwd=str(tmp_path)
    )
    assert "set_wiring" in everything.stdout.decode()


@pytest.mark.parametrize(
    ("module", "error"),
    [("no_such_module", "ModuleNotFoundError"), ("broken", "ZeroDivisionError: division by zero")],
)
def test_inspect_reports_a_module_that_cannot_be_imported(
    tmp_path: Path, module: str, error: str
) -> None:
    (tmp_path / "broken.py").write_text("1 / 0\n", encoding="utf-8")
    result = engine_net("inspect", "--import", module, "Object", cwd=str(tmp_path))
    assert (result.returncode, result.stdout) == (2, b"")
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1
    assert lines[0].startswith(f"engine-net inspect: cannot import {module!r}: {error}")


@pytest.mark.parametrize(
    ("command", "name", "hint"),
    [
        ("inspect", "httpclient", "; did you mean HTTPClient?"),
        ("inspect", "StreamPeerTPC", "; did you mean StreamPeerTCP or "),
        ("doc", "Refrence", "; did you mean Reference?"),
        ("inspect", "Zebra", ""),
    ],
)
def test_an_unknown_class_suggests_close_names(command: str, name: str, hint: str) -> None:
    result = engine_net(command, name)
    assert (result.returncode, result.stdout) == (2, b"")
    line = result.stderr.decode().strip()
    assert line.startswith(f"engine-net {command}: no class named {name!r}{hint}")
    assert "\n" not in line
    if not hint:
        assert "did you mean" not in line


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
    assert "request_completed: RESULT_SUCCESS, 200, Content-Encoding gzip" in text
    assert "2.0 MiB written in" in text


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
            22,
            81,
        )


def test_doc_all_is_the_whole_api_json() -> None:
    result = engine_net("doc", "all", "--format", "json")
    names = [entry["name"] for entry in json.loads(result.stdout)]
    assert names[0] == "GlobalConstants"
    assert {"HTTPClient", "Object", "StreamPeerTCP"} <= set(names)
    assert engine_net("doc", "NoSuchClass").returncode == 2


DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.mark.parametrize(("form", "suffix"), [("text", ".txt"), ("xml", ".xml")])
def test_doc_all_writes_one_file_per_class_into_the_folder(
    form: str, suffix: str, tmp_path: Path
) -> None:
    folder = tmp_path / "reference"
    result = engine_net("doc", "all", "--format", form, "-o", str(folder))
    assert (result.returncode, result.stdout, result.stderr) == (0, b"", b"")
    written = {p.name: p.read_text(encoding="utf-8") for p in folder.iterdir()}
    committed = {
        p.name: p.read_text(encoding="utf-8") for p in (DOCS / "classes").glob(f"*{suffix}")
    }
    assert written == committed  # the same pages scripts/gen_docs.py keeps in docs/classes


def test_doc_all_as_json_writes_api_json(tmp_path: Path) -> None:
    target = tmp_path / "api.json"
    result = engine_net("doc", "all", "--format", "json", "-o", str(target))
    assert result.returncode == 0
    assert target.read_text(encoding="utf-8") == (DOCS / "api.json").read_text(encoding="utf-8")


def test_doc_all_as_pages_needs_a_folder() -> None:
    result = engine_net("doc", "all")
    assert (result.returncode, result.stdout) == (2, b"")
    assert result.stderr.decode() == "engine-net doc: 'all' as text needs -o FOLDER\n"


@pytest.mark.parametrize("args", [("HTTPClient",), ("all", "--format", "xml")])
def test_doc_into_a_place_that_cannot_be_written_is_one_line_and_exit_8(
    tmp_path: Path, args: tuple[str, ...]
) -> None:
    (tmp_path / "a-file").write_text("kept", encoding="utf-8")
    output = str(tmp_path / "a-file" / "x")
    result = engine_net("doc", *args, "-o", output)
    assert (result.returncode, result.stdout) == (8, b"")
    lines = result.stderr.decode().splitlines()
    assert lines == [f"engine-net doc: cannot write {output}: Not a directory"]


def test_doc_into_a_missing_folder_is_exit_8(tmp_path: Path) -> None:
    output = str(tmp_path / "missing" / "dir" / "x")
    result = engine_net("doc", "HTTPClient", "-o", output)
    assert result.returncode == 8
    assert result.stderr.decode() == (
        f"engine-net doc: cannot write {output}: No such file or directory\n"
    )


def subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = cli._parser()
    found = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(found.choices)


def every_option() -> list[tuple[str, str]]:
    """(sub-command, long option) for every option of every sub-command."""
    return [
        (name, max(action.option_strings, key=len))
        for name, sub in subcommands().items()
        for action in sub._actions
        if action.option_strings and action.dest != "help"
    ]


@pytest.mark.parametrize(("command", "option"), every_option())
def test_every_option_is_in_the_help_and_the_readme(command: str, option: str) -> None:
    assert option in subcommands()[command].format_help()
    readme = (DOCS.parent / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The command line", 1)[1].split("\n## ", 1)[0]
    assert f"engine-net {command}" in section
    assert option in section
