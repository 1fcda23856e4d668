"""Drafts: a notice composed on the console for a link with second approval waits here until a
second operator approves it (then it is submitted: signed and sent) or it is withdrawn.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "drafts",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("peer", sa.String(16), nullable=False),
        sa.Column("profile", sa.String(64), nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("document", sa.Text(), nullable=False),
        sa.Column("drafted_by", sa.String(64), nullable=False),
        sa.Column("drafted_at", sa.DateTime(), nullable=False),
        sa.Column("acted_by", sa.String(64)),
        sa.Column("acted_at", sa.DateTime()),
        sa.Column("message_id", sa.String(36)),
        sa.CheckConstraint("state IN ('approved', 'drafted', 'withdrawn')", name="ck_drafts_state"),
    )
    op.create_index("ix_drafts_state", "drafts", ["state"])


def downgrade() -> None:
    op.drop_index("ix_drafts_state", "drafts")
    op.drop_table("drafts")
