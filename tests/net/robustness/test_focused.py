"""Focused checks the corpus tables do not state on their own.

The first test reproduces, at everyday sizes, the polling-mode stall the corpus shows at the
limits: a valid chunked response whose size line (with extensions) is longer than
read_chunk_size and arrives in two reads is never finished.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from corpus_runner import CutPeer, ReadySocket

from engine.object_model import Error
from net import HTTPClient
from net.http.states import On, State, next_state

S = HTTPClient.Status


@pytest.fixture
def ready() -> Iterator[int]:
    sock = ReadySocket()
    yield sock.fd
    sock.close()


def test_a_size_line_longer_than_read_chunk_size_is_read_in_polling_mode(ready: int) -> None:
    extension = b";sig=" + b"a" * 295  # a 300-byte extension: legal, under the 4 KiB line limit
    reply = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
    reply += b"5" + extension + b"\r\nhello\r\n0\r\n\r\n"
    cut = reply.index(b"\r\nhello")  # the first read ends inside the size line
    peer = CutPeer([reply[:cut], reply[cut:]], "keep", ready)
    http = HTTPClient()
    http.set_read_chunk_size(256)
    http.set_connection(peer)
    assert http.request(HTTPClient.METHOD_GET, "/", ["Host: example.com"]) == Error.OK
    while http.get_status() == S.STATUS_REQUESTING:
        http.poll()
    body = b""
    for _ in range(20):  # the tutorial loop, bounded: the stream holds everything by now
        if http.get_status() != S.STATUS_BODY:
            break
        body += http.read_response_body_chunk()
    assert (body, http.get_status()) == (b"hello", S.STATUS_CONNECTED)


def test_a_transition_missing_from_the_core_table_raises() -> None:
    """states.py: a (state, event) pair the table lacks is a bug that raises, never a no-op."""
    assert next_state(State.CHUNK_SIZE, On.LAST_CHUNK) is State.TRAILERS
    with pytest.raises(RuntimeError, match="no transition from 'done' on 'status line parsed'"):
        next_state(State.DONE, On.STATUS_LINE)
