"""The audit trail: what people did — an operator on the console, a `bgw` command — as entries of the
hash-chained log, each naming who (`by`), in the same transaction as the act itself. An act's name
begins with one of PREFIXES, which is how the trail (gateway.store.trail) tells the acts of people
from the node's own entries."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from gateway.store import journal
from gateway.store.schema import ACT_PREFIXES
from gateway.store.unit import Tx

PREFIXES = ACT_PREFIXES  # console acts, `bgw user`, `bgw escalations`


def record(
    tx: Tx,
    at: datetime,
    actor: str,
    action: str,
    message_id: str | None = None,
    peer: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Append the act *action* of *actor*; returns its sequence number in the log."""
    if not action.startswith(PREFIXES):
        raise ValueError(f"an audit action begins with one of {PREFIXES}: {action!r}")
    return journal.append(tx, at, action, message_id, peer, {"by": actor, **(detail or {})})
