"""Which obligations a message opens or closes on this node (pure, given the node's side).

Direction `out`: the peer owes it (a reply to what we sent); `in`: we owe it (a reply to what we
received). Joint decisions go to the side the protocol names as responsible (both when it names
none). Each obligation's ladder is the one of its type on the channel its notice travelled on
(`rules.channels.message_channel`, decided by the caller), stored with it; its first rung is computed
from that ladder.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import datetime

from lxml import etree

from gateway.lifecycle import Direction
from gateway.profiles import Channel, MessageType, Profile
from gateway.rules.deadlines import (
    Deadline,
    Duty,
    executed_item,
    fixed_by_body,
    receipt_deadline,
    running_from_receipt,
)
from gateway.rules.ladder import first_at
from gateway.rules.references import Kind, Reference
from gateway.store.obligations import Duties, NewObligation
from gateway.wire.envelope import read_header
from gateway.wire.parsing import parse


class Obligations:
    def __init__(self, side: str, scale: float = 1.0) -> None:
        self.side = side
        self.scale = scale  # < 1 shortens ladder delays (tests and demos only)

    def _new(
        self,
        profile: Profile,
        message_type: MessageType,
        message_id: str,
        peer: str,
        owed_to_us: bool,
        deadlines: Iterable[Deadline],
        channel: Channel | None,
    ) -> Iterator[NewObligation]:
        ladder = profile.ladder_for(message_type, channel)
        for deadline in deadlines:
            if deadline.duty is Duty.DECISION:  # the side the protocol names, else both
                owners = [deadline.owner] if deadline.owner else [self.side, peer]
            else:
                owners = [peer if owed_to_us else self.side]
            for owner in (side for side in owners if side in (self.side, peer)):
                yield NewObligation(
                    Direction.OUT if owner == peer else Direction.IN,
                    message_id,
                    peer,
                    profile.id,
                    message_type.name,
                    owner,
                    deadline,
                    first_at(ladder, deadline.due_at, self.scale),
                    channel,
                )

    def sent(
        self,
        profile: Profile,
        message_type: MessageType,
        message_id: str,
        peer: str,
        body: etree._Element,
        in_reply_to: str | None,
        queued_at: datetime,
        reference: Reference | None = None,
        channel: Channel | None = None,
    ) -> Duties:
        """A notice we send: the peer's receipt (due per timing class from the moment it is queued),
        what the notice's own times fix for the peer (not for a cancellation); the reply it is, or the
        decision item it reports executed, closes ours; what it supersedes or cancels ends."""
        receipt = receipt_deadline(message_type, queued_at)
        receipt = replace(receipt, due_at=queued_at + (receipt.due_at - queued_at) * self.scale)
        deadlines = [receipt]
        if not _cancels(reference):
            deadlines += fixed_by_body(message_type, body)
        return self._duties(
            profile, message_type, message_id, peer, True, deadlines, body, in_reply_to, reference, channel
        )

    def received(
        self,
        profile: Profile,
        message_type: MessageType,
        message_id: str,
        peer: str,
        body: etree._Element,
        received_at: datetime,
        in_reply_to: str | None,
        reference: Reference | None = None,
        channel: Channel | None = None,
    ) -> Duties:
        """A notice we received: every reply and decision we now owe (nothing for a cancellation); the
        reply it is, or the decision item it reports executed, closes the peer's; what it supersedes or
        cancels ends."""
        deadlines: list[Deadline] = []
        if not _cancels(reference):
            deadlines = [*fixed_by_body(message_type, body), *running_from_receipt(message_type, received_at)]
        return self._duties(
            profile, message_type, message_id, peer, False, deadlines, body, in_reply_to, reference, channel
        )

    def _duties(
        self,
        profile: Profile,
        message_type: MessageType,
        message_id: str,
        peer: str,
        owed_to_us: bool,
        deadlines: Iterable[Deadline],
        body: etree._Element,
        in_reply_to: str | None,
        reference: Reference | None,
        channel: Channel | None,
    ) -> Duties:
        """What a notice opens, and what it closes or ends: the same for both directions."""
        return Duties(
            opens=tuple(self._new(profile, message_type, message_id, peer, owed_to_us, deadlines, channel)),
            answers=in_reply_to,
            executes=executed_item(message_type, body),
            replaces=(reference.message_id, reference.kind.ends_as) if reference is not None else None,
        )

    def acknowledged(
        self,
        profile: Profile,
        message_id: str,
        peer: str,
        type_name: str,
        received_at: datetime,
        sent: bytes,
        channel: Channel | None = None,
    ) -> Duties:
        """The peer's receipt of our notice (*sent*: its signed bytes; *channel*: the one it travelled
        on, as stored when it was sent): the reply it owes runs from its time of receipt — unless the
        notice calls off an earlier one (a cancellation wants no reply)."""
        message_type = profile.types.get(type_name)
        if message_type is None:
            return Duties()
        deadlines = running_from_receipt(message_type, received_at)
        if not deadlines or read_header(parse(sent)).cancels:
            return Duties()
        return Duties(tuple(self._new(profile, message_type, message_id, peer, True, deadlines, channel)))


def _cancels(reference: Reference | None) -> bool:
    return reference is not None and reference.kind is Kind.CANCELS
