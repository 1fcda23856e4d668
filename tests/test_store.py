"""The store on SQLite and PostgreSQL: outbox idempotency, database dedupe, the hash chain and its
verification, group commit with per-call savepoints (the chain stays intact when a call fails)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from gateway.store import OutgoingReceipt, Store
from gateway.store.scratch import scratch_database

URLS = ["sqlite", "postgresql"]
NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


@pytest.fixture(params=URLS, ids=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A fresh, migrated store per test: a new SQLite file, or a PostgreSQL database of its own (the log
    is append-only, and concurrent runs must not share one)."""
    if request.param == "sqlite":
        opened = Store.open(f"sqlite:///{tmp_path_factory.mktemp('db') / 'gateway.sqlite3'}")
        try:
            yield opened
        finally:
            opened.close()
        return
    with scratch_database("bgw_store") as url:
        opened = Store.open(url)
        try:
            yield opened
        finally:
            opened.close()


def outbound(store: Store, key: str | None = None) -> tuple[str, bool]:
    return store.add_outbound(
        message_id=str(uuid.uuid4()),
        peer="UZ",
        profile="kz-uz-border-2024",
        message_type="marker-incident",
        created_at=NOW,
        payload=b"<signed/>",
        digest="a" * 64,
        submission_key=key,
        at=NOW,
    )


def receipt() -> OutgoingReceipt:
    return OutgoingReceipt(str(uuid.uuid4()), "accepted", (), b"<receipt/>", "b" * 64)


def inbound(store: Store, message_id: str, digest: str) -> object:
    return store.record_inbound(
        message_id=message_id,
        peer="KZ",
        profile="kz-uz-border-2024",
        message_type="marker-incident",
        created_at=NOW,
        digest=digest,
        payload=b"<n/>",
        receipt=receipt(),
        reasons=[],
        at=NOW,
    )


def test_a_submission_key_is_sent_once(store: Store) -> None:
    first, new = outbound(store, "KZ:abc")
    again, new_again = outbound(store, "KZ:abc")
    assert (again, new, new_again) == (first, True, False)


def test_dedupe_in_the_database(store: Store) -> None:
    message_id = str(uuid.uuid4())
    assert inbound(store, message_id, "c" * 64).outcome == "new"  # type: ignore[attr-defined]
    assert inbound(store, message_id, "c" * 64).outcome == "duplicate"  # type: ignore[attr-defined]
    assert inbound(store, message_id, "d" * 64).outcome == "conflict"  # type: ignore[attr-defined]


def test_group_commit_keeps_the_chain_when_a_call_fails(store: Store) -> None:
    def failing() -> None:
        with store._tx() as conn:  # a store call that fails after appending to the log
            store._append(conn, NOW, "doomed", None, None, {})
            raise ValueError("fails after writing: its savepoint is rolled back, the chain head too")

    results = store.run_group([lambda: outbound(store), failing, lambda: outbound(store)])
    assert isinstance(results[1], ValueError)
    assert [entry.event for entry in store.entries()] == ["queued", "queued"]
    entries, broken = store.verify_chain()
    assert broken is None and entries == 2
    outbound(store)
    assert store.verify_chain() == (3, None)


