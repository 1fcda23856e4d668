"""The channel each obligation's notice travelled on, and the treaty clocks' read through an index.

`obligations.channel`: the channel (AB, BR, DIP, JC) the notice that opened the obligation travelled
on — chosen per notice for the types the catalogue gives two, the answered act's for a reply that
follows it — which decides the obligation's escalation ladder. NULL on rows opened before this
revision: their ladder is the type's first channel's, as it was.

`ix_messages_treaty`: every national submission reads the link's agreement state (has it ended?)
from the messages that move a treaty clock; without the index that read scanned the whole log.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("obligations") as batch:
        batch.add_column(sa.Column("channel", sa.String(8), nullable=True))
    op.create_index("ix_messages_treaty", "messages", ["peer", "profile", "type"])


def downgrade() -> None:
    op.drop_index("ix_messages_treaty", "messages")
    with op.batch_alter_table("obligations") as batch:
        batch.drop_column("channel")
