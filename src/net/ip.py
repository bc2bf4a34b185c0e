"""The engine's ``IP`` singleton: blocking and queued (non-blocking) host name lookups.

Owns the process-wide resolver: the table of 256 queued lookups, the cache of answers keyed by
(host, address type), and the daemon threads that answer queued lookups. Imports
``engine.object_model``, ``net.settings`` and the standard library (``socket``, ``ipaddress``,
``threading``).

Why it is shaped this way:
- A poll loop must never wait on DNS, so ``resolve_hostname_queue_item`` hands names to worker
  threads and ``get_resolve_item_status`` only reads a table under a lock that no lookup holds.
- Workers are plain daemon threads fed by one job queue (at most ``RESOLVER_THREADS``, started
  on demand). ``ThreadPoolExecutor`` threads are joined at interpreter exit, so a lookup stuck
  in the system resolver would keep the process alive; a daemon thread does not.
- IP literals and names IDNA cannot encode are answered at once, without a thread.
- A queued lookup still waiting after ``network/limits/tcp/connect_timeout_seconds`` (read
  when it is queued; 0 means no limit) turns to ``RESOLVER_STATUS_ERROR`` when its status is
  next read (httpclient.md §9): no timers.
- A slot may be erased and reused while its old lookup still runs; each job carries its own
  record, and a late answer lands only if that record still owns the slot.
- DNS failures are outcomes, not misuse: they are logged at DEBUG (object_model_reference §4.1).
"""

from __future__ import annotations

import ipaddress
import logging
import math
import os
import queue
import socket
import threading
import time
from enum import IntEnum
from typing import Any, ClassVar, Final

from engine.object_model import ClassDB, Object
from engine.object_model.errors import err_print, fail_cond, quote, warn_print
from net.settings import CONNECT_TIMEOUT, get_int

logger: Final = logging.getLogger("net.ip")

#: Most daemon threads answering queued lookups at once. The engine uses one thread; a few
#: keep one slow name from holding up every other client's lookup.
RESOLVER_THREADS: Final = 4

#: The clock for lookup deadlines (a seam for tests; the monotonic clock, as §8.3 asks).
_clock = time.monotonic


