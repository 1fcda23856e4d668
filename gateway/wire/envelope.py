"""The envelope: header fields in and out of XML, and the Notification around a body."""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from lxml import etree

from gateway.errors import WireError
from gateway.reasons import Reason

ENV_NS = "urn:bgw:envelope:1"
DSIG_NS = "http://www.w3.org/2000/09/xmldsig#"
NOTIFICATION = f"{{{ENV_NS}}}Notification"
RECEIPT = f"{{{ENV_NS}}}Receipt"
DOSSIER = f"{{{ENV_NS}}}Dossier"
EVIDENCE = f"{{{ENV_NS}}}Evidence"
ENVELOPES = frozenset({NOTIFICATION, RECEIPT})  # what travels between nodes
SIGNED_DOCUMENTS = ENVELOPES | {DOSSIER, EVIDENCE}  # what a node signs (a dossier, evidence never travel)
SCHEMA_VERSION = "1.0"
RECEIPT_TYPE = "receipt"  # the header type of a Receipt
DOSSIER_TYPE = "dossier"  # the header type of a Dossier
EVIDENCE_TYPE = "evidence"  # the header type of an Evidence file
_REFERENCES = ("InReplyTo", "Supersedes", "Cancels")


def q(local: str) -> str:
    """Qualified name in the envelope namespace."""
    return f"{{{ENV_NS}}}{local}"


@dataclass(frozen=True)
class Party:
    side: str
    unit: str


@dataclass(frozen=True)
class Header:
    message_id: str
    profile: str
    type: str
    sender: Party
    recipient: Party
    created: datetime
    schema_version: str = SCHEMA_VERSION
    in_reply_to: str | None = None
    supersedes: str | None = None
    cancels: str | None = None
    late_justification: str | None = None

    def evolve(self, **changes: object) -> Header:
        return replace(self, **changes)  # type: ignore[arg-type]


def new_message_id() -> str:
    return str(uuid.uuid4())


def format_time(moment: datetime) -> str:
    """UTC, second precision unless finer, always with Z."""
    moment = moment.astimezone(UTC)
    text = moment.isoformat(timespec="microseconds" if moment.microsecond else "seconds")
    return text.replace("+00:00", "Z")


_END_OF_DAY = re.compile(r"T24:00(?::00(?:\.0+)?)?(?=[+-]|$)")


def parse_time(text: str) -> datetime:
    """An xs:dateTime with a zone, as UTC; raises ValueError (never another error) otherwise.

    24:00:00 is the end of the day, that is 00:00:00 of the next (XML Schema 1.0); a time whose
    UTC value falls outside years 1-9999 is refused."""
    value = text.replace("Z", "+00:00")
    end_of_day = _END_OF_DAY.search(value)
    if end_of_day:
        value = f"{value[: end_of_day.start()]}T00:00:00{value[end_of_day.end() :]}"
    try:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError(f"time {text!r} has no zone; UTC with Z is required")
        return moment.astimezone(UTC) + (timedelta(days=1) if end_of_day else timedelta())
    except OverflowError as exc:
        raise ValueError(f"time {text!r} is outside the years 1 to 9999 in UTC") from exc


def _children(node: etree._Element) -> dict[str, etree._Element]:
    return {child.tag: child for child in node if isinstance(child.tag, str)}


def _value(fields: dict[str, etree._Element], local: str, *, required: bool = True) -> str | None:
    node = fields.get(q(local))
    if node is None or node.text is None:
        if required:
            raise WireError(f"header field {local} is missing", reason=Reason.SCHEMA_INVALID)
        return None
    return node.text.strip()


def _party(fields: dict[str, etree._Element], local: str) -> Party:
    node = fields.get(q(local))
    if node is None:
        raise WireError(f"header field {local} is missing", reason=Reason.SCHEMA_INVALID)
    inner = _children(node)
    return Party(side=str(_value(inner, "Side")), unit=str(_value(inner, "Unit")))


def read_header(root: etree._Element) -> Header:
    """Read the header of a Notification or Receipt (call it on schema-valid, signed XML)."""
    node = root.find(q("Header"))
    if node is None:
        raise WireError("the envelope has no Header", reason=Reason.SCHEMA_INVALID)
    fields = _children(node)
    created = str(_value(fields, "Created"))
    try:
        created_at = parse_time(created)
    except ValueError as exc:
        raise WireError(f"header field Created: {exc}", reason=Reason.SCHEMA_INVALID) from exc
    return Header(
        message_id=str(_value(fields, "MessageId")),
        profile=str(_value(fields, "Profile")),
        type=str(_value(fields, "Type")),
        schema_version=str(_value(fields, "SchemaVersion")),
        sender=_party(fields, "Sender"),
        recipient=_party(fields, "Recipient"),
        created=created_at,
        in_reply_to=_value(fields, "InReplyTo", required=False),
        supersedes=_value(fields, "Supersedes", required=False),
        cancels=_value(fields, "Cancels", required=False),
        late_justification=_value(fields, "LateJustification", required=False),
    )


def header_element(header: Header) -> etree._Element:
    node = etree.Element(q("Header"), nsmap={None: ENV_NS})  # type: ignore[dict-item]
    etree.SubElement(node, q("MessageId")).text = header.message_id
    etree.SubElement(node, q("Profile")).text = header.profile
    etree.SubElement(node, q("Type")).text = header.type
    etree.SubElement(node, q("SchemaVersion")).text = header.schema_version
    for local, party in (("Sender", header.sender), ("Recipient", header.recipient)):
        party_node = etree.SubElement(node, q(local))
        etree.SubElement(party_node, q("Side")).text = party.side
        etree.SubElement(party_node, q("Unit")).text = party.unit
    etree.SubElement(node, q("Created")).text = format_time(header.created)
    for local, value in zip(
        _REFERENCES, (header.in_reply_to, header.supersedes, header.cancels), strict=True
    ):
        if value:
            etree.SubElement(node, q(local)).text = value
    if header.late_justification:
        etree.SubElement(node, q("LateJustification")).text = header.late_justification
    return node


def build_notification(header: Header, body: etree._Element) -> etree._Element:
    """A new unsigned Notification holding *header* and a copy of *body*."""
    root = etree.Element(NOTIFICATION, nsmap={None: ENV_NS})  # type: ignore[dict-item]
    root.append(header_element(header))
    body_node = etree.SubElement(root, q("Body"))
    body_node.append(etree.fromstring(etree.tostring(body)))
    return root


def body_of(root: etree._Element) -> etree._Element:
    """The body root element of a Notification."""
    body = root.find(q("Body"))
    if body is None or len(body) != 1:
        raise WireError(
            "the Notification must have a Body with exactly one element", reason=Reason.SCHEMA_INVALID
        )
    return body[0]


def signature_of(root: etree._Element) -> etree._Element | None:
    return root.find(f"{{{DSIG_NS}}}Signature")
