#!/usr/bin/env python3
"""Replay the adversarial corpus against HTTPClient and its Python peers; write docs/robustness.md.

Every case of tests/net/robustness/corpus.py (raw reply bytes, what the server does afterwards,
and the outcome HTTPClient must reach) is served by a one-connection raw-socket server on
127.0.0.1 to each client in turn: HTTPClient (polling mode, the tutorial loop), http.client,
urllib3, h11 (driven by hand over a socket, as httpx drives it) and aiohttp. The server reads one
request head, writes the reply whole, then keeps the connection open, closes it (FIN), resets it
(RST), or, for the "ragged" cases, closes a TLS connection without close_notify (those cases run
over TLS with a throwaway trustme CA). Every wait is bounded by --timeout.

Each client's outcome is classified (the rules are repeated at the top of the generated doc):
accepts, accepts (lenient), misreads, rejects or hangs. HTTPClient's own outcome is also checked
against the corpus expectation with the corpus runner's `check`; a difference is a client bug.
Explanations for the cases where a peer is stricter than HTTPClient live in `PEER_STRICTER_WHY`
below, next to the code that prints them, so the generated doc stays reproducible.

    .venv/bin/python scripts/compare_peers.py                 # all cases -> docs/robustness.md
    .venv/bin/python scripts/compare_peers.py --cases fold-joined cl-plus --out /tmp/r.md
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import http.client
import logging
import re
import select
import socket
import ssl
import struct
import sys
import tempfile
import threading
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from importlib.metadata import version
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests" / "net" / "robustness")]

try:
    import aiohttp
    import h11
    import trustme
    import urllib3
except ImportError as missing:  # the peers are not in the project's dev extra
    sys.exit(
        f"compare_peers.py needs the peers in .venv: {missing} (urllib3, h11, aiohttp, trustme)"
    )
from corpus import CASES, LOST, Case  # noqa: E402
from corpus_runner import LogTap, Outcome, check  # noqa: E402

from engine.object_model import Error  # noqa: E402
from net import HTTPClient, settings  # noqa: E402

S = HTTPClient.Status
PEERS = ("http.client", "urllib3", "h11", "aiohttp")
CLIENTS = ("HTTPClient", *PEERS)
COMMAND = ".venv/bin/python scripts/compare_peers.py"

# -- verdicts ----------------------------------------------------------------------------------

ACCEPTS = "accepts"
LENIENT = "accepts (lenient)"
MISREADS = "misreads"
REJECTS = "rejects"
HANGS = "hangs"

RULES = """\
Each case is one raw reply, served whole by a raw-socket server on 127.0.0.1 (one connection per
case and client; after the reply the server keeps the connection open, closes it with a FIN, resets
it, or, for the `ragged` cases, ends a TLS connection without close_notify). Every client makes a
fresh request and reads the whole response the ordinary way (HTTPClient: the polling tutorial
loop; http.client: `getresponse().read()`; urllib3: `urlopen(..., preload_content=True,
retries=False, redirect=False)`; h11: `next_event()` until `EndOfMessage` or `PAUSED`; aiohttp:
`session.request(...)` then `read()`). Every wait is bounded by a {timeout:g} s timeout.

- **rejects**: the client raised (or, for HTTPClient, returned an `Error` and ended in
  `STATUS_CONNECTION_ERROR`) before delivering a complete response. The exception class is shown.
- **hangs**: it was still waiting when the timeout expired.
- **accepts**: it delivered a response, and for a case HTTPClient accepts, the status code, the
  body and the fields match the corpus. Fields are compared in a normal form: names
  case-insensitively, an obs-fold or a run of SP/HTAB as one SP, outer whitespace trimmed, bytes
  decoded as UTF-8 else ISO-8859-1, order compared per name (only the order of same-named fields
  carries meaning); Content-Length and Transfer-Encoding as the set of their lower-cased list
  elements (h11 merges identical Content-Length values and lower-cases codings by design; the
  body shows whether the framing was read right).
- **misreads**, for a case HTTPClient accepts: it delivered a response whose code, body or fields
  differ from the correct one (what differs is shown).
- For a case HTTPClient **refuses**, a delivered response is
  - **misreads** when the refusal is about where the message ends, so there is no single correct
    reading (robustness.md §1.1): a premature end taken as a complete message (the case expects
    `ERR_CONNECTION_ERROR`), or a fault in the framing itself (Content-Length,
    Transfer-Encoding, also spelled with whitespace before the colon, chunk-size lines, chunk
    data terminators);
  - **accepts (lenient)** otherwise (status-line and field grammar, trailer grammar, interim
    responses, an unsolicited 101, limits): the peer's reading is the evident one, only more
    permissive than robustness.md. Limits include `cl-20-digits` and `chunked-size-17-digits`:
    their leading zeros are valid grammar and peers read the right value, but HTTPClient bounds
    the digit count before any conversion (robustness.md §3.5 rule 5, §3.6), so they are
    refusals by design of bytes the RFC grammar allows, like every `-over-limit` case.

