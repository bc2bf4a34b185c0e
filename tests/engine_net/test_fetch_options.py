"""``engine-net fetch``: where the body goes, the idle timeout, stop signals, --fail, -i, HEAD.

Each test runs the command in a fresh interpreter against a loopback server it starts.
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import stat
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support import ENGINE_NET, Exchange, RawServer, engine_net

ServerFactory = Callable[..., RawServer]
MODES = pytest.mark.parametrize("mode", [(), ("--blocking",)], ids=["poll", "blocking"])


def ok(body: bytes, *fields: bytes) -> bytes:
    head = b"".join(field + b"\r\n" for field in fields)
    return b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n%s\r\n%s" % (len(body), head, body)


def url(server: RawServer) -> str:
    return f"http://127.0.0.1:{server.port}/"


def unused_url() -> str:
    """A loopback URL nothing listens on: a command that got as far as connecting fails 4."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/"


def one_line(result: subprocess.CompletedProcess[bytes]) -> str:
    lines = result.stderr.decode().splitlines()
    assert len(lines) == 1, lines
    assert "Traceback" not in lines[0]
    return lines[0]


# --- where the body goes (items 18 and 20) --------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "reason"),
    [
        (".", "it is a directory"),
        ("missing/out.bin", "No such file or directory"),
        ("a-file/out.bin", "Not a directory"),
    ],
    ids=["a directory", "a missing folder", "below a file"],
)
def test_an_output_that_cannot_be_written_is_one_line_and_exit_8(
    tmp_path: Path, relative: str, reason: str
) -> None:
    (tmp_path / "a-file").write_bytes(b"kept")
    output = str(tmp_path / relative)
    result = engine_net("fetch", unused_url(), "-o", output)
    assert result.returncode == 8  # decided before connecting: nothing listens there (4)
    assert one_line(result) == f"engine-net fetch: cannot write {output}: {reason}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a-file"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
def test_a_full_standard_output_is_one_line_and_exit_8(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(ok(b"x" * 100_000))]])
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [*ENGINE_NET, "fetch", url(server)], stdout=full, stderr=subprocess.PIPE, timeout=60
        )
    assert result.returncode == 8
    assert one_line(result) == "engine-net fetch: cannot write the output: No space left on device"


@pytest.mark.parametrize("umask", [0o022, 0o077, 0o002])
def test_a_new_file_gets_the_mode_the_umask_gives(
    raw_server: ServerFactory, tmp_path: Path, umask: int
) -> None:
    server = raw_server([[Exchange(ok(b"saved"))]])
    target = tmp_path / "out.bin"
    result = engine_net("fetch", url(server), "-o", str(target), umask=umask)
    assert result.returncode == 0
    assert stat.S_IMODE(target.stat().st_mode) == 0o666 & ~umask


@pytest.mark.parametrize("mode", [0o600, 0o755, 0o640])
def test_a_replaced_file_keeps_its_mode(
    raw_server: ServerFactory, tmp_path: Path, mode: int
) -> None:
    server = raw_server([[Exchange(ok(b"new"))]])
    target = tmp_path / "out.bin"
    target.write_bytes(b"old")
    target.chmod(mode)
    result = engine_net("fetch", url(server), "-o", str(target), umask=0o022)
    assert result.returncode == 0
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(target.stat().st_mode) == mode


def test_through_a_symbolic_link_the_file_it_names_is_replaced(
    raw_server: ServerFactory, tmp_path: Path
) -> None:
    server = raw_server([[Exchange(ok(b"new"))]])
    (tmp_path / "real.bin").write_bytes(b"old")
    (tmp_path / "link.bin").symlink_to("real.bin")
    result = engine_net("fetch", url(server), "-o", str(tmp_path / "link.bin"))
    assert result.returncode == 0
    assert (tmp_path / "link.bin").is_symlink()
    assert (tmp_path / "real.bin").read_bytes() == b"new"


def test_through_a_link_to_a_missing_file_that_file_is_created(
    raw_server: ServerFactory, tmp_path: Path
) -> None:
    server = raw_server([[Exchange(ok(b"new"))]])
    (tmp_path / "link.bin").symlink_to("real.bin")
    result = engine_net("fetch", url(server), "-o", str(tmp_path / "link.bin"), umask=0o022)
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "link.bin").is_symlink()
    assert (tmp_path / "real.bin").read_bytes() == b"new"
    assert stat.S_IMODE((tmp_path / "real.bin").stat().st_mode) == 0o644
    assert sorted(p.name for p in tmp_path.iterdir()) == ["link.bin", "real.bin"]


