"""The audit trail as admins read it: the acts of people in the hash-chained log (gateway.store.audit),
newest first, filtered by who and by which act, a page at a time by keyset on the log's `seq`."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, Select, and_, literal_column, select

from gateway.store.schema import ACTS, log
from gateway.store.times import aware

MAX_PAGE = 500


@dataclass(frozen=True)
class TrailFilter:
    actor: str | None = None  # exactly this user (or `bgw` caller)
    action: str | None = None  # exactly this act, e.g. console-exported


@dataclass(frozen=True)
class Act:
    """One entry of the trail: who did what, when, on which message, with what detail."""

    seq: int
    at: datetime
    actor: str
    action: str
    message_id: str | None
    peer: str | None
    detail: dict[str, Any]


@dataclass(frozen=True)
class TrailPage:
    rows: list[Act]
    after: int | None  # pass as `before` for the next (older) page; None: this is the last


def _conditions(wanted: TrailFilter, before: int | None) -> list[ColumnElement[bool]]:
    c = log.c
    found: list[ColumnElement[bool]] = [literal_column(f"({ACTS})")]  # ix_log_acts's predicate, as written
    if wanted.action:
        found.append(c.event == wanted.action)
    if wanted.actor:  # the detail is canonical JSON (sorted keys, no spaces): "by":"<name>" is exact
        by = '"by":' + json.dumps(wanted.actor, ensure_ascii=False)
        found.append(c.detail.contains(by, autoescape=True))
    if before is not None:
        found.append(c.seq < before)
    return found


def _act(seq: int, at: datetime, event: str, message_id: str | None, peer: str | None, body: str) -> Act:
    detail = json.loads(body)
    actor = str(detail.pop("by", "-"))
    return Act(seq, aware(at), actor, event, message_id, peer, detail)


def query(wanted: TrailFilter, before: int | None, limit: int) -> Select[Any]:
    """The read of a page: one row more than *limit*, to know whether there is an older page."""
    c = log.c
    return (
        select(c.seq, c.at, c.event, c.message_id, c.peer, c.detail)
        .where(and_(*_conditions(wanted, before)))
        .order_by(c.seq.desc())
        .limit(limit + 1)
    )


def page(conn: Connection, wanted: TrailFilter, before: int | None = None, limit: int = 50) -> TrailPage:
    """The newest *limit* acts matching *wanted* whose seq is below *before*."""
    limit = max(1, min(limit, MAX_PAGE))
    rows = [_act(*row) for row in conn.execute(query(wanted, before, limit))]
    more = len(rows) > limit
    rows = rows[:limit]
    return TrailPage(rows, rows[-1].seq if more and rows else None)