*HTTPClient stricter* marks a refused case that a peer accepts or misreads; *peer stricter* marks
a case HTTPClient accepts that a peer rejects (each is explained below the tables). A peer that
hangs or misreads an accepted case is neither: it is a failure of that peer.
"""


@dataclass
class Reply:
    """A response a client delivered: code, raw fields, body."""

    code: int
    fields: list[tuple[bytes, bytes]]
    body: bytes


@dataclass
class Verdict:
    """One client's outcome for one case."""

    label: str
    detail: str = ""
    #: HTTPClient only: how its outcome differs from the corpus expectation ("" when it matches).
    mismatch: str = ""
    #: The peer's error message (its root cause), for the explanations.
    message: str = ""
    connections: int = 1

    def cell(self) -> str:
        detail = self.detail
        if self.connections > 1:  # the client retried on a new connection and failed again
            detail = f"{detail}, after {self.connections} connections".lstrip(", ")
        text = f"{self.label} ({detail})" if detail else self.label
        return text.replace("|", "\\|")


class Hang(Exception):
    """The client was still waiting when the timeout expired."""


def _text(raw: bytes) -> str:
    """Field bytes as HTTPClient decodes them: UTF-8, else ISO-8859-1."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw.decode("latin-1")


_WHITESPACE = re.compile(r"[ \t]*(?:\r?\n)?[ \t]+")


_FRAMING_FIELDS = ("content-length", "transfer-encoding")


def _normal(fields: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Fields in comparable form (see RULES): names lower-cased, whitespace runs as one SP,
    order kept per name; framing fields as the set of their lower-cased list elements."""
    out: list[tuple[str, str]] = []
    framing: dict[str, set[str]] = {}
    for name, value in fields:
        key, text = name.lower(), _WHITESPACE.sub(" ", value).strip(" ")
        if key in _FRAMING_FIELDS:
            elements = (element.strip().lower() for element in text.split(","))
            framing.setdefault(key, set()).update(element for element in elements if element)
        else:
            out.append((key, text))
    out += [(key, ", ".join(sorted(elements))) for key, elements in framing.items()]
    return sorted(out, key=lambda item: item[0])


def _expected_fields(case: Case) -> list[tuple[str, str]] | None:
    if case.headers is None:
        return None
    return _normal((name, value) for name, _, value in (h.partition(":") for h in case.headers))


def _short(data: bytes, size: int = 16) -> str:
    text = repr(data[:size])
    return text + ("…" if len(data) > size else "")


#: robustness.md §1.1: a refusal about where the message ends (the bytes read two ways).
_FRAMING_FAULTS = (
    "Content-Length",
    "Transfer-Encoding",
    "chunk-size line",
    "chunk data not followed by CRLF",
    "too large",
)
#: Valid by the grammar (leading zeros) but longer than the digit-count bound HTTPClient checks
#: before any conversion (robustness.md §3.5 rule 5, §3.6): bounds, like the "limits" category.
_DIGIT_BOUNDS = ("cl-20-digits", "chunked-size-17-digits")


def _framing_fault(case: Case) -> bool:
    """Whether HTTPClient refuses this case over where the message ends (see RULES)."""
    if case.error == LOST:
        return True
    if case.category == "limits" or case.name in _DIGIT_BOUNDS:
        return False  # a bound crossed, not an ambiguity: peers with larger bounds read it right
    return any(fault in case.log for fault in _FRAMING_FAULTS) or case.name in {
        "te-space-before-colon",  # "Transfer-Encoding : chunked": is it TE or not?
        "space-before-colon",  # "Content-Length : 2": the smuggling form of CL
        "tab-before-colon",
    }


def classify(case: Case, got: Reply | BaseException) -> Verdict:
    """The verdict for a peer's reply or exception (rules in RULES)."""
    if isinstance(got, BaseException):
        if _timed_out(got):
            return Verdict(HANGS)
        return Verdict(REJECTS, type(got).__name__, message=_message(got))
    if case.refused:
        if _framing_fault(case):
            return Verdict(MISREADS, f"{got.code}, body {_short(got.body)}")
        return Verdict(LENIENT)
    diffs = []
    if got.code != case.code:
        diffs.append(f"code {got.code}")
    if got.body != case.body:
        diffs.append(f"body {_short(got.body)}")
    expected = _expected_fields(case)
    if expected is not None:
        fields = _normal((_text(name), _text(value)) for name, value in got.fields)
        if fields != expected:
            diffs.append("fields")
    return Verdict(MISREADS, ", ".join(diffs)) if diffs else Verdict(ACCEPTS)


def _message(exc: BaseException) -> str:
    """The most specific error message in the exception chain, on one line, escaped, shortened."""
    text = ""
    seen: BaseException | None = exc
    while seen is not None:
        line = " ".join(str(seen).split())
        if line and not line.startswith("RequestInfo("):
            text = line  # causes are more specific than their wrappers
        seen = seen.__cause__ or seen.__context__
    text = text.encode("ascii", "backslashreplace").decode().replace("`", "'")
    return text[:110] + ("…" if len(text) > 110 else "")


