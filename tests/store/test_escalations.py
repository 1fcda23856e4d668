"""Obligations on the clock in the database: opened once, found by the index when due, a rung reached
once (also when another writer moved the obligation meanwhile), acted on with an audit trail."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from lxml import etree

from gateway import paths
from gateway.errors import InputError
from gateway.lifecycle import Direction, EscalationEvent, MessageState
from gateway.node.duties import Obligations
from gateway.profiles import Channel, MessageType, load_profiles
from gateway.rules.channels import FIELD, message_channel
from gateway.rules.deadlines import running_from_receipt
from gateway.rules.fields import field_nodes
from gateway.rules.ladder import climb, first_at
from gateway.store import Signed, Store, escalations, journal, obligations, outbox, receipts, rungs, views
from gateway.store.obligations import NewObligation
from gateway.store.rungs import Step
from gateway.store.schema import escalations as escalation_table
from gateway.wire.envelope import body_of
from gateway.wire.parsing import parse
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


def consultation(channel: Channel) -> tuple[MessageType, etree._Element, bytes]:
    """A consultation request (Art. 23(3), 48: AB or DIP) whose sender chose *channel*, and its bytes."""
    message_type = PROFILE.types["consultation-request"]
    root = parse((paths.SAMPLES / PROFILE.id / "consultation-request.xml").read_bytes())
    body = body_of(root)
    [node] = field_nodes(body, FIELD)
    node.text = channel.wire
    return message_type, body, etree.tostring(root)


@pytest.mark.parametrize(
    ("channel", "second"), [(Channel.DIP, "diplomatic"), (Channel.AB, "border-representative")]
)
def test_an_obligation_climbs_the_ladder_of_the_channel_its_notice_travelled_on(
    store: Store, channel: Channel, second: str
) -> None:
    """A two-channel type sent on DIP is stored with DIP, and climbs the DIP ladder (no border
    representative between the duty operator and the diplomatic level); on AB, the AB one. The
    receipt obligation its sending opens carries the channel, and the peer's receipt reads it back,
    so the reply the receipt opens climbs the same ladder."""
    message_type, body, payload = consultation(channel)
    travelled = message_channel(message_type, body)
    message_id = str(uuid.uuid4())
    duties = Obligations("KZ").sent(
        PROFILE, message_type, message_id, "UZ", body, None, NOW, channel=travelled
    )
    store.write(
        outbox.add, Signed(message_id, payload, "a" * 64, NOW), peer="UZ", profile=PROFILE.id,
        message_type=message_type.name, submission_key=None, at=NOW, duties=duties,
    )  # fmt: skip
    sent = store.read(receipts.sent, message_id)
    assert sent is not None and sent.channel == channel.value
    [receipt] = store.read(obligations.due, NOW + timedelta(days=30), 10)
    assert (receipt.duty, receipt.channel) == ("receipt", channel.value)
    ladder = PROFILE.ladder_of(receipt.type, receipt.channel)  # as the sweep reads it
    assert ladder == PROFILE.ladder_for(message_type, channel)
    first = climb(ladder, receipt.level, receipt.next_at or NOW)
    assert len(store.write(rungs.reach, [(receipt, first)])) == 1
    [again] = store.read(obligations.due, NOW + timedelta(days=30), 10)
    assert ladder.rungs[again.level + 1].level == second
    [reply] = Obligations("KZ").acknowledged(
        PROFILE, message_id, "UZ", sent.type, NOW, sent.payload, Channel(sent.channel)
    ).opens  # fmt: skip
    assert reply.channel is channel
