"""Migration 0014 (the metrics' running totals): a database of release 0013 with notices both ways,
receipts accepted and refused, late and timely obligations and quarantined bytes upgrades in place, on
both databases; the totals it counts, with nothing after the marks, are the all-time aggregates; the
schema is the declared one."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text

from gateway.store import Store, checkpoint
from gateway.store.schema import metadata
from tests.store.conftest import at_revision, head
from tests.store.test_tallies import metrics, straightforward

_MESSAGE = (
    "INSERT INTO messages (direction, message_id, peer, profile, type, created_at, digest, payload, state, "
    "receipt_status, attempts, updated_at) VALUES (:dir, :id, 'KZ', 'p', :type, :at, 'd', 'x', :state, "
    ":status, 0, :at)"
)
_RECEIPT = (
    "INSERT INTO receipts (direction, message_id, receipt_id, status, payload, at) "
    "VALUES (:dir, :id, :rid, :status, 'r', :at)"
)
_OBLIGATION = (
    "INSERT INTO obligations (direction, message_id, peer, profile, type, duty, item, owner, article, "
    "source, basis, optional, due_at, state, level, closed_at, created_at) VALUES ('out', :id, 'KZ', 'p', "
    ":type, 'reply', '', 'KZ', 'a', 'text', 'b', false, :due, :state, -1, :closed, :due)"
)
_REFUSED = (
    "INSERT INTO quarantine (at, source, reason, detail, payload) VALUES (:at, 'peer', :reason, 'd', 'x')"
)
AT = "2026-11-01 00:00:00.000000"
STATES = {"in": "received", "out": "delivered"}


def _fill(connection: Connection) -> None:
    for n in range(12):
        direction, kind = ("out", "in")[n % 2], ("marker-incident", "crossing-restriction", "receipt")[n % 3]
        status = "rejected" if n % 4 == 1 else "accepted"
        state = "refused" if direction == "out" and status == "rejected" else STATES[direction]
        at = {"dir": direction, "id": f"m{n}", "type": kind, "at": AT, "state": state, "status": status}
        connection.execute(text(_MESSAGE), at)
        receipt = {
            "id": f"m{n}",
            "rid": f"r{n}",
            "status": status,
            "at": f"2026-11-01 00:0{n % 10}:07.000000",
        }
        connection.execute(text(_RECEIPT), {**receipt, "dir": "in" if direction == "out" else "out"})
        if direction == "out":
            closed = ("2026-11-02 00:00:00.000000", None, "2026-11-01 12:00:00.000000")[n % 3]
            state = "open" if closed is None else "closed"
            due = "2026-11-01 18:00:00.000000"
            connection.execute(
                text(_OBLIGATION), {"id": f"m{n}", "type": kind, "due": due, "state": state, "closed": closed}
            )
    for reason in ("schema-invalid", "schema-invalid", "signature-invalid"):
        connection.execute(text(_REFUSED), {"at": AT, "reason": reason})


def test_a_0013_database_with_rows_upgrades_and_its_totals_are_counted(url: str) -> None:
    with at_revision(url, "0013") as connection:
        _fill(connection)
        expected = straightforward(connection)
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head()
            marks = checkpoint.marks(conn)
            totals = conn.execute(text("SELECT sum(number) FROM traffic_tally")).scalar_one()
            indexes = {i["name"]: i["column_names"] for i in inspect(conn).get_indexes("obligations")}
        assert {source: mark.upto for source, mark in marks.items()} == {
            "messages": 12,
            "receipts": 12,
            "quarantine": 3,
        }
        assert totals == 8  # the notices (receipts are not counted): all in the totals, none after
        assert expected["traffic"] and expected["late"] and expected["latency"] and expected["quarantined"]
        assert store.read(metrics) == expected
        assert indexes["ix_obligations_late"] == ["peer", "profile", "type", "direction"]
    finally:
        store.close()
