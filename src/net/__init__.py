"""net: stream peers, the resolver, the sans-I/O HTTP/1.1 core and HTTPClient.

Importing this package registers StreamPeer, StreamPeerBuffer, StreamPeerTCP, StreamPeerSSL,
IP and HTTPClient in ClassDB. ``PollGroup`` (Python-only) waits on many clients at once.
"""

from net.http_client import HTTPClient
from net.ip import IP
from net.poll_group import PollGroup
from net.stream_peer import StreamPeer, StreamPeerBuffer
from net.tcp import StreamPeerTCP
from net.tls import StreamPeerSSL

__all__ = [
    "IP",
    "HTTPClient",
    "PollGroup",
    "StreamPeer",
    "StreamPeerBuffer",
    "StreamPeerSSL",
    "StreamPeerTCP",
]
