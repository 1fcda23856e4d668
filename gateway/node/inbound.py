"""Inbound: a message from the peer is verified, validated, deduplicated, committed, receipted and
handed over to the national inbox — or refused, quarantined with its raw bytes, and answered with a
signed negative receipt when its sender can be identified. Nothing is read before it is verified."""

from __future__ import annotations

import logging
import re
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from gateway.errors import GatewayError, WireError
from gateway.node import payloads
from gateway.node.config import link_name
from gateway.reasons import Reason
from gateway.rules.lead import receiver_warnings
from gateway.rules.references import lead_applies
from gateway.store import OutgoingReceipt
from gateway.store.obligations import Duties
from gateway.transport.rabbit import InboundDelivery, PublishFailed
from gateway.wire.contract import Message
from gateway.wire.envelope import RECEIPT, Header, Party, format_time, new_message_id
from gateway.wire.receipt import Acknowledgement, build_receipt, digest_of, read_acknowledgement
from gateway.wire.signing import sign
from gateway.wire.verification import Verified, verify

if TYPE_CHECKING:
    from gateway.node.runtime import Node

log = logging.getLogger("gateway.inbound")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


class Inbound:
    def __init__(self, node: Node) -> None:
        self.node = node

    async def handle(self, delivery: InboundDelivery) -> None:
        node = self.node
        at = node.clock()
        digest = digest_of(delivery.body)
        try:
            verified = verify(delivery.body, node.trust, at)
            message = node.contract.check(verified.root, verified.header)
            self._check_addressing(verified.header)
        except WireError as refusal:
            await self._refuse(delivery, refusal, digest, _hint_sender(delivery))
            return
        if verified.root.tag == RECEIPT:
            await self._receipt(delivery, verified)
            return
        await self._notice(delivery, verified, digest, message)

    def _check_addressing(self, header: Header) -> None:
        node = self.node
        if header.recipient.side != node.config.side:
            raise WireError(
                f"addressed to side {header.recipient.side}, this node is {node.config.side}",
                reason=Reason.RECIPIENT_MISMATCH,
            )
        if node.config.link_for(header.sender.side, header.profile) is None:
            raise WireError(
                f"no link with {header.sender.side} under {header.profile} on this node",
                reason=Reason.LINK_UNKNOWN,
            )

    def _receipt_for(self, recipient: Party, profile: str, ack: Acknowledgement) -> OutgoingReceipt:
        node = self.node
        receipt_id = new_message_id()
        header = Header(
            message_id=receipt_id,
            profile=profile,
            type="receipt",
            sender=Party(node.config.side, node.config.unit),
            recipient=recipient,
            created=node.clock(),
            in_reply_to=ack.message_id,
        )
        signed = sign(build_receipt(header, ack), node.signer)
        return OutgoingReceipt(receipt_id, ack.status, ack.reasons, signed, digest_of(signed))

    async def _notice(
        self, delivery: InboundDelivery, verified: Verified, digest: str, message: Message
    ) -> None:
        node = self.node
        at = node.clock()
        header = message.header
        found = []
        duties = None
        if message.type is not None and message.body is not None:
            try:
                reference, earlier_body = await node.referenced(header, "in", header.sender.side)
            except WireError as refused:
                await self._refuse(delivery, refused, digest, header.sender.side, profile=header.profile)
                return
            skew = timedelta(seconds=node.config.delivery.clock_skew_s)
            applies = lead_applies(reference, message.type, message.body, earlier_body)
            found = receiver_warnings(message.type, message.body, at, skew, applies)
            duties = node.duties.received(
                message.profile,
                message.type,
                header.message_id,
                header.sender.side,
                message.body,
                at,
                header.in_reply_to,
                reference,
            )
        warnings = [reason.value for reason, _ in found]
        detail = "; ".join(text for _, text in found) or None
        status = "accepted-with-warning" if warnings else "accepted"
        receipt = self._receipt_for(
            header.sender,
            header.profile,
            Acknowledgement(header.message_id, digest, status, tuple(warnings), detail, at),
        )
        recorded = await node.db(
            node.store.record_inbound,
            message_id=header.message_id,
            peer=header.sender.side,
            profile=header.profile,
            message_type=header.type,
            created_at=header.created,
            digest=digest,
            payload=delivery.body,
            receipt=receipt,
            reasons=warnings,
            at=at,
            duties=duties,
        )
        link = link_name(header.sender.side, header.profile)
        if recorded.outcome == "conflict":
            refusal = WireError(
                f"message {header.message_id} was already received with other content",
                reason=Reason.DUPLICATE_CONFLICT,
            )
            await self._refuse(delivery, refusal, digest, header.sender.side, profile=header.profile)
            return
        node.wake_dispatcher()
        if recorded.outcome == "duplicate" and (recorded.delivered or not delivery.redelivered):
            # The same bytes again: the same receipt again (queued above), no second hand-over.
            log.info("duplicate", extra={"message_id": header.message_id, "link": link})
            await delivery.accept()
            return
        notice = payloads.notice(
            header, node.codec.to_json(verified.root), delivery.body, at, status, warnings
        )
        await delivery.handover(payloads.notice_routing_key(header), notice, header.message_id)
        await node.db(node.store.mark_delivered_national, header.message_id, node.clock())
        log.info("received", extra={"message_id": header.message_id, "link": link, "state": status})
        for owed in duties.opens if duties is not None else ():
            if owed.direction == "in":  # what our side now owes, and by when
                deadline = owed.deadline
                await node.emit(
                    "reply-due",
                    header.message_id,
                    (header.sender.side, header.profile),
                    {
                        "duty": deadline.duty.value,
                        "item": deadline.item,
                        "expects": deadline.expects,
                        "due_at": format_time(deadline.due_at),
                        "article": deadline.article,
                        "source": deadline.source.value,
                        "basis": deadline.basis,
                        "optional": deadline.optional,
                    },
                )
        if detail:
            log.warning(
                "late or impossible times",
                extra={"message_id": header.message_id, "link": link, "detail": detail},
            )

    async def _receipt(self, delivery: InboundDelivery, verified: Verified) -> None:
        node = self.node
        ack = read_acknowledgement(verified.root)
        profile = node.profiles[verified.header.profile]

        def peer_owes(type_name: str, received_at: datetime, sent: bytes) -> Duties:
            return node.duties.acknowledged(
                profile, ack.message_id, verified.side, type_name, received_at, sent
            )

        matched = await node.db(
            node.store.record_receipt,
            message_id=ack.message_id,
            receipt_id=verified.header.message_id,
            status=ack.status,
            reasons=list(ack.reasons),
            digest=ack.digest,
            payload=delivery.body,
            at=node.clock(),
            received_at=ack.received_at,
            duties_for=peer_owes,
        )
        if matched is None:
            refusal = WireError(
                f"receipt for unknown message {ack.message_id}", reason=Reason.REFERENCE_UNKNOWN
            )
            await self._refuse(delivery, refusal, digest_of(delivery.body), verified.side, answer=False)
            return
        state, digest_ok = matched
        link = link_name(verified.side, verified.header.profile)
        log.info("receipt", extra={"message_id": ack.message_id, "link": link, "state": state})
        await node.emit(
            "receipt-received",
            ack.message_id,
            (verified.side, verified.header.profile),
            {"status": ack.status, "reasons": list(ack.reasons), "digest_matches": digest_ok, "state": state},
        )
        await delivery.accept()

    async def _refuse(
        self,
        delivery: InboundDelivery,
        refusal: GatewayError,
        digest: str,
        sender: str | None,
        *,
        profile: str | None = None,
        answer: bool = True,
    ) -> None:
        """Quarantine the raw bytes; answer with a signed negative receipt when the sender is known."""
        node = self.node
        at = node.clock()
        message_id = delivery.message_id if delivery.message_id and _UUID.match(delivery.message_id) else None
        link = node.config.links_with(sender)[0] if sender and node.config.links_with(sender) else None
        negative = None
        if answer and message_id and link is not None:
            ack = Acknowledgement(
                message_id, digest, "rejected", (refusal.reason.value,), refusal.message, at
            )
            receipt = self._receipt_for(Party(link.peer, link.peer_unit), profile or link.profile, ack)
            negative = (receipt, link.peer, profile or link.profile)
        await node.db(
            node.store.quarantine,
            source="peer",
            reason=refusal.reason.value,
            detail=refusal.message,
            message_id=delivery.message_id,
            sender=sender,
            payload=delivery.body,
            at=at,
            receipt=negative,
        )
        log.warning(
            "refused",
            extra={
                "message_id": delivery.message_id,
                "reason": refusal.reason.value,
                "peer": sender,
                "detail": refusal.message[:300],
            },
        )
        await node.emit(
            "quarantined",
            message_id,
            (link.peer, link.profile) if link else None,
            {"reason": refusal.reason.value, "message": refusal.message, "receipt_sent": bool(negative)},
        )
        node.wake_dispatcher()
        await delivery.accept()


def _hint_sender(delivery: InboundDelivery) -> str | None:
    """Who the transport says sent it (unverified: used only to address a negative receipt)."""
    value = delivery.headers.get("x-bgw-sender")
    return value if isinstance(value, str) and len(value) == 2 and value.isupper() else None


__all__ = ["Inbound", "PublishFailed"]
