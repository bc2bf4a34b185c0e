"""Shared test support: log capture and the loopback servers tests start themselves."""

from __future__ import annotations

import contextlib
import logging
import os
import re
import signal
import socket
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest


class LogLines:
    """The engine-style lines logged while a test runs, as ``record.getMessage()`` gives them."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    @property
    def lines(self) -> list[str]:
        return [r.getMessage() for r in self._caplog.records if r.levelno >= logging.WARNING]

    def clear(self) -> None:
        self._caplog.clear()


@dataclass
class Exchange:
    """One scripted request/reply on a connection.

    ``reply`` is sent after the request has been read (or at once with ``read_request=False``),
    as one write, or in the given ``pieces`` sizes, or one byte per write with ``bytewise``.
    ``then`` says what the server does afterwards: "keep" (wait for the next request), "close"
    (orderly FIN) or "reset" (RST); with ``hold`` it first waits until the test sets that event.
    """

    reply: bytes
    then: str = "keep"
    read_request: bool = True
    pieces: Sequence[int] = ()
    bytewise: bool = False
    hold: threading.Event | None = None


@dataclass
class RawServer:
    """A loopback server that plays one script of exchanges per accepted connection."""

    scripts: list[list[Exchange]]
    family: int = socket.AF_INET
    requests: list[bytes] = field(default_factory=list)
    accepted: int = 0
    errors: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        host = "127.0.0.1" if self.family == socket.AF_INET else "::1"
        self._listener = socket.socket(self.family, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind((host, 0))
        self._listener.listen(8)
        self._listener.settimeout(30)
        self.host = host
        self.port: int = self._listener.getsockname()[1]
        self._done = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        try:
            for script in self.scripts:
                conn, _ = self._listener.accept()
                self.accepted += 1
                with conn:
                    conn.settimeout(30)
                    conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                    self._play(conn, script)
        except OSError as exc:
            if not self._done.is_set():
                self.errors.append(repr(exc))
        finally:
            self._done.set()

    def _play(self, conn: socket.socket, script: list[Exchange]) -> None:
        pending = b""
        for exchange in script:
            if exchange.read_request:
                request, pending = _read_request(conn, pending)
                self.requests.append(request)
            _send(conn, exchange)
            if exchange.hold is not None:
                exchange.hold.wait(30)
            if exchange.then == "reset":
                conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                return
            if exchange.then == "close":
                conn.shutdown(socket.SHUT_WR)
                _drain(conn)
                return
        _drain(conn)

    def wait(self, timeout: float = 30) -> None:
        """Wait until every scripted connection has been played."""
        self._done.wait(timeout)

    def stop(self) -> None:
        self._done.set()
        self._listener.close()
        self._thread.join(5)


def _read_request(conn: socket.socket, pending: bytes) -> tuple[bytes, bytes]:
    """Read one request (head, then a Content-Length or chunked body); return it and leftovers."""
    data = pending
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return data, b""
        data += chunk
    end = data.index(b"\r\n\r\n") + 4
    head = data[:end]
    length = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", head)
    if length is not None:
        end += int(length[1])
        while len(data) < end:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
    elif re.search(rb"(?im)^transfer-encoding:.*chunked", head):
        while b"\r\n0\r\n\r\n" not in data[end - 2 :]:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
        end = data.index(b"0\r\n\r\n", end) + 5
    return data[:end], data[end:]


def _send(conn: socket.socket, exchange: Exchange) -> None:
    reply = exchange.reply
    if exchange.bytewise:
        sizes: Sequence[int] = [1] * len(reply)
    elif exchange.pieces:
        sizes = [*exchange.pieces, len(reply) - sum(exchange.pieces)]
    else:
        sizes = [len(reply)]
    offset = 0
    for size in sizes:
        if size > 0:
            conn.sendall(reply[offset : offset + size])
        offset += size


def _drain(conn: socket.socket) -> None:
    """Read until the client closes, so the client never sees a reset it did not ask for."""
    try:
        while conn.recv(65536):
            pass
    except OSError:
        pass


ENGINE_NET = (sys.executable, "-m", "engine_net.cli")


def engine_net(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: str | None = None,
    umask: int = -1,
    timeout: float = 60,
) -> subprocess.CompletedProcess[bytes]:
    """Run the ``engine-net`` command line in a fresh interpreter and collect what it printed."""
    return subprocess.run(
        [*ENGINE_NET, *args],
        capture_output=True,
        timeout=timeout,
        env={**os.environ, **(env or {})},
        cwd=cwd,
        umask=umask,
        check=False,
    )


#: The credentials the authenticating proxy.py instance asks for.
PROXY_USER, PROXY_PASSWORD = "ada", "l0ve:lace"


class ProxyPy:
    """proxy.py (the PyPI package ``proxy.py``), a real HTTP and CONNECT proxy, run in its own
    process group on a free loopback port; ``stop`` ends the group.

    Offline by construction: it listens on 127.0.0.1 and reaches only the targets the tests
    name, which are loopback servers they started.
    """

    def __init__(self, data_dir: str, basic_auth: str = "") -> None:
        port_file = os.path.join(data_dir, "port")
        command = [
            sys.executable, "-m", "proxy", "--hostname", "127.0.0.1", "--port", "0",
            "--port-file", port_file, "--data-dir", data_dir, "--num-workers", "1",
            "--num-acceptors", "1", "--log-level", "WARNING",
            "--log-file", os.path.join(data_dir, "log"),
        ]  # fmt: skip
        if basic_auth:
            command += ["--basic-auth", basic_auth]
        self.process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL, start_new_session=True,
        )  # fmt: skip
        self.host = "127.0.0.1"
        self.port = self._wait_until_listening(port_file)

    def _wait_until_listening(self, port_file: str, timeout: float = 30) -> int:
        """The port it wrote, once a connection to it is accepted (bounded by ``timeout``)."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if self.process.poll() is not None:
                break
            try:
                with open(port_file, encoding="ascii") as handle:
                    port = int(handle.read().split()[0])
                socket.create_connection((self.host, port), timeout=1).close()
                return port
            except (OSError, ValueError, IndexError):
                time.sleep(0.05)  # not up yet: starting takes a moment
        self.stop()
        raise RuntimeError("proxy.py did not start listening")

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(10)
