"""Class registration: ``register_class`` and the ``_bind_methods`` calls it runs.

Registration is a transaction. ``_bind_methods`` records declarations into a ``_Builder``;
types are resolved afterwards (so an enum may be bound after the methods that use it), every
rule is checked, and only then is the class committed: it enters ``classes``, its constants
and properties become class attributes, its methods get ids and the class its own ``call``,
``get`` and ``set`` (``fast_paths``). A mistake raises a Python exception and leaves no trace.
Committing records every attribute it puts on the class, so ``unregister`` can put the class
back as it was. Imports ``binding``, ``class_info``, ``fast_paths``, ``info``, ``object_db``,
``variant``.

Registrations run one at a time (a process-wide lock), so of two classes of one name registered
at once exactly one is committed. ``classes`` is never changed in place: committing replaces it
with a new dict, so a query iterating it meanwhile sees a consistent snapshot.
"""

from __future__ import annotations

import gc
import inspect
import itertools
import threading
import types
import typing
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Annotated, Any, get_args, get_origin

from . import fast_paths, object_db
from .binding import MethodBind
from .class_info import MISSING, ClassInfo, PropertyAttribute, PropertyBinding
from .errors import Error
from .info import (
    VARIANT,
    VOID,
    ArgumentInfo,
    MethodFlags,
    MethodInfo,
    PropertyHint,
    PropertyInfo,
    PropertyUsage,
)
from .variant import CONVERTERS, REJECT, Converter, VariantType, object_converter

#: Every committed class by name (replaced, never mutated; read it through the module).
classes: dict[str, ClassInfo] = {}
#: ``"C.E"`` for each IntEnum bound with ``bind_enum`` (``Error`` is always known).
enum_names: dict[type, str] = {Error: "Error"}
_method_ids = itertools.count(1)
_root: list[type] = []  # the Object class, once registered
_lock = threading.RLock()
_local = threading.local()  # .pending: this thread's stack of classes being registered

_INT32 = range(-(2**31), 2**31)
#: Packages whose classes the library itself needs registered (``unregister`` refuses them).
_LIBRARY_PACKAGES = frozenset({"engine", "net", "engine_net"})
_ENUM_USAGE = PropertyUsage.DEFAULT | PropertyUsage.CLASS_IS_ENUM
_PLAIN: dict[Any, VariantType] = {
    bool: VariantType.BOOL,
    int: VariantType.INT,
    float: VariantType.REAL,
    str: VariantType.STRING,
    bytes: VariantType.POOL_BYTE_ARRAY,
    dict: VariantType.DICTIONARY,
    list: VariantType.ARRAY,
}
_POOLS: dict[Any, VariantType] = {
    str: VariantType.POOL_STRING_ARRAY,
    int: VariantType.POOL_INT_ARRAY,
    float: VariantType.POOL_REAL_ARRAY,
}


class _MethodSpec:
    __slots__ = ("args", "const", "defaults", "func", "name", "returns", "vararg")

    def __init__(
        self,
        name: str,
        func: Callable[..., Any],
        args: list[str | ArgumentInfo],
        defaults: tuple[Any, ...],
        returns: PropertyInfo | None,
        const: bool,
        vararg: bool,
    ) -> None:
        self.name, self.func, self.args, self.defaults = name, func, args, defaults
        self.returns, self.const, self.vararg = returns, const, vararg


class _Builder:
    """What ``_bind_methods`` declared for the class being registered."""

    def __init__(self, cls: type, parent: ClassInfo | None) -> None:
        self.cls = cls
        self.parent = parent
        self.methods: dict[str, _MethodSpec] = {}
        self.properties: list[tuple[PropertyInfo, str, str]] = []
        self.constants: dict[str, tuple[str, int]] = {}
        self.enums: list[tuple[str, type[IntEnum]]] = []
        self.signals: dict[str, MethodInfo] = {}
        self.virtuals: dict[str, MethodInfo] = {}


def builder_for(cls: type) -> _Builder:
    """The builder of ``cls``; registration calls for any other class are refused."""
    pending: list[_Builder] = getattr(_local, "pending", [])
    if not pending or pending[-1].cls is not cls:
        raise RuntimeError(
            f"registration calls for '{getattr(cls, '__name__', cls)}' are only allowed "
            "inside its own _bind_methods, while ClassDB.register_class runs"
        )
    return pending[-1]


