"""Receipts of our notices: the facts a receipt is matched against, and its record once decided.

The node reads what it sent (`sent`), decides outside the database what the receipt means
(delivered or refused, what the peer now owes), then records that decision here. The write is guarded
by the lifecycle: if the notice moved on since it was read (another receipt was recorded first, by
this process or another), nothing is written and the caller reads again.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, bindparam, null, select, update

from gateway.lifecycle import OUTBOX, Direction, MessageEvent, MessageState
from gateway.store import journal
from gateway.store.obligations import Duties, replaced, settle
from gateway.store.schema import messages, obligations, receipts
from gateway.store.sql import Prepared, const, consts
from gateway.store.times import naive
from gateway.store.unit import Tx
from gateway.wire.envelope import RECEIPT_TYPE

_OURS = (messages.c.direction == const(Direction.OUT)) & (messages.c.message_id == bindparam("b_id"))
# The channel the notice travelled on, as stored with the receipt obligation its sending opened.
_CHANNEL = (
    select(obligations.c.channel)
    .where(
        (obligations.c.message_id == messages.c.message_id)
        & (obligations.c.direction == const(Direction.OUT))
        & (obligations.c.duty == const("receipt"))
    )
    .limit(1)
    .scalar_subquery()
)
_SENT = Prepared(
    select(
        messages.c.state,
        messages.c.peer,
        messages.c.digest,
        messages.c.type,
        messages.c.payload,
        _CHANNEL,
        messages.c.profile,
    ).where(_OURS & (messages.c.type != const(RECEIPT_TYPE)))
)
_INSERT = Prepared(receipts.insert(), keys=[c.name for c in receipts.columns if c.name != "seq"])


def _move(event: MessageEvent) -> Prepared:
    return Prepared(
        update(messages)
        .where(_OURS & messages.c.state.in_(consts(OUTBOX.sources(event))))
        .values(
            state=const(OUTBOX.target(event)),
            receipt_status=bindparam("b_status"),
            next_attempt_at=null(),
            reasons=bindparam("b_reasons"),
            updated_at=bindparam("b_at"),
        )
    )


_MOVES = {event: _move(event) for event in (MessageEvent.RECEIPTED, MessageEvent.REFUSED)}


@dataclass(frozen=True)
class Sent:
    """A notice of ours, as a receipt for it finds it."""

    state: MessageState
    peer: str
    digest: str
    type: str
    payload: bytes
    channel: str | None = None  # the channel it travelled on (None: not stored, the type's first)
    profile: str = ""


@dataclass(frozen=True)
class Acknowledged:
    """The peer's receipt of our notice, decided: what it does to the notice and to obligations."""

    message_id: str
    receipt_id: str
    status: str
    reasons: tuple[str, ...]
    digest_ok: bool
    event: MessageEvent  # RECEIPTED or REFUSED
    payload: bytes  # the receipt's signed bytes
    received_at: datetime  # the peer's signed time of receipt: the treaty's clocks run from it
    duties: Duties


def sent(conn: Connection, message_id: str) -> Sent | None:
    row = _SENT.first(conn, {"b_id": message_id})
    if row is None:
        return None
    channel = str(row[5]) if row[5] is not None else None
    return Sent(
        MessageState(row[0]), str(row[1]), str(row[2]), str(row[3]), bytes(row[4]), channel, str(row[6])
    )


def record(tx: Tx, ack: Acknowledged, peer: str, at: datetime) -> bool:
    """Record *ack*: the notice's new state, the receipt, the obligations it opens and closes, the log
    entry. False: what the decision read has changed since — the notice moved on, or a later notice
    replaced it (so the reply it would open is owed no more) — and nothing was written."""
    if ack.duties.opens and replaced(tx.conn, ack.message_id):
        return False
    reasons = json.dumps(list(ack.reasons)) if ack.reasons else None
    params = {"b_id": ack.message_id, "b_status": ack.status, "b_reasons": reasons, "b_at": naive(at)}
    if _MOVES[ack.event].run(tx.conn, params).rowcount != 1:
        return False
    _INSERT.run(
        tx.conn,
        {
            "direction": Direction.IN.value,
            "message_id": ack.message_id,
            "receipt_id": ack.receipt_id,
            "status": ack.status,
            "reasons": reasons,
            "payload": ack.payload,
            "at": naive(ack.received_at),
        },
    )
    told = settle(
        tx, ack.duties, answered=Direction.OUT, by=ack.receipt_id, peer=peer, at=at, about=ack.message_id
    )
    detail = {
        "receipt_id": ack.receipt_id,
        "status": ack.status,
        "digest_ok": ack.digest_ok,
        "reasons": list(ack.reasons),
        **told,
    }
    journal.append(tx, at, "receipt-received", ack.message_id, peer, detail)
    return True


def duplicate(tx: Tx, message_id: str, receipt_id: str, peer: str, at: datetime) -> None:
    """A receipt for a notice whose receipt is already recorded: noted, nothing changes."""
    journal.append(tx, at, "receipt-duplicate", message_id, peer, {"receipt_id": receipt_id})
