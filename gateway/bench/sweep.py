"""`bgw bench sweep`: one escalation sweep over many open obligations, few of them due.

The database (a temporary SQLite file, or a PostgreSQL database created for the run and dropped
after) is filled with `open` obligations of the joint-meeting-proposal reply (Art. 40(1)), `due` of
them past their next rung and the rest due in the next 30 days. One sweep is then timed with the
store's and the rules' own functions: read what is due through the index (`obligations.due`),
climb each one rung (`ladder.climb`), record the rung and the escalation (`obligations.reach`),
commit. `rows_touched` is what the sweep's read visits, by the database's own account, taken just
before the timed sweep (PostgreSQL: EXPLAIN ANALYZE of the same query; SQLite: the query plan must
be a SEARCH on the index, which visits the rows the query returns — counted by running it — plus
the entry that ends the range; a plan that scans the table fails the benchmark). `rows_written`
counts obligation updates and escalation inserts. The raw baseline is a primary-key range read of
the same number of rows in the same database, in the same run.
"""

from __future__ import annotations

import json
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from gateway import heap
from gateway.lifecycle import Direction
from gateway.profiles import Ladder, Profile, load_profiles
from gateway.rules.deadlines import running_from_receipt
from gateway.rules.ladder import climb
from gateway.store import Store, probes, rungs
from gateway.store import obligations as table
from gateway.store.scratch import fresh_database
from gateway.store.times import naive

TARGET_MS = 50.0
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
CHUNK = 20_000


def _rows(start: int, count: int, due: int, template: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for index in range(start, start + count):
        # The due ones were due up to `due` seconds ago; the others fall due over the next 30 days.
        next_at = (
            NOW - timedelta(seconds=index + 1) if index < due else NOW + timedelta(seconds=60 + index * 2.5)
        )
        rows.append({**template, "message_id": str(uuid.UUID(int=index)), "next_at": naive(next_at)})
    return rows


def _fill(store: Store, profile: Profile, open_count: int, due: int) -> None:
    proposal = profile.types["joint-meeting-proposal"]
    [deadline] = running_from_receipt(proposal, NOW - timedelta(days=3))  # Art. 40(1): 48 h
    template = table.row_for(
        table.NewObligation(Direction.OUT, "", "UZ", profile.id, proposal.name, "UZ", deadline, NOW), NOW
    )
    started = time.perf_counter()
    for start in range(0, open_count, CHUNK):
        store.write(probes.insert_obligations, _rows(start, min(CHUNK, open_count - start), due, template))
        done = min(start + CHUNK, open_count)
        print(
            f"\r  filling: {done:>9,} of {open_count:,} open obligations "
            f"({time.perf_counter() - started:.0f} s)",
            end="",
            file=sys.stderr,
            flush=True,
        )
    print(file=sys.stderr)
    store.write(probes.analyze)


def _sweep(store: Store, ladder: Ladder, limit: int) -> tuple[float, int]:
    """Time one sweep: (milliseconds, obligations escalated)."""
    started = time.perf_counter()
    with store.transaction() as tx:
        found = table.due(tx.conn, NOW, limit)
        reached = rungs.reach(tx, [(item, climb(ladder, item.level, NOW)) for item in found])
    return (time.perf_counter() - started) * 1000, len(reached)


def _raw(store: Store, count: int) -> float:
    started = time.perf_counter()
    ids = store.read(probes.first_obligation_ids, count)
    assert len(ids) == count
    return (time.perf_counter() - started) * 1000


def measure(db: str, open_count: int, due: int) -> dict[str, Any]:
    profile = load_profiles()["kz-uz-border-2024"]
    limit = max(due * 2, 1)  # the sweep's batch: room for more than is due
    with fresh_database(db, "bgw_sweep") as url:
        store = Store.open(url)
        heap.settle()  # as the node does once started (gateway.heap)
        try:
            _fill(store, profile, open_count, due)
            touched = store.read(probes.due_rows_visited, NOW, limit)  # the plan and what it visits
            raw_ms = _raw(store, due)
            sweep_ms, escalated = _sweep(store, profile.ladders["default"], limit)
        finally:
            store.close()
    return {
        "db": db,
        "open": open_count,
        "due": due,
        "sweep_ms": round(sweep_ms, 2),
        "rows_touched": touched,
        "rows_written": 2 * escalated,  # one obligation update and one escalation insert each
        "escalated": escalated,
        "raw_read_ms": round(raw_ms, 2),
    }


def run(open_count: int, due: int, db: str, as_json: bool) -> None:
    results = [
        measure(name, open_count, due) for name in (("sqlite", "postgresql") if db == "both" else (db,))
    ]
    if as_json:  # one object per database, one per line
        for result in results:
            print(json.dumps(result))
        return
    print(f"sweep benchmark: {open_count:,} open obligations, {due:,} due; one sweep")
    for result in results:
        ok = result["sweep_ms"] < TARGET_MS and result["rows_touched"] <= 2 * due
        print(
            f"  {result['db']:<10} sweep {result['sweep_ms']:>8} ms"
            f"   rows touched {result['rows_touched']:>7,}"
            f"   written {result['rows_written']:>6,}   raw read of {due:,} rows {result['raw_read_ms']} ms"
            f"   target < {TARGET_MS:g} ms and ≤ {2 * due:,} rows: {'met' if ok else 'NOT met'}"
        )