def _inherited(b: _Builder, what: str, name: str) -> bool:
    info = b.parent
    while info is not None:
        if name in getattr(info, what):
            return True
        info = info.parent
    return False


# --- declarations (called from _bind_methods) -------------------------------------------


def bind_method(
    cls: type,
    name: str,
    *,
    args: Sequence[str | ArgumentInfo] | None = None,
    defaults: Sequence[Any] | None = None,
    returns: PropertyInfo | None = None,
    const: bool = False,
    vararg: bool = False,
) -> None:
    b = builder_for(cls)
    func = cls.__dict__.get(name)
    if func is None:
        raise ValueError(f"Class {cls.__name__} has no method '{name}' to bind.")
    if not isinstance(func, types.FunctionType):
        raise TypeError(f"'{cls.__name__}.{name}' is not a plain function.")
    if name in b.methods or name == "free" or _inherited(b, "methods", name):
        raise ValueError(f"Class {cls.__name__} already has a method {name}.")
    params = list(inspect.signature(func).parameters.values())[1:]
    positional = []
    for p in params:
        if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD):
            positional.append(p)
        elif (p.kind is p.VAR_POSITIONAL and vararg) or (
            p.kind is p.KEYWORD_ONLY and p.default is not p.empty
        ):
            continue
        else:
            raise TypeError(
                f"{cls.__name__}.{name}: parameter '{p.name}' cannot be bound "
                "(only positional parameters are allowed)"
            )
    if vararg and not any(p.kind is p.VAR_POSITIONAL for p in params):
        raise TypeError(f"{cls.__name__}.{name}: a vararg method needs a *args parameter")
    names: list[str | ArgumentInfo] = (
        list(args) if args is not None else [p.name for p in positional]
    )
    if len(names) != len(positional) or not all(isinstance(a, str | ArgumentInfo) for a in names):
        raise ValueError(
            f"{cls.__name__}.{name}: 'args' needs one name or ArgumentInfo "
            f"for each of its {len(positional)} parameters"
        )
    func_defaults = [p.default for p in positional if p.default is not p.empty]
    if vararg:
        chosen: tuple[Any, ...] = ()
    elif defaults is None:
        chosen = tuple(func_defaults)
    else:
        chosen = tuple(defaults)
        if len(chosen) > len(positional):
            raise ValueError(
                f"{cls.__name__}.{name}: {len(chosen)} defaults for {len(positional)} arguments"
            )
        same = len(func_defaults) == len(chosen) and all(
            f == c or (f is None and isinstance(c, list | dict))
            for f, c in zip(func_defaults, chosen, strict=True)
        )
        if not same:
            raise ValueError(
                f"{cls.__name__}.{name}: the function's own defaults "
                f"{func_defaults!r} do not match defaults={list(chosen)!r}"
            )
    b.methods[name] = _MethodSpec(name, func, names, chosen, returns, const, vararg)


def add_property(cls: type, info: PropertyInfo, setter: str = "", getter: str = "") -> None:
    b = builder_for(cls)
    if not isinstance(info, PropertyInfo):
        raise TypeError("add_property needs a PropertyInfo")
    if any(p.name == info.name for p, _, _ in b.properties if not _is_group(p)):
        raise ValueError(f"Object '{cls.__name__}' already has property '{info.name}'.")
    b.properties.append((info, setter, getter))


def add_property_group(cls: type, label: str, prefix: str = "") -> None:
    b = builder_for(cls)
    if not label:
        raise ValueError("a property group needs a label")
    group = PropertyInfo(name=label, hint_string=prefix, usage=PropertyUsage.GROUP)
    b.properties.append((group, "", ""))


def bind_integer_constant(cls: type, enum: str, name: str, value: int) -> None:
    b = builder_for(cls)
    if not isinstance(value, int) or int(value) not in _INT32:
        raise ValueError(f"constant {cls.__name__}.{name} = {value!r} is not a 32-bit integer")
    if name in b.constants:
        raise ValueError(f"Class '{cls.__name__}' already has a constant '{name}'.")
    b.constants[name] = (enum, value)


