"""The store on SQLite and PostgreSQL: outbox idempotency, database dedupe, the hash chain and its
verification, group commit with per-call savepoints (the chain stays intact when a call fails)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from gateway.store import OutgoingReceipt, Store

URLS = ["sqlite", "postgresql://bgw:bgw@127.0.0.1:5432/bgw_test"]
NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


@pytest.fixture(params=URLS, ids=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    url = request.param
    if url == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'gateway.sqlite3'}"
    opened = Store.open(url)
    if opened.postgres:  # a clean schema for each test: the log is append-only, so drop and migrate
        with opened.engine.begin() as conn:
            for table in ("log", "quarantine", "receipts", "messages", "alembic_version"):
                conn.execute(text(f"DROP TABLE IF EXISTS {table} CASCADE"))
            conn.execute(text("DROP FUNCTION IF EXISTS bgw_log_append_only() CASCADE"))
        opened.migrate()
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
