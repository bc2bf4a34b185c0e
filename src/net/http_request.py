"""``HTTPRequest``: the engine's high-level HTTP node, one request at a time over an HTTPClient.

This module is the bound class: settings, ``request``/``cancel_request`` with their guards, the
driving (the internal process each frame, or a worker thread) and the ClassDB registration.
The request itself is a ``net.http_request_job.Job``; URLs and redirects are
``net.http_redirects``. Imports those, ``HTTPClient``, ``engine.scene`` and
``engine.object_model``.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import math
import selectors
import socket
import threading
import time
import weakref
from typing import Annotated, Any, ClassVar, Final, TypeAlias

from engine.object_model import (
    ArgumentInfo,
    ClassDB,
    Error,
    MethodInfo,
    PropertyHint,
    PropertyInfo,
    VariantType,
)
from engine.object_model.binding import wrong_type_hint
from engine.object_model.errors import err_print, fail_cond, quote
from engine.object_model.object import NOTIFICATION_PREDELETE
from engine.scene import Node
from engine.scene.node import NOTIFICATION_EXIT_TREE, NOTIFICATION_INTERNAL_PROCESS
from net import http
from net.atomic_file import AtomicFile
from net.http_client import HTTPClient
from net.http_constants import Method, Status
from net.http_exchange import log_refused, prepare
from net.http_redirects import Hop, Result, parse_url
from net.http_request_job import Job, Options, Outcome, outgoing_headers
from net.tcp import StreamPeerTCP
from net.tls import StreamPeerSSL

logger: Final = logging.getLogger("net.http_request")

#: Body reads per frame without threads, in download chunks (the engine reads one).
READS_PER_FRAME: Final = 16
#: Steps per frame at most, whatever they do (a bound on one frame's work).
STEPS_PER_FRAME: Final = 64
#: How long a worker waits for its socket between steps that found nothing to do.
WORKER_WAIT: Final = 0.005

_Method: TypeAlias = Method
_ClientStatus: TypeAlias = Status
_BUSY: Final = "get_http_client_status() != HTTPClient::STATUS_DISCONNECTED"

RESULT_DOCS: Final = {
    "RESULT_SUCCESS": "The request succeeded.",
    "RESULT_CHUNKED_BODY_SIZE_MISMATCH": "A chunked body ended before its last chunk.",
    "RESULT_CANT_CONNECT": "The connection could not be made.",
    "RESULT_CANT_RESOLVE": "The host name could not be resolved.",
    "RESULT_CONNECTION_ERROR": "The connection broke (a body shorter than its Content-Length).",
    "RESULT_SSL_HANDSHAKE_ERROR": "The TLS handshake failed.",
    "RESULT_NO_RESPONSE": "No response head arrived.",
    "RESULT_BODY_SIZE_LIMIT_EXCEEDED": "The body is larger than [member body_size_limit].",
    "RESULT_REQUEST_FAILED": "The request failed (a redirect to an unusable location, say).",
    "RESULT_DOWNLOAD_FILE_CANT_OPEN": "The [member download_file] cannot be written.",
    "RESULT_DOWNLOAD_FILE_WRITE_ERROR": "Writing the [member download_file] failed.",
    "RESULT_REDIRECT_LIMIT_REACHED": "More redirects than [member max_redirects].",
    "RESULT_TIMEOUT": "The request took longer than [member timeout].",
    "RESULT_BODY_DECOMPRESS_FAILED": "The compressed body could not be decoded.",
}


class _QuietWhenAbandoned(logging.Filter):
    """Drops the lines a cancelled request's worker thread would still log: its stream was shut
    down on purpose, so the client's "connection closed" is no news to anyone."""

    def filter(self, record: logging.LogRecord) -> bool:
        return threading.current_thread() not in _ABANDONED


#: Worker threads whose request was cancelled or timed out, until they end.
_ABANDONED: weakref.WeakSet[threading.Thread] = weakref.WeakSet()
for _name in ("net.http_client", "net.tcp", "net.tls", "net.stream_peer"):
    logging.getLogger(_name).addFilter(_QuietWhenAbandoned())


