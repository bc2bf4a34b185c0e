"""Signal connections: the record, the two indexes that hold it, and removal.

A connection is keyed by (signal, target id, method) on its source and by (source id, signal,
method) on its target, so freeing either side can drop everything it touches. It stores the
target's id, never the target. ``connect``, ``disconnect`` and ``emit`` do the work of the
Object methods of those names once the signal is known to exist. Imports ``object_db``,
``binding``, ``errors``, ``info`` and ``message_queue``; objects are reached through their ids and
attributes, never imported.
"""

from __future__ import annotations

import functools
import inspect
import types
from collections.abc import Callable
from typing import Any

from . import object_db
from .binding import CallError, CallErrorType, CallFailed
from .errors import Error, err_print, fail_cond
from .info import ConnectFlags
from .message_queue import MessageQueue

ConnectionKey = tuple[int, str]  # (target id, method) within one signal of a source
IncomingKey = tuple[int, str, str]  # (source id, signal, method) on a target


class Connection:
    """One signal connection. ``count`` is used by REFERENCE_COUNTED connections only."""

    __slots__ = ("binds", "count", "flags", "method", "signal", "source_id", "target_id")

    def __init__(
        self,
        source_id: int,
        signal: str,
        target_id: int,
        method: str,
        binds: list[Any],
        flags: int,
        count: int,
    ) -> None:
        self.source_id = source_id
        self.signal = signal
        self.target_id = target_id
        self.method = method
        self.binds = binds
        self.flags = flags
        self.count = count

    def as_dict(self) -> dict[str, Any]:
        """The engine's connection dictionary (``get_signal_connection_list``)."""
        return {
            "signal": self.signal,
            "method": self.method,
            "source": object_db.lookup(self.source_id),
            "target": object_db.lookup(self.target_id),
            "binds": list(self.binds),
            "flags": self.flags,
        }


def plain_method(cls: type, name: str) -> Callable[..., Any] | None:
    """The plain Python method ``name`` of ``cls`` (not bound, not a static or class method,
    not a dunder), which a signal may call as the engine calls a script's method."""
    if name.startswith("__"):
        return None
    for klass in cls.__mro__:
        found = klass.__dict__.get(name)
        if found is not None:
            return found if isinstance(found, types.FunctionType) else None
    return None


@functools.lru_cache(maxsize=1024)
def _arity(func: Callable[..., Any]) -> tuple[int, int | None]:
    """(required, most) positional arguments after ``self``; ``None``: any number."""
    params = list(inspect.signature(func).parameters.values())[1:]
    positional = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    required = sum(1 for p in positional if p.default is p.empty)
    unlimited = any(p.kind is p.VAR_POSITIONAL for p in params)
    return required, None if unlimited else len(positional)


def call_plain(target: Any, func: Callable[..., Any], args: tuple[Any, ...]) -> Any:
    """Call a plain method with a signal's arguments; a count it cannot take is a call error
    (the engine's script call check), raised as ``CallFailed``."""
    required, most = _arity(func)
    if most is not None and len(args) > most:
        kind, expected = CallErrorType.CALL_ERROR_TOO_MANY_ARGUMENTS, most
    elif len(args) < required:
        kind, expected = CallErrorType.CALL_ERROR_TOO_FEW_ARGUMENTS, required
    else:
        return func(target, *args)
    raise CallFailed(CallError(kind, expected), str(len(args)))


def emission_order(table: dict[ConnectionKey, Connection]) -> list[Connection]:
    """Ascending target id; connection order within one target (the sort is stable)."""
    return sorted(table.values(), key=lambda c: c.target_id)


def remove(connection: Connection) -> None:
    """Drop a connection from both of its indexes (either side may already be gone)."""
    source = object_db.lookup(connection.source_id)
    if source is not None and source._connections is not None:
        table = source._connections.get(connection.signal)
        key = (connection.target_id, connection.method)
        if table is not None and table.get(key) is connection:
            del table[key]
    target = object_db.lookup(connection.target_id)
    if target is not None and target._incoming is not None:
        target._incoming.pop((connection.source_id, connection.signal, connection.method), None)


def drop_all(obj: Any) -> None:
    """Remove the outgoing, then the incoming connections of an object being freed."""
    if obj._connections:
        for table in list(obj._connections.values()):
            for connection in list(table.values()):
                remove(connection)
    if obj._incoming:
        for connection in list(obj._incoming.values()):
            remove(connection)
    obj._connections = None
    obj._incoming = None


def connect(
    source: Any, signal: str, target: Any, method: str, binds: list[Any], flags: int
) -> Error:
    """Add a connection, or count one more on a REFERENCE_COUNTED one (object_model.md §2.4)."""
    if target is None or target._freed:
        fail_cond("connect", "!target", Error.ERR_INVALID_PARAMETER)
        return Error.ERR_INVALID_PARAMETER
    if source._connections is None:
        source._connections = {}
    table = source._connections.setdefault(signal, {})
    existing = table.get((target._id, method))
    counted = bool(flags & ConnectFlags.REFERENCE_COUNTED)
    if existing is not None:
        if counted:
            existing.count += 1
            return Error.OK
        err_print(
            "connect",
            f"Signal '{signal}' is already connected to given method '{method}' in that object.",
        )
        return Error.ERR_INVALID_PARAMETER
    connection = Connection(source._id, signal, target._id, method, binds, flags, int(counted))
    table[(target._id, method)] = connection
    if target._incoming is None:
        target._incoming = {}
    target._incoming[(source._id, signal, method)] = connection
    return Error.OK


def disconnect(source: Any, signal: str, target: Any, method: str) -> None:
    """Remove a connection, or count one down while a REFERENCE_COUNTED one stays above 0."""
    table = (source._connections or {}).get(signal) or {}
    connection = table.get((target._id, method))
    if connection is None:
        err_print(
            "disconnect",
            f"Disconnecting nonexistent signal '{signal}', slot: {target._id}:{method}.",
        )
        return
    if connection.count > 0:
        connection.count -= 1
        if connection.count > 0:
            return
    remove(connection)


def emit(source: Any, signal: str, args: tuple[Any, ...]) -> None:
    """Deliver ``signal`` to a snapshot of its connections, by ascending target id."""
    table = source._connections.get(signal) if source._connections else None
    if not table:
        return
    fired: list[Connection] = []
    for connection in emission_order(table):
        target = object_db.lookup(connection.target_id)
        if target is None or target._freed:
            continue
        call_args = args + tuple(connection.binds)
        if connection.flags & ConnectFlags.DEFERRED:
            MessageQueue.push_delivery(target, connection.method, call_args)
        else:
            _, failure = target._deliver(connection.method, call_args)
            if failure is not None:
                context = f"Error calling method from signal '{signal}'"
                target._log_failure("emit_signal", context, connection.method, failure)
        if connection.flags & ConnectFlags.ONESHOT:
            fired.append(connection)
        if source._freed or source._freeing:
            err_print(
                "emit_signal",
                f"Object [{source._class_info.name}:{source._id}] was freed or unreferenced "
                "while a signal is being emitted from it.",
            )
            return
    for connection in fired:
        remove(connection)
