"""Receipts: the signed technical acknowledgement of exactly the bytes received (pure)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from gateway.errors import WireError
from gateway.reasons import Reason
from gateway.wire.envelope import (
    ENV_NS,
    RECEIPT,
    RECEIPT_TYPE,
    Header,
    format_time,
    header_element,
    parse_time,
    q,
)

SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
STATUSES = ("accepted", "accepted-with-warning", "rejected")


def digest_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(frozen=True)
class Acknowledgement:
    message_id: str
    digest: str
    status: str
    reasons: tuple[str, ...]
    detail: str | None
    received_at: datetime


def build_receipt(header: Header, ack: Acknowledgement) -> etree._Element:
    """An unsigned Receipt envelope; *header* has type "receipt" and in_reply_to = ack.message_id."""
    if ack.status not in STATUSES:
        raise ValueError(f"receipt status {ack.status!r}")
    root = etree.Element(RECEIPT, nsmap={None: ENV_NS})  # type: ignore[dict-item]
    root.append(header_element(header))
    node = etree.SubElement(root, q("Acknowledgement"))
    etree.SubElement(node, q("MessageId")).text = ack.message_id
    etree.SubElement(node, q("Digest"), Algorithm=SHA256).text = ack.digest
    etree.SubElement(node, q("Status")).text = ack.status
    for reason in ack.reasons:
        etree.SubElement(node, q("ReasonCode")).text = reason
    if ack.detail:
        etree.SubElement(node, q("Detail")).text = ack.detail[:2000]
    etree.SubElement(node, q("ReceivedAt")).text = format_time(ack.received_at)
    return root


def read_acknowledgement(root: etree._Element) -> Acknowledgement:
    """Read the acknowledgement of a schema-valid, verified Receipt."""
    node = root.find(q("Acknowledgement"))
    if root.tag != RECEIPT or node is None:
        raise WireError("not a Receipt", reason=Reason.ENVELOPE_UNKNOWN)

    def text(local: str) -> str:
        return (node.findtext(q(local)) or "").strip()

    try:
        received_at = parse_time(text("ReceivedAt"))
    except ValueError as exc:
        raise WireError(f"Acknowledgement/ReceivedAt: {exc}", reason=Reason.SCHEMA_INVALID) from exc
    return Acknowledgement(
        message_id=text("MessageId"),
        digest=text("Digest"),
        status=text("Status"),
        reasons=tuple((n.text or "").strip() for n in node.iterfind(q("ReasonCode"))),
        detail=text("Detail") or None,
        received_at=received_at,
    )


def check_receipt(header: Header, ack: Acknowledgement) -> None:
    """A receipt makes sense: its header is of type receipt, answers the message it acknowledges,
    and its status agrees with its reason codes (a refusal or a warning names at least one, an
    acceptance none). Pure; raises a coded WireError."""
    if header.type != RECEIPT_TYPE:
        raise WireError(
            f"a Receipt's header type must be {RECEIPT_TYPE!r}, not {header.type!r}",
            reason=Reason.HEADER_TYPE_MISMATCH,
        )
    if header.in_reply_to != ack.message_id:
        raise WireError(
            f"the receipt's InReplyTo {header.in_reply_to!r} is not the message it acknowledges "
            f"({ack.message_id!r})",
            reason=Reason.RECEIPT_INCONSISTENT,
        )
    if (ack.status == "accepted") == bool(ack.reasons):
        raise WireError(
            f"receipt status {ack.status!r} with {len(ack.reasons)} reason codes: an acceptance carries "
            "none, a warning or a refusal at least one",
            reason=Reason.RECEIPT_INCONSISTENT,
        )
