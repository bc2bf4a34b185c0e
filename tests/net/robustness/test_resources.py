"""Failing exchanges leak nothing, and a dropped client closes its socket (robustness.md §7.5).

A thousand exchanges that fail in every way a loopback server can make them fail (connection
refused, reset, malformed reply, truncated body, TLS handshake against a plain HTTP server) leave
the process with the file descriptors and threads it had, and raise no ResourceWarning.
"""

from __future__ import annotations

import gc
import os
import socket
import threading
import warnings
from collections.abc import Iterator

import pytest

from conftest import SAFETY_TIMEOUT, recv_exactly, wait_fd
from engine.object_model import Error
from net import HTTPClient
from support import Exchange, RawServer

S = HTTPClient.Status
FD_DIR = "/proc/self/fd"
REPLIES = {
    "reset": Exchange(b"HTTP/1.1 200 OK\r\nContent-Le", then="reset"),
    "malformed": Exchange(b"HTTP/2.0 200 OK\r\n\r\n", then="close"),
    "truncated": Exchange(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\nabc", then="close"),
    "tls": Exchange(b"HTTP/1.1 400 Bad Request\r\n\r\n", then="close", read_request=False),
}
FINAL = {
    "refused": S.STATUS_CANT_CONNECT,
    "reset": S.STATUS_CONNECTION_ERROR,
    "malformed": S.STATUS_CONNECTION_ERROR,
    "truncated": S.STATUS_CONNECTION_ERROR,
    "tls": S.STATUS_SSL_HANDSHAKE_ERROR,
}


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def fail_once(kind: str, port: int) -> None:
    """One exchange that fails as `kind` says, in blocking mode (each call finishes its step)."""
    http = HTTPClient()
    http.set_blocking_mode(True)
    assert http.connect_to_host("127.0.0.1", port, use_ssl=kind == "tls") == Error.OK
    while http.get_status() == S.STATUS_CONNECTING:
        http.poll()
    if http.get_status() == S.STATUS_CONNECTED:
        assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
        while http.get_status() == S.STATUS_REQUESTING:
            http.poll()
        while http.get_status() == S.STATUS_BODY:
            http.read_response_body_chunk()
    assert http.get_status() == FINAL[kind]
    assert http.get_connection() is None
    http.close()


def kinds(count: int) -> list[str]:
    return [list(FINAL)[i % len(FINAL)] for i in range(count)]


@pytest.fixture
def quiet_engine_log() -> Iterator[None]:
    """A thousand failures log a thousand ERROR lines; keep them out of the captured report."""
    logger = __import__("logging").getLogger("net")
    disabled, logger.disabled = logger.disabled, True
    yield
    logger.disabled = disabled


@pytest.mark.skipif(not os.path.isdir(FD_DIR), reason="counts descriptors in /proc/self/fd")
def test_a_thousand_failing_exchanges_leave_no_descriptor_thread_or_warning(
    quiet_engine_log: None,
) -> None:
    refused = closed_port()

    def play(plan: list[str]) -> None:
        served = [[REPLIES[kind]] for kind in plan if kind != "refused"]
        server = RawServer(served)
        try:
            for kind in plan:
                fail_once(kind, refused if kind == "refused" else server.port)
            server.wait()
            assert server.accepted == len(served)
            assert server.errors == []
        finally:
            server.stop()

    play(kinds(10))  # warm up: first TLS context, certifi bundle, resolver singletons
    gc.collect()
    fds, threads = len(os.listdir(FD_DIR)), threading.active_count()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", ResourceWarning)
        play(kinds(1000))
        gc.collect()
    assert [w for w in caught if issubclass(w.category, ResourceWarning)] == []
    assert len(os.listdir(FD_DIR)) == fds
    assert threading.active_count() == threads


def test_a_dropped_client_closes_its_socket() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)
        http = HTTPClient()
        assert http.connect_to_host("127.0.0.1", listener.getsockname()[1]) == Error.OK
        wait_fd(listener)
        conn, _ = listener.accept()
        with conn:
            conn.settimeout(SAFETY_TIMEOUT)
            while http.get_status() == S.STATUS_CONNECTING:
                http.poll()
            assert http.request(HTTPClient.METHOD_GET, "/", []) == Error.OK
            assert recv_exactly(conn, 4) == b"GET "
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always", ResourceWarning)
                del http
                gc.collect()
            assert caught == []
            rest = b""
            while chunk := conn.recv(65536):  # the request's rest, then the client's FIN
                rest += chunk
            assert rest.endswith(b"\r\n\r\n")
