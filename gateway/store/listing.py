"""The message log as operators read it: newest first, filtered, a page at a time by keyset.

A page ends with the `seq` of its last row; the next page is the rows with a smaller `seq` (the
primary key, in the order rows were written), never OFFSET: page 10,000 costs what page 1 costs.
Receipts are not listed as messages of their own: each notice carries its receipt's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, or_, select

from gateway.store.schema import messages
from gateway.store.times import aware, naive
from gateway.wire.envelope import RECEIPT_TYPE

MAX_PAGE = 500


@dataclass(frozen=True)
class Filter:
    """What an operator asked to see; None: any. *text* matches the beginning of a message id, a
    part of a type, or a peer side."""

    peer: str | None = None
    profile: str | None = None
    direction: str | None = None
    type: str | None = None
    state: str | None = None
    since: datetime | None = None  # created at or after (UTC)
    until: datetime | None = None  # created before (UTC)
    text: str | None = None


@dataclass(frozen=True)
class Listed:
    seq: int
    direction: str
    message_id: str
    peer: str
    profile: str
    type: str
    created_at: datetime
    state: str
    receipt_status: str | None
    updated_at: datetime


@dataclass(frozen=True)
class Page:
    rows: list[Listed]
    after: int | None  # pass as `before` for the next (older) page; None: this is the last


def _conditions(wanted: Filter) -> list[ColumnElement[bool]]:
    c = messages.c
    found: list[ColumnElement[bool]] = [c.type != RECEIPT_TYPE]
    for column, value in (
        (c.peer, wanted.peer),
        (c.profile, wanted.profile),
        (c.direction, wanted.direction),
        (c.type, wanted.type),
        (c.state, wanted.state),
    ):
        if value is not None:
            found.append(column == value)
    if wanted.since is not None:
        found.append(c.created_at >= naive(wanted.since))
    if wanted.until is not None:
        found.append(c.created_at < naive(wanted.until))
    if wanted.text:
        text = wanted.text.strip()
        found.append(
            or_(
                c.message_id.startswith(text.lower(), autoescape=True),
                c.type.contains(text.lower(), autoescape=True),
                c.peer == text.upper(),
            )
        )
    return found


def query(wanted: Filter, before: int | None, limit: int) -> Select[Any]:
    """The read of one page: *limit* + 1 rows (the one more says whether there is a next page)."""
    conditions = _conditions(wanted)
    if before is not None:
        conditions.append(messages.c.seq < before)
    c = messages.c
    return (
        select(
            c.seq,
            c.direction,
            c.message_id,
            c.peer,
            c.profile,
            c.type,
            c.created_at,
            c.state,
            c.receipt_status,
            c.updated_at,
        )
        .where(and_(*conditions))
        .order_by(c.seq.desc())
        .limit(limit + 1)
    )


def page(conn: Connection, wanted: Filter, before: int | None = None, limit: int = 50) -> Page:
    """The newest *limit* messages matching *wanted* whose seq is below *before*."""
    limit = max(1, min(limit, MAX_PAGE))
    rows = [
        Listed(
            r.seq,
            r.direction,
            r.message_id,
            r.peer,
            r.profile,
            r.type,
            aware(r.created_at),
            r.state,
            r.receipt_status,
            aware(r.updated_at),
        )
        for r in conn.execute(query(wanted, before, limit))
    ]
    more = len(rows) > limit
    rows = rows[:limit]
    return Page(rows, rows[-1].seq if more and rows else None)
