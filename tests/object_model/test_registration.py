"""Registering Python classes (object_model.md §4)."""

from __future__ import annotations

import re
import sys
import threading
from enum import IntEnum
from typing import Annotated, Any

import pytest

from engine.object_model import (
    ArgumentInfo,
    ClassDB,
    Error,
    MethodFlags,
    MethodInfo,
    Object,
    PropertyHint,
    PropertyInfo,
    PropertyUsage,
    Reference,
    VariantType,
    WeakRef,
)

DEFAULT = 7
ENUM_USAGE = 262151
VARIANT_USAGE = 524295


def prop(
    type: int = 0,
    class_name: str = "",
    hint: int = 0,
    hint_string: str = "",
    usage: int = DEFAULT,
    name: str = "",
) -> dict[str, Any]:
    return {
        "name": name,
        "class_name": class_name,
        "type": type,
        "hint": hint,
        "hint_string": hint_string,
        "usage": usage,
    }


def methods(cls_name: str) -> dict[str, dict[str, Any]]:
    return {m["name"]: m for m in ClassDB.class_get_method_list(cls_name, True)}


def latest_method_id() -> int:
    """The last method id handed out (classes unregistered since may have used the highest)."""

    class IdProbe(Object):
        def probe(self) -> None:
            pass

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "probe")

    ClassDB.register_class(IdProbe)
    used: int = methods("IdProbe")["probe"]["id"]
    ClassDB.unregister_class("IdProbe")
    return used


def max_method_id() -> int:
    return max(
        m["id"] for c in ClassDB.get_class_list() for m in ClassDB.class_get_method_list(c, True)
    )


def assert_no_trace(cls: type, before: set[str]) -> None:
    """The failed class is not in ClassDB and got no new class attributes."""
    assert not ClassDB.class_exists(cls.__name__)
    assert cls.__name__ not in ClassDB.get_class_list()
    assert set(cls.__dict__) == before


def register_fails(
    cls: type, exc: type[Exception], match: str | None = None, virtual: bool = False
) -> str:
    """Register ``cls`` expecting ``exc``; check nothing was left behind; return the message."""
    before = set(cls.__dict__)
    register = ClassDB.register_virtual_class if virtual else ClassDB.register_class
    with pytest.raises(exc, match=match) as info:
        register(cls)
    assert_no_trace(cls, before)
    return str(info.value)


# --- classes registered once for the whole module ---------------------------------------


class RegPlain(Object):
    """A registered plain Object class used as an annotation type."""


ClassDB.register_class(RegPlain)


class RegTypes(Reference):
    def m_void(self) -> None:
        pass

    def m_any(self, a: Any) -> Any:
        return a

    def m_object(self, a: object) -> object:
        return a

    def m_bool(self, a: bool) -> bool:
        return a

    def m_int(self, a: int) -> int:
        return a

    def m_float(self, a: float) -> float:
        return a

    def m_str(self, a: str) -> str:
        return a

    def m_bytes(self, a: bytes) -> bytes:
        return a

    def m_dict(self, a: dict) -> dict:  # type: ignore[type-arg]
        return a

    def m_list(self, a: list) -> list:  # type: ignore[type-arg]
        return a

    def m_pool_str(self, a: list[str]) -> list[str]:
        return a

    def m_pool_int(self, a: list[int]) -> list[int]:
        return a

    def m_pool_real(self, a: list[float]) -> list[float]:
        return a

    def m_error(self, a: Error) -> Error:
        return a

    def m_enum(self, a: RegTypes.Mode) -> RegTypes.Mode:
        return a

    def m_self(self, a: RegTypes) -> RegTypes | None:
        return a

    def m_self_opt(self, a: RegTypes | None) -> RegTypes:
        return self

    def m_object_cls(self, a: Object) -> Object | None:
        return a

    def m_plain(self, a: RegPlain | None) -> RegPlain:
        return RegPlain()

    def m_reference(self, a: Reference) -> WeakRef:
        return WeakRef()

    class Mode(IntEnum):
        MODE_UP = 0
        MODE_DOWN = 1

    @classmethod
    def _bind_methods(cls) -> None:
        for name in (
            "m_void",
            "m_any",
            "m_object",
            "m_bool",
            "m_int",
            "m_float",
            "m_str",
            "m_bytes",
            "m_dict",
            "m_list",
            "m_pool_str",
            "m_pool_int",
            "m_pool_real",
            "m_error",
            "m_enum",
            "m_self",
            "m_self_opt",
            "m_object_cls",
            "m_plain",
            "m_reference",
        ):
            ClassDB.bind_method(cls, name)
        ClassDB.bind_enum(cls, cls.Mode)  # after the method that uses it


ClassDB.register_class(RegTypes)


# --- §4.1 register_class ----------------------------------------------------------------


def test_registered_class_exists() -> None:
    assert ClassDB.class_exists("RegTypes")
    assert ClassDB.get_parent_class("RegTypes") == "Reference"
    assert ClassDB.can_instance("RegTypes")
    assert RegTypes().get_class() == "RegTypes"


def test_not_an_object_subclass_raises_type_error() -> None:
    class RegNotObject:
        pass

    register_fails(RegNotObject, TypeError)


def test_two_object_bases_raise_type_error() -> None:
    class RegLeftBase(Object):
        pass

    class RegRightBase(Object):
        pass

    class RegTwoBases(RegLeftBase, RegRightBase):
        pass

    register_fails(RegTwoBases, TypeError)


def test_two_registered_object_bases_raise_type_error() -> None:
    class RegTwoRegisteredBases(WeakRef, RegPlain):
        pass

    register_fails(RegTwoRegisteredBases, TypeError)


def test_one_object_base_plus_a_mixin_is_fine() -> None:
    class RegMixin:
        def helper(self) -> int:
            return 3

    class RegWithMixin(RegMixin, Reference):
        pass

    ClassDB.register_class(RegWithMixin)
    assert ClassDB.get_parent_class("RegWithMixin") == "Reference"


def test_unregistered_parent_raises_value_error() -> None:
    class RegUnregisteredParent(Reference):
        pass

    class RegOrphan(RegUnregisteredParent):
        pass

    register_fails(RegOrphan, ValueError, "RegUnregisteredParent")
    assert not ClassDB.class_exists("RegUnregisteredParent")


def test_duplicate_class_name_raises_value_error() -> None:
    dup = type("WeakRef", (Reference,), {})
    before = set(dup.__dict__)
    with pytest.raises(ValueError, match="^" + re.escape("Class 'WeakRef' already exists.") + "$"):
        ClassDB.register_class(dup)
    assert set(dup.__dict__) == before
    assert ClassDB.get_parent_class("WeakRef") == "Reference"
    assert ClassDB.instance("WeakRef").__class__ is WeakRef


def test_registering_the_same_class_twice_raises_value_error() -> None:
    class RegTwice(Reference):
        pass

    ClassDB.register_class(RegTwice)
    with pytest.raises(ValueError, match=re.escape("Class 'RegTwice' already exists.")):
        ClassDB.register_class(RegTwice)
    with pytest.raises(ValueError, match=re.escape("Class 'RegTwice' already exists.")):
        ClassDB.register_virtual_class(RegTwice)
    assert ClassDB.class_exists("RegTwice")


def test_instanceable_class_whose_init_needs_arguments_raises_type_error() -> None:
    class RegNeedsArgs(Reference):
        def __init__(self, size: int) -> None:
            super().__init__()
            self.size = size

    register_fails(RegNeedsArgs, TypeError)


