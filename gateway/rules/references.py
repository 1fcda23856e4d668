"""Supersede and cancel (pure): a notice may replace or call off an earlier notice of the same type
on the same link — a restriction extended, or lifted early. The earlier notice's open obligations
end (superseded or cancelled); the new one opens its own, a cancellation only its receipt.

A reference must name a notice this node holds on that link in the right direction: one we sent
when we send, one we received from the sender when we receive. Anything else is refused with a
reason code: unknown id, a foreign message (another link, or the other direction), another type.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass

from lxml import etree

from gateway.errors import WireError
from gateway.lifecycle import ObligationEvent
from gateway.profiles import MessageType
from gateway.reasons import Reason
from gateway.rules.fields import earliest_time
from gateway.rules.lead import required_lead
from gateway.wire.envelope import Header


class Kind(enum.StrEnum):
    SUPERSEDES = "supersedes"
    CANCELS = "cancels"

    @property
    def ends_as(self) -> ObligationEvent:
        """What happens to the earlier notice's open obligations."""
        return ObligationEvent.SUPERSEDED if self is Kind.SUPERSEDES else ObligationEvent.CANCELLED


@dataclass(frozen=True)
class Reference:
    kind: Kind
    message_id: str


@dataclass(frozen=True)
class Earlier:
    """A stored notice as a later one's reference sees it."""

    direction: str  # out: we sent it | in: we received it
    peer: str
    profile: str
    type: str
    payload: bytes


def reference_of(header: Header) -> Reference | None:
    if header.supersedes and header.cancels:
        raise WireError(
            "a notice supersedes or cancels an earlier one, not both",
            reason=Reason.RULE_VIOLATED,
            field="cancels",
        )
    if header.supersedes:
        return Reference(Kind.SUPERSEDES, header.supersedes)
    if header.cancels:
        return Reference(Kind.CANCELS, header.cancels)
    return None


def check_reference(
    reference: Reference, found: Sequence[Earlier], *, direction: str, peer: str, profile: str, type_name: str
) -> Earlier:
    """The earlier notice *reference* may replace, among *found* (what the node stores under that id)."""
    field = reference.kind.value
    if not found:
        raise WireError(
            f"{field} {reference.message_id}: no such notice on this node",
            reason=Reason.REFERENCE_UNKNOWN,
            field=field,
        )
    mine = [e for e in found if e.direction == direction and e.peer == peer and e.profile == profile]
    if not mine:
        other = found[0]
        whose = "sent to" if other.direction == "out" else "received from"
        wanted = "sent to" if direction == "out" else "received from"
        raise WireError(
            f"{field} {reference.message_id}: that is a notice {whose} {other.peer} under {other.profile}; "
            f"only a notice {wanted} {peer} under {profile} can be {reference.kind.ends_as} by this one",
            reason=Reason.REFERENCE_FOREIGN,
            field=field,
        )
    earlier = mine[0]
    if earlier.type != type_name:
        raise WireError(
            f"{field} {reference.message_id}: that notice is a {earlier.type}; a {type_name} can only "
            f"replace a notice of its own type",
            reason=Reason.REFERENCE_TYPE_MISMATCH,
            field=field,
        )
    return earlier


def lead_applies(
    reference: Reference | None,
    message_type: MessageType,
    body: etree._Element,
    earlier_body: etree._Element | None,
) -> bool:
    """Whether the lead time is checked: always for a new notice; never for a cancellation (calling
    something off early is always allowed); for a replacement only when it moves the start earlier
    than the notice it replaces announced (the peer already had the lead for that start)."""
    lead = required_lead(message_type)
    if reference is None or lead is None:
        return True
    if reference.kind is Kind.CANCELS:
        return False
    if earlier_body is None:
        return True
    new = earliest_time(body, lead.field)
    old = earliest_time(earlier_body, lead.field)
    return new is None or old is None or new < old
