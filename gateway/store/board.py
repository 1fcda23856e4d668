"""The obligations board: the open obligations of the node's links, soonest due first (what the
peer owes us and what we owe the peer), bounded — the board shows open items only, and at most
`limit` of them; `open_count` says how many match in all, so a page can say it shows part."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, select

from gateway.lifecycle import ObligationState
from gateway.store.schema import obligations
from gateway.store.sql import const
from gateway.store.times import aware, naive


@dataclass(frozen=True)
class BoardFilter:
    peer: str | None = None
    profile: str | None = None
    direction: str | None = None  # out: the peer owes us | in: we owe the peer
    overdue_at: datetime | None = None  # only what is past its due time at this moment


@dataclass(frozen=True)
class OpenItem:
    """An open obligation as the board shows it."""

    id: int
    direction: str
    message_id: str
    peer: str
    profile: str
    type: str
    duty: str
    item: str
    owner: str
    expects: str | None
    article: str
    source: str
    basis: str
    optional: bool
    due_at: datetime
    level: int  # the last rung reached; -1: none yet
    next_at: datetime | None  # when the next rung falls due; None: the top, or never escalated
    channel: str | None


_FIELDS = list(OpenItem.__dataclass_fields__)
_SELECT = select(*(obligations.c[name] for name in _FIELDS))


def _conditions(wanted: BoardFilter) -> list[Any]:
    conditions: list[Any] = [obligations.c.state == const(ObligationState.OPEN)]  # the partial index's
    if wanted.peer is not None:
        conditions.append(obligations.c.peer == wanted.peer)
    if wanted.profile is not None:
        conditions.append(obligations.c.profile == wanted.profile)
    if wanted.direction is not None:
        conditions.append(obligations.c.direction == wanted.direction)
    if wanted.overdue_at is not None:
        conditions.append(obligations.c.due_at < naive(wanted.overdue_at))
    return conditions


def open_items(conn: Connection, wanted: BoardFilter, limit: int) -> list[OpenItem]:
    """The open obligations *wanted* asks for, soonest due first (ties: the older first)."""
    query = (
        _SELECT.where(and_(*_conditions(wanted)))
        .order_by(obligations.c.due_at, obligations.c.id)
        .limit(limit)
    )
    found = []
    for row in conn.execute(query):
        values = dict(row._mapping)
        values["due_at"] = aware(values["due_at"])
        values["next_at"] = aware(values["next_at"]) if values["next_at"] is not None else None
        values["optional"] = bool(values["optional"])
        found.append(OpenItem(**values))
    return found


def open_count(conn: Connection, wanted: BoardFilter) -> int:
    """How many open obligations *wanted* matches in all."""
    query = select(func.count()).select_from(obligations).where(and_(*_conditions(wanted)))
    return int(conn.execute(query).scalar_one())
