"""What the console's health page reads from the store: each link's last message and last receipt in
each direction, the times a peer's clock can be compared by, the obligations open and overdue, the
escalations by level. Each read is bounded: the newest notices of a link through the primary key
(never a scan of the log), or an aggregate over the open obligations and the escalations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Join, Select, Subquery, case, func, select

from gateway.lifecycle import Direction
from gateway.store.schema import escalations, messages, obligations, receipts
from gateway.store.sql import const
from gateway.store.times import aware, naive
from gateway.wire.envelope import RECEIPT_TYPE

RECENT = 200  # a receipt is looked for among the newest notices of a link, one way, this many
_OTHER = {Direction.OUT: Direction.IN, Direction.IN: Direction.OUT}


def _recent(peer: str, profile: str | None, direction: Direction) -> Subquery:
    """The newest RECENT notices with *peer* one way (by seq: the primary key, read backwards)."""
    m = messages.c
    where = (m.direction == const(direction.value)) & (m.peer == peer) & (m.type != const(RECEIPT_TYPE))
    if profile is not None:
        where &= m.profile == profile
    query = select(m.seq, m.message_id, m.created_at).where(where).order_by(m.seq.desc()).limit(RECENT)
    return query.subquery()


def _acknowledged(recent: Subquery, direction: Direction) -> Join:
    """*recent* notices of *direction* joined to their receipts (which travel the other way)."""
    return recent.join(
        receipts,
        (receipts.c.direction == const(_OTHER[direction].value))
        & (receipts.c.message_id == recent.c.message_id),
    )


@dataclass(frozen=True)
class LinkTimes:
    """A link's newest traffic each way: a notice by its signed creation time, a receipt by the time
    of receipt it states (among the receipts of the link's RECENT newest notices that way)."""

    notice_sent: datetime | None
    notice_received: datetime | None
    receipt_sent: datetime | None
    receipt_received: datetime | None


def _newest(conn: Connection, peer: str, profile: str, direction: Direction) -> tuple[datetime | None, ...]:
    recent = _recent(peer, profile, direction)
    notice = conn.execute(select(recent.c.created_at).order_by(recent.c.seq.desc()).limit(1)).scalar()
    receipt = conn.execute(
        select(func.max(receipts.c.at)).select_from(_acknowledged(recent, direction))
    ).scalar()
    return aware(notice), aware(receipt)


def link_times(conn: Connection, peer: str, profile: str) -> LinkTimes:
    sent, received_receipt = _newest(conn, peer, profile, Direction.OUT)
    received, sent_receipt = _newest(conn, peer, profile, Direction.IN)
    return LinkTimes(sent, received, sent_receipt, received_receipt)


@dataclass(frozen=True)
class Exchange:
    """One notice and its receipt: the notice's signed creation time on its sender's clock, the time
    of receipt on its recipient's clock."""

    created_at: datetime
    received_at: datetime


def last_exchange(conn: Connection, peer: str, direction: Direction) -> Exchange | None:
    """The newest notice *direction* with *peer* (among its RECENT newest) that has its receipt (out:
    the peer's receipt of ours; in: ours of the peer's)."""
    recent = _recent(peer, None, direction)
    query = (
        select(recent.c.created_at, receipts.c.at)
        .select_from(_acknowledged(recent, direction))
        .order_by(recent.c.seq.desc())
        .limit(1)
    )
    row = conn.execute(query).first()
    return Exchange(aware(row[0]), aware(row[1])) if row is not None else None


@dataclass(frozen=True)
class Owed:
    """Open obligations of one link, type and direction; *overdue*: those past their due time."""

    peer: str
    profile: str
    type: str
    direction: str  # out: the peer owes it | in: we owe it
    open: int
    overdue: int


def owed_query(now: datetime) -> Select[Any]:
    o = obligations.c
    overdue = func.sum(case((o.due_at < naive(now), 1), else_=0))
    return (
        select(o.peer, o.profile, o.type, o.direction, func.count(), overdue)
        .where(o.state == const("open"))
        .group_by(o.peer, o.profile, o.type, o.direction)
        .order_by(o.peer, o.profile, o.type, o.direction)
    )


def owed(conn: Connection, now: datetime) -> list[Owed]:
    rows = conn.execute(owed_query(now))
    return [Owed(r[0], r[1], r[2], r[3], int(r[4]), int(r[5] or 0)) for r in rows]


@dataclass(frozen=True)
class Rungs:
    """Escalations at one level in one state (open | acknowledged | resolved)."""

    level: str
    state: str
    count: int


def rungs_query() -> Select[Any]:
    e = escalations.c
    return select(e.level, e.state, func.count()).group_by(e.level, e.state).order_by(e.level, e.state)


def rungs_by_level(conn: Connection) -> list[Rungs]:
    return [Rungs(level, state, int(number)) for level, state, number in conn.execute(rungs_query())]


def last_notice_bytes(conn: Connection, peer: str) -> bytes | None:
    """The signed bytes of the newest notice *peer* sent us (its certificate is in them)."""
    query = (
        select(messages.c.payload)
        .where(
            (messages.c.direction == const(Direction.IN.value))
            & (messages.c.peer == peer)
            & (messages.c.type != const(RECEIPT_TYPE))
        )
        .order_by(messages.c.seq.desc())
        .limit(1)
    )
    found = conn.execute(query).scalar()
    return bytes(found) if found is not None else None
