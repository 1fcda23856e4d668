"""When the national system was told of an escalation: the `escalation` event is published after the
rung is committed, and until the broker confirms it the row stays unannounced and every sweep tries
again — a rung reached while the broker refused (or just before a crash) is never silent.

Rows that exist already were announced as they were reached (or their moment has passed): they are
marked announced at their own time, not sent again.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("escalations", sa.Column("announced_at", sa.DateTime()))
    op.execute("UPDATE escalations SET announced_at = at")
    op.create_index(
        "ix_escalations_unannounced",
        "escalations",
        ["id"],
        sqlite_where=sa.text("announced_at IS NULL"),
        postgresql_where=sa.text("announced_at IS NULL"),
    )


def downgrade() -> None:
    op.drop_index("ix_escalations_unannounced", "escalations")
    with op.batch_alter_table("escalations") as batch:
        batch.drop_column("announced_at")
