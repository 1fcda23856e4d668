"""What the console's charts read: day-by-day series over a window of days, aggregated in SQL on both
SQLite and PostgreSQL.

A day is a calendar day in the side's zone: stored times (naive UTC) are moved by the zone's UTC
offset at the window's end before their date is taken (the gateway's zones keep one offset all year;
a zone with summer time would shift the hour around its change, never the count of a day by more).

- traffic: notices per day, link (peer, profile), direction and type (`count(*) GROUP BY`);
- receipt latency: for each notice, its time of receipt (the receipt's) minus its signed creation
  time; reply latency: a closed reply obligation's closing minus its opening. Percentiles are computed
  in Python over a bounded sample: the SQL numbers each day's values (row_number() over the day,
  newest first) and returns at most SAMPLE a day;
- obligations open and overdue at the end of each day — today: now — (opened by then, not closed by
  then; overdue: due before then), one query joining the days to the obligations;
- escalations reached per day and level.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ColumnElement,
    Connection,
    Date,
    DateTime,
    Float,
    Select,
    and_,
    cast,
    func,
    literal,
    or_,
    select,
    union_all,
)

from gateway.lifecycle import Direction
from gateway.store.schema import escalations, messages, obligations, receipts
from gateway.store.sql import const
from gateway.store.times import naive
from gateway.wire.envelope import RECEIPT_TYPE

SAMPLE = 1000  # latencies per day a percentile is computed over (the newest)
_OTHER = {Direction.OUT: Direction.IN, Direction.IN: Direction.OUT}


@dataclass(frozen=True)
class Window:
    """The days a chart covers, ending today in *zone*, and how stored times map to them."""

    days: tuple[date, ...]
    zone: str
    offset_s: int  # the zone's UTC offset at the window's end
    now: datetime  # naive UTC: today's values are as of now, not of tonight's midnight

    @property
    def start(self) -> datetime:
        """The first day's midnight in the zone, as naive UTC."""
        return naive(datetime.combine(self.days[0], time(), ZoneInfo(self.zone)))

    @property
    def end(self) -> datetime:
        """The midnight after the last day, as naive UTC."""
        return naive(datetime.combine(self.days[-1] + timedelta(days=1), time(), ZoneInfo(self.zone)))

    def day_end(self, day: date) -> datetime:
        """The moment a day's state is counted at: its end, or now for today."""
        return min(self.now, naive(datetime.combine(day + timedelta(days=1), time(), ZoneInfo(self.zone))))


def window(now: datetime, zone: str, length: int) -> Window:
    """The *length* days up to and including today in *zone*."""
    local = now.astimezone(ZoneInfo(zone))
    today = local.date()
    offset = local.utcoffset() or timedelta(0)
    days = tuple(today - timedelta(days=n) for n in range(length - 1, -1, -1))
    return Window(days, zone, int(offset.total_seconds()), naive(now))


def _day(conn: Connection, column: Any, offset_s: int) -> ColumnElement[Any]:
    """The zone's calendar date of a stored time (text on SQLite, a date on PostgreSQL)."""
    if conn.dialect.name == "sqlite":
        return func.date(column, f"{offset_s:+d} seconds")
    return cast(column + timedelta(seconds=offset_s), Date)


def _seconds(conn: Connection, later: Any, earlier: Any) -> ColumnElement[Any]:
    if conn.dialect.name == "sqlite":  # julianday's double is exact to about 10 µs: to the millisecond
        return func.round((func.julianday(later) - func.julianday(earlier)) * 86400.0, 3)
    return cast(func.extract("epoch", later - earlier), Float)


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


@dataclass(frozen=True)
class Traffic:
    day: date
    peer: str
    profile: str
    direction: str  # out: sent | in: received
    type: str
    count: int


def traffic(conn: Connection, span: Window) -> list[Traffic]:
    query = traffic_query(conn, span)
    return [Traffic(_as_date(r[0]), r[1], r[2], r[3], r[4], int(r[5])) for r in conn.execute(query)]


