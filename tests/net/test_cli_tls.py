"""``engine-net fetch`` over TLS (here for the TLS fixtures of tests/net/conftest.py)."""

from __future__ import annotations

import socket
from collections.abc import Callable

from test_http_client_tls import reply_with

from conftest import TLSServer
from support import engine_net


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


def test_fetch_trusts_the_bundle_named_by_the_environment(
    tls_server: Callable[..., TLSServer],
    tcp_listener: Callable[..., socket.socket],
    ca_bundle_path: str,
) -> None:
    listener = tcp_listener()
    tls_server(reply_with(b"secure"), listener=listener)
    url = f"https://localhost:{listener.getsockname()[1]}/"
    result = engine_net("fetch", url, env={"ENGINE_NET_CERTIFICATES": ca_bundle_path})
    assert (result.returncode, result.stdout) == (0, b"secure")


def test_fetch_insecure_skips_verification(
    tls_server: Callable[..., TLSServer], tcp_listener: Callable[..., socket.socket]
) -> None:
    listener = tcp_listener()
    tls_server(reply_with(b"secure"), listener=listener)
    result = engine_net("fetch", f"https://localhost:{listener.getsockname()[1]}/", "--insecure")
    assert (result.returncode, result.stdout) == (0, b"secure")
