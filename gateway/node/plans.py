"""What the node decides: pure functions of a message, the facts read from the store, and the clock.

Each handler — submissions, inbound notices and receipts, the dispatcher, the sweep — first decides,
producing a frozen plan from what it was given, then carries the plan out (signing, the database, the
broker). Nothing here does IO; the decisions are table-tested on their own (tests/node/test_plans.py).
A refusal is a coded GatewayError raised by the decision.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from lxml import etree

from gateway.errors import WireError
from gateway.lifecycle import OUTBOX, MessageEvent, MessageState
from gateway.node.config import Delivery, Link
from gateway.node.duties import Obligations
from gateway.profiles import Channel, Ladder, MessageType, Profile
from gateway.reasons import Reason
from gateway.rules.agreement import AgreementState, refuse_if_ended
from gateway.rules.channels import message_channel
from gateway.rules.incidents import PROTOCOL, REFERRAL, Unsettled, unsettled_incidents
from gateway.rules.ladder import Climb, climb
from gateway.rules.lead import LeadCheck, receiver_warnings, sender_check
from gateway.rules.references import Reference, lead_applies
from gateway.rules.resend import may_resend, wait_for_receipt
from gateway.store.inbox import Stored
from gateway.store.obligations import Duties, Obligation
from gateway.store.outbox import Outbound
from gateway.store.receipts import Acknowledged, Sent
from gateway.wire.contract import Message
from gateway.wire.envelope import RECEIPT_TYPE
from gateway.wire.receipt import Acknowledgement

Answered = tuple[MessageType, Channel]  # the type of the message a reply answers, and its channel

# -- a national submission ----------------------------------------------------------------------


@dataclass(frozen=True)
class Outgoing:
    """A submission the node will sign and send: on which link, late or not, what it obliges."""

    link: Link
    late: LeadCheck | None
    duties: Duties | None
    channel: Channel | None = None  # the channel it travels on (None: a type-less message)


def plan_submission(
    message: Message,
    *,
    side: str,
    link: Link | None,
    reference: Reference | None,
    earlier_body: etree._Element | None,
    agreement: AgreementState | None,
    now: datetime,
    obligations: Obligations,
    answered: Answered | None = None,
) -> Outgoing:
    """Whether this node sends *message* (checked against the contract) now, and what it obliges;
    *agreement*: the state of the agreement on the link (read when the link is known), under which
    nothing is sent once it has ended (Art. 12, 49); *answered*: for a reply that travels on the
    channel of what it answers, that message's type and channel (its obligations climb that ladder)."""
    header = message.header
    if header.sender.side != side:
        raise WireError(
            f"sender side {header.sender.side}: this node sends for {side}",
            reason=Reason.SENDER_MISMATCH,
            field="sender.side",
        )
    if link is None:
        raise WireError(
            f"this node has no link with {header.recipient.side} under {header.profile}",
            reason=Reason.LINK_UNKNOWN,
            field="recipient.side",
        )
    if agreement is not None:
        refuse_if_ended(agreement, header.type)
    if message.type is None or message.body is None:
        return Outgoing(link, None, None)
    applies = lead_applies(reference, message.type, message.body, earlier_body)
    late = sender_check(message.type, message.body, now, header.late_justification, applies)
    channel = message_channel(message.type, message.body, answered)
    duties = obligations.sent(
        message.profile,
        message.type,
        header.message_id,
        link.peer,
        message.body,
        header.in_reply_to,
        now,
        reference,
        channel,
    )
    return Outgoing(link, late, duties, channel)


# -- a notice from the peer -----------------------------------------------------------------------


@dataclass(frozen=True)
class Arriving:
    """A verified notice from the peer: the receipt status it gets, why, and what it obliges."""

    status: str  # accepted | accepted-with-warning
    warnings: tuple[str, ...]
    detail: str | None
    duties: Duties | None
    referral: Referral | None = None


