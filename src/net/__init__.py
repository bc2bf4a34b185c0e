"""net: stream peers, the resolver, the sans-I/O HTTP/1.1 core and HTTPClient.

Importing this package registers StreamPeer, StreamPeerBuffer, StreamPeerTCP, StreamPeerSSL,
EncodedObjectAsID (what `StreamPeer.get_var` gives for an object sent by id),
IP and HTTPClient in ClassDB.
"""

from net.http_client import HTTPClient
from net.ip import IP
from net.marshalls import EncodedObjectAsID
from net.stream_peer import StreamPeer, StreamPeerBuffer
from net.tcp import StreamPeerTCP
from net.tls import StreamPeerSSL

__all__ = [
    "IP",
    "EncodedObjectAsID",
    "HTTPClient",
    "StreamPeer",
    "StreamPeerBuffer",
    "StreamPeerSSL",
    "StreamPeerTCP",
]
