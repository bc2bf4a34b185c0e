"""What ``HTTPClient.connect_to_host`` accepts as a host and port, and the User-Agent it sends.

Owns httpclient.md §3.1 steps 2-5 (scheme prefix, IPv6 brackets and zones, the host checks,
IDNA, default ports) as one pure function, so every rule is testable without a client.
Imports the standard library only; never logs (the client turns a refusal into its line).
"""

from __future__ import annotations

import ipaddress
import platform
import re
from dataclasses import dataclass
from importlib import metadata
from typing import Final

#: The engine refuses host names shorter than this (IP literals are exempt).
HOST_MIN_LEN: Final = 4

#: Characters that never belong in a host name: whitespace, controls and URL delimiters.
_FORBIDDEN: Final = re.compile(r"[\x00-\x20\x7f/?#@\\\[\]:%]")

#: The label separators Python's ``idna`` codec splits a name on (RFC 3490 §3.1).
_LABEL_DOTS: Final = re.compile("[.\u3002\uff0e\uff61]")


@dataclass(frozen=True, slots=True)
class Endpoint:
    """A checked destination.

    ``host`` is what goes into Host and SNI (IDNA form, IPv6 without brackets or zone);
    ``address`` is what the socket connects to (an IPv6 literal keeps its zone), or ``""`` for
    a name that still needs resolving.
    """

    host: str
    address: str
    port: int
    tls: bool


class HostRefused(ValueError):
    """The host or port breaks a rule; ``condition`` is the engine-style condition text."""

    def __init__(self, condition: str, message: str = "") -> None:
        super().__init__(message or condition)
        self.condition = condition
        self.message = message


def parse_endpoint(host: str, port: int, use_ssl: bool) -> Endpoint:
    """Apply the connect rules to ``host``/``port``; raise ``HostRefused`` on a bad one."""
    lowered = host[:8].lower()
    if lowered.startswith("https://"):
        host, use_ssl = host[8:], True
    elif lowered.startswith("http://"):
        host = host[7:]
    literal = _ip_literal(host)
    if literal is None:
        name = _host_name(host)
        # A name written in other digits (fullwidth ones, U+FF10-FF19) maps to an IP literal;
        # it is then connected to as one, and never sent as SNI.
        literal = _ip_literal(name) or (name, "")
    name, address = literal
    if port < 0:
        port = 443 if use_ssl else 80
    if port < 1 or port > 65535:
        raise HostRefused("port < 1 || port > 65535")
    return Endpoint(name, address, port, use_ssl)


def _ip_literal(host: str) -> tuple[str, str] | None:
    """``(host for headers, address to connect)`` for an IP literal, else ``None``."""
    bracketed = host.startswith("[") and host.endswith("]")
    text = host[1:-1] if bracketed else host
    try:
        parsed = ipaddress.ip_address(text)
    except ValueError:
        if bracketed:
            raise HostRefused(
                "!conn_host.is_valid_ip_address()",
                f"'{host[:64]}' is not a valid IPv6 address in brackets.",
            ) from None
        return None
    if bracketed and parsed.version != 6:
        raise HostRefused("!conn_host.is_valid_ip_address()", "Only IPv6 addresses take brackets.")
    if isinstance(parsed, ipaddress.IPv6Address) and parsed.scope_id:
        return text.split("%", 1)[0], text
    return text, text


def _host_name(host: str) -> str:
    """The name DNS, SNI and Host will get: ``host`` itself, or its IDNA form.

    The forbidden characters are checked on the given text and again on its IDNA form, since
    IDNA's mapping (NFKC) turns the fullwidth colon, solidus or at sign into their ASCII twins
    and a character such as U+2100 (account of) into ``a/c``: the name that goes out is the
    one that was checked.
    """
    if not host:
        raise HostRefused("conn_host.length() < HOST_MIN_LEN")
    _check_characters(host)
    if len(host) < HOST_MIN_LEN:
        raise HostRefused("conn_host.length() < HOST_MIN_LEN")
    if host.isascii():
        return host
    try:
        name = host.encode("idna").decode("ascii")
    except UnicodeError:  # a label IDNA refuses, or a lone surrogate (no UTF-8 form)
        name = ""
    # The mapping may put a dot inside a label (U+2024 one dot leader, U+2488 digit one full
    # stop): the name would then have other labels than the one given, an empty one perhaps.
    if not name or name.count(".") != len(_LABEL_DOTS.findall(host)):
        raise HostRefused("!is_valid_host(conn_host)", "The host name cannot be encoded with IDNA.")
    _check_characters(name)
    if len(name) < HOST_MIN_LEN:  # IDNA maps some characters (soft hyphens) to nothing
        raise HostRefused("conn_host.length() < HOST_MIN_LEN")
    return name


def _check_characters(name: str) -> None:
    if _FORBIDDEN.search(name):
        raise HostRefused(
            "!is_valid_host(conn_host)",
            "The host may only be a name or an IP address: give the port in 'port' and the "
            "path in request().",
        )


def _os_name() -> str:
    system = platform.system()
    if system == "Windows":
        return "Windows"
    if system == "Darwin":
        return "OSX"
    if system == "Linux" or system.endswith("BSD"):
        return "X11"
    return system


def user_agent() -> str:
    """``engine-net/<version> (<OS>)``, with the OS named as the engine's builds name it."""
    try:
        version = metadata.version("engine-net")
    except metadata.PackageNotFoundError:  # running from a source tree without an install
        version = "0"
    return f"engine-net/{version} ({_os_name()})"
