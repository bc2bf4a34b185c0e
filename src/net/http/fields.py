"""Field sections: the field lines of a response head or of a chunked body's trailers.

Owns the field-line rules of httpclient.md §5.1 and robustness.md §3.1/§3.3 (line ends, NUL
and bare CR, token names, obs-fold joining, decoding, per-line and per-section limits);
imports `grammar`, `receive` and `errors`. Why: heads and trailers obey the same rules with
different limits, so one class reads both.
"""

from __future__ import annotations

from net.http import grammar
from net.http.errors import Fault, RemoteProtocolError, quote
from net.http.receive import Budget, ReceiveBuffer

_BLANKS = b" \t"


def line_content(line: bytes, kind: str) -> bytes:
    """Strip CRLF or a bare LF; refuse NUL and a CR that does not end the line."""
    content = line[:-2] if line.endswith(b"\r\n") else line[:-1]
    if b"\x00" in content:
        raise RemoteProtocolError(f"NUL in a {kind} line", Fault.MALFORMED)
    if b"\r" in content:
        raise RemoteProtocolError(f"CR without LF in a {kind} line", Fault.MALFORMED)
    return content


class FieldSection:
    """The field lines of one head or trailer section, read one line at a time.

    fields holds (name, value) pairs in arrival order, values edge-trimmed and folds joined
    with one space; each physical line is decoded as UTF-8, or ISO-8859-1 if it is not valid.
    """

    __slots__ = ("_count", "_kind", "_last_raw", "_line_max", "_max_fields", "budget", "fields")

    def __init__(self, kind: str, line_max: int, max_fields: int, budget: Budget) -> None:
        self._kind = kind
        self._line_max = line_max
        self._max_fields = max_fields
        self._count = 0
        self._last_raw = 0  # raw bytes of the last field with its folds; 0 before any field
        self.budget = budget
        self.fields: list[tuple[str, str]] = []

    def take_line(self, buffer: ReceiveBuffer) -> bool | None:
        """Read one line: None if it is incomplete, True if it was the empty line that ends the
        section, False if it added a field or continued one.

        A fold counts toward the limit of the field it continues. Raises RemoteProtocolError.
        """
        first = buffer.peek(1)
        if not first:
            return None
        fold = first in (b" ", b"\t") and self._last_raw > 0
        line_max = self._line_max - (self._last_raw if fold else 0)
        message = f"{self._kind} line longer than {self._line_max} bytes"
        line = buffer.budgeted_line(line_max, message, self.budget)
        if line is None:
            return None
        content = line_content(line, self._kind)
        if not content:
            return True
        if fold:
            name, value = self.fields[-1]
            joined = f"{value} {grammar.decode(content.strip(_BLANKS))}".strip(grammar.OWS)
            self.fields[-1] = (name, joined)
            self._last_raw += len(line)
            return False
        match = grammar.FIELD_LINE.fullmatch(content)
        if match is None:
            problem = "continuation" if content[:1] in (b" ", b"\t") else "invalid"
            raise RemoteProtocolError(
                f"{problem} {self._kind} line {quote(content)}", Fault.MALFORMED
            )
        self._count += 1
        if self._count > self._max_fields:
            raise RemoteProtocolError(
                f"more than {self._max_fields} {self._kind} lines", Fault.LIMIT
            )
        value = grammar.decode(match[2].strip(_BLANKS))
        self.fields.append((match[1].decode("ascii"), value))
        self._last_raw = len(line)
        return False