def test_a_file_whose_name_is_as_long_as_allowed_is_replaced(
    raw_server: ServerFactory, tmp_path: Path
) -> None:
    server = raw_server([[Exchange(ok(b"new"))]])
    target = tmp_path / ("n" * os.pathconf(tmp_path, "PC_NAME_MAX"))
    target.write_bytes(b"old")
    result = engine_net("fetch", url(server), "-o", str(target))
    assert result.returncode == 0, result.stderr
    assert target.read_bytes() == b"new"
    assert list(tmp_path.iterdir()) == [target]


def test_a_fifo_is_written_into_not_replaced(raw_server: ServerFactory, tmp_path: Path) -> None:
    server = raw_server([[Exchange(ok(b"through the pipe"))]])
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    result = engine_net("fetch", url(server), "-o", str(fifo))
    reader.join(30)
    assert result.returncode == 0
    assert received == [b"through the pipe"]
    assert stat.S_ISFIFO(fifo.stat().st_mode)


# --- the idle timeout (item 21) ----------------------------------------------------------------


@MODES
@pytest.mark.parametrize(
    "reply",
    [b"", b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\npartial"],
    ids=["no head", "mid body"],
)
def test_a_silent_server_times_out_with_one_line_and_exit_7(
    raw_server: ServerFactory, tmp_path: Path, mode: tuple[str, ...], reply: bytes
) -> None:
    server = raw_server([[Exchange(reply)]])
    target = tmp_path / "out.bin"
    result = engine_net("fetch", url(server), "--timeout", "1", "-o", str(target), *mode)
    assert result.returncode == 7
    assert one_line(result) == "engine-net fetch: timed out: nothing arrived for 1 s"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("value", ["-1", "1.5", "soon"])
def test_a_timeout_that_is_not_whole_seconds_is_refused(value: str) -> None:
    result = engine_net("fetch", unused_url(), "--timeout", value)
    assert result.returncode == 2
    assert b"--timeout: not a whole number of seconds >= 0" in result.stderr


# --- stop signals (item 19) --------------------------------------------------------------------


class StallingServer:
    """Accepts one connection, reads the request head, sends ``reply`` and then nothing more
    until the client goes away; ``stalled`` is set once the reply is out."""

    def __init__(self, reply: bytes) -> None:
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.settimeout(30)
        self.port: int = self.listener.getsockname()[1]
        self.stalled = threading.Event()
        self._reply = reply
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        with self.listener, self.listener.accept()[0] as conn:
            conn.settimeout(30)
            request = b""
            while b"\r\n\r\n" not in request:
                request += conn.recv(4096)
            conn.sendall(self._reply)
            self.stalled.set()
            with contextlib.suppress(OSError):  # the client may reset: it leaves unread bytes
                while conn.recv(4096):
                    pass

    def join(self) -> None:
        self._thread.join(30)


@pytest.fixture
def stalling_server() -> Iterator[StallingServer]:
    server = StallingServer(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"p" * 5000)
    yield server
    server.join()


@MODES
@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM, signal.SIGHUP])
def test_a_stop_signal_leaves_the_target_as_it_was(
    stalling_server: StallingServer, tmp_path: Path, mode: tuple[str, ...], signum: int
) -> None:
    target = tmp_path / "out.bin"
    target.write_bytes(b"previous")
    command = [*ENGINE_NET, "fetch", f"http://127.0.0.1:{stalling_server.port}/", "-o"]
    with subprocess.Popen(
        [*command, str(target), *mode], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    ) as process:
        assert stalling_server.stalled.wait(30)
        process.send_signal(signum)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 128 + signum
    name = signal.Signals(signum).name
    assert err.decode().splitlines() == [f"engine-net fetch: interrupted ({name})"]
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


# --- --fail, -i, HEAD (item 23) ----------------------------------------------------------------


NOT_FOUND = b"HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nno page.\n"


