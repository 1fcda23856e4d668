"""Quarantine: what was refused, kept with its raw bytes and the reason — nothing refused is lost —
with the signed negative receipt queued for its sender when the sender is known."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, func, select

from gateway.store import journal, outbox
from gateway.store.rows import OutgoingReceipt
from gateway.store.schema import quarantine
from gateway.store.sql import Prepared
from gateway.store.times import naive
from gateway.store.unit import Tx

_INSERT = Prepared(quarantine.insert(), keys=[c.name for c in quarantine.columns if c.name != "seq"])
_DETAIL_MAX = 4000


@dataclass(frozen=True)
class Refused:
    """Bytes refused, and why. *message_id* and *sender* are as claimed (unverified)."""

    source: str  # peer | national
    reason: str
    detail: str
    message_id: str | None
    sender: str | None
    payload: bytes


def add(
    tx: Tx, refused: Refused, at: datetime, receipt: tuple[OutgoingReceipt, str, str] | None = None
) -> None:
    """Keep *refused*; queue a negative *receipt* (receipt, peer, profile) if there is one."""
    _INSERT.run(
        tx.conn,
        {
            "at": naive(at),
            "source": refused.source,
            "reason": refused.reason,
            "detail": refused.detail[:_DETAIL_MAX],
            "message_id": refused.message_id,
            "sender": refused.sender,
            "payload": refused.payload,
        },
    )
    if receipt is not None:
        outbox.queue_receipt(tx, *receipt, at)
    message_id, sender = refused.message_id, refused.sender
    journal.append(
        tx,
        at,
        "quarantined",
        message_id if message_id and len(message_id) <= 36 else None,
        sender if sender and len(sender) == 2 else None,
        {"reason": refused.reason, "source": refused.source},
    )


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(quarantine)).scalar() or 0)
