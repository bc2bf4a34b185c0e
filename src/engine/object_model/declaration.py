"""Python-style class declarations: ``@exposed``, ``export(...)`` and ``signal(...)``.

The names are godot-python's. The decorator reads the class body in definition order and
replays it as the ``_bind_methods`` calls a hand-written declaration would make, then registers
the class through ClassDB: one core, so both styles give the same registrations, the same
checks and the same errors, and a mistake leaves no trace (the class body is put back too).

What the body declares, in the order it is written:

- ``name: T = export(default, hint=..., hint_string=..., usage=..., setter=..., getter=...)``:
  a property of type ``T``. Accessors not named are the class's own ``set_<name>`` and
  ``get_<name>`` (``is_<name>`` for a bool) when it defines them, else generated: they keep
  the value in the attribute ``_exported_<name>``, whose class value is ``default`` (a list
  or dict default is copied per instance on first read). ``setter=""`` makes it
  read-only. Generated accessors are bound where the ``export`` stands; getters are const.
- ``name = signal(arg=T, ...)`` (or untyped ``signal("arg", ...)``): a class signal.
- ``exposed.group(label, prefix="")`` assigned to any name: a property group.
- a nested ``IntEnum``: an enum; ``NAME: Final[int] = value``: an integer constant.
- every public function: a bound method, typed by its annotations (``@exposed.const`` binds it
  const; ``@exposed.python_only`` or a leading ``_`` keeps it out). An override of a method an
  ancestor binds stays an override.

Imports ``class_db``, ``info``, ``registry`` and ``variant``.
"""

from __future__ import annotations

import copy
import inspect
import sys
import types
from collections.abc import Callable
from enum import IntEnum
from typing import Any, Final, TypeVar, get_args, get_origin, overload

from . import registry
from .class_db import ClassDB
from .info import ArgumentInfo, MethodInfo, PropertyHint, PropertyInfo, PropertyUsage
from .variant import REJECT, VariantType

_C = TypeVar("_C", bound=type)
_F = TypeVar("_F", bound=Callable[..., Any])

_MISSING: Any = object()
_PYTHON_ONLY = "_exposed_python_only"
_CONST = "_exposed_const"


class Export:
    """A property declaration in a class body (made by ``export``)."""

    __slots__ = ("default", "doc", "getter", "hint", "hint_string", "setter", "usage")

    def __init__(
        self,
        default: Any,
        hint: PropertyHint | None,
        hint_string: str | None,
        usage: PropertyUsage,
        setter: str | None,
        getter: str | None,
        doc: str | None,
    ) -> None:
        self.default, self.hint, self.hint_string, self.usage = default, hint, hint_string, usage
        self.setter, self.getter, self.doc = setter, getter, doc


class Signal:
    """A signal declaration in a class body (made by ``signal``)."""

    __slots__ = ("arguments",)

    def __init__(self, arguments: list[tuple[str, Any]]) -> None:
        self.arguments = arguments  # (name, annotation or _MISSING for an untyped argument)


class Group:
    """A property group declaration in a class body (made by ``exposed.group``)."""

    __slots__ = ("label", "prefix")

    def __init__(self, label: str, prefix: str) -> None:
        self.label, self.prefix = label, prefix


def export(
    default: Any = _MISSING,
    *,
    hint: PropertyHint | None = None,
    hint_string: str | None = None,
    usage: PropertyUsage = PropertyUsage.DEFAULT,
    setter: str | None = None,
    getter: str | None = None,
    doc: str | None = None,
) -> Any:
    """Declare the annotated class attribute a property (see the module docstring).

    ``doc`` becomes the generated getter's docstring, which the class reference shows as the
    property's description. Typed ``Any`` so ``health: int = export(100)`` type-checks.
    """
    return Export(default, hint, hint_string, PropertyUsage(usage), setter, getter, doc)


def signal(*untyped: str, **typed: Any) -> Any:
    """Declare the class attribute a signal; arguments by name (untyped) or ``name=type``."""
    return Signal([(name, _MISSING) for name in untyped] + list(typed.items()))


class _Exposed:
    """``@exposed`` / ``@exposed(virtual=True)`` and its helpers."""

    @overload
    def __call__(self, cls: _C, /) -> _C: ...

    @overload
    def __call__(self, *, virtual: bool = False) -> Callable[[_C], _C]: ...

    def __call__(self, cls: Any = None, *, virtual: bool = False) -> Any:
        if cls is None:
            return lambda c: declare(c, virtual)
        return declare(cls, virtual)

    @staticmethod
    def python_only(func: _F) -> _F:
        """Keep a public method out of ClassDB (a plain Python method of the class)."""
        setattr(func, _PYTHON_ONLY, True)
        return func

    @staticmethod
    def const(func: _F) -> _F:
        """Bind the method const (it does not change the object)."""
        setattr(func, _CONST, True)
        return func

    @staticmethod
    def group(label: str, prefix: str = "") -> Any:
        """Start a property group: the properties declared after it, until the next group."""
        return Group(label, prefix)


