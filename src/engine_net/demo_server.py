"""The small HTTP/1.1 server the demo starts in-process on 127.0.0.1.

Keep-alive, a page, a JSON route, a chunked route and a large route (64 MiB by default), so the
demo shows every body framing HTTPClient reads; a redirect to a gzip-compressed route for the
HTTPRequest part. Standard library only.
"""

from __future__ import annotations

import gzip
import http.server
import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

PAGE = b"<!doctype html><title>engine-net</title><h1>Hello from engine-net</h1>\n"
BLOCK = bytes(range(256)) * 4096  # 1 MiB, reused for the large route


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "engine-net-demo"
    large_size = 64 << 20

    def do_GET(self) -> None:
        if self.path == "/":
            self._send(200, "text/html; charset=utf-8", PAGE)
        elif self.path == "/api/status":
            body = json.dumps({"engine": "engine-net", "ok": True, "routes": ROUTES}).encode()
            self._send(200, "application/json", body)
        elif self.path == "/chunked":
            self._chunked()
        elif self.path == "/large":
            self._large()
        elif self.path == "/redirect":
            self.send_response(302)
            self.send_header("Location", "/gzip")
            self.send_header("Content-Length", "0")
            self.end_headers()
        elif self.path == "/gzip":
            self._gzip()
        else:
            self._send(404, "text/plain", b"no such route\n")

    def _send(self, code: int, content_type: str, body: bytes) -> None:
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _chunked(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        for number in range(1, 6):
            piece = f"chunk {number} of 5\n".encode()
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
        self.wfile.write(b"0\r\n\r\n")

    def _gzip(self) -> None:
        """A JSON body, gzip-compressed when the client says it accepts that."""
        body = json.dumps({"compressed": True, "greeting": "hello " * 200}).encode()
        accepted = self.headers.get("Accept-Encoding", "")
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        if "gzip" in accepted:
            body = gzip.compress(body)
            self.send_header("Content-Encoding", "gzip")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _large(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "application/octet-stream")
        self.send_header("Content-Length", str(self.large_size))
        self.end_headers()
        left = self.large_size
        view = memoryview(BLOCK)
        while left:
            step = min(left, len(BLOCK))
            self.wfile.write(view[:step])
            left -= step

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the demo prints its own account of what happens


ROUTES = ["/", "/api/status", "/chunked", "/large", "/redirect", "/gzip"]


@contextmanager
def serve(large_size: int = 64 << 20) -> Iterator[str]:
    """Run the server for the duration of the block; yields its base URL."""
    handler = type("Handler", (_Handler,), {"large_size": large_size})
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler, bind_and_activate=False)
    server.request_queue_size = 128  # the demo opens 100 connections at once
    server.server_bind()
    server.server_activate()
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(5)
