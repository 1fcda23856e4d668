"""The message page's model: one frozen dataclass tree, drawn as the page (message.html) and as its
JSON twin (/api/messages/{id}). Plain values only — str, int, bool, None, datetime, lists and nested
dataclasses — so its schema can be generated from the classes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

# How a related message stands to this one: it replied to, replaced or cancelled it; this one answers,
# replaces or cancels it.
LINK_ROLES = ("reply", "replacement", "cancellation", "answers", "replaces", "cancels")


@dataclass(frozen=True)
class CertificateView:
    role: str  # signer | anchor
    subject: str
    issuer: str
    fingerprint: str  # SHA-256, hex
    not_before: datetime
    not_after: datetime


@dataclass(frozen=True)
class SignatureView:
    """The signature as verified now, against the node's trust anchors."""

    verified: bool
    checked_at: datetime
    side: str | None  # the side whose anchor the signer chains to
    reason: str | None  # the refusal's reason code when it does not verify now
    problem: str | None
    chain: list[CertificateView]  # the signer first, the side's trust anchor last


@dataclass(frozen=True)
class Rendering:
    lang: str
    text: str


@dataclass(frozen=True)
class TimelineEvent:
    seq: int | None  # the log entry; None for the creation time the message itself states
    at: datetime
    kind: str  # created | queued | attempt | sent | received | receipted | receipt-sent | handed-over
    #          | replied | superseded | cancelled | escalated | accessed | other
    event: str  # the log's event name
    message_id: str | None
    status: str | None  # a receipt's status
    digest_ok: bool | None  # whether the receipt acknowledged exactly the bytes sent
    attempt: int | None  # a publication attempt's number
    by: str | None  # who (an audited act) or which message (a reply, replacement, cancellation)


@dataclass(frozen=True)
class ObligationView:
    id: int
    duty: str  # receipt | reply | decision
    item: str
    owner: str
    expects: str | None
    article: str
    source: str  # text: the agreement fixes the time | default: the gateway's, not the agreement's
    basis: str
    due_at: datetime
    state: str
    level: int
    closed_by: str | None
    closed_at: datetime | None
    channel: str | None
    overdue: bool
    answer: str | None  # the compose form that answers it (open, ours to answer); None: nothing to write


@dataclass(frozen=True)
class LinkView:
    role: str  # one of LINK_ROLES
    message_id: str
    href: str
    type: str | None
    created_at: datetime | None


@dataclass(frozen=True)
class MessageView:
    message_id: str
    direction: str
    peer: str
    profile: str
    profile_title: str
    type: str
    type_title: str
    article: str
    channel: str
    state: str
    receipt_status: str | None
    created_at: datetime
    updated_at: datetime
    attempts: int
    digest: str
    renderings: list[Rendering]  # Russian first (it prevails), then the viewer's language if another
    raw_xml: str
    signature: SignatureView
    timeline: list[TimelineEvent]
    obligations: list[ObligationView]
    links: list[LinkView]
    evidence_href: str