exposed: Final = _Exposed()


# --- reading the class body ---------------------------------------------------------------


class _Plan:
    """The registrations a class body asks for, each list in definition order."""

    def __init__(self) -> None:
        self.methods: list[tuple[str, bool]] = []  # (name, const)
        self.constants: list[tuple[str, Any]] = []  # (name, IntEnum class or int)
        self.properties: list[tuple[str, Any, Export | Group, str, str]] = []
        self.signals: list[tuple[str, Signal]] = []
        self.consumed: dict[str, Any] = {}  # declarations taken out of the class namespace
        self.generated: dict[str, Any] = {}  # accessors and their storage to add to it


def _annotation(cls: type, name: str) -> Any:
    raw = inspect.get_annotations(cls).get(name, _MISSING)
    if not isinstance(raw, str):
        return raw
    scope = {**vars(cls), cls.__name__: cls}
    try:
        return eval(raw, registry.annotation_globals(vars(sys.modules[cls.__module__])), scope)
    except Exception as exc:
        raise TypeError(
            f"{cls.__name__}.{name}: cannot resolve its annotation {raw!r}: {exc}"
        ) from None


def _is_final_int(cls: type, name: str, value: Any) -> bool:
    if type(value) is not int:
        return False
    raw = inspect.get_annotations(cls).get(name, _MISSING)
    if raw is _MISSING or (isinstance(raw, str) and "Final" not in raw):
        return False
    ann = _annotation(cls, name)
    return get_origin(ann) is Final and get_args(ann) == (int,)


def _is_enum(value: Any) -> bool:
    return isinstance(value, type) and issubclass(value, IntEnum)


def _read(cls: type) -> _Plan:
    plan = _Plan()
    body = dict(cls.__dict__)
    inherited: dict[str, Any] = getattr(cls, "_binds", {})
    accessors = {
        name
        for value in body.values()
        if isinstance(value, Export)
        for name in (value.setter, value.getter)
        if name
    }
    for name, value in body.items():
        if isinstance(value, Export):
            plan.consumed[name] = value
            _read_export(cls, plan, body, name, value)
        elif isinstance(value, Signal):
            plan.consumed[name] = value
            plan.signals.append((name, value))
        elif isinstance(value, Group):
            plan.consumed[name] = value
            plan.properties.append((name, None, value, "", ""))
        elif _is_enum(value) or _is_final_int(cls, name, value):
            plan.constants.append((name, value))
        elif isinstance(value, types.FunctionType):
            if name in inherited or name == "free" or getattr(value, _PYTHON_ONLY, False):
                continue
            if not name.startswith("_") or name in accessors:
                plan.methods.append((name, bool(getattr(value, _CONST, False))))
    return plan


def _read_export(cls: type, plan: _Plan, body: dict[str, Any], name: str, value: Export) -> None:
    ann = _annotation(cls, name)
    if ann is _MISSING:
        raise TypeError(f"{cls.__name__}.{name}: an exported property needs a type annotation")
    if value.default is _MISSING:
        value.default = _empty_for(ann)
    setter = f"set_{name}" if value.setter is None else value.setter
    getter = (
        (f"is_{name}" if ann is bool else f"get_{name}") if value.getter is None else value.getter
    )
    for accessor, asked, make in (
        (setter, value.setter, _make_setter),
        (getter, value.getter, _make_getter),
    ):
        if asked is None and accessor not in body:
            if cls.__dictoffset__ == 0:
                raise TypeError(
                    f"{cls.__name__}.{name}: generated accessors keep the value in an "
                    "instance attribute, which __slots__ takes away: name your own setter "
                    "and getter"
                )
            func = make(cls, name, accessor, ann, value)
            plan.generated[accessor] = func
            plan.generated[_storage(name)] = value.default
            plan.methods.append((accessor, make is _make_getter))
    plan.properties.append((name, ann, value, setter, getter))


def _empty_for(ann: Any) -> Any:
    """The value a property starts from when ``export`` names no default (the engine's)."""
    if ann in (bool, int, float, str, bytes, list, dict):
        return ann()
    if get_origin(ann) in (list, dict):
        return get_origin(ann)()
    if _is_enum(ann):
        return 0
    return None


def _finish(cls: type, func: Any, accessor: str) -> Any:
    func.__name__ = accessor
    func.__qualname__ = f"{cls.__qualname__}.{accessor}"
    func.__module__ = cls.__module__
    return func


def _storage(name: str) -> str:
    """The attribute generated accessors keep ``name``'s value in (the class's holds the
    default, so a fresh instance needs no set-up)."""
    return f"_exported_{name}"


