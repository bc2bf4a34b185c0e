"""Per-class ``call``, ``get`` and ``set``, made once when a class is committed.

Object's own ``call``/``get``/``set`` find a bind through the class's tables and then call
it; these do the same from tables of ready-made entries held in their closure (a bind's
invoker, a getter function, a setter trampoline), which saves the lookups and a frame per
call. Everything they do not find goes on to the object's general path, so the behaviour
is Object's exactly. Imports ``binding`` and ``class_info`` only.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .binding import CallFailed
from .class_info import ClassInfo, PropertyBinding

Install = Callable[[str, Any], None]


def _nothing(obj: Any) -> None:
    """The getter of a property without one."""
    return None


def _ignore(obj: Any, value: Any) -> None:
    """The setter of a read-only property: ``set`` leaves it alone, silently."""


def _by_name_setter(binding: PropertyBinding) -> Callable[[Any, Any], None]:
    setter = binding.setter
    if setter is None:
        return _ignore

    def convert_or_drop(obj: Any, value: Any) -> None:
        try:  # noqa: SIM105 (contextlib.suppress costs a call)
            setter.invoke(obj, (value,))
        except CallFailed:
            pass

    return setter.value_trampoline(convert_or_drop)


def _make_call(invokers: dict[str, Callable[[Any, tuple[Any, ...]], Any]]) -> Any:
    def call(self: Any, method: str, *args: Any) -> Any:
        try:
            invoke = invokers[method]
        except (KeyError, TypeError):  # unknown, "free", or not a method name at all
            if not isinstance(method, str):
                raise self._argument_error("call", 0, method) from None
            return self._call_logged("call", method, args)
        try:
            return invoke(self, args)
        except CallFailed as failure:
            self._log_failure("call", "Error calling method from 'call'", method, failure)
            return None

    return call


def _make_get(getters: dict[str, Callable[[Any], Any]]) -> Any:
    def get(self: Any, property: str) -> Any:
        try:
            getter = getters.get(property)
        except TypeError:  # unhashable, so no String: refused by the general path
            getter = None
        if getter is not None:
            return getter(self)
        return self._get_unbound(property)

    return get


def _make_set(setters: dict[str, Callable[[Any, Any], None]]) -> Any:
    def set(self: Any, property: str, value: Any) -> None:
        try:
            setter = setters.get(property)
        except TypeError:
            setter = None
        if setter is not None:
            setter(self, value)
            return None
        return self._set_unbound(property, value)  # type: ignore[no-any-return]

    return set


def install(info: ClassInfo, install: Install) -> None:
    """Give ``info``'s class its own ``call``, ``get`` and ``set`` (unless it defines them)."""
    cls = info.cls
    made = {
        "call": _make_call({name: bind.invoke for name, bind in info.all_methods.items()}),
        "get": _make_get(
            {
                name: p.getter.func if p.getter is not None else _nothing
                for name, p in info.all_properties.items()
            }
        ),
        "set": _make_set({name: _by_name_setter(p) for name, p in info.all_properties.items()}),
    }
    for name, function in made.items():
        if name in cls.__dict__:
            continue
        general = getattr(cls, name)
        function.__name__ = name
        function.__qualname__ = f"{cls.__qualname__}.{name}"
        function.__doc__ = general.__doc__
        install(name, function)
