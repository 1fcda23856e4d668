"""What the benchmarks ask of the database beyond the store's own operations: a bulk fill of
obligations, fresh planner statistics, the plan of the sweep's read and what it visits, a raw
primary-key read as a baseline, and the message log's page read as bare SQL on the driver. Only the
benchmarks use it; the node never does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Select, select, text

from gateway.lifecycle import Direction
from gateway.store import health, listing, series, tallies, trail
from gateway.store import obligations as table
from gateway.store.schema import log, messages, obligations
from gateway.store.sql import consts
from gateway.store.times import naive
from gateway.store.unit import Tx

SWEEP_INDEX = "ix_obligations_next"


class PlanError(RuntimeError):
    """The sweep's read does not go through its index (it would scan the table)."""


def insert_obligations(tx: Tx, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert ready-made obligation rows (`obligations.row_for`) in one executemany."""
    tx.conn.execute(obligations.insert(), list(rows))


def analyze(tx: Tx) -> None:
    """Refresh the planner's statistics after a bulk fill."""
    tx.conn.execute(text("ANALYZE obligations" if tx.dialect == "postgresql" else "ANALYZE"))


def due_rows_visited(conn: Connection, now: datetime, limit: int) -> int:
    """How many rows the sweep's read (`obligations.due`) visits at *now*, by the database's own
    account: PostgreSQL EXPLAIN ANALYZE; SQLite, whose plan says no count, must SEARCH the index,
    which visits the rows returned and the entry that ends the range (PlanError otherwise)."""
    compiled = table.due_query().compile(dialect=conn.dialect)
    params = compiled.construct_params({"b_now": naive(now), "b_limit": limit})
    args: Any = tuple(params[name] for name in compiled.positiontup) if compiled.positiontup else params
    if conn.dialect.name == "postgresql":
        plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {compiled.string}", args).scalar_one()
        return _scanned(plan[0]["Plan"])
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {compiled.string}", args)
    detail = " | ".join(str(row[-1]) for row in rows)
    if SWEEP_INDEX not in detail or "SCAN obligations" in detail:
        raise PlanError(f"the sweep does not read through its index: {detail}")
    return len(table.due(conn, now, limit)) + 1


def _scanned(node: Mapping[str, Any]) -> int:
    """Rows the scans of a PostgreSQL plan node (and those below it) visited."""
    own = int(node.get("Actual Rows", 0)) + int(node.get("Rows Removed by Filter", 0))
    children = node.get("Plans", [])
    if "Scan" in node.get("Node Type", ""):
        return own + sum(_scanned(child) for child in children)
    return sum(_scanned(child) for child in children)


def first_obligation_ids(conn: Connection, count: int) -> list[int]:
    """The raw baseline: ids 1..*count* read by a primary-key range."""
    return list(conn.execute(select(obligations.c.id).where(obligations.c.id <= count)).scalars())


def bare_listing(conn: Connection, wanted: listing.Filter, limit: int) -> int:
    """The raw baseline of a log page: the same SQL as `listing.page` run on the driver, rows
    fetched as tuples (no records built); returns how many."""
    return bare(conn, listing.query(wanted, None, limit))


def bare_trail(conn: Connection, limit: int) -> int:
    """The raw baseline of the audit trail's first page: `trail.page`'s SQL, unfiltered."""
    return bare(conn, trail.query(trail.TrailFilter(), None, limit))


def bare_traffic(conn: Connection, span: series.Window) -> int:
    """The raw baseline of the charts' traffic over *span*: `series.traffic`'s SQL."""
    return bare(conn, series.traffic_query(conn, span))


def bare_message(conn: Connection, message_id: str) -> int:
    """The raw baseline of a message page: the message by its id (either direction), its obligations
    and the log's entries about it, by their indexes, fetched as tuples; returns how many rows."""
    m, o, entries = messages.c, obligations.c, log.c
    return (
        bare(conn, select(messages).where(m.direction.in_(consts(Direction)) & (m.message_id == message_id)))
        + bare(conn, select(obligations).where(o.message_id == message_id).order_by(o.id))
        + bare(conn, select(log).where(entries.message_id == message_id).order_by(entries.seq))
    )


def bare_metrics(conn: Connection, now: datetime) -> int:
    """The raw baseline of a Prometheus scrape: every read `/metrics` makes of the store, on the
    driver; returns how many rows."""
    reads = [*tallies.queries(conn), health.owed_query(now), health.rungs_query()]
    return sum(bare(conn, query) for query in reads)


def bare(conn: Connection, query: Select[Any]) -> int:
    """*query* compiled once and run on the driver, its rows fetched as tuples; returns how many."""
    compiled = query.compile(dialect=conn.dialect)
    params = compiled.construct_params()
    args: Any = tuple(params[name] for name in compiled.positiontup) if compiled.positiontup else params
    return len(conn.exec_driver_sql(compiled.string, args).fetchall())
