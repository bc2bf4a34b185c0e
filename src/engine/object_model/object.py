"""``Object``: instance ids, properties and calls by name, signals, metadata, notifications.

The root of every bound class. Calls by name go through the class's flattened method table
(one dict lookup) and the bind's checks; a misuse returns the engine's value and logs one line.
Object registers itself at the bottom of this module; its metaclass and the hook lookup live in
``object_meta``. Imports the other modules of the package except ``reference``.
"""

from __future__ import annotations

import functools
from typing import Any, ClassVar, NoReturn, SupportsIndex

from . import freed, object_db, registry, signals, variant
from .binding import (
    CallError,
    CallErrorType,
    CallFailed,
    call_error_text,
    checks_own_arguments,
    sentence,
    wrong_type_error,
)
from .class_db import ClassDB
from .class_info import ClassInfo, PropertyBinding
from .errors import Error, err_print, fail_cond
from .info import ArgumentInfo, ConnectFlags, MethodInfo, PropertyInfo, PropertyUsage
from .message_queue import MessageQueue
from .object_meta import NOTIFICATION_POSTINITIALIZE as NOTIFICATION_POSTINITIALIZE
from .object_meta import NOTIFICATION_PREDELETE as NOTIFICATION_PREDELETE
from .object_meta import ObjectMeta, hooks
from .variant import VariantType
from .virtuals import OBJECT_VIRTUAL_DOCS, OBJECT_VIRTUALS, property_dict

_META = PropertyInfo(
    name="__meta__",
    type=VariantType.DICTIONARY,
    usage=PropertyUsage.NOEDITOR | PropertyUsage.INTERNAL,
)


