"""The lifecycle as a transition table, tested exhaustively and without a broker or a database: every
allowed transition leads where the specification below says, every other (state, event) pair is
refused with the machine's reason code. The specification is written out here, independently of the
table in gateway/lifecycle.py."""

from __future__ import annotations

import itertools

import pytest

from gateway.lifecycle import (
    ESCALATIONS,
    INBOX,
    OBLIGATIONS,
    OUTBOX,
    Direction,
    EscalationEvent,
    MessageEvent,
    MessageState,
    ObligationEvent,
    ObligationState,
    TransitionError,
)
from gateway.reasons import Reason
from gateway.store import schema

M, E = MessageState, MessageEvent
AWAITING_RECEIPT = (M.QUEUED, M.RETRY, M.SENT, M.UNRECEIPTED)
OUTBOX_SPEC = {
    **{(s, E.CONFIRMED): M.SENT for s in (M.QUEUED, M.RETRY, M.SENT)},
    **{(s, E.PUBLISH_FAILED): M.RETRY for s in (M.QUEUED, M.RETRY, M.SENT)},
    **{(s, E.RECEIPTED): M.DELIVERED for s in AWAITING_RECEIPT},
    **{(s, E.REFUSED): M.REFUSED for s in AWAITING_RECEIPT},
    (M.SENT, E.GAVE_UP): M.UNRECEIPTED,
    **{(s, E.ASKED_AGAIN): M.QUEUED for s in (M.QUEUED, M.RETRY, M.SENT)},
}
INBOX_SPEC = {(M.RECEIVED, E.HANDED_OVER): M.DELIVERED}
OS, OE = ObligationState, ObligationEvent
OBLIGATION_SPEC = {
    (OS.OPEN, OE.ANSWERED): OS.CLOSED,
    (OS.OPEN, OE.SUPERSEDED): OS.SUPERSEDED,
    (OS.OPEN, OE.CANCELLED): OS.CANCELLED,
}
XE = EscalationEvent
ESCALATION_SPEC = {
    ("open", XE.ACKNOWLEDGE): "acknowledged",
    ("open", XE.RESOLVE): "resolved",
    ("acknowledged", XE.RESOLVE): "resolved",
}
CASES = [
    (OUTBOX, OUTBOX_SPEC, MessageEvent, Reason.STATE_TRANSITION_INVALID),
    (INBOX, INBOX_SPEC, MessageEvent, Reason.STATE_TRANSITION_INVALID),
    (OBLIGATIONS, OBLIGATION_SPEC, ObligationEvent, Reason.STATE_TRANSITION_INVALID),
    (ESCALATIONS, ESCALATION_SPEC, EscalationEvent, Reason.ESCALATION_TRANSITION_INVALID),
]


def every_pair() -> list[tuple[object, object, object, object, object]]:
    """Every state of the enum the machine keeps, with every event of its kind (those the machine
    never takes included)."""
    pairs = []
    for machine, _spec, events, reason in CASES:
        kind = type(next(iter(machine.states)))
        pairs += [(machine, _spec, s, e, reason) for s, e in itertools.product(kind, events)]
    return pairs


@pytest.mark.parametrize(("machine", "spec", "state", "event", "reason"), every_pair())
def test_every_state_and_event(machine, spec, state, event, reason) -> None:  # type: ignore[no-untyped-def]
    expected = spec.get((state, event))
    if expected is None:
        assert not machine.allows(state, event)
        with pytest.raises(TransitionError) as refused:
            machine.next(state, event)
        assert refused.value.reason is reason and str(state) in refused.value.message
    else:
        assert machine.allows(state, event)
        assert machine.next(state, event) == expected


@pytest.mark.parametrize(("machine", "spec"), [(case[0], case[1]) for case in CASES])
def test_the_table_is_exactly_the_specification(machine, spec) -> None:  # type: ignore[no-untyped-def]
    allowed = {
        (state, event): machine.target(event) for event in machine.edges for state in machine.sources(event)
    }
    assert allowed == spec


def test_every_event_of_the_messages_has_one_machine() -> None:
    assert set(OUTBOX.edges) | set(INBOX.edges) == set(MessageEvent)
    assert not set(OUTBOX.edges) & set(INBOX.edges)


def test_the_database_constraints_list_exactly_the_lifecycle_values() -> None:
    assert schema.DIRECTION_CHECK == "direction IN ('in', 'out')"
    assert {d.value for d in Direction} == {"in", "out"}
    for machine, check in (
        (OUTBOX, schema.MESSAGE_STATE_CHECK.split(" OR ")[0]),
        (INBOX, schema.MESSAGE_STATE_CHECK.split(" OR ")[1]),
        (OBLIGATIONS, schema.OBLIGATION_STATE_CHECK),
        (ESCALATIONS, schema.ESCALATION_STATE_CHECK),
    ):
        listed = {part.strip(" ')(") for part in check.split("IN (")[1].split(",")}
        assert listed == {str(state) for state in machine.states}, machine.name
