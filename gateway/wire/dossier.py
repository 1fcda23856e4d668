"""The diplomatic dossier: one signed XML document for an obligation that reached the diplomatic level
(KZ-UZ Art. 31(5), 41; KZ-AZ Art. 11): the obligation, every signed message of the case exactly as it
travelled (the notice, its receipts, the reminders), and the node's hash-chained log entries about it.

Each embedded message keeps its own signature: `check_documents` verifies every one of them and its
SHA-256, so a reader trusts the dossier's contents without trusting the node that compiled it.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from gateway.errors import GatewayError, WireError
from gateway.reasons import Reason
from gateway.wire.envelope import DOSSIER, ENV_NS, Header, format_time, header_element, q
from gateway.wire.parsing import Limits
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify

DOSSIER_TYPE = "dossier"
# A dossier carries several messages of up to 1 MiB each, base64-encoded.
DOSSIER_LIMITS = Limits(max_bytes=96 << 20)


@dataclass(frozen=True)
class Case:
    """The obligation the dossier is about, as the node recorded it."""

    duty: str
    item: str
    owner: str
    expects: str | None
    article: str
    source: str
    basis: str
    due_at: datetime
    level: str
    reached_at: datetime


@dataclass(frozen=True)
class Document:
    role: str  # notice | receipt | reminder
    message_id: str
    payload: bytes


@dataclass(frozen=True)
class TimelineEntry:
    seq: int
    at: datetime
    event: str
    message_id: str | None
    detail: str
    hash: str


def build_dossier(
    header: Header, case: Case, documents: Sequence[Document], timeline: Sequence[TimelineEntry]
) -> etree._Element:
    """An unsigned Dossier; *header* has type "dossier" and in_reply_to the notice of the case."""
    root = etree.Element(DOSSIER, nsmap={None: ENV_NS})  # type: ignore[dict-item]
    root.append(header_element(header))
    obligation = etree.SubElement(root, q("Obligation"))
    fields = (
        ("Duty", case.duty),
        ("Item", case.item or None),
        ("Owner", case.owner),
        ("Expects", case.expects),
        ("Article", case.article),
        ("Source", case.source),
        ("Basis", case.basis),
        ("DueAt", format_time(case.due_at)),
        ("Level", case.level),
        ("ReachedAt", format_time(case.reached_at)),
    )
    for local, value in fields:
        if value:
            etree.SubElement(obligation, q(local)).text = value
    holder = etree.SubElement(root, q("Documents"))
    for document in documents:
        node = etree.SubElement(
            holder,
            q("Document"),
            Role=document.role,
            MessageId=document.message_id,
            Sha256=hashlib.sha256(document.payload).hexdigest(),
        )
        node.text = base64.b64encode(document.payload).decode("ascii")
    entries = etree.SubElement(root, q("Timeline"))
    for entry in timeline:
        node = etree.SubElement(entries, q("Entry"), Seq=str(entry.seq), At=format_time(entry.at))
        node.set("Event", entry.event)
        if entry.message_id:
            node.set("MessageId", entry.message_id)
        node.set("Hash", entry.hash)
        node.text = entry.detail
    return root


@dataclass(frozen=True)
class Checked:
    role: str
    message_id: str
    signer: str | None  # the side whose signature verified; None if it did not
    problem: str | None


def check_documents(root: etree._Element, trust: TrustStore, at: datetime) -> list[Checked]:
    """Verify every message embedded in a verified dossier: its SHA-256 and its own signature."""
    if root.tag != DOSSIER:
        raise WireError("not a Dossier", reason=Reason.ENVELOPE_UNKNOWN)
    results = []
    for node in root.iterfind(f"{q('Documents')}/{q('Document')}"):
        role, message_id = node.get("Role", ""), node.get("MessageId", "")
        try:
            payload = base64.b64decode(node.text or "", validate=True)
        except (binascii.Error, ValueError):
            results.append(Checked(role, message_id, None, "not base64"))
            continue
        if hashlib.sha256(payload).hexdigest() != node.get("Sha256"):
            results.append(Checked(role, message_id, None, "SHA-256 does not match the bytes"))
            continue
        try:
            verified = verify(payload, trust, at)
        except GatewayError as exc:
            results.append(Checked(role, message_id, None, f"{exc.reason.value}: {exc.message}"))
            continue
        if verified.header.message_id != message_id:
            results.append(Checked(role, message_id, verified.side, "the message id inside differs"))
            continue
        results.append(Checked(role, message_id, verified.side, None))
    return results
