"""``engine-net fetch``: download a URL with HTTPClient's poll loop, as a script would.

Owns the URL-to-request translation, the poll loop with a progress bar, the idle timeout
(the same limit in poll and blocking mode), the write-to-a-temporary-file-then-rename rule,
and the mapping of every failure (signals included) to one line and one exit code. Imports
``engine.object_model``, ``net`` and rich (the ``cli`` extra).
"""

from __future__ import annotations

import contextlib
import logging
import os
import selectors
import signal
import stat
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from enum import IntEnum
from http import HTTPStatus
from types import FrameType
from typing import Protocol
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
from engine_net import proxies
from net import HTTPClient, settings
from net.atomic_file import AtomicFile
from net.http import LocalProtocolError, build_request

Status = HTTPClient.Status

#: Give up when nothing has moved for this many seconds (``--timeout``; 0 never gives up).
DEFAULT_TIMEOUT = 30

#: The signals that end a fetch the way Ctrl-C does: temporary file removed, exit 128 + signal.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)


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
    HTTP_ERROR = 22  # --fail and a status >= 400, as curl


class FetchError(Exception):
    """A failure with the line to print and the exit code to leave with."""

    def __init__(self, code: Exit, message: str) -> None:
        super().__init__(message)
        self.code = code


class Stopped(BaseException):
    """Raised by the handler of a stop signal, so every ``finally`` and cleanup runs."""

    def __init__(self, signum: int) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def timed_out(timeout: int) -> FetchError:
    """The one timeout failure, whichever phase and mode ran out of time."""
    return FetchError(Exit.TIMED_OUT, f"timed out: nothing arrived for {timeout} s")


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
    timeout: int = DEFAULT_TIMEOUT
    fail: bool = False  # a status >= 400 is a failure (exit 22) and nothing is written
    include: bool = False  # the status line and headers go out before the body
    proxy: str | None = None  # --proxy; None: from the environment, "": none


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
    try:
        parts = urlsplit(url)
    except ValueError:  # an unclosed IPv6 bracket, say
        raise FetchError(Exit.BAD_INPUT, f"not an http:// or https:// URL: {url!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(Exit.BAD_INPUT, f"not an http:// or https:// URL: {url!r}")
    try:
        port = parts.port or -1
    except ValueError:
        raise FetchError(Exit.BAD_INPUT, f"bad port in {url!r}") from None
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return parts.hostname, port, parts.scheme == "https", target


def _waiter(http: HTTPClient) -> Callable[[], None]:
    """Sleep until the client's socket has news, or 50 ms without any (one millisecond while
    it has no socket).

    Writability is news only while connecting: a connected socket is almost always writable,
    so waiting for it too would return at once and spin. An upload still moves at every wake.
    """
    selector = selectors.DefaultSelector()
    registered = [(-1, 0)]

    def wait() -> None:
        connection = http.get_connection()
        fd = connection.fileno() if connection is not None else -1
        if fd < 0:
            time.sleep(0.001)
            return
        events = selectors.EVENT_READ
        if http.get_status() == Status.STATUS_CONNECTING:
            events |= selectors.EVENT_WRITE
        if (fd, events) != registered[0]:
            if registered[0][0] >= 0:
                selector.unregister(registered[0][0])
            selector.register(fd, events)
            registered[0] = (fd, events)
        selector.select(0.05)

    return wait


class Transfer:
    """One fetch: connect, request, stream the body to ``sink``; raise ``FetchError``."""

    def __init__(self, request: Request) -> None:
        self.request = request
        self.host, self.port, self.tls, self.target = split_url(request.url)
        # The body as the command line gave it, byte for byte (argv decodes with
        # surrogateescape; fsencode undoes it), so bytes that are not UTF-8 still go out.
        self.body = os.fsencode(request.data)
        try:
            self.proxy = proxies.choose(self.host, self.tls, request.proxy, os.environ)
        except proxies.ProxyURLError as refused:
            raise FetchError(Exit.BAD_INPUT, str(refused)) from None
        self.http = HTTPClient()
        self._wait = _waiter(self.http)

    def _limit_passed_since(self, moment: float, slack: float = 0.0) -> bool:
        """Whether the idle limit has run out since ``moment`` (never, with a limit of 0)."""
        limit = self.request.timeout
        return limit > 0 and time.monotonic() - moment >= limit - slack

    def _poll_while(self, *statuses: int) -> None:
        idle_since = time.monotonic()
        while self.http.get_status() in statuses:
            before = self.http.get_status()
            if self.http.poll() == Error.ERR_TIMEOUT:  # a blocking wait ran out
                raise timed_out(self.request.timeout)
            if self.http.get_status() != before:
                idle_since = time.monotonic()
            elif self._limit_passed_since(idle_since):
                raise timed_out(self.request.timeout)
            else:
                self._wait()

    def connect(self) -> None:
        http = self.http
        http.read_chunk_size = self.request.chunk_size
        if self.proxy is not None:
            (http.set_https_proxy if self.tls else http.set_http_proxy)(*self.proxy)
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
            if self.proxy is not None:  # the proxy is what failed to connect (no credentials)
                host, port = self.proxy
                message += f" through the proxy {host.rpartition('@')[2]}:{port}"
            raise FetchError(code, f"{message} ({self.request.url})")

    def check(self) -> None:
        """Refuse a bad URL, method or header before touching the network."""
        try:
            build_request(
                self.method(), self.target, self.request.headers, self.body,
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
        result = self.http.request_raw(self.method(), self.target, self.request.headers, self.body)
        if result == Error.ERR_TIMEOUT:  # blocking mode: the request could not be written
            raise timed_out(self.request.timeout)
        if result != Error.OK:
            raise FetchError(
                Exit.CONNECTION_FAILED, f"the request could not be sent ({result.name})"
            )
        self._poll_while(Status.STATUS_REQUESTING)
        if not self.http.has_response():
            raise FetchError(Exit.CONNECTION_FAILED, "no response: the connection failed")

    def chunks(self) -> Iterator[bytes]:
        """The body, piece by piece; raises ``FetchError`` if it ends early or times out.

        In blocking mode the client's own wait (the blocking timeout, set to the same limit)
        ends a silent read with STATUS_CONNECTION_ERROR; HTTPClient does not say why, so a read
        that ended so and lasted the whole limit is reported as the timeout it was.
        """
        http = self.http
        idle_since = time.monotonic()
        read_started = idle_since
        while http.get_status() == Status.STATUS_BODY:
            http.poll()
            read_started = time.monotonic()
            chunk = http.read_response_body_chunk()
            if chunk:
                idle_since = time.monotonic()
                yield chunk
            elif http.get_status() != Status.STATUS_BODY:
                break
            elif self._limit_passed_since(idle_since):
                raise timed_out(self.request.timeout)
            else:
                self._wait()
        status = http.get_status()
        if status in (Status.STATUS_CONNECTED, Status.STATUS_DISCONNECTED):
            return
        if self.request.blocking and self._limit_passed_since(read_started, slack=0.05):
            raise timed_out(self.request.timeout)
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


@contextlib.contextmanager
def _writing(what: str) -> Iterator[None]:
    """An OSError of the output becomes the one-line CANT_WRITE failure (a closed pipe is left
    to the command line, which stops quietly)."""
    try:
        yield
    except BrokenPipeError:
        raise
    except OSError as exc:
        raise FetchError(Exit.CANT_WRITE, f"cannot write {what}: {exc.strerror or exc}") from None


def response_head(http: HTTPClient) -> bytes:
    """The status line and header lines of the response, as ``-i`` and ``-X HEAD`` print them.

    HTTPClient gives the code and the header lines but not the version or reason phrase the
    server sent, so the status line is rebuilt as HTTP/1.1 with the standard phrase.
    """
    code = http.get_response_code()
    try:
        reason = HTTPStatus(code).phrase
    except ValueError:
        reason = ""
    lines = [f"HTTP/1.1 {code} {reason}".rstrip(), *http.get_response_headers(), "", ""]
    return "\r\n".join(lines).encode("utf-8", "replace")


def download(
    request: Request, sink: Sink, console: Console | None = None, label: str = "fetch"
) -> Response:
    """Fetch ``request`` into ``sink``; a progress bar goes to ``console`` when given.

    The idle limit (``request.timeout``) is also the client's blocking timeout while this runs.
    """
    transfer = Transfer(request)
    blocking_timeout = settings.get_int(settings.BLOCKING_TIMEOUT)
    settings.set_setting(settings.BLOCKING_TIMEOUT, request.timeout)
    try:
        transfer.check()
        transfer.connect()
        transfer.send()
        http = transfer.http
        code = http.get_response_code()
        if request.fail and code >= 400:
            raise FetchError(Exit.HTTP_ERROR, f"the server answered {code}: nothing written")
        if request.include or transfer.method() == HTTPClient.Method.METHOD_HEAD:
            with _writing("the output"):
                sink.write(response_head(http))
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
                with _writing("the output"):
                    sink.write(chunk)
                received += len(chunk)
                advance(len(chunk))
        seconds = time.perf_counter() - start
        return Response(code, http.get_response_headers_as_dictionary(), received, seconds)
    finally:
        transfer.http.close()
        settings.set_setting(settings.BLOCKING_TIMEOUT, blocking_timeout)


@contextlib.contextmanager
def atomic_output(path: str) -> Iterator[Sink]:
    """A temporary file beside ``path``, renamed onto it only when the block succeeds.

    A new file gets the permissions the umask gives; a replaced file keeps its mode. Through a
    symbolic link the file it names is replaced. Something that is not a regular file (a FIFO,
    ``/dev/null``) is written straight into, as there is nothing to rename onto; a directory
    is refused.
    """
    target = os.path.realpath(path)
    try:
        existing: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        existing = None
    except OSError as exc:
        raise FetchError(Exit.CANT_WRITE, f"cannot write {path}: {exc.strerror}") from None
    if existing is not None and stat.S_ISDIR(existing.st_mode):
        raise FetchError(Exit.CANT_WRITE, f"cannot write {path}: it is a directory")
    if existing is not None and not stat.S_ISREG(existing.st_mode):
        with _writing(path):
            stream = open(target, "wb")  # noqa: SIM115  (closed below, its errors reported)
        with _writing(path), stream:
            yield stream
        return
    output = AtomicFile(target, None if existing is None else stat.S_IMODE(existing.st_mode))
    with _writing(path):
        output.open()
    try:
        with _writing(path):
            yield output
            output.commit()
    except BaseException:
        output.discard()
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


@contextlib.contextmanager
def _stop_signals_raise() -> Iterator[None]:
    """While fetching, SIGINT, SIGTERM and SIGHUP raise ``Stopped``, so the temporary file is
    removed on the way out. A signal the process was told to ignore (``nohup``) stays ignored;
    outside the main thread nothing changes (only it may set handlers)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def stop(signum: int, _frame: FrameType | None) -> None:
        raise Stopped(signum)

    previous = {}
    for number in STOP_SIGNALS:
        handler = signal.getsignal(number)
        if handler is not signal.SIG_IGN:
            signal.signal(number, stop)
            previous[number] = handler if handler is not None else signal.SIG_DFL
    try:
        yield
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)


#: Failures whose one line ends with the library's own reason (the network ones).
_WITH_LIBRARY_REASON = {
    Exit.BAD_INPUT, Exit.CANT_RESOLVE, Exit.CANT_CONNECT, Exit.TLS_FAILED, Exit.CONNECTION_FAILED,
}  # fmt: skip


def run(request: Request, output: str | None) -> int:
    """The command: fetch, write, report; returns the exit code."""
    with _library_lines() as library, _stop_signals_raise():
        try:
            return _run(request, output, library)
        except Stopped as stopped:
            print(f"engine-net fetch: interrupted ({stopped})", file=sys.stderr)
            return 128 + stopped.signum


def _run(request: Request, output: str | None, library: _LastLines) -> int:
    err = Console(stderr=True)
    body_to_terminal = output is None and sys.stdout.isatty()
    show_progress = err.is_terminal and not body_to_terminal
    try:
        split_url(request.url)
        if output is None:
            download(request, sys.stdout.buffer, err if show_progress else None)
            with _writing("the output"):
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
        if output is None and failure.code == Exit.CANT_WRITE:
            # What stdout still holds would fail again at exit: let it go nowhere instead.
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        reason = library.lines[-1] if library.lines else ""
        detail = f": {reason}" if reason and failure.code in _WITH_LIBRARY_REASON else ""
        print(f"engine-net fetch: {failure}{detail}", file=sys.stderr)
        return int(failure.code)
    except KeyboardInterrupt:
        print("engine-net fetch: interrupted (SIGINT)", file=sys.stderr)
        return 130
    return 0
