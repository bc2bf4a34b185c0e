"""The per-class record kept by ClassDB, and the attribute that exposes a property.

``ClassInfo`` is a plain record (like the engine's): own entries in registration order plus
flattened views over the whole ancestor chain, built once at commit so lookups by name are a
single dictionary access. Imports ``binding`` and ``info`` only.
"""

from __future__ import annotations

from typing import Any

from .binding import CallFailed, MethodBind
from .info import MethodInfo, PropertyInfo, PropertyUsage

#: Stands for "the class had no attribute of that name" in ``ClassInfo.installed``.
MISSING: Any = object()


class PropertyBinding:
    """A ClassDB property with its resolved setter and getter binds."""

    __slots__ = ("getter", "info", "setter")

    def __init__(self, info: PropertyInfo, setter: MethodBind | None, getter: MethodBind | None):
        self.info = info
        self.setter = setter
        self.getter = getter

    @property
    def is_group(self) -> bool:
        return bool(self.info.usage & (PropertyUsage.GROUP | PropertyUsage.CATEGORY))


class ClassInfo:
    """Everything ClassDB knows about one registered class."""

    __slots__ = (
        "all_constants",
        "all_methods",
        "all_properties",
        "cls",
        "constant_enum",
        "constants",
        "default_values",
        "enums",
        "installed",
        "methods",
        "name",
        "parent",
        "properties",
        "signals",
        "virtual",
        "virtuals",
    )

    def __init__(self, cls: type, parent: ClassInfo | None, virtual: bool) -> None:
        self.cls = cls
        self.name: str = cls.__name__
        self.parent = parent
        self.virtual = virtual
        self.methods: dict[str, MethodBind] = {}
        self.properties: list[PropertyBinding] = []  # own, groups included, in order
        self.constants: dict[str, int] = {}
        self.enums: dict[str, list[str]] = {}
        self.constant_enum: dict[str, str] = {}
        self.signals: dict[str, MethodInfo] = {}
        # Script-callback descriptors (``_init``, ``_get``, ...): documented, never callable.
        self.virtuals: dict[str, MethodInfo] = {}
        # What committing put in the class's namespace: name -> the value it replaced (or
        # ``MISSING``), so unregistering can put the class back as it was.
        self.installed: dict[str, Any] = {}
        self.default_values: dict[str, Any] | None = None
        # Flattened over the chain, own entries winning; filled by ``flatten``.
        self.all_methods: dict[str, MethodBind] = {}
        self.all_properties: dict[str, PropertyBinding] = {}
        self.all_constants: dict[str, int] = {}

    def flatten(self) -> None:
        base = self.parent
        self.all_methods = {**(base.all_methods if base else {}), **self.methods}
        own_props = {p.info.name: p for p in self.properties if not p.is_group}
        self.all_properties = {**(base.all_properties if base else {}), **own_props}
        self.all_constants = {**(base.all_constants if base else {}), **self.constants}

    def chain(self) -> list[ClassInfo]:
        """This class, then each ancestor up to Object."""
        out: list[ClassInfo] = []
        info: ClassInfo | None = self
        while info is not None:
            out.append(info)
            info = info.parent
        return out

    def inherits(self, name: str) -> bool:
        return any(info.name == name for info in self.chain())


class PropertyAttribute(property):
    """Makes a ClassDB property a Python attribute of its class.

    Reading calls the getter; writing converts the value as a call by name would and calls the
    setter, so the setter's own checks and log lines apply. Python-facing, so a value that
    cannot be converted raises ``TypeError``. A ``property`` underneath: reading costs the
    getter's frame alone, and writing a value of the exact type one generated frame more.
    """

    def __init__(self, binding: PropertyBinding) -> None:
        self.binding = binding
        name = self.name = binding.info.name
        getter, setter = binding.getter, binding.setter
        super().__init__(
            getter.func if getter is not None else _refuse(f"property '{name}' has no getter"),
            _assigner(name, setter) if setter is not None else _refuse_assign(name),
        )


def _refuse(message: str) -> Any:
    def refuse(obj: Any) -> Any:
        raise AttributeError(message)

    return refuse


def _refuse_assign(name: str) -> Any:
    def refuse(obj: Any, value: Any) -> None:
        raise AttributeError(f"property '{name}' is read-only")

    return refuse


def _assigner(name: str, setter: MethodBind) -> Any:
    def convert_or_refuse(obj: Any, value: Any) -> None:
        try:
            setter.invoke(obj, (value,))
        except CallFailed as failure:
            raise TypeError(
                f"cannot assign {failure.given} to property '{name}' "
                f"of type {failure.error.expected.type_name}"
            ) from None

    return setter.value_trampoline(convert_or_refuse)
