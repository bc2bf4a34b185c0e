"""The status machine of ``HTTPClient`` as data: what can happen, and which status follows.

Every status change of the client goes through ``_go`` (``net.http_exchange``) and the table
``TRANSITIONS`` here; a (status, event) pair missing from it is a bug and raises. Also the
``Error`` each sticky status and each failure class answers. Data only: imports
``engine.object_model``, ``net.http`` (its failure classes) and ``net.http_constants``.
"""

from __future__ import annotations

from enum import Enum
from typing import Final

from engine.object_model import Error
from net import http
from net.http_constants import Status


class On(Enum):
    """What happened; the table says which status follows."""

    __hash__ = object.__hash__  # identity, in C: members are singletons

    CLOSE = "close"
    ADOPT = "set_connection"
    CONNECT_STARTED = "connect started"
    CONNECT_REFUSED = "no address accepts a connect"
    RESOLVE_QUEUED = "name queued with the resolver"
    RESOLVE_FAILED = "name did not resolve"
    CONNECTED = "connected"
    TLS_FAILED = "TLS handshake failed"
    TUNNEL_REFUSED = "the proxy refused or broke the CONNECT tunnel"
    LOST = "connection lost or broken"
    REQUEST_SENT = "request accepted"
    HEAD_WITH_BODY = "final head, a body follows"
    END_REUSABLE = "exchange over, connection reusable"
    END_CLOSING = "exchange over, connection closes"


# Members read on every request and body read, bound once: on CPython 3.11 any attribute read
# on an Enum class goes through EnumType.__getattr__'s slow hook (about 70 ns, five times a
# module global), which added up to some 2 us per small GET.
OK: Final = Error.OK
EOF: Final = Error.ERR_FILE_EOF
CONNECTED: Final = Status.STATUS_CONNECTED
BODY: Final = Status.STATUS_BODY
DISCONNECTED: Final = Status.STATUS_DISCONNECTED
REQUEST_SENT: Final = On.REQUEST_SENT
HEAD_WITH_BODY: Final = On.HEAD_WITH_BODY
END_REUSABLE: Final = On.END_REUSABLE
END_CLOSING: Final = On.END_CLOSING

_S = Status
_ANY = tuple(Status)
_LIVE = (_S.STATUS_CONNECTED, _S.STATUS_REQUESTING, _S.STATUS_BODY)

#: (status, event) -> next status: httpclient.md §2 as data.
TRANSITIONS: Final[dict[tuple[Status, On], Status]] = {
    **{(s, On.CLOSE): _S.STATUS_DISCONNECTED for s in _ANY},
    **{(s, On.ADOPT): _S.STATUS_CONNECTED for s in _ANY},
    **{
        (s, On.CONNECT_STARTED): _S.STATUS_CONNECTING
        for s in (_S.STATUS_DISCONNECTED, _S.STATUS_RESOLVING)
    },
    **{
        (s, On.CONNECT_REFUSED): _S.STATUS_CANT_CONNECT
        for s in (_S.STATUS_DISCONNECTED, _S.STATUS_RESOLVING, _S.STATUS_CONNECTING)
    },
    (_S.STATUS_DISCONNECTED, On.RESOLVE_QUEUED): _S.STATUS_RESOLVING,
    (_S.STATUS_DISCONNECTED, On.RESOLVE_FAILED): _S.STATUS_CANT_RESOLVE,
    (_S.STATUS_RESOLVING, On.RESOLVE_FAILED): _S.STATUS_CANT_RESOLVE,
    (_S.STATUS_CONNECTING, On.CONNECTED): _S.STATUS_CONNECTED,
    (_S.STATUS_CONNECTING, On.TLS_FAILED): _S.STATUS_SSL_HANDSHAKE_ERROR,
    # Through an HTTPS proxy, CONNECTING covers the CONNECT exchange before the handshake.
    (_S.STATUS_CONNECTING, On.TUNNEL_REFUSED): _S.STATUS_CANT_CONNECT,
    **{(s, On.LOST): _S.STATUS_CONNECTION_ERROR for s in _LIVE},
    (_S.STATUS_CONNECTED, On.REQUEST_SENT): _S.STATUS_REQUESTING,
    (_S.STATUS_REQUESTING, On.HEAD_WITH_BODY): _S.STATUS_BODY,
    (_S.STATUS_REQUESTING, On.END_REUSABLE): _S.STATUS_CONNECTED,
    (_S.STATUS_REQUESTING, On.END_CLOSING): _S.STATUS_DISCONNECTED,
    (_S.STATUS_BODY, On.END_REUSABLE): _S.STATUS_CONNECTED,
    (_S.STATUS_BODY, On.END_CLOSING): _S.STATUS_DISCONNECTED,
}

#: What ``poll`` answers in a status it cannot leave.
STICKY: Final = {
    _S.STATUS_DISCONNECTED: Error.ERR_UNCONFIGURED,
    _S.STATUS_CANT_RESOLVE: Error.ERR_CANT_RESOLVE,
    _S.STATUS_CANT_CONNECT: Error.ERR_CANT_CONNECT,
    _S.STATUS_CONNECTION_ERROR: Error.ERR_CONNECTION_ERROR,
    _S.STATUS_SSL_HANDSHAKE_ERROR: Error.ERR_CONNECTION_ERROR,
}

#: The ``Error`` a failed head or body read reports, by failure class.
FAULT_ERRORS: Final = {
    http.Fault.MALFORMED: Error.ERR_INVALID_DATA,
    http.Fault.LIMIT: Error.ERR_INVALID_DATA,
    http.Fault.TRUNCATED: Error.ERR_CONNECTION_ERROR,
}