class HTTPRequest(Node):
    """A node that sends one HTTP request at a time and reports with
    [signal request_completed]: the high-level way to fetch a URL, with redirects followed and
    compressed bodies decoded.

    Add it to a tree, connect the signal, call [method request]. The node drives its own
    [HTTPClient] once per frame from its internal processing (or from a thread, with
    [member use_threads]), so the tree must be running. Every failure after [method request]
    returned [constant OK] arrives as a [enum Result] in the signal, exactly once.

    [codeblock]
    req = HTTPRequest()
    add_child(req)
    req.connect("request_completed", self, "_on_done")
    req.request("https://example.org/data.json")
    [/codeblock]

    The connection is kept between requests to the same scheme, host and port. With
    [member download_file] the body goes to a temporary file beside it, renamed over it only
    when the request succeeds. [member timeout] bounds the whole request in seconds.
    """

    Result = Result
    _constant_docs: ClassVar[dict[str, str]] = RESULT_DOCS

    download_file: str
    download_chunk_size: int
    use_threads: bool
    accept_gzip: bool
    body_size_limit: int
    max_redirects: int
    timeout: float

    def __init__(self) -> None:
        super().__init__()
        self._proxies: dict[str, tuple[str, int]] = {}  # the client's setter -> (host, port)
        self._client = self._new_client()
        self._kept: tuple[bool, str, int, bool] | None = None  # origin + verify of the client
        self._job: Job | None = None
        self._worker: threading.Thread | None = None
        self._deadline = 0.0
        self._download_file = ""
        self._chunk_size = 65536
        self._use_threads = False
        self._accept_gzip = True
        self._body_limit = -1
        self._max_redirects = 8
        self._timeout = 0.0
        self._downloaded = 0
        self._body_size = -1

    def _notification(self, what: int) -> None:
        if what == NOTIFICATION_INTERNAL_PROCESS:
            self._update()
        elif what in (NOTIFICATION_EXIT_TREE, NOTIFICATION_PREDELETE):
            self.cancel_request()

    # --- requests ---

    @wrong_type_hint(4, "PoolByteArray", "Use request_raw() to send bytes.")
    def request(
        self,
        url: str,
        custom_headers: list[str] | None = None,
        ssl_validate_domain: bool = True,
        method: Annotated[int, _Method] = 0,
        request_data: str = "",
    ) -> Error:
        """Start a request for [code]url[/code] ([code]http://[/code] or [code]https://[/code],
        with an optional [code]user:password@[/code] that becomes Basic authorization) with the
        text body [code]request_data[/code] sent as UTF-8. Returns [constant OK]
        when the request was accepted; its result comes with [signal request_completed].

        [code]custom_headers[/code] are [code]Name: value[/code] lines. Unless one of them is an
        [code]Accept-Encoding[/code], [member accept_gzip] asks for gzip or deflate and decodes
        the answer. [code]ssl_validate_domain[/code] [code]false[/code] accepts any certificate.

        Returns [constant ERR_UNCONFIGURED] outside a tree,
        [constant ERR_BUSY] while a request is in progress,
        [constant ERR_INVALID_PARAMETER] for a malformed URL, header or method and
        [constant ERR_CANT_CONNECT] when connecting cannot even start; nothing is
        sent and no signal comes.
        """
        try:
            data = request_data.encode()
        except UnicodeEncodeError:
            err_print(
                "request",
                "request_data holds a lone surrogate. Returned: ERR_INVALID_PARAMETER",
                logger,
            )
            return Error.ERR_INVALID_PARAMETER
        return self._start("request", url, custom_headers or [], ssl_validate_domain, method, data)

    def request_raw(
        self,
        url: str,
        custom_headers: list[str] | None = None,
        ssl_validate_domain: bool = True,
        method: Annotated[int, _Method] = 0,
        request_data_raw: bytes = b"",
    ) -> Error:
        """Like [method request] with the body [code]request_data_raw[/code] sent byte for byte."""
        return self._start(
            "request_raw", url, custom_headers or [], ssl_validate_domain, method, request_data_raw
        )

    def _start(
        self, function: str, url: str, headers: list[str], verify: bool, method: int, body: bytes
    ) -> Error:
        if not self.is_inside_tree():
            fail_cond(function, "!is_inside_tree()", Error.ERR_UNCONFIGURED, log=logger)
            return Error.ERR_UNCONFIGURED
        if self._job is not None:
            err_print(
                function,
                "HTTPRequest is processing a request. Wait for completion or cancel it before "
                "attempting a new one.",
                logger,
            )
            return Error.ERR_BUSY
        parsed = parse_url(url)
        if parsed is None:
            err_print(
                function, f"Malformed URL: {quote(url)}. Returned: ERR_INVALID_PARAMETER", logger
            )
            return Error.ERR_INVALID_PARAMETER
        decode = self._accept_gzip and not any(
            h.partition(":")[0].strip().lower() == "accept-encoding" for h in headers
        )
        options = Options(self._chunk_size, self._body_limit, self._max_redirects, decode, verify)
        hop = Hop(parsed, int(method), tuple(headers), bytes(body))
        try:
            prepare(method, parsed.target, outgoing_headers(hop, decode), hop.body, None)
        except http.LocalProtocolError as refused:
            log_refused(function, method, refused)
            return Error.ERR_INVALID_PARAMETER
        sink = None
        if self._download_file:
            try:
                sink = AtomicFile(self._download_file).open()
            except OSError as failure:
                logger.debug("HTTPRequest: cannot open %s: %s", self._download_file, failure)
        self._downloaded, self._body_size = 0, -1
        if self._download_file and sink is None:
            job = Job(self._client, hop, options, None, reused=False)
            job.outcome = Outcome(Result.RESULT_DOWNLOAD_FILE_CANT_OPEN, 0, [], b"")
        else:
            reused = self._reusable(hop, verify)
            if not reused:
                error = self._connect(hop, verify)
                if error != Error.OK:
                    if sink is not None:
                        sink.discard()
                    return error
            job = Job(self._client, hop, options, sink, reused)
        self._job = job
        self._deadline = time.monotonic() + self._timeout if self._timeout > 0 else 0.0
        self.set_process_internal(True)
        if self._use_threads and job.outcome is None:
            self._worker = threading.Thread(
                target=_work, args=(job,), name="HTTPRequest", daemon=True
            )
            self._worker.start()
        return Error.OK

    def _reusable(self, hop: Hop, verify: bool) -> bool:
        """Whether the kept connection leads where ``hop`` goes and is still open."""
        client = self._client
        client.set_read_chunk_size(self._chunk_size)
        client.set_blocking_mode(False)
        if self._kept != (*hop.url.origin, verify):
            return False
        if client.get_status() == HTTPClient.STATUS_CONNECTED:
            client.poll()  # finds a connection the server closed meanwhile
        return client.get_status() == HTTPClient.STATUS_CONNECTED

    def _connect(self, hop: Hop, verify: bool) -> Error:
        url = hop.url
        self._kept = None
        if self._client.connect_to_host(url.host, url.port, url.tls, verify) != Error.OK:
            err_print(
                "request",
                f"Cannot connect to {quote(url.host)}. Returned: ERR_CANT_CONNECT",
                logger,
            )
            return Error.ERR_CANT_CONNECT
        self._kept = (*url.origin, verify)
        return Error.OK

    def cancel_request(self) -> None:
        """Stop the request in progress, if any: the connection is closed, a temporary download
        file removed, and no signal comes. It returns at once, even while a worker thread waits
        on a silent server; the node is then ready for a new [method request].
        """
        job, self._job = self._job, None
        self.set_process_internal(False)
        self._kept = None
        if job is None:
            self._client.close()
            return
        worker, self._worker = self._worker, None
        if worker is not None and worker.is_alive():
            _ABANDONED.add(worker)
            job.cancel(from_other_thread=True)
            _interrupt(job.client)
            self._client = self._new_client()  # the worker keeps the old one for good
        else:
            job.cancel(from_other_thread=False)
            job.client.close()
        self._downloaded = job.downloaded

    # --- driving ---

    def _update(self) -> None:
        """One frame: check the deadline, then step the request (or look for the worker's
        outcome) and report it once it is there."""
        job = self._job
        if job is None:
            self.set_process_internal(False)
            return
        if self._deadline and time.monotonic() >= self._deadline:
            self.cancel_request()
            self._emit(Outcome(Result.RESULT_TIMEOUT, 0, [], b""))
            return
        if job.outcome is None and self._worker is None:
            reads_before = job.reads
            for _ in range(STEPS_PER_FRAME):
                answer = job.step()
                if answer is False or job.reads - reads_before >= READS_PER_FRAME:
                    break
                if isinstance(answer, Outcome):
                    break
        self._downloaded, self._body_size = job.downloaded, job.body_size
        outcome = job.outcome
        if outcome is None:
            return
        self._job, self._worker = None, None
        self.set_process_internal(False)
        if job.client is self._client and self._client.get_status() == HTTPClient.STATUS_CONNECTED:
            self._kept = (*job.hop.url.origin, job.options.verify_host)
            self._client.set_blocking_mode(False)
        else:
            self._kept = None
            self._client.close()
        self._emit(outcome)

    def _emit(self, outcome: Outcome) -> None:
        self.emit_signal(
            "request_completed", int(outcome.result), outcome.code, outcome.headers, outcome.body
        )

    # --- status ---

    def get_http_client_status(self) -> Annotated[int, _ClientStatus]:
        """Returns the status of the node's [HTTPClient]: [constant HTTPClient.STATUS_CONNECTED]
        between requests while a connection is kept, [constant HTTPClient.STATUS_DISCONNECTED]
        after [method cancel_request].
        """
        return self._client.get_status()

    def get_downloaded_bytes(self) -> int:
        """Returns the body bytes received so far for the current (or last) request, as sent
        (before decoding, without chunk framing); never more than [method get_body_size] when
        that is known.
        """
        job = self._job
        return job.downloaded if job is not None else self._downloaded

    def get_body_size(self) -> int:
        """Returns the response's Content-Length, or -1 when it is not known (yet)."""
        job = self._job
        return job.body_size if job is not None else self._body_size

    # --- settings ---

    def _refuse_while_busy(self, function: str) -> bool:
        if self._job is None:
            return False
        fail_cond(function, _BUSY, log=logger)
        return True

    def set_use_threads(self, enable: bool) -> None:
        """If [code]true[/code], a thread runs each request with a blocking client; the signal
        still comes on the thread that runs the tree's frames.
        """
        if not self._refuse_while_busy("set_use_threads"):
            self._use_threads = bool(enable)

    def is_using_threads(self) -> bool:
        """Returns [member use_threads]."""
        return self._use_threads

    def set_accept_gzip(self, enable: bool) -> None:
        """If [code]true[/code] (the default), requests ask for [code]gzip[/code] or
        [code]deflate[/code] unless they carry their own [code]Accept-Encoding[/code], and such
        bodies are decoded as they arrive (two stacked codings at most; a body that expands
        more than 1024 times plus 1 MiB fails with
        [constant RESULT_BODY_DECOMPRESS_FAILED]).
        """
        if not self._refuse_while_busy("set_accept_gzip"):
            self._accept_gzip = bool(enable)

    def is_accepting_gzip(self) -> bool:
        """Returns [member accept_gzip]."""
        return self._accept_gzip

    def set_body_size_limit(self, bytes: int) -> None:
        """The most body bytes accepted (after decoding), or -1 for no limit; a larger body
        fails with [constant RESULT_BODY_SIZE_LIMIT_EXCEEDED] as soon as that is known.
        """
        if not self._refuse_while_busy("set_body_size_limit"):
            self._body_limit = int(bytes)

    def get_body_size_limit(self) -> int:
        """Returns [member body_size_limit]."""
        return self._body_limit

    def set_max_redirects(self, amount: int) -> None:
        """How many redirects (301, 302, 303, 307, 308) are followed, -1 for any number; one
        more fails with [constant RESULT_REDIRECT_LIMIT_REACHED].
        """
        self._max_redirects = int(amount)

    def get_max_redirects(self) -> int:
        """Returns [member max_redirects]."""
        return self._max_redirects

    def set_download_file(self, path: str) -> None:
        """A file path to write the body to instead of passing it in the signal. The body goes
        to a temporary file in the same folder, renamed over [code]path[/code] only on success;
        an older file there is left as it was otherwise. Empty: keep the body in memory.
        """
        if not self._refuse_while_busy("set_download_file"):
            self._download_file = path

    def get_download_file(self) -> str:
        """Returns [member download_file]."""
        return self._download_file

    def set_timeout(self, timeout: float) -> None:
        """Seconds from [method request] to [signal request_completed] before the request
        fails with [constant RESULT_TIMEOUT]; 0 for none. It covers resolving, connecting,
        every redirect, the head and the body, and is checked each frame.
        """
        if timeout < 0:
            fail_cond("set_timeout", "p_timeout < 0", log=logger)
            return
        self._timeout = 0.0 if math.isclose(timeout, 0.0, abs_tol=1e-5) else float(timeout)

    def get_timeout(self) -> float:
        """Returns [member timeout]."""
        return self._timeout

    def set_download_chunk_size(self, chunk_size: int) -> None:
        """The size of each body read, from 256 to 16777216 bytes; a frame reads up to 16 of
        them. Memory used by a download to a file stays around this size.
        """
        if self._refuse_while_busy("set_download_chunk_size"):
            return
        if not 256 <= chunk_size <= 1 << 24:
            fail_cond("set_download_chunk_size", "p_size < 256 || p_size > (1 << 24)", log=logger)
            return
        self._chunk_size = int(chunk_size)

    def get_download_chunk_size(self) -> int:
        """Returns [member download_chunk_size]."""
        return self._chunk_size

    def set_http_proxy(self, host: str, port: int) -> None:
        """Send plain HTTP requests through the proxy at [code]host[/code] and [code]port[/code],
        as [method HTTPClient.set_http_proxy] does (credentials go before the name,
        [code]user:password@proxy.example.com[/code]). An empty [code]host[/code] or a port of -1
        removes it. It applies from the next connection: a kept connection is not reused.
        """
        self._set_proxy("set_http_proxy", host, port)

    def set_https_proxy(self, host: str, port: int) -> None:
        """The proxy for HTTPS requests, given as for [method set_http_proxy]: the client asks it
        for a tunnel with [code]CONNECT[/code] and checks the host's certificate through it, as
        [method HTTPClient.set_https_proxy] does.
        """
        self._set_proxy("set_https_proxy", host, port)

    def _set_proxy(self, setter: str, host: str, port: int) -> None:
        self._proxies[setter] = (host, port)
        getattr(self._client, setter)(host, port)
        self._kept = None

    def _new_client(self) -> HTTPClient:
        """A client with the node's proxies (a cancelled worker keeps the one it had)."""
        client = HTTPClient()
        for setter, (host, port) in self._proxies.items():
            getattr(client, setter)(host, port)
        return client

    @classmethod
    def _bind_methods(cls) -> None:
        bind = functools.partial(ClassDB.bind_method, cls)
        headers = ArgumentInfo(name="custom_headers", type=VariantType.POOL_STRING_ARRAY)
        common = ("url", headers, "ssl_validate_domain", "method")
        bind("request", args=(*common, "request_data"), defaults=([], True, 0, ""))
        bind("request_raw", args=(*common, "request_data_raw"), defaults=([], True, 0, b""))
        bind("cancel_request")
        bind("get_http_client_status", const=True)
        bind("set_use_threads", args=("enable",))
        bind("is_using_threads", const=True)
        bind("set_accept_gzip", args=("enable",))
        bind("is_accepting_gzip", const=True)
        bind("set_body_size_limit", args=("bytes",))
        bind("get_body_size_limit", const=True)
        bind("set_max_redirects", args=("amount",))
        bind("get_max_redirects", const=True)
        bind("set_download_file", args=("path",))
        bind("get_download_file", const=True)
        bind("get_downloaded_bytes", const=True)
        bind("get_body_size", const=True)
        bind("set_timeout", args=("timeout",))
        bind("get_timeout", const=True)
        bind("set_download_chunk_size", args=("chunk_size",))
        bind("get_download_chunk_size", const=True)
        bind("set_http_proxy", args=("host", "port"))
        bind("set_https_proxy", args=("host", "port"))

        def add(name: str, vtype: VariantType, accessors: str, hint_string: str = "") -> None:
            hint = PropertyHint.RANGE if hint_string else PropertyHint.NONE
            if name == "download_file":
                hint = PropertyHint.FILE
            info = PropertyInfo(name=name, type=vtype, hint=hint, hint_string=hint_string)
            setter, getter = accessors.split()
            ClassDB.add_property(cls, info, setter, getter)

        add("download_file", VariantType.STRING, "set_download_file get_download_file")
        add(
            "download_chunk_size",
            VariantType.INT,
            "set_download_chunk_size get_download_chunk_size",
            "256,16777216",
        )
        add("use_threads", VariantType.BOOL, "set_use_threads is_using_threads")
        add("accept_gzip", VariantType.BOOL, "set_accept_gzip is_accepting_gzip")
        add(
            "body_size_limit",
            VariantType.INT,
            "set_body_size_limit get_body_size_limit",
            "-1,2000000000",
        )
        add("max_redirects", VariantType.INT, "set_max_redirects get_max_redirects", "-1,64")
        add("timeout", VariantType.REAL, "set_timeout get_timeout", "0,3600,0.1,or_greater")
        ClassDB.add_signal(
            cls,
            MethodInfo(
                name="request_completed",
                args=(
                    ArgumentInfo(name="result", type=VariantType.INT),
                    ArgumentInfo(name="response_code", type=VariantType.INT),
                    ArgumentInfo(name="headers", type=VariantType.POOL_STRING_ARRAY),
                    ArgumentInfo(name="body", type=VariantType.POOL_BYTE_ARRAY),
                ),
            ),
        )
        ClassDB.bind_enum(cls, cls.Result)


