"""Receipts: the signed technical acknowledgement of exactly the bytes received (pure)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from gateway.errors import WireError
from gateway.reasons import Reason
from gateway.wire.envelope import ENV_NS, RECEIPT, Header, format_time, header_element, parse_time, q

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

    return Acknowledgement(
        message_id=text("MessageId"),
        digest=text("Digest"),
        status=text("Status"),
        reasons=tuple((n.text or "").strip() for n in node.iterfind(q("ReasonCode"))),
        detail=text("Detail") or None,
        received_at=parse_time(text("ReceivedAt")),
    )
