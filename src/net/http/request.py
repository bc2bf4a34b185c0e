"""Request validation and serialisation.

Owns httpclient.md §4.1 checks 1-4 (with robustness.md §2's Host and Transfer-Encoding rules)
and §4.2's wire format; imports `grammar`, `errors` and `response` (for the reader a prepared
request hands out). Why: every check runs before a single byte is produced, so an
invalid request writes nothing, and the head and body come out as one `bytes` for one write.
"""

from __future__ import annotations

import base64
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import NamedTuple

from net.http import grammar
from net.http.errors import LocalProtocolError, RequestRule, quote
from net.http.response import ResponseReader

#: Wire tokens of the engine's Method enum, by value (METHOD_MAX, 9, is a count).
METHODS = ("GET", "HEAD", "POST", "PUT", "DELETE", "OPTIONS", "TRACE", "CONNECT", "PATCH")

#: Methods that announce an empty body with `Content-Length: 0` (servers answer 411 otherwise).
_ZERO_LENGTH_METHODS = frozenset({"POST", "PUT", "PATCH"})

#: Bytes no target may hold: controls, SP and DEL.
_TARGET_FORBIDDEN = re.compile(r"[\x00-\x20\x7f]")

#: Characters no header value may hold: controls other than HTAB, and DEL.
_VALUE_FORBIDDEN = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")

#: RFC 9110 §7.2 Host value: uri-host [":" port], the host a reg-name, IPv4 or bracketed IPv6.
_HOST_VALUE = re.compile(
    r"(?:\[[0-9A-Fa-f:.]+\]|(?:[A-Za-z0-9\-._~!$&'()*+,;=]|%[0-9A-Fa-f]{2})*)(?::[0-9]*)?",
    re.ASCII,
)

#: The authority of an absolute-form target: after the scheme, up to the path, query or fragment.
_ABSOLUTE_AUTHORITY = re.compile(r"https?://([^/?#]*)")


class Origin(NamedTuple):
    """Where the connection goes: host (IPv6 without brackets), port (None if unknown), TLS.

    A named tuple: it keys the client's prepared-request cache, and a tuple hashes and
    compares in C."""

    host: str
    port: int | None
    tls: bool


class ForwardOrigin(NamedTuple):
    """An origin reached through a forward proxy (httprequest.md §3): request lines take the
    absolute form, and ``proxy_credentials`` ("user:pass", or "") add a Basic
    Proxy-Authorization. A type of its own, so a direct Origin keys the cache as cheaply as
    before."""

    host: str
    port: int | None
    tls: bool
    proxy_credentials: str


@dataclass(frozen=True, slots=True)
class PreparedRequest:
    """A validated request, serialised.

    data is the head and body, ready for one write. method is the wire token. upgrade and
    close say whether the caller sent an Upgrade field and a `close` connection option.
    empty_host is set when no Host could be derived and `Host:` went out empty; the client
    warns once per adopted connection.
    """

    data: bytes
    method: str
    upgrade: bool
    close: bool
    empty_host: bool

    def reader(self) -> ResponseReader:
        """A reader for the response to this request."""
        return ResponseReader(self.method, upgrade=self.upgrade, close_sent=self.close)


def build_request(
    method: int,
    target: str,
    headers: Sequence[str],
    body: bytes,
    *,
    origin: Origin | ForwardOrigin | None,
    user_agent: str,
) -> PreparedRequest:
    """Validate a request and serialise it.

    Args:
        method: a Method value, 0..8.
        target: origin form (`/path`), absolute form (`http://…`, `https://…`), `*` for OPTIONS,
            or an authority (`host:port`) for CONNECT; sent as UTF-8, never rewritten.
        headers: `"Name: value"` strings, sent verbatim and in order after Host.
        body: the body bytes.
        origin: the connection's origin, for the automatic Host; None when unknown.
        user_agent: the automatic User-Agent value.

    Returns the request bytes and the facts the response reader needs.

    Raises LocalProtocolError naming the first failed check (rule, header index) in the order
    of httpclient.md §4.1: method, target, headers (with Host), body framing.
    """
    name = _method_name(method)
    _check_target(name, target)
    fields = _parse_headers(headers)
    given = {field for field, _ in fields}
    _check_host(fields)
    _check_framing(name, fields, body)

    proxy = origin if isinstance(origin, ForwardOrigin) else None
    lines = [f"{name} {target if proxy is None else _absolute_form(target, proxy)} HTTP/1.1"]
    host = ""
    if "host" not in given:
        host = _host_value(target, origin)
        lines.append(f"Host: {host}")
    if proxy is not None and proxy.proxy_credentials and "proxy-authorization" not in given:
        lines.append(proxy_authorization(proxy.proxy_credentials))
    lines.extend(headers)
    framed = "content-length" in given or "transfer-encoding" in given
    if not framed and (body or name in _ZERO_LENGTH_METHODS):
        lines.append(f"Content-Length: {len(body)}")
    if "user-agent" not in given:
        lines.append(f"User-Agent: {user_agent}")
    if "accept" not in given:
        lines.append("Accept: */*")
    head = "\r\n".join(lines) + "\r\n\r\n"
    connection = grammar.tokens(value for field, value in fields if field == "connection")
    return PreparedRequest(
        data=b"".join((head.encode(), body)),
        method=name,
        upgrade="upgrade" in given,
        close="close" in connection,
        empty_host="host" not in given and not host,
    )


