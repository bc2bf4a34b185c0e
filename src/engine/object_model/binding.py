"""Method binds: what ``call`` by name runs, with the engine's checks and call errors.

A ``MethodBind`` is built once per bound method at registration: the plain function, its
descriptor, one converter per argument and the trailing defaults, all resolved ahead of time
so a call by name costs a dictionary lookup, a length check and one converter per argument.
A bind also makes the checking stand-in its function gets on the class (``direct_caller``):
a direct Python call with an argument of the wrong type raises TypeError with the words a
call by name logs, using the same converters. Imports ``variant`` and ``info`` only.
"""

from __future__ import annotations

import copy
import functools
import inspect
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any, NamedTuple, TypeVar

from .info import MethodInfo
from .variant import REJECT, Converter, VariantType, given_type_name, string_array


class CallErrorType(IntEnum):
    """Why a call by name did not run (the engine's ``Variant::CallError::Error``)."""

    CALL_OK = 0
    CALL_ERROR_INVALID_METHOD = 1
    CALL_ERROR_INVALID_ARGUMENT = 2
    CALL_ERROR_TOO_MANY_ARGUMENTS = 3
    CALL_ERROR_TOO_FEW_ARGUMENTS = 4
    CALL_ERROR_INSTANCE_IS_NULL = 5


class CallError(NamedTuple):
    """The outcome of a call by name: the kind, the argument it concerns and the expected type."""

    error: CallErrorType
    argument: int = 0
    expected: VariantType = VariantType.NIL


CALL_OK = CallError(CallErrorType.CALL_OK)


class CallFailed(Exception):
    """Raised inside the binder to abandon a call; ``Object`` turns it into a logged result.

    ``given`` is the offending argument's type name for INVALID_ARGUMENT.
    """

    def __init__(self, error: CallError, given: str = "", *, logged: bool = False) -> None:
        super().__init__(error)
        self.error = error
        self.given = given
        self.logged = logged  # the failing method already wrote its own line


def sentence(text: str) -> str:
    """End a call error text with one period (the engine adds one even after another)."""
    return text if text.endswith(".") else text + "."


def conversion_text(failure: CallFailed) -> str:
    """The INVALID_ARGUMENT detail: ``Cannot convert argument <n> from <given> to <expected>.``"""
    err = failure.error
    return (
        f"Cannot convert argument {err.argument + 1} from {failure.given} "
        f"to {err.expected.type_name}."
    )


def call_error_text(class_name: str, method: str, failure: CallFailed) -> str:
    """The engine's text for a failed call: ``'<Class>::<method>': <detail>``."""
    err = failure.error
    kind = err.error
    if kind == CallErrorType.CALL_OK:
        return "Call OK"
    head = f"'{class_name}::{method}': "
    if kind == CallErrorType.CALL_ERROR_INVALID_ARGUMENT:
        return head + conversion_text(failure)
    if kind in (
        CallErrorType.CALL_ERROR_TOO_MANY_ARGUMENTS,
        CallErrorType.CALL_ERROR_TOO_FEW_ARGUMENTS,
    ):
        return head + f"Method expected {err.argument} arguments, but called with {failure.given}."
    if kind == CallErrorType.CALL_ERROR_INVALID_METHOD:
        return head + "Method not found."
    return head + "Instance is null"


_EXACT: dict[VariantType, str] = {
    VariantType.NIL: "",
    VariantType.BOOL: "type({0}) is bool",
    VariantType.INT: "type({0}) is int and -9223372036854775808 <= {0} <= 9223372036854775807",
    VariantType.REAL: "type({0}) is float",
    VariantType.STRING: "type({0}) is str",
    VariantType.DICTIONARY: "type({0}) is dict",
    VariantType.ARRAY: "type({0}) is list",
    VariantType.POOL_BYTE_ARRAY: "type({0}) is bytes",
}


def _exact_check(name: str, vtype: VariantType) -> str | None:
    """A Python expression true when ``name`` needs no conversion for ``vtype``.

    ``None`` when values of that type always go through their converter.
    """
    template = _EXACT.get(vtype)
    if template is None:
        return None
    return template.format(name) or "True"


_F = TypeVar("_F", bound=Callable[..., Any])

