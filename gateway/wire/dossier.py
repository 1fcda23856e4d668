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
from gateway.rules.deadlines import REMINDER
from gateway.wire.contract import Contract, Message
from gateway.wire.envelope import (
    DOSSIER,
    DOSSIER_TYPE,
    ENV_NS,
    NOTIFICATION,
    Header,
    format_time,
    header_element,
    q,
    read_header,
)
from gateway.wire.parsing import Limits
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify

# A dossier carries several messages of up to 1 MiB each, base64-encoded.
__all__ = [
    "DOSSIER_LIMITS",
    "DOSSIER_TYPE",
    "Case",
    "Checked",
    "Document",
    "TimelineEntry",
    "build_dossier",
    "check_documents",
]
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


def check_documents(
    root: etree._Element, trust: TrustStore, at: datetime, contract: Contract
) -> list[Checked]:
    """Check every message embedded in a verified dossier: its SHA-256, its own signature, the wire
    contract, and that it belongs to the case — the notice the dossier names (InReplyTo), a receipt
    of that notice, or a reminder about it, each of the dossier's profile and between its two sides."""
    if root.tag != DOSSIER:
        raise WireError("not a Dossier", reason=Reason.ENVELOPE_UNKNOWN)
    case = read_header(root)
    results = []
    for node in root.iterfind(f"{q('Documents')}/{q('Document')}"):
        role, message_id = node.get("Role", ""), node.get("MessageId", "")
        signer, problem = _check_document(node, case, trust, at, contract)
        results.append(Checked(role, message_id, signer, problem))
    return results


def _check_document(
    node: etree._Element, case: Header, trust: TrustStore, at: datetime, contract: Contract
) -> tuple[str | None, str | None]:
    """(the side whose signature verified, the problem) of one embedded document."""
    try:
        payload = base64.b64decode(node.text or "", validate=True)
    except (binascii.Error, ValueError):
        return None, "not base64"
    if hashlib.sha256(payload).hexdigest() != node.get("Sha256"):
        return None, "SHA-256 does not match the bytes"
    try:
        verified = verify(payload, trust, at)
    except GatewayError as exc:
        return None, f"{exc.reason.value}: {exc.message}"
    try:
        message = contract.check(verified.root, verified.header)
    except GatewayError as exc:
        return verified.side, f"{exc.reason.value}: {exc.message}"
    if verified.header.message_id != node.get("MessageId", ""):
        return verified.side, "the message id inside differs"
    return verified.side, _foreign(node.get("Role", ""), message, case)


def _foreign(role: str, message: Message, case: Header) -> str | None:
    """Why *message* does not belong to the case of the dossier, or None when it does."""
    header = message.header
    if header.profile != case.profile:
        return f"a message of profile {header.profile}, the dossier is about {case.profile}"
    if {header.sender.side, header.recipient.side} != {case.sender.side, case.recipient.side}:
        return (
            f"a message between {header.sender.side} and {header.recipient.side}, not of the dossier's link"
        )
    if role == "notice":
        about = header.message_id if message.root.tag == NOTIFICATION else None
    elif role == "receipt":
        about = message.acknowledgement.message_id if message.acknowledgement else None
    elif role == "reminder" and header.type == REMINDER and message.body is not None:
        about = message.body.findtext(f"{{{message.profile.namespace}}}MessageRef")
    else:
        return f"role {role!r} does not fit a {etree.QName(message.root).localname} of type {header.type}"
    if about != case.in_reply_to:
        return f"a {role} about message {about}, the dossier is about {case.in_reply_to}"
    return None
