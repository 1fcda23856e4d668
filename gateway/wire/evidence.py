"""The evidence file of one message: a signed XML document the node compiles on request (the
console's one-click download) and anyone checks offline with `bgw verify FILE --trust DIR`.

It holds the signed notice, its signed receipts, the replies, replacements and cancellations that
refer to it (each exactly as it travelled, gateway.wire.embedded), and the node's log from the first
entry about the message to the head at export time, every entry in full: each hash is recomputed
(gateway.chain) and each link checked, and the last entry is the head the file states. Nothing is
left out between the first entry and the head, so the file grows with the log written since the
message; past `MAX_CHAIN_ENTRIES` the node refuses to export rather than cut the proof short.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from lxml import etree

from gateway import chain
from gateway.errors import WireError
from gateway.reasons import Reason
from gateway.wire.embedded import Document, embed
from gateway.wire.envelope import ENV_NS, EVIDENCE, Header, header_element, parse_time, q, read_header
from gateway.wire.parsing import Limits

MAX_CHAIN_ENTRIES = 100_000  # about 25 MB of log; a longer segment is refused (evidence-too-large)
MAX_DOCUMENTS = 256  # the schema's bound on embedded messages
# Embedded messages of up to 1 MiB each (base64) and one element per log entry.
EVIDENCE_LIMITS = Limits(
    max_bytes=128 << 20, max_elements=MAX_CHAIN_ENTRIES + 10 * MAX_DOCUMENTS, max_attributes=8 << 20
)


@dataclass(frozen=True)
class Proof:
    """What a checked chain segment proves: entries *first*..*last* are intact and end at the head."""

    first: int
    last: int
    head_hash: str
    about: int  # entries about the case's messages


def _stamp(at: datetime) -> str:
    """An entry's time as it was hashed (naive UTC to the microsecond), marked as UTC."""
    return at.replace(tzinfo=None).isoformat(timespec="microseconds") + "Z"


def build_evidence(
    header: Header, documents: Sequence[Document], entries: Sequence[chain.Entry]
) -> etree._Element:
    """An unsigned Evidence; *header* has type "evidence" and in_reply_to the message; *entries* the
    log from the first entry about it to the head, in order."""
    root = etree.Element(EVIDENCE, nsmap={None: ENV_NS})  # type: ignore[dict-item]
    root.append(header_element(header))
    embed(root, documents)
    holder = etree.SubElement(root, q("Chain"))
    for entry in entries:
        node = etree.SubElement(
            holder, q("Entry"), Seq=str(entry.seq), At=_stamp(entry.at), Event=entry.event
        )
        if entry.message_id is not None:
            node.set("MessageId", entry.message_id)
        if entry.peer is not None:
            node.set("Peer", entry.peer)
        node.set("PrevHash", entry.prev_hash)
        node.set("Hash", entry.hash)
        node.text = entry.detail
    last = entries[-1]
    etree.SubElement(root, q("Head"), Seq=str(last.seq), Hash=last.hash)
    return root


def read_chain(root: etree._Element) -> list[chain.Entry]:
    """The log entries of a verified Evidence, as the node hashed them."""
    entries = []
    for node in root.iterfind(f"{q('Chain')}/{q('Entry')}"):
        at = parse_time(node.get("At", "")).astimezone(UTC).replace(tzinfo=None)
        entries.append(
            chain.Entry(
                int(node.get("Seq", "0")),
                at,
                node.get("Event", ""),
                node.get("MessageId"),
                node.get("Peer"),
                node.text or "",
                node.get("PrevHash", ""),
                node.get("Hash", ""),
            )
        )
    return entries


def _broken(why: str) -> WireError:
    return WireError(f"the log chain in the evidence does not hold: {why}", reason=Reason.LOG_CHAIN_BROKEN)


def check_chain(root: etree._Element) -> Proof:
    """Recompute every hash of a verified Evidence's chain segment and check every link, that it
    starts with an entry about the message and ends at the head it states; raises WireError
    (log-chain-broken) otherwise."""
    if root.tag != EVIDENCE:
        raise WireError("not an Evidence file", reason=Reason.ENVELOPE_UNKNOWN)
    case = read_header(root).in_reply_to
    entries = read_chain(root)
    if not entries:
        raise _broken("no entries")
    first = entries[0]
    if first.message_id != case:
        raise _broken(f"entry {first.seq} is not about message {case}")
    broken = chain.first_break(entries, first.seq, first.prev_hash)
    if broken is not None:
        raise _broken(f"entry {broken[0]}: {broken[1]}")
    head = root.find(q("Head"))
    last = entries[-1]
    stated = (head.get("Seq"), head.get("Hash")) if head is not None else (None, None)
    if stated != (str(last.seq), last.hash):
        raise _broken(f"the head stated ({stated[0]}) is not the last entry ({last.seq})")
    ids = {node.get("MessageId") for node in root.iterfind(f"{q('Documents')}/{q('Document')}")} | {case}
    about = sum(1 for entry in entries if entry.message_id in ids)
    return Proof(first.seq, last.seq, last.hash, about)
