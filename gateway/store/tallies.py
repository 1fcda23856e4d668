"""What the Prometheus metrics count, read from the store at each scrape: the database is written by
every process of the side, so no counter kept in one process would see the others' work.

Every read is one aggregate (GROUP BY link and type); the receipt latency histogram is bucketed in
SQL over every receipt received (all time, cumulative as a Prometheus histogram must be)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Connection, Float, Select, case, cast, func, literal_column, select

from gateway.lifecycle import Direction
from gateway.store.schema import messages, obligations, quarantine, receipts
from gateway.store.sql import const
from gateway.wire.envelope import RECEIPT_TYPE

# Upper bounds (seconds) of the receipt latency buckets; +Inf is the count.
LATENCY_BUCKETS = (1.0, 5.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 6 * 3600.0, 86400.0)


@dataclass(frozen=True)
class Traffic:
    """Notices of one link, type and direction: how many, and how many the recipient rejected."""

    peer: str
    profile: str
    type: str
    direction: str  # out: sent | in: received
    count: int
    rejected: int


def traffic_query() -> Select[Any]:
    m = messages.c
    rejected = func.sum(case((m.receipt_status == "rejected", 1), else_=0))
    return (
        select(m.peer, m.profile, m.type, m.direction, func.count(), rejected)
        .where(m.type != const(RECEIPT_TYPE))
        .group_by(m.peer, m.profile, m.type, m.direction)
        .order_by(m.peer, m.profile, m.type, m.direction)
    )


def traffic(conn: Connection) -> list[Traffic]:
    rows = conn.execute(traffic_query())
    return [Traffic(r[0], r[1], r[2], r[3], int(r[4]), int(r[5] or 0)) for r in rows]


@dataclass(frozen=True)
class Late:
    """Obligations of one link, type and direction closed after their due time."""

    peer: str
    profile: str
    type: str
    direction: str  # out: the peer was late | in: we were
    count: int


def late_query() -> Select[Any]:
    o = obligations.c
    return (
        select(o.peer, o.profile, o.type, o.direction, func.count())
        .where((o.state == const("closed")) & (o.closed_at > o.due_at))
        .group_by(o.peer, o.profile, o.type, o.direction)
        .order_by(o.peer, o.profile, o.type, o.direction)
    )


def late(conn: Connection) -> list[Late]:
    return [Late(r[0], r[1], r[2], r[3], int(r[4])) for r in conn.execute(late_query())]


def _seconds(
    conn: Connection, later: ColumnElement[object], earlier: ColumnElement[object]
) -> ColumnElement[float]:
    """*later* - *earlier* in seconds, in the connection's dialect (both columns naive UTC)."""
    if conn.dialect.name == "postgresql":
        return cast(func.extract("epoch", later - earlier), Float)
    days = func.julianday(later) - func.julianday(earlier)  # a double: round off its last bits
    return func.round(days * literal_column("86400.0"), 3)


@dataclass(frozen=True)
class Latency:
    """Receipts received for one link and type: cumulative bucket counts (LATENCY_BUCKETS), count and
    sum of seconds from the notice's signed creation (our clock) to the time of receipt the peer's
    receipt states (its clock: the clock skew is in it)."""

    peer: str
    profile: str
    type: str
    buckets: tuple[int, ...]
    count: int
    total_s: float


def latency_query(conn: Connection) -> Select[Any]:
    m = messages.c
    seconds = _seconds(conn, receipts.c.at, m.created_at)
    columns = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in LATENCY_BUCKETS]
    joined = messages.join(
        receipts,
        (receipts.c.direction == const(Direction.IN.value)) & (receipts.c.message_id == m.message_id),
    )
    return (
        select(m.peer, m.profile, m.type, func.count(), func.sum(seconds), *columns)
        .select_from(joined)
        .where((m.direction == const(Direction.OUT.value)) & (m.type != const(RECEIPT_TYPE)))
        .group_by(m.peer, m.profile, m.type)
        .order_by(m.peer, m.profile, m.type)
    )


def latency(conn: Connection) -> list[Latency]:
    return [_latency(row) for row in conn.execute(latency_query(conn))]


def _latency(row: Sequence[object]) -> Latency:
    peer, profile, type_, count, total, *buckets = row
    return Latency(
        str(peer),
        str(profile),
        str(type_),
        tuple(int(b or 0) for b in buckets),  # type: ignore[call-overload]
        int(count),  # type: ignore[call-overload]
        round(float(total or 0.0), 3),  # type: ignore[arg-type]
    )


@dataclass(frozen=True)
class Quarantined:
    source: str  # peer | national
    reason: str
    count: int


def quarantined_query() -> Select[Any]:
    q = quarantine.c
    return select(q.source, q.reason, func.count()).group_by(q.source, q.reason).order_by(q.source, q.reason)


def quarantined(conn: Connection) -> list[Quarantined]:
    rows = conn.execute(quarantined_query())
    return [Quarantined(source, reason, int(number)) for source, reason, number in rows]


def queries(conn: Connection) -> list[Select[Any]]:
    """Every read of a scrape from this module (the benchmark's bare SQL)."""
    return [traffic_query(), late_query(), latency_query(conn), quarantined_query()]
