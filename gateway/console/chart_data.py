"""The charts' numbers (pure): each chart is one `Table` — a column of values per series, a row per
day — that both its SVG (gateway.console.svgchart) and its CSV are made from, so the picture and the
download cannot disagree.

Percentiles are nearest-rank over the day's sample (gateway.store.series returns at most SAMPLE
values a day, the newest): p-th percentile = the ceil(p/100·n)-th smallest value.
"""

from __future__ import annotations

import csv
import io
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from gateway.lifecycle import Direction
from gateway.store import series
from gateway.store.series import Owing, Reached, Traffic, Window

PERCENTILES = (50, 90, 99)
NAMES = ("traffic", "receipt-latency", "reply-latency", "obligations", "escalations")
Value = float | None


@dataclass(frozen=True)
class Column:
    key: str  # the CSV header's name (stable, English)
    parts: tuple[str, ...]  # what the page's legend translates: (link, direction, type), ("p50",), …


@dataclass(frozen=True)
class Table:
    name: str  # one of NAMES
    unit: str  # count | seconds | hours
    days: tuple[date, ...]
    columns: tuple[Column, ...]
    values: tuple[tuple[Value, ...], ...]  # values[column][day]

    def csv(self) -> str:
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\r\n")
        writer.writerow(["day", *(column.key for column in self.columns)])
        for index, day in enumerate(self.days):
            writer.writerow([day.isoformat(), *(_cell(values[index]) for values in self.values)])
        return out.getvalue()


def _cell(value: Value) -> str:
    if value is None:
        return ""
    return str(int(value)) if float(value).is_integer() else f"{value:g}"


def percentile(values: Sequence[float], p: int) -> float:
    """Nearest rank: the ceil(p/100·n)-th smallest of *values* (not empty)."""
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def traffic(span: Window, rows: Sequence[Traffic]) -> Table:
    """Notices per day for each link, direction and type that had any in the window."""
    keys = sorted({(f"{r.peer}/{r.profile}", r.direction, r.type) for r in rows})
    counts = {(f"{r.peer}/{r.profile}", r.direction, r.type, r.day): r.count for r in rows}
    columns = tuple(Column(" ".join(key), key) for key in keys)
    values = tuple(tuple(float(counts.get((*key, day), 0)) for day in span.days) for key in keys)
    return Table("traffic", "count", span.days, columns, values)


def _percentiles(
    span: Window, samples: Mapping[date, Sequence[float]], scale: float
) -> list[tuple[Value, ...]]:
    return [
        tuple(
            round(percentile(samples[day], p) / scale, 2) if samples.get(day) else None for day in span.days
        )
        for p in PERCENTILES
    ]


def receipt_latency(span: Window, by_direction: Mapping[Direction, Mapping[date, Sequence[float]]]) -> Table:
    """Seconds from a notice's creation to its time of receipt: p50/p90/p99 a day, each direction."""
    columns, values = [], []
    for direction, samples in by_direction.items():
        columns += [Column(f"{direction.value} p{p}", (direction.value, f"p{p}")) for p in PERCENTILES]
        values += _percentiles(span, samples, 1.0)
    return Table("receipt-latency", "seconds", span.days, tuple(columns), tuple(values))


def reply_latency(span: Window, samples: Mapping[date, Sequence[float]]) -> Table:
    """Hours from a reply obligation's opening to its reply: p50/p90/p99 a day."""
    columns = tuple(Column(f"p{p}", (f"p{p}",)) for p in PERCENTILES)
    return Table("reply-latency", "hours", span.days, columns, tuple(_percentiles(span, samples, 3600.0)))


def obligations(span: Window, rows: Sequence[Owing]) -> Table:
    columns = (Column("open", ("open",)), Column("overdue", ("overdue",)))
    values = (tuple(float(r.open) for r in rows), tuple(float(r.overdue) for r in rows))
    return Table("obligations", "count", span.days, columns, values)


def escalations(span: Window, rows: Sequence[Reached]) -> Table:
    levels = series.levels(rows)
    counts = {(r.level, r.day): r.count for r in rows}
    columns = tuple(Column(level, (level,)) for level in levels)
    values = tuple(tuple(float(counts.get((level, day), 0)) for day in span.days) for level in levels)
    return Table("escalations", "count", span.days, columns, values)
