"""Proxies for ``HTTPClient`` (httprequest.md §3): the two settings, the way a connection takes
through them, and the CONNECT exchange an HTTPS proxy needs before the TLS handshake.

``Proxying`` is a plain mixin over ``Exchange`` (so ClassDB sees none of it either);
``net.http_client`` binds ``set_http_proxy`` / ``set_https_proxy`` on top and calls in here
while connecting. The bytes themselves (the absolute-form request line, the CONNECT request)
come from the sans-I/O core ``net.http``. Imports ``engine.object_model``, ``net.http``, the
target rules, the TCP peer and settings.
"""

from __future__ import annotations

import logging
import math
import time
from dataclasses import dataclass
from typing import Final

from engine.object_model import Error
from engine.object_model.errors import err_print, fail_cond
from net import http, settings
from net.http_client_states import EOF, OK, On
from net.http_exchange import READ_BLOCK, Exchange
from net.http_target import Endpoint, HostRefused, parse_endpoint, user_agent
from net.tcp import StreamPeerTCP

logger: Final = logging.getLogger("net.http_client")

_USER_AGENT: Final = user_agent()


@dataclass(frozen=True, slots=True)
class Proxy:
    """A proxy as set: where to connect, and ``user:pass`` for Proxy-Authorization (or "")."""

    endpoint: Endpoint
    credentials: str


@dataclass(frozen=True, slots=True)
class BadProxy:
    """A refused proxy setting. It is kept so that connecting fails instead of quietly going
    around the proxy the caller asked for."""

    reason: str


def parse_proxy(host: str, port: int) -> Proxy | None:
    """The proxy for ``set_http_proxy(host, port)``; ``None`` removes it (an empty host or port
    -1, as in the engine). ``host`` may be ``[user[:password]@]name``, optionally after
    ``http://``; the credentials are taken as written (no percent-decoding). Raises
    ``HostRefused`` for anything else."""
    if not host or port == -1:
        return None
    if port < 1 or port > 65535:
        raise HostRefused("port < 1 || port > 65535")
    lowered = host[:8].lower()
    if lowered.startswith("https://"):
        raise HostRefused(
            "!is_valid_host(p_host)",
            "A proxy is reached over plain TCP (TLS to the proxy itself is not supported): "
            "give its host without https://.",
        )
    if lowered.startswith("http://"):
        host = host[7:]
    credentials, at, name = host.rpartition("@")
    if at and not credentials:
        raise HostRefused("!is_valid_host(p_host)", "Nothing before '@': give user:password@host.")
    if credentials and ":" not in credentials:
        credentials += ":"  # a user name alone: an empty password (RFC 7617 needs the colon)
    try:
        credentials.encode()
    except UnicodeEncodeError:
        raise HostRefused(
            "!is_valid_host(p_host)", "The proxy credentials hold text with no UTF-8 form."
        ) from None
    return Proxy(parse_endpoint(name, port, False), credentials)


@dataclass(slots=True)
class Tunnel:
    """A CONNECT exchange under way: what is left to send, the reply so far, when to give up."""

    unsent: bytes
    reader: http.ResponseReader
    deadline: float


class Proxying(Exchange):
    """The client's proxy settings and the proxy steps of connecting."""

    # Class-level defaults: a client that never meets a proxy never sets them.
    _http_proxy: Proxy | BadProxy | None = None
    _https_proxy: Proxy | BadProxy | None = None
    _proxy: Proxy | None = None  # the proxy the current connection goes through
    _tunnel: Tunnel | None = None

    def _set_proxy(self, function: str, host: str, port: int, tls: bool) -> None:
        try:
            proxy: Proxy | BadProxy | None = parse_proxy(host, port)
        except HostRefused as refused:
            if refused.message:
                err_print(function, refused.message, logger)
            else:
                fail_cond(function, refused.condition, log=logger)
            proxy = BadProxy(refused.message or f'"{refused.condition}"')
        if tls:
            self._https_proxy = proxy
        else:
            self._http_proxy = proxy

    def _take_proxy(
        self, target: Endpoint
    ) -> tuple[Endpoint, http.Origin | http.ForwardOrigin] | None:
        """At ``connect_to_host``: where to connect (the proxy set for the target's scheme,
        else the target) and the origin requests are written for. ``None``, with one line,
        when that proxy setting was refused."""
        setting = self._https_proxy if target.tls else self._http_proxy
        self._proxy = self._tunnel = None
        if setting is None:
            return target, http.Origin(target.host, target.port, target.tls)
        if isinstance(setting, BadProxy):
            which = "set_https_proxy" if target.tls else "set_http_proxy"
            err_print(
                "connect_to_host",
                f"the proxy given to {which}() was refused ({setting.reason}); not connecting "
                "around it. Returned: ERR_INVALID_PARAMETER",
                logger,
            )
            return None
        self._proxy = setting
        if not target.tls:  # a forward proxy: absolute-form requests, credentials on each
            forward = http.ForwardOrigin(target.host, target.port, False, setting.credentials)
            return setting.endpoint, forward
        return setting.endpoint, http.Origin(target.host, target.port, True)

    def _poll_tunnel(self, tcp: StreamPeerTCP) -> Error | None:
        """TCP to an HTTPS proxy is up: send CONNECT for the target and read the reply. Returns
        ``None`` once the tunnel is open (the TLS handshake starts in the same poll), else what
        ``poll`` returns; any failure is STATUS_CANT_CONNECT with one line."""
        tunnel = self._tunnel
        if tunnel is None:
            assert self._origin is not None and self._proxy is not None
            request = http.build_connect(self._origin, self._proxy.credentials, _USER_AGENT)
            limit = settings.get_int(settings.CONNECT_TIMEOUT)
            deadline = time.monotonic() + limit if limit > 0 else math.inf
            tunnel = self._tunnel = Tunnel(request, http.ResponseReader("CONNECT"), deadline)
        while tunnel.unsent:
            error, sent = tcp._write(tunnel.unsent)
            if error != OK:
                return self._refuse(f"the proxy connection failed sending CONNECT ({error.name})")
            if not sent:
                break
            tunnel.unsent = tunnel.unsent[sent:]
        try:
            head = _reply(tcp, tunnel.reader)
        except http.RemoteProtocolError as fault:
            return self._refuse(f"the proxy's reply to CONNECT is not usable: {fault.message}")
        if head is None:
            if time.monotonic() < tunnel.deadline:
                return OK
            return self._refuse("timed out waiting for the proxy's reply to CONNECT")
        if not 200 <= head.status < 300:
            reason = f" {head.reason}" if head.reason else ""
            return self._refuse(f"the proxy refused the tunnel: {head.status}{reason}")
        if tunnel.reader.buffered:
            return self._refuse("the proxy sent bytes after its CONNECT reply, before TLS began")
        self._tunnel = None
        return None

    def _refuse(self, message: str) -> Error:
        err_print("poll", message, logger)
        self._tunnel = None
        self._go(On.TUNNEL_REFUSED)
        return Error.ERR_CANT_CONNECT


def _reply(tcp: StreamPeerTCP, reader: http.ResponseReader) -> http.Head | None:
    """Feed what the proxy sent until its final reply head is complete, or nothing is left."""
    while True:
        head = reader.next_head()
        if head is not None:
            return head
        error, data = tcp._read(READ_BLOCK)
        if data:
            reader.feed(data)
        elif error == OK:
            return None
        else:
            reader.feed_eof(clean=error == EOF)
