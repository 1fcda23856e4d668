"""Obligations on the clock and the escalations they reach.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "obligations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("direction", sa.String(3), nullable=False),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("peer", sa.String(2), nullable=False),
        sa.Column("profile", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("duty", sa.String(16), nullable=False),
        sa.Column("item", sa.String(200), nullable=False),
        sa.Column("owner", sa.String(2), nullable=False),
        sa.Column("expects", sa.String(64)),
        sa.Column("article", sa.String(64), nullable=False),
        sa.Column("source", sa.String(8), nullable=False),
        sa.Column("basis", sa.Text, nullable=False),
        sa.Column("optional", sa.Boolean, nullable=False),
        sa.Column("due_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("level", sa.Integer, nullable=False),
        sa.Column("next_at", sa.DateTime()),
        sa.Column("closed_by", sa.String(36)),
        sa.Column("closed_at", sa.DateTime()),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.UniqueConstraint("direction", "message_id", "duty", "item", name="uq_obligations_message_duty"),
    )
    op.create_index(
        "ix_obligations_next",
        "obligations",
        ["next_at"],
        sqlite_where=sa.text("next_at IS NOT NULL"),
        postgresql_where=sa.text("next_at IS NOT NULL"),
    )
    op.create_table(
        "escalations",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("obligation_id", sa.Integer, nullable=False),
        sa.Column("rung", sa.Integer, nullable=False),
        sa.Column("level", sa.String(32), nullable=False),
        sa.Column("at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("note", sa.Text),
        sa.Column("acted_by", sa.String(64)),
        sa.Column("acted_at", sa.DateTime()),
        sa.UniqueConstraint("obligation_id", "rung", name="uq_escalations_rung"),
    )
    op.create_index("ix_escalations_state", "escalations", ["state"])


def downgrade() -> None:
    op.drop_index("ix_escalations_state", "escalations")
    op.drop_table("escalations")
    op.drop_index("ix_obligations_next", "obligations")
    op.drop_table("obligations")