def bind_enum(cls: type, enum_type: type[IntEnum]) -> None:
    b = builder_for(cls)
    if not (isinstance(enum_type, type) and issubclass(enum_type, IntEnum)):
        raise TypeError("bind_enum needs an IntEnum class")
    for member in enum_type:
        bind_integer_constant(cls, enum_type.__name__, member.name, member)
    b.enums.append((enum_type.__name__, enum_type))


def add_signal(cls: type, signal: MethodInfo) -> None:
    b = builder_for(cls)
    if signal.name in b.signals or _inherited(b, "signals", signal.name):
        raise ValueError(f"Class '{cls.__name__}' already has signal '{signal.name}'.")
    b.signals[signal.name] = signal.model_copy(update={"flags": MethodFlags.NORMAL, "id": 0})


def add_virtual_method(cls: type, method: MethodInfo) -> None:
    b = builder_for(cls)
    if not isinstance(method, MethodInfo):
        raise TypeError("add_virtual_method needs a MethodInfo")
    if method.name in b.virtuals or _inherited(b, "virtuals", method.name):
        raise ValueError(f"Class '{cls.__name__}' already has virtual method '{method.name}'.")
    flags = MethodFlags(method.flags) | MethodFlags.VIRTUAL
    b.virtuals[method.name] = method.model_copy(update={"flags": flags, "id": 0})


def _is_group(info: PropertyInfo) -> bool:
    return bool(info.usage & (PropertyUsage.GROUP | PropertyUsage.CATEGORY))


# --- type resolution ----------------------------------------------------------------------


def _object_class(ann: Any, b: _Builder) -> type | None:
    """The Object class named by ``ann`` (``T`` or ``T | None``), if it is one."""
    if get_origin(ann) in (typing.Union, types.UnionType):
        rest = [a for a in get_args(ann) if a is not type(None)]
        if len(rest) != 1:
            return None
        ann = rest[0]
    if not isinstance(ann, type):
        return None
    if ann is b.cls:
        return ann
    if _root and issubclass(ann, _root[0]) and "_class_info" in ann.__dict__:
        return ann
    return None


def _describe(
    ann: Any, b: _Builder, pending_enums: dict[type, str]
) -> tuple[PropertyInfo, Converter]:
    """The descriptor and converter for one annotation, or ``TypeError``."""
    if ann is Any or ann is object:
        return VARIANT, CONVERTERS[VariantType.NIL]
    if ann in _PLAIN:
        vtype = _PLAIN[ann]
        return PropertyInfo(name="", type=vtype), CONVERTERS[vtype]
    origin = get_origin(ann)
    if origin is list:
        (item,) = get_args(ann) or (Any,)
        vtype = _POOLS.get(item, VariantType.ARRAY)
        return PropertyInfo(name="", type=vtype), CONVERTERS[vtype]
    if origin is dict:
        return PropertyInfo(name="", type=VariantType.DICTIONARY), CONVERTERS[
            VariantType.DICTIONARY
        ]
    if origin is Annotated:
        # ``Annotated[int, E]``: a plain int the engine types as enum E (enum returns are ints).
        base, *extras = get_args(ann)
        enums = [e for e in extras if e in enum_names or e in pending_enums]
        if base is not int or len(enums) != 1:
            raise TypeError(f"unsupported type {ann!r} (expected Annotated[int, <bound enum>])")
        ann = enums[0]
    enum_name = enum_names.get(ann) or pending_enums.get(ann)
    if enum_name is not None:
        info = PropertyInfo(name="", type=VariantType.INT, class_name=enum_name, usage=_ENUM_USAGE)
        return info, CONVERTERS[VariantType.INT]
    target = _object_class(ann, b)
    if target is not None:
        resource = _is_reference(target, b)
        info = PropertyInfo(
            name="",
            type=VariantType.OBJECT,
            class_name=target.__name__,
            hint=PropertyHint.RESOURCE_TYPE if resource else PropertyHint.NONE,
            hint_string=target.__name__ if resource else "",
        )
        return info, object_converter(target)
    raise TypeError(f"unsupported type {ann!r}")


def annotation_globals(module_globals: dict[str, Any]) -> dict[str, Any]:
    """Where a string annotation's names are looked up: the module's names, then every
    registered class by its name (so a class made inside a function can still be named)."""
    return {**{name: info.cls for name, info in classes.items()}, **module_globals}


