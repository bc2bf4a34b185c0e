"""How a final response is framed and whether its connection may carry another request.

Owns httpclient.md §5.4 (the framing table) and §5.6 (keep-alive) as one function over a
parsed head; imports only `grammar` and `errors`. Why: the framing rows
decide where a message ends, so they live in one place that reads like the table, apart from
the byte handling of the reader.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import TypeAlias

from net.http import grammar
from net.http.errors import Fault, RemoteProtocolError, quote


class Framing(enum.Enum):
    """How the body of a final response is delimited (httpclient.md §5.4 rows)."""

    __hash__ = object.__hash__  # identity, in C: members are singletons

    EMPTY = "empty"  # row 1: no body, but the client passes through BODY for one empty read
    NONE = "none"  # row 2: no body, the exchange ends with the head
    TUNNEL = "tunnel"  # row 3: 2xx to CONNECT; the stream is now the caller's tunnel
    UPGRADE = "upgrade"  # row 4: 101 after a request with Upgrade; the stream is handed over
    CHUNKED = "chunked"  # row 5
    LENGTH = "length"  # row 7 (Content-Length, 0 included)
    UNTIL_CLOSE = "until close"  # row 9


#: Framings that enter STATUS_BODY; the others end the exchange with the head.
BODY_FRAMINGS = frozenset({Framing.EMPTY, Framing.CHUNKED, Framing.LENGTH, Framing.UNTIL_CLOSE})


#: The framing verdict for one final head: ``(framing, length, keep_alive, te_with_cl)``.
#: length is what get_response_body_length reports: n for LENGTH, 0 for EMPTY, else -1.
#: keep_alive is the reuse verdict as far as the head can tell; the reader later also refuses
#: reuse when bytes follow the message or the peer already closed. te_with_cl is set when a
#: chunked body also carried Content-Length: the caller logs a warning. A plain tuple, unpacked
#: by its one caller: it is made for every response, and a named tuple's constructor is a
#: Python call.
Decision: TypeAlias = tuple[Framing, int, bool, bool]

#: The lower-case names of the fields ``decide`` reads.
_FRAMING_NAMES = frozenset({"content-length", "transfer-encoding", "connection"})


def decide(
    method: str, close_sent: bool, status: int, minor: int, fields: Sequence[tuple[str, str]]
) -> Decision:
    """Apply the framing table to a final head; the first matching row wins.

    Raises RemoteProtocolError (MALFORMED) for an unknown transfer coding or a bad
    Content-Length on a response that has a body.
    """
    te: list[str] = []
    cl: list[str] = []
    connection: list[str] = []
    for name, value in fields:  # one pass: a head is read once, on every response
        key = name.lower()
        if key in _FRAMING_NAMES:
            if key == "content-length":
                cl.append(value)
            elif key == "transfer-encoding":
                te.append(value)
            else:
                connection.append(value)
    if close_sent:
        persistent = False
    elif connection:
        persistent = _persistent(minor, connection)
    else:  # RFC 9112 §9.3: 1.1 stays open, 1.0 closes
        persistent = minor >= 1
    if method == "HEAD" or (status in (204, 304) and (te or cl)):
        return Framing.EMPTY, 0, persistent and _bodyless_framing_clean(status, te, cl), False
    if status in (204, 304):
        return Framing.NONE, -1, persistent, False
    if method == "CONNECT" and 200 <= status < 300:
        return Framing.TUNNEL, -1, True, False
    if status == 101:  # the reader refuses a 101 to a request without Upgrade
        return Framing.UPGRADE, -1, True, False
    if te:
        if grammar.tokens(te) != ["chunked"]:
            raise RemoteProtocolError(
                f"unsupported Transfer-Encoding {_quoted(te)}", Fault.MALFORMED
            )
        # TE beats CL (RFC 9112 §6.3), but the pair smells of smuggling: never reuse. An
        # HTTP/1.0 peer cannot keep a chunked connection alive either (RFC 9112 §6.1).
        reuse = persistent and not cl and minor >= 1
        return Framing.CHUNKED, -1, reuse, bool(cl)
    if cl:
        length = grammar.content_length(cl)
        if length is None:
            raise RemoteProtocolError(
                f"invalid or conflicting Content-Length {_quoted(cl)}", Fault.MALFORMED
            )
        return Framing.LENGTH, length, persistent, False
    return Framing.UNTIL_CLOSE, -1, False, False


def _persistent(minor: int, connection: list[str]) -> bool:
    """RFC 9112 §9.3 with Connection fields: 1.1 stays open unless `close`; 1.0 closes unless
    `keep-alive`."""
    options = grammar.tokens(connection)
    if "close" in options:
        return False
    return minor >= 1 or "keep-alive" in options


def _bodyless_framing_clean(status: int, te: list[str], cl: list[str]) -> bool:
    """Whether framing fields on a body-less reply are sound enough to keep the connection.

    They never cause a read, but malformed or conflicting ones, or a 204 that claims a body,
    mean the peer's idea of the message differs from ours (httpclient.md §13.2).
    """
    if te and cl:
        return False
    if te:
        return status != 204 and grammar.tokens(te) == ["chunked"]
    if cl:
        length = grammar.content_length(cl)
        return length is not None and not (status == 204 and length != 0)
    return True


def _quoted(values: list[str]) -> str:
    return quote(", ".join(values).encode())