def plan_notice(
    message: Message,
    *,
    received_at: datetime,
    skew: timedelta,
    reference: Reference | None,
    earlier_body: etree._Element | None,
    obligations: Obligations,
    answered: Answered | None = None,
) -> Arriving:
    """The receiver's independent check (late or impossible times are accepted with a warning), the
    obligations the notice opens and closes on this side (on the ladder of the channel it travelled
    on: *answered* as in plan_submission), and the incidents a joint-meeting protocol leaves to the
    diplomatic channel (Art. 31(5), 41)."""
    header = message.header
    if message.type is None or message.body is None:
        return Arriving("accepted", (), None, None)
    applies = lead_applies(reference, message.type, message.body, earlier_body)
    found = receiver_warnings(message.type, message.body, received_at, skew, applies)
    duties = obligations.received(
        message.profile,
        message.type,
        header.message_id,
        header.sender.side,
        message.body,
        received_at,
        header.in_reply_to,
        reference,
        message_channel(message.type, message.body, answered),
    )
    warnings = tuple(reason.value for reason, _ in found)
    detail = "; ".join(text for _, text in found) or None
    status = "accepted-with-warning" if warnings else "accepted"
    return Arriving(status, warnings, detail, duties, plan_referral(message))


@dataclass(frozen=True)
class Referral:
    """An `incident-referral` the node proposes to its national system: the incidents a received
    joint-meeting protocol records without a joint decision go to the diplomatic channel."""

    protocol: str  # the protocol's message id
    incidents: tuple[Unsettled, ...]
    article: str


def plan_referral(message: Message) -> Referral | None:
    """The referral a received *message* calls for (None: not a joint-meeting protocol, every incident
    settled, or no incident-referral in its profile)."""
    referral = message.profile.types.get(REFERRAL)
    if message.header.type != PROTOCOL or message.body is None or referral is None:
        return None
    unsettled = unsettled_incidents(message.body)
    if not unsettled:
        return None
    return Referral(message.header.message_id, tuple(unsettled), referral.article)


class Repeat(enum.StrEnum):
    """A notice whose id the inbox already holds."""

    CONFLICT = "conflict"  # other bytes under the same id: refused
    ANSWER = "answer"  # the same bytes again: the same receipt again, no second hand-over
    HAND_OVER = "hand-over"  # the broker redelivered one whose hand-over never committed


def plan_repeat(stored: Stored, digest: str, redelivered: bool) -> Repeat:
    if stored.digest != digest:
        return Repeat.CONFLICT
    if stored.state is MessageState.RECEIVED and redelivered:
        return Repeat.HAND_OVER
    return Repeat.ANSWER


# -- a receipt from the peer ----------------------------------------------------------------------


@dataclass(frozen=True)
class AlreadyReceipted:
    """A receipt for a notice whose receipt is recorded: noted, nothing changes."""

    state: MessageState


def plan_receipt(
    sent: Sent | None,
    ack: Acknowledgement,
    *,
    receipt_id: str,
    payload: bytes,
    replaced: bool,
    profile: Profile,
    peer: str,
    obligations: Obligations,
) -> Acknowledged | AlreadyReceipted | None:
    """What the peer's receipt of our notice *sent* means (None: no notice of ours has that id):
    delivered when it accepts exactly the bytes we sent, refused otherwise; a delivered notice opens
    the reply the peer owes from its signed time of receipt — unless a later notice replaced it."""
    if sent is None:
        return None
    if sent.peer != peer or sent.profile != profile.id:
        raise WireError(
            f"receipt from {peer} under {profile.id} for {ack.message_id}, a notice sent to {sent.peer} "
            f"under {sent.profile}",
            reason=Reason.REFERENCE_FOREIGN,
        )
    if not OUTBOX.allows(sent.state, MessageEvent.RECEIPTED):
        return AlreadyReceipted(sent.state)
    digest_ok = sent.digest == ack.digest
    delivered = ack.status != "rejected" and digest_ok
    duties = Duties()
    if delivered and not replaced:
        channel = Channel(sent.channel) if sent.channel else None
        duties = obligations.acknowledged(
            profile, ack.message_id, peer, sent.type, ack.received_at, sent.payload, channel
        )
    return Acknowledged(
        message_id=ack.message_id,
        receipt_id=receipt_id,
        status=ack.status,
        reasons=ack.reasons,
        digest_ok=digest_ok,
        event=MessageEvent.RECEIPTED if delivered else MessageEvent.REFUSED,
        payload=payload,
        received_at=ack.received_at,
        duties=replace(duties, receipted=ack.message_id),
    )


