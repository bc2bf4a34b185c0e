"""``PollGroup``: many clients and stream peers waited on in one system call.

Python-only (not a ClassDB class). A game loop or a service driving many ``HTTPClient``s would
otherwise poll each one every frame, or re-learn what this module knows: which socket is behind
a client right now (TCP, then TLS over the same socket, then a new socket after a reconnect),
and which readiness each status waits for. ``interest`` answers that for one member; the
asyncio bridge (``net.aio``) uses it too. Imports ``net``'s clients, peers and the standard
library.

Why it is shaped this way:
- One table, ``_CLIENT_INTEREST``, says what a client waits for in each status; what a stream
  adds (a pending TCP connect wants writable, a TLS handshake wants what its last step asked,
  records a TLS peer holds already mean "ready now") is the stream's part, ``_stream_interest``.
- Registration follows the socket object, not just its number: a socket closed and another
  opened may reuse the number, and epoll forgets a closed socket by itself (unless a copy of
  it stays open elsewhere: then the group starts a new epoll).
- On Linux the group talks to epoll itself and keeps its own number-to-member table: the
  ``selectors`` layer's per-event key objects cost more than the rest of a busy wait.
- A client whose status, stream and exchange are as at the last wait, with nothing unsent and
  no body under way, is not examined again: a wait over many idle or requesting clients costs
  a few attribute reads per client, not a re-registration. Idle timeouts add a comparison
  per client; only a wait past the soonest idle deadline looks at every client again.
- Members are level-triggered: a member returned and not served (not polled, nothing read) is
  returned again by the next wait.
"""

from __future__ import annotations

import contextlib
import math
import select
import selectors
import time
from collections.abc import Callable
from typing import Final, Generic, Protocol, TypeAlias, TypeVar

from net.http_client import HTTPClient
from net.http_constants import Status
from net.stream_peer import StreamPeer
from net.tcp import StreamPeerTCP
from net.tls import StreamPeerSSL

READ: Final = selectors.EVENT_READ
WRITE: Final = selectors.EVENT_WRITE
#: ``events`` of a member that can make progress now, whatever its socket says.
NOW: Final = 0
#: The deadline of a member that has none.
_NEVER: Final = math.inf

_S = Status
_CONNECTED: Final = _S.STATUS_CONNECTED
_REQUESTING: Final = _S.STATUS_REQUESTING
_BODY: Final = _S.STATUS_BODY
_CONNECTING: Final = _S.STATUS_CONNECTING
_TCP_CONNECTING: Final = StreamPeerTCP.Status.STATUS_CONNECTING
_TLS_HANDSHAKING: Final = StreamPeerSSL.Status.STATUS_HANDSHAKING
_TLS_CONNECTED: Final = StreamPeerSSL.Status.STATUS_CONNECTED

#: What a client waits for on its stream, by status. ``NOW`` for the statuses with no socket
#: to wait on: a name lookup (the resolver answers on another thread) and the outcomes
#: (disconnected or failed), which the caller must see to act on. CONNECTING is the stream's
#: to say (a TCP connect or a TLS handshake); REQUESTING and BODY add writable while request
#: bytes are unsent; CONNECTED watches for the server closing the idle connection.
_CLIENT_INTEREST: Final[dict[Status, int]] = {
    _S.STATUS_DISCONNECTED: NOW,
    _S.STATUS_RESOLVING: NOW,
    _S.STATUS_CANT_RESOLVE: NOW,
    _S.STATUS_CONNECTING: READ,  # replaced by the stream's own interest
    _S.STATUS_CANT_CONNECT: NOW,
    _S.STATUS_CONNECTED: READ,
    _S.STATUS_REQUESTING: READ,
    _S.STATUS_CONNECTION_ERROR: NOW,
    _S.STATUS_BODY: READ,
    _S.STATUS_SSL_HANDSHAKE_ERROR: NOW,
}

#: The statuses of an exchange under way: where an idle timeout applies.
_EXCHANGE: Final = (_REQUESTING, _BODY)


class HasPollTarget(Protocol):
    """A member that drives a client or a stream of its own (an ``HTTPRequest`` node, say)."""

    def _poll_target(self) -> HTTPClient | StreamPeer | None: ...


