"""How an Object comes to be, and which of its classes' hooks run.

``ObjectMeta`` is Object's metaclass: it refuses to instance a virtual class, sends
POSTINITIALIZE once the outermost ``__init__`` has returned, then runs the ``_init`` hooks.
``hooks`` finds a callback (``_notification``, ``_get``, ``_set``, ...) on every Object class of
a chain, Object first, so that each class's own definition runs once; a plain mixin's methods
are not hooks. Imports ``object_db`` and ``class_info`` only (Object is named for type checkers).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

from . import object_db
from .class_info import ClassInfo

if TYPE_CHECKING:
    from .object import Object

NOTIFICATION_POSTINITIALIZE = 0
NOTIFICATION_PREDELETE = 1

_T = TypeVar("_T")


def hooks(cls: type, name: str) -> tuple[Callable[..., Any], ...]:
    """The ``name`` hooks of the Object classes in ``cls``'s chain, Object first, each defined
    in its own class (a plain mixin's methods are not hooks)."""
    cache: dict[str, tuple[Callable[..., Any], ...]] | None = cls.__dict__.get("_hook_cache")
    if cache is None:
        cache = {}
        type.__setattr__(cls, "_hook_cache", cache)
    found = cache.get(name)
    if found is None:
        found = tuple(
            k.__dict__[name]
            for k in reversed(cls.__mro__)
            if name in k.__dict__ and isinstance(k, ObjectMeta)
        )
        cache[name] = found
    return found


class ObjectMeta(type):
    """Sends POSTINITIALIZE after the outermost ``__init__`` returns, then runs the ``_init``
    hooks (base first, as the engine runs a script's); refuses virtual classes."""

    if TYPE_CHECKING:
        # Integer constants become class attributes when a class registers
        # (``HTTPClient.STATUS_BODY``); this tells type checkers such names exist.
        def __getattr__(cls, name: str) -> int: ...

    def __call__(cls: type[_T], *args: Any, **kwargs: Any) -> _T:
        info: ClassInfo | None = cls.__dict__.get("_class_info")
        if info is not None and info.virtual:
            raise TypeError(f"class '{cls.__name__}' is virtual and cannot be instanced")
        obj = cast("Object", cls.__new__(cls, *args, **kwargs))
        try:
            obj.__init__(*args, **kwargs)  # type: ignore[misc]
        except BaseException:
            object_db.remove(obj._id)
            obj._mark_freed()
            raise
        obj.notification(NOTIFICATION_POSTINITIALIZE)
        init_hooks = hooks(cls, "_init")
        if init_hooks:
            try:
                for hook in init_hooks:
                    hook(obj)
            except BaseException:
                obj._free()  # a half-made object is no one's: freed, then the error goes on
                raise
        return cast(_T, obj)