def _timed_out(exc: BaseException) -> bool:
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, TimeoutError | Hang | urllib3.exceptions.TimeoutError):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


# -- the raw server ----------------------------------------------------------------------------


class CaseServer:
    """Serves one case's reply on loopback, then ends each connection as the case says.

    One connection per exchange; a client that retries after a disconnect (aiohttp retries an
    idempotent request once) gets the same reply again on its next connection, as it would from
    a real server. ``connections`` counts them.
    """

    def __init__(self, case: Case, tls: ssl.SSLContext | None, timeout: float) -> None:
        self.case = case
        self.tls = tls
        self.timeout = timeout
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.listener.getsockname()[1]
        self.finished = threading.Event()  # set by the driver when its client is done
        self.connections = 0
        self._end = time.monotonic() + timeout + 2
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self.finished.is_set() and time.monotonic() < self._end:
            readable, _, _ = select.select([self.listener], [], [], 0.02)
            if not readable:
                continue
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            try:
                conn.settimeout(self.timeout)
                conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                if self.tls is not None:
                    conn = self.tls.wrap_socket(conn, server_side=True)
                self._serve(conn)
            except OSError:
                pass  # the client gave up (a reset, a failed handshake): nothing left to serve
            finally:
                conn.close()

    def _serve(self, conn: socket.socket) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            chunk = conn.recv(65536)
            if not chunk:
                return
            data += chunk
        conn.sendall(self.case.reply)
        then = self.case.then
        if then == "reset":
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            return
        if then == "ragged":
            return  # SSLSocket.close() sends no close_notify: a ragged EOF
        if then == "close":
            conn.shutdown(socket.SHUT_WR)
        self._drain(conn)

    def _drain(self, conn: socket.socket) -> None:
        """Read until the client closes or its driver is done, so it never sees a stray RST."""
        while not self.finished.is_set() and time.monotonic() < self._end:
            readable, _, _ = select.select([conn], [], [], 0.02)
            if readable and not conn.recv(65536):
                return

    def close(self) -> None:
        self.finished.set()
        self._thread.join(self.timeout + 3)
        self.listener.close()


# -- the clients -------------------------------------------------------------------------------


@dataclass
class Setup:
    """What every driver needs: the timeout and the TLS trust for the ragged cases."""

    timeout: float
    server_tls: ssl.SSLContext
    client_tls: ssl.SSLContext
    log: LogTap


def _method(case: Case) -> str:
    return HTTPClient.Method(case.method).name.removeprefix("METHOD_")


def _request_fields(case: Case) -> list[tuple[str, str]]:
    return [
        (name, value.strip()) for name, _, value in (h.partition(":") for h in case.request_headers)
    ]


def drive_http_client(case: Case, port: int, tls: bool, setup: Setup) -> Reply:
    conn: http.client.HTTPConnection
    if tls:
        conn = http.client.HTTPSConnection(
            "127.0.0.1", port, timeout=setup.timeout, context=setup.client_tls
        )
    else:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=setup.timeout)
    try:
        conn.request(_method(case), case.target, headers=dict(_request_fields(case)))
        response = conn.getresponse()
        body = response.read()
        fields = [(k.encode("latin-1"), str(v).encode("latin-1")) for k, v in response.getheaders()]
        return Reply(response.status, fields, body)
    finally:
        conn.close()


def drive_urllib3(case: Case, port: int, tls: bool, setup: Setup) -> Reply:
    timeout = urllib3.Timeout(connect=setup.timeout, read=setup.timeout)
    pool: urllib3.HTTPConnectionPool
    if tls:
        pool = urllib3.HTTPSConnectionPool(
            "127.0.0.1", port, timeout=timeout, retries=False, ssl_context=setup.client_tls
        )
    else:
        pool = urllib3.HTTPConnectionPool("127.0.0.1", port, timeout=timeout, retries=False)
    with pool:
        response = pool.urlopen(
            _method(case),
            case.target,
            headers=dict(_request_fields(case)),
            retries=False,
            redirect=False,
            preload_content=True,
            decode_content=False,
            assert_same_host=False,
        )
        fields = [(k.encode("latin-1"), v.encode("latin-1")) for k, v in response.headers.items()]
        return Reply(response.status, fields, response.data)