def describe(cls: type, annotation: Any) -> tuple[PropertyInfo, Converter]:
    """The descriptor (named ``""``) and converter of a type annotation, as ``bind_method``
    reads a parameter's; enums bound so far for ``cls`` count. Only while ``cls`` registers."""
    b = builder_for(cls)
    pending = {enum: f"{cls.__name__}.{short}" for short, enum in b.enums}
    return _describe(annotation, b, pending)


def _is_reference(target: type, b: _Builder) -> bool:
    if target is b.cls:
        return target.__name__ == "Reference" or bool(b.parent and b.parent.inherits("Reference"))
    info: ClassInfo = target.__dict__["_class_info"]
    return info.inherits("Reference")


def _info_from(described: PropertyInfo, name: str) -> ArgumentInfo:
    return ArgumentInfo(**{**described.model_dump(), "name": name})


def _build_bind(spec: _MethodSpec, b: _Builder, pending_enums: dict[type, str]) -> MethodBind:
    where = f"{b.cls.__name__}.{spec.name}"
    localns = {**vars(b.cls), b.cls.__name__: b.cls}
    globalns = annotation_globals(getattr(spec.func, "__globals__", {}))
    try:
        hints = typing.get_type_hints(
            spec.func, globalns=globalns, localns=localns, include_extras=True
        )
    except Exception as exc:
        raise TypeError(f"{where}: cannot resolve its annotations: {exc}") from None
    params = [p.name for p in list(inspect.signature(spec.func).parameters.values())[1:]]
    args: list[ArgumentInfo] = []
    converters: list[Converter] = []
    for param, declared in zip(params, spec.args, strict=False):
        if isinstance(declared, ArgumentInfo):
            args.append(declared)
            converters.append(_converter_for(declared, b))
            continue
        if param not in hints:
            raise TypeError(f"{where}: parameter '{param}' has no type annotation")
        try:
            described, convert = _describe(hints[param], b, pending_enums)
        except TypeError as exc:
            raise TypeError(f"{where}: parameter '{param}': {exc}") from None
        args.append(_info_from(described, declared))
        converters.append(convert)
    returns = spec.returns
    if returns is None:
        ret = hints.get("return", inspect.Parameter.empty)
        if ret is inspect.Parameter.empty:
            raise TypeError(f"{where}: the return type has no annotation")
        if ret is None or ret is type(None):
            returns = VOID
        else:
            try:
                returns = _describe(ret, b, pending_enums)[0]
            except TypeError as exc:
                raise TypeError(f"{where}: return: {exc}") from None
    defaults = []
    first_default = len(args) - len(spec.defaults)
    for i, value in enumerate(spec.defaults):
        converted = converters[first_default + i](value)
        if converted is REJECT:
            raise TypeError(
                f"{where}: default {value!r} does not fit argument '{args[first_default + i].name}'"
            )
        defaults.append(converted)
    flags = MethodFlags.NORMAL
    if spec.const:
        flags |= MethodFlags.CONST
    if spec.vararg:
        flags |= MethodFlags.VARARG
    info = MethodInfo(
        name=spec.name,
        args=tuple(args),
        default_args=tuple(defaults),
        flags=flags,
        return_val=returns,
    )
    return MethodBind(spec.func, info, converters, vararg=spec.vararg)


def _converter_for(declared: PropertyInfo, b: _Builder) -> Converter:
    """The converter for an explicitly given descriptor (used by ``args=``)."""
    if declared.type == VariantType.OBJECT:
        name = declared.class_name or "Object"
        if name == b.cls.__name__:
            return object_converter(b.cls)
        if name not in classes:
            raise TypeError(f"unknown class '{name}' in an argument descriptor")
        return object_converter(classes[name].cls)
    convert = CONVERTERS.get(declared.type)
    if convert is None:
        raise TypeError(f"type {declared.type.type_name} cannot be bound")
    return convert


# --- register and commit ------------------------------------------------------------------


