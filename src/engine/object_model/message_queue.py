"""The deferred-call queue: ``call_deferred``, ``set_deferred`` and DEFERRED signals land here.

One process-wide FIFO, flushed only when the host asks (once per frame, say). Messages keep the
target's id, never the target, so a freed target's messages are dropped at flush. Imports
``object_db``, ``binding``, ``errors``, ``variant``.
"""

from __future__ import annotations

from collections import deque
from typing import Any, ClassVar, Final

from . import object_db, variant
from .binding import call_error_text, sentence
from .errors import Error, err_print

_CALL: Final = 0
_SET: Final = 1
_DELIVERY: Final = 2  # a DEFERRED signal connection's call: plain Python methods too


class MessageQueue:
    """Python-only class methods over the single queue."""

    MAX_MESSAGES: ClassVar[int] = 65536
    _queue: ClassVar[deque[tuple[int, int, str, tuple[Any, ...]]]] = deque()
    _flushing: ClassVar[bool] = False

    @classmethod
    def _push(cls, kind: int, target: Any, name: str, args: tuple[Any, ...]) -> Error:
        if not variant.is_engine_object(target):
            raise TypeError(f"the target of a deferred message must be an Object, not {target!r}")
        if not isinstance(name, str):
            raise TypeError("a deferred method or property name must be a str")
        with object_db.lock:
            if len(cls._queue) >= cls.MAX_MESSAGES:
                err_print(
                    "push_set" if kind == _SET else "push_call",
                    f"Message queue out of memory ({cls.MAX_MESSAGES} messages pending); "
                    f"dropped '{name}' for {target}.",
                )
                return Error.ERR_OUT_OF_MEMORY
            cls._queue.append((kind, target.get_instance_id(), name, args))
        return Error.OK

    @classmethod
    def push_call(cls, target: Any, method: str, *args: Any) -> Error:
        """Queue ``target.call(method, *args)`` for the next flush."""
        return cls._push(_CALL, target, method, args)

    @classmethod
    def push_delivery(cls, target: Any, method: str, args: tuple[Any, ...]) -> Error:
        """Queue a DEFERRED signal connection's call of ``method`` for the next flush."""
        return cls._push(_DELIVERY, target, method, args)

    @classmethod
    def push_set(cls, target: Any, property: str, value: Any) -> Error:
        """Queue ``target.set(property, value)`` for the next flush."""
        return cls._push(_SET, target, property, (value,))

    @classmethod
    def flush(cls) -> int:
        """Deliver queued messages in order until none is left; returns how many ran.

        Messages pushed while flushing run in the same flush. A nested call returns 0. If a
        delivered method raises, the exception propagates and the rest stay queued.
        """
        if cls._flushing:
            return 0
        cls._flushing = True
        ran = 0
        try:
            while cls._queue:
                with object_db.lock:
                    kind, target_id, name, args = cls._queue.popleft()
                target = object_db.lookup(target_id)
                if target is None or target._freed:
                    continue
                ran += 1
                if kind == _SET:
                    target.set(name, args[0])
                    continue
                deliver = target._deliver if kind == _DELIVERY else target._call_checked
                _, failure = deliver(name, args)
                if failure is not None and not failure.logged:
                    text = call_error_text(target.get_class(), name, failure)
                    err_print("flush", f"Error calling deferred method: {sentence(text)}")
        finally:
            cls._flushing = False
        return ran

    @classmethod
    def pending(cls) -> int:
        """How many queued messages still have a live target."""
        with object_db.lock:
            ids = [message[1] for message in cls._queue]
        return sum(1 for i in ids if (obj := object_db.lookup(i)) is not None and not obj._freed)

    @classmethod
    def clear(cls) -> None:
        """Drop every queued message."""
        with object_db.lock:
            cls._queue.clear()
