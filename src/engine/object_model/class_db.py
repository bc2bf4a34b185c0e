"""``ClassDB``: registration entry points and the engine's script-facing query API.

A Python namespace (the engine's ``_ClassDB`` singleton is an Object; ours need not be). Query
functions never raise: an unknown class gives an empty answer, and where the engine logs, one
line ``Cannot get class '<X>'.``. Every result is a new list or dict. Imports ``registry``,
``class_info``, ``info``, ``errors``, ``variant``.
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import IntEnum
from typing import Any

from . import registry, variant
from .class_info import ClassInfo
from .errors import Error, err_print, fail_cond
from .info import ArgumentInfo, MethodInfo, PropertyInfo, PropertyUsage

_FREE = MethodInfo(name="free")


def _find(class_name: str, function: str = "") -> ClassInfo | None:
    info = registry.classes.get(class_name) if isinstance(class_name, str) else None
    if info is None and function:
        err_print(function, f"Cannot get class '{class_name}'.")
    return info


def _chain(info: ClassInfo, no_inheritance: bool) -> list[ClassInfo]:
    return [info] if no_inheritance else info.chain()


def _live_object(obj: Any, function: str, returned: Any, empty: str = "") -> bool:
    if obj is None or not hasattr(obj, "_class_info") or variant.is_freed(obj):
        fail_cond(function, "!obj", returned, empty=empty)
        return False
    return True


class ClassDB:
    """The class database: register classes, then ask about them by name."""

    # --- registration (Python-only: mistakes raise) ---

    @staticmethod
    def register_class(cls: type) -> None:
        """Register ``cls`` as an instanceable class; see object_model.md §4.1."""
        registry.register(cls, virtual=False)

    @staticmethod
    def register_virtual_class(cls: type) -> None:
        """Register ``cls`` as a class that cannot be instanced itself."""
        registry.register(cls, virtual=True)

    @staticmethod
    def unregister_class(name: str) -> None:
        """Python-only: forget class ``name`` so it can be declared again (tests, notebooks).

        ``ValueError`` for an unknown class or one of the library's own, or while it has
        registered subclasses or live instances.
        """
        registry.unregister(name)

    @staticmethod
    def bind_method(
        cls: type,
        name: str,
        *,
        args: Sequence[str | ArgumentInfo] | None = None,
        defaults: Sequence[Any] | None = None,
        returns: PropertyInfo | None = None,
        const: bool = False,
    ) -> None:
        """Bind ``cls.<name>`` so it can be called by name and is listed by ClassDB."""
        registry.bind_method(cls, name, args=args, defaults=defaults, returns=returns, const=const)

    @staticmethod
    def bind_vararg_method(
        cls: type,
        name: str,
        *,
        args: Sequence[str | ArgumentInfo] | None = None,
        const: bool = False,
    ) -> None:
        """Bind a method taking named leading arguments, then any number of raw ones."""
        registry.bind_method(cls, name, args=args, const=const, vararg=True)

    @staticmethod
    def add_property(cls: type, info: PropertyInfo, setter: str = "", getter: str = "") -> None:
        """Declare a property served by already-bound ``setter`` and ``getter`` methods."""
        registry.add_property(cls, info, setter, getter)

    @staticmethod
    def add_property_group(cls: type, label: str, prefix: str = "") -> None:
        """Start an editor group; the properties after it whose names start with ``prefix``."""
        registry.add_property_group(cls, label, prefix)

    @staticmethod
    def bind_integer_constant(cls: type, enum: str, name: str, value: int) -> None:
        """Declare an integer constant, filed under the short ``enum`` name (or none)."""
        registry.bind_integer_constant(cls, enum, name, value)

    @staticmethod
    def bind_enum(cls: type, enum_type: type[IntEnum]) -> None:
        """Declare every member of ``enum_type`` as a constant of its enum."""
        registry.bind_enum(cls, enum_type)

    @staticmethod
    def add_signal(cls: type, signal: MethodInfo) -> None:
        """Declare a class signal."""
        registry.add_signal(cls, signal)

    @staticmethod
    def add_virtual_method(cls: type, method: MethodInfo) -> None:
        """Declare a method the engine calls on scripts (``_init``, ``_get``...): listed in the
        class reference as virtual, never callable by name."""
        registry.add_virtual_method(cls, method)

    # --- classes ---

    @staticmethod
    def class_exists(class_name: str) -> bool:
        return _find(class_name) is not None

    @staticmethod
    def get_class_list() -> list[str]:
        return sorted(registry.classes)

    @staticmethod
    def get_parent_class(class_name: str) -> str:
        info = _find(class_name, "get_parent_class")
        return info.parent.name if info is not None and info.parent is not None else ""

    @staticmethod
    def is_parent_class(class_name: str, inherits: str) -> bool:
        info = _find(class_name, "is_parent_class")
        return info is not None and info.inherits(inherits)

    @staticmethod
    def get_inheriters_from_class(class_name: str) -> list[str]:
        return sorted(
            name
            for name, info in registry.classes.items()
            if name != class_name and info.inherits(class_name)
        )

    @staticmethod
    def can_instance(class_name: str) -> bool:
        info = _find(class_name, "can_instance")
        return info is not None and not info.virtual

    @staticmethod
    def instance(class_name: str) -> Any:
        """A new object of the class; a Reference is returned unadopted (the caller owns it)."""
        info = _find(class_name, "instance")
        if info is None:
            return None
        if info.virtual:
            err_print("instance", f"Class '{class_name}' or its base class cannot be instantiated.")
            return None
        return info.cls()

    # --- properties ---

    @staticmethod
    def class_get_property_list(
        class_name: str, no_inheritance: bool = False
    ) -> list[dict[str, Any]]:
        info = _find(class_name)
        if info is None:
            return []
        return [
            p.info.as_dict()
            for c in _chain(info, no_inheritance)
            for p in c.properties
            if not p.info.usage & PropertyUsage.CATEGORY
        ]

    @staticmethod
    def class_get_property(obj: Any, property: str) -> Any:
        if not _live_object(obj, "class_get_property", None, "Variant()"):
            return None
        binding = obj._props.get(property)
        if binding is not None:
            return binding.getter.func(obj) if binding.getter is not None else None
        return obj._consts.get(property)

    @staticmethod
    def class_set_property(obj: Any, property: str, value: Any) -> Error:
        if not _live_object(obj, "class_set_property", Error.ERR_INVALID_PARAMETER):
            return Error.ERR_INVALID_PARAMETER
        binding = obj._props.get(property)
        if binding is None:
            return Error.ERR_UNAVAILABLE
        if binding.setter is None:
            return Error.ERR_INVALID_DATA
        _, error = obj.callp(binding.setter.name, (value,))
        return Error.OK if error.error == 0 else Error.ERR_INVALID_DATA

    @staticmethod
    def class_get_property_setter(class_name: str, property: str) -> str:
        info = _find(class_name, "class_get_property_setter")
        binding = info.all_properties.get(property) if info is not None else None
        return binding.setter.name if binding is not None and binding.setter is not None else ""

    @staticmethod
    def class_get_property_getter(class_name: str, property: str) -> str:
        info = _find(class_name, "class_get_property_getter")
        binding = info.all_properties.get(property) if info is not None else None
        return binding.getter.name if binding is not None and binding.getter is not None else ""

    @staticmethod
    def class_get_property_default_value(class_name: str, property: str) -> Any:
        info = _find(class_name, "class_get_property_default_value")
        if info is None:
            return None
        if info.default_values is None:
            info.default_values = _read_defaults(info)
        return info.default_values.get(property)

    # --- methods ---

    @staticmethod
    def class_get_method_list(
        class_name: str, no_inheritance: bool = False
    ) -> list[dict[str, Any]]:
        info = _find(class_name)
        if info is None:
            return []
        out = []
        for c in _chain(info, no_inheritance):
            if c.parent is None:
                out.append(_FREE.as_dict())
            out.extend(bind.info.as_dict() for bind in c.methods.values())
        return out

    @staticmethod
    def class_has_method(class_name: str, method: str, no_inheritance: bool = False) -> bool:
        info = _find(class_name)
        if info is None:
            return False
        return any(method in c.methods for c in _chain(info, no_inheritance))

    # --- constants and enums ---

    @staticmethod
    def class_get_integer_constant(class_name: str, name: str) -> int:
        info = _find(class_name)
        if info is None or name not in info.all_constants:
            fail_cond("class_get_integer_constant", "!found", 0)
            return 0
        return info.all_constants[name]

    @staticmethod
    def class_get_integer_constant_list(class_name: str, no_inheritance: bool = False) -> list[str]:
        info = _find(class_name)
        if info is None:
            return []
        return [name for c in _chain(info, no_inheritance) for name in c.constants]

    @staticmethod
    def class_has_integer_constant(class_name: str, name: str) -> bool:
        info = _find(class_name)
        return info is not None and name in info.all_constants

    @staticmethod
    def class_get_enum_list(class_name: str, no_inheritance: bool = False) -> list[str]:
        info = _find(class_name)
        if info is None:
            return []
        return [enum for c in _chain(info, no_inheritance) for enum in c.enums]

    @staticmethod
    def class_get_enum_constants(
        class_name: str, enum: str, no_inheritance: bool = False
    ) -> list[str]:
        info = _find(class_name)
        if info is None:
            return []
        return [name for c in _chain(info, no_inheritance) for name in c.enums.get(enum, ())]

    @staticmethod
    def class_get_integer_constant_enum(
        class_name: str, name: str, no_inheritance: bool = False
    ) -> str:
        info = _find(class_name)
        if info is None:
            return ""
        for c in _chain(info, no_inheritance):
            if name in c.constant_enum:
                return c.constant_enum[name]
        return ""

    # --- signals ---

    @staticmethod
    def class_get_signal(class_name: str, signal: str) -> dict[str, Any]:
        info = _find(class_name)
        for c in info.chain() if info is not None else ():
            if signal in c.signals:
                return c.signals[signal].as_dict()
        return {}

    @staticmethod
    def class_get_signal_list(
        class_name: str, no_inheritance: bool = False
    ) -> list[dict[str, Any]]:
        info = _find(class_name, "class_get_signal_list")
        if info is None:
            return []
        return [s.as_dict() for c in _chain(info, no_inheritance) for s in c.signals.values()]

    @staticmethod
    def class_has_signal(class_name: str, signal: str) -> bool:
        info = _find(class_name)
        return info is not None and any(signal in c.signals for c in info.chain())


def _read_defaults(info: ClassInfo) -> dict[str, Any]:
    """Read every stored or shown property of a throwaway instance (object_model.md §4.3)."""
    source = info
    if info.virtual:
        children = [c for c in registry.classes.values() if c.parent is info and not c.virtual]
        if not children:
            return {}
        source = children[0]
    instance = source.cls()
    shown = PropertyUsage.STORAGE | PropertyUsage.EDITOR
    values = {
        name: binding.getter.func(instance)
        for name, binding in info.all_properties.items()
        if binding.getter is not None and binding.info.usage & shown
    }
    if not source.inherits("Reference"):
        instance.free()
    return values