class IP(Object):
    """Internet protocol support: host name resolution, blocking and queued.

    A virtual class, like the engine's singleton: scripts cannot instance it, and Python gets the
    one instance from [code]IP.get_singleton()[/code]; all resolver state is process-wide. Blocking
    lookups ([method resolve_hostname]) wait for the answer; queued ones
    ([method resolve_hostname_queue_item]) run on worker threads while the caller polls
    [method get_resolve_item_status]. Answers are cached per host name and address type.
    """

    class ResolverStatus(IntEnum):
        RESOLVER_STATUS_NONE = 0
        RESOLVER_STATUS_WAITING = 1
        RESOLVER_STATUS_DONE = 2
        RESOLVER_STATUS_ERROR = 3

    class Type(IntEnum):
        TYPE_NONE = 0
        TYPE_IPV4 = 1
        TYPE_IPV6 = 2
        TYPE_ANY = 3

    RESOLVER_MAX_QUERIES: Final = 256
    RESOLVER_INVALID_ID: Final = -1

    #: One short description per bound constant, for the generated class reference.
    _constant_docs: ClassVar[dict[str, str]] = {
        "RESOLVER_STATUS_NONE": "No lookup in this slot.",
        "RESOLVER_STATUS_WAITING": "The lookup is still running.",
        "RESOLVER_STATUS_DONE": "The lookup finished with at least one address.",
        "RESOLVER_STATUS_ERROR": "The lookup failed or timed out.",
        "RESOLVER_MAX_QUERIES": "How many queued lookups may be pending at once.",
        "RESOLVER_INVALID_ID": "The id returned when a lookup could not be queued.",
        "TYPE_NONE": "No address type (treated as any).",
        "TYPE_IPV4": "IPv4 addresses only.",
        "TYPE_IPV6": "IPv6 addresses only.",
        "TYPE_ANY": "IPv4 and IPv6 addresses.",
    }

    _instance: ClassVar[IP | None] = None

    @classmethod
    def get_singleton(cls) -> IP:
        """Python-only: the process-wide instance (a new one if the old one was freed)."""
        with _singleton_lock:
            if IP._instance is None or IP._instance._freed:
                IP._instance = _IPSingleton()
            return IP._instance

    # --- blocking lookups ---

    def resolve_hostname(self, host: str, ip_type: IP.Type = Type.TYPE_ANY) -> str:
        """Returns the first address of [code]host[/code] of the given [enum Type] (from the cache
        when it is there), or an empty string. Blocks the caller.
        """
        found = _resolve_now("resolve_hostname", host, ip_type, "")
        return found[0] if found else ""

    def resolve_hostname_addresses(self, host: str, ip_type: IP.Type = Type.TYPE_ANY) -> list[Any]:
        """Returns every address of [code]host[/code] of the given [enum Type] (from the cache when
        it is there), in the system's order, or an empty array. Blocks the caller.
        """
        return list(_resolve_now("resolve_hostname_addresses", host, ip_type, []))

    # --- queued lookups ---

    def resolve_hostname_queue_item(self, host: str, ip_type: IP.Type = Type.TYPE_ANY) -> int:
        """Queue a lookup of [code]host[/code] and return its id, to be polled with
        [method get_resolve_item_status]. Returns [constant RESOLVER_INVALID_ID] when
        [code]host[/code] is empty or holds a lone surrogate (text with no UTF-8 form), or when all
        [constant RESOLVER_MAX_QUERIES] slots are taken (a slot stays taken until
        [method erase_resolve_item]).
        """
        function = "resolve_hostname_queue_item"
        if not host:
            fail_cond(function, "p_hostname.empty()", IP.RESOLVER_INVALID_ID, log=logger)
            return IP.RESOLVER_INVALID_ID
        if _unencodable(function, host):  # refused before a slot is taken
            return IP.RESOLVER_INVALID_ID
        kind = int(ip_type)
        answer = _answer_at_once(host, kind)
        timeout = get_int(CONNECT_TIMEOUT)
        deadline = _clock() + timeout if timeout > 0 else math.inf
        with _state.lock:
            slot = _state.free_slot()
            if slot != IP.RESOLVER_INVALID_ID:
                item = _Item(host, kind, deadline)
                _state.items[slot] = item
                if answer is None:
                    answer = _state.cache.get((host, kind))
                if answer is not None:
                    item.finish(answer)
                else:
                    _state.submit(slot, item)
        if slot == IP.RESOLVER_INVALID_ID:
            warn_print(function, "Out of resolver queries", logger)
        elif answer == []:
            logger.debug("cannot resolve '%s' as type %d", quote(host), kind)
        return slot

    def get_resolve_item_status(self, id: int) -> IP.ResolverStatus:
        """Returns the status of queued lookup [code]id[/code], a [enum ResolverStatus] constant,
        without waiting. A lookup still waiting after the connect timeout counts as failed.
        """
        function = "get_resolve_item_status"
        if _bad_id(function, id):
            return IP.ResolverStatus.RESOLVER_STATUS_NONE
        timed_out = ""
        with _state.lock:
            item = _state.items[id]
            if item is None:
                status = IP.ResolverStatus.RESOLVER_STATUS_NONE
            else:
                if item.status == _WAITING and _clock() >= item.deadline:
                    item.finish([])
                    timed_out = item.host
                status = item.status
        if status == IP.ResolverStatus.RESOLVER_STATUS_NONE:
            err_print(function, "Condition status == IP::RESOLVER_STATUS_NONE", logger)
        elif timed_out:
            logger.debug("lookup of '%s' timed out", quote(timed_out))
        return status

    def get_resolve_item_address(self, id: int) -> str:
        """Returns the first address found by lookup [code]id[/code], or an empty string (and an
        error line) if it is not [constant RESOLVER_STATUS_DONE].
        """
        found = _finished("get_resolve_item_address", id)
        return found[0] if found else ""

    def get_resolve_item_addresses(self, id: int) -> list[Any]:
        """Returns every address found by lookup [code]id[/code], or an empty array (and an error
        line) if it is not [constant RESOLVER_STATUS_DONE].
        """
        return list(_finished("get_resolve_item_addresses", id) or [])

    def erase_resolve_item(self, id: int) -> None:
        """Free the slot of lookup [code]id[/code] for another lookup; a lookup still running for it
        is ignored when it ends.
        """
        if not _bad_id("erase_resolve_item", id):
            with _state.lock:
                _state.items[id] = None

    # --- local addresses and the cache ---

    def get_local_addresses(self) -> list[Any]:
        """Returns this machine's addresses: those of its host name, then the loopback ones."""
        found: list[str] = []
        try:
            infos = socket.getaddrinfo(socket.gethostname(), None, 0, socket.SOCK_STREAM)
        except (OSError, ValueError):
            infos = []
        for family, _, _, _, sockaddr in infos:
            if family in (socket.AF_INET, socket.AF_INET6):
                found.append(str(sockaddr[0]))
        found.append("127.0.0.1")
        if _has_ipv6_loopback():
            found.append("::1")
        return list(dict.fromkeys(found))

    def clear_cache(self, hostname: str = "") -> None:
        """Forget the cached answers for [code]hostname[/code] (of every type), or all of them when
        it is empty.
        """
        with _state.lock:
            if not hostname:
                _state.cache.clear()
                return
            for kind in IP.Type:
                _state.cache.pop((hostname, int(kind)), None)

    @classmethod
    def _bind_methods(cls) -> None:
        bind = ClassDB.bind_method
        any_type = (cls.Type.TYPE_ANY,)
        bind(cls, "resolve_hostname", args=("host", "ip_type"), defaults=any_type)
        bind(cls, "resolve_hostname_addresses", args=("host", "ip_type"), defaults=any_type)
        bind(cls, "resolve_hostname_queue_item", args=("host", "ip_type"), defaults=any_type)
        bind(cls, "get_resolve_item_status", args=("id",), const=True)
        bind(cls, "get_resolve_item_address", args=("id",), const=True)
        bind(cls, "get_resolve_item_addresses", args=("id",), const=True)
        bind(cls, "erase_resolve_item", args=("id",))
        bind(cls, "get_local_addresses", const=True)
        bind(cls, "clear_cache", args=("hostname",), defaults=("",))
        ClassDB.bind_enum(cls, cls.ResolverStatus)
        ClassDB.bind_integer_constant(cls, "", "RESOLVER_MAX_QUERIES", cls.RESOLVER_MAX_QUERIES)
        ClassDB.bind_integer_constant(cls, "", "RESOLVER_INVALID_ID", cls.RESOLVER_INVALID_ID)
        ClassDB.bind_enum(cls, cls.Type)


