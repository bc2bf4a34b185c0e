"""The methods the engine calls on an Object's script, as its class reference lists them.

``_init``, ``_notification``, ``_get``, ``_set``, ``_get_property_list`` and ``_to_string`` are
hooks: a class defines them and the binding layer calls them (``object.py``), but they are not
bound, so ``call``, ``has_method`` and ``class_get_method_list`` do not see them. Object
declares them with ``add_virtual_method`` (the engine's ``BIND_VMETHOD``) so that the XML and
api.json list them as virtual, each with the description below. Imports ``info`` and
``variant`` only.
"""

from __future__ import annotations

from typing import Any

from .info import VARIANT, ArgumentInfo, MethodInfo, PropertyInfo
from .variant import VariantType

_PROPERTY = ArgumentInfo(name="property", type=VariantType.STRING)

#: Object's script callbacks, in the engine's declaration order.
OBJECT_VIRTUALS: tuple[MethodInfo, ...] = (
    MethodInfo(name="_notification", args=(ArgumentInfo(name="what", type=VariantType.INT),)),
    MethodInfo(
        name="_set",
        args=(_PROPERTY, ArgumentInfo(name="value")),
        return_val=PropertyInfo(name="", type=VariantType.BOOL),
    ),
    MethodInfo(name="_get", args=(_PROPERTY,), return_val=VARIANT),
    MethodInfo(name="_get_property_list", return_val=PropertyInfo(name="", type=VariantType.ARRAY)),
    MethodInfo(name="_init"),
    MethodInfo(name="_to_string", return_val=PropertyInfo(name="", type=VariantType.STRING)),
)

#: Their descriptions (engine BBCode), read by the class reference generator.
OBJECT_VIRTUAL_DOCS: dict[str, str] = {
    "_notification": (
        "Called with each notification the object receives ([method notification]). Every "
        "class of the chain that defines it is called, the base class's first, or the most "
        "derived first for a reversed notification such as [constant NOTIFICATION_PREDELETE]."
    ),
    "_set": (
        "Called by [method set] for a property ClassDB does not know. Return [code]true[/code] "
        "when [code]property[/code] was handled; the classes of the chain are asked, base "
        "first, until one does."
    ),
    "_get": (
        "Called by [method get] for a property ClassDB does not know. Return its value, or "
        "[code]null[/code] to leave it to the next class (most derived first)."
    ),
    "_get_property_list": (
        "Returns properties to add to [method get_property_list], as dictionaries with the "
        "keys [code]name[/code], [code]type[/code], [code]hint[/code], [code]hint_string[/code] "
        "and [code]usage[/code] (missing keys take their defaults). Pair it with [method _get] "
        "and [method _set] to give an object properties that exist only at run time."
    ),
    "_init": (
        "Called once when the object is made, after [constant NOTIFICATION_POSTINITIALIZE]. "
        "Every class of the chain that defines it is called, the base class's first."
    ),
    "_to_string": (
        "Returns the text [method to_string] and [code]str()[/code] give for the object "
        "instead of [code][Class:id][/code]."
    ),
}


def property_dict(cls: type, entry: Any) -> dict[str, Any]:
    """One entry of a ``_get_property_list`` answer: a PropertyInfo or the engine's dict."""
    if isinstance(entry, PropertyInfo):
        return entry.as_dict()
    if isinstance(entry, dict):
        return PropertyInfo.from_dict(entry).as_dict()
    raise TypeError(
        f"{cls.__name__}._get_property_list must return PropertyInfo records or "
        f"dictionaries, not {type(entry).__name__}"
    )