def test_init_with_only_optional_arguments_is_fine() -> None:
    class RegOptionalArgs(Reference):
        def __init__(self, size: int = 4) -> None:
            super().__init__()
            self.size = size

    ClassDB.register_class(RegOptionalArgs)
    assert ClassDB.can_instance("RegOptionalArgs")


def test_virtual_class_may_need_init_arguments() -> None:
    class RegVirtualNeedsArgs(Reference):
        def __init__(self, size: int) -> None:
            super().__init__()
            self.size = size

    ClassDB.register_virtual_class(RegVirtualNeedsArgs)
    assert ClassDB.class_exists("RegVirtualNeedsArgs")
    assert not ClassDB.can_instance("RegVirtualNeedsArgs")
    with pytest.raises(TypeError):
        RegVirtualNeedsArgs(3)


@pytest.mark.parametrize("kind", ["function", "staticmethod", "int"])
def test_bind_methods_not_a_classmethod_raises_type_error(kind: str) -> None:
    def binder(cls: Any = None) -> None:
        pass

    body: dict[str, Any] = {
        "function": {"_bind_methods": binder},
        "staticmethod": {"_bind_methods": staticmethod(binder)},
        "int": {"_bind_methods": 3},
    }[kind]
    cls = type(f"RegBadBinder_{kind}", (Reference,), body)
    register_fails(cls, TypeError)


def test_bind_methods_runs_once_and_only_for_its_own_class() -> None:
    calls: list[str] = []

    class RegBinderParent(Reference):
        @classmethod
        def _bind_methods(cls) -> None:
            calls.append(cls.__name__)

    class RegBinderChild(RegBinderParent):
        pass

    ClassDB.register_class(RegBinderParent)
    ClassDB.register_class(RegBinderChild)
    assert calls == ["RegBinderParent"]


def test_registration_calls_for_another_class_raise_runtime_error() -> None:
    class RegMeddler(Reference):
        def own(self) -> None:
            pass

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "own")
            ClassDB.bind_integer_constant(RegPlain, "", "REG_MEDDLED", 1)

    before_plain = set(RegPlain.__dict__)
    register_fails(RegMeddler, RuntimeError)
    assert set(RegPlain.__dict__) == before_plain
    assert not ClassDB.class_has_integer_constant("RegPlain", "REG_MEDDLED")


@pytest.mark.parametrize(
    "call",
    [
        lambda: ClassDB.bind_method(RegPlain, "get_class"),
        lambda: ClassDB.bind_vararg_method(RegPlain, "call"),
        lambda: ClassDB.add_property(RegPlain, PropertyInfo(name="x")),
        lambda: ClassDB.add_property_group(RegPlain, "G"),
        lambda: ClassDB.bind_integer_constant(RegPlain, "", "REG_X", 1),
        lambda: ClassDB.add_signal(RegPlain, MethodInfo(name="reg_x")),
    ],
    ids=["bind_method", "bind_vararg_method", "add_property", "group", "constant", "signal"],
)
def test_registration_calls_outside_registration_raise_runtime_error(call: Any) -> None:
    before = set(RegPlain.__dict__)
    with pytest.raises(RuntimeError):
        call()
    assert set(RegPlain.__dict__) == before
    assert ClassDB.class_get_integer_constant_list("RegPlain", True) == []
    assert ClassDB.class_get_signal_list("RegPlain", True) == []
    assert ClassDB.class_get_property_list("RegPlain", True) == []


def test_bind_enum_outside_registration_raises_runtime_error() -> None:
    class Shade(IntEnum):
        REG_DARK = 0

    with pytest.raises(RuntimeError):
        ClassDB.bind_enum(RegPlain, Shade)
    assert not hasattr(RegPlain, "REG_DARK")


def test_failure_late_in_registration_leaves_no_trace() -> None:
    class RegLate(Reference):
        class Tone(IntEnum):
            TONE_LOW = 0
            TONE_HIGH = 1

        def set_v(self, v: int) -> None:
            pass

        def get_v(self) -> int:
            return 0

        def broken(self, a: complex) -> None:
            pass

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "set_v")
            ClassDB.bind_method(cls, "get_v")
            ClassDB.add_property(
                cls, PropertyInfo(name="v", type=VariantType.INT), "set_v", "get_v"
            )
            ClassDB.bind_integer_constant(cls, "", "LATE_CONST", 5)
            ClassDB.bind_enum(cls, cls.Tone)
            ClassDB.add_signal(cls, MethodInfo(name="late_signal"))
            ClassDB.bind_method(cls, "broken")

    last_id = latest_method_id()
    register_fails(RegLate, TypeError)
    assert not hasattr(RegLate, "LATE_CONST")
    assert not hasattr(RegLate, "TONE_LOW")
    assert not hasattr(RegLate, "v")

    # No method id was used up by the failed attempt.
    class RegAfterLate(Reference):
        def first(self) -> None:
            pass

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "first")

    ClassDB.register_class(RegAfterLate)
    assert methods("RegAfterLate")["first"]["id"] == last_id + 1


def test_constants_and_properties_are_attributes_only_after_commit() -> None:
    seen: dict[str, bool] = {}

    class RegCommitLater(Reference):
        def get_p(self) -> int:
            return 1

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "get_p")
            ClassDB.bind_integer_constant(cls, "", "COMMIT_CONST", 3)
            ClassDB.add_property(cls, PropertyInfo(name="p", type=VariantType.INT), "", "get_p")
            seen["const"] = "COMMIT_CONST" in cls.__dict__
            seen["prop"] = "p" in cls.__dict__
            seen["exists"] = ClassDB.class_exists("RegCommitLater")

    ClassDB.register_class(RegCommitLater)
    assert seen == {"const": False, "prop": False, "exists": False}
    assert RegCommitLater.COMMIT_CONST == 3  # type: ignore[attr-defined]
    assert RegCommitLater().p == 1  # type: ignore[attr-defined]


# --- §4.2 bind_method errors ------------------------------------------------------------


def test_bind_method_missing_name_raises_value_error() -> None:
    class RegMissingMethod(Reference):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "nowhere")

    register_fails(RegMissingMethod, ValueError, "nowhere")


@pytest.mark.parametrize("kind", ["int", "staticmethod", "classmethod", "property", "lambda-ish"])
def test_bind_method_not_a_function_raises_type_error(kind: str) -> None:
    def plain(self: Any) -> None:
        pass

    values: dict[str, Any] = {
        "int": 5,
        "staticmethod": staticmethod(lambda: None),
        "classmethod": classmethod(plain),
        "property": property(plain),
        "lambda-ish": len,
    }

    def bind(cls: Any) -> None:
        ClassDB.bind_method(cls, "thing")

    cls = type(
        f"RegNotFunction_{kind.replace('-', '_')}",
        (Reference,),
        {"thing": values[kind], "_bind_methods": classmethod(bind)},
    )
    register_fails(cls, TypeError)


def test_binding_a_method_twice_raises_value_error() -> None:
    class RegBoundTwice(Reference):
        def m(self) -> None:
            pass

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "m")
            ClassDB.bind_method(cls, "m", const=True)

    register_fails(
        RegBoundTwice, ValueError, re.escape("Class RegBoundTwice already has a method m.")
    )


def test_rebinding_an_ancestors_method_raises_value_error() -> None:
    class RegAncestor(Reference):
        def shared(self) -> int:
            return 1

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "shared")

    ClassDB.register_class(RegAncestor)

    class RegDescendant(RegAncestor):
        def shared(self) -> int:
            return 2

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "shared")

    register_fails(
        RegDescendant, ValueError, re.escape("Class RegDescendant already has a method shared.")
    )

    class RegGrandchild(RegAncestor):
        pass

    ClassDB.register_class(RegGrandchild)

    class RegGreatGrandchild(RegGrandchild):
        def shared(self) -> int:
            return 3

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "shared")

    register_fails(
        RegGreatGrandchild,
        ValueError,
        re.escape("Class RegGreatGrandchild already has a method shared."),
    )