ClassDB.register_virtual_class(IP)


class _IPSingleton(IP):
    """The class of the one instance; unregistered, so ClassDB still refuses to instance IP."""


_WAITING: Final = IP.ResolverStatus.RESOLVER_STATUS_WAITING
_DONE: Final = IP.ResolverStatus.RESOLVER_STATUS_DONE
_ERROR: Final = IP.ResolverStatus.RESOLVER_STATUS_ERROR
_FAMILIES: Final[dict[int, int]] = {1: socket.AF_INET, 2: socket.AF_INET6}  # by IP.Type
_VERSIONS: Final[dict[int, int]] = {1: 4, 2: 6}  # IP.Type -> ipaddress version
_singleton_lock: Final = threading.Lock()


# --- Python-only helpers ------------------------------------------------------------------


def is_ip_literal(text: str) -> bool:
    """Python-only: ``text`` is an IPv4 or IPv6 address (zone suffix allowed, no brackets)."""
    return _literal(text) is not None


def ascii_hostname(host: str) -> str | None:
    """Python-only: the ASCII (IDNA, Python's ``idna`` codec) form of ``host``, or ``None``."""
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return None


def lookup(host: str, ip_type: int = IP.Type.TYPE_ANY) -> list[str]:
    """Python-only: resolve ``host`` now, bypassing the cache; ``[]`` on failure. Blocks."""
    answer = _answer_at_once(host, ip_type)
    if answer is not None:
        return answer
    return _system_lookup(ascii_hostname(host) or "", _FAMILIES.get(ip_type, socket.AF_UNSPEC))


