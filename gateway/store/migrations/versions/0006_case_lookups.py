"""The log entries of one message, for the dossier's timeline: without an index on `log.message_id`
compiling a dossier read the whole log (the largest table) at the diplomatic rung.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-23
"""

from __future__ import annotations

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_log_message", "log", ["message_id"])


def downgrade() -> None:
    op.drop_index("ix_log_message", "log")
