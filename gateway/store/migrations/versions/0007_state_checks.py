"""The lifecycle in the schema: CHECK constraints on every direction and state column, so that no
writer — the node, a `bgw` command, the console, a replica, a hand-written statement — can store a
state the lifecycle (gateway/lifecycle.py) does not know. The values are frozen here as of this
revision. The `failed` state of an outbound message, never written by the node (a failed publication
is retried), is folded into `retry`.

On SQLite, adding a constraint recreates the table (Alembic batch mode); its indexes, partial ones
included, are created again explicitly.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

DIRECTION = "direction IN ('in', 'out')"
MESSAGE_STATE = (
    "(direction = 'out' AND state IN ('delivered', 'queued', 'refused', 'retry', 'sent', 'unreceipted')) "
    "OR (direction = 'in' AND state IN ('delivered', 'received'))"
)
OBLIGATION_STATE = "state IN ('cancelled', 'closed', 'open', 'superseded')"
ESCALATION_STATE = "state IN ('acknowledged', 'open', 'resolved')"
CHECKS = {
    "messages": [("ck_messages_direction", DIRECTION), ("ck_messages_state", MESSAGE_STATE)],
    "receipts": [("ck_receipts_direction", DIRECTION)],
    "obligations": [("ck_obligations_direction", DIRECTION), ("ck_obligations_state", OBLIGATION_STATE)],
    "escalations": [("ck_escalations_state", ESCALATION_STATE)],
}
# (name, table, columns, partial-index condition) of every index on those tables
INDEXES = [
    ("ix_messages_next", "messages", ["direction", "next_attempt_at"], "next_attempt_at IS NOT NULL"),
    ("ix_obligations_next", "obligations", ["next_at"], "next_at IS NOT NULL"),
    ("ix_obligations_message", "obligations", ["message_id"], None),
    ("ix_escalations_state", "escalations", ["state"], None),
    ("ix_escalations_unannounced", "escalations", ["id"], "announced_at IS NULL"),
]


def _create_index(name: str, table: str, columns: list[str], where: str | None) -> None:
    if where is None:
        op.create_index(name, table, columns)
    else:
        op.create_index(name, table, columns, sqlite_where=sa.text(where), postgresql_where=sa.text(where))


def upgrade() -> None:
    op.execute("UPDATE messages SET state = 'retry', next_attempt_at = updated_at WHERE state = 'failed'")
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, table, _, _ in INDEXES if sqlite else ():
        op.drop_index(name, table)
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, recreate="always" if sqlite else "auto") as batch:
            for name, condition in checks:
                batch.create_check_constraint(name, condition)
    for name, table, columns, where in INDEXES if sqlite else ():
        _create_index(name, table, columns, where)


def downgrade() -> None:
    sqlite = op.get_bind().dialect.name == "sqlite"
    for name, table, _, _ in INDEXES if sqlite else ():
        op.drop_index(name, table)
    for table, checks in CHECKS.items():
        with op.batch_alter_table(table, recreate="always" if sqlite else "auto") as batch:
            for name, _ in checks:
                batch.drop_constraint(name, type_="check")
    for name, table, columns, where in INDEXES if sqlite else ():
        _create_index(name, table, columns, where)
