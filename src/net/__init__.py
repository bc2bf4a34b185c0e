"""net: stream peers, the resolver, the sans-I/O HTTP/1.1 core and HTTPClient.

Importing this package registers StreamPeer, StreamPeerBuffer, StreamPeerTCP, StreamPeerSSL,
IP, HTTPClient and HTTPRequest (with the scene classes it needs) in ClassDB.
"""

from net.http_client import HTTPClient
from net.http_request import HTTPRequest
from net.ip import IP
from net.stream_peer import StreamPeer, StreamPeerBuffer
from net.tcp import StreamPeerTCP
from net.tls import StreamPeerSSL

__all__ = [
    "IP",
    "HTTPClient",
    "HTTPRequest",
    "StreamPeer",
    "StreamPeerBuffer",
    "StreamPeerSSL",
    "StreamPeerTCP",
]