def drive_h11(case: Case, port: int, tls: bool, setup: Setup) -> Reply:
    end = time.monotonic() + setup.timeout
    sock = socket.create_connection(("127.0.0.1", port), timeout=setup.timeout)
    if tls:
        sock = setup.client_tls.wrap_socket(sock, server_hostname="127.0.0.1")
    with sock:
        conn = h11.Connection(our_role=h11.CLIENT)
        request = h11.Request(
            method=_method(case),
            target=case.target,
            headers=[("Host", "example.com"), *_request_fields(case)],
        )
        sock.sendall((conn.send(request) or b"") + (conn.send(h11.EndOfMessage()) or b""))
        code, fields, body = 0, [], bytearray()
        while True:
            event = conn.next_event()
            if event is h11.NEED_DATA:
                left = end - time.monotonic()
                if left <= 0:
                    raise Hang
                sock.settimeout(left)
                conn.receive_data(sock.recv(65536))
            elif isinstance(event, h11.InformationalResponse):
                if event.status_code == 101:  # a switch h11 accepted: the final response
                    code, fields = 101, list(event.headers.raw_items())
            elif isinstance(event, h11.Response):
                code, fields = event.status_code, list(event.headers.raw_items())
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage) or event is h11.PAUSED:
                return Reply(code, fields, bytes(body))
            elif isinstance(event, h11.ConnectionClosed):
                raise ConnectionError("h11: ConnectionClosed before EndOfMessage")


def drive_aiohttp(case: Case, port: int, tls: bool, setup: Setup) -> Reply:
    async def fetch() -> Reply:
        scheme = "https" if tls else "http"
        path = case.target if case.target.startswith("/") else "/"
        connector = aiohttp.TCPConnector(ssl=setup.client_tls if tls else False)
        async with (
            aiohttp.ClientSession(
                connector=connector,
                timeout=aiohttp.ClientTimeout(total=setup.timeout),
                auto_decompress=False,
            ) as session,
            session.request(
                _method(case),
                f"{scheme}://127.0.0.1:{port}{path}",
                headers=dict(_request_fields(case)),
                allow_redirects=False,
            ) as response,
        ):
            body = await response.read()
            return Reply(response.status, list(response.raw_headers), body)

    return asyncio.run(fetch())


def drive_httpclient(case: Case, port: int, tls: bool, setup: Setup) -> Outcome:
    """The polling tutorial loop over a real socket, every wait bounded; what a script sees."""
    end = time.monotonic() + setup.timeout
    http = HTTPClient()
    log = setup.log

    def step() -> None:
        if time.monotonic() > end:
            raise Hang
        connection = http.get_connection()
        if connection is not None:  # wake on arrival; TLS may hold decrypted bytes: short wait
            with contextlib.suppress(OSError, ValueError):
                select.select([connection.fileno()], [], [], 0.002)

    try:
        log.take()
        assert http.connect_to_host("127.0.0.1", port, tls) == Error.OK
        while http.get_status() in (S.STATUS_RESOLVING, S.STATUS_CONNECTING):
            http.poll()
            step()
        if http.get_status() != S.STATUS_CONNECTED:
            raise ConnectionError(f"connect ended in {S(http.get_status()).name}: {log.take()}")
        out = Outcome()
        headers = ["Host: example.com", *case.request_headers]
        assert http.request(case.method, case.target, headers) == Error.OK
        while http.get_status() == S.STATUS_REQUESTING:
            result = http.poll()
            out.error = result if result != Error.OK else out.error
            if http.get_status() == S.STATUS_REQUESTING:
                step()
        out.note_head(http)
        body = bytearray()
        while http.get_status() == S.STATUS_BODY:
            chunk = http.read_response_body_chunk()
            body += chunk
            if not chunk and http.get_status() == S.STATUS_BODY:
                step()
        connection = http.get_connection()
        if http.get_status() == S.STATUS_CONNECTED and case.unread and connection is not None:
            while len(out.unread) < len(case.unread) and time.monotonic() < end:
                _, chunk = connection.get_partial_data(len(case.unread) - len(out.unread))
                out.unread += chunk
                if not chunk:
                    step()
        # Leftovers or the close reach an idle connection the case says is not reused.
        with contextlib.suppress(Hang):
            while http.get_status() == S.STATUS_CONNECTED and S.STATUS_CONNECTED not in case.status:
                http.poll()
                step()
        out.settle(http, body, log)
        return out
    finally:
        http.close()


def httpclient_verdict(case: Case, port: int, tls: bool, setup: Setup) -> Verdict:
    try:
        out = drive_httpclient(case, port, tls, setup)
    except Hang:
        return Verdict(HANGS, mismatch="still waiting at the timeout")
    except Exception as exc:  # the loop itself failed: report it, never abort the whole run
        return Verdict(REJECTS, type(exc).__name__, mismatch=f"driver failed: {exc!r}")
    mismatch = ""
    try:
        check(case, out, "over loopback")
    except AssertionError as exc:
        mismatch = str(exc) or "differs from the corpus expectation"
    if out.errors or out.error != Error.OK:
        return Verdict(REJECTS, out.error.name, mismatch)
    return Verdict(ACCEPTS, "", mismatch)


DRIVERS: dict[str, Callable[[Case, int, bool, Setup], Reply]] = {
    "http.client": drive_http_client,
    "urllib3": drive_urllib3,
    "h11": drive_h11,
    "aiohttp": drive_aiohttp,
}


