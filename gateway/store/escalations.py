"""Escalations in the database: what reaching a rung left (the reminder it sent, the dossier it
compiled), the evidence of a case, and what people do with an escalation (acknowledge, resolve —
through `lifecycle.ESCALATIONS`, each act an audited entry of the log).

Functions over a connection or a transaction, so that they join the caller's transaction: the sweep
records the rungs it reached (`rungs`), the reminders it queued and the dossiers it compiled in one
commit.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, select, tuple_, update

from gateway.errors import InputError
from gateway.lifecycle import ESCALATIONS, Direction, EscalationEvent, EscalationState
from gateway.reasons import Reason
from gateway.store import audit
from gateway.store.rows import Signed
from gateway.store.schema import dossiers, escalations, log, messages, obligations, receipts
from gateway.store.sql import consts
from gateway.store.times import aware, naive
from gateway.store.unit import Tx
from gateway.wire.envelope import RECEIPT_TYPE

_DIRECTIONS = consts(Direction)  # both: through the (direction, message_id) keys


@dataclass(frozen=True)
class Listed:
    """An escalation with the obligation it belongs to, as `bgw escalations list` shows it."""

    id: int
    rung: int
    level: str
    at: datetime
    state: str
    note: str | None
    acted_by: str | None
    acted_at: datetime | None
    sent_id: str | None
    obligation_id: int
    message_id: str
    peer: str
    profile: str
    type: str
    duty: str
    item: str
    owner: str
    article: str
    source: str
    due_at: datetime
    obligation_state: str
    dossier_id: str | None
    direction: str  # out: the peer owes it | in: we do
    expects: str | None
    obligation_level: int  # the rung the obligation stands at now (this one or a later one)
    next_at: datetime | None  # when the obligation's next rung falls due; None: closed or at the top
    announced_at: datetime | None  # when the national system was told (the event confirmed)
    channel: str | None = None  # the channel the obligation's notice travelled on (its ladder's)


@dataclass(frozen=True)
class Evidence:
    """Every signed message of a case (role, id, bytes) and its log entries, oldest first."""

    documents: list[tuple[str, str, bytes]]
    timeline: list[tuple[int, datetime, str, str | None, str, str]]  # seq, at, event, id, detail, hash


def ids_of(conn: Connection, pairs: Iterable[tuple[int, int]]) -> dict[tuple[int, int], int]:
    """{(obligation id, rung): escalation id} for the rungs just reached."""
    wanted = list(pairs)
    if not wanted:
        return {}
    query = select(escalations.c.id, escalations.c.obligation_id, escalations.c.rung).where(
        tuple_(escalations.c.obligation_id, escalations.c.rung).in_(wanted)
    )
    return {(row.obligation_id, row.rung): row.id for row in conn.execute(query)}


def note_sent(conn: Connection, escalation_id: int, message_id: str) -> None:
    conn.execute(update(escalations).where(escalations.c.id == escalation_id).values(sent_id=message_id))


def add_dossier(conn: Connection, dossier: Signed, escalation_id: int, message_id: str, at: datetime) -> None:
    conn.execute(
        dossiers.insert().values(
            dossier_id=dossier.document_id,
            escalation_id=escalation_id,
            message_id=message_id,
            created_at=naive(at),
            digest=dossier.digest,
            payload=dossier.payload,
        )
    )


def evidence(conn: Connection, message_id: str, limit: int = 1000) -> Evidence:
    """The notice *message_id*, its receipts both ways, the reminders sent about it, and every log
    entry about any of them."""
    documents: list[tuple[str, str, bytes]] = []
    notice = conn.execute(
        select(messages.c.message_id, messages.c.payload).where(
            and_(
                messages.c.direction.in_(_DIRECTIONS),
                messages.c.message_id == message_id,
                messages.c.type != RECEIPT_TYPE,
            )
        )
    ).first()
    if notice is not None:
        documents.append(("notice", notice.message_id, notice.payload))
    for row in conn.execute(
        select(receipts.c.receipt_id, receipts.c.payload)
        .where(and_(receipts.c.direction.in_(_DIRECTIONS), receipts.c.message_id == message_id))
        .order_by(receipts.c.seq)
    ):
        documents.append(("receipt", row.receipt_id, row.payload))
    sent = select(escalations.c.sent_id).join(obligations, obligations.c.id == escalations.c.obligation_id)
    sent = sent.where(and_(obligations.c.message_id == message_id, escalations.c.sent_id.isnot(None)))
    reminder_ids = [row.sent_id for row in conn.execute(sent)]
    if reminder_ids:
        for row in conn.execute(
            select(messages.c.message_id, messages.c.payload)
            .where(and_(messages.c.direction == Direction.OUT, messages.c.message_id.in_(reminder_ids)))
            .order_by(messages.c.seq)
        ):
            documents.append(("reminder", row.message_id, row.payload))
    about = {message_id, *(document_id for _, document_id, _ in documents)}
    timeline = [
        (row.seq, aware(row.at), row.event, row.message_id, row.detail, row.hash)
        for row in conn.execute(
            select(log.c.seq, log.c.at, log.c.event, log.c.message_id, log.c.detail, log.c.hash)
            .where(log.c.message_id.in_(sorted(about)))
            .order_by(log.c.seq)
            .limit(limit)
        )
    ]
    return Evidence(documents, timeline)


_LISTED = (
    select(
        escalations.c.id,
        escalations.c.rung,
        escalations.c.level,
        escalations.c.at,
        escalations.c.state,
        escalations.c.note,
        escalations.c.acted_by,
        escalations.c.acted_at,
        escalations.c.sent_id,
        escalations.c.obligation_id,
        obligations.c.message_id,
        obligations.c.peer,
        obligations.c.profile,
        obligations.c.type,
        obligations.c.duty,
        obligations.c.item,
        obligations.c.owner,
        obligations.c.article,
        obligations.c.source,
        obligations.c.due_at,
        obligations.c.state.label("obligation_state"),
        dossiers.c.dossier_id,
        obligations.c.direction,
        obligations.c.expects,
        obligations.c.level.label("obligation_level"),
        obligations.c.next_at,
        escalations.c.announced_at,
        obligations.c.channel,
    )
    .join(obligations, obligations.c.id == escalations.c.obligation_id)
    .outerjoin(dossiers, dossiers.c.escalation_id == escalations.c.id)
)


def _listed(row: object) -> Listed:
    values = dict(row._mapping)  # type: ignore[attr-defined]
    for name in ("at", "acted_at", "due_at", "next_at", "announced_at"):
        values[name] = aware(values[name])
    return Listed(**values)


def listing(conn: Connection, states: Sequence[str] = (), limit: int = 500) -> list[Listed]:
    query = _LISTED.order_by(escalations.c.id.desc()).limit(limit)
    if states:
        query = query.where(escalations.c.state.in_(list(states)))
    return [_listed(row) for row in conn.execute(query)]


def unannounced(conn: Connection, limit: int) -> list[Listed]:
    """Escalations whose event the broker has not confirmed yet, oldest first."""
    query = _LISTED.where(escalations.c.announced_at.is_(None)).order_by(escalations.c.id).limit(limit)
    return [_listed(row) for row in conn.execute(query)]


def announced(tx: Tx, escalation_ids: Sequence[int], at: datetime) -> None:
    """The broker confirmed these escalations' events: the national system has been told."""
    tx.conn.execute(
        update(escalations)
        .where(and_(escalations.c.id.in_(list(escalation_ids)), escalations.c.announced_at.is_(None)))
        .values(announced_at=naive(at))
    )


