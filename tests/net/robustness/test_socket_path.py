"""A representative slice of the corpus over real loopback sockets (robustness.md §7.1 layer 2).

The in-memory runs prove the parsing at every cut; these prove the socket path: a real
StreamPeerTCP from connect_to_host, a RawServer sending the reply whole or one byte per write and
then keeping, closing or resetting the connection, in polling and blocking mode. Between polls
the test waits for the client's socket to become readable (a selector with a safety timeout),
never sleeps. Afterwards the same client connects again and fetches.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from corpus import CASES, Case
from corpus_runner import LogTap, Outcome, check

from conftest import wait_fd
from engine.object_model import Error
from net import HTTPClient
from support import Exchange, RawServer

S = HTTPClient.Status
ServerFactory = Callable[..., RawServer]

#: One or two cases per category, each class of failure, and every way a server ends.
SUBSET = [
    "302-found",
    "http10-404",
    "refused-http20",
    "refused-tls-handshake",
    "eof-before-any-byte",
    "reset-before-any-byte",
    "fold-joined",
    "space-before-colon",
    "reset-inside-head",
    "103-fields-dropped",
    "unsolicited-101",
    "te-and-cl-te-wins",
    "te-gzip-chunked",
    "cl-differing-lines",
    "until-close",
    "chunked-size-ext-bws",
    "chunked-trailers-dropped",
    "chunked-data-then-junk",
    "chunked-eof-inside-data",
    "chunked-reset-inside-data",
    "chunked-eof-after-last-chunk",
    "head-with-length",
    "204-length-5-not-reused",
    "extra-garbage-after-length",
    "extra-body-after-204",
    "length-body-eof",
    "length-body-reset",
    "until-close-reset",
    "interim-100",
    "interim-101",
    "fields-over-limit",
    "cl-max-value-truncated",
]
BY_NAME = {case.name: case for case in CASES}
#: (name, blocking, bytewise). An abortive close (RST) drops what the server's kernel has not yet
#: sent, and a reply written one byte per write is still partly queued there when the server
#: resets, so resets follow a whole reply only (the in-memory runs cut those replies everywhere).
RUNS = [
    pytest.param(
        name, blocking, bytewise, id=f"{name}-{mode}-{'bytewise' if bytewise else 'whole'}"
    )
    for name in SUBSET
    for blocking, mode in [(False, "polling"), (True, "blocking")]
    for bytewise in (False, True)
    if not (bytewise and BY_NAME[name].then == "reset")
]
FRESH = b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfresh"


@pytest.fixture
def log() -> Iterator[LogTap]:
    with LogTap() as tap:
        yield tap


def wait_readable(http: HTTPClient) -> None:
    connection = http.get_connection()
    assert connection is not None
    wait_fd(connection.fileno())


def connect(http: HTTPClient, port: int) -> None:
    assert http.connect_to_host("127.0.0.1", port) == Error.OK
    while http.get_status() == S.STATUS_CONNECTING:
        connection = http.get_connection()
        assert connection is not None
        wait_fd(connection.fileno(), writable=True)
        http.poll()
    assert http.get_status() == S.STATUS_CONNECTED


def exchange(http: HTTPClient, case: Case, log: LogTap) -> Outcome:
    """The tutorial loop over a socket; waits only for the socket to become readable."""
    log.take()
    headers = ["Host: example.com", *case.request_headers]
    assert http.request(case.method, case.target, headers) == Error.OK
    out = Outcome()
    body = bytearray()
    while http.get_status() == S.STATUS_REQUESTING:
        result = http.poll()
        out.error = result if result != Error.OK else out.error
        if http.get_status() == S.STATUS_REQUESTING:
            wait_readable(http)
    out.note_head(http)
    while http.get_status() == S.STATUS_BODY:
        chunk = http.read_response_body_chunk()
        body += chunk
        if not chunk and http.get_status() == S.STATUS_BODY:
            wait_readable(http)
    # Leftovers or the close reach an idle connection the case says is not reused.
    while http.get_status() == S.STATUS_CONNECTED and S.STATUS_CONNECTED not in case.status:
        wait_readable(http)
        http.poll()
    out.settle(http, body, log)
    return out


@pytest.mark.parametrize(("name", "blocking", "bytewise"), RUNS)
def test_corpus_case_over_loopback(
    raw_server: ServerFactory, log: LogTap, name: str, blocking: bool, bytewise: bool
) -> None:
    case = BY_NAME[name]
    server = raw_server([[Exchange(case.reply, then=case.then, bytewise=bytewise)]])
    again = raw_server([[Exchange(FRESH)]])
    http = HTTPClient()
    http.set_blocking_mode(blocking)
    connect(http, server.port)
    check(case, exchange(http, case, log), "over loopback")
    connect(http, again.port)
    out = exchange(http, BY_NAME["302-found"], log)
    assert (out.code, out.body, out.status, out.errors) == (200, b"fresh", S.STATUS_CONNECTED, [])
    assert again.requests[0].startswith(b"GET / HTTP/1.1\r\nHost: example.com\r\n")
    http.close()


def test_the_subset_names_cases_of_every_category() -> None:
    assert {BY_NAME[name].category for name in SUBSET} == {case.category for case in CASES}
    assert {BY_NAME[name].then for name in SUBSET} == {"keep", "close", "reset"}
