"""The outbox: what we send the peer — our notices and our receipts — written before it is published.

A row is due while `next_attempt_at` is set. The dispatcher *claims* due rows before publishing them:
the claim moves `next_attempt_at` to the end of a lease in the same statement that reads them
(PostgreSQL: `FOR UPDATE SKIP LOCKED`; SQLite: under the write lock), so two dispatchers — two
replicas — never take the same row, and a row published but not yet recorded is not due again before
the lease ends. Every state change goes through `lifecycle.OUTBOX`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, func, null, select, update

from gateway.lifecycle import OUTBOX, Direction, MessageEvent, MessageState
from gateway.store import journal
from gateway.store.obligations import Duties, settle
from gateway.store.rows import INSERT_MESSAGE, OutgoingReceipt, Signed, message_row
from gateway.store.schema import messages
from gateway.store.sql import Prepared, const, consts
from gateway.store.times import aware, naive
from gateway.store.unit import Tx
from gateway.wire.envelope import RECEIPT_TYPE

_OUT = messages.c.direction == const(Direction.OUT)
_IN_FLIGHT = OUTBOX.sources(MessageEvent.CONFIRMED)  # states whose (re)publication may be due
_BY_KEY = Prepared(select(messages.c.message_id).where(messages.c.submission_key == bindparam("b_key")))
_DUE = (
    select(messages.c.seq)
    .where(_OUT)
    .where(messages.c.next_attempt_at <= bindparam("b_now"))
    .where(messages.c.state.in_(consts(_IN_FLIGHT)))
    .order_by(messages.c.next_attempt_at)
    .limit(bindparam("b_limit"))
    .with_for_update(skip_locked=True)
)
_CLAIM = Prepared(
    update(messages)
    .where(messages.c.seq.in_(_DUE))
    .values(next_attempt_at=bindparam("b_lease"))
    .returning(
        messages.c.seq,
        messages.c.message_id,
        messages.c.peer,
        messages.c.profile,
        messages.c.type,
        messages.c.payload,
        messages.c.state,
        messages.c.attempts,
    )
)
_NEXT_DUE = (
    select(func.min(messages.c.next_attempt_at))
    .where(messages.c.next_attempt_at.isnot(None))  # through ix_messages_next
    .where(_OUT)
)


def _move(event: MessageEvent, **values: Any) -> Prepared:
    """The guarded UPDATE of one outbound row for *event*: only from the states the table allows."""
    return Prepared(
        update(messages)
        .where(_OUT)
        .where(messages.c.message_id == bindparam("b_id"))
        .where(messages.c.state.in_(consts(OUTBOX.sources(event))))
        .values(state=const(OUTBOX.target(event)), updated_at=bindparam("b_at"), **values)
    )


_CONFIRMED = _move(
    MessageEvent.CONFIRMED, attempts=bindparam("b_attempt"), next_attempt_at=bindparam("b_next")
)
_PUBLISH_FAILED = _move(
    MessageEvent.PUBLISH_FAILED, attempts=bindparam("b_attempt"), next_attempt_at=bindparam("b_next")
)
_GAVE_UP = _move(MessageEvent.GAVE_UP, next_attempt_at=null())
_ASKED_AGAIN = _move(MessageEvent.ASKED_AGAIN, next_attempt_at=bindparam("b_at"))


@dataclass(frozen=True)
class Outbound:
    """An outbound message claimed for (re)publication: the same id and the same signed bytes."""

    message_id: str
    peer: str
    profile: str
    type: str
    payload: bytes
    state: MessageState
    attempts: int


def add(
    tx: Tx,
    signed: Signed,
    *,
    peer: str,
    profile: str,
    message_type: str,
    submission_key: str | None,
    at: datetime,
    detail: Mapping[str, Any] | None = None,
    duties: Duties | None = None,
    in_reply_to: str | None = None,
) -> tuple[str, bool]:
    """Write a signed notice to the outbox: (its id, True) — or the id already stored for this
    submission key and False, so a submission a national system repeats is sent once. *duties*: what
    sending it opens and closes (our reply closes what we owed for the peer's message); *in_reply_to*: the
    message its header says it answers."""
    if submission_key:
        existing = _BY_KEY.first(tx.conn, {"b_key": submission_key})
        if existing:
            return str(existing[0]), False
    told: dict[str, Any] = {}
    if duties is not None:
        about = signed.document_id
        told = settle(tx, duties, answered=Direction.IN, by=about, peer=peer, at=at, about=about)
    told_detail = {**(detail or {}), **told}
    queue(tx, signed, peer, profile, message_type, at, told_detail, submission_key, in_reply_to)
    return signed.document_id, True


def queue(
    tx: Tx,
    signed: Signed,
    peer: str,
    profile: str,
    message_type: str,
    at: datetime,
    detail: Mapping[str, Any] | None = None,
    submission_key: str | None = None,
    in_reply_to: str | None = None,
) -> None:
    """Put a signed notice in the outbox, due now, with its log entry; *in_reply_to*: the message its
    header says it answers."""
    row = message_row(
        Direction.OUT,
        signed.document_id,
        peer,
        profile,
        message_type,
        signed.created_at,
        signed.digest,
        signed.payload,
        MessageState.QUEUED,
        at,
        next_attempt_at=naive(at),
        submission_key=submission_key,
        in_reply_to=in_reply_to,
    )
    INSERT_MESSAGE.run(tx.conn, row)
    log_detail = {"type": message_type, "profile": profile, **(detail or {})}
    journal.append(tx, at, "queued", signed.document_id, peer, log_detail)


def queue_receipt(tx: Tx, receipt: OutgoingReceipt, peer: str, profile: str, at: datetime) -> None:
    """Our signed receipt of the peer's message, due now (its log entry is the message's)."""
    row = message_row(
        Direction.OUT,
        receipt.receipt_id,
        peer,
        profile,
        RECEIPT_TYPE,
        at,
        receipt.digest,
        receipt.payload,
        MessageState.QUEUED,
        at,
        next_attempt_at=naive(at),
        receipt_status=receipt.status,
    )
    INSERT_MESSAGE.run(tx.conn, row)


def claim(tx: Tx, now: datetime, lease_until: datetime, limit: int) -> list[Outbound]:
    """Take up to *limit* due rows, the longest due first, leased to this dispatcher until
    *lease_until*."""
    params = {"b_now": naive(now), "b_lease": naive(lease_until), "b_limit": limit}
    rows = sorted(_CLAIM.rows(tx.conn, params))  # by seq: RETURNING has no order
    return [Outbound(r[1], r[2], r[3], r[4], bytes(r[5]), MessageState(r[6]), r[7]) for r in rows]


def next_due(conn: Connection) -> datetime | None:
    """When the next row falls due (or its lease ends); None when nothing is in flight."""
    return aware(conn.execute(_NEXT_DUE).scalar())


def confirmed(tx: Tx, message_id: str, at: datetime, resend_at: datetime | None, attempt: int) -> bool:
    """The broker confirmed publication *attempt*. *resend_at*: when to send the same bytes again if no
    receipt comes (None: a receipt, which is sent once). False: the row had moved on (a receipt came
    first): nothing recorded."""
    params = {"b_id": message_id, "b_at": naive(at), "b_attempt": attempt, "b_next": _opt(resend_at)}
    if _CONFIRMED.run(tx.conn, params).rowcount != 1:
        return False
    journal.append(tx, at, "sent", message_id, None, {"attempt": attempt})
    return True


def publish_failed(
    tx: Tx, message_id: str, at: datetime, retry_at: datetime, attempt: int, error: str
) -> bool:
    """Publication *attempt* failed (nack, return, timeout, broker down): due again at *retry_at*."""
    params = {"b_id": message_id, "b_at": naive(at), "b_attempt": attempt, "b_next": naive(retry_at)}
    if _PUBLISH_FAILED.run(tx.conn, params).rowcount != 1:
        return False
    journal.append(tx, at, "publish-retry", message_id, None, {"attempt": attempt, "error": error})
    return True


def gave_up(tx: Tx, message_id: str, at: datetime, sends: int) -> bool:
    """Every allowed send is done and no receipt came: no more re-sends (the silence is escalated)."""
    if _GAVE_UP.run(tx.conn, {"b_id": message_id, "b_at": naive(at)}).rowcount != 1:
        return False
    journal.append(tx, at, "unreceipted", message_id, None, {"sends": sends})
    return True


def asked_again(tx: Tx, receipt_id: str, at: datetime) -> bool:
    """Our receipt goes out again, now (the peer sent its notice again)."""
    return bool(_ASKED_AGAIN.run(tx.conn, {"b_id": receipt_id, "b_at": naive(at)}).rowcount == 1)


def _opt(moment: datetime | None) -> datetime | None:
    return naive(moment) if moment is not None else None


__all__ = ["Outbound", "OutgoingReceipt", "Signed"]