ClassDB.register_class(HTTPRequest)


def _work(job: Job) -> None:
    """A worker thread's whole life: step the job with a blocking client until it ends or is
    cancelled. It touches only the job and the job's client."""
    client = job.client
    while not job.cancelled:
        connecting = client.get_status() in (
            HTTPClient.STATUS_RESOLVING,
            HTTPClient.STATUS_CONNECTING,
        )
        client.set_blocking_mode(not connecting)
        answer = job.step()
        if isinstance(answer, Outcome):
            break
        if answer is False:
            peer = client.get_connection()
            _wait_for(peer.fileno() if peer is not None else -1, WORKER_WAIT)
    if job.cancelled:
        job.client.close()
        if job.sink is not None:
            job.sink.discard()


def _wait_for(fd: int, seconds: float) -> None:
    """Sleep until ``fd`` has news or ``seconds`` pass (just sleep without a socket)."""
    if fd < 0:
        time.sleep(seconds)
        return
    with selectors.DefaultSelector() as selector:
        try:
            selector.register(fd, selectors.EVENT_READ | selectors.EVENT_WRITE)
        except (OSError, ValueError):
            time.sleep(seconds)
            return
        selector.select(seconds)


def _interrupt(client: HTTPClient) -> None:
    """Wake a worker blocked on ``client``'s socket: shut the socket down (the worker closes
    it). The client object itself is left to the worker."""
    peer: Any = client.get_connection()
    if isinstance(peer, StreamPeerSSL):
        peer = peer.get_stream()
    sock = peer._sock if isinstance(peer, StreamPeerTCP) else None
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)
