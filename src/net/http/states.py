"""The response reader's states and the one table of its transitions.

Owns every state change of `ResponseReader`: the states, the events that move between them,
and the (state, event) -> state table; imports `framing`. Why: the table reads like the
protocol, and a pair missing from it is a bug that raises instead of a silent no-op (DESIGN.md:
transitions live in one place).
"""

from __future__ import annotations

import enum

from net.http.framing import Framing


class State(enum.Enum):
    # Members are singletons: hash them by identity, in C (Enum's own hash is Python code and
    # runs several times per response).
    __hash__ = object.__hash__

    STATUS_LINE = "status line"
    FIELDS = "fields"
    LENGTH = "length-delimited body"
    UNTIL_CLOSE = "close-delimited body"
    CHUNK_SIZE = "chunk-size line"
    CHUNK_DATA = "chunk data"
    CHUNK_END = "CRLF after chunk data"
    TRAILERS = "trailers"
    DONE = "done"
    FAILED = "failed"


class On(enum.Enum):
    __hash__ = object.__hash__

    STATUS_LINE = "status line parsed"
    INTERIM_END = "interim head ended"
    HEAD_NO_BODY = "final head ended, no body"
    HEAD_LENGTH = "final head ended, length-delimited body"
    HEAD_CHUNKED = "final head ended, chunked body"
    HEAD_UNTIL_CLOSE = "final head ended, close-delimited body"
    CHUNK_HEADER = "non-zero chunk size"
    LAST_CHUNK = "zero chunk size"
    CHUNK_DATA_END = "chunk data consumed"
    CHUNK_CRLF = "CRLF after chunk data"
    BODY_END = "body ended"
    FAULT = "protocol error"


TRANSITIONS: dict[tuple[State, On], State] = {
    (State.STATUS_LINE, On.STATUS_LINE): State.FIELDS,
    (State.FIELDS, On.INTERIM_END): State.STATUS_LINE,
    (State.FIELDS, On.HEAD_NO_BODY): State.DONE,
    (State.FIELDS, On.HEAD_LENGTH): State.LENGTH,
    (State.FIELDS, On.HEAD_CHUNKED): State.CHUNK_SIZE,
    (State.FIELDS, On.HEAD_UNTIL_CLOSE): State.UNTIL_CLOSE,
    (State.LENGTH, On.BODY_END): State.DONE,
    (State.UNTIL_CLOSE, On.BODY_END): State.DONE,
    (State.CHUNK_SIZE, On.CHUNK_HEADER): State.CHUNK_DATA,
    (State.CHUNK_SIZE, On.LAST_CHUNK): State.TRAILERS,
    (State.CHUNK_DATA, On.CHUNK_DATA_END): State.CHUNK_END,
    (State.CHUNK_END, On.CHUNK_CRLF): State.CHUNK_SIZE,
    (State.TRAILERS, On.BODY_END): State.DONE,
    # Any protocol error ends the exchange for good, whatever was being read.
    **{
        (state, On.FAULT): State.FAILED
        for state in State
        if state not in (State.DONE, State.FAILED)
    },
}

#: Which event ends a final head, by framing: the body readers are picked by state.
HEAD_ENDS = {
    Framing.EMPTY: On.HEAD_LENGTH,  # a length-delimited body of 0 bytes
    Framing.NONE: On.HEAD_NO_BODY,
    Framing.TUNNEL: On.HEAD_NO_BODY,
    Framing.UPGRADE: On.HEAD_NO_BODY,
    Framing.CHUNKED: On.HEAD_CHUNKED,
    Framing.LENGTH: On.HEAD_LENGTH,
    Framing.UNTIL_CLOSE: On.HEAD_UNTIL_CLOSE,
}


def next_state(state: State, event: On) -> State:
    """The state after event; RuntimeError if the table has no such transition."""
    try:
        return TRANSITIONS[state, event]
    except KeyError:
        raise RuntimeError(f"no transition from {state.value!r} on {event.value!r}") from None
