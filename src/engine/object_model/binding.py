"""Method binds: what ``call`` by name runs, with the engine's checks and call errors.

A ``MethodBind`` is built once per bound method at registration: the plain function, its
descriptor, one converter per argument and the trailing defaults, all resolved ahead of time
so a call by name costs a dictionary lookup, a length check and one converter per argument.
Imports ``variant`` and ``info`` only.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Sequence
from enum import IntEnum
from typing import Any, NamedTuple

from .info import MethodInfo
from .variant import REJECT, Converter, VariantType, given_type_name


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


def call_error_text(class_name: str, method: str, failure: CallFailed) -> str:
    """The engine's text for a failed call: ``'<Class>::<method>': <detail>``."""
    err = failure.error
    kind = err.error
    if kind == CallErrorType.CALL_OK:
        return "Call OK"
    head = f"'{class_name}::{method}': "
    if kind == CallErrorType.CALL_ERROR_INVALID_ARGUMENT:
        return (
            head + f"Cannot convert argument {err.argument + 1} from {failure.given} "
            f"to {err.expected.type_name}."
        )
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
