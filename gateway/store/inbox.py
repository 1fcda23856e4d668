"""The inbox: what the peer sent us, deduplicated in the database, with the receipt we owe for it.

A message id is recorded once (a unique key per direction): recording it again writes nothing and
returns what is stored, so the node can tell the same bytes again (answered with the same receipt,
never handed over twice) from other bytes under the same id (a conflict). Every state change goes
through `lifecycle.INBOX`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from gateway.lifecycle import INBOX, Direction, MessageEvent, MessageState
from gateway.store import journal, outbox
from gateway.store.obligations import Duties, settle
from gateway.store.rows import OutgoingReceipt, message_row
from gateway.store.schema import messages, receipts
from gateway.store.sql import Prepared, const, consts
from gateway.store.times import naive
from gateway.store.unit import Tx

_COLUMNS = [column.name for column in messages.columns if column.name != "seq"]
_INSERT_NEW = {
    "postgresql": Prepared(postgresql.insert(messages).on_conflict_do_nothing(), keys=_COLUMNS),
    "sqlite": Prepared(sqlite.insert(messages).on_conflict_do_nothing(), keys=_COLUMNS),
}
_INSERT_RECEIPT = Prepared(receipts.insert(), keys=[c.name for c in receipts.columns if c.name != "seq"])
_STORED = Prepared(
    select(messages.c.digest, messages.c.state, receipts.c.receipt_id)
    .select_from(messages)
    .outerjoin(
        receipts,
        (receipts.c.direction == const(Direction.OUT)) & (receipts.c.message_id == messages.c.message_id),
    )
    .where((messages.c.direction == const(Direction.IN)) & (messages.c.message_id == bindparam("b_id")))
)
_HANDED_OVER = Prepared(
    update(messages)
    .where(messages.c.direction == const(Direction.IN))
    .where(messages.c.message_id == bindparam("b_id"))
    .where(messages.c.state.in_(consts(INBOX.sources(MessageEvent.HANDED_OVER))))
    .values(state=const(INBOX.target(MessageEvent.HANDED_OVER)), updated_at=bindparam("b_at"))
)


@dataclass(frozen=True)
class Stored:
    """What the inbox already holds under a message id."""

    digest: str
    state: MessageState
    receipt_id: str | None


@dataclass(frozen=True)
class Arrival:
    """A verified notice from the peer, as recorded: with its signed receipt and what it does to
    obligations."""

    message_id: str
    peer: str
    profile: str
    type: str
    created_at: datetime
    digest: str
    payload: bytes
    receipt: OutgoingReceipt
    warnings: tuple[str, ...]
    duties: Duties | None = None
    in_reply_to: str | None = None  # the message its header says it answers


def record(tx: Tx, arrival: Arrival, at: datetime) -> Stored | None:
    """Record *arrival*, queue its receipt and settle its obligations; None when recorded. When a
    message is stored under its id already, nothing is written and what is stored is returned."""
    row = message_row(
        Direction.IN,
        arrival.message_id,
        arrival.peer,
        arrival.profile,
        arrival.type,
        arrival.created_at,
        arrival.digest,
        arrival.payload,
        MessageState.RECEIVED,
        at,
        receipt_status=arrival.receipt.status,
        reasons=json.dumps(list(arrival.warnings)) if arrival.warnings else None,
        in_reply_to=arrival.in_reply_to,
    )
    if _INSERT_NEW[tx.dialect].run(tx.conn, row).rowcount != 1:
        return stored(tx.conn, arrival.message_id)
    receipt = arrival.receipt
    _INSERT_RECEIPT.run(
        tx.conn,
        {
            "direction": Direction.OUT.value,
            "message_id": arrival.message_id,
            "receipt_id": receipt.receipt_id,
            "status": receipt.status,
            "reasons": json.dumps(list(receipt.reasons)) if receipt.reasons else None,
            "payload": receipt.payload,
            "at": naive(at),
        },
    )
    outbox.queue_receipt(tx, receipt, arrival.peer, arrival.profile, at)
    told: dict[str, Any] = {}
    if arrival.duties is not None:  # what we now owe; the peer's reply closes what it owed us
        mid = arrival.message_id
        told = settle(tx, arrival.duties, answered=Direction.OUT, by=mid, peer=arrival.peer, at=at, about=mid)
    detail = {
        "type": arrival.type,
        "status": receipt.status,
        "digest": arrival.digest,
        "reasons": list(arrival.warnings),
        "receipt_id": receipt.receipt_id,
        **told,
    }
    journal.append(tx, at, "received", arrival.message_id, arrival.peer, detail)
    return None


def stored(conn: Connection, message_id: str) -> Stored | None:
    row = _STORED.first(conn, {"b_id": message_id})
    if row is None:
        return None
    return Stored(str(row[0]), MessageState(row[1]), str(row[2]) if row[2] is not None else None)


def duplicate(tx: Tx, message_id: str, peer: str, receipt_id: str | None, at: datetime) -> None:
    """The peer sent the same bytes again: our receipt goes out again; nothing else changes."""
    if receipt_id is not None:
        outbox.asked_again(tx, receipt_id, at)
    journal.append(tx, at, "duplicate", message_id, peer, {"receipt_id": receipt_id})


def handed_over(tx: Tx, message_id: str, at: datetime) -> bool:
    """The national system has it (the hand-over and the broker ack were one transaction)."""
    if _HANDED_OVER.run(tx.conn, {"b_id": message_id, "b_at": naive(at)}).rowcount != 1:
        return False
    journal.append(tx, at, "handed-over", message_id, None, {})
    return True
