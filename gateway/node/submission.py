"""National submissions: checked, decided (`plans.plan_submission`), signed, written to the outbox —
and only then published by the dispatcher. Every submission is answered: accepted with its message
id, or rejected with a reason code and the field; when the database does not answer within
`[delivery] submission_wait_s`, rejected `node-unavailable` ("try again later") and dead-lettered.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

from lxml import etree

from gateway.errors import GatewayError, InputError, WireError
from gateway.lifecycle import Direction
from gateway.node import payloads, treaty
from gateway.node.clock import Clock
from gateway.node.config import NodeConfig
from gateway.node.database import Database
from gateway.node.duties import Obligations
from gateway.node.earlier import answered_of, earlier_of
from gateway.node.faults import Backoff, FaultLog, Unavailable, persist
from gateway.node.plans import Outgoing, plan_submission
from gateway.profiles import Channel
from gateway.reasons import Reason
from gateway.rules.lead import LeadCheck, check_lead
from gateway.store import Signed, outbox
from gateway.transport.rabbit import Answer, Submission
from gateway.wire.codec import Codec
from gateway.wire.contract import Contract, Message
from gateway.wire.envelope import NOTIFICATION
from gateway.wire.parsing import parse
from gateway.wire.receipt import digest_of
from gateway.wire.signing import SigningKey, sign

log = logging.getLogger("gateway.outbound")
T = TypeVar("T")


class Submissions:
    def __init__(
        self,
        *,
        config: NodeConfig,
        contract: Contract,
        codec: Codec,
        signer: SigningKey,
        obligations: Obligations,
        db: Database,
        clock: Clock,
        wake: Callable[[], None],
        faults: FaultLog,
        stop: asyncio.Event,
    ) -> None:
        self.config, self.contract, self.codec, self.signer = config, contract, codec, signer
        self.obligations, self.db, self.clock, self.wake = obligations, db, clock, wake
        self.faults, self.stop = faults, stop
        delivery = config.delivery
        self.backoff = Backoff(delivery.fault_retry_base_s, delivery.fault_retry_ceiling_s)

    async def handle(self, submission: Submission) -> Answer:
        """Answer one submission from the national interface; raises only `Stopping` (the submission
        goes back to its queue)."""
        try:
            document = self._document(submission)
        except GatewayError as refusal:
            return self._refused(refusal)
        return await self.submit(document, submission.message_id or submission.correlation_id)

    async def submit(self, document: object, key: str | None) -> Answer:
        """The one submission path (the national interface and the console): *document* is an unsigned
        Notification (XML) or its JSON form (a dict: the sender is this node unless it says otherwise);
        *key*, the submitter's idempotency key: the same key again is answered with the same notice."""
        started = time.monotonic()
        now = self.clock()  # one instant for the lead check, the deadlines and the outbox
        try:
            root = self._root(document)
            message = self.contract.check(root)
            outgoing = await self._decide(message, now, started)
            signed = sign(root, self.signer)
            message_id, new = await self._patiently(
                lambda: self.db.write(
                    outbox.add,
                    Signed(message.header.message_id, signed, digest_of(signed), message.header.created),
                    peer=outgoing.link.peer,
                    profile=message.header.profile,
                    message_type=message.header.type,
                    submission_key=f"{self.config.side}:{key}" if key else None,
                    at=now,
                    duties=outgoing.duties,
                    in_reply_to=message.header.in_reply_to,
                ),
                started,
            )
        except Unavailable as busy:
            log.warning("submission not taken: the database does not answer", extra={"reason": busy.reason})
            return Answer(payloads.rejected(busy, None), dead_letter=True)
        except GatewayError as refusal:
            return self._refused(refusal)
        return Answer(self._accepted(message, outgoing, message_id, new))

    async def check(self, document: object) -> Verdict:
        """What `submit` would answer now, without signing or writing anything: the same checks
        (schema, content rules, link, agreement, references, lead time) and the same refusal."""
        started = time.monotonic()
        now = self.clock()
        message: Message | None = None
        try:
            message = self.contract.check(self._root(document))
            outgoing = await self._decide(message, now, started)
        except GatewayError as refusal:
            return Verdict(payloads.rejected(refusal, refusal.field), message, lead_now(message, now))
        late = outgoing.late is not None
        return Verdict(None, message, lead_now(message, now), outgoing.channel, late)

    def _refused(self, refusal: GatewayError) -> Answer:
        log.info(
            "submission refused", extra={"reason": refusal.reason.value, "detail": refusal.message[:300]}
        )
        return Answer(payloads.rejected(refusal, refusal.field))

    async def _decide(self, message: Message, now: datetime, started: float) -> Outgoing:
        header = message.header
        link = self.config.link_for(header.recipient.side, header.profile)
        reference = earlier_body = agreement = answered = None
        if link is not None:
            side, profile = self.config.side, message.profile
            agreement = await self._patiently(
                lambda: treaty.agreement_of(self.db, profile, link.peer, side, now), started
            )
        if link is not None and message.type is not None:
            reference, earlier_body = await self._patiently(
                lambda: earlier_of(self.db, header, Direction.OUT, link.peer), started
            )
            answered = await self._patiently(
                lambda: answered_of(self.db, header, message.type, message.profile, Direction.IN, link.peer),
                started,
            )
        return plan_submission(
            message,
            side=self.config.side,
            link=link,
            reference=reference,
            earlier_body=earlier_body,
            agreement=agreement,
            answered=answered,
            now=now,
            obligations=self.obligations,
        )

    async def _patiently(self, step: Callable[[], Awaitable[T]], started: float) -> T:
        """A database step, retried with back-off for what is left of the submission's patience."""
        left = self.config.delivery.submission_wait_s - (time.monotonic() - started)
        return await persist(
            step,
            where="submission",
            backoff=self.backoff,
            faults=self.faults,
            stop=self.stop,
            patience_s=max(left, 0.0),
        )

    def _accepted(
        self, message: Message, outgoing: Outgoing, message_id: str, new: bool
    ) -> dict[str, object]:
        header, late = message.header, outgoing.late
        if new:
            self.wake()
            log.info("queued", extra={"message_id": message_id, "link": outgoing.link.name})
            if late is not None:
                log.warning(
                    "sent late on its justification",
                    extra={"message_id": message_id, "link": outgoing.link.name, "detail": late.describe()},
                )
        return payloads.accepted(
            message_id, header.profile, header.type, late.describe() if late is not None else None
        )

    def _document(self, submission: Submission) -> object:
        """The submitted document: an unsigned Notification, or the JSON value (checked by `_root`)."""
        if submission.content_type.startswith("application/xml"):
            root = parse(submission.body)
            if root.tag != NOTIFICATION:
                raise WireError("a submission is an unsigned Notification", reason=Reason.ENVELOPE_UNKNOWN)
            return root
        try:
            return json.loads(submission.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"not JSON: {exc}", reason=Reason.JSON_INVALID) from exc

    def _root(self, document: object) -> etree._Element:
        if isinstance(document, etree._Element):
            return document
        if isinstance(document, dict):
            document = dict(document)
            sender = document.setdefault("sender", {})
            if isinstance(sender, dict):
                document["sender"] = {"side": self.config.side, "unit": self.config.unit, **sender}
        return self.codec.to_xml(document)


@dataclass(frozen=True)
class Verdict:
    """`Submissions.check`: the refusal `submit` would answer (payloads.rejected: reason, field,
    message) or None, with what the page shows before sending."""

    refusal: dict[str, object] | None
    message: Message | None  # the notice as checked (None: not even a notice)
    lead: LeadCheck | None  # its lead time measured now (None: its type has none, or no time yet)
    channel: Channel | None = None  # the channel it would travel on (accepted only)
    late: bool = False  # it would go out late, on its written justification

    @property
    def ok(self) -> bool:
        return self.refusal is None


def lead_now(message: Message | None, now: datetime) -> LeadCheck | None:
    if message is None or message.type is None or message.body is None:
        return None
    return check_lead(message.type, message.body, now)
