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
        """Pick a specialised invoker for the common shapes; the general one for the rest."""
        func = self.func
        if self.argc == 0:

            def invoke0(obj: Any, args: tuple[Any, ...]) -> Any:
                if args:
                    raise _arity_failure(CallErrorType.CALL_ERROR_TOO_MANY_ARGUMENTS, 0, len(args))
                return func(obj)

            return invoke0
        if self.argc == 1 and self.required == 1:
            convert = self.converters[0]

            def invoke1(obj: Any, args: tuple[Any, ...]) -> Any:
                if len(args) == 1:
                    value = convert(args[0])
                    if value is not REJECT:
                        return func(obj, value)
                return func(obj, *self._fill(args))

            return invoke1

        def invoke(obj: Any, args: tuple[Any, ...]) -> Any:
            return func(obj, *self._fill(args))

        return invoke

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
