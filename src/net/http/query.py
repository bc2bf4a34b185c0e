"""query_string_from_dict: form-style query strings from a dictionary.

Owns httpclient.md §7's output rules; imports only `urllib.parse`, typing helpers and `errors`.
Why: the engine's text form of a value (Variant-to-String) belongs to the object model, which
this core must not import, so the caller passes it in as `stringify`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from urllib.parse import quote

from net.http.errors import quote as quote_bytes


class UnencodableText(ValueError):
    """A key or value holds a lone surrogate, which has no UTF-8 form to percent-encode.

    Attributes:
        key: the stringified key whose pair could not be encoded (the key itself when
            `in_key`); the value is never kept, since form values may be credentials.
        in_key: whether the key, not the value, is the unencodable text.
    """

    def __init__(self, key: str, in_key: bool) -> None:
        where = "a key" if in_key else f"the value of key {quote_bytes(key.encode())}"
        super().__init__(f"{where} holds a lone surrogate, which has no UTF-8 form")
        self.key = key
        self.in_key = in_key


def query_string_from_dict(
    fields: Mapping[object, object], stringify: Callable[[object], str]
) -> str:
    """Build `key=value` pairs joined by `&`, in the dictionary's order.

    A None value gives the bare key. A list or tuple repeats the key once per element (a None
    element gives the bare key, anything else its stringified text, nested lists whole); an
    empty one adds nothing. Keys and values are stringified, encoded as UTF-8 and escaped:
    only `A-Z a-z 0-9 - . _ ~` stay as they are, a space becomes %20.

    Raises UnencodableText when a key or value holds a lone surrogate (text decoded with
    `surrogateescape`, or JSON's `"\\ud800"`): no pair is ever sent half-encoded.
    """
    pairs: list[str] = []
    for key, value in fields.items():
        text = stringify(key)
        try:
            name = _escape(text)
        except UnicodeEncodeError:
            raise UnencodableText(text, in_key=True) from None
        values = value if isinstance(value, list | tuple) else [value]
        try:
            pairs.extend(
                name if item is None else f"{name}={_escape(stringify(item))}" for item in values
            )
        except UnicodeEncodeError:
            raise UnencodableText(text, in_key=False) from None
    return "&".join(pairs)


def _escape(text: str) -> str:
    # quote() with no safe characters keeps exactly the RFC 3986 unreserved set; it encodes
    # strictly, so a lone surrogate raises UnicodeEncodeError.
    return quote(text, safe="")
