"""What an escalation did: the reminder it sent the peer, and the dossier it compiled.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-23
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("escalations") as batch:
        batch.add_column(sa.Column("sent_id", sa.String(36)))
    op.create_table(
        "dossiers",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("dossier_id", sa.String(36), nullable=False, unique=True),
        sa.Column("escalation_id", sa.Integer, nullable=False, unique=True),
        sa.Column("message_id", sa.String(36), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("payload", sa.LargeBinary, nullable=False),
    )


def downgrade() -> None:
    op.drop_table("dossiers")
    with op.batch_alter_table("escalations") as batch:
        batch.drop_column("sent_id")
