"""The metrics' checkpoint: moves each source table's mark (`tally_marks`) forward, adding the rows it
passes to the running totals (`gateway.store.tallies`), in one transaction — so the totals and the
mark always agree, whichever process reads them.

A mark may pass only rows that can no longer appear below it. SQLite has one writer at a time and
numbers a row after every committed one, so under this transaction's write lock every row up to the
newest `seq` is final. PostgreSQL draws `seq` from a sequence and commits in any order: a transaction
may hold seq 100 uncommitted while seq 101 is already visible. So the newest seq becomes the *pending*
mark, with the transactions that held a write lock on the table when it was read (`pg_locks`,
RowExclusiveLock: taken before a row's seq is drawn, held to the commit); a later checkpoint moves the
mark to it once none of them is still running (their virtual transaction id is gone) — at once, when
none was writing. A row whose seq was drawn before the newest was read either was committed by then or
belongs to one of those transactions.

Two checkpoints at once (two scrapes, two consoles) do not both count: each moves the mark only from
where it read it (a guarded UPDATE; the second waits for the first's commit and then finds the mark
moved), and the totals are added after that update, in its transaction.

Only the console's scrape runs it (`gateway.console.metrics`); nothing on the node's path per notice
writes the totals.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Select, Table, func, literal_column, select, text, update
from sqlalchemy.dialects import postgresql, sqlite

from gateway.store import tallies
from gateway.store.schema import (
    latency_tally,
    messages,
    quarantine,
    quarantine_tally,
    receipts,
    tally_marks,
    traffic_tally,
)
from gateway.store.unit import Tx

SOURCES: dict[str, Table] = {"messages": messages, "receipts": receipts, "quarantine": quarantine}
_WRITERS = text(
    "SELECT DISTINCT virtualtransaction FROM pg_locks WHERE relation = CAST(:b_table AS regclass) "
    "AND mode = 'RowExclusiveLock' AND pid IS DISTINCT FROM pg_backend_pid()"
)
_RUNNING = text("SELECT count(*) FROM pg_locks WHERE locktype = 'virtualxid' AND virtualxid = ANY(:b_ids)")


@dataclass(frozen=True)
class Mark:
    upto: int  # rows with seq <= upto are in the totals
    pending: int  # PostgreSQL: where the mark moves once *waiting* are gone
    waiting: tuple[str, ...]


def marks(conn: Connection) -> dict[str, Mark]:
    m = tally_marks.c
    rows = conn.execute(select(m.source, m.upto, m.pending, m.waiting))
    return {row[0]: Mark(int(row[1]), int(row[2]), tuple(str(row[3]).split())) for row in rows}


def _newest(conn: Connection, table: Table) -> int:
    return int(conn.execute(select(func.max(table.c.seq))).scalar() or 0)


def _writers(conn: Connection, source: str) -> tuple[str, ...]:
    if conn.dialect.name != "postgresql":
        return ()  # SQLite: this transaction holds the only write lock
    return tuple(sorted(str(row[0]) for row in conn.execute(_WRITERS, {"b_table": source})))


def _running(conn: Connection, waiting: tuple[str, ...]) -> bool:
    return bool(waiting) and int(conn.execute(_RUNNING, {"b_ids": list(waiting)}).scalar() or 0) > 0


def _next(conn: Connection, source: str, mark: Mark) -> Mark:
    """Where *source*'s mark may move now, and its next pending mark. The newest seq is read before the
    writers are: a row below it not yet committed then is one of theirs."""
    newest = _newest(conn, SOURCES[source])
    writing = _writers(conn, source)
    if not writing:
        return Mark(newest, newest, ())
    upto = mark.pending if mark.pending > mark.upto and not _running(conn, mark.waiting) else mark.upto
    return Mark(upto, newest, writing)


def fold(tx: Tx) -> dict[str, int]:
    """Move every source's mark as far as it may go, adding the rows it passes to the totals; returns
    the marks as this transaction leaves them."""
    return {source: _fold(tx, source, mark) for source, mark in marks(tx.conn).items()}


def _fold(tx: Tx, source: str, mark: Mark) -> int:
    moved = _next(tx.conn, source, mark)
    if moved == mark:
        return mark.upto
    m = tally_marks.c
    guarded = (
        update(tally_marks)
        .where((m.source == source) & (m.upto == mark.upto) & (m.pending == mark.pending))
        .values(upto=moved.upto, pending=moved.pending, waiting=" ".join(moved.waiting))
    )
    if tx.conn.execute(guarded).rowcount != 1:
        return mark.upto  # another checkpoint moved it first
    if moved.upto > mark.upto:
        _ADD[source](tx.conn, ((literal_column(str(mark.upto)),), literal_column(str(moved.upto))))
    return moved.upto


def _upsert(conn: Connection, table: Table, query: Select[Any], keys: int) -> None:
    """Add each row of *query* (the key columns of *table*, then its counts) to *table*."""
    names = [column.name for column in table.columns]
    rows = [dict(zip(names, row, strict=True)) for row in conn.execute(query)]
    if not rows:
        return
    insert = (postgresql if conn.dialect.name == "postgresql" else sqlite).insert(table)
    added = {name: table.c[name] + insert.excluded[name] for name in names[keys:]}
    conn.execute(insert.on_conflict_do_update(index_elements=names[:keys], set_=added), rows)


def _add_messages(conn: Connection, bounds: tallies.Bounds) -> None:
    _upsert(conn, traffic_tally, tallies.sent_and_received(bounds), 4)


def _add_receipts(conn: Connection, bounds: tallies.Bounds) -> None:
    _upsert(conn, traffic_tally, tallies.refused_by_peer(bounds), 4)
    _upsert(conn, latency_tally, tallies.receipted(conn.dialect.name, bounds), 3)


def _add_quarantine(conn: Connection, bounds: tallies.Bounds) -> None:
    _upsert(conn, quarantine_tally, tallies.kept(bounds), 2)


_ADD: dict[str, Callable[[Connection, tallies.Bounds], None]] = {
    "messages": _add_messages,
    "receipts": _add_receipts,
    "quarantine": _add_quarantine,
}