def run_one(case: Case, client: str, setup: Setup) -> Verdict:
    tls = case.then == "ragged"
    server = CaseServer(case, setup.server_tls if tls else None, setup.timeout)
    try:
        if client == "HTTPClient":
            return httpclient_verdict(case, server.port, tls, setup)
        try:
            got: Reply | BaseException = DRIVERS[client](case, server.port, tls, setup)
        except Exception as exc:
            got = exc
        verdict = classify(case, got)
        verdict.connections = server.connections
        return verdict
    finally:
        server.close()


# -- explanations ------------------------------------------------------------------------------

_TE_OVER_CL = (
    "RFC 9112 §6.3 rule 3 settles the reading: Transfer-Encoding overrides Content-Length, so the "
    "bytes frame one way only. The RFC adds that such a message 'ought to be handled as an "
    "error'; HTTPClient (robustness.md §3.5 rule 3) decodes the chunked body, ignores the "
    "Content-Length entirely, logs a warning and closes the connection after the body, so no "
    "later message can be read from a leftover: the smuggling risk the peers guard against is gone."
)
_CL_LIST = (
    "RFC 9110 §8.6 lets a recipient either reject a Content-Length that repeats one decimal value "
    "(as a list or as repeated lines) or replace it with that single value; every reading gives "
    "the same length, so no boundary can move (robustness.md §1.1, §3.5 rule 5). Differing or "
    "differently spelled values (`7, 8`, `7` and `07`) are refused."
)
_BODYLESS = (
    "RFC 9112 §6.3 rule 1: a response to HEAD, and a 304, ends at the end of its head whatever "
    "its framing fields say, so a malformed or unsupported framing field here frames nothing. "
    "HTTPClient delivers the head and, because the fields are suspect, does not reuse the "
    "connection (robustness.md §3.5 rule 1)."
)
_LEFTOVER = (
    "The response is complete by its own framing (RFC 9112 §6.3). The bytes after it arrive while "
    "no request is outstanding, so they are not a response to anything: HTTPClient never parses "
    "them and does not reuse the connection (robustness.md §1.3, §3.7). aiohttp's llhttp parser "
    "reads them as the start of a next response in the same buffer and fails the response it had "
    "already framed, which robustness.md §6 lists as a peer failure."
)
_ZERO_CHUNK = (
    "RFC 9112 §8: a chunked message is incomplete if the zero-sized last chunk has not been "
    "received, and here it has; only the optional trailer section and its closing empty line are "
    "missing, so not one body byte can be lost. HTTPClient delivers the complete body and closes "
    "the connection (robustness.md §3.6, last row; over TLS the framing, not close_notify, "
    "decides completeness, §3.7)."
)
_LIMITS = (
    "A limit case built to sit exactly at HTTPClient's bound (robustness.md §4 = httpclient.md "
    "§9; `net/http/limits.py`). HTTP sets no such limit (RFC 9110 §5.4 leaves it to the "
    "recipient) and the matching `-over-limit` case shows HTTPClient refuses one byte or item "
    "more. The peers simply choose smaller default bounds: h11 buffers at most 16 KiB of an "
    "incomplete head or trailer section (httpx raises that to 100 KiB), aiohttp allows 8190 "
    "bytes per line and 128 fields, http.client 100 fields. HTTPClient's 64 KiB line matches "
    "http.client's own line limit; a bound is a resource choice, not a parsing ambiguity."
)

_LEFTOVER_NO_BODY = (
    _LEFTOVER + " For HEAD and 304 the reply has no body at all (RFC 9112 §6.3 rule 1), so "
    "every byte after its head is a leftover."
)


@dataclass(frozen=True)
class Why:
    """Why HTTPClient accepts a reply some peer rejects: the RFC lets (or makes) it accept it."""

    title: str
    text: str
    cases: tuple[str, ...]


