"""What a freed object turns into, so that live objects never test for being freed.

Freeing an object swaps its Python class for a generated subclass (one per class, made on
first use) in which every bound method and every ClassDB property is a stub: it logs the
engine's freed-instance line and answers the empty value of its declared type. The subclass
adds no slots, so the swap is allowed whatever the class's layout. Imports ``errors``,
``info`` and ``variant`` only; ``object.py`` passes in what it keeps answering.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .errors import Error, err_print
from .info import PropertyInfo
from .variant import VariantType

#: Bound methods that keep answering on a freed object (``call``/``callv`` report by themselves).
STILL_ANSWERING = frozenset({"get_instance_id", "get_class", "is_class", "to_string"})

_LISTS = frozenset(
    {
        VariantType.ARRAY,
        VariantType.POOL_INT_ARRAY,
        VariantType.POOL_REAL_ARRAY,
        VariantType.POOL_STRING_ARRAY,
    }
)
_SCALARS: dict[VariantType, Any] = {
    VariantType.BOOL: False,
    VariantType.INT: 0,
    VariantType.REAL: 0.0,
    VariantType.STRING: "",
    VariantType.POOL_BYTE_ARRAY: b"",
}


def empty_of(info: PropertyInfo) -> Callable[[], Any]:
    """A maker of the empty value of type ``info`` (fresh each time for lists and dicts)."""
    if info.type in _LISTS:
        return list
    if info.type == VariantType.DICTIONARY:
        return dict
    value = _SCALARS.get(info.type)
    if info.type == VariantType.INT and info.class_name == "Error":
        value = Error.ERR_INVALID_PARAMETER
    return lambda: value


def _message(name: str) -> str:
    return f"Attempt to call '{name}' on a previously freed instance."


def method_stub(name: str, empty: Callable[[], Any]) -> Callable[..., Any]:
    """A freed object's ``name``: whatever the arguments, one line and the empty value."""
    message = _message(name)

    def freed(self: Any, *args: Any, **kwargs: Any) -> Any:
        err_print(name, message)
        return empty()

    freed.__name__ = freed.__qualname__ = name
    return freed


class FreedProperty:
    """A ClassDB property of a freed object: reads give the empty value, writes are dropped."""

    __slots__ = ("empty", "read", "write")

    def __init__(self, name: str, getter: str, setter: str, empty: Callable[[], Any]) -> None:
        self.read = getter or name
        self.write = setter or name
        self.empty = empty

    def __get__(self, obj: Any, objtype: type | None = None) -> Any:
        if obj is None:
            return self
        err_print(self.read, _message(self.read))
        return self.empty()

    def __set__(self, obj: Any, value: Any) -> None:
        err_print(self.write, _message(self.write))


def freed_class(cls: type, extra: Mapping[str, Any]) -> type:
    """The class a freed instance of ``cls`` takes; ``extra`` adds ``object.py``'s own stubs."""
    made: type | None = cls.__dict__.get("_freed_as")
    if made is None:
        made = _make(cls, extra)
        type.__setattr__(cls, "_freed_as", made)
    return made


def _make(cls: type, extra: Mapping[str, Any]) -> type:
    namespace: dict[str, Any] = {
        "__slots__": (),
        "__module__": cls.__module__,
        "__qualname__": cls.__qualname__,
        "__doc__": cls.__doc__,
        "_freed_stubs": True,
    }
    for name, bind in getattr(cls, "_binds", {}).items():
        if name not in STILL_ANSWERING:
            namespace[name] = method_stub(name, empty_of(bind.info.return_val))
    for name, binding in getattr(cls, "_props", {}).items():
        info = binding.getter.info.return_val if binding.getter is not None else binding.info
        namespace[name] = FreedProperty(
            name,
            binding.getter.name if binding.getter is not None else "",
            binding.setter.name if binding.setter is not None else "",
            empty_of(info),
        )
    namespace.update(extra)
    return type(cls)(cls.__name__, (cls,), namespace)