def _method_name(method: int) -> str:
    if not 0 <= method < len(METHODS):
        raise LocalProtocolError(
            f"method {method} is out of range 0..{len(METHODS) - 1}", RequestRule.METHOD
        )
    return METHODS[method]


def _check_target(method: str, target: str) -> None:
    if method == "CONNECT":
        valid = ":" in target[1:-1]
        form = "an authority host:port for CONNECT"
    else:
        valid = target.startswith(("/", "http://", "https://")) or (
            method == "OPTIONS" and target == "*"
        )
        form = "/, http:// or https://" + (", or be *" if method == "OPTIONS" else "")
    if not valid:
        raise LocalProtocolError(f"target must start with {form}", RequestRule.TARGET)
    if _TARGET_FORBIDDEN.search(target) or not _encodable(target):
        raise LocalProtocolError(
            "target holds a control byte, a space, DEL or an unencodable character",
            RequestRule.TARGET,
        )


def _parse_headers(headers: Sequence[str]) -> list[tuple[str, str]]:
    """Check each header string; return (lower-case name, trimmed value) pairs."""
    fields: list[tuple[str, str]] = []
    for index, line in enumerate(headers):
        name, colon, value = line.partition(":")
        if not line:
            problem = "is empty"
        elif not colon:
            problem = "has no colon"
        elif not grammar.TOKEN.fullmatch(name):
            problem = f"has an invalid field name {quote(name.encode('utf-8', 'replace'))}"
        elif _VALUE_FORBIDDEN.search(value) or not _encodable(value):
            problem = f"({name}) has a control character in its value"
        else:
            fields.append((name.lower(), value.strip(grammar.OWS)))
            continue
        raise LocalProtocolError(f"header {index} {problem}", RequestRule.HEADER, index)
    return fields


def _check_host(fields: list[tuple[str, str]]) -> None:
    hosts = [index for index, (name, _) in enumerate(fields) if name == "host"]
    if len(hosts) > 1:
        raise LocalProtocolError("more than one Host header", RequestRule.HOST, hosts[1])
    if hosts and not _HOST_VALUE.fullmatch(fields[hosts[0]][1]):
        raise LocalProtocolError("Host header is not host[:port]", RequestRule.HOST, hosts[0])


def _check_framing(method: str, fields: list[tuple[str, str]], body: bytes) -> None:
    lengths = [value for name, value in fields if name == "content-length"]
    codings = [value for name, value in fields if name == "transfer-encoding"]
    if lengths and codings:
        problem = "carries both Content-Length and Transfer-Encoding"
    elif method == "TRACE" and body:
        problem = "is a TRACE request with a body"
    elif len(lengths) > 1:
        problem = "carries more than one Content-Length"
    elif lengths and grammar.content_length(lengths) != len(body):
        problem = f"has Content-Length {lengths[0]!r} but a body of {len(body)} bytes"
    elif codings and not all(
        element.strip(grammar.OWS) for element in ",".join(codings).split(",")
    ):
        problem = "has an empty element in its Transfer-Encoding"  # RFC 9110 §5.6.1
    elif codings and not _chunked_last(grammar.tokens(codings)):
        problem = "has a Transfer-Encoding that does not end with one chunked"
    elif codings and (fault := _chunked_fault(body)):
        problem = f"has a chunked body that breaks the sending rules: {fault}"
    else:
        return
    raise LocalProtocolError(f"request {problem}", RequestRule.BODY_FRAMING)


