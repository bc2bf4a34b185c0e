"""The benchmark's loopback HTTP/1.1 server: canned replies on 127.0.0.1, run as its own process.

``python loopback_server.py`` listens on an ephemeral port of 127.0.0.1, prints ``PORT <n>`` on
its first stdout line and serves until its stdin closes (the parent exited or said so) or its
``--lifetime`` runs out, whichever comes first. Every connection is kept alive. It understands
only what the benchmark's clients send (GET requests without a body, possibly several in one
segment) and answers by path:

- ``/small``: a 14-byte text body with a few ordinary headers (:data:`SMALL_REPLY`);
- ``/cl/<n>``: ``n`` bytes with a Content-Length, sent from one reused 1 MiB block;
- ``/chunked/<n>``: ``n`` bytes in :data:`WIRE_CHUNK`-byte chunks, from one reused block of
  pre-framed chunks (``n`` must be a multiple of :data:`WIRE_CHUNK`);
- ``/gzip/<n>``: ``n`` bytes of text-like data (about 3:1), gzip-compressed once per size and
  sent with ``Content-Encoding: gzip`` and a Content-Length;
- ``/redirect/<path>``: a 302 to ``/<path>`` (the HTTPRequest scenario follows one redirect);
- ``/stats``: ``<process CPU seconds> <requests served>``, so a client can show how busy the
  server was while it measured.

Small replies come from an asyncio ``Protocol`` (no streams layer), which serves a hundred
connections at tens of thousands of requests per second. A large body is sent from a worker
thread with blocking-style ``sendall`` calls on a duplicate of the socket (reading on that
connection is paused meanwhile), so the server spends one Python call per MiB, not one per
event-loop wake-up, and stays well below the client's cost per byte.
"""

from __future__ import annotations

import argparse
import asyncio
import email.utils
import functools
import os
import random
import socket
import sys
import time
import zlib
from collections import deque

SMALL_BODY = b"Hello, world!\n"
#: The small reply with a ``Date`` as a real server sends it (the current second, so heads
#: change once a second, as they do from a real server); its length never changes.
_SMALL_TEMPLATE = (
    b"HTTP/1.1 200 OK\r\n"
    b"Server: bench\r\n"
    b"Date: %s\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Length: " + str(len(SMALL_BODY)).encode() + b"\r\n"
    b"\r\n" + SMALL_BODY
)


@functools.lru_cache(maxsize=1)
def _small_reply_at(second: int) -> bytes:
    return _SMALL_TEMPLATE % email.utils.formatdate(second, usegmt=True).encode()


def small_reply() -> bytes:
    """The small reply, its Date the current second."""
    return _small_reply_at(int(time.time()))