def test_the_log_is_append_only_and_tampering_is_named(store: Store) -> None:
    for _ in range(3):
        outbound(store)
    with pytest.raises(Exception, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE log SET event = 'forged' WHERE seq = 2"))
    with store.engine.begin() as conn:  # someone with the database's owner rights disables the guard
        if store.postgres:
            conn.execute(text("ALTER TABLE log DISABLE TRIGGER log_append_only"))
        else:
            conn.execute(text("DROP TRIGGER log_no_update"))
        conn.execute(text("UPDATE log SET event = 'forged' WHERE seq = 2"))
    assert store.verify_chain() == (2, (2, "content does not match its hash"))


def test_obligations_open_once_sweep_by_index_climb_once_and_close(store: Store) -> None:
    from datetime import timedelta

    from gateway.profiles import load_profiles
    from gateway.rules.deadlines import running_from_receipt
    from gateway.rules.ladder import climb, first_at
    from gateway.store import obligations as table
    from gateway.store.schema import escalations

    profile = load_profiles()["kz-uz-border-2024"]
    proposal = profile.types["joint-meeting-proposal"]  # Art. 40(1): reply within 48 h (text)
    ladder = profile.ladder_for(proposal)
    [deadline] = running_from_receipt(proposal, NOW)
    new = [
        table.NewObligation("out", str(uuid.uuid4()), "UZ", profile.id, proposal.name, "UZ", deadline,
                            first_at(ladder, deadline.due_at))
        for _ in range(3)
    ]  # fmt: skip
    with store.engine.begin() as conn:
        table.open_obligations(conn, new, NOW)
        table.open_obligations(conn, new, NOW)  # a re-send or a restart: nothing opens twice
    due_at = NOW + timedelta(hours=48)
    with store.engine.begin() as conn:
        assert table.due(conn, due_at - timedelta(seconds=1), 10) == []
        found = table.due(conn, due_at, 10)
        assert len(found) == 3 and all(item.level == -1 and item.due_at == due_at for item in found)
        table.close(
            conn, direction="out", message_id=new[0].message_id, duty="reply", closed_by="r", at=due_at
        )
        found = table.due(conn, due_at, 10)
        assert [item.message_id for item in found] == [n.message_id for n in new[1:]]
        steps = [(item, climb(ladder, item.level, due_at)) for item in found]
        assert table.reach(conn, steps) == found
        assert table.reach(conn, steps) == [], "a rung is reached once: a stale sweep changes nothing"
        assert table.due(conn, due_at + timedelta(hours=3), 10) == []  # next rung after 4 h
        later = table.due(conn, due_at + timedelta(hours=4), 10)
        assert [item.level for item in later] == [0, 0]
        rows = conn.execute(escalations.select().order_by(escalations.c.id)).all()
        assert [(row.rung, row.level, row.state) for row in rows] == [(0, "duty-operator", "open")] * 2


def test_an_escalation_is_recorded_once_and_acted_on_with_an_audit_trail(store: Store) -> None:
    from datetime import timedelta

    from gateway.errors import InputError
    from gateway.profiles import load_profiles
    from gateway.rules.deadlines import running_from_receipt
    from gateway.rules.ladder import climb, first_at
    from gateway.store import Signed, Step
    from gateway.store import obligations as table

    profile = load_profiles()["kz-uz-border-2024"]
    proposal = profile.types["joint-meeting-proposal"]
    ladder = profile.ladder_for(proposal)
    [deadline] = running_from_receipt(proposal, NOW)
    message_id, _ = outbound(store)
    new = table.NewObligation(
        "out", message_id, "UZ", profile.id, proposal.name, "UZ", deadline, first_at(ladder, deadline.due_at)
    )
    with store.engine.begin() as conn:
        table.open_obligations(conn, [new], NOW)
    late = deadline.due_at + timedelta(seconds=1)
    [due] = store.due_obligations(late, 10)
    reminder = Signed(str(uuid.uuid4()), b"<signed-reminder/>", "d" * 64, late)
    step = Step(due, climb(ladder, due.level, late), reminder=reminder)
    [done] = store.escalate([step], late)
    assert (done.climb.rung.level, done.reminder_id) == ("duty-operator", reminder.document_id)
    assert store.escalate([step], late) == [], "the same rung again records nothing, sends nothing"
    assert store.message_state("out", reminder.document_id) == "queued", "the reminder is in the outbox"
    evidence = store.evidence(message_id)
    assert [role for role, _, _ in evidence.documents] == ["notice", "reminder"]
    assert [entry[2] for entry in evidence.timeline] == ["queued", "escalated", "queued"]
    [pending] = store.unannounced(10)  # its event is not confirmed yet: every sweep offers it
    assert (pending.id, pending.level, pending.direction, pending.next_at, pending.sent_id) == (
        done.id,
        "duty-operator",
        "out",
        done.climb.next_at,
        reminder.document_id,
    )
    store.mark_announced([done.id], late)
    assert store.unannounced(10) == []
    assert store.escalation_list()[0].announced_at == late

    with pytest.raises(InputError) as refused:
        store.escalation_act(done.id + 100, "acknowledge", None, "duty officer", late)
    assert refused.value.reason.value == "escalation-unknown"
    acked = store.escalation_act(done.id, "acknowledge", "calling the UZ duty officer", "duty officer", late)
    assert (acked.state, acked.acted_by) == ("acknowledged", "duty officer")
    with pytest.raises(InputError) as twice:
        store.escalation_act(done.id, "acknowledge", None, "someone", late)
    assert twice.value.reason.value == "escalation-transition-invalid"
    resolved = store.escalation_act(done.id, "resolve", "UZ confirmed by phone; reply follows", "chief", late)
    assert (resolved.state, resolved.note, resolved.obligation_state) == (
        "resolved",
        "UZ confirmed by phone; reply follows",
        "open",
    )
    entries = [e for e in store.entries() if e.event.startswith("escalation-")]
    assert [(e.event, e.message_id) for e in entries] == [
        ("escalation-acknowledged", message_id),
        ("escalation-resolved", message_id),
    ]
    assert '"by":"chief"' in entries[1].detail
    assert store.verify_chain()[1] is None


def test_the_migrations_build_the_declared_schema(store: Store) -> None:
    """Alembic's head and `schema.py` agree: tables, columns, indexes and constraints."""
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from gateway.store.schema import metadata

    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []


def test_the_lookups_that_run_per_message_read_through_an_index(tmp_path: object) -> None:
    """The outbox read, a message's obligations, the sweep, the unannounced escalations, a referenced
    notice and a dossier's evidence never scan a table: each would grow with the whole history
    (SQLite's plans; the same indexes serve PostgreSQL)."""
    from pathlib import Path

    from sqlalchemy import event

    from gateway.store import obligations as table

    store = Store.open(f"sqlite:///{Path(str(tmp_path)) / 'plans.sqlite3'}")
    plans: dict[str, str] = {}

    def explain(conn: object, cursor: object, statement: str, parameters: object, *_: object) -> None:
        if statement.startswith("SELECT") or statement.startswith("UPDATE"):
            rows = store.engine.raw_connection().execute(f"EXPLAIN QUERY PLAN {statement}", parameters)
            plans[statement] = " | ".join(str(row[-1]) for row in rows)

    try:
        event.listen(store.engine, "before_cursor_execute", explain)
        store.due_outbound(NOW, 10)
        store.next_due()
        with store.engine.begin() as conn:
            table.replaced(conn, "m")
            table.close(conn, message_id="m", closed_by="r", at=NOW, state="superseded")
            table.due(conn, NOW, 10)
        store.unannounced(10)
        store.earlier("m")  # a Supersedes or Cancels reference
        store.evidence("m")  # a dossier: the notice, its receipts, reminders and log entries
    finally:
        store.close()
    assert len(plans) == 11
    partial = "USING INDEX ix_escalations_unannounced"  # holds only the pending rows: reading it all is right
    for statement, plan in plans.items():
        scans = [step for step in plan.split(" | ") if step.startswith("SCAN") and partial not in step]
        assert "SEARCH" in plan and not scans, f"{plan}: {statement}"