def test_rebinding_an_engine_method_raises_value_error() -> None:
    class RegRebindsGetClass(Reference):
        def get_class(self) -> str:
            return "x"

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "get_class", const=True)

    register_fails(
        RegRebindsGetClass,
        ValueError,
        re.escape("Class RegRebindsGetClass already has a method get_class."),
    )


def test_overriding_without_rebinding_is_fine() -> None:
    class RegOverrideBase(Reference):
        def value(self) -> int:
            return 1

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "value")

    ClassDB.register_class(RegOverrideBase)

    class RegOverrideChild(RegOverrideBase):
        def value(self) -> int:
            return 2

    ClassDB.register_class(RegOverrideChild)
    assert not ClassDB.class_has_method("RegOverrideChild", "value", True)
    assert ClassDB.class_has_method("RegOverrideChild", "value")


def _star_args(self: Any, a: int, *rest: int) -> None:
    pass


def _star_kwargs(self: Any, a: int, **options: int) -> None:
    pass


def _required_keyword(self: Any, a: int, *, b: int) -> None:
    pass


@pytest.mark.parametrize(
    "func", [_star_args, _star_kwargs, _required_keyword], ids=["*args", "**kwargs", "kw-only"]
)
def test_bind_method_refuses_non_positional_parameters(func: Any) -> None:
    def bind(cls: Any) -> None:
        ClassDB.bind_method(cls, "m")

    name = "RegParams_" + func.__name__.strip("_")
    cls = type(name, (Reference,), {"m": func, "_bind_methods": classmethod(bind)})
    register_fails(cls, TypeError)


def test_optional_keyword_only_parameter_is_not_an_argument() -> None:
    class RegOptionalKeyword(Reference):
        def m(self, a: int, *, verbose: bool = False) -> None:
            pass

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "m")

    ClassDB.register_class(RegOptionalKeyword)
    assert [a["name"] for a in methods("RegOptionalKeyword")["m"]["args"]] == ["a"]


@pytest.mark.parametrize(
    "args",
    [("a",), ("a", "b", "c"), (), ("a", 5)],
    ids=["too-few", "too-many", "empty", "not-a-name"],
)
def test_args_must_match_the_parameters(args: tuple[Any, ...]) -> None:
    def m(self: Any, a: int, b: int) -> None:
        pass

    def bind(cls: Any) -> None:
        ClassDB.bind_method(cls, "m", args=args)

    cls = type(
        f"RegArgsCount_{len(args)}_{type(args[-1]).__name__ if args else 'none'}",
        (Reference,),
        {"m": m, "_bind_methods": classmethod(bind)},
    )
    register_fails(cls, ValueError, r".")


def test_args_rename_the_arguments() -> None:
    class RegRenamed(Reference):
        def m(self, p_a: int, p_b: str) -> None:
            pass

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "m", args=("first", "second"))

    ClassDB.register_class(RegRenamed)
    assert methods("RegRenamed")["m"]["args"] == [
        prop(VariantType.INT, name="first"),
        prop(VariantType.STRING, name="second"),
    ]


def test_defaults_longer_than_args_raise_value_error() -> None:
    class RegTooManyDefaults(Reference):
        def m(self, a: int = 1) -> None:
            pass

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "m", defaults=(0, 1))

    register_fails(RegTooManyDefaults, ValueError, r".")


@pytest.mark.parametrize(
    ("signature", "defaults"),
    [
        ("a: int = 3", (4,)),
        ("a: int", (4,)),
        ("a: int, b: int = 2", (1, 2)),
        ("a: int = 1, b: int = 2", (2,)),
        ("a: str = 'x'", ("y",)),
        ("a: str = None", ("x",)),
        ("a: int = 3", ([],)),
    ],
    ids=["other-value", "no-own-default", "covers-more", "covers-fewer", "str", "none", "list"],
)
def test_defaults_must_match_the_functions_own(signature: str, defaults: tuple[Any, ...]) -> None:
    namespace: dict[str, Any] = {}
    exec(f"def m(self, {signature}) -> None:\n    pass", namespace)

    def bind(cls: Any) -> None:
        ClassDB.bind_method(cls, "m", defaults=defaults)

    name = "RegDefaultsMismatch_" + re.sub(r"\W", "_", signature + repr(defaults))
    cls = type(name, (Reference,), {"m": namespace["m"], "_bind_methods": classmethod(bind)})
    register_fails(cls, ValueError, r".")


class RegDefaults(Reference):
    def omitted(self, a: int, b: int = 3, c: str = "x", d: bool = False) -> None:
        pass

    def given(self, a: int, b: int = 3, c: str = "x") -> None:
        pass

    def none_for_list(self, a: int, items: list = None, table: dict = None) -> None:  # type: ignore[assignment, type-arg]  # noqa: RUF013
        pass

    def none_for_pool(self, headers: list[str] = None) -> None:  # type: ignore[assignment]  # noqa: RUF013
        pass

    def no_defaults(self, a: int, b: str) -> None:
        pass

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "omitted")
        ClassDB.bind_method(cls, "given", defaults=(3, "x"))
        ClassDB.bind_method(cls, "none_for_list", defaults=([], {}))
        ClassDB.bind_method(cls, "none_for_pool", defaults=([],))
        ClassDB.bind_method(cls, "no_defaults", defaults=())


ClassDB.register_class(RegDefaults)


def test_omitted_defaults_are_the_functions_own() -> None:
    assert methods("RegDefaults")["omitted"]["default_args"] == [3, "x", False]


def test_given_defaults_cover_the_trailing_arguments() -> None:
    assert methods("RegDefaults")["given"]["default_args"] == [3, "x"]
    assert methods("RegDefaults")["no_defaults"]["default_args"] == []


def test_none_may_stand_for_a_list_or_dict_default() -> None:
    m = methods("RegDefaults")
    assert m["none_for_list"]["default_args"] == [[], {}]
    assert [a["type"] for a in m["none_for_list"]["args"]] == [2, 19, 18]
    assert m["none_for_pool"]["default_args"] == [[]]
    assert m["none_for_pool"]["args"][0]["type"] == VariantType.POOL_STRING_ARRAY


def test_flags_normal_and_const() -> None:
    class RegFlags(Reference):
        def plain(self) -> None:
            pass

        def constant(self) -> int:
            return 1

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "plain")
            ClassDB.bind_method(cls, "constant", const=True)

    ClassDB.register_class(RegFlags)
    m = methods("RegFlags")
    assert m["plain"]["flags"] == 1
    assert m["constant"]["flags"] == 9
    assert type(m["constant"]["flags"]) is int


