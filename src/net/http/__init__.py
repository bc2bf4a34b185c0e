"""The sans-I/O HTTP/1.1 core: bytes in, events and bytes out; never touches a socket."""

from net.http.errors import (
    Fault,
    LocalProtocolError,
    ProtocolError,
    RemoteProtocolError,
    RequestRule,
)
from net.http.events import Body, Head
from net.http.framing import Framing
from net.http.query import UnencodableText, query_string_from_dict
from net.http.request import (
    METHODS,
    ForwardOrigin,
    Origin,
    PreparedRequest,
    build_connect,
    build_request,
)
from net.http.response import ResponseReader

__all__ = [
    "METHODS",
    "Body",
    "Fault",
    "ForwardOrigin",
    "Framing",
    "Head",
    "LocalProtocolError",
    "Origin",
    "PreparedRequest",
    "ProtocolError",
    "RemoteProtocolError",
    "RequestRule",
    "ResponseReader",
    "UnencodableText",
    "build_connect",
    "build_request",
    "query_string_from_dict",
]
