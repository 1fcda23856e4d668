"""Read-only views over the store: counts by state, a message's state, what a reference names,
and what the treaty calendar reads."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection, bindparam, case, func, select

from gateway.lifecycle import Direction, MessageState
from gateway.rules.references import Earlier
from gateway.store.schema import messages, receipts
from gateway.store.sql import Prepared, const, consts, stored_datetime
from gateway.store.times import aware
from gateway.wire.envelope import RECEIPT_TYPE

_RECEIPTS = "receipts"  # the receipts we sent, counted apart from the notices


def counts(conn: Connection) -> dict[tuple[str, str, str], dict[str, int]]:
    """{(peer, profile, direction): {state: count}}; direction is out, in, or receipts (ours, sent)."""
    direction = case((messages.c.type == RECEIPT_TYPE, _RECEIPTS), else_=messages.c.direction)
    query = select(messages.c.peer, messages.c.profile, direction, messages.c.state, func.count()).group_by(
        messages.c.peer, messages.c.profile, direction, messages.c.state
    )
    result: dict[tuple[str, str, str], dict[str, int]] = {}
    for peer, profile, way, state, number in conn.execute(query):
        result.setdefault((peer, profile, way), {})[state] = number
    return result


def message_state(conn: Connection, direction: Direction, message_id: str) -> MessageState | None:
    value = conn.execute(
        select(messages.c.state)
        .where(messages.c.direction == direction.value)
        .where(messages.c.message_id == message_id)
    ).scalar()
    return MessageState(value) if value is not None else None


def earlier(conn: Connection, message_id: str) -> list[Earlier]:
    """The notices stored under *message_id* (either direction): what a Supersedes or Cancels names."""
    query = select(
        messages.c.direction, messages.c.peer, messages.c.profile, messages.c.type, messages.c.payload
    ).where(
        messages.c.direction.in_(consts(Direction))  # both: through the (direction, message_id) key
        & (messages.c.message_id == message_id)
        & (messages.c.type != const(RECEIPT_TYPE))
    )
    return [Earlier(r.direction, r.peer, r.profile, r.type, r.payload) for r in conn.execute(query)]


class Recorded(NamedTuple):
    """A message a treaty clock reads."""

    type: str
    direction: str  # out: we sent it | in: the peer did
    received_at: datetime  # when its recipient received it (the signed receipt's time)
    payload: bytes  # the exact signed bytes: an entry-into-force notice says what it concerns


def treaty_messages(conn: Connection, profile: str, peer: str, types: Sequence[str]) -> list[Recorded]:
    """Every message of *types* exchanged with *peer* under *profile* that its recipient received
    without refusing it, with its time of receipt and signed bytes: what the treaty calendar reads, and
    what every national submission reads to know whether the agreement has ended (through the index
    ix_messages_treaty: the few messages that move a clock, never the log)."""
    rows = _treaty_query(tuple(sorted(types))).rows(conn, {"b_profile": profile, "b_peer": peer})
    return [Recorded(str(r[0]), str(r[1]), aware(stored_datetime(r[2])), bytes(r[3])) for r in rows]


@functools.cache
def _treaty_query(types: tuple[str, ...]) -> Prepared:
    """The read for one profile's clock types (written into the text: a profile has one set), prepared
    once: every national submission runs it, and building and compiling it each time cost more than
    running it."""
    return Prepared(
        select(messages.c.type, messages.c.direction, receipts.c.at, messages.c.payload)
        .select_from(
            messages.join(
                receipts,
                receipts.c.direction.in_(consts(Direction))  # through the (direction, message_id) key
                & (receipts.c.message_id == messages.c.message_id)
                & (receipts.c.direction != messages.c.direction),
            )
        )
        .where(
            (messages.c.profile == bindparam("b_profile"))
            & (messages.c.peer == bindparam("b_peer"))
            & messages.c.type.in_(consts(types))
            & (receipts.c.status != const("rejected"))
        )
    )