# --- §4.2 types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "descriptor"),
    [
        ("m_bool", prop(VariantType.BOOL)),
        ("m_int", prop(VariantType.INT)),
        ("m_float", prop(VariantType.REAL)),
        ("m_str", prop(VariantType.STRING)),
        ("m_bytes", prop(VariantType.POOL_BYTE_ARRAY)),
        ("m_dict", prop(VariantType.DICTIONARY)),
        ("m_list", prop(VariantType.ARRAY)),
        ("m_pool_str", prop(VariantType.POOL_STRING_ARRAY)),
        ("m_pool_int", prop(VariantType.POOL_INT_ARRAY)),
        ("m_pool_real", prop(VariantType.POOL_REAL_ARRAY)),
        ("m_any", prop(usage=VARIANT_USAGE)),
        ("m_object", prop(usage=VARIANT_USAGE)),
        ("m_error", prop(VariantType.INT, "Error", usage=ENUM_USAGE)),
        ("m_enum", prop(VariantType.INT, "RegTypes.Mode", usage=ENUM_USAGE)),
        ("m_self", prop(VariantType.OBJECT, "RegTypes", PropertyHint.RESOURCE_TYPE, "RegTypes")),
        ("m_object_cls", prop(VariantType.OBJECT, "Object")),
        ("m_plain", prop(VariantType.OBJECT, "RegPlain")),
        ("m_reference", prop(VariantType.OBJECT, "Reference", 19, "Reference")),
    ],
)
def test_argument_and_return_types_from_annotations(
    method: str, descriptor: dict[str, Any]
) -> None:
    m = methods("RegTypes")[method]
    assert m["args"] == [{**descriptor, "name": "a"}]
    if method not in ("m_plain", "m_reference", "m_self"):
        assert m["return"] == descriptor


def test_parameterised_list_and_dict_are_array_and_dictionary() -> None:
    # mypy --strict wants type parameters, so typed containers must bind as the plain types;
    # only list[str], list[int] and list[float] name Pool arrays.
    class RegTypedContainers(Reference):
        def m(self, a: list[bytes], b: dict[str, int]) -> list[dict[str, Any]]:
            return []

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "m")

    ClassDB.register_class(RegTypedContainers)
    m = methods("RegTypedContainers")["m"]
    assert [a["type"] for a in m["args"]] == [VariantType.ARRAY, VariantType.DICTIONARY]
    assert m["return"]["type"] == VariantType.ARRAY


def test_optional_object_types() -> None:
    m = methods("RegTypes")
    resource = prop(VariantType.OBJECT, "RegTypes", PropertyHint.RESOURCE_TYPE, "RegTypes")
    assert m["m_self"]["return"] == resource
    assert m["m_self_opt"]["args"] == [{**resource, "name": "a"}]
    assert m["m_self_opt"]["return"] == resource
    assert m["m_object_cls"]["return"] == prop(VariantType.OBJECT, "Object")
    assert m["m_plain"]["args"] == [prop(VariantType.OBJECT, "RegPlain", name="a")]
    assert m["m_plain"]["return"] == prop(VariantType.OBJECT, "RegPlain")
    assert m["m_reference"]["return"] == prop(VariantType.OBJECT, "WeakRef", 19, "WeakRef")


def test_void_return() -> None:
    m = methods("RegTypes")["m_void"]
    assert m["args"] == []
    assert m["return"] == prop()


def test_enum_bound_after_its_method_is_a_class_constant() -> None:
    assert ClassDB.class_get_enum_constants("RegTypes", "Mode") == ["MODE_UP", "MODE_DOWN"]
    assert RegTypes.MODE_DOWN is RegTypes.Mode.MODE_DOWN  # type: ignore[attr-defined]


def test_bound_enum_is_an_annotation_type_for_later_classes() -> None:
    class RegUsesMode(Reference):
        def m(self, mode: RegTypes.Mode) -> RegTypes.Mode:
            return mode

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "m")

    ClassDB.register_class(RegUsesMode)
    m = methods("RegUsesMode")["m"]
    assert m["args"] == [prop(VariantType.INT, "RegTypes.Mode", usage=ENUM_USAGE, name="mode")]
    assert m["return"] == prop(VariantType.INT, "RegTypes.Mode", usage=ENUM_USAGE)


class _Unbound(IntEnum):
    A = 0


class _UnregisteredObject(Object):
    pass


class _NotEngine:
    pass


@pytest.mark.parametrize(
    "annotation",
    [
        complex,
        tuple,
        set,
        "tuple[int, int]",
        "int | str",
        "int | None",
        "str | None",
        _Unbound,
        _UnregisteredObject,
        "_UnregisteredObject | None",
        _NotEngine,
        type(None),
    ],
    ids=lambda a: a if isinstance(a, str) else a.__name__,
)
def test_unsupported_annotation_raises_type_error_naming_method_and_parameter(
    annotation: Any,
) -> None:
    def m(self: Any, value: int) -> None:
        pass

    m.__annotations__ = {"value": annotation, "return": None}

    def bind(cls: Any) -> None:
        ClassDB.bind_method(cls, "oddly_typed")

    name = "RegOddType_" + re.sub(r"\W", "_", str(annotation))
    cls = type(name, (Reference,), {"oddly_typed": m, "_bind_methods": classmethod(bind)})
    message = register_fails(cls, TypeError)
    assert "oddly_typed" in message
    assert "value" in message


@pytest.mark.parametrize("annotation", [complex, "int | str", _Unbound, _UnregisteredObject])
def test_unsupported_return_annotation_raises_type_error_naming_method(annotation: Any) -> None:
    def m(self: Any) -> None:
        pass

    m.__annotations__ = {"return": annotation}

    def bind(cls: Any) -> None:
        ClassDB.bind_method(cls, "odd_return")

    name = "RegOddReturn_" + re.sub(r"\W", "_", str(annotation))
    cls = type(name, (Reference,), {"odd_return": m, "_bind_methods": classmethod(bind)})
    message = register_fails(cls, TypeError)
    assert "odd_return" in message


def test_missing_parameter_annotation_raises_type_error() -> None:
    class RegNoAnnotation(Reference):
        def unannotated(self, count) -> None:  # type: ignore[no-untyped-def]
            pass

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "unannotated")

    message = register_fails(RegNoAnnotation, TypeError)
    assert "unannotated" in message
    assert "count" in message


def test_missing_return_annotation_raises_type_error() -> None:
    class RegNoReturnAnnotation(Reference):
        def no_return(self, count: int):  # type: ignore[no-untyped-def]
            pass

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "no_return")

    message = register_fails(RegNoReturnAnnotation, TypeError)
    assert "no_return" in message


def test_argument_info_in_args_overrides_the_annotation() -> None:
    headers = ArgumentInfo(name="headers", type=VariantType.ARRAY)
    target = ArgumentInfo(
        name="target",
        type=VariantType.OBJECT,
        class_name="Reference",
        hint=PropertyHint.RESOURCE_TYPE,
        hint_string="Reference",
    )

    class RegOverrides(Reference):
        def m(self, count: int, headers: list[str], target: Any) -> int:
            return 0

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(
                cls,
                "m",
                args=("count", headers, target),
                returns=PropertyInfo(
                    name="",
                    type=VariantType.INT,
                    class_name="Error",
                    usage=PropertyUsage.DEFAULT | PropertyUsage.CLASS_IS_ENUM,
                ),
            )

    ClassDB.register_class(RegOverrides)
    m = methods("RegOverrides")["m"]
    assert m["args"] == [
        prop(VariantType.INT, name="count"),
        headers.as_dict(),
        target.as_dict(),
    ]
    assert m["return"] == prop(VariantType.INT, "Error", usage=ENUM_USAGE)


def test_default_args_hold_only_trailing_defaults_in_forward_order() -> None:
    class RegTrailing(Reference):
        def m(self, host: str, port: int = -1, ssl: bool = False, verify: bool = True) -> Error:
            return Error.OK

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "m", args=("host", "port", "use_ssl", "verify_host"))

    ClassDB.register_class(RegTrailing)
    m = methods("RegTrailing")["m"]
    assert m["default_args"] == [-1, False, True]
    assert [a["name"] for a in m["args"]] == ["host", "port", "use_ssl", "verify_host"]
    assert m["return"] == prop(VariantType.INT, "Error", usage=ENUM_USAGE)


# --- vararg methods ---------------------------------------------------------------------