#: One entry per reason, each naming the cases it explains (printed once, cases listed under it).
PEER_STRICTER_WHY: tuple[Why, ...] = (
    Why(
        "A higher HTTP/1.x minor version",
        "RFC 9110 §2.5: a recipient that receives a higher minor version than it implements "
        "should process the message as the highest 1.x it knows; HTTP/1.3 is read as HTTP/1.1 "
        "(robustness.md §3.2). llhttp accepts only 1.0 and 1.1.",
        ("http13-as-11",),
    ),
    Why(
        "Interim heads labelled HTTP/1.0",
        "Two interim heads labelled HTTP/1.0 come before a 103 and the final 200. A 1xx response "
        "never has content (RFC 9112 §6.3 rule 1) and a client must parse any number of them "
        "before the final response (RFC 9110 §15.2), so the next head starts right after each "
        "one whatever its version label. llhttp takes the HTTP/1.0 interim head as the last "
        "message on the connection and refuses what follows; HTTPClient drops each interim head "
        "and reads on (robustness.md §3.4).",
        ("three-interim",),
    ),
    Why(
        "Transfer-Encoding together with Content-Length",
        _TE_OVER_CL + " In `te-bad-cl-ignored` the Content-Length value (-1) is never parsed, "
        "because it is never used. In `head-te-and-cl-not-reused` the reply has no body anyway "
        "(see the next entry).",
        (
            "te-and-cl-te-wins",
            "cl-and-te-te-wins",
            "te-bad-cl-ignored",
            "head-te-and-cl-not-reused",
        ),
    ),
    Why(
        "Framing fields on a reply that has no body",
        _BODYLESS,
        ("head-bad-length-not-reused", "head-gzip-not-reused", "304-bad-length-not-reused"),
    ),
    Why(
        "Empty list elements in Transfer-Encoding",
        "RFC 9110 §5.6.1: a recipient MUST parse and ignore a reasonable number of empty list "
        "elements, so `Transfer-Encoding: , chunked ,` is exactly `chunked` (robustness.md §3.5 "
        "rule 2). h11 compares the whole field value with `chunked` and is non-conformant here; "
        "http.client, urllib3 and aiohttp do not see `chunked` at all and wait for the close.",
        ("te-empty-elements",),
    ),
    Why(
        "A Content-Length repeating one value",
        _CL_LIST,
        ("cl-list-spaced", "cl-list-equal", "cl-two-equal-lines"),
    ),
    Why(
        "Bytes after a complete response",
        _LEFTOVER_NO_BODY + " In `cl-more-bytes-connection-close` the reply also says "
        "`Connection: close`, so the client must not use the connection again anyway "
        "(RFC 9112 §9.6).",
        (
            "cl-more-bytes-connection-close",
            "extra-garbage-after-length",
            "extra-one-byte-after-length-0",
            "extra-garbage-after-chunked",
            "extra-body-after-head-reply",
            "extra-body-after-304",
        ),
    ),
    Why(
        "Whitespace before `;` in a chunk extension",
        'RFC 9112 §7.1.1: `chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS '
        "chunk-ext-val ] )`; whitespace before `;` is legal (BWS), and so is a quoted value "
        "holding `;`. h11 and llhttp reject the legal form; robustness.md §6 records this peer "
        "failure.",
        ("chunked-size-ext-bws",),
    ),
    Why(
        "A chunk extension that is not a token",
        "The extension `;\\x01\\xff` is not a token, but RFC 9112 §7.1.1 tells a recipient "
        "to ignore extensions it does not recognise, and the chunk-size line still ends at an "
        "exact CRLF after an exact hex size, so no boundary can move. HTTPClient skips extension "
        "bytes unread, refusing only CR, LF and NUL in them and bounding their total to 64 KiB "
        "per body (robustness.md §3.6; principle 2: strict on framing, tolerant elsewhere).",
        ("chunked-size-ext-odd-bytes",),
    ),
    Why(
        "Framing fields in the trailer section",
        "The trailer section carries `Content-Length` and `Transfer-Encoding: gzip`. Framing "
        "fields cannot act in trailers, and a recipient must not merge trailer fields into the "
        "header section unless their definition allows it (RFC 9110 §6.5). HTTPClient checks "
        "trailer lines as field lines and discards them; they never touch the framing or the "
        "exposed headers (robustness.md §3.6). h11 and llhttp evaluate them like header fields.",
        ("chunked-framing-trailers-ignored",),
    ),
    Why(
        "The connection ends after the last chunk",
        _ZERO_CHUNK,
        (
            "chunked-eof-after-last-chunk",
            "chunked-eof-after-trailer-line",
            "chunked-last-chunk-then-ragged",
        ),
    ),
    Why(
        "Limits met exactly",
        _LIMITS,
        (
            "field-line-at-limit",
            "folded-field-at-limit",
            "heads-at-limit",
            "interim-and-final-heads-at-limit",
            "fields-at-limit",
            "trailer-line-at-limit",
            "trailer-fields-at-limit",
            "trailer-bytes-at-limit",
        ),
    ),
)
PEER_STRICTER: dict[str, Why] = {name: why for why in PEER_STRICTER_WHY for name in why.cases}

#: Cases where HTTPClient itself is wrong (found by this comparison), with what it should do.
CLIENT_BUGS: dict[str, str] = {}


# -- the document ------------------------------------------------------------------------------


@dataclass
class Row:
    case: Case
    verdicts: dict[str, Verdict] = field(default_factory=dict)

    def stricter_than(self) -> list[str]:
        """Peers that deliver a response to a case HTTPClient refuses."""
        if not self.case.refused:
            return []
        return [p for p in PEERS if self.verdicts[p].label in (LENIENT, MISREADS, ACCEPTS)]

    def stricter_peers(self) -> list[str]:
        """Peers that reject a case HTTPClient accepts."""
        if self.case.refused:
            return []
        return [p for p in PEERS if self.verdicts[p].label == REJECTS]


def _expected_cell(case: Case) -> str:
    if case.refused:
        return f"refuse: {case.error.name}"
    return f"accept: {case.code}"


def _anchor(name: str) -> str:
    return "peer-" + re.sub(r"[^a-z0-9-]", "", name.lower())


