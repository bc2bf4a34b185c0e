"""A small threaded HTTP/1.1 server on loopback for the tests that drive many clients at once.

Keep-alive, one thread per connection (the raw servers of ``support`` play one connection at a
time). Routes: ``/bytes/N`` (N bytes of a known pattern), ``/close`` (a reply then a close),
``/hold`` (a reply only once the test sets ``release``), ``POST /upload`` (answers with the
length it read), anything else a short page.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PAGE = b"hello from the loopback server\n"


def pattern(size: int) -> bytes:
    """The body ``/bytes/N`` sends."""
    return (bytes(range(256)) * (size // 256 + 1))[:size]


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    release: threading.Event

    def do_GET(self) -> None:
        if self.path.startswith("/bytes/"):
            self._reply(pattern(int(self.path.rsplit("/", 1)[1])))
        elif self.path == "/close":
            self._reply(PAGE, close=True)
        elif self.path == "/hold":
            self.release.wait(30)
            self._reply(PAGE)
        else:
            self._reply(PAGE)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        left = length
        while left:
            piece = self.rfile.read(min(left, 1 << 16))
            if not piece:
                break
            left -= len(piece)
        self._reply(str(length - left).encode())

    def _reply(self, body: bytes, close: bool = False) -> None:
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a client that went away mid-reply (a test closed it on purpose) is no news


class LoopbackServer:
    """The running server: ``port``, and ``release`` for ``/hold``."""

    def __init__(self) -> None:
        self.release = threading.Event()
        handler = type("Handler", (_Handler,), {"release": self.release})
        self._server = _Server(("127.0.0.1", 0), handler)
        self.port: int = self._server.server_address[1]
        self._thread = threading.Thread(
            target=self._server.serve_forever, args=(0.05,), daemon=True
        )

    def stop(self) -> None:
        self.release.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)


@contextmanager
def serving() -> Iterator[LoopbackServer]:
    server = LoopbackServer()
    server._thread.start()
    try:
        yield server
    finally:
        server.stop()
