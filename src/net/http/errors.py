"""Typed protocol errors of the HTTP/1.1 core.

Owns the exception types the core raises and the helper that quotes peer bytes safely; imports
only the standard library. Why: the core never logs and never knows engine error codes. It
raises, saying who broke the protocol (the caller's request, or the peer) and which failure
class it is, and the HTTPClient shim maps that to one `Error` code, one status and one log line.
"""

from __future__ import annotations

import enum

#: How many bytes of peer input an error message may quote (robustness.md §1.8).
_QUOTE_MAX = 32


class Fault(enum.Enum):
    """The failure class of robustness.md §1 an error belongs to."""

    INVALID_REQUEST = "A"  # the caller's request breaks a rule; nothing may be written
    MALFORMED = "D"  # the peer's bytes break the grammar or the framing rules
    LIMIT = "E"  # the peer crossed a size or count limit
    TRUNCATED = "F"  # the peer closed the connection in the middle of a message


class RequestRule(enum.Enum):
    """Which check of httpclient.md §4.1 (and robustness.md §2) a request failed."""

    METHOD = "method"
    TARGET = "target"
    HEADER = "header"
    HOST = "host"
    BODY_FRAMING = "body framing"


class ProtocolError(Exception):
    """Abstract base: an HTTP/1.1 rule was broken. Catch this; raise a subclass.

    Attributes:
        message: a short sentence naming the rule or limit; never holds request header values.
        fault: the failure class.
    """

    def __init__(self, message: str, fault: Fault) -> None:
        if type(self) is ProtocolError:
            raise TypeError("ProtocolError is abstract; raise a subclass")
        super().__init__(message)
        self.message = message
        self.fault = fault


class LocalProtocolError(ProtocolError):
    """The caller's request is invalid; it was not serialised.

    Attributes:
        rule: the check that failed.
        index: for a header or Host rule, the position of the offending header string, else
            None.
    """

    def __init__(self, message: str, rule: RequestRule, index: int | None = None) -> None:
        super().__init__(message, Fault.INVALID_REQUEST)
        self.rule = rule
        self.index = index


class RemoteProtocolError(ProtocolError):
    """The peer broke the protocol, crossed a limit or closed early.

    Attributes:
        partial: body bytes decoded by the failing read before the fault (`b""` for head errors);
            the read hands them to the script before it reports the failure.
        received, expected: for a truncated body of known size, how many bytes arrived and how
            many were due (both None otherwise).
    """

    def __init__(
        self,
        message: str,
        fault: Fault,
        *,
        received: int | None = None,
        expected: int | None = None,
    ) -> None:
        super().__init__(message, fault)
        self.partial = b""
        self.received = received
        self.expected = expected


def quote(data: bytes) -> str:
    """Render at most 32 bytes of peer input for a message, control bytes escaped.

    Python's bytes repr spells CR, LF, NUL and every non-printable byte as an escape, so a
    server cannot forge a log line through an error message.
    """
    text = repr(data[:_QUOTE_MAX])[2:-1]
    return f'"{text}..."' if len(data) > _QUOTE_MAX else f'"{text}"'
