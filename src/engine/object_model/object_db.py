"""ObjectDB: instance ids and the table that maps them to live objects.

Ids come from one process-wide counter (1, 2, 3, ...; never reused). The table holds plain
Objects and adopted References strongly, unadopted References weakly (Python owns those until a
``Ref`` adopts them). One re-entrant lock guards ids, the table, reference counts and the
message queue, since finalizers may run on any thread. Imports the standard library only.
"""

from __future__ import annotations

import itertools
import threading
import weakref
from typing import Any

lock = threading.RLock()
_ids = itertools.count(1)
_strong: dict[int, Any] = {}
_weak: dict[int, weakref.ref[Any]] = {}


def new_id() -> int:
    return next(_ids)


def add(instance_id: int, obj: Any, strong: bool) -> None:
    with lock:
        if strong:
            _strong[instance_id] = obj
        else:
            _weak[instance_id] = weakref.ref(obj)


def adopt(instance_id: int, obj: Any) -> None:
    """From now on the table keeps ``obj`` alive (a Reference's first owner took it)."""
    with lock:
        _weak.pop(instance_id, None)
        _strong[instance_id] = obj


def remove(instance_id: int) -> None:
    with lock:
        _strong.pop(instance_id, None)
        _weak.pop(instance_id, None)


def lookup(instance_id: int) -> Any:
    obj = _strong.get(instance_id)
    if obj is not None:
        return obj
    ref = _weak.get(instance_id)
    return ref() if ref is not None else None


def instance_from_id(instance_id: int) -> Any:
    """The live object with this id, or ``None``. A float is truncated; other types raise."""
    if isinstance(instance_id, float):
        instance_id = int(instance_id)
    if not isinstance(instance_id, int):
        raise TypeError(f"an instance id is an int, not {type(instance_id).__name__}")
    return lookup(instance_id)


def live_objects() -> list[Any]:
    """Every live object (a snapshot)."""
    with lock:
        weak = [ref() for ref in _weak.values()]
        return [*_strong.values(), *(obj for obj in weak if obj is not None)]


def live_count() -> int:
    """How many objects are alive (for leak checks in tests and benchmarks)."""
    with lock:
        return len(_strong) + sum(1 for ref in _weak.values() if ref() is not None)
