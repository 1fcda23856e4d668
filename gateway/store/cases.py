"""A message's case, as the console's message page and its evidence file read it: the message, its
obligations, the messages that answered, replaced or cancelled it, its signed documents and log
entries (through `escalations.evidence`, which the diplomatic dossier reads too), and for an export
the log from its first entry to the head, taken in the transaction that records the export."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, and_, func, select

from gateway.chain import Entry
from gateway.errors import InputError
from gateway.lifecycle import Direction
from gateway.reasons import Reason
from gateway.store import audit, journal
from gateway.store.escalations import Evidence, evidence
from gateway.store.schema import log, messages, obligations
from gateway.store.sql import const, consts
from gateway.store.times import aware
from gateway.store.unit import Tx
from gateway.wire.envelope import RECEIPT_TYPE

TIMELINE_ENTRIES = 1000  # log entries about a case read for its page (an export reads them all)
_DIRECTIONS = consts(Direction)  # both: through the (direction, message_id) keys
# What closing another message's obligation makes the closing message, by the obligation's new state.
_ROLES = {"superseded": "replacement", "cancelled": "cancellation"}


@dataclass(frozen=True)
class Stored:
    direction: str
    message_id: str
    peer: str
    profile: str
    type: str
    created_at: datetime
    state: str
    receipt_status: str | None
    attempts: int
    updated_at: datetime
    digest: str
    payload: bytes


@dataclass(frozen=True)
class MessageDuty:
    """An obligation of the message, as stored (source: text = the agreement's, default = ours)."""

    id: int
    direction: str
    duty: str
    item: str
    owner: str
    expects: str | None
    article: str
    source: str
    basis: str
    due_at: datetime
    state: str
    level: int
    closed_by: str | None
    closed_at: datetime | None
    channel: str | None


@dataclass(frozen=True)
class Related:
    role: str  # reply | replacement | cancellation
    message_id: str
    direction: str
    type: str
    created_at: datetime
    payload: bytes


@dataclass(frozen=True)
class Case:
    message: Stored
    obligations: list[MessageDuty]
    related: list[Related]
    evidence: Evidence  # the signed documents and the log entries about them


def _message(conn: Connection, message_id: str) -> Stored | None:
    c = messages.c
    row = conn.execute(
        select(
            c.direction,
            c.message_id,
            c.peer,
            c.profile,
            c.type,
            c.created_at,
            c.state,
            c.receipt_status,
            c.attempts,
            c.updated_at,
            c.digest,
            c.payload,
        ).where(and_(c.direction.in_(_DIRECTIONS), c.message_id == message_id, c.type != const(RECEIPT_TYPE)))
    ).first()
    if row is None:
        return None
    values = dict(row._mapping)
    values["created_at"], values["updated_at"] = aware(row.created_at), aware(row.updated_at)
    return Stored(**values)


def _obligations(conn: Connection, message_id: str) -> list[MessageDuty]:
    c = obligations.c
    query = (
        select(
            c.id,
            c.direction,
            c.duty,
            c.item,
            c.owner,
            c.expects,
            c.article,
            c.source,
            c.basis,
            c.due_at,
            c.state,
            c.level,
            c.closed_by,
            c.closed_at,
            c.channel,
        )
        .where(c.message_id == message_id)
        .order_by(c.id)
    )
    found = []
    for row in conn.execute(query):
        values = dict(row._mapping)
        values["due_at"], values["closed_at"] = aware(row.due_at), aware(row.closed_at)
        found.append(MessageDuty(**values))
    return found


def _replaced_by(message_id: str, found: Evidence) -> dict[str, str]:
    """The notices that superseded or cancelled *message_id*, from its log entries (`settle` tells a
    replacement even when the earlier notice had no open obligation left to end): id → role."""
    roles = {}
    for _, _, event, about, text, _ in found.timeline:
        if event != "obligations-closed" or about != message_id:
            continue
        detail = json.loads(text or "{}")
        if not isinstance(detail, dict):
            continue
        replaces, by = detail.get("replaces"), detail.get("by")
        how = replaces[1] if isinstance(replaces, list) and len(replaces) == 2 else None
        if isinstance(by, str) and how in _ROLES:
            roles[by] = _ROLES[how]
    return roles


def _roles(owed: Sequence[MessageDuty], replaced_by: dict[str, str]) -> dict[str, str]:
    """The messages that closed the message's reply, decision, or whole case (replaced, cancelled)."""
    roles = {o.closed_by: _ROLES.get(o.state, "reply") for o in owed if o.closed_by and o.duty != "receipt"}
    return {**roles, **replaced_by}


def related_to(conn: Connection, message_id: str, roles: dict[str, str]) -> list[Related]:
    """The messages of *roles* (id → role) and every other message whose header says it answers
    *message_id* (a reply, even one that closed nothing), in the order they were stored."""
    c = messages.c
    columns = (c.seq, c.message_id, c.direction, c.type, c.created_at, c.payload)
    notices = c.type != const(RECEIPT_TYPE)
    rows = list(conn.execute(select(*columns).where(and_(c.in_reply_to == message_id, notices))))
    if roles:
        rows += conn.execute(select(*columns).where(and_(c.message_id.in_(sorted(roles)), notices)))
    found: dict[int, Related] = {}
    for r in sorted(rows, key=lambda r: r.seq):
        role = roles.get(r.message_id, "reply")
        found[r.seq] = Related(role, r.message_id, r.direction, r.type, aware(r.created_at), r.payload)
    return list(found.values())


def case(conn: Connection, message_id: str) -> Case | None:
    """The case of *message_id*, or None when the node holds no such message."""
    stored = _message(conn, message_id)
    if stored is None:
        return None
    owed = _obligations(conn, message_id)
    found = evidence(conn, message_id, TIMELINE_ENTRIES)
    related = related_to(conn, message_id, _roles(owed, _replaced_by(message_id, found)))
    return Case(stored, owed, related, found)


@dataclass(frozen=True)
class Export:
    case: Case
    first: int  # the first log entry about the message
    head: int  # the head of the log when the export was recorded (its own entry)


def viewed(tx: Tx, message_id: str, actor: str, at: datetime) -> Case | None:
    """The case, with the view recorded in the audit trail (who opened which message)."""
    found = case(tx.conn, message_id)
    if found is not None:
        audit.record(tx, at, actor, "console-viewed", message_id, found.message.peer)
    return found


def export(tx: Tx, message_id: str, actor: str, at: datetime, max_entries: int) -> Export | None:
    """The case and the span of the log from its first entry to the head, the export itself recorded
    first (so the file carries the entry of its own export). Refuses (evidence-too-large) a span
    longer than *max_entries*: a proof is never cut short. The entries are read afterwards by
    `segment`, outside the write transaction: the log is append-only, the span fixed."""
    found = case(tx.conn, message_id)
    if found is None:
        return None
    audit.record(tx, at, actor, "console-evidence", message_id, found.message.peer)
    head, _ = journal.head(tx)  # the export's own entry is about the message: there is a first
    first = int(
        tx.conn.execute(select(func.min(log.c.seq)).where(log.c.message_id == message_id)).scalar() or head
    )
    if head - first + 1 > max_entries:
        raise InputError(
            f"the log since message {message_id} holds {head - first + 1} entries, more than the "
            f"{max_entries} one evidence file carries",
            reason=Reason.EVIDENCE_TOO_LARGE,
        )
    return Export(found, first, head)


def segment(conn: Connection, first: int, last: int) -> list[Entry]:
    """The log entries *first*..*last* in full, in order."""
    return list(journal.entries(conn, after=first - 1, until=last))