def traffic_query(conn: Connection, span: Window) -> Select[Any]:
    """Notices a day, link, direction and type over *span* (a range of `ix_messages_created`)."""
    m = messages.c
    day = _day(conn, m.created_at, span.offset_s).label("day")
    return (
        select(day, m.peer, m.profile, m.direction, m.type, func.count())
        .where((m.created_at >= span.start) & (m.created_at < span.end) & (m.type != const(RECEIPT_TYPE)))
        .group_by(day, m.peer, m.profile, m.direction, m.type)
        .order_by(day, m.peer, m.profile, m.direction, m.type)
    )


def _sampled(query: Select[Any]) -> Select[Any]:
    """At most SAMPLE values a day of *query* (day, seconds, newest), the newest."""
    inner = query.subquery()
    numbered = select(
        inner.c.day,
        inner.c.seconds,
        func.row_number().over(partition_by=inner.c.day, order_by=inner.c.newest.desc()).label("n"),
    ).subquery()
    return select(numbered.c.day, numbered.c.seconds).where(numbered.c.n <= SAMPLE)


def _by_day(conn: Connection, query: Select[Any]) -> dict[date, list[float]]:
    found: dict[date, list[float]] = {}
    for day, seconds in conn.execute(_sampled(query)):
        found.setdefault(_as_date(day), []).append(float(seconds))
    return found


def receipt_latency(conn: Connection, span: Window, direction: Direction) -> dict[date, list[float]]:
    """Each day's seconds from a notice's signed creation to its time of receipt (*direction* out:
    the peer's receipts of ours; in: ours of the peer's), by the day it was created."""
    m, r = messages.c, receipts.c
    query = (
        select(
            _day(conn, m.created_at, span.offset_s).label("day"),
            _seconds(conn, r.at, m.created_at).label("seconds"),
            m.seq.label("newest"),
        )
        .select_from(
            messages.join(
                receipts,
                (receipts.c.direction == const(_OTHER[direction].value))
                & (receipts.c.message_id == m.message_id),
            )
        )
        .where(
            (m.direction == const(direction.value))
            & (m.created_at >= span.start)
            & (m.created_at < span.end)
            & (m.type != const(RECEIPT_TYPE))
        )
    )
    return _by_day(conn, query)


def reply_latency(conn: Connection, span: Window) -> dict[date, list[float]]:
    """Each day's seconds from a reply obligation's opening to the reply that closed it, by the day
    it closed (both directions: the peer's replies and ours)."""
    o = obligations.c
    query = select(
        _day(conn, o.closed_at, span.offset_s).label("day"),
        _seconds(conn, o.closed_at, o.created_at).label("seconds"),
        o.id.label("newest"),
    ).where(
        (o.duty == const("reply"))
        & (o.state == const("closed"))
        & (o.closed_at >= span.start)
        & (o.closed_at < span.end)
    )
    return _by_day(conn, query)


@dataclass(frozen=True)
class Owing:
    day: date
    open: int  # obligations open at the end of the day
    overdue: int  # of them, past their due time then


def owing(conn: Connection, span: Window) -> list[Owing]:
    """Obligations open and overdue at the end of each day of *span* (one query over the days)."""
    ends = [literal(span.day_end(day), DateTime).label("t") for day in span.days]
    days = union_all(*(select(end) for end in ends)).subquery("days")
    o, t = obligations.c, days.c.t
    still_open = and_(o.created_at < t, or_(o.closed_at.is_(None), o.closed_at >= t))
    query = (
        select(t, func.count(o.id), func.count(o.id).filter(o.due_at < t))
        .select_from(days.outerjoin(obligations, still_open))
        .group_by(t)
    )
    counted = {_moment(row[0]): (int(row[1]), int(row[2])) for row in conn.execute(query)}
    return [Owing(day, *counted.get(span.day_end(day), (0, 0))) for day in span.days]


def _moment(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


@dataclass(frozen=True)
class Reached:
    day: date
    level: str
    count: int


def escalations_reached(conn: Connection, span: Window) -> list[Reached]:
    e = escalations.c
    day = _day(conn, e.at, span.offset_s).label("day")
    query = (
        select(day, e.level, func.count())
        .where((e.at >= span.start) & (e.at < span.end))
        .group_by(day, e.level)
        .order_by(day, e.level)
    )
    return [Reached(_as_date(r[0]), str(r[1]), int(r[2])) for r in conn.execute(query)]


def levels(found: Sequence[Reached]) -> list[str]:
    return sorted({r.level for r in found})
