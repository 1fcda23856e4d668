"""The obligations board's read through an index: the open obligations, soonest due first.

`ix_obligations_open_due`: the console's board (gateway/store/board.py) reads the open obligations
in due order, bounded; without the index that read scanned every obligation ever opened (PostgreSQL,
100,000 obligations of which 1,000 open: ~90 ms a read). Partial: only open rows are in it.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None
OPEN = "state = 'open'"


def upgrade() -> None:
    op.create_index(
        "ix_obligations_open_due",
        "obligations",
        ["due_at", "id"],
        sqlite_where=sa.text(OPEN),
        postgresql_where=sa.text(OPEN),
    )


def downgrade() -> None:
    op.drop_index("ix_obligations_open_due", "obligations")