class RegVararg(Reference):
    def gather(self, first: str, *rest: Any) -> Any:
        return [first, *rest]

    def notify_all(self, *rest: Any) -> None:
        pass

    def peek(self, first: int, *rest: Any) -> Any:
        return first

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_vararg_method(cls, "gather")
        ClassDB.bind_vararg_method(cls, "notify_all")
        ClassDB.bind_vararg_method(cls, "peek", args=("value",), const=True)


ClassDB.register_class(RegVararg)


def test_vararg_method_descriptors() -> None:
    m = methods("RegVararg")
    assert m["gather"]["flags"] == 129
    assert m["gather"]["args"] == [prop(VariantType.STRING, name="first")]
    assert m["gather"]["default_args"] == []
    assert m["gather"]["return"] == prop(usage=VARIANT_USAGE)
    assert m["notify_all"]["flags"] == 129
    assert m["notify_all"]["args"] == []
    assert m["notify_all"]["return"] == prop()
    assert m["peek"]["flags"] == 137
    assert m["peek"]["args"] == [prop(VariantType.INT, name="value")]


def test_vararg_method_gets_raw_arguments_by_name() -> None:
    obj = RegVararg()
    assert obj.call("gather", "a", 1, None, [2]) == ["a", 1, None, [2]]
    assert obj.call("gather", "a") == ["a"]


def test_vararg_without_star_args_raises_type_error() -> None:
    class RegVarargNoStar(Reference):
        def m(self, a: int) -> None:
            pass

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_vararg_method(cls, "m")

    register_fails(RegVarargNoStar, TypeError)


# --- method ids -------------------------------------------------------------------------


def test_method_ids_are_unique_positive_and_increase_in_binding_order() -> None:
    class RegIds(Reference):
        def zeta(self) -> None:
            pass

        def alpha(self) -> None:
            pass

        def mid(self) -> None:
            pass

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "zeta")
            ClassDB.bind_method(cls, "alpha")
            ClassDB.bind_method(cls, "mid")

    last = max_method_id()
    ClassDB.register_class(RegIds)
    listed = ClassDB.class_get_method_list("RegIds", True)
    assert [m["name"] for m in listed] == ["zeta", "alpha", "mid"]
    ids = [m["id"] for m in listed]
    assert all(i > last for i in ids)
    assert ids == sorted(ids)
    assert len(set(ids)) == 3

    everything = [
        m["id"]
        for c in ClassDB.get_class_list()
        for m in ClassDB.class_get_method_list(c, True)
        if m["name"] != "free"
    ]
    assert all(i > 0 for i in everything)
    assert len(set(everything)) == len(everything)


def test_subclass_ids_come_after_its_parents() -> None:
    parent_ids = [m["id"] for m in ClassDB.class_get_method_list("Reference", True)]
    object_ids = [
        m["id"] for m in ClassDB.class_get_method_list("Object", True) if m["name"] != "free"
    ]
    own = [m["id"] for m in ClassDB.class_get_method_list("RegTypes", True)]
    assert max(object_ids) < min(parent_ids)
    assert max(parent_ids) < min(own)
    assert own == sorted(own)


# --- §4.3 properties --------------------------------------------------------------------


class RegProps(Reference):
    def __init__(self) -> None:
        super().__init__()
        self._level = 5
        self._label = "start"

    def set_level(self, level: int) -> None:
        self._level = level

    def get_level(self) -> int:
        return self._level

    def set_label(self, label: str) -> None:
        self._label = label

    def get_label(self) -> str:
        return self._label

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "set_level")
        ClassDB.bind_method(cls, "get_level", const=True)
        ClassDB.bind_method(cls, "set_label")
        ClassDB.bind_method(cls, "get_label", const=True)
        ClassDB.add_property_group(cls, "Levels", "lev")
        ClassDB.add_property(
            cls,
            PropertyInfo(
                name="level", type=VariantType.INT, hint=PropertyHint.RANGE, hint_string="0,10"
            ),
            "set_level",
            "get_level",
        )
        ClassDB.add_property_group(cls, "Text")
        ClassDB.add_property(
            cls, PropertyInfo(name="label", type=VariantType.STRING), "", "get_label"
        )
        ClassDB.add_property(
            cls,
            PropertyInfo(
                name="res",
                type=VariantType.OBJECT,
                hint=PropertyHint.RESOURCE_TYPE,
                hint_string="Reference",
            ),
        )


ClassDB.register_class(RegProps)


def test_properties_and_groups_in_registration_order() -> None:
    assert ClassDB.class_get_property_list("RegProps", True) == [
        prop(name="Levels", hint_string="lev", usage=128),
        prop(VariantType.INT, hint=1, hint_string="0,10", name="level"),
        prop(name="Text", usage=128),
        prop(VariantType.STRING, name="label"),
        prop(VariantType.OBJECT, "Reference", 19, "Reference", name="res"),
    ]


def test_property_accessors_are_recorded() -> None:
    assert ClassDB.class_get_property_setter("RegProps", "level") == "set_level"
    assert ClassDB.class_get_property_getter("RegProps", "level") == "get_level"
    assert ClassDB.class_get_property_setter("RegProps", "label") == ""
    assert ClassDB.class_get_property_getter("RegProps", "label") == "get_label"
    assert ClassDB.class_get_property_getter("RegProps", "res") == ""


def test_properties_are_python_attributes() -> None:
    obj = RegProps()
    assert obj.level == 5  # type: ignore[attr-defined]
    obj.level = 7  # type: ignore[attr-defined]
    assert obj.get_level() == 7
    obj.level = 2.9  # type: ignore[attr-defined]
    assert obj.get_level() == 2
    with pytest.raises(TypeError):
        obj.level = "8"  # type: ignore[attr-defined]
    assert obj.get_level() == 2
    assert obj.label == "start"  # type: ignore[attr-defined]
    with pytest.raises(AttributeError):
        obj.label = "new"  # type: ignore[attr-defined]
    assert obj.get_label() == "start"
    with pytest.raises(AttributeError):
        _ = obj.res  # type: ignore[attr-defined]


def _accessor_class(name: str, setter: str, getter: str) -> type:
    def set_v(self: Any, v: int) -> None:
        pass

    def get_v(self: Any) -> int:
        return 0

    def two(self: Any, a: int, b: int) -> None:
        pass

    def helper(self: Any, v: int) -> None:
        pass

    def bind(cls: Any) -> None:
        ClassDB.bind_method(cls, "set_v")
        ClassDB.bind_method(cls, "get_v")
        ClassDB.bind_method(cls, "two")
        ClassDB.add_property(cls, PropertyInfo(name="v", type=VariantType.INT), setter, getter)

    body = {
        "set_v": set_v,
        "get_v": get_v,
        "two": two,
        "helper": helper,
        "_bind_methods": classmethod(bind),
    }
    return type(name, (Reference,), body)


@pytest.mark.parametrize(
    ("setter", "getter", "message"),
    [
        ("nope", "get_v", "Invalid setter '{cls}::nope' for property 'v'."),
        ("get_v", "get_v", "Invalid setter '{cls}::get_v' for property 'v'."),
        ("two", "get_v", "Invalid setter '{cls}::two' for property 'v'."),
        ("helper", "get_v", "Invalid setter '{cls}::helper' for property 'v'."),
        ("set_v", "nope", "Invalid getter '{cls}::nope' for property 'v'."),
        ("set_v", "set_v", "Invalid getter '{cls}::set_v' for property 'v'."),
        ("", "two", "Invalid getter '{cls}::two' for property 'v'."),
    ],
    ids=[
        "setter-missing",
        "setter-no-args",
        "setter-two-args",
        "setter-unbound",
        "getter-missing",
        "getter-one-arg",
        "getter-two-args",
    ],
)
def test_invalid_accessor_raises_value_error(setter: str, getter: str, message: str) -> None:
    name = f"RegAccessor_{setter or 'none'}_{getter}"
    cls = _accessor_class(name, setter, getter)
    register_fails(cls, ValueError, "^" + re.escape(message.format(cls=name)) + "$")


