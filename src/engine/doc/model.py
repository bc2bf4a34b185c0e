"""One class's documentation gathered from ClassDB into plain records.

Owns the reading side of the generators: ``class_doc(name)`` asks ClassDB's query API for the
methods, properties, signals, constants and enums a class registers itself, and takes the prose
from the Python objects ClassDB bound:

- the class docstring: its first paragraph is the brief, the rest the description;
- a method's description is its bound function's docstring;
- a property's is its setter's docstring, else its getter's;
- a constant's comes from an optional ``_constant_docs: ClassVar[dict[str, str]]`` on the
  registering class (a signal's from ``_signal_docs`` likewise, a virtual method's, that is a
  script callback declared with ``add_virtual_method``, from ``_virtual_docs``), else there is
  none.

Docstrings are written in the engine's BBCode subset. They become the engine's "source" form:
one paragraph per line (a docstring wraps a paragraph over several lines; a blank line ends
it), and a ``[codeblock]`` kept as its own dedented lines. Imports ``engine.object_model`` and
``spelling`` only: the writers never touch ClassDB, so each is a pure function of these
records.
"""

from __future__ import annotations

import inspect
import textwrap
from dataclasses import dataclass
from typing import Any

from engine.object_model import ClassDB, MethodFlags, PropertyUsage, VariantType, registry

from .spelling import TypeRef

_HIDDEN_USAGE = PropertyUsage.GROUP | PropertyUsage.CATEGORY


class UnknownClassError(LookupError):
    """The class asked for is not registered in ClassDB."""

    def __init__(self, name: str) -> None:
        super().__init__(f"class '{name}' is not registered in ClassDB")
        self.name = name


@dataclass(frozen=True)
class ArgumentDoc:
    name: str
    type: TypeRef
    has_default: bool = False
    default: Any = None


@dataclass(frozen=True)
class MethodDoc:
    name: str
    arguments: tuple[ArgumentDoc, ...]
    returns: TypeRef
    flags: int
    description: str
    accessor: bool  # the setter or getter of a property

    @property
    def qualifiers(self) -> str:
        """``const``, ``vararg``, ``virtual`` or ``virtual const`` (the engine's rules)."""
        words = ["virtual"] if self.flags & MethodFlags.VIRTUAL else []
        if self.flags & MethodFlags.CONST:
            words.append("const")
        elif self.flags & MethodFlags.VARARG:
            words.append("vararg")
        return " ".join(words)

    @property
    def vararg(self) -> bool:
        return bool(self.flags & MethodFlags.VARARG)


@dataclass(frozen=True)
class PropertyDoc:
    name: str
    type: TypeRef  # the property's type; the enum, if any, is the getter's
    getter_returns: TypeRef | None  # the getter's return descriptor (api.json's type)
    setter: str
    getter: str
    has_default: bool
    default: Any
    description: str


@dataclass(frozen=True)
class ConstantDoc:
    name: str
    value: int
    enum: str  # the short enum name, "" for a plain constant
    description: str


@dataclass(frozen=True)
class SignalDoc:
    name: str
    arguments: tuple[ArgumentDoc, ...]
    description: str


@dataclass(frozen=True)
class ClassDoc:
    name: str
    ancestors: tuple[str, ...]  # parent first, Object last
    children: tuple[str, ...]  # direct children, sorted
    brief: str
    description: str
    instanciable: bool
    is_reference: bool
    methods: tuple[MethodDoc, ...]  # every own bound method, sorted by name
    properties: tuple[PropertyDoc, ...]  # sorted by name
    signals: tuple[SignalDoc, ...]  # sorted by name
    constants: tuple[ConstantDoc, ...]  # registration order
    enums: tuple[tuple[str, tuple[str, ...]], ...]  # registration order, values too

    @property
    def parent(self) -> str:
        return self.ancestors[0] if self.ancestors else ""

    @property
    def documented_methods(self) -> tuple[MethodDoc, ...]:
        """The XML's method set: no accessors, no ``_`` names unless virtual."""
        return tuple(
            m
            for m in self.methods
            if not m.accessor
            and (not m.name.startswith("_") or bool(m.flags & MethodFlags.VIRTUAL))
        )

    def constants_of(self, enum: str) -> tuple[ConstantDoc, ...]:
        return tuple(c for c in self.constants if c.enum == enum)


def source_text(docstring: str | None) -> str:
    """A docstring in the engine's source form: one paragraph per line, codeblocks kept."""
    out: list[str] = []
    paragraph: list[str] = []
    code: list[str] | None = None

    def end_paragraph() -> None:
        if paragraph:
            out.append(" ".join(paragraph))
            paragraph.clear()

    for line in inspect.cleandoc(docstring or "").splitlines():
        stripped = line.strip()
        if code is not None:
            if stripped == "[/codeblock]":
                out.append(_codeblock(code))
                code = None
            else:
                code.append(line)
        elif stripped == "[codeblock]":
            end_paragraph()
            code = []
        elif stripped:
            paragraph.append(stripped)
        else:
            end_paragraph()
    end_paragraph()
    if code is not None:  # an unclosed block still shows its code
        out.append(_codeblock(code))
    return "\n".join(out)


def _codeblock(lines: list[str]) -> str:
    body = textwrap.dedent("\n".join(lines).expandtabs(4)).strip("\n")
    return f"[codeblock]\n{body}\n[/codeblock]"


def split_brief(docstring: str | None) -> tuple[str, str]:
    """(brief, description): the first paragraph and the rest, both in source form."""
    text = source_text(docstring)
    first, _, rest = text.partition("\n")
    if first.startswith("[codeblock]"):
        return "", text
    return first, rest


