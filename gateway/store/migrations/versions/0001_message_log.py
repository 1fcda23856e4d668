"""The message log: messages (outbox and inbox), receipts, quarantine, and the hash-chained log.

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

SQLITE_GUARDS = [
    f"CREATE TRIGGER log_no_{action.lower()} BEFORE {action} ON log "
    "BEGIN SELECT RAISE(ABORT, 'the log is append-only'); END"
    for action in ("UPDATE", "DELETE")
]
POSTGRES_GUARDS = [
    "CREATE FUNCTION bgw_log_append_only() RETURNS trigger AS $$ "
    "BEGIN RAISE EXCEPTION 'the log is append-only'; END $$ LANGUAGE plpgsql",
    "CREATE TRIGGER log_append_only BEFORE UPDATE OR DELETE ON log "
    "FOR EACH ROW EXECUTE FUNCTION bgw_log_append_only()",
]


def upgrade() -> None:
    op.create_table(
        "messages",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("peer", sa.String(2), nullable=False),
        sa.Column("profile", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("state", sa.String(24), nullable=False),
        sa.Column("receipt_status", sa.String(24)),
        sa.Column("reasons", sa.Text),
        sa.Column("submission_key", sa.String(200)),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("next_attempt_at", sa.DateTime()),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("direction", "message_id", name="uq_messages_direction_id"),
        sa.UniqueConstraint("submission_key", name="uq_messages_submission_key"),
    )
    op.create_index("ix_messages_due", "messages", ["state", "next_attempt_at"])
    op.create_table(
        "receipts",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("receipt_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(24), nullable=False),
        sa.Column("reasons", sa.Text),
        sa.Column("payload", sa.LargeBinary, nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("direction", "message_id", name="uq_receipts_direction_message"),
    )
    op.create_table(
        "quarantine",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("source", sa.String(16), nullable=False),
        sa.Column("reason", sa.String(64), nullable=False),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("message_id", sa.String(200)),
        sa.Column("sender", sa.String(64)),
        sa.Column("payload", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "log",
        sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("event", sa.String(32), nullable=False),
        sa.Column("message_id", sa.String(36)),
        sa.Column("peer", sa.String(2)),
        sa.Column("detail", sa.Text, nullable=False),
        sa.Column("prev_hash", sa.String(64), nullable=False),
        sa.Column("hash", sa.String(64), nullable=False),
    )
    guards = POSTGRES_GUARDS if op.get_bind().dialect.name == "postgresql" else SQLITE_GUARDS
    for statement in guards:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS log_append_only ON log")
        op.execute("DROP FUNCTION IF EXISTS bgw_log_append_only()")
    for table in ("log", "quarantine", "receipts", "messages"):
        op.drop_table(table)