Member: TypeAlias = HTTPClient | StreamPeer | HasPollTarget
#: The kind of member a group holds (``PollGroup[HTTPClient]`` for clients alone).
M = TypeVar("M", bound=Member)
#: (socket identity, fd, events, deadline): what one member waits for; events ``NOW`` means
#: "ready at once", and the deadline is when it must be polled whatever its socket says.
Interest: TypeAlias = tuple[object, int, int, float]

_READY_NOW: Final[Interest] = (None, -1, NOW, _NEVER)


def target_of(member: Member) -> HTTPClient | StreamPeer | None:
    """The client or stream a member drives now."""
    if isinstance(member, (HTTPClient, StreamPeer)):
        return member
    return member._poll_target()


def interest(member: Member) -> Interest:
    """What ``member`` waits for now (Python-only; see ``Interest``)."""
    target = target_of(member)
    if isinstance(target, HTTPClient):
        return client_interest(target)
    if isinstance(target, StreamPeer):
        return _stream_interest(target, READ, _NEVER)
    return _READY_NOW


def client_interest(http: HTTPClient) -> Interest:
    """``interest`` of a client, without the dispatch on the member's kind."""
    status = http._status
    events = _CLIENT_INTEREST[status]
    connection = http._connection
    if events == NOW or connection is None:
        return _READY_NOW
    if status is _BODY:
        reader = http._reader
        if http._eof or (reader is not None and reader.buffered):
            return _READY_NOW  # the next read delivers what is buffered, or the end
    if http._unsent and status is not _CONNECTING:
        events |= WRITE
    return _stream_interest(connection, events, _NEVER)


def _stream_interest(peer: StreamPeer, events: int, deadline: float) -> Interest:
    """Walk a stream down to its socket: TLS layers may ask for other readiness or be ready
    now; a pending TCP connect wants writable and has a deadline."""
    while isinstance(peer, StreamPeerSSL):
        status = peer._status
        if status is _TLS_HANDSHAKING:
            # The handshake waits on what its last step asked: to send held-back ciphertext,
            # or the server's next flight.
            events = WRITE if peer._unsent else READ
            deadline = min(deadline, peer._deadline)
        elif status is _TLS_CONNECTED:
            tls = peer._tls
            if peer._bio_in.pending or (tls is not None and tls.pending()):
                return _READY_NOW  # records already taken from the socket wait to be read
            if peer._unsent:
                events |= WRITE
        else:
            return _READY_NOW  # no session: reads and writes answer at once
        base = peer._base.get()
        if base is None:
            return _READY_NOW
        peer = base
    if isinstance(peer, StreamPeerTCP):
        sock = peer._sock
        if sock is None:
            return _READY_NOW  # closed: a read answers at once with the outcome
        if peer._status is _TCP_CONNECTING:
            return sock, sock.fileno(), WRITE, min(deadline, peer._deadline)
        return sock, sock.fileno(), events, deadline
    fd = peer.fileno()
    if fd < 0:
        return _READY_NOW  # an in-memory or scripted peer: nothing to wait on
    return peer, fd, events, deadline


class _SelectorsWaiter:
    """The portable way to wait on many sockets: the platform's best ``selectors`` class."""

    def __init__(self) -> None:
        self._selector = selectors.DefaultSelector()

    def register(self, fd: int, events: int) -> None:
        self._selector.register(fd, events)

    def modify(self, fd: int, events: int) -> None:
        self._selector.modify(fd, events)

    def unregister(self, fd: int) -> None:
        self._selector.unregister(fd)  # a closed socket is forgotten quietly

    def wait(self, timeout: float | None, most: int) -> list[tuple[int, int]]:
        """(number, events) of the sockets ready for what they were registered for."""
        return [(key.fd, events) for key, events in self._selector.select(timeout)]

    def close(self) -> None:
        self._selector.close()


