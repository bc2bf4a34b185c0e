"""What the response reader hands out: the final head and body pieces.

Owns two plain, immutable records; imports `framing`. Why: events cross from the core to the
HTTPClient shim on every poll and read, so they are slotted dataclasses, validated by the
parser that builds them and by nothing else. They are not frozen (a frozen dataclass pays
for an ``object.__setattr__`` per field on every read); nothing changes them once built.
"""

from __future__ import annotations

from dataclasses import dataclass

from net.http.framing import BODY_FRAMINGS, Framing


@dataclass(slots=True)
class Head:
    """A final response head.

    fields are (name, value) pairs in arrival order, values edge-trimmed, folds joined with
    one space, each line decoded as UTF-8 or else ISO-8859-1. length is the value of
    get_response_body_length. te_with_cl asks the caller to log a warning: the body is chunked
    but also carried a Content-Length, which was ignored, and the connection will not be reused.
    """

    status: int
    http_minor: int
    reason: str
    fields: tuple[tuple[str, str], ...]
    framing: Framing
    length: int
    te_with_cl: bool

    @property
    def chunked(self) -> bool:
        """The value of is_response_chunked."""
        return self.framing is Framing.CHUNKED

    @property
    def has_body(self) -> bool:
        """Whether the client enters STATUS_BODY (an EMPTY body still takes one read)."""
        return self.framing in BODY_FRAMINGS


@dataclass(slots=True)
class Body:
    """One body read: the decoded bytes, and whether this read consumed the end of the body."""

    data: bytes
    end: bool
