"""Shared fixtures. Servers for the network tests live here too as they arrive."""

from __future__ import annotations

import logging

import pytest


class LogLines:
    """The engine-style lines logged while a test runs, as ``record.getMessage()`` gives them."""

    def __init__(self, caplog: pytest.LogCaptureFixture) -> None:
        self._caplog = caplog

    @property
    def lines(self) -> list[str]:
        return [r.getMessage() for r in self._caplog.records if r.levelno >= logging.WARNING]

    def clear(self) -> None:
        self._caplog.clear()


@pytest.fixture
def engine_log(caplog: pytest.LogCaptureFixture) -> LogLines:
    """Capture WARNING and ERROR lines from every engine-net logger."""
    caplog.set_level(logging.DEBUG)
    return LogLines(caplog)