def test_ancestor_accessors_may_serve_a_property() -> None:
    class RegAccessorChild(RegProps):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.add_property(
                cls,
                PropertyInfo(name="level_again", type=VariantType.INT),
                "set_level",
                "get_level",
            )

    ClassDB.register_class(RegAccessorChild)
    assert ClassDB.class_get_property_setter("RegAccessorChild", "level_again") == "set_level"
    obj = RegAccessorChild()
    obj.level_again = 3  # type: ignore[attr-defined]
    assert obj.get_level() == 3


def test_duplicate_property_in_a_class_raises_value_error() -> None:
    class RegDupProperty(Reference):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.add_property(cls, PropertyInfo(name="p", type=VariantType.INT))
            ClassDB.add_property(cls, PropertyInfo(name="p", type=VariantType.STRING))

    register_fails(
        RegDupProperty,
        ValueError,
        "^" + re.escape("Object 'RegDupProperty' already has property 'p'.") + "$",
    )


def test_an_ancestors_property_name_may_be_reused() -> None:
    class RegReuseName(RegProps):
        def get_level_text(self) -> str:
            return "x"

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "get_level_text")
            ClassDB.add_property(
                cls, PropertyInfo(name="level", type=VariantType.STRING), "", "get_level_text"
            )

    ClassDB.register_class(RegReuseName)
    assert ClassDB.class_get_property_list("RegReuseName", True) == [
        prop(VariantType.STRING, name="level")
    ]
    assert ClassDB.class_get_property_getter("RegReuseName", "level") == "get_level_text"


def test_group_label_may_repeat_and_is_not_a_property() -> None:
    class RegGroups(Reference):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.add_property_group(cls, "Same", "a_")
            ClassDB.add_property_group(cls, "Same", "b_")

    ClassDB.register_class(RegGroups)
    assert ClassDB.class_get_property_list("RegGroups", True) == [
        prop(name="Same", hint_string="a_", usage=128),
        prop(name="Same", hint_string="b_", usage=128),
    ]
    assert not hasattr(RegGroups, "Same")


def test_empty_group_label_raises_value_error() -> None:
    class RegEmptyGroup(Reference):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.add_property_group(cls, "", "x_")

    register_fails(RegEmptyGroup, ValueError, r".")


def test_property_name_clashing_with_a_class_attribute_raises_value_error() -> None:
    class RegClashMethod(Reference):
        def get_v(self) -> int:
            return 1

        def v(self) -> int:
            return 2

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "get_v")
            ClassDB.add_property(cls, PropertyInfo(name="v", type=VariantType.INT), "", "get_v")

    register_fails(RegClashMethod, ValueError, r".")

    class RegClashAttribute(Reference):
        limit = 10

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.add_property(cls, PropertyInfo(name="limit", type=VariantType.INT))

    register_fails(RegClashAttribute, ValueError, r".")
    assert RegClashAttribute.limit == 10

    class RegClashInherited(RegProps):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.add_property(cls, PropertyInfo(name="get_label", type=VariantType.STRING))

    register_fails(RegClashInherited, ValueError, r".")


# --- property defaults ------------------------------------------------------------------

DEFAULTS_LOG: list[tuple[str, int, int]] = []


class RegDefaultsProbe(Reference):
    builds = 0

    def __init__(self) -> None:
        super().__init__()
        type(self).builds += 1
        self._count = 4096
        self._name = "probe"

    def _notification(self, what: int) -> None:
        DEFAULTS_LOG.append((type(self).__name__, self.get_instance_id(), what))

    def set_count(self, count: int) -> None:
        self._count = count

    def get_count(self) -> int:
        return self._count

    def get_name(self) -> str:
        return self._name

    def set_hidden(self, v: int) -> None:
        pass

    def get_hidden(self) -> int:
        return 99

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "set_count")
        ClassDB.bind_method(cls, "get_count", const=True)
        ClassDB.bind_method(cls, "get_name", const=True)
        ClassDB.bind_method(cls, "set_hidden")
        ClassDB.bind_method(cls, "get_hidden", const=True)
        ClassDB.add_property(
            cls, PropertyInfo(name="count", type=VariantType.INT), "set_count", "get_count"
        )
        ClassDB.add_property(
            cls,
            PropertyInfo(name="name", type=VariantType.STRING, usage=PropertyUsage.STORAGE),
            "",
            "get_name",
        )
        ClassDB.add_property(
            cls,
            PropertyInfo(name="hidden", type=VariantType.INT, usage=PropertyUsage(0)),
            "set_hidden",
            "get_hidden",
        )
        ClassDB.add_property(
            cls,
            PropertyInfo(name="network_only", type=VariantType.INT, usage=PropertyUsage.NETWORK),
            "set_hidden",
            "get_hidden",
        )
        ClassDB.add_property(
            cls, PropertyInfo(name="write_only", type=VariantType.INT), "set_hidden"
        )


ClassDB.register_class(RegDefaultsProbe)


def test_property_defaults_come_from_one_cached_throwaway_instance() -> None:
    DEFAULTS_LOG.clear()
    assert RegDefaultsProbe.builds == 0
    assert ClassDB.class_get_property_default_value("RegDefaultsProbe", "count") == 4096
    assert RegDefaultsProbe.builds == 1
    assert ClassDB.class_get_property_default_value("RegDefaultsProbe", "name") == "probe"
    assert ClassDB.class_get_property_default_value("RegDefaultsProbe", "count") == 4096
    assert ClassDB.class_get_property_default_value("RegDefaultsProbe", "hidden") is None
    assert ClassDB.class_get_property_default_value("RegDefaultsProbe", "network_only") is None
    assert ClassDB.class_get_property_default_value("RegDefaultsProbe", "write_only") is None
    assert ClassDB.class_get_property_default_value("RegDefaultsProbe", "nope") is None
    assert RegDefaultsProbe.builds == 1
    # The throwaway instance got POSTINITIALIZE and, when it was dropped, PREDELETE.
    assert len(DEFAULTS_LOG) == 2
    (_, first_id, first), (_, second_id, second) = DEFAULTS_LOG
    assert first_id == second_id
    assert (first, second) == (Object.NOTIFICATION_POSTINITIALIZE, Object.NOTIFICATION_PREDELETE)
    # Later instances do not change the cached values.
    obj = RegDefaultsProbe()
    obj.set_count(1)
    assert ClassDB.class_get_property_default_value("RegDefaultsProbe", "count") == 4096
    assert RegDefaultsProbe.builds == 2


class RegDefaultsPlain(Object):
    builds = 0

    def __init__(self) -> None:
        super().__init__()
        type(self).builds += 1

    def _notification(self, what: int) -> None:
        DEFAULTS_LOG.append((type(self).__name__, self.get_instance_id(), what))

    def get_size(self) -> int:
        return 12

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "get_size", const=True)
        ClassDB.add_property(cls, PropertyInfo(name="size", type=VariantType.INT), "", "get_size")


ClassDB.register_class(RegDefaultsPlain)


def test_plain_object_throwaway_instance_is_freed() -> None:
    DEFAULTS_LOG.clear()
    assert ClassDB.class_get_property_default_value("RegDefaultsPlain", "size") == 12
    assert RegDefaultsPlain.builds == 1
    assert [what for _, _, what in DEFAULTS_LOG] == [0, 1]


