"""Migration 0012 (the console's reads at scale): a database of release 0011 with messages and a log
in it upgrades in place, on both databases; the rows stay, the two indexes are there, the schema is
the declared one, and the audit trail reads the acts through its partial index."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from gateway.store import Store, series, trail
from gateway.store.schema import metadata
from tests.store.conftest import at_revision, head

_MESSAGE = (
    "INSERT INTO messages (direction, message_id, peer, profile, type, created_at, digest, payload, state, "
    "attempts, updated_at) VALUES ('in', :id, 'KZ', 'p', 't', :at, 'd', :payload, 'received', 0, :at)"
)
_ENTRY = (
    "INSERT INTO log (seq, at, event, message_id, peer, detail, prev_hash, hash) "
    "VALUES (:seq, '2026-11-01 00:00:00.000000', :event, NULL, NULL, :detail, 'p', 'h')"
)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
EVENTS = ["received", "console-viewed", "sent", "user-added", "escalation-acknowledged", "swept"]


def _at_0011(url: str) -> None:
    with at_revision(url, "0011") as connection:
        for n in range(3):
            at = f"2026-11-0{n + 1} 00:00:00.000000"
            connection.execute(text(_MESSAGE), {"id": f"m{n}", "at": at, "payload": b"\x00"})
        for seq, event in enumerate(EVENTS, start=1):
            connection.execute(text(_ENTRY), {"seq": seq, "event": event, "detail": '{"by":"ops"}'})


def test_a_0011_database_with_rows_upgrades_to_0012(url: str) -> None:
    _at_0011(url)
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head()
            assert conn.execute(text("SELECT count(*) FROM messages")).scalar_one() == 3
            assert conn.execute(text("SELECT count(*) FROM log")).scalar_one() == len(EVENTS)
            indexes = {
                i["name"]: i["column_names"]
                for t in ("log", "messages")
                for i in inspect(conn).get_indexes(t)
            }
        assert indexes["ix_log_acts"] == ["seq"] and indexes["ix_messages_created"] == ["created_at"]
        acts = store.read(trail.page, trail.TrailFilter())
        assert [a.action for a in acts.rows] == ["escalation-acknowledged", "user-added", "console-viewed"]
        assert {a.actor for a in acts.rows} == {"ops"}
    finally:
        store.close()


def test_the_trail_and_the_traffic_read_through_their_indexes(url: str) -> None:
    """The plans, as each database makes them for the statements the pages run: the trail's first page
    a backward range of ix_log_acts (its predicate matched), the charts' traffic a range of
    ix_messages_created (PostgreSQL told not to scan: on a small table it would rather)."""
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            span = series.window(NOW, "Asia/Tashkent", 90)
            for query, index in (
                (trail.query(trail.TrailFilter(), None, 50), "ix_log_acts"),
                (series.traffic_query(conn, span), "ix_messages_created"),
            ):
                sql = str(query.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
                if conn.dialect.name == "postgresql":
                    conn.exec_driver_sql("SET enable_seqscan = off")
                    plan = " | ".join(row[0] for row in conn.exec_driver_sql(f"EXPLAIN {sql}"))
                else:
                    plan = " | ".join(
                        str(row[-1]) for row in conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {sql}")
                    )
                    steps = plan.split(" | ")
                    assert all(f"USING INDEX {index}" in s for s in steps if s.startswith("SCAN ")), plan
                assert index in plan, plan
    finally:
        store.close()