def class_doc(name: str, with_defaults: bool = True) -> ClassDoc:
    """Everything the three documents say about ``name``; ``UnknownClassError`` if unknown.

    Property defaults are read from a throwaway instance (ClassDB's own rule); api.json, which
    has no use for them, passes ``with_defaults=False`` and instances nothing.
    """
    if not isinstance(name, str) or not ClassDB.class_exists(name):
        raise UnknownClassError(str(name))
    cls = registry.classes[name].cls
    brief, description = split_brief(cls.__doc__)
    return ClassDoc(
        name=name,
        ancestors=_ancestors(name),
        children=tuple(
            c
            for c in ClassDB.get_inheriters_from_class(name)
            if ClassDB.get_parent_class(c) == name
        ),
        brief=brief,
        description=description,
        instanciable=ClassDB.can_instance(name),
        is_reference=ClassDB.is_parent_class(name, "Reference"),
        methods=_methods(name, cls),
        properties=_properties(name, with_defaults),
        signals=_signals(name, cls),
        constants=_constants(name, cls),
        enums=tuple(
            (enum, tuple(ClassDB.class_get_enum_constants(name, enum, True)))
            for enum in ClassDB.class_get_enum_list(name, True)
        ),
    )


def _ancestors(name: str) -> tuple[str, ...]:
    chain: list[str] = []
    parent = ClassDB.get_parent_class(name)
    while parent:
        chain.append(parent)
        parent = ClassDB.get_parent_class(parent)
    return tuple(chain)


def _arguments(d: dict[str, Any]) -> tuple[ArgumentDoc, ...]:
    args = d["args"]
    defaults = d["default_args"]
    first = len(args) - len(defaults)
    return tuple(
        ArgumentDoc(
            name=a["name"],
            type=TypeRef.from_dict(a),
            has_default=i >= first,
            default=defaults[i - first] if i >= first else None,
        )
        for i, a in enumerate(args)
    )


def _accessor_names(name: str) -> set[str]:
    names: set[str] = set()
    for p in ClassDB.class_get_property_list(name):
        names.add(ClassDB.class_get_property_setter(name, p["name"]))
        names.add(ClassDB.class_get_property_getter(name, p["name"]))
    names.discard("")
    return names


def _method_docstring(name: str, cls: type, method: str) -> str | None:
    bind = registry.classes[name].methods.get(method)
    func = bind.func if bind is not None else getattr(cls, method, None)  # e.g. Object's free
    return getattr(func, "__doc__", None)


def _methods(name: str, cls: type) -> tuple[MethodDoc, ...]:
    accessors = _accessor_names(name)
    out = [
        MethodDoc(
            name=d["name"],
            arguments=_arguments(d),
            returns=TypeRef.from_dict(d["return"]),
            flags=d["flags"],
            description=source_text(_method_docstring(name, cls, d["name"])),
            accessor=d["name"] in accessors,
        )
        for d in ClassDB.class_get_method_list(name, True)
    ]
    docs = _own_docs(cls, "_virtual_docs")
    out.extend(
        MethodDoc(
            name=v.name,
            arguments=_arguments(d := v.as_dict()),
            returns=TypeRef.from_dict(d["return"]),
            flags=d["flags"],
            description=source_text(docs.get(v.name)),
            accessor=False,
        )
        for v in registry.classes[name].virtuals.values()
    )
    return tuple(sorted(out, key=lambda m: m.name))


def _properties(name: str, with_defaults: bool) -> tuple[PropertyDoc, ...]:
    methods = {d["name"]: d for d in ClassDB.class_get_method_list(name)}
    out = []
    for p in ClassDB.class_get_property_list(name, True):
        if p["usage"] & _HIDDEN_USAGE:
            continue
        setter = ClassDB.class_get_property_setter(name, p["name"])
        getter = ClassDB.class_get_property_getter(name, p["name"])
        ref = TypeRef.from_dict(p)
        returned = TypeRef.from_dict(methods[getter]["return"]) if getter in methods else None
        if returned is not None and ref.type == VariantType.INT:
            ref = TypeRef(ref.type, returned.class_name, ref.usage)
        default = None
        if with_defaults and ref.type != VariantType.OBJECT:
            default = ClassDB.class_get_property_default_value(name, p["name"])
        docs = [_method_docstring(name, registry.classes[name].cls, m) for m in (setter, getter)]
        out.append(
            PropertyDoc(
                name=p["name"],
                type=ref,
                getter_returns=returned,
                setter=setter,
                getter=getter,
                has_default=default is not None,
                default=default,
                description=source_text(next((d for d in docs if d and d.strip()), None)),
            )
        )
    return tuple(sorted(out, key=lambda p: p.name))


def _own_docs(cls: type, attribute: str) -> dict[str, str]:
    docs = vars(cls).get(attribute)
    return docs if isinstance(docs, dict) else {}


def _signals(name: str, cls: type) -> tuple[SignalDoc, ...]:
    docs = _own_docs(cls, "_signal_docs")
    out = [
        SignalDoc(d["name"], _arguments(d), source_text(docs.get(d["name"])))
        for d in ClassDB.class_get_signal_list(name, True)
    ]
    return tuple(sorted(out, key=lambda s: s.name))


def _constants(name: str, cls: type) -> tuple[ConstantDoc, ...]:
    docs = _own_docs(cls, "_constant_docs")
    return tuple(
        ConstantDoc(
            name=c,
            value=ClassDB.class_get_integer_constant(name, c),
            enum=ClassDB.class_get_integer_constant_enum(name, c, True),
            description=source_text(docs.get(c)),
        )
        for c in ClassDB.class_get_integer_constant_list(name, True)
    )