class Object(metaclass=ObjectMeta):
    """The base class of every class registered in ClassDB (see object_model.md §2).

    An Object has a unique instance id, answers calls and property access by name through ClassDB
    ([method call], [method get], [method set]), emits signals to connected methods and keeps
    metadata. A plain Object lives until [method free] is called; a [Reference] is freed when its
    last owner lets go. Misuse through these methods never raises: it returns the engine's value and
    logs one line.
    """

    __slots__ = (
        "__weakref__",
        "_blocking",
        "_connections",
        "_freed",
        "_freeing",
        "_id",
        "_incoming",
        "_meta",
        "_user_signals",
    )

    _id: int
    _freed: bool
    _freeing: bool
    _blocking: bool
    _meta: dict[str, Any] | None
    _connections: dict[str, dict[signals.ConnectionKey, signals.Connection]] | None
    _incoming: dict[signals.IncomingKey, signals.Connection] | None
    _user_signals: dict[str, MethodInfo] | None

    _is_reference: ClassVar[bool] = False
    # Filled in by ClassDB when a class registers; unregistered subclasses inherit them.
    _class_info: ClassVar[ClassInfo]
    _binds: ClassVar[dict[str, Any]]
    _props: ClassVar[dict[str, PropertyBinding]]
    _consts: ClassVar[dict[str, int]]
    _virtual_docs: ClassVar[dict[str, str]] = OBJECT_VIRTUAL_DOCS

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        registry.wrap_overrides(cls)

    def __new__(cls, *args: Any, **kwargs: Any) -> Object:
        self = super().__new__(cls)
        self._id = object_db.new_id()
        self._freed = False
        self._freeing = False
        self._blocking = False
        self._meta = None
        self._connections = None
        self._incoming = None
        self._user_signals = None
        object_db.add(self._id, self, strong=not cls._is_reference)
        return self

    # --- identity ---

    def get_class(self) -> str:
        """Returns the name of the object's class: the nearest class in its Python class chain
        that is registered in ClassDB.
        """
        return self._class_info.name

    def is_class(self, class_name: str) -> bool:
        """Returns [code]true[/code] if the object's class is [code]class[/code] or inherits from
        it.
        """
        return self._class_info.inherits(class_name)

    def get_instance_id(self) -> int:
        """Returns the object's unique id, which [code]instance_from_id()[/code] looks up."""
        return self._id

    def to_string(self) -> str:
        """Returns what [method _to_string] gives if the class defines it, else
        [code][Class:id][/code]; [code][Deleted Object][/code] once the object is freed.
        """
        if self._freed:
            return "[Deleted Object]"
        custom = hooks(type(self), "_to_string")
        if custom:
            return str(custom[-1](self))
        return f"[{self._class_info.name}:{self._id}]"

    __str__ = to_string

    def __repr__(self) -> str:
        return self.to_string()

    # An Object is a handle, as a Variant holding one is in the engine: a copy is the same
    # object (a second Python object would claim its id and share its sockets), and it has
    # no value to pickle.

    def __copy__(self) -> Object:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> Object:
        return self

    def __reduce_ex__(self, protocol: SupportsIndex) -> NoReturn:
        raise TypeError(f"cannot pickle '{self._class_info.name}' object")

    # --- properties by name ---

    @checks_own_arguments
    def set(self, property: str, value: Any) -> None:
        """Set [code]property[/code] to [code]value[/code]: a ClassDB property through its setter,
        [code]__meta__[/code], or a property a [code]_set[/code] hook accepts. Anything else is
        ignored, and nothing is logged.
        """
        try:
            binding = self._props.get(property)
        except TypeError:  # unhashable, so no String: refused below
            binding = None
        if binding is not None:
            if binding.setter is not None:
                try:  # noqa: SIM105 (contextlib.suppress costs a call on this hot path)
                    binding.setter.invoke(self, (value,))
                except CallFailed:
                    pass
            return None
        return self._set_unbound(property, value)

    def _set_unbound(self, property: str, value: Any) -> None:
        """``set`` of a name that is no ClassDB property (also reached from ``fast_paths``)."""
        if type(property) is not str and not isinstance(property, str):
            raise self._argument_error("set", 0, property)
        if property == "__meta__":
            if isinstance(value, dict):
                self._meta = dict(value)
            return None
        for hook in hooks(type(self), "_set"):
            if hook(self, property, value):
                break
        return None

    @checks_own_arguments
    def get(self, property: str) -> Any:
        """Returns the value of [code]property[/code]: a ClassDB property through its getter, an
        integer constant, [code]__meta__[/code], or a [code]_get[/code] hook's answer;
        [code]null[/code] for anything else.
        """
        try:
            binding = self._props.get(property)
        except TypeError:  # unhashable, so no String: refused below
            binding = None
        if binding is not None:
            return binding.getter.func(self) if binding.getter is not None else None
        return self._get_unbound(property)

    def _get_unbound(self, property: str) -> Any:
        """``get`` of a name that is no ClassDB property (also reached from ``fast_paths``)."""
        if type(property) is not str and not isinstance(property, str):
            raise self._argument_error("get", 0, property)
        constant = self._consts.get(property)
        if constant is not None:
            return constant
        if property == "__meta__":
            return dict(self._meta or {})
        for hook in reversed(hooks(type(self), "_get")):
            answer = hook(self, property)
            if answer is not None:
                return answer
        return None

    def get_property_list(self) -> list[dict[str, Any]]:
        """Returns the object's properties as dictionaries, as an editor lists them: each class of
        the chain, base first, as a category entry followed by its properties.
        """
        out: list[dict[str, Any]] = []
        validators = hooks(type(self), "_validate_property")
        for k in reversed(type(self).__mro__):
            if not issubclass(k, Object) or k is Object:
                continue
            info: ClassInfo | None = k.__dict__.get("_class_info")
            if info is not None:
                out.append({**PropertyInfo(name=info.name, usage=PropertyUsage.CATEGORY).as_dict()})
                for binding in info.properties:
                    prop = binding.info
                    for validate in validators:
                        prop = validate(self, prop)
                    out.append(prop.as_dict())
            extra = k.__dict__.get("_get_property_list")
            if extra is not None:
                out.extend(property_dict(k, entry) for entry in extra(self))
        if self._meta:
            out.append(_META.as_dict())
        return out

    def property_list_changed_notify(self) -> None:
        """Kept for the engine API's sake; there is no editor to tell."""

    # --- methods ---

    def has_method(self, method: str) -> bool:
        """Returns [code]true[/code] if the object has the method [code]method[/code]
        ([code]free[/code] included).
        """
        return method == "free" or method in self._binds

    def get_method_list(self) -> list[dict[str, Any]]:
        """Returns the bound methods of the object's class and its ancestors, as dictionaries."""
        return ClassDB.class_get_method_list(self._class_info.name)

    @checks_own_arguments
    def call(self, method: str, *args: Any) -> Any:
        """Call the bound method [code]method[/code] with the arguments that follow, checking their
        number and types as the engine does. Returns the method's result, or [code]null[/code] and
        an error line when the call fails.
        """
        try:
            bind = self._binds[method]
        except (KeyError, TypeError):  # unknown, "free", or not a method name at all
            if not isinstance(method, str):
                raise self._argument_error("call", 0, method) from None
            return self._call_logged("call", method, args)
        try:
            return bind.invoke(self, args)
        except CallFailed as failure:
            self._log_failure("call", "Error calling method from 'call'", method, failure)
            return None

    def callv(self, method: str, arg_array: list[Any]) -> Any:
        """Same as [method call], with the arguments in the array [code]arg_array[/code]."""
        return self._call_logged("callv", method, tuple(arg_array))

    def callp(self, method: str, args: tuple[Any, ...] | list[Any]) -> tuple[Any, CallError]:
        """Python-only: like ``callv`` but returns ``(result, CallError)`` and logs nothing."""
        result, failure = self._call_checked(method, tuple(args))
        if failure is None:
            return result, CallError(CallErrorType.CALL_OK)
        return None, failure.error

    def _argument_error(self, function: str, index: int, value: Any) -> TypeError:
        """A direct call of ``function`` whose String argument ``index`` is no String."""
        expected = CallError(CallErrorType.CALL_ERROR_INVALID_ARGUMENT, index, VariantType.STRING)
        failure = CallFailed(expected, variant.given_type_name(value))
        return wrong_type_error(self._class_info.name, function, failure)

    def _call_logged(self, entry: str, method: Any, args: tuple[Any, ...]) -> Any:
        result, failure = self._call_checked(method, args, entry)
        if failure is not None:
            self._log_failure(entry, f"Error calling method from '{entry}'", method, failure)
        return result

    def _log_failure(self, entry: str, context: str, method: Any, failure: CallFailed) -> None:
        if not failure.logged:
            name = method if isinstance(method, str) else entry
            text = call_error_text(self._class_info.name, name, failure)
            err_print(entry, f"{context}: {sentence(text)}")

    def _call_checked(
        self, method: Any, args: tuple[Any, ...], entry: str = "call"
    ) -> tuple[Any, CallFailed | None]:
        """The shared path of every call by name: find, check, convert, run."""
        if type(method) is not str:
            if not isinstance(method, str):
                expected = CallError(
                    CallErrorType.CALL_ERROR_INVALID_ARGUMENT, 0, VariantType.STRING
                )
                return None, CallFailed(expected, variant.given_type_name(method))
            method = str.__str__(method)
        if self._freed:
            return None, CallFailed(CallError(CallErrorType.CALL_ERROR_INSTANCE_IS_NULL))
        bind = self._binds.get(method)
        if bind is None:
            if method == "free":
                return self._free_by_name(entry, args)
            return None, CallFailed(CallError(CallErrorType.CALL_ERROR_INVALID_METHOD))
        try:
            return bind.invoke(self, args), None
        except CallFailed as failure:
            return None, failure

    def _deliver(self, method: str, args: tuple[Any, ...]) -> tuple[Any, CallFailed | None]:
        """A signal's call: a bound method by name, else a plain Python method of the class,
        called as the engine calls a script's method (only its argument count is checked)."""
        if method in self._binds:
            return self._call_checked(method, args)
        func = signals.plain_method(type(self), method)
        if func is None or self._freed:
            return self._call_checked(method, args)
        try:
            return signals.call_plain(self, func, args), None
        except CallFailed as failure:
            return None, failure

    def _free_by_name(self, entry: str, args: tuple[Any, ...]) -> tuple[Any, CallFailed | None]:
        if args:
            error = CallError(CallErrorType.CALL_ERROR_TOO_MANY_ARGUMENTS, 0)
            return None, CallFailed(error, str(len(args)))
        if self._is_reference:
            err_print(entry, "Can't 'free' a reference.")
            error = CallError(CallErrorType.CALL_ERROR_INVALID_METHOD)
            return None, CallFailed(error, logged=True)
        self._free()
        return None, None

    def call_deferred(self, method: str, *args: Any) -> None:
        """Queue a call of [code]method[/code] with the arguments that follow; it runs at the next
        message queue flush.
        """
        MessageQueue.push_call(self, method, *args)

    def set_deferred(self, property: str, value: Any) -> None:
        """Queue setting [code]property[/code] to [code]value[/code] for the next message queue
        flush.
        """
        MessageQueue.push_set(self, property, value)

    # --- notifications and freeing ---

    def notification(self, what: int, reversed: bool = False) -> None:
        """Send notification [code]what[/code]: every [code]_notification[/code] hook of the class
        chain runs, the base class's first, or the most derived first when [code]reversed[/code] is
        [code]true[/code].
        """
        chain = hooks(type(self), "_notification")
        for hook in chain[::-1] if reversed else chain:
            hook(self, what)

    def free(self) -> None:
        """Free a plain Object now: its [code]_notification[/code] hooks get
        [constant NOTIFICATION_PREDELETE] and its connections go. A [Reference] is freed by its
        count, never by this: calling it on one logs an error.
        """
        if self._is_reference:
            err_print("free", "Can't 'free' a reference.")
            return
        self._free()

    def _free(self) -> None:
        if self._freed or self._freeing:
            return
        self._freeing = True
        try:
            self.notification(NOTIFICATION_PREDELETE, True)
        finally:
            signals.drop_all(self)
            self._meta = None
            object_db.remove(self._id)
            self._mark_freed()

    def _mark_freed(self) -> None:
        """From now on every bound method and property of this object is a freed stub."""
        self._freed = True
        self.__class__ = freed.freed_class(type(self), _FREED_EXTRAS)

    def is_queued_for_deletion(self) -> bool:
        """Returns [code]true[/code] once a [Node] was queued for deletion by
        [code]queue_free[/code]; always [code]false[/code] for other objects.
        """
        return self._queued_for_deletion()

    def _queued_for_deletion(self) -> bool:
        # Node overrides this (a bound method's body is the base function, so the answer
        # comes from a plain Python method that a subclass may override).
        return False

    # --- metadata ---

    def set_meta(self, name: str, value: Any) -> None:
        """Store [code]value[/code] under [code]name[/code] in the metadata; [code]null[/code]
        removes the entry.
        """
        if value is None:
            self.remove_meta(name)
            return
        if self._meta is None:
            self._meta = {}
        self._meta[name] = value

    def get_meta(self, name: str, default: Any = None) -> Any:
        """Returns the metadata entry [code]name[/code], else [code]default[/code]; with neither, it
        logs an error and returns [code]null[/code].
        """
        if self._meta is not None and name in self._meta:
            return self._meta[name]
        if default is None:
            err_print(
                "get_meta",
                f"The object does not have any 'meta' values with the key '{name}'.",
            )
        return default

    def has_meta(self, name: str) -> bool:
        """Returns [code]true[/code] if the metadata has an entry [code]name[/code]."""
        return self._meta is not None and name in self._meta

    def remove_meta(self, name: str) -> None:
        """Remove the metadata entry [code]name[/code], if there is one."""
        if self._meta is not None:
            self._meta.pop(name, None)

    def get_meta_list(self) -> list[str]:
        """Returns the names of the metadata entries."""
        return list(self._meta or ())

    # --- signals ---

    def add_user_signal(self, signal: str, arguments: list[Any] | None = None) -> None:
        """Add [code]signal[/code] to this object only, its [code]arguments[/code] described by
        dictionaries ([code]name[/code], [code]type[/code] and so on). An empty name, a signal of
        the class or one added before logs an error instead.
        """
        if not signal:
            err_print("add_user_signal", "Signal name cannot be empty.")
            return
        if ClassDB.class_has_signal(self._class_info.name, signal):
            err_print(
                "add_user_signal",
                f"User signal's name conflicts with a built-in signal of '{self.get_class()}'.",
            )
            return
        if self._user_signals is not None and signal in self._user_signals:
            err_print("add_user_signal", f"Trying to add already existing signal '{signal}'.")
            return
        try:
            args = tuple(
                a if isinstance(a, ArgumentInfo) else ArgumentInfo.from_dict(a)
                for a in arguments or ()
            )
        except TypeError as exc:
            err_print("add_user_signal", f"Invalid argument description: {exc}".splitlines()[0])
            return
        if self._user_signals is None:
            self._user_signals = {}
        self._user_signals[signal] = MethodInfo(name=signal, args=args)

    def has_user_signal(self, signal: str) -> bool:
        """Returns [code]true[/code] if [method add_user_signal] added [code]signal[/code] to this
        object.
        """
        return self._user_signals is not None and signal in self._user_signals

    def has_signal(self, signal: str) -> bool:
        """Returns [code]true[/code] if the object has [code]signal[/code], from its class chain or
        added by [method add_user_signal].
        """
        return self.has_user_signal(signal) or ClassDB.class_has_signal(
            self._class_info.name, signal
        )

    def get_signal_list(self) -> list[dict[str, Any]]:
        """Returns the signals of the class chain, then the user signals, as dictionaries."""
        own = ClassDB.class_get_signal_list(self._class_info.name)
        return own + [s.as_dict() for s in (self._user_signals or {}).values()]

    def get_signal_connection_list(self, signal: str) -> list[dict[str, Any]]:
        """Returns the connections of [code]signal[/code] as dictionaries, in the order they are
        called.
        """
        table = (self._connections or {}).get(signal)
        return [c.as_dict() for c in signals.emission_order(table)] if table else []

    def get_incoming_connections(self) -> list[dict[str, Any]]:
        """Returns the connections that call this object, as dictionaries with the keys
        [code]source[/code], [code]signal_name[/code] and [code]method_name[/code].
        """
        return [
            {
                "source": object_db.lookup(c.source_id),
                "signal_name": c.signal,
                "method_name": c.method,
            }
            for c in (self._incoming or {}).values()
        ]

    def connect(
        self,
        signal: str,
        target: Object | None,
        method: str,
        binds: list[Any] | None = None,
        flags: int = 0,
    ) -> Error:
        """Connect [code]signal[/code] to [code]method[/code] of [code]target[/code].
        [code]binds[/code] are appended to the signal's arguments at each call, and
        [code]flags[/code] combines [enum ConnectFlags] values. [code]method[/code] is a bound
        method of the target or a plain Python method of its class (called as a script's).
        Returns [constant OK], or [constant ERR_INVALID_PARAMETER] and an error line for an
        unknown signal, a missing target, a method the target does not have or a connection
        that already exists (a [constant CONNECT_REFERENCE_COUNTED] one counts one more
        instead).
        """
        if not self.has_signal(signal) and target is not None and not target._freed:
            err_print(
                "connect",
                f"In Object of type '{self.get_class()}': Attempt to connect nonexistent signal "
                f"'{signal}' to method '{target.get_class()}.{method}'.",
            )
            return Error.ERR_INVALID_PARAMETER
        if (
            target is not None
            and not target._freed
            and method != "free"
            and method not in target._binds
            and signals.plain_method(type(target), method) is None
        ):
            err_print(
                "connect",
                f"In Object of type '{self.get_class()}': Attempt to connect signal '{signal}' "
                f"to nonexistent method '{type(target).__name__}.{method}'.",
            )
            return Error.ERR_INVALID_PARAMETER
        return signals.connect(self, signal, target, method, list(binds or ()), int(flags))

    def disconnect(self, signal: str, target: Object | None, method: str) -> None:
        """Remove the connection of [code]signal[/code] to [code]method[/code] of
        [code]target[/code]; a [constant CONNECT_REFERENCE_COUNTED] one goes only when its count
        reaches 0. A connection that does not exist logs an error.
        """
        if target is None:
            fail_cond("disconnect", "!target")
            return
        if not self.has_signal(signal):
            err_print("disconnect", f"Nonexistent signal: {signal}.")
            return
        signals.disconnect(self, signal, target, method)

    def is_connected(self, signal: str, target: Object | None, method: str) -> bool:
        """Returns [code]true[/code] if [code]signal[/code] is connected to [code]method[/code] of
        [code]target[/code].
        """
        if not self.has_signal(signal):
            err_print("is_connected", f"Nonexistent signal: {signal}.")
            return False
        if target is None:
            return False
        table = (self._connections or {}).get(signal)
        return bool(table) and (target._id, method) in table  # type: ignore[operator]

    @checks_own_arguments
    def emit_signal(self, signal: str, *args: Any) -> None:
        """Emit [code]signal[/code] with the arguments that follow: each connected method is called,
        in ascending order of target instance id, with the connection's binds appended.
        [constant CONNECT_DEFERRED] connections are queued for the next message queue flush instead.
        """
        if type(signal) is not str and not isinstance(signal, str):
            raise self._argument_error("emit_signal", 0, signal)
        if self._blocking or not self._connections:
            return
        signals.emit(self, signal, args)

    def set_block_signals(self, enable: bool) -> None:
        """If [code]enable[/code] is [code]true[/code], [method emit_signal] calls nothing until it
        is unblocked.
        """
        self._blocking = bool(enable)

    def is_blocking_signals(self) -> bool:
        """Returns [code]true[/code] while signals are blocked (see [method set_block_signals])."""
        return self._blocking

    @classmethod
    def _bind_methods(cls) -> None:
        bind = functools.partial(ClassDB.bind_method, cls)
        bind("get_class", const=True)
        bind("is_class", args=("class",), const=True)
        bind("set", args=("property", "value"))
        bind("get", args=("property",), const=True)
        bind("get_property_list", const=True)
        bind("get_method_list", const=True)
        bind("notification", args=("what", "reversed"))
        bind("to_string")
        bind("get_instance_id", const=True)
        bind("set_meta", args=("name", "value"))
        bind("remove_meta", args=("name",))
        bind("get_meta", args=("name", "default"), const=True)
        bind("has_meta", args=("name",), const=True)
        bind("get_meta_list", const=True)
        array = ArgumentInfo(name="arguments", type=VariantType.ARRAY)
        bind("add_user_signal", args=("signal", array), defaults=([],))
        bind("has_user_signal", args=("signal",), const=True)
        ClassDB.bind_vararg_method(cls, "emit_signal")
        ClassDB.bind_vararg_method(cls, "call")
        ClassDB.bind_vararg_method(cls, "call_deferred")
        bind("set_deferred", args=("property", "value"))
        bind("callv", args=("method", "arg_array"))
        bind("has_method", args=("method",), const=True)
        bind("has_signal", args=("signal",), const=True)
        bind("get_signal_list", const=True)
        bind("get_signal_connection_list", args=("signal",), const=True)
        bind("get_incoming_connections", const=True)
        binds = ArgumentInfo(name="binds", type=VariantType.ARRAY)
        bind("connect", args=("signal", "target", "method", binds, "flags"), defaults=([], 0))
        bind("disconnect", args=("signal", "target", "method"))
        bind("is_connected", args=("signal", "target", "method"), const=True)
        bind("set_block_signals", args=("enable",))
        bind("is_blocking_signals", const=True)
        bind("property_list_changed_notify")
        bind("is_queued_for_deletion", const=True)
        for method in OBJECT_VIRTUALS:
            ClassDB.add_virtual_method(cls, method)
        ClassDB.bind_integer_constant(cls, "", "NOTIFICATION_POSTINITIALIZE", 0)
        ClassDB.bind_integer_constant(cls, "", "NOTIFICATION_PREDELETE", 1)
        for flag in ConnectFlags:
            ClassDB.bind_integer_constant(cls, "ConnectFlags", f"CONNECT_{flag.name}", flag.value)


def _call_freed(self: Object, method: str, *args: Any) -> Any:
    return self._call_logged("call", method, args)


def _callv_freed(self: Object, method: str, arg_array: list[Any]) -> Any:
    return self._call_logged(
        "callv", method, tuple(arg_array) if isinstance(arg_array, list) else ()
    )


_FREED_EXTRAS: dict[str, Any] = {
    "call": _call_freed,
    "callv": _callv_freed,
    "free": freed.method_stub("free", lambda: None),
}

variant.is_engine_object = lambda value: isinstance(value, Object)
variant.is_freed = lambda value: bool(value._freed)
ClassDB.register_class(Object)


def is_instance_valid(value: Any) -> bool:
    """``True`` for a live Object; ``False`` for ``None``, freed objects and other values."""
    return isinstance(value, Object) and not value._freed
