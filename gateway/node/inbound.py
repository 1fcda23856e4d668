"""Inbound: a message from the peer is verified (off the event loop), decided (`plans`), committed,
receipted and handed over to the national inbox — or refused, quarantined with its raw bytes, and
answered with a signed negative receipt when its sender can be identified. Nothing is read before it
is verified; every failure, expected or not, ends in quarantine; a database that does not answer is
waited for with back-off while the delivery is held (never requeued in a loop).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Mapping
from datetime import datetime, timedelta
from typing import Any, Concatenate, ParamSpec, TypeVar

from sqlalchemy import Connection

from gateway.errors import GatewayError, WireError
from gateway.lifecycle import OUTBOX, Direction
from gateway.node import payloads
from gateway.node.clock import Clock
from gateway.node.config import NodeConfig, link_name
from gateway.node.database import Database
from gateway.node.duties import Obligations
from gateway.node.earlier import answered_of, earlier_of
from gateway.node.events import Events
from gateway.node.faults import Backoff, FaultLog, Stopping, persist
from gateway.node.plans import AlreadyReceipted, Arriving, Repeat, plan_notice, plan_receipt, plan_repeat
from gateway.profiles import Profile
from gateway.reasons import Reason
from gateway.store import OutgoingReceipt, Tx, inbox, obligations, quarantine, receipts
from gateway.store.inbox import Arrival, Stored
from gateway.store.quarantine import Refused
from gateway.transport.rabbit import InboundDelivery, PublishFailed
from gateway.wire.budget import Budget
from gateway.wire.codec import Codec
from gateway.wire.contract import Contract, Message
from gateway.wire.envelope import RECEIPT, RECEIPT_TYPE, Header, Party, format_time, new_message_id
from gateway.wire.receipt import Acknowledgement, build_receipt, digest_of
from gateway.wire.signing import SigningKey, sign
from gateway.wire.trust import TrustStore
from gateway.wire.verification import Verified, verify

log = logging.getLogger("gateway.inbound")
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
T = TypeVar("T")
P = ParamSpec("P")
_RECEIPT_RACES = 3  # a receipt re-read and re-decided when another writer moved its notice meanwhile


class Inbound:
    def __init__(
        self,
        *,
        config: NodeConfig,
        profiles: Mapping[str, Profile],
        trust: TrustStore,
        contract: Contract,
        codec: Codec,
        signer: SigningKey,
        obligations: Obligations,
        db: Database,
        clock: Clock,
        events: Events,
        wake: Callable[[], None],
        faults: FaultLog,
        stop: asyncio.Event,
    ) -> None:
        self.config, self.profiles, self.trust, self.contract = config, profiles, trust, contract
        self.codec, self.signer, self.obligations, self.db = codec, signer, obligations, db
        self.clock, self.events, self.wake, self.faults, self.stop = clock, events, wake, faults, stop
        delivery = config.delivery
        self.backoff = Backoff(delivery.fault_retry_base_s, delivery.fault_retry_ceiling_s)

    async def handle(self, delivery: InboundDelivery) -> None:
        """Settle one delivery. Raises only when the delivery must go back to the broker: the node is
        stopping (`Stopping`), or the broker connection failed under it (`PublishFailed`: the broker
        redelivers it, and the inbox answers the repeat)."""
        try:
            await self._handle(delivery)
        except (Stopping, PublishFailed):
            raise
        except Exception as exc:  # supervising: a defect still ends in quarantine, never in a requeue loop
            log.exception("inbound message failed", extra={"message_id": delivery.message_id})
            if not delivery.settled:
                failure = WireError(f"the node could not process it: {type(exc).__name__}")
                await self._refuse(delivery, failure, _hint_sender(delivery))

    async def _handle(self, delivery: InboundDelivery) -> None:
        at = self.clock()
        try:
            verified, message, notice = await asyncio.to_thread(self._examine, delivery.body, at)
        except WireError as refusal:
            await self._refuse(delivery, refusal, _hint_sender(delivery))
            return
        if message.acknowledgement is not None:
            await self._receipt(delivery, verified, message.acknowledgement)
        else:
            await self._notice(delivery, verified, message, notice)

    def _examine(self, body: bytes, at: datetime) -> tuple[Verified, Message, dict[str, Any] | None]:
        """Verify within the time budget, check the contract and the addressing, and decode a notice
        for the national system: all the CPU work on untrusted bytes, off the event loop, before
        anything is committed (a refusal here is coded)."""
        delivery = self.config.delivery
        skew, budget = timedelta(seconds=delivery.clock_skew_s), Budget.of(delivery.verify_budget_s)
        verified = verify(body, self.trust, at, skew=skew, budget=budget)
        message = self.contract.check(verified.root, verified.header)
        header = verified.header
        if header.recipient.side != self.config.side:
            raise WireError(
                f"addressed to side {header.recipient.side}, this node is {self.config.side}",
                reason=Reason.RECIPIENT_MISMATCH,
            )
        if self.config.link_for(header.sender.side, header.profile) is None:
            raise WireError(
                f"no link with {header.sender.side} under {header.profile} on this node",
                reason=Reason.LINK_UNKNOWN,
            )
        notice = self.codec.to_json(verified.root) if verified.root.tag != RECEIPT else None
        return verified, message, notice

    async def _db(self, step: Callable[[], Awaitable[T]]) -> T:
        """A database step, retried with back-off while the node runs (the delivery is held)."""
        return await persist(step, where="inbound", backoff=self.backoff, faults=self.faults, stop=self.stop)

    async def _write(self, function: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        return await self._db(lambda: self.db.write(function, *args, **kwargs))

    async def _read(
        self, function: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs
    ) -> T:
        return await self._db(lambda: self.db.read(function, *args, **kwargs))

    def _receipt_for(self, recipient: Party, profile: str, ack: Acknowledgement) -> OutgoingReceipt:
        """Our signed receipt, built once the decision is made."""
        receipt_id = new_message_id()
        header = Header(
            message_id=receipt_id,
            profile=profile,
            type=RECEIPT_TYPE,
            sender=Party(self.config.side, self.config.unit),
            recipient=recipient,
            created=self.clock(),
            in_reply_to=ack.message_id,
        )
        signed = sign(build_receipt(header, ack), self.signer)
        return OutgoingReceipt(receipt_id, ack.status, ack.reasons, signed, digest_of(signed))

    # -- notices ---------------------------------------------------------------------------------

    async def _notice(
        self, delivery: InboundDelivery, verified: Verified, message: Message, notice: dict[str, Any] | None
    ) -> None:
        at, header, digest = self.clock(), message.header, digest_of(delivery.body)
        peer = header.sender.side
        try:
            reference, earlier_body = await self._db(lambda: earlier_of(self.db, header, Direction.IN, peer))
        except WireError as refused:
            await self._refuse(delivery, refused, peer, profile=header.profile)
            return
        answered = await self._db(
            lambda: answered_of(self.db, header, message.type, message.profile, Direction.OUT, peer)
        )
        try:
            plan = plan_notice(
                message,
                received_at=at,
                skew=timedelta(seconds=self.config.delivery.clock_skew_s),
                reference=reference,
                earlier_body=earlier_body,
                obligations=self.obligations,
                answered=answered,
            )
        except WireError as refused:  # a time no rule can count from
            await self._refuse(delivery, refused, peer, profile=header.profile)
            return
        ack = Acknowledgement(header.message_id, digest, plan.status, plan.warnings, plan.detail, at)
        arrival = Arrival(
            header.message_id,
            peer,
            header.profile,
            header.type,
            header.created,
            digest,
            delivery.body,
            self._receipt_for(header.sender, header.profile, ack),
            plan.warnings,
            plan.duties,
            header.in_reply_to,
        )
        stored = await self._write(inbox.record, arrival, at)
        self.wake()
        if stored is not None:
            await self._repeat(delivery, notice or {}, message, plan, stored)
            return
        await self._hand_over(delivery, notice or {}, message, plan, at)

    async def _repeat(
        self,
        delivery: InboundDelivery,
        notice: Mapping[str, Any],
        message: Message,
        plan: Arriving,
        stored: Stored,
    ) -> None:
        """A notice whose id the inbox holds: refused if its bytes differ, else its receipt goes out
        again (and a hand-over that never committed is done now)."""
        header = message.header
        repeat = plan_repeat(stored, digest_of(delivery.body), delivery.redelivered)
        if repeat is Repeat.CONFLICT:
            refusal = WireError(
                f"message {header.message_id} was already received with other content",
                reason=Reason.DUPLICATE_CONFLICT,
            )
            await self._refuse(delivery, refusal, header.sender.side, profile=header.profile)
            return
        at = self.clock()
        await self._write(inbox.duplicate, header.message_id, header.sender.side, stored.receipt_id, at)
        self.wake()
        if repeat is Repeat.HAND_OVER:
            await self._hand_over(delivery, notice, message, plan, at)
            return
        log.info("duplicate", extra={"message_id": header.message_id, "link": _link(header)})
        await delivery.accept()

    async def _hand_over(
        self,
        delivery: InboundDelivery,
        notice: Mapping[str, Any],
        message: Message,
        plan: Arriving,
        at: datetime,
    ) -> None:
        header = message.header
        handed = payloads.notice(header, notice, delivery.body, at, plan.status, plan.warnings)
        await delivery.handover(payloads.notice_routing_key(header), handed, header.message_id)
        now = self.clock()
        await self._write(inbox.handed_over, header.message_id, now)
        log.info(
            "received", extra={"message_id": header.message_id, "link": _link(header), "state": plan.status}
        )
        await self._announce_duties(header, plan)
        await self._propose_referral(header, plan)
        if plan.detail:
            log.warning(
                "late or impossible times",
                extra={"message_id": header.message_id, "link": _link(header), "detail": plan.detail},
            )

    async def _announce_duties(self, header: Header, plan: Arriving) -> None:
        """Tell the national system what our side now owes, and by when."""
        for owed in plan.duties.opens if plan.duties is not None else ():
            if owed.direction is not Direction.IN:
                continue
            deadline = owed.deadline
            await self.events.emit(
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

    async def _propose_referral(self, header: Header, plan: Arriving) -> None:
        """Tell the national system which incidents a received joint-meeting protocol leaves without a
        joint decision: they go to the diplomatic channel (Art. 31(5), 41), in an incident-referral."""
        referral = plan.referral
        if referral is None:
            return
        log.warning(
            "incidents without a joint decision: referral proposed",
            extra={
                "message_id": header.message_id,
                "link": _link(header),
                "detail": {"incidents": len(referral.incidents), "article": referral.article},
            },
        )
        detail = payloads.referral(referral.protocol, referral.incidents, referral.article)
        await self.events.emit(
            "referral-proposed", header.message_id, (header.sender.side, header.profile), detail
        )

    # -- receipts --------------------------------------------------------------------------------

    async def _receipt(self, delivery: InboundDelivery, verified: Verified, ack: Acknowledgement) -> None:
        profile = self.profiles[verified.header.profile]
        for _ in range(_RECEIPT_RACES):
            sent = await self._read(receipts.sent, ack.message_id)
            replaced = await self._read(obligations.replaced, ack.message_id)
            try:
                plan = plan_receipt(
                    sent,
                    ack,
                    receipt_id=verified.header.message_id,
                    payload=delivery.body,
                    replaced=replaced,
                    profile=profile,
                    peer=verified.side,
                    obligations=self.obligations,
                )
            except WireError as refused:  # a receipt of a notice we sent to another peer or link
                await self._refuse(delivery, refused, verified.side, answer=False)
                return
            if plan is None:
                refusal = WireError(
                    f"receipt for unknown message {ack.message_id}", reason=Reason.REFERENCE_UNKNOWN
                )
                await self._refuse(delivery, refusal, verified.side, answer=False)
                return
            at = self.clock()
            if isinstance(plan, AlreadyReceipted):
                await self._write(
                    receipts.duplicate, ack.message_id, verified.header.message_id, verified.side, at
                )
                await delivery.accept()
                return
            if await self._write(receipts.record, plan, verified.side, at):
                state = OUTBOX.target(plan.event).value
                await self._receipted(delivery, verified, ack, state, plan.digest_ok)
                return
        raise RuntimeError(f"receipt for {ack.message_id}: its notice kept changing under it")

    async def _receipted(
        self, delivery: InboundDelivery, verified: Verified, ack: Acknowledgement, state: str, digest_ok: bool
    ) -> None:
        link = (verified.side, verified.header.profile)
        log.info("receipt", extra={"message_id": ack.message_id, "link": link_name(*link), "state": state})
        detail = {
            "status": ack.status,
            "reasons": list(ack.reasons),
            "digest_matches": digest_ok,
            "state": state,
        }
        await self.events.emit("receipt-received", ack.message_id, link, detail)
        await delivery.accept()

    # -- refusals --------------------------------------------------------------------------------

    async def _refuse(
        self,
        delivery: InboundDelivery,
        refusal: GatewayError,
        sender: str | None,
        *,
        profile: str | None = None,
        answer: bool = True,
    ) -> None:
        """Quarantine the raw bytes; answer with a signed negative receipt when the sender is known."""
        at = self.clock()
        message_id = delivery.message_id if delivery.message_id and _UUID.match(delivery.message_id) else None
        links = self.config.links_with(sender) if sender else ()
        link = links[0] if links else None
        negative = None
        if answer and message_id and link is not None:
            ack = Acknowledgement(
                message_id, digest_of(delivery.body), "rejected", (refusal.reason.value,), refusal.message, at
            )
            receipt = self._receipt_for(Party(link.peer, link.peer_unit), profile or link.profile, ack)
            negative = (receipt, link.peer, profile or link.profile)
        refused = Refused(
            "peer", refusal.reason.value, refusal.message, delivery.message_id, sender, delivery.body
        )
        await self._write(quarantine.add, refused, at, negative)
        log.warning(
            "refused",
            extra={
                "message_id": delivery.message_id,
                "reason": refusal.reason.value,
                "peer": sender,
                "detail": refusal.message[:300],
            },
        )
        detail = {"reason": refusal.reason.value, "message": refusal.message, "receipt_sent": bool(negative)}
        await self.events.emit("quarantined", message_id, (link.peer, link.profile) if link else None, detail)
        self.wake()
        await delivery.accept()


def _link(header: Header) -> str:
    return link_name(header.sender.side, header.profile)


def _hint_sender(delivery: InboundDelivery) -> str | None:
    """Who the transport says sent it (unverified: used only to address a negative receipt)."""
    value = delivery.headers.get("x-bgw-sender")
    return value if isinstance(value, str) and len(value) == 2 and value.isupper() else None
