"""The HTTP/1.1 grammar pieces shared by the request writer and the response reader.

Owns the compiled patterns (token, field line, status line, chunk-size line, Content-Length
element) and the small parsers of list-valued fields; imports only `re` and `limits`. Why: one
definition of each rule, applied to whole lines or values by compiled patterns, never by a
Python loop per byte. The parsers here return None for invalid input and leave the choice of
error type to the caller, since the same rule is the caller's fault in a request and the peer's
in a response.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from net.http import limits

#: RFC 9110 §5.6.2 tchar: the bytes a field name or method token is made of.
_TCHAR = r"!#$%&'*+\-.^_`|~0-9A-Za-z"

#: A whole field name (str side, used for caller header strings).
TOKEN = re.compile(f"[{_TCHAR}]+")

#: A response field line without its line end: name, colon, raw value (still with its OWS).
FIELD_LINE = re.compile(f"([{_TCHAR}]+):(.*)".encode(), re.DOTALL)

#: A status line without its line end: HTTP/1.minor SP 3DIGIT (100-999) [SP reason].
STATUS_LINE = re.compile(rb"HTTP/1\.([0-9]) ([1-9][0-9]{2})(?: (.*))?", re.DOTALL)

#: A whole final head as text, CRLF line ends only, no NUL, no fold: the status line (status
#: 200-999, an optional reason), then group 4 holds every field line with its CRLF.
ORDINARY_HEAD = re.compile(
    rf"HTTP/1\.([0-9]) ([2-9][0-9]{{2}})(?: ([^\r\n\x00]*))?\r\n"
    rf"((?:[{_TCHAR}]+:[^\r\n\x00]*\r\n)*)\r\n"
)

#: A chunk-size line without its CRLF: hex size, optional blanks, optional extensions that may
#: hold any byte but CR, LF and NUL (RFC 9112 §7.1.1, BWS before ";" allowed).
CHUNK_SIZE_LINE = re.compile(
    rb"([0-9A-Fa-f]{1,%d})[ \t]*(;[^\r\n\x00]*)?" % limits.CHUNK_SIZE_DIGITS_MAX, re.DOTALL
)

#: A complete, well-formed chunk-size line with its CRLF, matched in place in the buffer.
CHUNK_SIZE_CRLF = re.compile(
    rb"([0-9A-Fa-f]{1,%d})[ \t]*(;[^\r\n\x00]*)?\r\n" % limits.CHUNK_SIZE_DIGITS_MAX
)

#: The CRLF that ends chunk data, then a complete, well-formed chunk-size line.
CHUNK_END_AND_SIZE = re.compile(b"\r\n" + CHUNK_SIZE_CRLF.pattern)

#: A chunk-size line as we may send it (a caller-framed body), with its CRLF: 1-16 hex digits,
#: then extensions ";name" or ";name=value" (a token or a quoted-string), nothing else, no BWS.
CHUNK_SIZE_LINE_SENT = re.compile(
    rb'([0-9A-Fa-f]{1,%d})(?:;[%s]+(?:=(?:[%s]+|"(?:[\t \x21\x23-\x5b\x5d-\x7e\x80-\xff]'
    rb'|\\[\t \x21-\x7e\x80-\xff])*"))?)*\r\n'
    % (limits.CHUNK_SIZE_DIGITS_MAX, _TCHAR.encode(), _TCHAR.encode())
)

#: A trailer field line as we may send it, with its CRLF: a token, a colon, then a value of
#: visible bytes, SP and HTAB (no other control byte, so no CR, LF, NUL or fold).
TRAILER_LINE_SENT = re.compile(rb"[%s]+:[\t\x20-\x7e\x80-\xff]*\r\n" % _TCHAR.encode())

#: One Content-Length element: ASCII digits only (str.isdigit and int() accept far more).
_LENGTH_ELEMENT = re.compile(f"[0-9]{{1,{limits.CONTENT_LENGTH_DIGITS_MAX}}}", re.ASCII)

#: Optional whitespace around field values and list elements (RFC 9110 §5.6.3).
OWS = " \t"


def decode(data: bytes) -> str:
    """Read one line as UTF-8, or as ISO-8859-1 when it is not valid UTF-8 (nothing is lost)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def content_length(values: Iterable[str]) -> int | None:
    """The length all Content-Length values agree on, or None if any element is invalid.

    Every comma element of every value must be the same 1-19 digit string of at most 2**63-1;
    `7, 7` means 7, while `7` and `07` on two lines disagree (robustness.md §3.5).
    """
    if isinstance(values, list) and len(values) == 1:
        value = values[0]  # the usual case: one plain number
        if value.isascii() and value.isdigit() and len(value) <= limits.CONTENT_LENGTH_DIGITS_MAX:
            length = int(value)
            return length if length <= limits.LENGTH_VALUE_MAX else None
    seen: set[str] = set()
    for value in values:
        for element in value.split(","):
            digits = element.strip(OWS)
            if not _LENGTH_ELEMENT.fullmatch(digits):
                return None
            seen.add(digits)
    if len(seen) != 1:
        return None
    length = int(seen.pop())
    return length if length <= limits.LENGTH_VALUE_MAX else None


def tokens(values: Iterable[str]) -> list[str]:
    """Join list-valued field values, split on commas, trim, lower-case and drop empty elements."""
    elements = ",".join(values).split(",")
    return [item for item in (element.strip(OWS).lower() for element in elements) if item]
