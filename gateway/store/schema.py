"""Tables of the message log (the Alembic migrations create exactly these)."""

from __future__ import annotations

from sqlalchemy import (
    Column,
    DateTime,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

metadata = MetaData()

# One row per message, both directions. Outbound rows are the outbox: signed bytes are written
# here before anything is published.
messages = Table(
    "messages",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("direction", String(3), nullable=False),  # out | in
    Column("message_id", String(36), nullable=False),
    Column("peer", String(2), nullable=False),
    Column("profile", String(64), nullable=False),
    Column("type", String(64), nullable=False),
    Column("created_at", DateTime(), nullable=False),
    Column("digest", String(64), nullable=False),  # SHA-256 of the exact signed bytes
    Column("payload", LargeBinary, nullable=False),
    Column("state", String(24), nullable=False),
    Column("receipt_status", String(24)),
    Column("reasons", Text),
    Column("submission_key", String(200)),
    Column("attempts", Integer, nullable=False),
    Column("next_attempt_at", DateTime()),
    Column("updated_at", DateTime(), nullable=False),
    UniqueConstraint("direction", "message_id", name="uq_messages_direction_id"),
    UniqueConstraint("submission_key", name="uq_messages_submission_key"),
)
Index("ix_messages_due", messages.c.state, messages.c.next_attempt_at)

# Receipts: the one we sent for each inbound message (direction out), and the one we received
# for each outbound message (direction in).
receipts = Table(
    "receipts",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("direction", String(3), nullable=False),
    Column("message_id", String(36), nullable=False),  # the message acknowledged
    Column("receipt_id", String(36), nullable=False),
    Column("status", String(24), nullable=False),
    Column("reasons", Text),
    Column("payload", LargeBinary, nullable=False),
    Column("at", DateTime(), nullable=False),
    UniqueConstraint("direction", "message_id", name="uq_receipts_direction_message"),
)

# What was refused, with the raw bytes: nothing is lost.
quarantine = Table(
    "quarantine",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=True),
    Column("at", DateTime(), nullable=False),
    Column("source", String(16), nullable=False),  # peer | national
    Column("reason", String(64), nullable=False),
    Column("detail", Text, nullable=False),
    Column("message_id", String(200)),
    Column("sender", String(64)),
    Column("payload", LargeBinary, nullable=False),
)

# The append-only, hash-chained log of everything that happened.
log = Table(
    "log",
    metadata,
    Column("seq", Integer, primary_key=True, autoincrement=False),
    Column("at", DateTime(), nullable=False),
    Column("event", String(32), nullable=False),
    Column("message_id", String(36)),
    Column("peer", String(2)),
    Column("detail", Text, nullable=False),
    Column("prev_hash", String(64), nullable=False),
    Column("hash", String(64), nullable=False),
)
