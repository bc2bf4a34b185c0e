"""HTTPRequest's URLs and redirects as pure functions: parse a URL, resolve a ``Location``,
decide the next hop from the current one and a response (httprequest.md §2.2, §2.5).

No I/O and no logging, so every rule is table-tested without sockets (the shape of httpx's
``_build_redirect_request``: method, URL, headers and body each decided by a small helper; the
credential rule is data, as urllib3's ``remove_headers_on_redirect``). Imports the standard
library and ``net.http_target`` (the host rules ``connect_to_host`` applies).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, replace
from enum import IntEnum
from typing import Final
from urllib.parse import unquote, urljoin, urlsplit

from net.http_target import HostRefused, parse_endpoint


class Result(IntEnum):
    """How a request ended: HTTPRequest's ``Result`` enum (3.5's values, one appended)."""

    RESULT_SUCCESS = 0
    RESULT_CHUNKED_BODY_SIZE_MISMATCH = 1
    RESULT_CANT_CONNECT = 2
    RESULT_CANT_RESOLVE = 3
    RESULT_CONNECTION_ERROR = 4
    RESULT_SSL_HANDSHAKE_ERROR = 5
    RESULT_NO_RESPONSE = 6
    RESULT_BODY_SIZE_LIMIT_EXCEEDED = 7
    RESULT_REQUEST_FAILED = 8
    RESULT_DOWNLOAD_FILE_CANT_OPEN = 9
    RESULT_DOWNLOAD_FILE_WRITE_ERROR = 10
    RESULT_REDIRECT_LIMIT_REACHED = 11
    RESULT_TIMEOUT = 12
    RESULT_BODY_DECOMPRESS_FAILED = 13


#: The redirect codes followed (the engine follows only 301 and 302).
REDIRECT_CODES: Final = frozenset({301, 302, 303, 307, 308})
#: Custom headers that never cross to another origin.
CREDENTIAL_HEADERS: Final = frozenset({"authorization", "cookie", "proxy-authorization"})
#: Headers that describe a body, dropped when a redirect turns the method into GET.
BODY_HEADERS: Final = frozenset({"content-type", "content-length", "transfer-encoding"})

_GET: Final = 0
_HEAD: Final = 1
_POST: Final = 2


@dataclass(frozen=True, slots=True)
class Url:
    """A checked http(s) URL: what to connect to and what to ask for."""

    tls: bool
    host: str  # as written (brackets removed from an IPv6 literal)
    port: int  # explicit, or the scheme's default
    target: str  # path and query, never empty
    username: str = ""
    password: str = ""

    @property
    def origin(self) -> tuple[bool, str, int]:
        return self.tls, self.host.lower(), self.port

    def text(self) -> str:
        """The URL without credentials, for resolving references against it."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}{self.target}"

    def authorization(self) -> str | None:
        """The ``Authorization`` header the URL's credentials stand for, if it has any."""
        if not self.username and not self.password:
            return None
        token = base64.b64encode(f"{self.username}:{self.password}".encode()).decode("ascii")
        return f"Authorization: Basic {token}"


def parse_url(text: str) -> Url | None:
    """``text`` as an http(s) URL, or ``None`` when it is not one HTTPRequest accepts."""
    if any(ch <= " " or ch == "\x7f" for ch in text):
        return None
    try:
        parts = urlsplit(text)
    except ValueError:  # an unbalanced IPv6 bracket
        return None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https") or not parts.netloc:
        return None
    userinfo, _, hostport = parts.netloc.rpartition("@")
    host, port = _split_host_port(hostport, 443 if scheme == "https" else 80)
    if not host or port is None:
        return None
    try:
        parse_endpoint(host, port, scheme == "https")
    except HostRefused:
        return None
    user, _, password = userinfo.partition(":")
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Url(scheme == "https", host, port, target, unquote(user), unquote(password))


def _split_host_port(hostport: str, default: int) -> tuple[str, int | None]:
    if hostport.startswith("["):
        host, bracket, rest = hostport[1:].partition("]")
        if not bracket or (rest and not rest.startswith(":")):
            return "", None
        port_text = rest[1:]
    else:
        host, _, port_text = hostport.partition(":")
    if not port_text:
        return host, default
    if not port_text.isascii() or not port_text.isdigit() or not 0 < int(port_text) < 65536:
        return host, None
    return host, int(port_text)


@dataclass(frozen=True, slots=True)
class Hop:
    """One request of a redirect chain, as it goes out."""

    url: Url
    method: int
    headers: tuple[str, ...]  # the caller's custom headers, as they stand for this hop
    body: bytes = b""
    redirects: int = 0  # redirects followed to get here


def header_name(line: str) -> str:
    return line.partition(":")[0].strip().lower()


def find_field(lines: list[str], name: str) -> str | None:
    """The value of the first ``name`` field (exact name, any case) among ``Name: value`` lines."""
    for line in lines:
        field, colon, value = line.partition(":")
        if colon and field.lower() == name:
            return value.strip()
    return None


def next_hop(
    current: Hop, status: int, headers: list[str], max_redirects: int
) -> Hop | Result | None:
    """What follows a response with ``status`` and ``headers`` to ``current``: the next hop, a
    failure ``Result``, or ``None`` when this response is the final one.
    """
    location = find_field(headers, "location") if status in REDIRECT_CODES else None
    if location is None:
        return None
    if max_redirects != -1 and current.redirects >= max_redirects:
        return Result.RESULT_REDIRECT_LIMIT_REACHED
    url = resolve(current.url, location)
    if url is None:
        return Result.RESULT_REQUEST_FAILED
    method = redirect_method(current.method, status)
    headers_out = current.headers
    body = current.body
    if method != current.method and method == _GET:
        headers_out = tuple(h for h in headers_out if header_name(h) not in BODY_HEADERS)
        body = b""
    if url.origin != current.url.origin:
        headers_out = tuple(h for h in headers_out if header_name(h) not in CREDENTIAL_HEADERS)
    return Hop(url, method, headers_out, body, current.redirects + 1)


def resolve(base: Url, location: str) -> Url | None:
    """``location`` (a URI reference) resolved against ``base`` (RFC 3986 §5.2), carrying
    ``base``'s credentials when it stays on its origin."""
    if any(ch < " " or ch == "\x7f" for ch in location):
        return None
    location = location.strip()
    try:
        absolute = bool(urlsplit(location).scheme)
        url = parse_url(location if absolute else urljoin(base.text(), location))
    except ValueError:
        return None
    if url is None:
        return None
    # Credentials come from the first URL only, and only while the chain stays on its origin.
    same = url.origin == base.origin
    return replace(
        url, username=base.username if same else "", password=base.password if same else ""
    )


def redirect_method(method: int, status: int) -> int:
    """303 asks for a GET (HEAD stays HEAD); 301 and 302 turn a POST into a GET, as browsers do;
    307 and 308 keep the method."""
    if status == 303 and method != _HEAD:
        return _GET
    if status in (301, 302) and method == _POST:
        return _GET
    return method
