"""The binding layer: Object, Reference and the class database.

Importing this package registers ``Object``, ``Reference`` and ``WeakRef`` in ``ClassDB``.
It never imports ``net``, ``engine.doc`` or the CLI.
"""

from .binding import CallError, CallErrorType
from .class_db import ClassDB
from .declaration import export, exposed, signal
from .errors import Error
from .info import (
    ArgumentInfo,
    ConnectFlags,
    MethodFlags,
    MethodInfo,
    PropertyHint,
    PropertyInfo,
    PropertyUsage,
)
from .message_queue import MessageQueue
from .object import Object, is_instance_valid
from .object_db import instance_from_id
from .reference import Ref, Reference, WeakRef, weakref
from .variant import VariantType

__all__ = [
    "ArgumentInfo",
    "CallError",
    "CallErrorType",
    "ClassDB",
    "ConnectFlags",
    "Error",
    "MessageQueue",
    "MethodFlags",
    "MethodInfo",
    "Object",
    "PropertyHint",
    "PropertyInfo",
    "PropertyUsage",
    "Ref",
    "Reference",
    "VariantType",
    "WeakRef",
    "export",
    "exposed",
    "instance_from_id",
    "is_instance_valid",
    "signal",
    "weakref",
]