#: Sentences added to a direct call's TypeError: function -> {(argument, given type): text}.
_HINTS: dict[Callable[..., Any], dict[tuple[int, str], str]] = {}
#: Bound functions that report a wrong argument type themselves (no checking wrapper).
_SELF_CHECKED: set[Callable[..., Any]] = set()
_NO_DEFAULT: Any = object()


def wrong_type_hint(argument: int, given: str, text: str) -> Callable[[_F], _F]:
    """Add ``text`` to the TypeError a direct call raises when argument ``argument`` (from 0)
    is of the engine type named ``given``: the place to point at the method meant instead."""

    def mark(func: _F) -> _F:
        _HINTS.setdefault(func, {})[(argument, given)] = text
        return func

    return mark


def checks_own_arguments(func: _F) -> _F:
    """Mark a bound function whose body reports a wrong argument type itself, so registration
    puts no checking wrapper in front of it (``Object.call``, whose cost is one frame)."""
    _SELF_CHECKED.add(func)
    return func


def _direct_fast_path(
    name: str, vtype: VariantType, index: int, scope: dict[str, Any]
) -> tuple[str | None, str, tuple[str, str] | None]:
    """How a direct call's fast branch takes argument ``name`` of engine type ``vtype``: the
    check that lets it through (``None``: never, the slow path converts it), the expression
    it hands on, and for an int the wider check and expression of a second branch.

    Each gives exactly what the slow path's converter would: an int goes through as it is
    (out of range too: the body judges it), an IntEnum member or a bool as a plain ``int``; a
    list for a PoolStringArray as a new list (so the function never keeps or changes the
    caller's), its items converted as the slow path converts them.
    """
    if vtype == VariantType.INT:
        return f"type({name}) is int", name, (f"isinstance({name}, int)", f"int({name})")
    if vtype == VariantType.POOL_STRING_ARRAY:
        scope["_string_array_"] = string_array
        return f"type({name}) is list", f"_string_array_({name})", None
    return _exact_check(name, vtype), name, None


def wrong_type_error(class_name: str, method: str, failure: CallFailed) -> TypeError:
    """The TypeError of a direct call with an argument ``call`` would refuse."""
    return TypeError(
        f"Invalid type in function '{method}' in base '{class_name}'. {conversion_text(failure)}"
    )


def _lines_up(
    positional: list[inspect.Parameter], rest: list[inspect.Parameter], vararg: bool
) -> bool:
    """Whether a function's parameters can be wrapped: the bound ones positional, any others
    optional (``*args`` only for a vararg method), no ``**kwargs``."""
    if any(p.kind not in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in positional):
        return False
    for p in rest:
        if p.kind is p.VAR_POSITIONAL:
            if not vararg:
                return False
        elif p.kind is p.VAR_KEYWORD or p.default is p.empty:
            return False
    return True


def _arity_failure(kind: CallErrorType, argument: int, given: int) -> CallFailed:
    return CallFailed(CallError(kind, argument), str(given))


