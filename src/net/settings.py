"""Process-wide network settings, named like the engine's project settings.

Owns the three values the transports read when they start work: the trusted-certificate bundle
(``network/ssl/certificates``) and the two time limits. Imports the standard library only.

Why a module of plain functions: the engine reads these through ``ProjectSettings`` at the
moment a connection or handshake starts, so a change applies to the next connection and never
to one in flight. ``get_setting``/``set_setting`` are Python-only entry points: they raise
(``KeyError``, ``TypeError``, ``ValueError``) and never log (object_model_reference.md §4.1).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

#: A PEM bundle that replaces certifi's trust store; ``""`` means certifi's bundle.
CERTIFICATES: Final = "network/ssl/certificates"
#: Seconds allowed for each TCP connect attempt (also the DNS wait and the TLS handshake).
CONNECT_TIMEOUT: Final = "network/limits/tcp/connect_timeout_seconds"
#: Seconds allowed for each blocking-mode call of the HTTP client as a whole; 0 means no limit.
BLOCKING_TIMEOUT: Final = "network/limits/http/blocking_timeout_seconds"
#: The environment variable that gives ``network/ssl/certificates`` its value at import.
CERTIFICATES_ENV: Final = "ENGINE_NET_CERTIFICATES"

#: Every setting with its default, in a fixed order (read-only).
DEFAULTS: Final[Mapping[str, str | int]] = MappingProxyType(
    {CERTIFICATES: "", CONNECT_TIMEOUT: 30, BLOCKING_TIMEOUT: 30}
)

_values: dict[str, str | int] = {
    **DEFAULTS,
    CERTIFICATES: os.environ.get(CERTIFICATES_ENV, ""),
}


def _checked(name: str, value: object) -> str | int:
    """``value`` as stored for ``name``, or the exception a bad name or value deserves."""
    if name not in DEFAULTS:
        raise KeyError(f"unknown setting {name!r}")
    if isinstance(DEFAULTS[name], str):
        if not isinstance(value, str):
            raise TypeError(f"setting {name!r} takes a str, not {type(value).__name__}")
        return str(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise TypeError(f"setting {name!r} takes an int, not {type(value).__name__}")
    if value < 0:
        raise ValueError(f"setting {name!r} takes a number of seconds >= 0, not {value}")
    return int(value)


def get_setting(name: str) -> str | int:
    """The current value of setting ``name``; ``KeyError`` for an unknown name."""
    if name not in _values:
        raise KeyError(f"unknown setting {name!r}")
    return _values[name]


def set_setting(name: str, value: str | int) -> None:
    """Change setting ``name``; it applies to connections and handshakes started afterwards.

    Raises ``KeyError`` for an unknown name, ``TypeError`` for a value of the wrong type
    (``bool`` is not accepted as an int) and ``ValueError`` for a negative time limit.
    """
    _values[name] = _checked(name, value)


def get_int(name: str) -> int:
    """The value of an int setting (a typed shortcut for the transports, read on every
    blocking wait: a known int setting answers in one lookup)."""
    value = _values.get(name)
    if type(value) is int:
        return value
    value = get_setting(name)
    if not isinstance(value, int):
        raise TypeError(f"setting {name!r} is not an int setting")
    return value


def get_str(name: str) -> str:
    """The value of a str setting (a typed shortcut for the transports)."""
    value = get_setting(name)
    if not isinstance(value, str):
        raise TypeError(f"setting {name!r} is not a str setting")
    return value
