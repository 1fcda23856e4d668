"""Read-only: the messages a link's treaty calendar reads, with their signed bytes.

`Store.received` gives (type, direction, time of receipt); the calendar also needs the body of each
entry-into-force notice (whether it concerns the Agreement or an amendment protocol, Art. 47, 49).
This is the same query with the payload added, kept in its own module so that it can be folded into
`Store` as a method without touching the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select

from gateway.store.schema import messages, receipts
from gateway.store.store import Store
from gateway.store.times import aware


class Recorded(NamedTuple):
    type: str
    direction: str  # out: we sent it | in: the peer did
    received_at: datetime  # when its recipient received it (the signed receipt's time)
    payload: bytes  # the exact signed bytes


def treaty_messages(store: Store, profile: str, peer: str, types: Sequence[str]) -> list[Recorded]:
    """Every message of *types* exchanged with *peer* under *profile* that its recipient received
    without refusing it, with its time of receipt and signed bytes."""
    query = (
        select(messages.c.type, messages.c.direction, receipts.c.at, messages.c.payload)
        .join(
            receipts,
            (receipts.c.message_id == messages.c.message_id) & (receipts.c.direction != messages.c.direction),
        )
        .where(
            (messages.c.profile == profile)
            & (messages.c.peer == peer)
            & messages.c.type.in_(list(types))
            & (receipts.c.status != "rejected")
        )
    )
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return [Recorded(str(r.type), str(r.direction), aware(r.at), bytes(r.payload)) for r in rows]
