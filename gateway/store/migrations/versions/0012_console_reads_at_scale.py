"""The console's reads at scale: the audit trail's first page and the charts' days.

`ix_log_acts`: the audit trail (gateway/store/trail.py) reads people's acts newest first; without an
index it walked the log back from its head until it had a page, past every node entry (a few hundred
acts spread through a log of 1,000,000 entries: the whole log). Partial: only the acts (the events
with one of gateway.store.audit.PREFIXES) are in it, by `seq`; the trail's query states the same
predicate (gateway.store.schema.ACTS), which is how SQLite and PostgreSQL both match it.

`ix_messages_created`: the charts' traffic (gateway/store/series.py) counts the messages created in a
window of days, and the log's time-window filter (gateway/store/listing.py) bounds `created_at`; both
scanned the whole table.

Measured with `bgw bench console` (1,000,000 messages, 400 acts in a log of 1,000,000 entries; a
shared 2-core machine, server time p50), before -> after: the audit trail's first page 27 -> 4 ms
(SQLite) and 43 -> 10 ms (PostgreSQL); the 7-day charts 166 -> 26 ms and 93 -> 38 ms; the 90-day
charts 329 -> 228 ms and 188 -> 185 ms (13% of the table: PostgreSQL's scan was as good).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None
# As gateway.store.schema.ACTS states it today (a migration keeps its own copy: it must not change).
ACTS = "event LIKE 'console-%' OR event LIKE 'user-%' OR event LIKE 'escalation-%'"


def upgrade() -> None:
    op.create_index("ix_log_acts", "log", ["seq"], sqlite_where=sa.text(ACTS), postgresql_where=sa.text(ACTS))
    op.create_index("ix_messages_created", "messages", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_messages_created", "messages")
    op.drop_index("ix_log_acts", "log")
