"""Indexes for the two lookups that scanned their table, so neither grows with the history.

- The dispatcher's read of the outbox (`Store.due_outbound`, `Store.next_due`) is a range on
  `next_attempt_at`, which is NULL once a message needs no further send: a partial index on
  (direction, next_attempt_at) holds only what is in flight (as `ix_obligations_next` does for the
  sweep). It replaces `ix_messages_due` (state, next_attempt_at), which the planner passed over for
  the direction index: every round read every outbound message ever sent.
- An obligation by the message it belongs to (`obligations.replaced`, and closing a superseded or
  cancelled notice's obligations in either direction): the unique constraint starts with the
  direction, so a lookup without it scanned every obligation, once per receipt.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_index("ix_messages_due", "messages")
    op.create_index(
        "ix_messages_next",
        "messages",
        ["direction", "next_attempt_at"],
        sqlite_where=sa.text("next_attempt_at IS NOT NULL"),
        postgresql_where=sa.text("next_attempt_at IS NOT NULL"),
    )
    op.create_index("ix_obligations_message", "obligations", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_obligations_message", "obligations")
    op.drop_index("ix_messages_next", "messages")
    op.create_index("ix_messages_due", "messages", ["state", "next_attempt_at"])
