"""Drafts awaiting a second operator's approval (second_approval on a link): written, listed, and
moved through `lifecycle.DRAFTS`, each act an audited entry of the log in the same transaction
(`console-drafted`, `console-approved`, `console-withdrawn`). The approver is never the drafter."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, and_, select, update

from gateway.errors import InputError
from gateway.lifecycle import DRAFTS, DraftEvent, DraftState
from gateway.reasons import Reason
from gateway.store import audit
from gateway.store.schema import drafts
from gateway.store.times import aware, naive
from gateway.store.unit import Tx

ACTS = {DraftEvent.APPROVE: "console-approved", DraftEvent.WITHDRAW: "console-withdrawn"}


@dataclass(frozen=True)
class Draft:
    id: int
    state: DraftState
    peer: str
    profile: str
    type: str
    document: str  # the submission JSON
    drafted_by: str
    drafted_at: datetime
    acted_by: str | None
    acted_at: datetime | None
    message_id: str | None


def add(tx: Tx, *, peer: str, profile: str, message_type: str, document: str, by: str, at: datetime) -> int:
    """Store a draft (state drafted) and record `console-drafted`; returns its id."""
    inserted = tx.conn.execute(
        drafts.insert().values(
            state=DraftState.DRAFTED.value,
            peer=peer,
            profile=profile,
            type=message_type,
            document=document,
            drafted_by=by,
            drafted_at=naive(at),
        )
    )
    key = inserted.inserted_primary_key
    assert key is not None
    draft_id = int(key[0])
    audit.record(tx, at, by, "console-drafted", None, peer, {"draft": draft_id, "type": message_type})
    return draft_id


def one(conn: Connection, draft_id: int) -> Draft:
    row = conn.execute(select(drafts).where(drafts.c.id == draft_id)).first()
    if row is None:
        raise InputError(f"draft {draft_id}: no such draft", reason=Reason.DRAFT_UNKNOWN)
    return _draft(row)


def listed(conn: Connection, state: DraftState | None = DraftState.DRAFTED, limit: int = 200) -> list[Draft]:
    """Drafts in *state* (None: all), newest first."""
    query = select(drafts).order_by(drafts.c.id.desc()).limit(limit)
    if state is not None:
        query = query.where(drafts.c.state == state.value)
    return [_draft(row) for row in conn.execute(query)]


def act(
    tx: Tx, draft_id: int, event: DraftEvent, actor: str, at: datetime, message_id: str | None = None
) -> Draft:
    """Approve (with the id of the notice its submission gave) or withdraw a draft, as the lifecycle
    allows; an approval by the drafter is refused."""
    current = one(tx.conn, draft_id)
    target = DRAFTS.next(current.state, event)
    if event is DraftEvent.APPROVE and actor == current.drafted_by:
        raise InputError(
            f"draft {draft_id} was drafted by {actor}: another operator approves it",
            reason=Reason.APPROVER_IS_DRAFTER,
        )
    changed = tx.conn.execute(
        update(drafts)
        .where(and_(drafts.c.id == draft_id, drafts.c.state == current.state.value))
        .values(state=target.value, acted_by=actor, acted_at=naive(at), message_id=message_id)
    )
    if changed.rowcount != 1:
        raise InputError(
            f"draft {draft_id} changed while it was being {target}; look again",
            reason=Reason.DRAFT_TRANSITION_INVALID,
        )
    detail = {"draft": draft_id, "type": current.type, "drafted_by": current.drafted_by}
    audit.record(tx, at, actor, ACTS[event], message_id, current.peer, detail)
    return one(tx.conn, draft_id)


def _draft(row: Row[Any]) -> Draft:
    values = row._mapping
    return Draft(
        id=values["id"],
        state=DraftState(values["state"]),
        peer=values["peer"],
        profile=values["profile"],
        type=values["type"],
        document=values["document"],
        drafted_by=values["drafted_by"],
        drafted_at=aware(values["drafted_at"]),
        acted_by=values["acted_by"],
        acted_at=aware(values["acted_at"]),
        message_id=values["message_id"],
    )