def test_fail_on_an_error_status_writes_nothing_and_exits_22(
    raw_server: ServerFactory, tmp_path: Path
) -> None:
    server = raw_server([[Exchange(NOT_FOUND)], [Exchange(NOT_FOUND)]])
    target = tmp_path / "out.bin"
    target.write_bytes(b"previous")
    to_file = engine_net("fetch", url(server), "--fail", "-o", str(target))
    to_stdout = engine_net("fetch", url(server), "--fail", "-i")
    for result in (to_file, to_stdout):
        assert (result.returncode, result.stdout) == (22, b"")
        assert one_line(result) == "engine-net fetch: the server answered 404: nothing written"
    assert target.read_bytes() == b"previous"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.bin"]


def test_without_fail_an_error_status_is_a_body_like_any_other(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(NOT_FOUND)]])
    result = engine_net("fetch", url(server))
    assert (result.returncode, result.stdout, result.stderr) == (0, b"no page.\n", b"")


def test_fail_lets_a_success_through(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(ok(b"fine"))]])
    result = engine_net("fetch", url(server), "--fail")
    assert (result.returncode, result.stdout) == (0, b"fine")


@MODES
def test_include_writes_the_head_before_the_body(
    raw_server: ServerFactory, tmp_path: Path, mode: tuple[str, ...]
) -> None:
    reply = ok(b"hello", b"X-Thing: a b", b"set-cookie: k=v")
    server = raw_server([[Exchange(reply)], [Exchange(reply)]])
    head = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Thing: a b\r\nset-cookie: k=v\r\n\r\n"
    result = engine_net("fetch", url(server), "-i", *mode)
    assert (result.returncode, result.stdout) == (0, head + b"hello")
    target = tmp_path / "out.bin"
    assert engine_net("fetch", url(server), "--include", "-o", str(target), *mode).returncode == 0
    assert target.read_bytes() == head + b"hello"


def test_head_prints_the_response_head(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(b"HTTP/1.1 204 No Content\r\nContent-Length: 42\r\n\r\n")]])
    result = engine_net("fetch", url(server), "-X", "HEAD")
    assert (result.returncode, result.stderr) == (0, b"")
    assert result.stdout == b"HTTP/1.1 204 No Content\r\nContent-Length: 42\r\n\r\n"
    assert server.requests[0].startswith(b"HEAD / HTTP/1.1\r\n")


# --- arguments that used to escape as a traceback or be dropped silently ----------------------


def test_a_body_that_is_not_utf8_goes_out_byte_for_byte(raw_server: ServerFactory) -> None:
    server = raw_server([[Exchange(ok(b"stored"))]])
    data = os.fsdecode(b"\xff\xfe raw")  # what Python makes of such bytes in argv
    result = engine_net("fetch", url(server), "-X", "PUT", "-d", data)
    assert (result.returncode, result.stdout, result.stderr) == (0, b"stored", b"")
    assert server.requests[0].endswith(b"\r\n\r\n\xff\xfe raw")
    assert b"\r\nContent-Length: 6\r\n" in server.requests[0]


@pytest.mark.parametrize("size", ["1", "16777217", "big"])
def test_a_chunk_size_the_client_refuses_is_refused_up_front(size: str) -> None:
    result = engine_net("fetch", unused_url(), "--chunk-size", size)
    assert result.returncode == 2
    assert b"--chunk-size: not a size from 256 to 16777216" in result.stderr


# --- waiting (found attacking issue 12) ------------------------------------------------------


def test_waiting_for_a_held_reply_sleeps_instead_of_spinning() -> None:
    """An idle connection is always writable: a wait that also woke for writing returned at
    once and the poll loop spun on a CPU for as long as the server took to answer."""
    from engine_net.fetch import Request, Transfer

    listener = socket.create_server(("127.0.0.1", 0))
    release = threading.Event()

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            data = b""
            while b"\r\n\r\n" not in data:
                data += conn.recv(65536)
            release.wait(30)
            conn.sendall(ok(b"late"))
            conn.recv(1)

    server = threading.Thread(target=serve, daemon=True)
    server.start()
    transfer = Transfer(Request(f"http://127.0.0.1:{listener.getsockname()[1]}/"))
    transfer.connect()
    polls = [0]
    poll = transfer.http.poll

    def counted() -> int:
        polls[0] += 1
        return poll()

    transfer.http.poll = counted  # type: ignore[method-assign]
    timer = threading.Timer(1.0, release.set)  # the server answers after a second
    timer.start()
    transfer.send()
    assert transfer.http.get_response_code() == 200
    # Waits of 50 ms give about 20 polls in that second; a spinning loop gives thousands.
    assert polls[0] < 200
    transfer.http.close()
    server.join(10)
    listener.close()
