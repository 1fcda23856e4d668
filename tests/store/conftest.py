"""A fresh, migrated store per test on both databases, and builders of the rows the node writes."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime

import pytest
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, create_engine

from gateway.chain import Entry
from gateway.store import OutgoingReceipt, Signed, Store, inbox, journal, outbox
from gateway.store.inbox import Arrival, Stored
from gateway.store.scratch import fresh_database
from gateway.store.store import MIGRATIONS

NOW = datetime(2026, 11, 24, 6, 0, tzinfo=UTC)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(request: pytest.FixtureRequest) -> Iterator[Store]:
    """A new SQLite file, or a PostgreSQL database of its own (the log is append-only, and concurrent
    runs must not share one)."""
    with fresh_database(request.param, "bgw_store") as url:
        opened = Store.open(url)
        try:
            yield opened
        finally:
            opened.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request: pytest.FixtureRequest) -> Iterator[str]:
    """The URL of a fresh database (migrated by whoever opens it first)."""
    with fresh_database(request.param, "bgw_store") as found:
        yield found


def signed(payload: bytes = b"<signed/>") -> Signed:
    return Signed(str(uuid.uuid4()), payload, "a" * 64, NOW)


def outbound(store: Store, key: str | None = None, at: datetime = NOW) -> tuple[str, bool]:
    return store.write(
        outbox.add,
        signed(),
        peer="UZ",
        profile="kz-uz-border-2024",
        message_type="marker-incident",
        submission_key=key,
        at=at,
    )


def arrival(message_id: str, digest: str) -> Arrival:
    receipt = OutgoingReceipt(str(uuid.uuid4()), "accepted", (), b"<receipt/>", "b" * 64)
    return Arrival(
        message_id, "KZ", "kz-uz-border-2024", "marker-incident", NOW, digest, b"<n/>", receipt, ()
    )


def inbound(store: Store, message_id: str, digest: str) -> Stored | None:
    return store.write(inbox.record, arrival(message_id, digest), NOW)


def logged(store: Store) -> list[Entry]:
    """Every entry of the log, in order."""
    with store.reading() as conn:
        return list(journal.entries(conn))


def _migrations() -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head() -> str:
    """The newest migration's revision."""
    return str(ScriptDirectory.from_config(_migrations()).get_current_head())


@contextmanager
def at_revision(url: str, revision: str) -> Iterator[Connection]:
    """The database *url* migrated to *revision* (an earlier release's schema), in one transaction
    the block fills with that release's rows."""
    engine = create_engine(url)
    config = _migrations()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, revision)
            yield connection
    finally:
        engine.dispose()
