"""What the console's health page reads from the store: each link's last message and last receipt in
each direction, the times a peer's clock can be compared by, the obligations open and overdue, the
escalations by level. Aggregates only (GROUP BY, one row per link or level), never the log itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, case, func, select

from gateway.lifecycle import Direction
from gateway.store.schema import escalations, messages, obligations, receipts
from gateway.store.sql import const, consts
from gateway.store.times import aware, naive
from gateway.wire.envelope import RECEIPT_TYPE

NOTICE, RECEIPT = "notice", "receipt"
_OTHER = {Direction.OUT: Direction.IN, Direction.IN: Direction.OUT}


@dataclass(frozen=True)
class Latest:
    """The newest message of one kind on one link, one way."""

    peer: str
    profile: str
    direction: str  # out: we sent it | in: the peer did
    kind: str  # notice | receipt
    at: datetime  # a notice: its signed creation time; a receipt: the time of receipt it states


def latest(conn: Connection) -> list[Latest]:
    """Per link and direction: the newest notice (messages) and the newest receipt (receipts, joined
    to the notice each acknowledges, whose link it is; a receipt travels against its notice)."""
    notices = (
        select(messages.c.peer, messages.c.profile, messages.c.direction, func.max(messages.c.created_at))
        .where(messages.c.type != const(RECEIPT_TYPE))
        .group_by(messages.c.peer, messages.c.profile, messages.c.direction)
    )
    joined = messages.join(
        receipts,
        receipts.c.direction.in_(consts(Direction))  # through the (direction, message_id) key
        & (receipts.c.message_id == messages.c.message_id)
        & (receipts.c.direction != messages.c.direction),
    )
    acks = (
        select(messages.c.peer, messages.c.profile, receipts.c.direction, func.max(receipts.c.at))
        .select_from(joined)
        .group_by(messages.c.peer, messages.c.profile, receipts.c.direction)
    )
    found = [Latest(p, pr, d, NOTICE, aware(at)) for p, pr, d, at in conn.execute(notices)]
    found += [Latest(p, pr, d, RECEIPT, aware(at)) for p, pr, d, at in conn.execute(acks)]
    return found


@dataclass(frozen=True)
class Exchange:
    """One notice and its receipt: the notice's signed creation time on its sender's clock, the time
    of receipt on its recipient's clock."""

    created_at: datetime
    received_at: datetime


def last_exchange(conn: Connection, peer: str, direction: Direction) -> Exchange | None:
    """The newest notice *direction* with *peer* that has its receipt (out: the peer's receipt of
    ours; in: ours of the peer's)."""
    query = (
        select(messages.c.created_at, receipts.c.at)
        .select_from(
            messages.join(
                receipts,
                (receipts.c.direction == const(_OTHER[direction].value))
                & (receipts.c.message_id == messages.c.message_id),
            )
        )
        .where(
            (messages.c.direction == const(direction.value))
            & (messages.c.peer == peer)
            & (messages.c.type != const(RECEIPT_TYPE))
        )
        .order_by(messages.c.seq.desc())
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


def owed(conn: Connection, now: datetime) -> list[Owed]:
    o = obligations.c
    overdue = func.sum(case((o.due_at < naive(now), 1), else_=0))
    query = (
        select(o.peer, o.profile, o.type, o.direction, func.count(), overdue)
        .where(o.state == const("open"))
        .group_by(o.peer, o.profile, o.type, o.direction)
        .order_by(o.peer, o.profile, o.type, o.direction)
    )
    return [Owed(r[0], r[1], r[2], r[3], int(r[4]), int(r[5] or 0)) for r in conn.execute(query)]


@dataclass(frozen=True)
class Rungs:
    """Escalations at one level in one state (open | acknowledged | resolved)."""

    level: str
    state: str
    count: int


def rungs_by_level(conn: Connection) -> list[Rungs]:
    e = escalations.c
    query = select(e.level, e.state, func.count()).group_by(e.level, e.state).order_by(e.level, e.state)
    return [Rungs(level, state, int(number)) for level, state, number in conn.execute(query)]


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
