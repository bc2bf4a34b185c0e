"""``engine-net fetch``: download a URL with HTTPClient's poll loop, as a script would.

Owns the URL-to-request translation, the poll loop with a progress bar, the write-to-a-
temporary-file-then-rename rule and the mapping of every failure to one line and one exit
code. Imports ``engine.object_model``, ``net`` and rich (the ``cli`` extra).
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from typing import BinaryIO, Protocol
from urllib.parse import urlsplit

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    SpinnerColumn,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)

from engine.object_model import Error
from net import HTTPClient
from net.http import LocalProtocolError, build_request

Status = HTTPClient.Status

#: Give up when nothing has moved for this long (the library leaves time to its caller).
IDLE_TIMEOUT = 30.0


class Sink(Protocol):
    """Where body bytes go (a binary file, stdout's buffer, a counter)."""

    def write(self, data: bytes, /) -> object: ...


class Exit(IntEnum):
    """The exit codes of ``engine-net fetch``; each failure class has its own."""

    OK = 0
    BAD_INPUT = 2
    CANT_RESOLVE = 3
    CANT_CONNECT = 4
    TLS_FAILED = 5
    CONNECTION_FAILED = 6
    TIMED_OUT = 7
    CANT_WRITE = 8


class FetchError(Exception):
    """A failure with the line to print and the exit code to leave with."""

    def __init__(self, code: Exit, message: str) -> None:
        super().__init__(message)
        self.code = code


@dataclass
class Request:
    """What to fetch and how."""

    url: str
    method: str = "GET"
    headers: list[str] = field(default_factory=list)
    data: str = ""
    insecure: bool = False
    chunk_size: int = 65536
    blocking: bool = False


@dataclass
class Response:
    code: int
    headers: dict[str, object]
    received: int
    seconds: float


_CONNECT_FAILURES = {
    Status.STATUS_CANT_RESOLVE: (Exit.CANT_RESOLVE, "cannot resolve the host name"),
    Status.STATUS_CANT_CONNECT: (Exit.CANT_CONNECT, "cannot connect (refused or unreachable)"),
    Status.STATUS_SSL_HANDSHAKE_ERROR: (Exit.TLS_FAILED, "the TLS handshake failed"),
    Status.STATUS_CONNECTION_ERROR: (Exit.CONNECTION_FAILED, "the connection failed"),
}


def split_url(url: str) -> tuple[str, int, bool, str]:
    """``(host, port, tls, target)`` for an http(s) URL; ``FetchError`` for anything else."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(Exit.BAD_INPUT, f"not an http:// or https:// URL: {url!r}")
    try:
        port = parts.port or -1
    except ValueError:
        raise FetchError(Exit.BAD_INPUT, f"bad port in {url!r}") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.hostname, port, parts.scheme == "https", target


def _waiter(http: HTTPClient) -> Callable[[], None]:
    """Sleep until the client's socket has news, or one millisecond without one."""
    selector = selectors.DefaultSelector()
    registered = [-1]

    def wait() -> None:
        connection = http.get_connection()
        fd = connection.fileno() if connection is not None else -1
        if fd < 0:
            time.sleep(0.001)
            return
        if fd != registered[0]:
            if registered[0] >= 0:
                selector.unregister(registered[0])
            selector.register(fd, selectors.EVENT_READ | selectors.EVENT_WRITE)
            registered[0] = fd
        selector.select(0.05)

    return wait


class Transfer:
    """One fetch: connect, request, stream the body to ``sink``; raise ``FetchError``."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.host, self.port, self.tls, self.target = split_url(request.url)
        self.http = HTTPClient()
        self._wait = _waiter(self.http)

    def _poll_while(self, *statuses: int) -> None:
        idle_since = time.monotonic()
        while self.http.get_status() in statuses:
            before = self.http.get_status()
            self.http.poll()
            if self.http.get_status() != before:
                idle_since = time.monotonic()
            elif time.monotonic() - idle_since > IDLE_TIMEOUT:
                raise FetchError(Exit.TIMED_OUT, f"nothing happened for {IDLE_TIMEOUT:.0f} s")
            else:
                self._wait()

    def connect(self) -> None:
        http = self.http
        http.read_chunk_size = self.request.chunk_size
        started = http.connect_to_host(self.host, self.port, self.tls, not self.request.insecure)
        if started != Error.OK:
            raise FetchError(Exit.BAD_INPUT, f"cannot connect to {self.host!r}: bad host or port")
        self._poll_while(Status.STATUS_RESOLVING, Status.STATUS_CONNECTING)
        self._check_connected()
        http.blocking_mode_enabled = self.request.blocking

    def _check_connected(self) -> None:
        status = self.http.get_status()
        if status != Status.STATUS_CONNECTED:
            code, message = _CONNECT_FAILURES.get(
                Status(status), (Exit.CONNECTION_FAILED, "the connection failed")
            )
            raise FetchError(code, f"{message} ({self.request.url})")

    def check(self) -> None:
        """Refuse a bad URL, method or header before touching the network."""
        try:
            build_request(
                self.method(), self.target, self.request.headers, self.request.data.encode(),
                origin=None, user_agent="",
            )  # fmt: skip
        except LocalProtocolError as refused:
            raise FetchError(Exit.BAD_INPUT, f"invalid request: {refused.message}") from None

    def method(self) -> int:
        method = HTTPClient.Method.__members__.get(f"METHOD_{self.request.method.upper()}")
        if method is None or method == HTTPClient.Method.METHOD_MAX:
            raise FetchError(Exit.BAD_INPUT, f"unknown method {self.request.method!r}")
        return method

    def send(self) -> None:
        result = self.http.request(
            self.method(), self.target, self.request.headers, self.request.data
        )
        if result != Error.OK:
            raise FetchError(
                Exit.CONNECTION_FAILED, f"the request could not be sent ({result.name})"
            )
        self._poll_while(Status.STATUS_REQUESTING)
        if not self.http.has_response():
            raise FetchError(Exit.CONNECTION_FAILED, "no response: the connection failed")

    def chunks(self) -> Iterator[bytes]:
        """The body, piece by piece; raises ``FetchError`` if it ends early."""
        http = self.http
        idle_since = time.monotonic()
        while http.get_status() == Status.STATUS_BODY:
            http.poll()
            chunk = http.read_response_body_chunk()
            if chunk:
                idle_since = time.monotonic()
                yield chunk
            elif time.monotonic() - idle_since > IDLE_TIMEOUT:
                raise FetchError(Exit.TIMED_OUT, f"no body bytes for {IDLE_TIMEOUT:.0f} s")
            elif http.get_status() == Status.STATUS_BODY:
                self._wait()
        if http.get_status() not in (Status.STATUS_CONNECTED, Status.STATUS_DISCONNECTED):
            raise FetchError(Exit.CONNECTION_FAILED, "the body ended early: the connection failed")


def _progress(console: Console, length: int) -> Progress:
    columns: tuple[ProgressColumn, ...]
    if length >= 0:
        columns = (
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            DownloadColumn(),
            TransferSpeedColumn(),
            TimeRemainingColumn(),
        )
    else:
        columns = (
            SpinnerColumn(),
            TextColumn("[bold]{task.description}"),
            DownloadColumn(),
            TransferSpeedColumn(),
        )
    return Progress(*columns, console=console, transient=True)


def download(
    request: Request, sink: Sink, console: Console | None = None, label: str = "fetch"
) -> Response:
    """Fetch ``request`` into ``sink``; a progress bar goes to ``console`` when given."""
    transfer = Transfer(request)
    try:
        transfer.check()
        transfer.connect()
        transfer.send()
        http = transfer.http
        length = http.get_response_body_length()
        received = 0
        start = time.perf_counter()
        with contextlib.ExitStack() as stack:
            advance: Callable[[int], None] = lambda _n: None  # noqa: E731
            if console is not None:
                progress = stack.enter_context(_progress(console, length))
                task = progress.add_task(label, total=length if length >= 0 else None)
                advance = lambda n: progress.update(task, advance=n)  # noqa: E731
            for chunk in transfer.chunks():
                sink.write(chunk)
                received += len(chunk)
                advance(len(chunk))
        seconds = time.perf_counter() - start
        return Response(
            http.get_response_code(), http.get_response_headers_as_dictionary(), received, seconds
        )
    finally:
        transfer.http.close()


@contextlib.contextmanager
def atomic_output(path: str) -> Iterator[BinaryIO]:
    """A temporary file beside ``path``, renamed onto it only when the block succeeds."""
    folder = os.path.dirname(os.path.abspath(path))
    try:
        fd, temporary = tempfile.mkstemp(prefix=".engine-net-", suffix=".part", dir=folder)
    except OSError as exc:
        raise FetchError(Exit.CANT_WRITE, f"cannot write into {folder}: {exc.strerror}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            yield handle
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


class _LastLines(logging.Handler):
    """Keeps the library's error lines so a failure can be told in one line with its reason."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(record.getMessage().split(": ", 2)[-1])


@contextlib.contextmanager
def _library_lines() -> Iterator[_LastLines]:
    handler = _LastLines()
    loggers = [logging.getLogger(name) for name in ("net", "engine")]
    for log in loggers:
        log.addHandler(handler)
        log.propagate = False
    try:
        yield handler
    finally:
        for log in loggers:
            log.removeHandler(handler)
            log.propagate = True


def run(request: Request, output: str | None) -> int:
    """The command: fetch, write, report; returns the exit code."""
    with _library_lines() as library:
        code = _run(request, output, library)
    return code


def _run(request: Request, output: str | None, library: _LastLines) -> int:
    err = Console(stderr=True)
    body_to_terminal = output is None and sys.stdout.isatty()
    show_progress = err.is_terminal and not body_to_terminal
    try:
        split_url(request.url)
        if output is None:
            download(request, sys.stdout.buffer, err if show_progress else None)
            sys.stdout.flush()
        else:
            with atomic_output(output) as sink:
                result = download(request, sink, err if show_progress else None)
            if show_progress:
                rate = result.received / result.seconds / 1e6 if result.seconds else 0.0
                err.print(
                    f"{result.code}: {result.received} bytes to {output} in "
                    f"{result.seconds:.2f} s ({rate:.1f} MB/s)"
                )
    except FetchError as failure:
        detail = f": {library.lines[-1]}" if library.lines else ""
        print(f"engine-net fetch: {failure}{detail}", file=sys.stderr)
        return int(failure.code)
    except KeyboardInterrupt:
        print("engine-net fetch: interrupted", file=sys.stderr)
        return 130
    return 0