class _EpollWaiter:
    """``select.epoll`` itself where there is one: the group keeps its own number-to-member
    table, so the ``selectors`` layer's key objects and (key, events) pairs, about half of
    what a wait over many ready sockets costs in Python, are not needed."""

    def __init__(self) -> None:
        self._epoll = select.epoll()
        # What epoll watches for each ``events`` value (it reports errors and hang-ups always).
        self._masks = {
            READ: select.EPOLLIN,
            WRITE: select.EPOLLOUT,
            READ | WRITE: select.EPOLLIN | select.EPOLLOUT,
        }

    def register(self, fd: int, events: int) -> None:
        self._epoll.register(fd, self._masks[events])

    def modify(self, fd: int, events: int) -> None:
        self._epoll.modify(fd, self._masks[events])

    def unregister(self, fd: int) -> None:
        with contextlib.suppress(OSError):  # closed since: epoll forgot it by itself
            self._epoll.unregister(fd)

    def wait(self, timeout: float | None, most: int) -> list[tuple[int, int]]:
        """(number, epoll's events) of at most ``most`` sockets ready for what they were
        registered for, or failed."""
        return self._epoll.poll(-1 if timeout is None else timeout, most)

    def close(self) -> None:
        self._epoll.close()


#: How a new group waits: epoll directly on Linux, ``selectors`` elsewhere.
_new_waiter: Callable[[], _SelectorsWaiter | _EpollWaiter] = (
    _EpollWaiter if hasattr(select, "epoll") else _SelectorsWaiter
)


class _Entry(Generic[M]):
    """One member and what the group last registered for it."""

    __slots__ = (
        "active",
        "client",
        "deadline",
        "events",
        "fd",
        "idle",
        "member",
        "owner",
        "quick",
        "reader",
        "sock",
        "stamp",
        "status",
        "stream",
    )

    def __init__(self, member: M, idle: float | None) -> None:
        self.member = member
        # An HTTPClient member, examined through the quick check first; None for the others.
        self.client: HTTPClient | None = member if isinstance(member, HTTPClient) else None
        self.owner: HTTPClient | None = self.client  # the client behind the member, if any
        self.idle = idle
        self.status: Status | None = None
        # The status (CONNECTED or REQUESTING) in which nothing but the stream and unsent
        # bytes can change what the client waits for; None in the others.
        self.quick: Status | None = None
        self.stream: object = None
        self.reader: object = None
        self.sock: object = None
        self.fd = -1
        self.events = NOW
        self.deadline = _NEVER
        self.active = time.monotonic()  # when it last moved (or was found able to)
        self.stamp = 0  # the wait that last returned it


