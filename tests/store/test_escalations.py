"""Obligations on the clock in the database: opened once, found by the index when due, a rung reached
once (also when another writer moved the obligation meanwhile), acted on with an audit trail."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest

from gateway.errors import InputError
from gateway.lifecycle import Direction, EscalationEvent, MessageState
from gateway.profiles import load_profiles
from gateway.rules.deadlines import running_from_receipt
from gateway.rules.ladder import climb, first_at
from gateway.store import Signed, Store, escalations, journal, obligations, rungs, views
from gateway.store.obligations import NewObligation
from gateway.store.rungs import Step
from gateway.store.schema import escalations as escalation_table
from tests.store.conftest import NOW, logged, outbound

PROFILE = load_profiles()["kz-uz-border-2024"]
PROPOSAL = PROFILE.types["joint-meeting-proposal"]  # Art. 40(1): reply within 48 h (text)
LADDER = PROFILE.ladder_for(PROPOSAL)
[DEADLINE] = running_from_receipt(PROPOSAL, NOW)


def owed(message_id: str) -> NewObligation:
    return NewObligation(
        Direction.OUT,
        message_id,
        "UZ",
        PROFILE.id,
        PROPOSAL.name,
        "UZ",
        DEADLINE,
        first_at(LADDER, DEADLINE.due_at),
    )


def test_obligations_open_once_sweep_by_index_climb_once_and_close(store: Store) -> None:
    new = [owed(str(uuid.uuid4())) for _ in range(3)]
    store.write(obligations.open_obligations, new, NOW)
    store.write(obligations.open_obligations, new, NOW)  # a re-send or a restart: nothing opens twice
    due_at = NOW + timedelta(hours=48)
    assert store.read(obligations.due, due_at - timedelta(seconds=1), 10) == []
    found = store.read(obligations.due, due_at, 10)
    assert len(found) == 3 and all(item.level == -1 and item.due_at == due_at for item in found)
    closed = store.write(
        obligations.close, new[0].message_id, "r", due_at, direction=Direction.OUT, duty="reply"
    )
    assert closed == [found[0].id]
    pairs = [(item, climb(LADDER, item.level, due_at)) for item in found]
    moved = store.write(rungs.reach, pairs)
    assert [item for item, _ in moved] == found[1:], "the closed one is not escalated: it moved on"
    assert store.write(rungs.reach, pairs) == [], "a rung is reached once: a stale sweep changes nothing"
    assert store.read(obligations.due, due_at + timedelta(hours=3), 10) == []  # next rung after 4 h
    later = store.read(obligations.due, due_at + timedelta(hours=4), 10)
    assert [item.level for item in later] == [0, 0]
    with store.reading() as conn:
        rows = conn.execute(escalation_table.select().order_by(escalation_table.c.id)).all()
    assert [(row.rung, row.level, row.state) for row in rows] == [(0, "duty-operator", "open")] * 2


def test_an_escalation_is_recorded_once_and_acted_on_with_an_audit_trail(store: Store) -> None:
    message_id, _ = outbound(store)
    store.write(obligations.open_obligations, [owed(message_id)], NOW)
    late = DEADLINE.due_at + timedelta(seconds=1)
    [due] = store.read(obligations.due, late, 10)
    reminder = Signed(str(uuid.uuid4()), b"<signed-reminder/>", "d" * 64, late)
    step = Step(due, climb(LADDER, due.level, late), reminder=reminder)
    [done] = store.write(rungs.escalate, [step], late)
    assert (done.climb.rung.level, done.reminder_id) == ("duty-operator", reminder.document_id)
    assert store.write(rungs.escalate, [step], late) == [], (
        "the same rung again records nothing, sends nothing"
    )
    assert store.read(views.message_state, Direction.OUT, reminder.document_id) is MessageState.QUEUED
    evidence = store.read(escalations.evidence, message_id)
    assert [role for role, _, _ in evidence.documents] == ["notice", "reminder"]
    assert [entry[2] for entry in evidence.timeline] == ["queued", "escalated", "queued"]
    [pending] = store.read(
        escalations.unannounced, 10
    )  # its event is not confirmed yet: every sweep offers it
    assert (pending.id, pending.level, pending.direction, pending.next_at, pending.sent_id) == (
        done.id,
        "duty-operator",
        "out",
        done.climb.next_at,
        reminder.document_id,
    )
    store.write(escalations.announced, [done.id], late)
    assert store.read(escalations.unannounced, 10) == []
    assert store.read(escalations.listing)[0].announced_at == late
    _act_on(store, done.id, message_id, late)


def _act_on(store: Store, escalation_id: int, message_id: str, late: object) -> None:
    with pytest.raises(InputError) as refused:
        store.write(
            escalations.act, escalation_id + 100, EscalationEvent.ACKNOWLEDGE, None, "duty officer", late
        )  # type: ignore[arg-type]
    assert refused.value.reason.value == "escalation-unknown"
    note = "calling the UZ duty officer"
    acked = store.write(
        escalations.act, escalation_id, EscalationEvent.ACKNOWLEDGE, note, "duty officer", late
    )  # type: ignore[arg-type]
    assert (acked.state, acked.acted_by) == ("acknowledged", "duty officer")
    with pytest.raises(Exception) as twice:
        store.write(escalations.act, escalation_id, EscalationEvent.ACKNOWLEDGE, None, "someone", late)  # type: ignore[arg-type]
    assert twice.value.reason.value == "escalation-transition-invalid"  # type: ignore[attr-defined]
    note = "UZ confirmed by phone; reply follows"
    resolved = store.write(escalations.act, escalation_id, EscalationEvent.RESOLVE, note, "chief", late)  # type: ignore[arg-type]
    assert (resolved.state, resolved.note, resolved.obligation_state) == ("resolved", note, "open")
    entries = [e for e in logged(store) if e.event.startswith("escalation-")]
    assert [(e.event, e.message_id) for e in entries] == [
        ("escalation-acknowledged", message_id),
        ("escalation-resolved", message_id),
    ]
    assert '"by":"chief"' in entries[1].detail
    assert store.read(journal.verify)[1] is None
