"""The engine's ``Error`` codes and the one-line, engine-style error log helpers.

Imports only the standard library. Every module that reports misuse through an engine API
formats its line here, so the wording ("Condition ... is true. Returned: ...") and the log-safety
rule (quoted input cut to 32 bytes, control characters spelled out) live in one place.
"""

from __future__ import annotations

import logging
from enum import IntEnum
from typing import Any, Final

logger: Final = logging.getLogger("engine.object_model")


class Error(IntEnum):
    """The engine's global ``Error`` enum (identical across the 3.x line)."""

    OK = 0
    FAILED = 1
    ERR_UNAVAILABLE = 2
    ERR_UNCONFIGURED = 3
    ERR_UNAUTHORIZED = 4
    ERR_PARAMETER_RANGE_ERROR = 5
    ERR_OUT_OF_MEMORY = 6
    ERR_FILE_NOT_FOUND = 7
    ERR_FILE_BAD_DRIVE = 8
    ERR_FILE_BAD_PATH = 9
    ERR_FILE_NO_PERMISSION = 10
    ERR_FILE_ALREADY_IN_USE = 11
    ERR_FILE_CANT_OPEN = 12
    ERR_FILE_CANT_WRITE = 13
    ERR_FILE_CANT_READ = 14
    ERR_FILE_UNRECOGNIZED = 15
    ERR_FILE_CORRUPT = 16
    ERR_FILE_MISSING_DEPENDENCIES = 17
    ERR_FILE_EOF = 18
    ERR_CANT_OPEN = 19
    ERR_CANT_CREATE = 20
    ERR_QUERY_FAILED = 21
    ERR_ALREADY_IN_USE = 22
    ERR_LOCKED = 23
    ERR_TIMEOUT = 24
    ERR_CANT_CONNECT = 25
    ERR_CANT_RESOLVE = 26
    ERR_CONNECTION_ERROR = 27
    ERR_CANT_ACQUIRE_RESOURCE = 28
    ERR_CANT_FORK = 29
    ERR_INVALID_DATA = 30
    ERR_INVALID_PARAMETER = 31
    ERR_ALREADY_EXISTS = 32
    ERR_DOES_NOT_EXIST = 33
    ERR_DATABASE_CANT_READ = 34
    ERR_DATABASE_CANT_WRITE = 35
    ERR_COMPILATION_FAILED = 36
    ERR_METHOD_NOT_FOUND = 37
    ERR_LINK_FAILED = 38
    ERR_SCRIPT_FAILED = 39
    ERR_CYCLIC_LINK = 40
    ERR_INVALID_DECLARATION = 41
    ERR_DUPLICATE_SYMBOL = 42
    ERR_PARSE_ERROR = 43
    ERR_BUSY = 44
    ERR_SKIP = 45
    ERR_HELP = 46
    ERR_BUG = 47
    ERR_PRINTER_ON_FIRE = 48


_ESCAPES: Final = {"\r": "\\r", "\n": "\\n", "\t": "\\t", "\x00": "\\x00"}
QUOTE_LIMIT: Final = 32


def quote(text: str | bytes) -> str:
    """Make untrusted input safe to log: at most 32 bytes, control characters spelled out.

    A peer or a caller must not be able to split a log line or forge another one, so CR, LF
    and every other control character are written as escapes; a lone surrogate (text that
    cannot be UTF-8) is written as its ``\\udXXX`` escape.
    """
    raw = text if isinstance(text, bytes) else text.encode("utf-8", "backslashreplace")
    cut = raw[:QUOTE_LIMIT].decode("utf-8", "replace")
    out = []
    for ch in cut:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ch < " " or ch == "\x7f":
            out.append(f"\\x{ord(ch):02x}")
        else:
            out.append(ch)
    return "".join(out) + ("..." if len(raw) > QUOTE_LIMIT else "")


def spell(value: Any, empty: str = "Variant()") -> str:
    """Spell a returned value the way the engine's source would in ``Returned: <v>``.

    ``empty`` is how ``None`` is written for this return type (``Variant()``, ``Ref<T>()``,
    ``nullptr``).
    """
    if value is None:
        return empty
    if isinstance(value, Error):
        return value.name
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, bytes):
        return "PoolByteArray()" if not value else repr(value)
    if isinstance(value, str):
        return "String()" if not value else f'"{quote(value)}"'
    if isinstance(value, list):
        return "Array()" if not value else repr(value)
    if isinstance(value, dict):
        return "Dictionary()" if not value else repr(value)
    return str(value)


def loggable(text: str) -> str:
    """``text`` with each lone surrogate spelled as its escape, so any log handler can write it.

    A string from ``os.fsdecode`` or JSON may hold surrogates that no UTF-8 stream accepts; a
    handler would fail on the line (and print a traceback) instead of writing it.
    """
    if text.isascii():
        return text
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def err_print(function: str, message: str, log: logging.Logger = logger) -> None:
    """``ERR_PRINT``: one ERROR line ``ERROR: <function>: <message>``."""
    log.error("ERROR: %s: %s", loggable(function), loggable(message))


def warn_print(function: str, message: str, log: logging.Logger = logger) -> None:
    """``WARN_PRINT``: one WARNING line ``WARNING: <function>: <message>``."""
    log.warning("WARNING: %s: %s", loggable(function), loggable(message))


def fail_cond(
    function: str,
    condition: str,
    returned: Any = None,
    *,
    empty: str = "",
    log: logging.Logger = logger,
) -> None:
    """``ERR_FAIL_COND`` / ``ERR_FAIL_COND_V``: log that ``condition`` held.

    With ``returned`` (or ``empty`` for a ``None`` return) the line ends with ``Returned: <v>``.
    """
    text = f'Condition "{condition}" is true.'
    if returned is not None or empty:
        text += f" Returned: {spell(returned, empty or 'Variant()')}"
    err_print(function, text, log)