def one(conn: Connection, escalation_id: int) -> Listed:
    row = conn.execute(_LISTED.where(escalations.c.id == escalation_id)).first()
    if row is None:
        raise InputError(f"escalation {escalation_id}: no such escalation", reason=Reason.ESCALATION_UNKNOWN)
    return _listed(row)


def act(
    tx: Tx, escalation_id: int, event: EscalationEvent, note: str | None, actor: str, at: datetime
) -> Listed:
    """Acknowledge or resolve an escalation, as the lifecycle allows; the act, its author and note
    go into the log."""
    current = one(tx.conn, escalation_id)
    target = ESCALATIONS.next(EscalationState(current.state), event)  # refuses a move it does not allow
    changed = tx.conn.execute(
        update(escalations)
        .where(and_(escalations.c.id == escalation_id, escalations.c.state == current.state))
        .values(state=target.value, note=note, acted_by=actor, acted_at=naive(at))
    )
    if changed.rowcount != 1:
        raise InputError(
            f"escalation {escalation_id} changed while it was being {target}; look again",
            reason=Reason.ESCALATION_TRANSITION_INVALID,
        )
    detail = {"escalation": escalation_id, "note": note, "level": current.level}
    audit.record(tx, at, actor, f"escalation-{target}", current.message_id, current.peer, detail)
    return one(tx.conn, escalation_id)


def dossier(conn: Connection, key: str) -> tuple[str, bytes] | None:
    """(dossier id, signed bytes) by dossier id or by escalation id."""
    query = select(dossiers.c.dossier_id, dossiers.c.payload)
    if key.isdigit():
        query = query.where(dossiers.c.escalation_id == int(key))
    else:
        query = query.where(dossiers.c.dossier_id == key)
    row = conn.execute(query).first()
    return (row.dossier_id, row.payload) if row else None
