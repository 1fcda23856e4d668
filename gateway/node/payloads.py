"""What the node says to its national systems, as plain dicts (pure; see adapters/asyncapi.yaml)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from gateway.errors import GatewayError
from gateway.rules.incidents import REFERRAL, Unsettled
from gateway.wire.envelope import Header, format_time

EVENT_KINDS = (
    "receipt-received",
    "rejected",
    "quarantined",
    "send-failed",
    "reply-due",
    "escalation",
    "referral-proposed",
)


def _party(side: str, unit: str) -> dict[str, str]:
    return {"side": side, "unit": unit}


def notice(
    header: Header,
    notice_json: Mapping[str, Any],
    xml: bytes,
    received_at: datetime,
    status: str,
    warnings: Sequence[str] = (),
) -> dict[str, Any]:
    """A notice received from the peer, for routing key ``notice.<profile>.<type>``."""
    return {
        "message_id": header.message_id,
        "profile": header.profile,
        "type": header.type,
        "received_at": format_time(received_at),
        "status": status,
        "warnings": list(warnings),
        "sender": _party(header.sender.side, header.sender.unit),
        "recipient": _party(header.recipient.side, header.recipient.unit),
        "notice": dict(notice_json),
        "xml": xml.decode("utf-8"),
    }


def event(
    kind: str,
    at: datetime,
    message_id: str | None,
    link: tuple[str, str] | None,
    detail: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """An event for routing key ``event.<kind>``; *link* is (peer side, profile)."""
    if kind not in EVENT_KINDS:
        raise ValueError(f"unknown event kind {kind!r}")
    return {
        "event": kind,
        "at": format_time(at),
        "message_id": message_id,
        "link": {"peer": link[0], "profile": link[1]} if link else None,
        "detail": dict(detail or {}),
    }


def referral(protocol_id: str, incidents: Sequence[Unsettled], article: str) -> dict[str, Any]:
    """The detail of a `referral-proposed` event: the joint-meeting protocol *protocol_id* records
    *incidents* without a joint decision, which go to the diplomatic channel in an `incident-referral`
    (Art. 31(5), 41) that the national system drafts and submits."""
    return {
        "proposes": REFERRAL,
        "protocol_id": protocol_id,
        "article": article,
        "incidents": [
            {
                "summary": incident.summary,
                "number": incident.number,
                "message_ref": incident.message_ref,
                "occurred_at": incident.occurred_at,
            }
            for incident in incidents
        ],
    }


def accepted(message_id: str, profile: str, message_type: str, late: str | None = None) -> dict[str, Any]:
    """The answer to a submission that the node took: it will be signed and sent (*late*: it misses
    its lead time and goes out on its written justification)."""
    answer = {"status": "accepted", "message_id": message_id, "profile": profile, "type": message_type}
    if late:
        answer["late"] = late
    return answer


def rejected(error: GatewayError, field: str | None = None) -> dict[str, Any]:
    """The answer to a submission that the node refused, with the reason code and the field."""
    return {"status": "rejected", "reason": error.reason.value, "field": field, "message": error.message}


def notice_routing_key(header: Header) -> str:
    return f"notice.{header.profile}.{header.type}"


def event_routing_key(kind: str) -> str:
    return f"event.{kind}"
