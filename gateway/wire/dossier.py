"""The diplomatic dossier: one signed XML document for an obligation that reached the diplomatic level
(KZ-UZ Art. 31(5), 41; KZ-AZ Art. 11): the obligation, every signed message of the case exactly as it
travelled (the notice, its receipts, the reminders), and the node's hash-chained log entries about it.

Each embedded message keeps its own signature (gateway.wire.embedded): `check_documents` verifies
every one of them and its SHA-256, so a reader trusts the dossier's contents without trusting the
node that compiled it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from gateway.wire.embedded import Checked, Document, check_documents, embed
from gateway.wire.envelope import DOSSIER, DOSSIER_TYPE, ENV_NS, Header, format_time, header_element, q
from gateway.wire.parsing import Limits

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
    embed(root, documents)
    entries = etree.SubElement(root, q("Timeline"))
    for entry in timeline:
        node = etree.SubElement(entries, q("Entry"), Seq=str(entry.seq), At=format_time(entry.at))
        node.set("Event", entry.event)
        if entry.message_id:
            node.set("MessageId", entry.message_id)
        node.set("Hash", entry.hash)
        node.text = entry.detail
    return root
