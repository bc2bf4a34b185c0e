"""net: stream peers, the resolver, the sans-I/O HTTP/1.1 core, HTTPClient and HTTPRequest.

Importing this package registers StreamPeer, StreamPeerBuffer, StreamPeerTCP, StreamPeerSSL,
EncodedObjectAsID (what `StreamPeer.get_var` gives for an object sent by id), IP, HTTPClient
and HTTPRequest (with the scene classes it needs) in ClassDB. ``PollGroup`` (Python-only)
waits on many clients at once.
"""

from net.http_client import HTTPClient
from net.http_request import HTTPRequest
from net.ip import IP
from net.marshalls import EncodedObjectAsID
from net.poll_group import PollGroup
from net.stream_peer import StreamPeer, StreamPeerBuffer
from net.tcp import StreamPeerTCP
from net.tls import StreamPeerSSL

__all__ = [
    "IP",
    "EncodedObjectAsID",
    "HTTPClient",
    "HTTPRequest",
    "PollGroup",
    "StreamPeer",
    "StreamPeerBuffer",
    "StreamPeerSSL",
    "StreamPeerTCP",
]