class RegDefaultsVirtual(Reference):
    def __init__(self) -> None:
        super().__init__()
        self._tag = "virtual"

    def get_tag(self) -> str:
        return self._tag

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "get_tag", const=True)
        ClassDB.add_property(cls, PropertyInfo(name="tag", type=VariantType.STRING), "", "get_tag")


class RegDefaultsVirtualChildAbstract(RegDefaultsVirtual):
    def __init__(self) -> None:
        super().__init__()
        self._tag = "abstract child"


class RegDefaultsFirstChild(RegDefaultsVirtual):
    def __init__(self) -> None:
        super().__init__()
        self._tag = "first child"


class RegDefaultsSecondChild(RegDefaultsVirtual):
    def __init__(self) -> None:
        super().__init__()
        self._tag = "second child"


class RegDefaultsChildless(Reference):
    def get_tag(self) -> str:
        return "never"

    @classmethod
    def _bind_methods(cls) -> None:
        ClassDB.bind_method(cls, "get_tag", const=True)
        ClassDB.add_property(cls, PropertyInfo(name="tag", type=VariantType.STRING), "", "get_tag")


ClassDB.register_virtual_class(RegDefaultsVirtual)
ClassDB.register_virtual_class(RegDefaultsVirtualChildAbstract)
ClassDB.register_class(RegDefaultsFirstChild)
ClassDB.register_class(RegDefaultsSecondChild)
ClassDB.register_virtual_class(RegDefaultsChildless)


def test_virtual_class_defaults_use_its_first_instanceable_child() -> None:
    assert ClassDB.class_get_property_default_value("RegDefaultsVirtual", "tag") == "first child"
    assert ClassDB.class_get_property_default_value("RegDefaultsSecondChild", "tag") == (
        "second child"
    )


def test_virtual_class_without_instanceable_child_defaults_to_none() -> None:
    assert ClassDB.class_get_property_default_value("RegDefaultsChildless", "tag") is None


# --- §4.4 constants, enums, signals -----------------------------------------------------


def test_constants_in_range_are_kept_in_order_and_become_attributes() -> None:
    class RegConstants(Reference):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_integer_constant(cls, "", "C_MAX", 2**31 - 1)
            ClassDB.bind_integer_constant(cls, "", "C_MIN", -(2**31))
            ClassDB.bind_integer_constant(cls, "", "C_ZERO", 0)

    ClassDB.register_class(RegConstants)
    assert ClassDB.class_get_integer_constant_list("RegConstants", True) == [
        "C_MAX",
        "C_MIN",
        "C_ZERO",
    ]
    assert RegConstants.C_MAX == 2**31 - 1  # type: ignore[attr-defined]
    assert RegConstants.C_MIN == -(2**31)  # type: ignore[attr-defined]
    assert RegConstants.C_ZERO == 0  # type: ignore[attr-defined]
    assert ClassDB.class_get_integer_constant("RegConstants", "C_MIN") == -(2**31)


@pytest.mark.parametrize("value", [2**31, -(2**31) - 1, 2**40])
def test_constant_outside_32_bits_raises_value_error(value: int) -> None:
    def bind(cls: Any) -> None:
        ClassDB.bind_integer_constant(cls, "", "TOO_BIG", value)

    cls = type(
        f"RegConstRange_{value}".replace("-", "m"),
        (Reference,),
        {"_bind_methods": classmethod(bind)},
    )
    register_fails(cls, ValueError, r".")


def test_duplicate_constant_raises_value_error() -> None:
    class RegDupConstant(Reference):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_integer_constant(cls, "", "TWICE", 1)
            ClassDB.bind_integer_constant(cls, "Other", "TWICE", 1)

    register_fails(RegDupConstant, ValueError, "TWICE")


def test_constant_duplicating_an_enum_member_raises_value_error() -> None:
    class RegDupEnumConstant(Reference):
        class Kind(IntEnum):
            KIND_ONE = 1

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_enum(cls, cls.Kind)
            ClassDB.bind_integer_constant(cls, "", "KIND_ONE", 1)

    register_fails(RegDupEnumConstant, ValueError, "KIND_ONE")


def test_constant_clashing_with_an_attribute_of_another_value_raises_value_error() -> None:
    class RegConstClash(Reference):
        LIMIT = 5

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_integer_constant(cls, "", "LIMIT", 6)

    register_fails(RegConstClash, ValueError, "LIMIT")
    assert RegConstClash.LIMIT == 5


def test_constant_matching_an_existing_attribute_is_fine() -> None:
    class RegConstSame(Reference):
        LIMIT = 5

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_integer_constant(cls, "", "LIMIT", 5)

    ClassDB.register_class(RegConstSame)
    assert RegConstSame.LIMIT == 5
    assert ClassDB.class_get_integer_constant("RegConstSame", "LIMIT") == 5


def test_bind_enum_members_become_class_attributes_and_constants() -> None:
    class RegEnums(Reference):
        class Phase(IntEnum):
            PHASE_IDLE = 0
            PHASE_BUSY = 5

        class Side(IntEnum):
            SIDE_LEFT = -1
            SIDE_RIGHT = 1

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_integer_constant(cls, "", "LONE", 9)
            ClassDB.bind_enum(cls, cls.Phase)
            ClassDB.bind_enum(cls, cls.Side)

    ClassDB.register_class(RegEnums)
    assert RegEnums.PHASE_BUSY is RegEnums.Phase.PHASE_BUSY  # type: ignore[attr-defined]
    assert RegEnums.SIDE_LEFT == -1  # type: ignore[attr-defined]
    assert isinstance(RegEnums.SIDE_LEFT, IntEnum)  # type: ignore[attr-defined]
    assert ClassDB.class_get_integer_constant_list("RegEnums", True) == [
        "LONE",
        "PHASE_IDLE",
        "PHASE_BUSY",
        "SIDE_LEFT",
        "SIDE_RIGHT",
    ]
    assert ClassDB.class_get_enum_list("RegEnums", True) == ["Phase", "Side"]
    assert ClassDB.class_get_enum_constants("RegEnums", "Phase") == ["PHASE_IDLE", "PHASE_BUSY"]
    assert ClassDB.class_get_integer_constant_enum("RegEnums", "SIDE_RIGHT") == "Side"
    assert ClassDB.class_get_integer_constant_enum("RegEnums", "LONE") == ""
    value = ClassDB.class_get_integer_constant("RegEnums", "PHASE_BUSY")
    assert value == 5
    assert type(value) is int


def test_bind_enum_needs_an_int_enum() -> None:
    class RegNotAnEnum(Reference):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_enum(cls, int)  # type: ignore[arg-type]

    register_fails(RegNotAnEnum, TypeError)


def test_signals_keep_declaration_order_with_flags_normal_and_id_zero() -> None:
    class RegSignals(Reference):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.add_signal(
                cls,
                MethodInfo(
                    name="zeta",
                    args=(ArgumentInfo(name="value", type=VariantType.INT),),
                    flags=MethodFlags.NORMAL | MethodFlags.CONST,
                    id=42,
                ),
            )
            ClassDB.add_signal(cls, MethodInfo(name="alpha"))

    ClassDB.register_class(RegSignals)
    assert ClassDB.class_get_signal_list("RegSignals", True) == [
        {
            "name": "zeta",
            "args": [prop(VariantType.INT, name="value")],
            "default_args": [],
            "flags": 1,
            "id": 0,
            "return": prop(),
        },
        {
            "name": "alpha",
            "args": [],
            "default_args": [],
            "flags": 1,
            "id": 0,
            "return": prop(),
        },
    ]


