"""The lifecycle of what the node stores, as data: directions, states and the transitions between them.

Every value is the stored value (the database's CHECK constraints list the same ones). Every state
change of a message, an obligation or an escalation goes through one of the machines below: the
store writes ``SET state = machine.target(event) WHERE state IN machine.sources(event)``, so a change
the table does not allow never happens, whoever writes the database (h11's ``_state.py`` and kombu's
``message.py`` keep their protocol states the same way). Pure: tested without a broker or database.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from gateway.errors import GatewayError
from gateway.reasons import Reason


class Direction(enum.StrEnum):
    OUT = "out"  # what we sent (the outbox) | an obligation the peer owes us
    IN = "in"  # what we received (the inbox) | an obligation we owe the peer


class MessageState(enum.StrEnum):
    # outbound (notices and our receipts)
    QUEUED = "queued"  # in the outbox, due for publication
    RETRY = "retry"  # a publication failed; due again at next_attempt_at
    SENT = "sent"  # the broker confirmed it; a notice awaits the peer's receipt (re-sent while none comes)
    DELIVERED = "delivered"  # out: the peer's positive receipt of our exact bytes | in: handed over
    REFUSED = "refused"  # out: the peer's negative receipt, or a receipt of other bytes
    UNRECEIPTED = "unreceipted"  # out: every allowed send done, no receipt came
    # inbound
    RECEIVED = "received"  # recorded and receipted, not yet handed over to the national system


class MessageEvent(enum.StrEnum):
    CONFIRMED = "confirmed"  # the broker confirmed a publication
    PUBLISH_FAILED = "publish-failed"  # nack, return, timeout or no broker: publish again later
    RECEIPTED = "receipted"  # the peer's positive receipt, carrying the digest of what we sent
    REFUSED = "refused"  # the peer's negative receipt, or one carrying another digest
    GAVE_UP = "gave-up"  # every allowed send is done and no receipt came
    ASKED_AGAIN = "asked-again"  # the peer sent its notice again: our receipt goes out again
    HANDED_OVER = "handed-over"  # an inbound notice reached the national inbox


class ObligationState(enum.StrEnum):
    OPEN = "open"
    CLOSED = "closed"  # answered: the receipt, the reply or the execution report came
    SUPERSEDED = "superseded"  # its notice was replaced by a later one
    CANCELLED = "cancelled"  # its notice was called off


class ObligationEvent(enum.StrEnum):
    ANSWERED = "answered"
    SUPERSEDED = "superseded"
    CANCELLED = "cancelled"


class EscalationState(enum.StrEnum):
    OPEN = "open"
    ACKNOWLEDGED = "acknowledged"
    RESOLVED = "resolved"


class EscalationEvent(enum.StrEnum):
    ACKNOWLEDGE = "acknowledge"  # the person on duty has seen it
    RESOLVE = "resolve"  # settled, with a note


class DraftState(enum.StrEnum):
    DRAFTED = "drafted"  # composed on the console, awaiting a second operator's approval
    APPROVED = "approved"  # approved by another operator and submitted: signed, in the outbox
    WITHDRAWN = "withdrawn"  # never sent


class DraftEvent(enum.StrEnum):
    APPROVE = "approve"
    WITHDRAW = "withdraw"


S = TypeVar("S", bound=enum.StrEnum)
E = TypeVar("E", bound=enum.StrEnum)


class TransitionError(GatewayError):
    """A state change the lifecycle does not allow."""


@dataclass(frozen=True)
class Machine(Generic[S, E]):
    """A transition table: for each event, the states it may start from and the one state it leads to
    (one target per event, so a guarded UPDATE can apply it to any allowed row)."""

    name: str
    initial: frozenset[S]
    edges: Mapping[E, tuple[frozenset[S], S]]
    reason: Reason = Reason.STATE_TRANSITION_INVALID  # the code of a refused change
    states: frozenset[S] = field(init=False)

    def __post_init__(self) -> None:
        reachable = set(self.initial)
        for sources, target in self.edges.values():
            reachable |= sources | {target}
        object.__setattr__(self, "states", frozenset(reachable))

    def sources(self, event: E) -> frozenset[S]:
        return self.edges[event][0] if event in self.edges else frozenset()

    def target(self, event: E) -> S:
        return self.edges[event][1]

    def allows(self, state: S, event: E) -> bool:
        return state in self.sources(event)

    def next(self, state: S, event: E) -> S:
        """The state *event* leads to from *state*, or a coded TransitionError."""
        if event not in self.edges:
            raise TransitionError(f"{self.name} is {state}: it never takes {event}", reason=self.reason)
        sources, target = self.edges[event]
        if state not in sources:
            allowed = ", ".join(sorted(sources))
            raise TransitionError(
                f"{self.name} is {state}: it cannot take {event} (only from: {allowed})", reason=self.reason
            )
        return target


def _from(*states: S) -> frozenset[S]:
    return frozenset(states)


M = MessageState
_AWAITING = _from(M.QUEUED, M.RETRY, M.SENT, M.UNRECEIPTED)  # a receipt may still come

# Outbound rows: our notices and our receipts. A receipt may come for a notice whose confirm was
# never recorded (queued, retry) or after the re-sends stopped (unreceipted).
OUTBOX: Machine[MessageState, MessageEvent] = Machine(
    "outbound message",
    initial=_from(M.QUEUED),
    edges={
        MessageEvent.CONFIRMED: (_from(M.QUEUED, M.RETRY, M.SENT), M.SENT),
        MessageEvent.PUBLISH_FAILED: (_from(M.QUEUED, M.RETRY, M.SENT), M.RETRY),
        MessageEvent.RECEIPTED: (_AWAITING, M.DELIVERED),
        MessageEvent.REFUSED: (_AWAITING, M.REFUSED),
        MessageEvent.GAVE_UP: (_from(M.SENT), M.UNRECEIPTED),
        MessageEvent.ASKED_AGAIN: (_from(M.QUEUED, M.RETRY, M.SENT), M.QUEUED),
    },
)

INBOX: Machine[MessageState, MessageEvent] = Machine(
    "inbound message",
    initial=_from(M.RECEIVED),
    edges={MessageEvent.HANDED_OVER: (_from(M.RECEIVED), M.DELIVERED)},
)

MESSAGES: Mapping[Direction, Machine[MessageState, MessageEvent]] = {
    Direction.OUT: OUTBOX,
    Direction.IN: INBOX,
}

OB = ObligationState
OBLIGATIONS: Machine[ObligationState, ObligationEvent] = Machine(
    "obligation",
    initial=_from(OB.OPEN),
    edges={
        ObligationEvent.ANSWERED: (_from(OB.OPEN), OB.CLOSED),
        ObligationEvent.SUPERSEDED: (_from(OB.OPEN), OB.SUPERSEDED),
        ObligationEvent.CANCELLED: (_from(OB.OPEN), OB.CANCELLED),
    },
)

X = EscalationState
ESCALATIONS: Machine[EscalationState, EscalationEvent] = Machine(
    "escalation",
    initial=_from(X.OPEN),
    edges={
        EscalationEvent.ACKNOWLEDGE: (_from(X.OPEN), X.ACKNOWLEDGED),
        EscalationEvent.RESOLVE: (_from(X.OPEN, X.ACKNOWLEDGED), X.RESOLVED),
    },
    reason=Reason.ESCALATION_TRANSITION_INVALID,
)


D = DraftState
# A notice composed on the console for a link with second approval (diplomatic channel): one operator
# drafts, another approves (and only then is it signed and sent), or it is withdrawn.
DRAFTS: Machine[DraftState, DraftEvent] = Machine(
    "draft",
    initial=_from(D.DRAFTED),
    edges={
        DraftEvent.APPROVE: (_from(D.DRAFTED), D.APPROVED),
        DraftEvent.WITHDRAW: (_from(D.DRAFTED), D.WITHDRAWN),
    },
    reason=Reason.DRAFT_TRANSITION_INVALID,
)


def values(states: Iterable[enum.StrEnum]) -> list[str]:
    """The stored values, sorted (for CHECK constraints and IN lists)."""
    return sorted(str(state) for state in states)