def register(cls: type, virtual: bool) -> ClassInfo:
    """Check, run ``_bind_methods``, resolve, then commit ``cls``; see the module docstring."""
    if not isinstance(cls, type):
        raise TypeError("register_class needs a class")
    with _lock:
        parent = _check_class(cls, virtual)
        b = _Builder(cls, parent)
        bind = cls.__dict__.get("_bind_methods")
        if bind is not None:
            if not isinstance(bind, classmethod):
                raise TypeError(f"{cls.__name__}._bind_methods must be a classmethod")
            pending = _local.__dict__.setdefault("pending", [])
            pending.append(b)
            try:
                bind.__func__(cls)
            finally:
                pending.pop()
        info = _resolve(b, virtual)
        _commit(info, b)
        return info


def _check_class(cls: type, virtual: bool) -> ClassInfo | None:
    name = cls.__name__
    if _root:
        bases = [base for base in cls.__bases__ if issubclass(base, _root[0])]
        if len(bases) != 1:
            raise TypeError(f"class '{name}' must derive from exactly one Object class")
        parent = bases[0].__dict__.get("_class_info")
        if parent is None:
            raise ValueError(
                f"the parent class '{bases[0].__name__}' of '{name}' is not registered"
            )
    else:
        parent = None
    if name in classes:
        raise ValueError(f"Class '{name}' already exists.")
    if not virtual:
        init = inspect.signature(cls.__init__)  # type: ignore[misc]
        needed = [
            p
            for p in list(init.parameters.values())[1:]
            if p.default is p.empty and p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)
        ]
        if needed:
            raise TypeError(
                f"class '{name}' can be instanced, so its __init__ must take no "
                f"arguments (it needs {', '.join(p.name for p in needed)})"
            )
    return parent


def _resolve(b: _Builder, virtual: bool) -> ClassInfo:
    cls = b.cls
    pending_enums = {enum: f"{cls.__name__}.{short}" for short, enum in b.enums}
    info = ClassInfo(cls, b.parent, virtual)
    for name, spec in b.methods.items():
        info.methods[name] = _build_bind(spec, b, pending_enums)
    lookup = {**(b.parent.all_methods if b.parent else {}), **info.methods}
    for prop, setter, getter in b.properties:
        set_bind = _accessor(lookup, cls, prop, setter, 1, "setter")
        get_bind = _accessor(lookup, cls, prop, getter, 0, "getter")
        _check_accessor_types(cls, prop, set_bind, get_bind)
        info.properties.append(PropertyBinding(prop, set_bind, get_bind))
    for name, (enum, value) in b.constants.items():
        info.constants[name] = int(value)
        if enum:
            info.enums.setdefault(enum, []).append(name)
            info.constant_enum[name] = enum
    info.signals = dict(b.signals)
    info.virtuals = dict(b.virtuals)
    info.flatten()
    _check_attributes(info)
    return info


def _accessor(
    lookup: dict[str, MethodBind], cls: type, prop: PropertyInfo, name: str, argc: int, kind: str
) -> MethodBind | None:
    if not name:
        return None
    bind = lookup.get(name)
    if bind is None or bind.argc != argc or bind.vararg:
        raise ValueError(f"Invalid {kind} '{cls.__name__}::{name}' for property '{prop.name}'.")
    return bind


def _check_accessor_types(
    cls: type, prop: PropertyInfo, setter: MethodBind | None, getter: MethodBind | None
) -> None:
    """A property's setter must take, and its getter return, the property's own type."""
    if _is_group(prop):
        return
    declared: list[tuple[MethodBind, str, str, PropertyInfo]] = []
    if setter is not None:
        declared.append((setter, "setter", "takes", setter.info.args[0]))
    if getter is not None:
        declared.append((getter, "getter", "returns", getter.info.return_val))
    for bind, kind, verb, info in declared:
        if info.type != prop.type:
            raise TypeError(
                f"property '{prop.name}' of '{cls.__name__}' is {prop.type.type_name}, but its "
                f"{kind} '{bind.name}' {verb} {_spell(info)}"
            )


def _spell(info: PropertyInfo) -> str:
    if info.type == VariantType.NIL:
        return "Variant" if info.usage & PropertyUsage.NIL_IS_VARIANT else "void"
    return info.type.type_name