def test_duplicate_signal_raises_value_error() -> None:
    class RegDupSignal(Reference):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.add_signal(cls, MethodInfo(name="ping"))
            ClassDB.add_signal(cls, MethodInfo(name="ping"))

    register_fails(
        RegDupSignal,
        ValueError,
        "^" + re.escape("Class 'RegDupSignal' already has signal 'ping'.") + "$",
    )


def test_signal_declared_by_an_ancestor_raises_value_error() -> None:
    class RegSignalParent(Reference):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.add_signal(cls, MethodInfo(name="inherited_ping"))

    ClassDB.register_class(RegSignalParent)

    class RegSignalChild(RegSignalParent):
        pass

    ClassDB.register_class(RegSignalChild)

    class RegSignalGrandchild(RegSignalChild):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.add_signal(cls, MethodInfo(name="inherited_ping"))

    register_fails(
        RegSignalGrandchild,
        ValueError,
        "^" + re.escape("Class 'RegSignalGrandchild' already has signal 'inherited_ping'.") + "$",
    )


def test_annotated_int_names_the_enum_of_a_plain_int_return() -> None:
    # Enum-typed returns are plain ints (object_model_reference.md §3.4); Annotated says which.
    class RegAnnotated(Reference):
        class Mode(IntEnum):
            MODE_A = 0

        def get_mode(self) -> Annotated[int, RegAnnotated.Mode]:
            return 0

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "get_mode", const=True)
            ClassDB.bind_enum(cls, cls.Mode)

    ClassDB.register_class(RegAnnotated)
    ret = methods("RegAnnotated")["get_mode"]["return"]
    assert (ret["type"], ret["class_name"], ret["usage"]) == (2, "RegAnnotated.Mode", ENUM_USAGE)
    assert type(RegAnnotated().call("get_mode")) is int


def test_annotated_without_a_bound_enum_is_refused() -> None:
    class RegAnnotatedBad(Reference):
        def get_x(self) -> Annotated[int, "nothing"]:
            return 0

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "get_x")

    with pytest.raises(TypeError, match="get_x"):
        ClassDB.register_class(RegAnnotatedBad)
    assert not ClassDB.class_exists("RegAnnotatedBad")


# --- declared types agree (issue 12, item 12) ---------------------------------------------


def test_a_setter_taking_another_type_than_its_property_is_refused() -> None:
    class RegSetterDisagrees(Reference):
        def set_size(self, size: str) -> None: ...

        def get_size(self) -> int:
            return 0

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "set_size", args=("size",))
            ClassDB.bind_method(cls, "get_size", const=True)
            ClassDB.add_property(
                cls, PropertyInfo(name="size", type=VariantType.INT), "set_size", "get_size"
            )

    text = register_fails(RegSetterDisagrees, TypeError)
    assert text == (
        "property 'size' of 'RegSetterDisagrees' is int, but its setter 'set_size' takes String"
    )
    assert not hasattr(RegSetterDisagrees, "size")


def test_a_getter_returning_another_type_than_its_property_is_refused() -> None:
    class RegGetterDisagrees(Object):
        def set_ratio(self, ratio: float) -> None: ...

        def get_ratio(self) -> Any:
            return 0.0

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "set_ratio", args=("ratio",))
            ClassDB.bind_method(cls, "get_ratio", const=True)
            ClassDB.add_property(
                cls, PropertyInfo(name="ratio", type=VariantType.REAL), "set_ratio", "get_ratio"
            )

    text = register_fails(RegGetterDisagrees, TypeError)
    assert text == (
        "property 'ratio' of 'RegGetterDisagrees' is float, but its getter 'get_ratio' "
        "returns Variant"
    )


def test_an_ancestors_accessor_must_agree_too() -> None:
    class RegAgreeBase(Reference):
        def get_label(self) -> str:
            return ""

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "get_label", const=True)

    ClassDB.register_class(RegAgreeBase)

    class RegAgreeChild(RegAgreeBase):
        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.add_property(
                cls, PropertyInfo(name="count", type=VariantType.INT), "", "get_label"
            )

    text = register_fails(RegAgreeChild, TypeError)
    assert (
        text
        == "property 'count' of 'RegAgreeChild' is int, but its getter 'get_label' returns String"
    )


def test_an_enum_typed_accessor_agrees_with_an_int_property() -> None:
    class RegAgreeEnum(Reference):
        class Mode(IntEnum):
            MODE_A = 0

        def set_mode(self, mode: RegAgreeEnum.Mode) -> None: ...

        def get_mode(self) -> RegAgreeEnum.Mode:
            return RegAgreeEnum.Mode.MODE_A

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_enum(cls, cls.Mode)
            ClassDB.bind_method(cls, "set_mode", args=("mode",))
            ClassDB.bind_method(cls, "get_mode", const=True)
            ClassDB.add_property(
                cls, PropertyInfo(name="mode", type=VariantType.INT), "set_mode", "get_mode"
            )

    ClassDB.register_class(RegAgreeEnum)
    assert ClassDB.class_get_property_getter("RegAgreeEnum", "mode") == "get_mode"


# --- registration from several threads (issue 12, item 14) --------------------------------


def _raced_class(value: int) -> type:
    """A new Python class named RegRaced each call (the racers' classes clash by name)."""

    class RegRaced(Reference):
        def get_value(self) -> int:
            return value

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "get_value", const=True)

    return RegRaced


def _churn_class(name: str) -> type:
    class Churn(Object):
        def get_name(self) -> str:
            return name

        @classmethod
        def _bind_methods(cls) -> None:
            ClassDB.bind_method(cls, "get_name", const=True)

    Churn.__name__ = Churn.__qualname__ = name
    return Churn


def test_classes_registered_from_several_threads_at_once() -> None:
    racers, queriers = 6, 2
    barrier = threading.Barrier(racers + queriers)
    registered = threading.Event()
    outcomes: list[str] = []
    query_failures: list[BaseException] = []

    def race(index: int) -> None:
        mine = _raced_class(index)
        churn = [_churn_class(f"RegChurn{index}x{k}") for k in range(15)]
        barrier.wait()
        try:
            ClassDB.register_class(mine)
            outcomes.append("committed")
        except Exception as exc:  # any other exception is a failure the test reports
            outcomes.append(f"{type(exc).__name__}: {exc}")
        for cls in churn:  # keeps ClassDB changing while the queries run
            ClassDB.register_class(cls)

    def query() -> None:
        barrier.wait()
        try:
            while not registered.is_set():
                ClassDB.get_class_list()
                ClassDB.get_inheriters_from_class("Object")
                ClassDB.class_get_method_list("Object")
                ClassDB.class_exists("RegRaced")
                ClassDB.is_parent_class("RegRaced", "Reference")
        except BaseException as exc:
            query_failures.append(exc)

    previous = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as CPython allows
    try:
        threads = [threading.Thread(target=race, args=(i,)) for i in range(racers)]
        watchers = [threading.Thread(target=query) for _ in range(queriers)]
        for t in threads + watchers:
            t.start()
        for t in threads:
            t.join()
        registered.set()
        for t in watchers:
            t.join()
    finally:
        sys.setswitchinterval(previous)

    exists = "ValueError: Class 'RegRaced' already exists."
    assert sorted(outcomes) == sorted(["committed"] + [exists] * (racers - 1))
    assert query_failures == []
    assert [m["name"] for m in ClassDB.class_get_method_list("RegRaced", True)] == ["get_value"]
    churned = [c for c in ClassDB.get_class_list() if c.startswith("RegChurn")]
    assert len(churned) == racers * 15
