"""Outbound: a national system's submission is checked, signed and written to the outbox — and only
then published. The dispatcher publishes what is due, marks it sent on the broker's confirm, re-sends
the same signed bytes while no receipt comes (bounded, per timing class), then stops: the missing
receipt is an obligation the sweep escalates."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from gateway.errors import GatewayError, InputError, WireError
from gateway.node import payloads
from gateway.reasons import Reason
from gateway.rules.lead import sender_check
from gateway.rules.references import lead_applies
from gateway.rules.resend import may_resend, wait_for_receipt
from gateway.store import Outbound
from gateway.transport.rabbit import PublishFailed, Submission
from gateway.wire.envelope import NOTIFICATION
from gateway.wire.parsing import parse
from gateway.wire.receipt import digest_of
from gateway.wire.signing import sign

if TYPE_CHECKING:
    from lxml import etree

    from gateway.node.runtime import Node

log = logging.getLogger("gateway.outbound")
BATCH = 500  # due messages taken per round
WINDOW = 64  # publishes awaiting their confirm at once


class Submissions:
    def __init__(self, node: Node) -> None:
        self.node = node

    async def handle(self, submission: Submission) -> Mapping[str, Any]:
        """Answer a national submission: accepted with the message id, or rejected with the reason."""
        node = self.node
        now = node.clock()  # one instant for the lead check, the deadlines and the outbox
        try:
            root = self._notice(submission)
            message = node.contract.check(root)
            header = message.header
            if header.sender.side != node.config.side:
                raise WireError(
                    f"sender side {header.sender.side}: this node sends for {node.config.side}",
                    reason=Reason.SENDER_MISMATCH,
                    field="sender.side",
                )
            link = node.config.link_for(header.recipient.side, header.profile)
            if link is None:
                raise WireError(
                    f"this node has no link with {header.recipient.side} under {header.profile}",
                    reason=Reason.LINK_UNKNOWN,
                    field="recipient.side",
                )
            late = duties = None
            if message.type is not None and message.body is not None:
                reference, earlier_body = await node.referenced(header, "out", link.peer)
                late = sender_check(
                    message.type,
                    message.body,
                    now,
                    header.late_justification,
                    lead_applies(reference, message.type, message.body, earlier_body),
                )
                duties = node.duties.sent(
                    message.profile,
                    message.type,
                    header.message_id,
                    link.peer,
                    message.body,
                    header.in_reply_to,
                    now,
                    reference,
                )
            signed = sign(root, node.signer)
        except GatewayError as refusal:
            log.info(
                "submission refused", extra={"reason": refusal.reason.value, "detail": refusal.message[:300]}
            )
            return payloads.rejected(refusal, refusal.field)
        key = submission.message_id or submission.correlation_id
        message_id, new = await node.db(
            node.store.add_outbound,
            message_id=header.message_id,
            peer=link.peer,
            profile=header.profile,
            message_type=header.type,
            created_at=header.created,
            payload=signed,
            digest=digest_of(signed),
            submission_key=f"{node.config.side}:{key}" if key else None,
            at=now,
            duties=duties,
        )
        if new:
            node.wake_dispatcher()
            log.info("queued", extra={"message_id": message_id, "link": link.name})
            if late is not None:
                log.warning(
                    "sent late on its justification",
                    extra={"message_id": message_id, "link": link.name, "detail": late.describe()},
                )
        return payloads.accepted(
            message_id, header.profile, header.type, late.describe() if late is not None else None
        )

    def _notice(self, submission: Submission) -> etree._Element:
        node = self.node
        if submission.content_type.startswith("application/xml"):
            root = parse(submission.body)
            if root.tag != NOTIFICATION:
                raise WireError("a submission is an unsigned Notification", reason=Reason.ENVELOPE_UNKNOWN)
            return root
        try:
            data = json.loads(submission.body)
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise InputError(f"not JSON: {exc}", reason=Reason.JSON_INVALID) from exc
        if isinstance(data, dict):
            sender = data.setdefault("sender", {"side": node.config.side, "unit": node.config.unit})
            if isinstance(sender, dict):
                sender.setdefault("side", node.config.side)
                sender.setdefault("unit", node.config.unit)
        return node.codec.to_xml(data)


class Dispatcher:
    """Publishes due outbound messages; the only place that sends to the peer."""

    def __init__(self, node: Node) -> None:
        self.node = node
        self.wake = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        node = self.node
        window = asyncio.Semaphore(WINDOW)

        async def send(item: Outbound) -> None:
            async with window:
                if stop.is_set():
                    return
                try:
                    await self._send(item)
                except Exception:  # supervising loop: log with the traceback, the item stays due
                    log.exception("dispatch failed", extra={"message_id": item.message_id})

        while not stop.is_set():
            self.wake.clear()
            if node.transport.connected.is_set():
                due = await node.db(node.store.due_outbound, node.clock(), BATCH)
                await asyncio.gather(*(send(item) for item in due))
                if len(due) == BATCH:
                    continue
            await self._sleep(stop)

    async def _sleep(self, stop: asyncio.Event) -> None:
        node = self.node
        next_due = await node.db(node.store.next_due)
        delay = 1.0
        if next_due is not None:
            delay = min(max((next_due - node.clock()).total_seconds(), 0.01), 1.0)
        waits = {asyncio.ensure_future(stop.wait()), asyncio.ensure_future(self.wake.wait())}
        _done, pending = await asyncio.wait(waits, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()

    async def _send(self, item: Outbound) -> None:
        node = self.node
        link = node.config.link_for(item.peer, item.profile)
        if link is None:
            log.error(
                "no link for outbound message", extra={"message_id": item.message_id, "peer": item.peer}
            )
            return
        message_type = node.profiles[item.profile].types.get(item.type)
        is_receipt = item.type == "receipt"
        if (
            not is_receipt
            and item.state == "sent"
            and message_type
            and not may_resend(message_type, item.attempts)
        ):
            await self._give_up(item, link.name)
            return
        attempt = item.attempts + 1
        try:
            await node.transport.publish_peer(
                link.outbound_exchange,
                link.routing_key,
                item.payload,
                message_id=item.message_id,
                kind="receipt" if is_receipt else "notification",
                sender=node.config.side,
            )
        except PublishFailed as failure:
            wait = min(
                node.config.delivery.retry_base_s * 2 ** min(item.attempts, 16),
                node.config.delivery.retry_ceiling_s,
            )
            retry_at = node.clock() + timedelta(seconds=wait)
            await node.db(
                node.store.mark_failed,
                item.message_id,
                node.clock(),
                retry_at,
                attempt,
                f"{failure.kind}: {failure.message}",
            )
            log.warning(
                "publish failed",
                extra={
                    "message_id": item.message_id,
                    "link": link.name,
                    "reason": failure.kind,
                    "detail": failure.message,
                },
            )
            if attempt == node.config.delivery.max_publish_attempts:
                await node.emit(
                    "send-failed",
                    item.message_id,
                    (link.peer, link.profile),
                    {"attempts": attempt, "error": failure.message, "still_retrying": True},
                )
            return
        resend_at = None
        if not is_receipt and message_type is not None:
            resend_at = node.clock() + wait_for_receipt(
                message_type, attempt, node.config.delivery.time_scale
            )
        await node.db(node.store.mark_sent, item.message_id, node.clock(), resend_at, attempt)
        log.info(
            "sent", extra={"message_id": item.message_id, "link": link.name, "detail": {"attempt": attempt}}
        )

    async def _give_up(self, item: Outbound, link: str) -> None:
        """Every allowed send is done: stop re-sending. The missing receipt is an open obligation,
        escalated along the link's ladder by the sweep (it was due long before this point)."""
        node = self.node
        await node.db(node.store.mark_unreceipted, item.message_id, node.clock(), item.attempts)
        log.warning(
            "no receipt after every allowed send; no more re-sends",
            extra={"message_id": item.message_id, "link": link, "detail": {"sends": item.attempts}},
        )