# -- the dispatcher -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Publish:
    attempt: int
    kind: str  # notification | receipt (the broker message's type)


@dataclass(frozen=True)
class GiveUp:
    """Every allowed send is done and no receipt came: stop; the missing receipt is escalated."""

    sends: int


def plan_dispatch(item: Outbound, message_type: MessageType | None) -> Publish | GiveUp:
    is_receipt = item.type == RECEIPT_TYPE
    if (
        not is_receipt
        and item.state is MessageState.SENT
        and message_type is not None
        and not may_resend(message_type, item.attempts)
    ):
        return GiveUp(item.attempts)
    return Publish(item.attempts + 1, "receipt" if is_receipt else "notification")


def resend_at(
    item: Outbound, message_type: MessageType | None, attempt: int, now: datetime, scale: float
) -> datetime | None:
    """When to send a confirmed notice again if no receipt comes (a receipt is sent once)."""
    if item.type == RECEIPT_TYPE or message_type is None:
        return None
    return now + wait_for_receipt(message_type, attempt, scale)


def retry_at(attempts: int, now: datetime, delivery: Delivery) -> datetime:
    """When to publish again after a failed publication: doubling from the base, up to the ceiling."""
    wait = min(delivery.retry_base_s * 2 ** min(attempts, 16), delivery.retry_ceiling_s)
    return now + timedelta(seconds=wait)


def lease_until(now: datetime, delivery: Delivery) -> datetime:
    """How long a claimed row stays off the dispatchers' lists: longer than a publish may take."""
    return now + timedelta(seconds=2 * delivery.publish_timeout_s + delivery.fault_retry_ceiling_s)


# -- the sweep ------------------------------------------------------------------------------------

DIPLOMATIC = "diplomatic"
REMINDED_DUTIES = ("reply", "decision")


@dataclass(frozen=True)
class Park:
    """The ladder has no further rung (the profile shortened it): stop looking at the obligation."""

    why: str


@dataclass(frozen=True)
class Rise:
    """The obligation reaches its next rung: with a reminder to the peer, a dossier, or neither."""

    climb: Climb
    reminder: bool
    dossier: bool


def plan_rung(obligation: Obligation, ladder: Ladder, now: datetime, scale: float) -> Park | Rise:
    """An overdue obligation's next rung; the first rung of a reply the peer owes sends it a reminder
    (Art. 42(2)), the diplomatic rung compiles the dossier."""
    if obligation.level + 1 >= len(ladder.rungs):
        return Park(f"ladder {ladder.name} has no rung {obligation.level + 1}")
    reached = climb(ladder, obligation.level, now, scale)
    reminder = reached.index == 0 and obligation.direction == "out" and obligation.duty in REMINDED_DUTIES
    return Rise(reached, reminder, reached.rung.level == DIPLOMATIC)


__all__: Sequence[str] = [
    "AlreadyReceipted",
    "Answered",
    "Arriving",
    "GiveUp",
    "Outgoing",
    "Park",
    "Publish",
    "Referral",
    "Repeat",
    "Rise",
    "lease_until",
    "plan_dispatch",
    "plan_notice",
    "plan_receipt",
    "plan_referral",
    "plan_repeat",
    "plan_rung",
    "plan_submission",
    "resend_at",
    "retry_at",
]
