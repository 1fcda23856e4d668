"""What a message answers, as its header says: `messages.in_reply_to`, indexed.

A message page listed as replies only the messages that closed one of its obligations, so a reply
that closed none (a second reply, a reply the notice did not require, one that came after the
notice was superseded) was missing from the page that should show it. The store now writes the
header's InReplyTo with every message; the page reads the replies through `ix_messages_in_reply_to`.

The messages already stored get theirs from their own signed bytes (the envelope header, read with a
parser that resolves no entities and reaches no network; a payload that cannot be read keeps NULL),
in batches by `seq`. Receipts have no InReplyTo and are skipped.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-30
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from lxml import etree

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None
# As gateway.wire.envelope states them today (a migration keeps its own copy: it must not change).
ENVELOPE = "urn:bgw:envelope:1"
RECEIPT_TYPE = "receipt"
BATCH = 1000
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False)


def in_reply_to(payload: bytes) -> str | None:
    """The InReplyTo of a stored envelope's header, or None."""
    try:
        root = etree.fromstring(payload, _PARSER)
    except etree.XMLSyntaxError:
        return None
    found = root.find(f"{{{ENVELOPE}}}Header/{{{ENVELOPE}}}InReplyTo")
    text = (found.text or "").strip() if found is not None else ""
    return text if 0 < len(text) <= 36 else None


def upgrade() -> None:
    op.add_column("messages", sa.Column("in_reply_to", sa.String(36)))
    messages = sa.table(
        "messages", sa.column("seq"), sa.column("type"), sa.column("payload"), sa.column("in_reply_to")
    )
    conn = op.get_bind()
    after = 0
    while True:
        rows = conn.execute(
            sa.select(messages.c.seq, messages.c.payload)
            .where(messages.c.seq > after, messages.c.type != RECEIPT_TYPE)
            .order_by(messages.c.seq)
            .limit(BATCH)
        ).all()
        if not rows:
            break
        found = [{"b_seq": seq, "b_to": to} for seq, payload in rows if (to := in_reply_to(bytes(payload)))]
        if found:
            conn.execute(
                messages.update()
                .where(messages.c.seq == sa.bindparam("b_seq"))
                .values(in_reply_to=sa.bindparam("b_to")),
                found,
            )
        after = rows[-1][0]
    op.create_index("ix_messages_in_reply_to", "messages", ["in_reply_to"])


def downgrade() -> None:
    op.drop_index("ix_messages_in_reply_to", "messages")
    with op.batch_alter_table("messages") as batch:
        batch.drop_column("in_reply_to")
