"""Reference counting: ``Reference``, the owning holder ``Ref`` and weak references.

A Reference has two counters, as in the engine: ``count`` and ``init`` (1 until its first owner
adopts it). Until adoption Python owns the object (it is freed when Python collects it); from
adoption on ObjectDB keeps it, and it is freed exactly when its count reaches 0, whoever did
the last decrement (object_model.md §3.3). Imports ``object``, ``object_db``, ``class_db``.
"""

from __future__ import annotations

import sys
from typing import Any, ClassVar, Generic, TypeVar

from . import object_db
from .class_db import ClassDB
from .object import Object

_T = TypeVar("_T", bound="Reference")


class Reference(Object):
    """An Object freed when its last counted owner lets go.

    A Reference starts with a count of 1 that belongs to Python until its first owner adopts it
    ([method init_ref], done by [code]Ref[/code]); from then on it is freed the moment its count
    reaches 0. [code]free()[/code] refuses a Reference.
    """

    __slots__ = ("_count", "_unowned")
    _count: int
    _unowned: int  # the engine's "init" counter (1 until adopted); `_init` is a script hook

    _is_reference: ClassVar[bool] = True

    def __new__(cls, *args: Any, **kwargs: Any) -> Reference:
        self = super().__new__(cls)
        assert isinstance(self, Reference)
        self._count = 1
        self._unowned = 1
        return self

    def init_ref(self) -> bool:
        """Take the first owner's reference; a later call acts like [method reference]. Returns
        [code]false[/code] if the object is already being freed.
        """
        with object_db.lock:
            if not self.reference():
                return False
            if self._unowned:
                self._unowned = 0
                self._count -= 1
                object_db.adopt(self._id, self)
            return True

    def reference(self) -> bool:
        """Add one to the count. Returns [code]false[/code], and changes nothing, once the count has
        reached 0.
        """
        with object_db.lock:
            if self._count == 0:
                return False
            self._count += 1
            return True

    def unreference(self) -> bool:
        """Take one from the count. Returns [code]true[/code] when that was the last one: the object
        is then freed.
        """
        with object_db.lock:
            if self._count == 0:
                return False
            self._count -= 1
            last = self._count == 0
        if last:
            self._free()
        return last

    def get_reference_count(self) -> int:
        """Python-only (the 3.x engine does not bind it): the raw count, 1 when fresh."""
        return self._count

    def __del__(self) -> None:
        # Python collected a Reference nobody adopted: it was Python's to free.
        if self._unowned and not self._freed and not sys.is_finalizing():
            self._free()

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "init_ref")
        ClassDB.bind_method(cls, "reference")
        ClassDB.bind_method(cls, "unreference")


ClassDB.register_class(Reference)


class Ref(Generic[_T]):
    """Python-only holder of one counted reference, like the engine's ``Ref<T>``.

    ``b = a`` aliases the holder; ``Ref(a)`` or ``copy.copy(a)`` takes a second reference.
    """

    __slots__ = ("_obj",)

    def __init__(self, target: _T | Ref[_T] | None = None) -> None:
        self._obj: _T | None = None
        self.assign(target)

    @staticmethod
    def _take(target: Any) -> Any:
        """Take a reference on what ``target`` names; returns the object or ``None``."""
        if target is None:
            return None
        if isinstance(target, Ref):
            obj = target.get()
            return obj if obj is not None and obj.reference() else None
        if not isinstance(target, Reference):
            raise TypeError(f"Ref holds a Reference, not {type(target).__name__}")
        if target._freed or not target.init_ref():
            raise ValueError(f"cannot take a reference to {target}: it is freed or being freed")
        return target

    def assign(self, target: _T | Ref[_T] | None) -> None:
        """Hold ``target`` instead: the new reference is taken before the old one is released."""
        if target is self or (target is not None and target is self.get()):
            return
        new = self._take(target)
        self.release()
        self._obj = new

    def release(self) -> None:
        """Give the reference back (once) and become null."""
        obj, self._obj = self._obj, None
        if obj is not None and not obj._freed:
            obj.unreference()

    unref = release

    def get(self) -> _T | None:
        obj = self._obj
        return obj if obj is not None and not obj._freed else None

    def is_valid(self) -> bool:
        return self.get() is not None

    def is_null(self) -> bool:
        return self.get() is None

    def __bool__(self) -> bool:
        return self.is_valid()

    def __enter__(self) -> _T | None:
        return self.get()

    def __exit__(self, *exc: object) -> None:
        self.release()

    def __copy__(self) -> Ref[_T]:
        return Ref(self)

    def __deepcopy__(self, memo: dict[int, Any]) -> Ref[_T]:
        return Ref(self)

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Ref):
            return self.get() is other.get()
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        obj = self.get()
        return f"Ref({obj})" if obj is not None else "Ref(null)"

    def __del__(self) -> None:
        if not sys.is_finalizing():
            self.release()


class WeakRef(Reference):
    """Holds an object's id only, so it never keeps the object alive.

    Make one with [code]weakref(obj)[/code]; [method get_ref] returns the object while it lives and
    [code]null[/code] afterwards.
    """

    __slots__ = ("_ref_id",)
    _ref_id: int

    def __init__(self) -> None:
        super().__init__()
        self._ref_id = 0

    def get_ref(self) -> Any:
        """Returns the object if it is still alive, else [code]null[/code]."""
        return object_db.lookup(self._ref_id) if self._ref_id else None

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "get_ref", const=True)


ClassDB.register_class(WeakRef)


def weakref(obj: Object | None) -> WeakRef | None:
    """Python-only: a new WeakRef to ``obj`` (``None`` for ``None``)."""
    if obj is None:
        return None
    if not isinstance(obj, Object):
        raise TypeError(f"weakref() needs an Object, not {type(obj).__name__}")
    ref = WeakRef()
    ref._ref_id = 0 if obj._freed else obj._id
    return ref
