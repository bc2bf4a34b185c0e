"""query_string_from_dict: form-style query strings from a dictionary.

Owns httpclient.md §7's output rules; imports only `urllib.parse` and typing helpers. Why: the
engine's text form of a value (Variant-to-String) belongs to the object model, which this core
must not import, so the caller passes it in as `stringify`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import quote


def query_string_from_dict(
    fields: Mapping[object, object], stringify: Callable[[object], str]
) -> str:
    """Build `key=value` pairs joined by `&`, in the dictionary's order.

    A None value gives the bare key. A list or tuple repeats the key once per element (a None
    element gives the bare key, anything else its stringified text, nested lists whole); an
    empty one adds nothing. Keys and values are stringified, encoded as UTF-8 and escaped:
    only `A-Z a-z 0-9 - . _ ~` stay as they are, a space becomes %20.
    """
    pairs: list[str] = []
    for key, value in fields.items():
        name = _escape(stringify(key))
        values = value if isinstance(value, list | tuple) else [value]
        pairs.extend(
            name if item is None else f"{name}={_escape(stringify(item))}" for item in values
        )
    return "&".join(pairs)


def _escape(text: str) -> str:
    # quote() with no safe characters keeps exactly the RFC 3986 unreserved set.
    return quote(text, safe="")