def _generate(cls: type, accessor: str, source: str, scope: dict[str, Any]) -> Any:
    exec(compile(source, f"<{cls.__name__}.{accessor}>", "exec"), scope)
    return _finish(cls, scope[accessor], accessor)


def _make_setter(cls: type, name: str, accessor: str, ann: Any, declared: Export) -> Any:
    source = f"def {accessor}(self, value):\n    self.{_storage(name)} = value\n"
    setter = _generate(cls, accessor, source, {})
    setter.__annotations__ = {"value": ann, "return": None}
    return setter


def _make_getter(cls: type, name: str, accessor: str, ann: Any, declared: Export) -> Any:
    store = _storage(name)
    if isinstance(declared.default, list | dict):
        # The class holds one shared default: each instance copies it on first read.
        source = (
            f"def {accessor}(self):\n    value = self.{store}\n    if value is shared:\n"
            f"        value = self.{store} = deepcopy(shared)\n    return value\n"
        )
    else:
        source = f"def {accessor}(self):\n    return self.{store}\n"
    getter = _generate(
        cls, accessor, source, {"shared": declared.default, "deepcopy": copy.deepcopy}
    )
    getter.__annotations__ = {"return": ann}
    getter.__doc__ = declared.doc
    return getter


# --- replaying it as _bind_methods ----------------------------------------------------------


def _property_info(cls: type, name: str, ann: Any, value: Export) -> PropertyInfo:
    described, convert = registry.describe(cls, ann)
    hint, hint_string, class_name = described.hint, described.hint_string, ""
    if described.type == VariantType.OBJECT:
        class_name = described.class_name
    elif _is_enum(ann):
        hint = PropertyHint.ENUM
        hint_string = ",".join(f"{m.name}:{int(m)}" for m in ann)
    usage = value.usage | (described.usage & PropertyUsage.NIL_IS_VARIANT)
    if convert(value.default) is REJECT:
        raise TypeError(
            f"{cls.__name__}.{name}: the default {value.default!r} does not fit type "
            f"{_spelled(described)}"
        )
    return PropertyInfo(
        name=name,
        type=described.type,
        class_name=class_name,
        hint=hint if value.hint is None else value.hint,
        hint_string=hint_string if value.hint_string is None else value.hint_string,
        usage=usage,
    )


def _spelled(described: PropertyInfo) -> str:
    if described.type == VariantType.NIL:
        return "Variant"
    return described.class_name or described.type.type_name


def _signal_info(cls: type, name: str, declared: Signal) -> MethodInfo:
    args = []
    for arg, ann in declared.arguments:
        if ann is _MISSING:
            args.append(ArgumentInfo(name=arg))
            continue
        try:
            described = registry.describe(cls, ann)[0]
        except TypeError as exc:
            raise TypeError(f"{cls.__name__}.{name}: argument '{arg}': {exc}") from None
        args.append(ArgumentInfo(**{**described.model_dump(), "name": arg}))
    return MethodInfo(name=name, args=tuple(args))


def _binder(plan: _Plan, own: Any) -> Callable[[type], None]:
    def bind_methods(cls: type) -> None:
        for name, const in plan.methods:
            ClassDB.bind_method(cls, name, const=const)
        for name, constant in plan.constants:
            if isinstance(constant, type):
                ClassDB.bind_enum(cls, constant)
            else:
                ClassDB.bind_integer_constant(cls, "", name, constant)
        for name, ann, declared, setter, getter in plan.properties:
            if isinstance(declared, Group):
                ClassDB.add_property_group(cls, declared.label, declared.prefix)
            else:
                info = _property_info(cls, name, ann, declared)
                ClassDB.add_property(cls, info, setter, getter)
        for name, declared_signal in plan.signals:
            ClassDB.add_signal(cls, _signal_info(cls, name, declared_signal))
        if own is not None:
            own.__func__(cls)

    return bind_methods


def declare(cls: _C, virtual: bool = False) -> _C:
    """Register ``cls`` from its body (what ``@exposed`` does); see the module docstring."""
    if not isinstance(cls, type):
        raise TypeError("@exposed decorates a class")
    plan = _read(cls)
    own = cls.__dict__.get("_bind_methods")
    if own is not None and not isinstance(own, classmethod):
        raise TypeError(f"{cls.__name__}._bind_methods must be a classmethod")
    for name in plan.consumed:
        delattr(cls, name)
    for name, func in plan.generated.items():
        setattr(cls, name, func)
    cls._bind_methods = classmethod(_binder(plan, own))  # type: ignore[attr-defined]
    try:
        registry.register(cls, virtual)
    except BaseException:
        for name in plan.generated:
            delattr(cls, name)
        for name, value in plan.consumed.items():
            setattr(cls, name, value)
        raise
    finally:
        if own is None:
            del cls._bind_methods  # type: ignore[attr-defined]
        else:
            cls._bind_methods = own  # type: ignore[attr-defined]
    return cls
