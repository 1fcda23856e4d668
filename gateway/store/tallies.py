"""What the Prometheus metrics count, read from the store at each scrape: the database is written by
every process of the side, so no counter kept in one process would see the others' work.

The all-time counts over the log (notices by link, type and direction, those refused, the receipt
latency histogram, the quarantine) are never recounted: each is its running total in the database
(`traffic_tally`, `latency_tally`, `quarantine_tally`), which counts the rows of its source table up to
the source's mark (`tally_marks`), plus the rows after the mark, counted at the scrape, in the same
statement (one snapshot: a mark that moves meanwhile is seen with its totals). What is counted of a row
is fixed at its insert and no row is deleted, so the sum is the all-time aggregate, always: counters
only grow and the histogram stays cumulative. `gateway.store.checkpoint` moves the marks, so the rows
after them stay few.

A notice's own `receipt_status` changes when the peer's receipt arrives, so the peer's refusals are
counted from that receipt's row (direction in, status rejected: the store writes both in one
transaction, with the same status), not from the notice's row; our refusals of the peer's notices are
fixed with the notice's insert. Obligations met late are counted through their partial index
(`ix_obligations_late`: only the late ones), open obligations and escalations are not the log's size."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Float,
    Select,
    Table,
    and_,
    case,
    cast,
    func,
    literal_column,
    select,
    union_all,
)

from gateway.lifecycle import Direction
from gateway.store.schema import (
    LATENCY_BUCKET_COLUMNS,
    latency_tally,
    messages,
    obligations,
    quarantine,
    quarantine_tally,
    receipts,
    tally_marks,
    traffic_tally,
)
from gateway.store.sql import const
from gateway.wire.envelope import RECEIPT_TYPE

# Upper bounds (seconds) of the receipt latency buckets; +Inf is the count.
LATENCY_BUCKETS = (1.0, 5.0, 30.0, 60.0, 300.0, 900.0, 3600.0, 6 * 3600.0, 86400.0)
REJECTED = "rejected"
# seq after all of these .. up to (None: the newest)
Bounds = tuple[tuple[ColumnElement[Any], ...], ColumnElement[Any] | None]


def mark(source: str) -> ColumnElement[Any]:
    """The mark of *source*, read in the statement that adds the rows after it."""
    query = select(tally_marks.c.upto).where(tally_marks.c.source == const(source))
    return func.coalesce(query.scalar_subquery(), literal_column("0"))


def after(conn: Connection, source: str) -> Bounds:
    """The rows of *source* after its mark as the statement reads it (so they agree with the totals it
    reads), and after the mark read just before, a constant: marks only move forward, so it changes
    nothing but the plan — PostgreSQL, not knowing the mark, planned a parallel scan of a third of the
    table (5 ms of workers' start-up for no rows at 1,000,000 messages)."""
    hint = conn.execute(select(tally_marks.c.upto).where(tally_marks.c.source == const(source))).scalar()
    return (literal_column(str(int(hint or 0))), mark(source)), None


def _plain(*columns: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    """*columns* as expressions no index serves (`x || ''`, under their own names): SQLite would
    otherwise walk an index over the whole table, for its order or its filter, rather than read the rows
    after the mark by `seq`."""
    return [column.concat(literal_column("''")).label(column.name) for column in columns]


def _range(table: Table, bounds: Bounds) -> ColumnElement[bool]:
    lower, until = bounds
    found = and_(*(table.c.seq > bound for bound in lower))
    return found if until is None else found & (table.c.seq <= until)


@dataclass(frozen=True)
class Traffic:
    """Notices of one link, type and direction: how many, and how many the recipient rejected."""

    peer: str
    profile: str
    type: str
    direction: str  # out: sent | in: received
    count: int
    rejected: int


def sent_and_received(bounds: Bounds) -> Select[Any]:
    """Notices of the messages rows in *bounds* by link, type and direction, with those we refused."""
    m = messages.c
    ours = (m.direction == const(Direction.IN)) & (m.receipt_status == const(REJECTED))
    key = _plain(m.peer, m.profile, m.type, m.direction)
    return (
        select(*key, func.count(), func.sum(case((ours, 1), else_=0)))
        .where(_range(messages, bounds) & (m.type != const(RECEIPT_TYPE)))
        .group_by(*key)
    )


def _theirs() -> ColumnElement[bool]:
    """The peer's receipts of our notices, joined to the notice."""
    return (
        (_plain(receipts.c.direction)[0] == const(Direction.IN))
        & (receipts.c.message_id == messages.c.message_id)
        & (messages.c.direction == const(Direction.OUT))
        & (messages.c.type != const(RECEIPT_TYPE))
    )


def refused_by_peer(bounds: Bounds) -> Select[Any]:
    """Our notices the peer refused, by the receipts rows in *bounds*."""
    m = messages.c
    key = _plain(m.peer, m.profile, m.type, m.direction)
    return (
        select(*key, literal_column("0"), func.count())
        .select_from(receipts.join(messages, _theirs()))
        .where(_range(receipts, bounds) & (receipts.c.status == const(REJECTED)))
        .group_by(*key)
    )


def traffic_query(conn: Connection) -> Select[Any]:
    t = traffic_tally.c
    parts = union_all(
        select(t.peer, t.profile, t.type, t.direction, t.number, t.rejected),
        sent_and_received(after(conn, "messages")),
        refused_by_peer(after(conn, "receipts")),
    ).subquery()
    key = [parts.c.peer, parts.c.profile, parts.c.type, parts.c.direction]
    columns = list(parts.c)
    return select(*key, func.sum(columns[4]), func.sum(columns[5])).group_by(*key).order_by(*key)


def traffic(conn: Connection) -> list[Traffic]:
    rows = conn.execute(traffic_query(conn))
    return [Traffic(r[0], r[1], r[2], r[3], int(r[4]), int(r[5] or 0)) for r in rows if r[4]]


@dataclass(frozen=True)
class Late:
    """Obligations of one link, type and direction closed after their due time."""

    peer: str
    profile: str
    type: str
    direction: str  # out: the peer was late | in: we were
    count: int


def late_query() -> Select[Any]:
    """Through `ix_obligations_late`: the predicate is its own (schema.LATE), word for word."""
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
    dialect: str, later: ColumnElement[object], earlier: ColumnElement[object]
) -> ColumnElement[float]:
    """*later* - *earlier* in seconds, in *dialect* (both columns naive UTC)."""
    if dialect == "postgresql":
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


def receipted(dialect: str, bounds: Bounds) -> Select[Any]:
    """The peer's receipts rows in *bounds*, by the link and type of our notice they acknowledge:
    how many, the sum of their latencies, the cumulative count of each bucket."""
    m = messages.c
    seconds = _seconds(dialect, receipts.c.at, m.created_at)
    columns = [func.sum(case((seconds <= bound, 1), else_=0)) for bound in LATENCY_BUCKETS]
    key = _plain(m.peer, m.profile, m.type)
    return (
        select(*key, func.count(), func.sum(seconds), *columns)
        .select_from(receipts.join(messages, _theirs()))
        .where(_range(receipts, bounds))
        .group_by(*key)
    )


def latency_query(conn: Connection) -> Select[Any]:
    t = latency_tally.c
    buckets = [t[name] for name in LATENCY_BUCKET_COLUMNS]
    parts = union_all(
        select(t.peer, t.profile, t.type, t.number, t.seconds, *buckets),
        receipted(conn.dialect.name, after(conn, "receipts")),
    ).subquery()
    key = [parts.c.peer, parts.c.profile, parts.c.type]
    return select(*key, *(func.sum(column) for column in list(parts.c)[3:])).group_by(*key).order_by(*key)


def latency(conn: Connection) -> list[Latency]:
    return [_latency(row) for row in conn.execute(latency_query(conn)) if row[3]]


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


def kept(bounds: Bounds) -> Select[Any]:
    """The quarantine rows in *bounds* by source and reason."""
    q = quarantine.c
    return (
        select(q.source, q.reason, func.count())
        .where(_range(quarantine, bounds))
        .group_by(q.source, q.reason)
    )


def quarantined_query(conn: Connection) -> Select[Any]:
    t = quarantine_tally.c
    parts = union_all(select(t.source, t.reason, t.number), kept(after(conn, "quarantine"))).subquery()
    key = [parts.c.source, parts.c.reason]
    return select(*key, func.sum(parts.c.number)).group_by(*key).order_by(*key)


def quarantined(conn: Connection) -> list[Quarantined]:
    rows = conn.execute(quarantined_query(conn))
    return [Quarantined(source, reason, int(number)) for source, reason, number in rows if number]


def queries(conn: Connection) -> list[Select[Any]]:
    """Every read of a scrape from this module (the benchmark's bare SQL)."""
    return [traffic_query(conn), late_query(), latency_query(conn), quarantined_query(conn)]
