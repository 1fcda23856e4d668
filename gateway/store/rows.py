"""Rows of the messages table and the records the store hands back (frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.lifecycle import Direction, MessageState
from gateway.store.schema import messages
from gateway.store.sql import Prepared
from gateway.store.times import naive

INSERT_MESSAGE = Prepared(messages.insert(), keys=[c.name for c in messages.columns if c.name != "seq"])


@dataclass(frozen=True)
class Signed:
    """A document the node signed: a notice, a reminder, a receipt's envelope, a dossier."""

    document_id: str
    payload: bytes
    digest: str
    created_at: datetime


@dataclass(frozen=True)
class OutgoingReceipt:
    """A signed receipt to queue for the peer."""

    receipt_id: str
    status: str
    reasons: tuple[str, ...]
    payload: bytes
    digest: str


def message_row(
    direction: Direction,
    message_id: str,
    peer: str,
    profile: str,
    message_type: str,
    created_at: datetime,
    digest: str,
    payload: bytes,
    state: MessageState,
    at: datetime,
    **extra: Any,
) -> dict[str, Any]:
    """Every column of a new messages row (always the same keys: one prepared INSERT)."""
    return {
        "direction": direction.value,
        "message_id": message_id,
        "peer": peer,
        "profile": profile,
        "type": message_type,
        "created_at": naive(created_at),
        "digest": digest,
        "payload": payload,
        "state": state.value,
        "attempts": 0,
        "updated_at": naive(at),
        "next_attempt_at": None,
        "receipt_status": None,
        "reasons": None,
        "submission_key": None,
        "in_reply_to": None,
        **extra,
    }