SMALL_REPLY = small_reply()  # for its length, which the others use
#: Bytes of body per chunk of a chunked reply.
WIRE_CHUNK = 16384
BLOCK = 1 << 20
_DATA = bytes(range(256)) * (BLOCK // 256)
_CHUNK_FRAME = b"%x\r\n" % WIRE_CHUNK + _DATA[:WIRE_CHUNK] + b"\r\n"
_CHUNKED_BLOCK = _CHUNK_FRAME * (BLOCK // WIRE_CHUNK)
_HEAD_END = b"\r\n\r\n"
#: Seconds a large body's ``sendall`` may wait for the client to read before giving up.
_SEND_TIMEOUT = 30.0
#: Millisecond polls a large reply waits for earlier replies to leave the transport.
_FLUSH_POLLS = 5000
_TASKS: set[asyncio.Task[None]] = set()


_GZIPPED: dict[int, bytes] = {}


def text_block() -> bytes:
    """1 MiB of words in a random order: compresses about 3:1, like text or JSON."""
    words = [
        w.encode()
        for w in ["engine", "net", "node", "tree", "frame", "request", "body", "chunk", "poll"]
    ]
    pick = random.Random(0).choice
    out = bytearray()
    while len(out) < BLOCK:
        out += pick(words) + b" "
    return bytes(out[:BLOCK])


def gzipped(size: int) -> bytes:
    """``size`` bytes of :func:`text_block` data as one gzip stream (made once per size)."""
    if size not in _GZIPPED:
        block = text_block()
        packer = zlib.compressobj(1, zlib.DEFLATED, 31)
        parts = [
            packer.compress(block[: min(BLOCK, size - done)]) for done in range(0, size, BLOCK)
        ]
        _GZIPPED[size] = b"".join(parts) + packer.flush()
    return _GZIPPED[size]


def chunked_wire_size(size: int) -> int:
    """Bytes on the wire for a ``/chunked/<size>`` body (framing included, head excluded)."""
    return size // WIRE_CHUNK * len(_CHUNK_FRAME) + len(b"0\r\n\r\n")


class Stats:
    """What the server has done so far, for ``/stats``."""

    requests = 0


class BenchProtocol(asyncio.Protocol):
    """One connection: parse request heads, answer each in order, hand large bodies to a thread."""

    def __init__(self) -> None:
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.pending: deque[bytes] = deque()  # paths waiting while a body is streamed
        self.paused = False
        self.streaming = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while True:
            end = self.buffer.find(_HEAD_END)
            if end < 0:
                break
            line_end = self.buffer.find(b"\r\n")
            parts = bytes(self.buffer[:line_end]).split(b" ")
            del self.buffer[: end + len(_HEAD_END)]
            self.pending.append(parts[1] if len(parts) > 1 else b"/")
        self.serve()

    def pause_writing(self) -> None:
        self.paused = True

    def resume_writing(self) -> None:
        self.paused = False
        self.serve()

    def serve(self) -> None:
        """Answer queued requests until one starts a large body or the transport is full."""
        transport = self.transport
        if transport is None or transport.is_closing():
            return
        while not self.paused and not self.streaming and self.pending:
            path = self.pending.popleft()
            Stats.requests += 1
            if path == b"/small":
                transport.write(small_reply())
            elif path.startswith(b"/cl/"):
                size = int(path[4:])
                head = b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % size
                self.start_body(head, _DATA, size, b"")
            elif path.startswith(b"/chunked/"):
                size = int(path[9:])
                head = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
                self.start_body(head, _CHUNKED_BLOCK, chunked_wire_size(size) - 5, b"0\r\n\r\n")
            elif path.startswith(b"/gzip/"):
                body = gzipped(int(path[6:]))
                head = b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n"
                self.start_body(head % len(body), body, len(body), b"")
            elif path.startswith(b"/redirect/"):
                transport.write(
                    b"HTTP/1.1 302 Found\r\nLocation: %s\r\nContent-Length: 0\r\n\r\n" % path[9:]
                )
            elif path == b"/stats":
                text = b"%.6f %d" % (time.process_time(), Stats.requests)
                transport.write(
                    b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(text), text)
                )
            else:
                transport.write(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n")

    def start_body(self, head: bytes, block: bytes, size: int, tail: bytes) -> None:
        """Send a large reply from a worker thread, then go on with queued requests."""
        assert self.transport is not None
        self.streaming = True
        self.transport.pause_reading()
        task = asyncio.get_running_loop().create_task(self.stream(head, block, size, tail))
        _TASKS.add(task)
        task.add_done_callback(_TASKS.discard)

    async def stream(self, head: bytes, block: bytes, size: int, tail: bytes) -> None:
        transport = self.transport
        assert transport is not None
        for _ in range(_FLUSH_POLLS):  # replies written before must leave first
            if not transport.get_write_buffer_size():
                break
            await asyncio.sleep(0.001)
        fd = transport.get_extra_info("socket").fileno()
        loop = asyncio.get_running_loop()
        try:
            await loop.run_in_executor(None, send_blocks, fd, head, block, size, tail)
        except OSError:
            transport.close()
            return
        if self.transport is None:
            return
        self.streaming = False
        transport.resume_reading()
        self.serve()

    def connection_lost(self, exc: Exception | None) -> None:
        self.transport = None


def send_blocks(fd: int, head: bytes, block: bytes, size: int, tail: bytes) -> None:
    """``head``, ``size`` bytes cut from ``block`` over and over, then ``tail``, on a duplicate
    of the connection's socket. ``sendall`` loops in C with the GIL released, so a fast reader
    costs the server one Python call per MiB rather than one per wake-up."""
    with socket.socket(fileno=os.dup(fd)) as sock:
        sock.settimeout(_SEND_TIMEOUT)
        sock.sendall(head)
        view = memoryview(block)
        left = size
        while left:
            step = min(left, len(view))
            sock.sendall(view[:step])
            left -= step
        if tail:
            sock.sendall(tail)


async def serve(lifetime: float) -> None:
    """Listen, announce the port, and serve until stdin closes or ``lifetime`` runs out."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    server = await loop.create_server(BenchProtocol, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"PORT {port}\n")
    sys.stdout.flush()

    def finish() -> None:
        if not done.done():
            done.set_result(None)

    def stdin_ready() -> None:
        if not os.read(sys.stdin.fileno(), 4096):
            finish()

    loop.add_reader(sys.stdin.fileno(), stdin_ready)
    timer = loop.call_later(lifetime, finish)
    try:
        await done
    finally:
        timer.cancel()
        loop.remove_reader(sys.stdin.fileno())
        server.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--lifetime", type=float, default=1800.0, help="seconds before it stops by itself"
    )
    args = parser.parse_args()
    asyncio.run(serve(args.lifetime))


if __name__ == "__main__":
    main()
