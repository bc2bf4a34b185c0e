"""Shared fixtures. Servers for the network tests live here too as they arrive."""

from __future__ import annotations

import logging
import socket
from collections.abc import Callable, Iterator

import pytest

from support import Exchange, LogLines, RawServer


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
