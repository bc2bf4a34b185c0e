"""One HTTPRequest request as a state machine over its HTTPClient: connect, send, read the head,
follow redirects, stream and decode the body, end with one outcome.

The node drives a ``Job`` from its internal process (the client non-blocking) or from a
worker thread (the client blocking): both call the same ``step``, so one set of tests covers
both. The redirect rules are ``net.http_redirects``, the decoding and its limits
``net.http_decoding``, the download file ``net.atomic_file``. Imports those, ``HTTPClient``
and ``engine.object_model``; never sockets (the node interrupts a worker through its client).
"""

from __future__ import annotations

import enum
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Final, NamedTuple

from engine.object_model import Error
from net.atomic_file import AtomicFile
from net.http_client import HTTPClient
from net.http_decoding import BodyDecoder, BodyTooLarge, DecodeFailed, codings_to_decode
from net.http_redirects import Hop, Result, header_name, next_hop

logger: Final = logging.getLogger("net.http_request")

Status = HTTPClient.Status

#: A redirect's own body is read and dropped up to this many bytes (then the connection goes).
DRAIN_LIMIT: Final = 1 << 20
#: The Accept-Encoding sent when the caller did not choose one.
ACCEPT_ENCODING: Final = "Accept-Encoding: gzip, deflate"

_CONNECT_FAILURES: Final[dict[int, Result]] = {
    Status.STATUS_CANT_RESOLVE: Result.RESULT_CANT_RESOLVE,
    Status.STATUS_CANT_CONNECT: Result.RESULT_CANT_CONNECT,
    Status.STATUS_SSL_HANDSHAKE_ERROR: Result.RESULT_SSL_HANDSHAKE_ERROR,
}
_CONNECTING: Final = (Status.STATUS_RESOLVING, Status.STATUS_CONNECTING)
_BODY_ENDED: Final = (Status.STATUS_CONNECTED, Status.STATUS_DISCONNECTED)


class Outcome(NamedTuple):
    """What ``request_completed`` carries."""

    result: int
    code: int
    headers: list[str]
    body: bytes


@dataclass(frozen=True, slots=True)
class Options:
    """The node's settings, taken when the request starts (setters refuse changes meanwhile)."""

    chunk_size: int
    body_limit: int
    max_redirects: int
    decode: bool  # Accept-Encoding was ours: decode gzip and deflate
    verify_host: bool


class Phase(enum.Enum):
    CONNECT = "connect"
    SEND = "send"
    HEAD = "head"
    BODY = "body"
    DRAIN = "drain"  # a redirect's body, read and dropped


#: What ``step`` answers while the request goes on: True when something moved, False when it
#: waits for the network.
Progress = bool