def wrap_overrides(cls: type) -> None:
    """Put the direct-call checks of the bound methods ``cls`` overrides in front of its
    overrides (a subclass may redefine a bound method without re-binding it)."""
    binds: dict[str, MethodBind] | None = getattr(cls, "_binds", None)
    if not binds or cls.__dict__.get("_freed_stubs"):
        return
    for name, value in list(cls.__dict__.items()):
        bind = binds.get(name)
        if bind is not None and isinstance(value, types.FunctionType) and value is not bind.func:
            direct = bind.direct_caller(value)
            if direct is not None:
                type.__setattr__(cls, name, direct)


def _check_attributes(info: ClassInfo) -> None:
    cls = info.cls
    for p in info.properties:
        if p.is_group:
            continue
        existing = getattr(cls, p.info.name, None)
        if existing is not None and not isinstance(existing, PropertyAttribute):
            raise ValueError(
                f"property '{p.info.name}' of '{info.name}' clashes with an "
                "attribute the class already has"
            )
    for name, value in info.constants.items():
        existing = getattr(cls, name, None)
        if existing is not None and existing != value:
            raise ValueError(
                f"constant '{info.name}.{name}' clashes with an attribute "
                f"of another value ({existing!r})"
            )


def _commit(info: ClassInfo, b: _Builder) -> None:
    cls = b.cls

    def install(name: str, value: Any) -> None:
        info.installed.setdefault(name, cls.__dict__.get(name, MISSING))
        setattr(cls, name, value)

    for bind in info.methods.values():
        bind.info = bind.info.model_copy(update={"id": next(_method_ids)})
    for short, enum in b.enums:
        enum_names[enum] = f"{info.name}.{short}"
        for member in enum:
            install(member.name, member)
    for name, value in info.constants.items():
        if name not in cls.__dict__:
            install(name, value)
    for p in info.properties:
        if not p.is_group:
            install(p.info.name, PropertyAttribute(p))
    for name, bind in info.methods.items():
        direct = bind.direct_caller()
        if direct is not None:
            install(name, direct)
    fast_paths.install(info, install)
    install("_class_info", info)
    install("_binds", info.all_methods)
    install("_props", info.all_properties)
    install("_consts", info.all_constants)
    if not _root:
        _root.append(cls)
    global classes
    classes = {**classes, info.name: info}


def unregister(name: str) -> None:
    """Take class ``name`` out of ClassDB and give its Python class back its own attributes.

    Python-only, for tests and notebooks that declare a class again. Refused (``ValueError``)
    for an unknown class, the library's own (``WeakRef``, ``HTTPClient``...), one with
    registered subclasses and one with live instances (those would keep answering from a
    class ClassDB no longer knows).
    """
    global classes
    with _lock:
        info = classes.get(name) if isinstance(name, str) else None
        if info is None:
            raise ValueError(f"Class '{name}' is not registered.")
        if info.cls.__module__.partition(".")[0] in _LIBRARY_PACKAGES:
            raise ValueError(f"Class '{name}' belongs to engine-net and stays registered.")
        children = sorted(c.name for c in classes.values() if c.parent is info)
        if children:
            raise ValueError(
                f"Class '{name}' cannot be unregistered: registered classes derive from it "
                f"({', '.join(children)})."
            )
        live = _live_instances(info.cls)
        if live:
            raise ValueError(
                f"Class '{name}' cannot be unregistered: {live} of its instances are alive "
                "(free them, or let go of every reference first)."
            )
        classes = {k: v for k, v in classes.items() if k != name}
        spellings = {f"{name}.{short}" for short in info.enums}
        for enum, spelled in list(enum_names.items()):
            if spelled in spellings:
                del enum_names[enum]
        cls = info.cls
        for attribute, previous in info.installed.items():
            if previous is MISSING:
                delattr(cls, attribute)
            else:
                setattr(cls, attribute, previous)
        info.installed.clear()
        for cache in ("_freed_as", "_hook_cache"):
            if cache in cls.__dict__:
                delattr(cls, cache)


def _live_instances(cls: type) -> int:
    """How many live objects are instances of ``cls``; a collection runs first if any are, so
    objects only kept by a dropped reference cycle do not count."""

    def count() -> int:
        return sum(1 for obj in object_db.live_objects() if isinstance(obj, cls))

    if count() == 0:
        return 0
    gc.collect()
    return count()