class PollGroup(Generic[M]):
    """Wait for any of many ``HTTPClient``s (or stream peers) to be able to make progress.

    ``add`` members, then call ``wait`` in the loop: it blocks in one system call (epoll on
    Linux, else through ``selectors``) and returns the members that can make progress, which
    the caller then serves as it would without the group (``poll``,
    ``read_response_body_chunk``, a new ``request``). The group follows each client's stream
    as it changes (TCP, TLS over it, a new connection) and picks the readiness to wait for
    from the client's status. Members with nothing to wait on (a name lookup, a finished or
    failed client, an in-memory peer) are returned at once, so remove the members that are
    done. With an ``idle_timeout``, a client whose request or body has not moved for that
    many seconds is ended: its status becomes ``STATUS_CONNECTION_ERROR`` with one error
    line, and it is returned.

    Make a group of clients as ``PollGroup[HTTPClient]()`` and ``wait`` returns clients to
    type checkers too. Not thread-safe: use a group from one thread. ``close`` (or ``with``)
    releases its selector. A member freed meanwhile leaves the group by itself.
    """

    def __init__(self) -> None:
        self._waiter = _new_waiter()
        self._entries: dict[int, _Entry[M]] = {}
        self._registered: dict[int, _Entry[M]] = {}  # socket number -> the member waiting on it
        self._waits = 0
        self._closed = False

    # --- membership ---------------------------------------------------------------------

    def add(self, member: M, idle_timeout: float | None = None) -> None:
        """Watch ``member``: an ``HTTPClient``, any ``StreamPeer``, or an object with a
        ``_poll_target()`` giving the client or peer it drives. ``idle_timeout`` (seconds,
        clients only) ends an exchange that stays silent that long. Adding a member again
        changes its idle timeout. Raises ``TypeError`` or ``ValueError`` for anything else,
        and ``ValueError`` once the group is closed.
        """
        if self._closed:
            raise ValueError("PollGroup.add() on a closed group")
        if not isinstance(member, (HTTPClient, StreamPeer)) and not callable(
            getattr(member, "_poll_target", None)
        ):
            raise TypeError(
                "PollGroup.add() takes an HTTPClient, a StreamPeer or an object with "
                f"_poll_target(), not {type(member).__name__}"
            )
        if idle_timeout is not None:
            if isinstance(idle_timeout, bool) or not isinstance(idle_timeout, (int, float)):
                raise TypeError("idle_timeout must be a number of seconds or None")
            if not 0 < idle_timeout < math.inf:
                raise ValueError(f"idle_timeout must be a positive number, not {idle_timeout}")
            if isinstance(member, StreamPeer):
                raise ValueError("idle_timeout applies to clients; a stream peer has no exchange")
        entry = self._entries.get(id(member))
        if entry is not None and entry.member is member:
            entry.idle = idle_timeout
            entry.active = time.monotonic()
            return
        self._entries[id(member)] = _Entry(member, idle_timeout)

    def remove(self, member: M) -> None:
        """Stop watching ``member``; ``KeyError`` if it is not in the group."""
        entry = self._entries.get(id(member))
        if entry is None or entry.member is not member:
            raise KeyError(f"this {type(member).__name__} is not in the PollGroup")
        del self._entries[id(member)]
        self._unregister(entry)

    def __contains__(self, member: object) -> bool:
        entry = self._entries.get(id(member))
        return entry is not None and entry.member is member

    def __len__(self) -> int:
        return len(self._entries)

    def members(self) -> list[M]:
        """The members, in the order they were added."""
        return [entry.member for entry in self._entries.values()]

    def close(self) -> None:
        """Forget every member and release the selector (the members stay as they are).
        Closing again does nothing; ``add`` and ``wait`` then raise ``ValueError``."""
        self._closed = True
        self._entries.clear()
        self._registered.clear()
        self._waiter.close()

    def __enter__(self) -> PollGroup[M]:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- waiting ------------------------------------------------------------------------

    def wait(self, timeout: float | None = None) -> list[M]:
        """Block until at least one member can make progress, or ``timeout`` seconds pass
        (``None``: no limit; 0: just look). Returns those members, each once (an empty list
        on timeout, and at once for an empty group). Also returns the members past a connect
        or handshake deadline, for their ``poll`` to fail them, and those whose idle timeout
        has just ended their exchange. ``ValueError`` for a negative timeout or a closed group
        (which has nothing left to wait for: an empty list would read as a timeout).
        """
        if timeout is not None and not timeout >= 0:
            raise ValueError(f"timeout must be None or at least 0, not {timeout}")
        if self._closed:
            raise ValueError("PollGroup.wait() on a closed group")
        self._waits += 1
        stamp = self._waits
        now = time.monotonic()
        ready: list[M] = []
        soonest = _NEVER
        freed: list[_Entry[M]] = []
        for entry in self._entries.values():
            client = entry.client
            if client is not None:
                status = client._status
                if (
                    status is entry.quick
                    and client._connection is entry.stream
                    and not client._unsent
                ):
                    # Registered as it should be: the quick path of most clients most waits.
                    idle = entry.idle
                    if idle is not None:
                        if client._reader is not entry.reader:  # a new exchange
                            entry.reader, entry.active = client._reader, now
                        if status is _REQUESTING and entry.active + idle < soonest:
                            soonest = entry.active + idle
                    continue
            if getattr(entry.member, "_freed", False):
                freed.append(entry)
                continue
            self._refresh(entry, now)
            if entry.events == NOW or entry.deadline <= now:
                entry.stamp = stamp
                entry.active = now
                ready.append(entry.member)
                continue
            soonest = min(soonest, entry.deadline)
            if entry.idle is not None and entry.status in _EXCHANGE:
                soonest = min(soonest, entry.active + entry.idle)
        for entry in freed:
            del self._entries[id(entry.member)]
            self._unregister(entry)
        limit = timeout
        if ready:
            limit = 0.0
        elif soonest < _NEVER:
            limit = max(0.0, soonest - now) if timeout is None else min(timeout, soonest - now)
            limit = max(0.0, limit)
        registered = self._registered
        if not registered:
            return ready  # nothing registered: nothing to wait for
        end = None if limit is None else now + limit
        while events := self._waiter.wait(limit, len(registered)):
            now = time.monotonic()
            forgotten = False
            for fd, _ in events:
                waiting = registered.get(fd)
                if waiting is None:
                    forgotten = True
                    continue
                waiting.active = now
                if waiting.stamp != stamp:
                    waiting.stamp = stamp
                    ready.append(waiting.member)
            if not forgotten:
                break
            self._renew_waiter()
            if ready or (end is not None and now >= end):
                break
            # Only a socket the group no longer watches ended the wait: wait out the rest.
            limit = None if end is None else end - now
        if soonest < _NEVER:
            now = time.monotonic()
            if now >= soonest:  # no idle clock runs out before the soonest deadline
                self._expire_idle(ready, stamp, now)
        return ready

    def _refresh(self, entry: _Entry[M], now: float) -> None:
        """Work out what the member waits for and register that, if it changed."""
        target = entry.client or target_of(entry.member)
        if isinstance(target, HTTPClient):
            status = target._status
            if status is not entry.status or target._reader is not entry.reader:
                entry.active = now  # a new status or a new exchange: the idle clock restarts
            entry.owner = target
            entry.status = status
            entry.stream = target._connection
            entry.reader = target._reader
            sock, fd, events, deadline = client_interest(target)
            quick = events != NOW and (status is _REQUESTING or status is _CONNECTED)
            entry.quick = status if quick else None
        elif isinstance(target, StreamPeer):
            entry.owner = None
            sock, fd, events, deadline = _stream_interest(target, READ, _NEVER)
        else:
            entry.owner = None
            sock, fd, events, deadline = _READY_NOW
        entry.deadline = deadline
        if sock is not entry.sock or fd != entry.fd:
            self._unregister(entry)
        if events == NOW:
            return  # a registration that stays is harmless: the member is returned once
        if entry.fd < 0:
            self._register(entry, sock, fd, events)
        elif events != entry.events:
            self._waiter.modify(fd, events)
            entry.events = events

    def _register(self, entry: _Entry[M], sock: object, fd: int, events: int) -> None:
        stale = self._registered.get(fd)
        if stale is not None:
            # The number is still registered for a socket since closed, whose member has not
            # been refreshed yet: drop that stale registration (the member re-registers).
            self._unregister(stale)
            stale.status = stale.quick = None
        self._waiter.register(fd, events)
        self._registered[fd] = entry
        entry.sock, entry.fd, entry.events = sock, fd, events

    def _unregister(self, entry: _Entry[M]) -> None:
        fd = entry.fd
        entry.sock, entry.fd, entry.events = None, -1, NOW
        if fd >= 0 and self._registered.get(fd) is entry:
            del self._registered[fd]
            self._waiter.unregister(fd)

    def _renew_waiter(self) -> None:
        """Start over with a new epoll, holding just the registered sockets.

        Reached when epoll reports a number the group no longer watches: a socket closed
        here but still open elsewhere (a copy a forked child holds) stays in epoll, which
        cannot be told to forget it once the number is closed, and would keep ending waits
        early."""
        self._waiter.close()
        self._waiter = _new_waiter()
        for fd, entry in self._registered.items():
            self._waiter.register(fd, entry.events)

    def _expire_idle(self, ready: list[M], stamp: int, now: float) -> None:
        """End the exchanges that have not moved for longer than their idle timeout."""
        for entry in self._entries.values():
            client, idle = entry.owner, entry.idle
            if idle is None or client is None or entry.stamp == stamp:
                continue
            if client._status in _EXCHANGE and now >= entry.active + idle:
                client._expire("PollGroup.wait", f"no progress for {idle:g} s (idle_timeout)")
                entry.stamp = stamp
                ready.append(entry.member)