class Job:
    """The state of one accepted request. ``step`` does one unit of work."""

    def __init__(
        self,
        client: HTTPClient,
        hop: Hop,
        options: Options,
        sink: AtomicFile | None,
        reused: bool,
    ) -> None:
        self.client = client
        self.hop = hop
        self.options = options
        self.sink = sink
        self.phase = Phase.SEND if reused else Phase.CONNECT
        self._may_retry = reused  # a kept connection found closed: one fresh try
        self._next: Hop | None = None
        self._drained = 0
        self._decoder: BodyDecoder | None = None
        self._body: list[bytes] = []
        self.code = 0
        self.headers: list[str] = []
        self.downloaded = 0  # body bytes off the wire, before decoding
        self.body_size = -1
        self.reads = 0  # body reads so far (the frame loop bounds them per frame)
        self.cancelled = False
        self.outcome: Outcome | None = None  # set once, by finish
        self.lock = threading.Lock()

    # --- the step function ---

    def step(self) -> Outcome | Progress:
        """One unit of work: an Outcome when the request is over (already finished)."""
        try:
            answer = _STEPS[self.phase](self)
        except Exception:  # a bug must still end the request with one signal
            logger.exception("HTTPRequest: unexpected failure")
            answer = self._fail(Result.RESULT_REQUEST_FAILED)
        if isinstance(answer, Outcome):
            return self.finish(answer)
        return answer

    def _connect(self) -> Outcome | Progress:
        client = self.client
        before = client.get_status()
        if before in _CONNECTING:
            client.poll()
        status = client.get_status()
        if status in _CONNECTING:
            return status != before
        if status == Status.STATUS_CONNECTED:
            self.phase = Phase.SEND
            return True
        return self._fail(_CONNECT_FAILURES.get(status, Result.RESULT_CONNECTION_ERROR))

    def _send(self) -> Outcome | Progress:
        hop = self.hop
        error = self.client.request_raw(
            hop.method, hop.url.target, outgoing_headers(hop, self.options.decode), hop.body
        )
        if error == Error.OK:
            self.phase = Phase.HEAD
            return True
        if error == Error.ERR_INVALID_PARAMETER:
            return self._fail(Result.RESULT_REQUEST_FAILED)
        return self._retry() or self._fail(Result.RESULT_CONNECTION_ERROR)

    def _head(self) -> Outcome | Progress:
        client = self.client
        if client.get_status() == Status.STATUS_REQUESTING:
            client.poll()
            if client.get_status() == Status.STATUS_REQUESTING:
                return False
        if not client.has_response():
            return self._retry() or self._fail(Result.RESULT_NO_RESPONSE)
        self._may_retry = False
        code, headers = client.get_response_code(), client.get_response_headers()
        decision = next_hop(self.hop, code, headers, self.options.max_redirects)
        if isinstance(decision, Hop):
            self._next, self._drained, self.phase = decision, 0, Phase.DRAIN
            return True
        self.code, self.headers = code, headers
        if decision is not None:
            return self._fail(decision)
        self.body_size = client.get_response_body_length()
        limit = self.options.body_limit
        if 0 <= limit < self.body_size:
            return self._fail(Result.RESULT_BODY_SIZE_LIMIT_EXCEEDED)
        codings: list[str] | None = []
        if self.options.decode:
            values = [_value(h) for h in headers if header_name(h) == "content-encoding"]
            try:
                codings = codings_to_decode(values)
            except DecodeFailed as failure:
                logger.debug("HTTPRequest: %s", failure)
                return self._fail(Result.RESULT_BODY_DECOMPRESS_FAILED)
        self._decoder = BodyDecoder(codings or [], self.options.chunk_size, limit)
        self.phase = Phase.BODY
        return True

    def _body_step(self) -> Outcome | Progress:
        client = self.client
        decoder = self._decoder
        assert decoder is not None
        moved = False
        try:
            if client.get_status() == Status.STATUS_BODY:
                wire = client.read_response_body_chunk()
                self.reads += 1
                if wire:
                    self.downloaded += len(wire)
                    self._deliver(decoder.feed(wire))
                    moved = True
                if client.get_status() == Status.STATUS_BODY:
                    return moved
            if client.get_status() not in _BODY_ENDED:
                chunked = client.is_response_chunked()
                return self._fail(
                    Result.RESULT_CHUNKED_BODY_SIZE_MISMATCH
                    if chunked
                    else Result.RESULT_CONNECTION_ERROR
                )
            self._deliver(decoder.finish())
        except DecodeFailed as failure:
            logger.debug("HTTPRequest: %s", failure)
            return self._fail(Result.RESULT_BODY_DECOMPRESS_FAILED)
        except BodyTooLarge:
            return self._fail(Result.RESULT_BODY_SIZE_LIMIT_EXCEEDED)
        except OSError as failure:
            logger.debug("HTTPRequest: writing %s: %s", self.sink and self.sink.path, failure)
            return self._fail(Result.RESULT_DOWNLOAD_FILE_WRITE_ERROR)
        return Outcome(Result.RESULT_SUCCESS, self.code, self.headers, b"".join(self._body))

    def _deliver(self, pieces: Iterable[bytes]) -> None:
        sink = self.sink
        for piece in pieces:
            if sink is not None:
                sink.write(piece)
            else:
                self._body.append(piece)

    def _drain(self) -> Outcome | Progress:
        client = self.client
        bound = DRAIN_LIMIT
        if self.options.body_limit >= 0:
            bound = min(bound, self.options.body_limit)
        if client.get_status() == Status.STATUS_BODY:
            if client.get_response_body_length() > bound or self._drained > bound:
                client.close()
            else:
                wire = client.read_response_body_chunk()
                self.reads += 1
                self._drained += len(wire)
                if client.get_status() == Status.STATUS_BODY:
                    return bool(wire)
        hop, self._next = self._next, None
        assert hop is not None
        same_origin = hop.url.origin == self.hop.url.origin
        self.hop = hop
        if same_origin and client.get_status() == Status.STATUS_CONNECTED:
            self.phase = Phase.SEND
            return True
        return self._reconnect()

    # --- helpers ---

    def _reconnect(self) -> Outcome | Progress:
        url = self.hop.url
        self.client.close()
        error = self.client.connect_to_host(url.host, url.port, url.tls, self.options.verify_host)
        if error != Error.OK:
            return self._fail(Result.RESULT_CANT_CONNECT)
        self.phase = Phase.CONNECT
        return True

    def _retry(self) -> bool:
        """A reused connection that turned out closed gets one fresh connection."""
        if not self._may_retry:
            return False
        self._may_retry = False
        logger.debug("HTTPRequest: the kept connection was closed; connecting again")
        return self._reconnect() is True

    def _fail(self, result: int) -> Outcome:
        self.client.close()
        return Outcome(result, self.code, self.headers, b"")

    def finish(self, outcome: Outcome) -> Outcome:
        """Settle the download file and record the outcome, unless the job was cancelled."""
        with self.lock:
            if self.cancelled:
                if self.sink is not None:
                    self.sink.discard()
                return outcome
            if self.sink is not None:
                if outcome.result == Result.RESULT_SUCCESS:
                    try:
                        self.sink.commit()
                    except OSError as failure:
                        logger.debug("HTTPRequest: renaming the download: %s", failure)
                        outcome = self._fail(Result.RESULT_DOWNLOAD_FILE_WRITE_ERROR)
                else:
                    self.sink.discard()
            self.outcome = outcome
            return outcome

    def cancel(self, from_other_thread: bool) -> None:
        """Stop for good: no outcome will be recorded, the temporary file goes now."""
        with self.lock:
            self.cancelled = True
        if self.sink is not None:
            self.sink.discard(close=not from_other_thread)


def outgoing_headers(hop: Hop, decode: bool) -> list[str]:
    """The headers that go out with ``hop``: the caller's, the URL's credentials as Basic
    authorization unless the caller sent its own, and our Accept-Encoding when decoding."""
    headers = list(hop.headers)
    authorization = hop.url.authorization()
    if authorization is not None and all(header_name(h) != "authorization" for h in headers):
        headers.append(authorization)
    if decode:
        headers.append(ACCEPT_ENCODING)
    return headers


def _value(line: str) -> str:
    return line.partition(":")[2].strip()


_STEPS: Final[dict[Phase, Callable[[Job], Outcome | Progress]]] = {
    Phase.CONNECT: Job._connect,
    Phase.SEND: Job._send,
    Phase.HEAD: Job._head,
    Phase.BODY: Job._body_step,
    Phase.DRAIN: Job._drain,
}