def _literal(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not isinstance(text, str):
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def _answer_at_once(host: str, ip_type: int) -> list[str] | None:
    """The answer for a literal or an unencodable name; ``None`` when DNS must be asked."""
    address = _literal(host)
    if address is not None:
        wanted = _VERSIONS.get(ip_type, address.version)
        return [str(address)] if address.version == wanted else []
    return None if ascii_hostname(host) else []


def _system_lookup(name: str, family: int) -> list[str]:
    """Ask the system resolver (the seam tests replace); getaddrinfo's order, no duplicates."""
    try:
        infos = socket.getaddrinfo(name, None, family, socket.SOCK_STREAM)
    except (OSError, ValueError) as exc:
        logger.debug("getaddrinfo for '%s' failed: %s", quote(name), exc)
        return []
    wanted = (socket.AF_INET, socket.AF_INET6) if family == socket.AF_UNSPEC else (family,)
    found = [str(sockaddr[0]) for fam, _, _, _, sockaddr in infos if fam in wanted]
    return list(dict.fromkeys(found))


def _has_ipv6_loopback() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_DGRAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


# --- the process-wide resolver --------------------------------------------------------------


class _Item:
    """One queued lookup; a slot holds it until ``erase_resolve_item``."""

    __slots__ = ("addresses", "deadline", "host", "ip_type", "status")

    def __init__(self, host: str, ip_type: int, deadline: float) -> None:
        self.host, self.ip_type, self.deadline = host, ip_type, deadline
        self.status = _WAITING
        self.addresses: list[str] = []

    def finish(self, addresses: list[str]) -> None:
        self.addresses = list(addresses)
        self.status = _DONE if addresses else _ERROR


class _Resolver:
    """The slots, the cache and the worker threads; every field is guarded by ``lock``."""

    def __init__(self) -> None:
        # Re-entrant: the collector may free a resolving HTTPClient (which erases its slot)
        # at any allocation, including one made while this thread holds the lock.
        self.lock = threading.RLock()
        self.items: list[_Item | None] = [None] * IP.RESOLVER_MAX_QUERIES
        self.cache: dict[tuple[str, int], list[str]] = {}
        self.jobs: queue.SimpleQueue[tuple[int, _Item]] = queue.SimpleQueue()
        self.workers = 0
        self.idle = 0
        self.pending = 0

    def free_slot(self) -> int:
        try:
            return self.items.index(None)
        except ValueError:
            return IP.RESOLVER_INVALID_ID

    def submit(self, slot: int, item: _Item) -> None:
        """Hand a job to the workers, starting one if none is free (call with ``lock`` held)."""
        self.pending += 1
        self.jobs.put((slot, item))
        if self.pending > self.idle and self.workers < RESOLVER_THREADS:
            self.workers += 1
            name = f"net.ip resolver {self.workers}"
            threading.Thread(target=self._serve, name=name, daemon=True).start()

    def _serve(self) -> None:
        while True:
            with self.lock:
                self.idle += 1
            slot, item = self.jobs.get()
            with self.lock:
                self.idle -= 1
                self.pending -= 1
                if self.items[slot] is not item or item.status != _WAITING:
                    continue  # erased (or timed out) before its turn came
            try:
                found = lookup(item.host, item.ip_type)
            except Exception:  # a bug in a lookup must not silence the resolver
                logger.debug("lookup of '%s' raised", quote(item.host), exc_info=True)
                found = []
            with self.lock:
                if found:
                    self.cache[(item.host, item.ip_type)] = found
                if self.items[slot] is item and item.status == _WAITING:
                    item.finish(found)
            if not found:
                logger.debug("cannot resolve '%s' as type %d", quote(item.host), item.ip_type)


_state = _Resolver()


def _reset_after_fork() -> None:
    # The child has none of the parent's threads, and the lock may have been held.
    global _state
    _state = _Resolver()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)


def _resolve_now(function: str, host: str, ip_type: int, empty: Any) -> list[str]:
    """The blocking lookup behind ``resolve_hostname[_addresses]``: cache first, then DNS."""
    if not host:
        fail_cond(function, "p_hostname.empty()", empty, log=logger)
        return []
    if _unencodable(function, host):
        return []
    key = (host, int(ip_type))
    with _state.lock:
        cached = _state.cache.get(key)
    if cached is not None:
        return cached
    found = lookup(host, key[1])
    if found:
        if not is_ip_literal(host):
            with _state.lock:
                _state.cache[key] = found
    else:
        logger.debug("cannot resolve '%s' as type %d", quote(host), key[1])
    return found


def _unencodable(function: str, host: str) -> bool:
    """Log and answer ``True`` when ``host`` holds a lone surrogate: not text, so no name."""
    if host.isascii():
        return False
    try:
        host.encode()
    except UnicodeEncodeError:
        err_print(
            function,
            f"Host name '{quote(host)}' holds a lone surrogate, which has no UTF-8 form.",
            logger,
        )
        return True
    return False


def _bad_id(function: str, p_id: int) -> bool:
    """``ERR_FAIL_INDEX`` for a queue id: log and answer ``True`` when it is out of range."""
    if 0 <= p_id < IP.RESOLVER_MAX_QUERIES:
        return False
    err_print(
        function,
        f"Index p_id = {p_id} is out of bounds (IP::RESOLVER_MAX_QUERIES = "
        f"{IP.RESOLVER_MAX_QUERIES}).",
        logger,
    )
    return True


def _finished(function: str, p_id: int) -> list[str] | None:
    """The addresses of a DONE lookup, else ``None`` after the engine's error line."""
    if _bad_id(function, p_id):
        return None
    with _state.lock:
        item = _state.items[p_id]
        if item is not None and item.status == _DONE:
            return item.addresses
    host = item.host if item is not None else ""
    err_print(function, f"Resolve of '{quote(host)}' didn't complete yet.", logger)
    return None