def _versions() -> str:
    parser = aiohttp.http_parser.HttpResponseParser
    kind = "C (llhttp)" if parser.__module__.endswith("_http_parser") else "pure Python"
    return (
        f"Python {sys.version.split()[0]} (http.client), urllib3 {version('urllib3')}, "
        f"h11 {version('h11')}, aiohttp {version('aiohttp')} (response parser: {kind})"
    )


def render(rows: list[Row], timeout: float, subset: bool) -> str:
    refused = [r for r in rows if r.case.refused]
    accepted = [r for r in rows if not r.case.refused]
    out = [
        "# Robustness: HTTPClient against its Python peers",
        "",
        f"<!-- Generated by scripts/compare_peers.py; do not edit. Regenerate: {COMMAND} -->",
        "",
        f"Generated by `scripts/compare_peers.py`; do not edit by hand, regenerate with "
        f"`{COMMAND}`. It replays the adversarial corpus (`tests/net/robustness/corpus.py`, "
        f"{len(rows)} cases{', a subset chosen with --cases' if subset else ''}) against "
        f"HTTPClient and its peers over loopback sockets. Peers: {_versions()}; httpx parses "
        "with h11. The rules and the vocabulary come from the project's specification (its "
        "robustness chapter); every 'robustness.md §N' below refers to that chapter, not to "
        "this page.",
        "",
        "## How outcomes are classified",
        "",
        RULES.format(timeout=timeout),
        "## Summary",
        "",
        f"Over the {len(refused)} cases HTTPClient refuses (the corpus expects an `Error`):",
        "",
        "| Client | rejects | accepts (lenient) | misreads | hangs |",
        "|---|---:|---:|---:|---:|",
    ]
    for client in CLIENTS:
        count = Counter(r.verdicts[client].label for r in refused)
        out.append(
            f"| {client} | {count[REJECTS]} | {count[LENIENT] + count[ACCEPTS]} "
            f"| {count[MISREADS]} | {count[HANGS]} |"
        )
    out += [
        "",
        f"Over the {len(accepted)} cases HTTPClient accepts (the corpus expects a response):",
        "",
        "| Client | accepts | misreads | rejects | hangs |",
        "|---|---:|---:|---:|---:|",
    ]
    for client in CLIENTS:
        count = Counter(r.verdicts[client].label for r in accepted)
        out.append(
            f"| {client} | {count[ACCEPTS]} | {count[MISREADS]} | {count[REJECTS]} "
            f"| {count[HANGS]} |"
        )
    matched = sum(not r.verdicts["HTTPClient"].mismatch for r in rows)
    out += [
        "",
        f"HTTPClient over loopback matches the corpus expectation (Error, status, code, fields, "
        f"body, log line, release of the connection) in {matched} of {len(rows)} cases.",
        "",
        "| Peer | HTTPClient stricter: refused replies the peer delivers "
        "| peer stricter: accepted replies the peer rejects |",
        "|---|---:|---:|",
    ]
    for peer in PEERS:
        stricter = sum(peer in r.stricter_than() for r in rows)
        looser = sum(peer in r.stricter_peers() for r in rows)
        out.append(f"| {peer} | {stricter} | {looser} |")
    out += [
        "",
        "## Case by case",
        "",
        "**Bold**: a peer misreads a reply HTTPClient refuses. *Italic*: a peer rejects a reply "
        "HTTPClient accepts (explained under [Where a peer is stricter]"
        "(#where-a-peer-is-stricter-than-httpclient)).",
        "",
    ]
    categories = list(dict.fromkeys(r.case.category for r in rows))
    for category in categories:
        members = [r for r in rows if r.case.category == category]
        out += [
            f"### {category} ({len(members)} cases)",
            "",
            "| Case | Expected | HTTPClient | " + " | ".join(PEERS) + " | Notes |",
            "|---|---|---|" + "---|" * len(PEERS) + "---|",
        ]
        out += [_case_line(row) for row in members]
        out.append("")
    out += _explanations(rows)
    out += _bugs(rows)
    return "\n".join(out).rstrip() + "\n"


def _case_line(row: Row) -> str:
    mine = row.verdicts["HTTPClient"]
    mine_cell = mine.cell() + (" ✗ differs from corpus" if mine.mismatch else "")
    cells = []
    for peer in PEERS:
        verdict = row.verdicts[peer]
        text = verdict.cell()
        if peer in row.stricter_than() and verdict.label == MISREADS:
            text = f"**{text}**"
        elif peer in row.stricter_peers():
            text = f"*{text}*"
        cells.append(text)
    notes = []
    if row.stricter_than():
        notes.append("HTTPClient stricter than " + ", ".join(row.stricter_than()))
    if row.stricter_peers():
        peers = ", ".join(row.stricter_peers())
        notes.append(f"peer stricter: {peers} ([why](#{_anchor(row.case.name)}))")
    if mine.mismatch:
        notes.append("[client bug](#client-bugs-found)")
    return (
        f"| `{row.case.name}` | {_expected_cell(row.case)} | {mine_cell} | "
        + " | ".join(cells)
        + f" | {'; '.join(notes)} |"
    )