def _chunked_last(codings: list[str]) -> bool:
    return codings.count("chunked") == 1 and codings[-1] == "chunked"


def _chunked_fault(body: bytes) -> str:
    """Why ``body`` is not exactly one chunked encoding we may send, or ``""`` if it is.

    The rules for sending (robustness.md §1.2), stricter than what the response reader
    tolerates: CRLF line ends only, no whitespace in a chunk-size line, extensions as
    ``;name`` or ``;name=value`` with a token or quoted-string value, trailers as field lines
    (a token name, a colon, a value without control bytes but HTAB), no bytes after the end.
    """
    at = 0
    while True:
        line = grammar.CHUNK_SIZE_LINE_SENT.match(body, at)
        if line is None:
            return f"chunk-size line at byte {at} is not hex digits, extensions and CRLF"
        size = int(line[1], 16)
        at = line.end()
        if size == 0:
            break
        if size > len(body) - at:
            return f"chunk at byte {at} is longer than the body"
        at += size
        if body[at : at + 2] != b"\r\n":
            return f"chunk data ending at byte {at} is not followed by CRLF"
        at += 2
    while not body.startswith(b"\r\n", at):
        field = grammar.TRAILER_LINE_SENT.match(body, at)
        if field is None:
            return f"trailer at byte {at} is not a field line ending in CRLF"
        at = field.end()
    if at + 2 != len(body):
        return f"bytes follow the end of the chunked body at byte {at + 2}"
    return ""


def _host_value(target: str, origin: Origin | ForwardOrigin | None) -> str:
    """The automatic Host: an absolute target's authority, else the origin, else empty."""
    absolute = _ABSOLUTE_AUTHORITY.match(target)
    if absolute:
        authority = absolute[1].rpartition("@")[2]  # never send userinfo
        if authority and _HOST_VALUE.fullmatch(authority):
            return authority
    if origin is None:
        return ""
    host = origin.host
    if ":" in host:  # IPv6: bracketed, and a zone (%eth0) only means something locally
        host = f"[{host.partition('%')[0]}]"
    if origin.port is None or origin.port == (443 if origin.tls else 80):
        return host
    return f"{host}:{origin.port}"


def _authority(origin: Origin | ForwardOrigin) -> str:
    """``host:port`` of an origin, the port always written, an IPv6 host bracketed."""
    host = origin.host
    if ":" in host:
        host = f"[{host.partition('%')[0]}]"
    return f"{host}:{origin.port if origin.port is not None else (443 if origin.tls else 80)}"


def _absolute_form(target: str, origin: ForwardOrigin) -> str:
    """The target as a forward proxy needs it (RFC 9112 §3.2.2): ``http://host:port/path``.

    An absolute target is already in that form; a CONNECT authority stays as it is; ``*``
    becomes the bare authority (RFC 9112 §3.2.4)."""
    if not target.startswith(("/", "*")):
        return target
    return f"http://{_authority(origin)}{target if target != '*' else ''}"


def proxy_authorization(credentials: str) -> str:
    """The Proxy-Authorization field line for ``user:pass`` (Basic, RFC 7617, UTF-8)."""
    token = base64.b64encode(credentials.encode()).decode("ascii")
    return f"Proxy-Authorization: Basic {token}"


def build_connect(origin: Origin | ForwardOrigin, credentials: str, user_agent: str) -> bytes:
    """The CONNECT request that opens a tunnel through a proxy to ``origin`` (RFC 9110
    §9.3.6), with a Basic Proxy-Authorization for ``credentials`` ("user:pass") unless empty.
    Unlike the engine, Host names the target (the engine sends ``Host: :-1``)."""
    authority = _authority(origin)
    lines = [f"CONNECT {authority} HTTP/1.1", f"Host: {authority}"]
    if credentials:
        lines.append(proxy_authorization(credentials))
    lines.append(f"User-Agent: {user_agent}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _encodable(text: str) -> bool:
    """Whether text encodes as UTF-8 (a lone surrogate does not)."""
    try:
        text.encode()
    except UnicodeEncodeError:
        return False
    return True
