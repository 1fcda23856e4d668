"""The schema: Alembic's head is `schema.py`; a database made by an earlier release upgrades in
place, its constraints included; the lookups that run per message read through an index."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import event, text

from gateway.lifecycle import Direction
from gateway.store import Store, cases, escalations, obligations, outbox, receipts, views
from gateway.store.schema import metadata
from tests.store.conftest import NOW, at_revision


def test_the_migrations_build_the_declared_schema(store: Store) -> None:
    """Alembic's head and `schema.py` agree: tables, columns, indexes and constraints."""
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_a_database_of_the_previous_release_upgrades_with_its_rows(tmp_path: Path) -> None:
    """Migrated to 0006 (the schema before the lifecycle's constraints) with rows in it, then opened:
    the rows stay, the constraints hold, the indexes are all there."""
    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    with at_revision(url, "0006") as connection:
        connection.execute(text(
            "INSERT INTO messages (direction, message_id, peer, profile, type, created_at, digest, payload, "
            "state, attempts, updated_at) VALUES ('out', 'x', 'UZ', 'p', 't', '2026-11-01 00:00:00.000000', "
            "'d', x'00', 'failed', 3, '2026-11-01 00:00:00.000000')"
        ))  # fmt: skip
    store = Store.open(url)
    try:
        state = store.read(views.message_state, Direction.OUT, "x")
        assert state == "retry", "the never-written `failed` state is folded into `retry`"
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
            names = {
                row[0] for row in conn.execute(text("SELECT name FROM sqlite_master WHERE type='index'"))
            }
        assert {"ix_messages_next", "ix_obligations_next", "ix_escalations_unannounced"} <= names
    finally:
        store.close()


def test_the_lookups_that_run_per_message_read_through_an_index(tmp_path: Path) -> None:
    """The outbox claim, a message's obligations, the sweep, the unannounced escalations, a referenced
    notice, a dossier's evidence, the agreement's state every submission reads and the notice a receipt
    is for never scan a table: each would grow with the whole history
    (SQLite's plans of every statement the calls ran, as the driver executed them; the same indexes
    serve PostgreSQL)."""
    database = tmp_path / "plans.sqlite3"
    store = Store.open(f"sqlite:///{database}")
    ran: list[str] = []
    event.listen(store.engine, "connect", lambda dbapi, _record: dbapi.set_trace_callback(ran.append))
    store.engine.dispose()  # new connections, traced
    try:
        store.write(outbox.claim, NOW, NOW, 10)
        store.read(outbox.next_due)
        store.read(obligations.replaced, "m")
        store.write(obligations.close, "m", "r", NOW)
        store.read(obligations.due, NOW, 10)
        store.read(escalations.unannounced, 10)
        store.read(views.earlier, "m")  # a Supersedes or Cancels reference
        store.read(escalations.evidence, "m")  # a dossier: the notice, its receipts, reminders, log entries
        store.read(views.treaty_messages, "p", "UZ", ["denunciation-notice"])  # every submission: ended?
        store.read(receipts.sent, "m")  # a receipt: our notice, with the channel stored with it
        store.read(cases.related_to, "m", {})  # a message page's replies, by the InReplyTo stored with them
    finally:
        store.close()
    tables = ("FROM messages", "FROM obligations", "FROM escalations", "FROM receipts", "UPDATE ")
    lookups = [s for s in ran if any(table in s for table in tables)]  # not the pool's `SELECT 1`
    assert len(lookups) >= 11, lookups
    partial = "USING INDEX ix_escalations_unannounced"  # holds only the pending rows: reading it all is right
    with sqlite3.connect(database) as raw:
        for statement in lookups:
            plan = " | ".join(str(row[-1]) for row in raw.execute(f"EXPLAIN QUERY PLAN {statement}"))
            scans = [step for step in plan.split(" | ") if step.startswith("SCAN") and partial not in step]
            assert "SEARCH" in plan and not scans, f"{plan}: {statement}"