class MethodBind:
    """One bound method, ready to be called by name."""

    __slots__ = (
        "argc",
        "const",
        "converters",
        "defaults",
        "func",
        "hints",
        "info",
        "invoke",
        "name",
        "required",
        "vararg",
    )

    def __init__(
        self,
        func: Callable[..., Any],
        info: MethodInfo,
        converters: Sequence[Converter],
        *,
        vararg: bool = False,
    ) -> None:
        self.name = info.name
        self.func = func
        self.info = info
        self.converters = tuple(converters)
        self.argc = len(info.args)
        self.defaults = info.default_args
        self.required = self.argc - len(self.defaults)
        self.vararg = vararg
        self.const = bool(info.flags & 8)
        self.invoke: Callable[[Any, tuple[Any, ...]], Any] = (
            self._invoke_vararg if vararg else self._make_invoker()
        )
        self.hints = _HINTS.get(func, {})

    def type_error(self, obj: Any, index: int, value: Any) -> TypeError:
        """The TypeError for a direct call whose argument ``index`` cannot be converted."""
        failure = self.reject(index, value)
        error = wrong_type_error(obj.get_class(), self.name, failure)
        hint = self.hints.get((index, failure.given))
        return TypeError(f"{error} {hint}") if hint else error

    def reject(self, index: int, value: Any) -> CallFailed:
        """The INVALID_ARGUMENT failure for argument ``index``."""
        expected = self.info.args[index].type
        return CallFailed(
            CallError(CallErrorType.CALL_ERROR_INVALID_ARGUMENT, index, expected),
            given_type_name(value),
        )

    def _fill(self, args: tuple[Any, ...]) -> list[Any]:
        """Check arity, convert the supplied arguments, append fresh copies of the defaults."""
        n = len(args)
        if n > self.argc:
            raise _arity_failure(CallErrorType.CALL_ERROR_TOO_MANY_ARGUMENTS, self.argc, n)
        if n < self.required:
            raise _arity_failure(CallErrorType.CALL_ERROR_TOO_FEW_ARGUMENTS, self.required, n)
        out = []
        for i, (convert, value) in enumerate(zip(self.converters, args, strict=False)):
            converted = convert(value)
            if converted is REJECT:
                raise self.reject(i, value)
            out.append(converted)
        if n < self.argc:
            out.extend(copy.deepcopy(self.defaults[n - self.required :]))
        return out

    def _make_invoker(self) -> Callable[[Any, tuple[Any, ...]], Any]:
        """Compile this bind's invoker: one flat function for the common case.

        When every argument is given and already has its engine type's exact Python type
        (``type(a) is int`` within 64 bits, ``str``, ``float``, ...) the function is called at
        once; anything else (defaults to fill, values to convert, errors to report) takes
        ``_call_slow``. Generating the source per arity keeps a bound call at one extra Python
        frame, which is what makes ``call`` cheap (DESIGN.md, performance shape).
        """
        names = [f"a{i}" for i in range(self.argc)]
        checks = [_exact_check(n, arg.type) for n, arg in zip(names, self.info.args, strict=True)]
        if self.argc == 0:
            body = "    if not args:\n        return func(obj)\n"
        elif None not in checks:
            unpack = ", ".join(names) + ","
            body = (
                f"    if len(args) == {self.argc}:\n"
                f"        {unpack} = args\n"
                f"        if {' and '.join(c for c in checks if c)}:\n"
                f"            return func(obj, {', '.join(names)})\n"
            )
        else:
            body = ""
        source = f"def invoke(obj, args):\n{body}    return slow(obj, args)\n"
        scope: dict[str, Any] = {"func": self.func, "slow": self._call_slow}
        exec(compile(source, f"<invoker {self.name}>", "exec"), scope)
        invoker: Callable[[Any, tuple[Any, ...]], Any] = scope["invoke"]
        return invoker

    def value_trampoline(self, on_reject: Callable[[Any, Any], Any]) -> Callable[[Any, Any], None]:
        """A one-argument entry (for a property's setter) that calls the function at once when
        the value already has its exact engine type and hands anything else to ``on_reject``,
        which converts or refuses it. Generated so an assignment costs one extra frame."""
        check = _exact_check("value", self.info.args[0].type)
        if check is None:
            return on_reject
        source = (
            f"def assign(obj, value):\n    if {check}:\n        func(obj, value)\n"
            "        return\n    on_reject(obj, value)\n"
        )
        scope: dict[str, Any] = {"func": self.func, "on_reject": on_reject}
        exec(compile(source, f"<assign {self.name}>", "exec"), scope)
        assign: Callable[[Any, Any], None] = scope["assign"]
        return assign

    def direct_caller(self, func: Callable[..., Any] | None = None) -> Callable[..., Any] | None:
        """What stands in for this method's function (or ``func``, a subclass's override of it)
        on its class, for direct Python calls.

        It has the function's own signature and defaults. Arguments that already have their
        engine type's exact Python type go straight through (one extra frame); the others are
        converted as a call by name converts them, and one that cannot be raises TypeError with
        the engine's message. A value that is the function's own default passes untouched.
        ``None`` when there is nothing to check (no typed arguments), the body checks itself or
        an override's parameters do not line up with the bound ones.
        """
        func = self.func if func is None else func
        if self.argc == 0 or self.func in _SELF_CHECKED:
            return None
        params = list(inspect.signature(func).parameters.values())[1:]
        positional = params[: self.argc]
        rest = params[self.argc :]
        if len(positional) < self.argc or not _lines_up(positional, rest, self.vararg):
            return None
        rest = [p for p in rest if p.kind is not p.VAR_POSITIONAL]
        defaults = tuple(_NO_DEFAULT if p.default is p.empty else p.default for p in positional)
        slow = functools.partial(self._call_direct_slow, func, defaults)
        scope: dict[str, Any] = {"_func_": func, "_slow_": slow}
        head: list[str] = ["_self_"]
        checks: list[str | None] = []
        passed: list[str] = []  # what the fast branch hands on, per argument
        loose: list[tuple[str, str] | None] = []  # a second branch's (check, value), if any
        for i, (p, arg) in enumerate(zip(positional, self.info.args, strict=True)):
            name = p.name
            check, value, wider = _direct_fast_path(name, arg.type, i, scope)
            if p.default is p.empty:
                head.append(name)
            else:
                scope[f"_d{i}_"] = p.default
                head.append(f"{name}=_d{i}_")
                if check is not None and not eval(check, {}, {name: p.default}):
                    check = f"({name} is _d{i}_ or {check})"
                # The function's own default passes untouched, as on the slow path.
                if value != name:
                    value = f"({name} if {name} is _d{i}_ else {value})"
                if wider is not None:
                    wider = (
                        f"({name} is _d{i}_ or {wider[0]})",
                        f"({name} if {name} is _d{i}_ else {wider[1]})",
                    )
            if p.kind is p.POSITIONAL_ONLY and (
                i + 1 == len(positional) or positional[i + 1].kind is not p.POSITIONAL_ONLY
            ):
                head.append("/")
            checks.append(check)
            passed.append(value)
            loose.append(wider)
        star = "*_rest_" if self.vararg else ("*" if rest else "")
        if star:
            head.append(star)
        for p in rest:
            scope[f"_k_{p.name}"] = p.default
            head.append(f"{p.name}=_k_{p.name}")
        names = ", ".join(p.name for p in positional)
        forward = "".join(f", {p.name}={p.name}" for p in rest)
        tail = (", *_rest_" if self.vararg else "") + forward
        rest_tuple = "_rest_" if self.vararg else "()"
        options = ", ".join(f"{p.name!r}: {p.name}" for p in rest)
        body = ""
        if None not in checks:
            condition = " and ".join(c for c in checks if c and c != "True") or "True"
            body = (
                f"    if {condition}:\n        return _func_(_self_, {', '.join(passed)}{tail})\n"
            )
            if any(loose):
                # Values the slow path would only retype (an IntEnum member or a bool for an
                # int): the same result without its generic loop.
                wide = [w[0] if w else c for w, c in zip(loose, checks, strict=True)]
                values = [w[1] if w else v for w, v in zip(loose, passed, strict=True)]
                condition = " and ".join(c for c in wide if c and c != "True")
                call = f"_func_(_self_, {', '.join(values)}{tail})"
                body += f"    if {condition}:\n        return {call}\n"
        source = (
            f"def {self.name}({', '.join(head)}):\n{body}"
            f"    return _slow_(_self_, ({names},), {rest_tuple}, {{{options}}})\n"
        )
        exec(compile(source, f"<direct {self.name}>", "exec"), scope)
        caller: Callable[..., Any] = functools.update_wrapper(scope[self.name], func)
        return caller

    def _call_direct_slow(
        self,
        func: Callable[..., Any],
        defaults: tuple[Any, ...],
        obj: Any,
        values: tuple[Any, ...],
        rest: tuple[Any, ...],
        options: dict[str, Any],
    ) -> Any:
        out = []
        for i, (convert, value) in enumerate(zip(self.converters, values, strict=True)):
            if value is defaults[i]:
                out.append(value)
                continue
            converted = convert(value)
            if converted is REJECT:
                if isinstance(value, int) and self.info.args[i].type == VariantType.INT:
                    converted = int(value)  # the right type out of range: the body's to judge
                else:
                    raise self.type_error(obj, i, value)
            out.append(converted)
        return func(obj, *out, *rest, **options)

    def _call_slow(self, obj: Any, args: tuple[Any, ...]) -> Any:
        return self.func(obj, *self._fill(args))

    def _invoke_vararg(self, obj: Any, args: tuple[Any, ...]) -> Any:
        # Vararg methods check their named leading arguments the engine's way (too few reports
        # argument 0) and get everything else raw.
        lead = self.argc
        if len(args) < lead:
            raise _arity_failure(CallErrorType.CALL_ERROR_TOO_FEW_ARGUMENTS, 0, len(args))
        for i in range(lead):
            if self.converters[i](args[i]) is REJECT:
                raise self.reject(i, args[i])
        return self.func(obj, *args)
