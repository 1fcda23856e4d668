"""Signed messages embedded in a document the node compiles (a diplomatic dossier, an evidence file):
each exactly as it travelled, base64 with its SHA-256, keeping its own signature.

`check_documents` verifies every one of them, its SHA-256, the wire contract, and that it belongs to
the case the compiled document names (InReplyTo), so a reader trusts the contents without trusting
the node that compiled them.
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
from gateway.wire.envelope import DOSSIER, EVIDENCE, NOTIFICATION, Header, q, read_header
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify

# The role of an embedded message in the case, and the header reference that ties it to the case.
_REFERS = {"reply": "in_reply_to", "replacement": "supersedes", "cancellation": "cancels"}


@dataclass(frozen=True)
class Document:
    role: str  # notice | receipt | reminder | reply | replacement | cancellation
    message_id: str
    payload: bytes


@dataclass(frozen=True)
class Checked:
    role: str
    message_id: str
    signer: str | None  # the side whose signature verified; None if it did not
    problem: str | None


def embed(parent: etree._Element, documents: Sequence[Document]) -> etree._Element:
    """A Documents element under *parent*, one Document per message."""
    holder = etree.SubElement(parent, q("Documents"))
    for document in documents:
        node = etree.SubElement(
            holder,
            q("Document"),
            Role=document.role,
            MessageId=document.message_id,
            Sha256=hashlib.sha256(document.payload).hexdigest(),
        )
        node.text = base64.b64encode(document.payload).decode("ascii")
    return holder


def check_documents(
    root: etree._Element, trust: TrustStore, at: datetime, contract: Contract
) -> list[Checked]:
    """Check every message embedded in a verified dossier or evidence file: its SHA-256, its own
    signature, the wire contract, and that it belongs to the case — the message the document names
    (InReplyTo), a receipt of it, a reminder about it, or a reply, replacement or cancellation of
    it, each of the document's profile and between its two sides."""
    if root.tag not in (DOSSIER, EVIDENCE):
        raise WireError("neither a Dossier nor Evidence", reason=Reason.ENVELOPE_UNKNOWN)
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


def _about(role: str, message: Message) -> str | bool | None:
    """The message *message* is about in its *role*; False when the role does not fit it."""
    header = message.header
    if role == "notice":
        return header.message_id if message.root.tag == NOTIFICATION else None
    if role == "receipt":
        return message.acknowledgement.message_id if message.acknowledgement else None
    if role == "reminder" and header.type == REMINDER and message.body is not None:
        return message.body.findtext(f"{{{message.profile.namespace}}}MessageRef")
    if role in _REFERS and message.root.tag == NOTIFICATION:
        return getattr(header, _REFERS[role])  # type: ignore[no-any-return]
    return False


def _foreign(role: str, message: Message, case: Header) -> str | None:
    """Why *message* does not belong to the case of the document, or None when it does."""
    header = message.header
    if header.profile != case.profile:
        return f"a message of profile {header.profile}, the case is about {case.profile}"
    if {header.sender.side, header.recipient.side} != {case.sender.side, case.recipient.side}:
        return f"a message between {header.sender.side} and {header.recipient.side}, not of the case's link"
    about = _about(role, message)
    if about is False:
        return f"role {role!r} does not fit a {etree.QName(message.root).localname} of type {header.type}"
    if about != case.in_reply_to:
        return f"a {role} about message {about}, the case is about {case.in_reply_to}"
    return None
