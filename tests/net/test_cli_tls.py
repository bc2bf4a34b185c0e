"""``engine-net fetch`` over TLS (here for the TLS fixtures of tests/net/conftest.py)."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable

from conftest import TLSServer, close_notify
from test_cli import engine_net


def test_a_tls_failure_has_its_exit_code(
    tls_server: Callable[..., object], tcp_listener: Callable[..., socket.socket]
) -> None:
    listener = tcp_listener()
    tls_server(listener=listener)
    result = engine_net("fetch", f"https://localhost:{listener.getsockname()[1]}/")
    assert result.returncode == 5
    lines = result.stderr.decode().strip().splitlines()
    assert len(lines) == 1
    assert "CERTIFICATE_VERIFY_FAILED" in lines[0]


def _answer(conn: ssl.SSLSocket) -> None:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return
        data += chunk
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\nsecure")
    close_notify(conn)


def test_fetch_trusts_the_bundle_named_by_the_environment(
    tls_server: Callable[..., TLSServer],
    tcp_listener: Callable[..., socket.socket],
    ca_bundle_path: str,
) -> None:
    listener = tcp_listener()
    tls_server(_answer, listener=listener)
    url = f"https://localhost:{listener.getsockname()[1]}/"
    result = engine_net("fetch", url, env={"ENGINE_NET_CERTIFICATES": ca_bundle_path})
    assert (result.returncode, result.stdout) == (0, b"secure")


def test_fetch_insecure_skips_verification(
    tls_server: Callable[..., TLSServer], tcp_listener: Callable[..., socket.socket]
) -> None:
    listener = tcp_listener()
    tls_server(_answer, listener=listener)
    result = engine_net("fetch", f"https://localhost:{listener.getsockname()[1]}/", "--insecure")
    assert (result.returncode, result.stdout) == (0, b"secure")
