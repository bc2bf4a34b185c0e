"""Shared fixtures. Servers for the network tests live here too as they arrive."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator

import pytest

from support import PROXY_PASSWORD, PROXY_USER, Exchange, LogLines, ProxyPy, RawServer


@pytest.fixture
def engine_log(caplog: pytest.LogCaptureFixture) -> LogLines:
    """Capture WARNING and ERROR lines from every engine-net logger."""
    caplog.set_level(logging.DEBUG)
    return LogLines(caplog)


@pytest.fixture
def raw_server() -> Iterator[Callable[..., RawServer]]:
    """Start raw servers for a test: ``raw_server([[Exchange(...), ...], ...])``."""
    servers: list[RawServer] = []

    def start(scripts: list[list[Exchange]], family: int = socket.AF_INET) -> RawServer:
        server = RawServer(scripts, family)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


@pytest.fixture(scope="session")
def proxy_py(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyPy]:
    """A real proxy (proxy.py) on loopback, shared by the session; stopped at its end."""
    proxy = ProxyPy(str(tmp_path_factory.mktemp("proxy.py")))
    yield proxy
    proxy.stop()


@pytest.fixture(scope="session")
def proxy_py_auth(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ProxyPy]:
    """proxy.py asking for Basic credentials: ``PROXY_USER`` and ``PROXY_PASSWORD``."""
    proxy = ProxyPy(str(tmp_path_factory.mktemp("proxy.py-auth")), f"{PROXY_USER}:{PROXY_PASSWORD}")
    yield proxy
    proxy.stop()
