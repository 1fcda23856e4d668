"""A message's timeline: the log entries about it (and about its receipts and reminders) as events of
a few kinds, and the same events drawn as an inline SVG diagram (server-side, styled by classes in
console.css; the diagram is hidden from assistive technology, which reads the table of the same
events beside it)."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from markupsafe import Markup

from gateway.console.message_model import TimelineEvent

_KINDS = {
    "queued": "queued",
    "publish-retry": "attempt",
    "sent": "sent",
    "received": "received",
    "receipt-received": "receipted",
    "handed-over": "handed-over",
    "escalated": "escalated",
    "dossier-compiled": "escalated",
    "unreceipted": "escalated",
}
_REPLACED = {"superseded": "superseded", "cancelled": "cancelled"}
STEP = 150  # px between two events in the diagram; labels alternate above and below the line
KINDS = (
    "created", "queued", "attempt", "sent", "received", "receipted", "receipt-sent", "handed-over",
    "replied", "superseded", "cancelled", "escalated", "accessed", "other",
)  # fmt: skip


def _kind(event: str, message_id: str | None, case: str, detail: dict[str, Any]) -> str:
    if event.startswith("console-") or event.startswith("escalation-"):
        return "accessed" if event.startswith("console-") else "escalated"
    if event == "obligations-closed":
        replaces = detail.get("replaces")
        return _REPLACED.get(replaces[1], "replied") if replaces else "replied"
    if event == "sent" and message_id != case:
        return "receipt-sent"
    return _KINDS.get(event, "other")


def _detail(text: str) -> dict[str, Any]:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def events(
    case: str, created: datetime, entries: Sequence[tuple[int, datetime, str, str | None, str, str]]
) -> list[TimelineEvent]:
    """The timeline of message *case*: its creation, then each log entry (seq, at, event, id,
    detail, hash) in the log's order."""
    found = [TimelineEvent(None, created, "created", "created", case, None, None, None, None)]
    for seq, at, event, message_id, text, _ in entries:
        detail = _detail(text)
        status = detail.get("status")
        digest_ok = detail.get("digest_ok")
        attempt = detail.get("attempt")
        by = detail.get("by")
        found.append(
            TimelineEvent(
                seq,
                at,
                _kind(event, message_id, case, detail),
                event,
                message_id,
                status if isinstance(status, str) else None,
                digest_ok if isinstance(digest_ok, bool) else None,
                attempt if isinstance(attempt, int) else None,
                by if isinstance(by, str) else None,
            )
        )
    return found


def diagram(
    found: Sequence[TimelineEvent], label: Callable[[str], str], local: Callable[[datetime], str]
) -> Markup:
    """The events on one line, in order, each a dot of its kind's class with its label and local
    time, the labels of every other event below the line so that long ones do not overlap."""
    width = STEP * max(len(found), 1) + 60
    parts = [
        Markup('<svg class="timeline" aria-hidden="true" focusable="false" width="{w}" height="132" '
               'viewBox="0 0 {w} 132" xmlns="http://www.w3.org/2000/svg">').format(w=width),
        Markup('<line class="axis" x1="20" y1="66" x2="{x}" y2="66"/>').format(x=width - 20),
    ]  # fmt: skip
    for index, event in enumerate(found):
        x, (name_y, when_y) = 70 + index * STEP, ((20, 40) if index % 2 == 0 else (98, 118))
        parts.append(
            Markup(
                '<g class="event {kind}"><circle cx="{x}" cy="66" r="9"/>'
                '<text x="{x}" y="{name_y}" text-anchor="middle">{name}</text>'
                '<text class="when" x="{x}" y="{when_y}" text-anchor="middle">{at}</text></g>'
            ).format(
                kind=f"k-{event.kind}",
                x=x,
                name_y=name_y,
                when_y=when_y,
                name=label(event.kind),
                at=local(event.at),
            )
        )
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)
