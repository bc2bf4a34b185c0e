"""Signal connections: the record, the two indexes that hold it, and removal.

A connection is keyed by (signal, target id, method) on its source and by (source id, signal,
method) on its target, so freeing either side can drop everything it touches. It stores the
target's id, never the target. Imports ``object_db`` only; ``object.py`` drives emission.
"""

from __future__ import annotations

from typing import Any

from . import object_db

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