def _explanations(rows: list[Row]) -> list[str]:
    stricter = [r for r in rows if r.stricter_peers()]
    out = [
        "## Where a peer is stricter than HTTPClient",
        "",
        "Every case HTTPClient accepts and at least one peer rejects, grouped by the reason "
        "HTTPClient accepts it, with each peer's error.",
        "",
    ]
    if not stricter:
        return [*out, "None.", ""]
    groups: dict[str, list[Row]] = {}
    for row in stricter:
        why = PEER_STRICTER.get(row.case.name)
        groups.setdefault(why.title if why else "", []).append(row)
    for why in [*PEER_STRICTER_WHY, Why("", "", ())]:
        members = groups.get(why.title, [])
        if not members:
            continue
        if why.title:
            out += [f"### {why.title}", "", why.text, ""]
        else:
            out += [
                "### Not explained yet",
                "",
                "**Review these cases**: fix HTTPClient (and list the case under `CLIENT_BUGS` "
                "in the script) or add the reason to `PEER_STRICTER_WHY`.",
                "",
            ]
        for row in members:
            peers = "; ".join(
                f"{p}: `{row.verdicts[p].detail}: {row.verdicts[p].message}`".replace("|", "\\|")
                for p in row.stricter_peers()
            )
            out.append(f'- <a id="{_anchor(row.case.name)}"></a>`{row.case.name}` ({peers})')
        out.append("")
    return out


def _bugs(rows: list[Row]) -> list[str]:
    out = ["## Client bugs found", ""]
    found = False
    for row in rows:
        mine = row.verdicts["HTTPClient"]
        name = row.case.name
        if name in CLIENT_BUGS or mine.mismatch:
            found = True
            text = CLIENT_BUGS.get(name, "")
            if mine.mismatch:
                first = mine.mismatch.splitlines()[0][:300]
                text += f" Over loopback HTTPClient differs from the corpus: `{first}`."
            out.append(f"- **`{name}`** — {text.strip()}")
    if not found:
        out.append(
            "None: HTTPClient matched the corpus expectation over loopback in every case, and no "
            "case where a peer is stricter shows HTTPClient to be wrong."
        )
    return [*out, ""]


# -- main --------------------------------------------------------------------------------------


def _quiet_logs() -> None:
    """Peers and engine-net log to loggers of their own; none of it belongs on the console."""
    for name in ("net", "engine", "urllib3", "aiohttp", "asyncio"):
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False
    warnings.simplefilter("ignore")


def _tls(directory: str) -> tuple[ssl.SSLContext, ssl.SSLContext, str]:
    ca = trustme.CA()
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1").configure_cert(server)
    server.set_alpn_protocols(["http/1.1"])
    path = str(Path(directory) / "ca.pem")
    ca.cert_pem.write_to_path(path)
    client = ssl.create_default_context(cafile=path)
    return server, client, path


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", nargs="+", metavar="NAME", help="run only these cases")
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "robustness.md")
    parser.add_argument("--timeout", type=float, default=2.0, help="seconds per exchange")
    args = parser.parse_args(argv)
    cases = list(CASES)
    if args.cases:
        by_name = {case.name: case for case in CASES}
        unknown = [name for name in args.cases if name not in by_name]
        if unknown:
            parser.error(f"unknown case(s): {', '.join(unknown)}")
        cases = [case for case in CASES if case.name in args.cases]
    _quiet_logs()
    start = time.monotonic()
    saved = settings.get_setting(settings.CERTIFICATES)
    rows: list[Row] = []
    with tempfile.TemporaryDirectory() as directory, LogTap() as log:
        server_tls, client_tls, ca_path = _tls(directory)
        settings.set_setting(settings.CERTIFICATES, ca_path)
        setup = Setup(args.timeout, server_tls, client_tls, log)
        try:
            for case in cases:
                row = Row(case)
                for client in CLIENTS:
                    row.verdicts[client] = run_one(case, client, setup)
                rows.append(row)
        finally:
            settings.set_setting(settings.CERTIFICATES, saved)
    elapsed = time.monotonic() - start
    text = render(rows, args.timeout, bool(args.cases))
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text, encoding="utf-8")
    stricter = sum(bool(r.stricter_than()) for r in rows)
    looser = sum(bool(r.stricter_peers()) for r in rows)
    bugs = sum(bool(r.verdicts["HTTPClient"].mismatch) or r.case.name in CLIENT_BUGS for r in rows)
    unexplained = [
        r.case.name for r in rows if r.stricter_peers() and r.case.name not in PEER_STRICTER
    ]
    print(
        f"{len(rows)} cases x {len(CLIENTS)} clients in {elapsed:.0f} s: HTTPClient stricter "
        f"than some peer in {stricter}, a peer stricter in {looser} "
        f"({len(unexplained)} unexplained), client bugs {bugs}; wrote {args.out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
