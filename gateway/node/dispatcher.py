"""The dispatcher: the only place that sends to the peer.

Each round it first writes down what was published but not yet recorded, then claims the due rows of
the outbox (leased to it: no other dispatcher, no later round takes them meanwhile), decides each
(`plans.plan_dispatch`), publishes with a confirm, and records the outcome: sent (with when to send
the same bytes again if no receipt comes), or a failed publication (retried with back-off), or the end
of the re-sends. A message the broker confirmed but the database could not record is held in memory
and recorded before anything else is claimed: a database fault never turns into a second publication.
A failing round backs off, doubling to a ceiling, and its errors are logged once per interval.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.exc import SQLAlchemyError

from gateway.node.clock import Clock
from gateway.node.config import NodeConfig
from gateway.node.database import Database
from gateway.node.events import Events
from gateway.node.faults import Backoff, FaultLog
from gateway.node.plans import GiveUp, lease_until, plan_dispatch, resend_at, retry_at
from gateway.profiles import Profile
from gateway.store import outbox
from gateway.store.outbox import Outbound
from gateway.transport.rabbit import PublishFailed, Transport

log = logging.getLogger("gateway.outbound")
BATCH = 500  # due messages claimed per round
WINDOW = 64  # publishes awaiting their confirm at once
_WHERE = "dispatcher"


@dataclass(frozen=True)
class _Confirmed:
    """A publication the broker confirmed, to be recorded."""

    message_id: str
    at: datetime
    resend_at: datetime | None
    attempt: int


class Dispatcher:
    def __init__(
        self,
        *,
        config: NodeConfig,
        profiles: Mapping[str, Profile],
        transport: Transport,
        db: Database,
        clock: Clock,
        events: Events,
        faults: FaultLog,
    ) -> None:
        self.config, self.profiles, self.transport, self.db = config, profiles, transport, db
        self.clock, self.events, self.faults = clock, events, faults
        self.wake = asyncio.Event()
        self.unrecorded: dict[str, _Confirmed] = {}  # published and confirmed, not yet in the database
        delivery = config.delivery
        self.backoff = Backoff(delivery.fault_retry_base_s, delivery.fault_retry_ceiling_s)

    async def run(self, stop: asyncio.Event) -> None:
        while not stop.is_set():
            self.wake.clear()
            try:  # every database step of the loop, the idle wait's read of the next due time too
                claimed = await self._round(stop)
                next_due = await self.db.read(outbox.next_due) if claimed < BATCH else None
            except SQLAlchemyError as exc:
                self.faults.failed(_WHERE, exc)
                await _sleep(stop, self.wake, self.backoff.next(), wakeable=False)
                continue
            if self.backoff.failures:
                self.backoff.reset()
                self.faults.cleared(_WHERE)
            if claimed < BATCH:
                await self._idle(stop, next_due)

    async def _round(self, stop: asyncio.Event) -> int:
        """Record what is pending, then claim and publish what is due; how many rows were claimed."""
        for confirmed in list(self.unrecorded.values()):
            await self._record(confirmed)
            del self.unrecorded[confirmed.message_id]
        if not self.transport.connected.is_set():
            return 0
        now = self.clock()
        due = await self.db.write(outbox.claim, now, lease_until(now, self.config.delivery), BATCH)
        window = asyncio.Semaphore(WINDOW)

        async def send(item: Outbound) -> None:
            async with window:
                if not stop.is_set():
                    await self._send(item)

        results = await asyncio.gather(*(send(item) for item in due), return_exceptions=True)
        for result in results:
            if isinstance(result, SQLAlchemyError):
                raise result  # the round backs off; what was published is in self.unrecorded
            if isinstance(result, BaseException):
                log.error("dispatch failed", exc_info=result)
        return len(due)

    async def _idle(self, stop: asyncio.Event, next_due: datetime | None) -> None:
        delay = 1.0
        if next_due is not None:
            delay = min(max((next_due - self.clock()).total_seconds(), 0.01), 1.0)
        await _sleep(stop, self.wake, delay)

    async def _send(self, item: Outbound) -> None:
        link = self.config.link_for(item.peer, item.profile)
        if link is None:
            log.error(
                "no link for outbound message", extra={"message_id": item.message_id, "peer": item.peer}
            )
            return
        message_type = self.profiles[item.profile].types.get(item.type)
        plan = plan_dispatch(item, message_type)
        if isinstance(plan, GiveUp):
            await self._give_up(item, link.name, plan.sends)
            return
        try:
            await self.transport.publish_peer(
                link.outbound_exchange,
                link.routing_key,
                item.payload,
                message_id=item.message_id,
                kind=plan.kind,
                sender=self.config.side,
            )
        except PublishFailed as failure:
            await self._failed(item, plan.attempt, failure, (link.peer, link.profile), link.name)
            return
        now = self.clock()
        scale = self.config.delivery.time_scale
        confirmed = _Confirmed(
            item.message_id, now, resend_at(item, message_type, plan.attempt, now, scale), plan.attempt
        )
        self.unrecorded[item.message_id] = confirmed
        await self._record(confirmed)
        del self.unrecorded[item.message_id]
        log.info(
            "sent",
            extra={"message_id": item.message_id, "link": link.name, "detail": {"attempt": plan.attempt}},
        )

    async def _record(self, confirmed: _Confirmed) -> None:
        await self.db.write(
            outbox.confirmed, confirmed.message_id, confirmed.at, confirmed.resend_at, confirmed.attempt
        )

    async def _failed(
        self, item: Outbound, attempt: int, failure: PublishFailed, link: tuple[str, str], name: str
    ) -> None:
        delivery = self.config.delivery
        now = self.clock()
        error = f"{failure.kind}: {failure.message}"
        await self.db.write(
            outbox.publish_failed,
            item.message_id,
            now,
            retry_at(item.attempts, now, delivery),
            attempt,
            error,
        )
        log.warning(
            "publish failed",
            extra={
                "message_id": item.message_id,
                "link": name,
                "reason": failure.kind,
                "detail": failure.message,
            },
        )
        if attempt == delivery.max_publish_attempts:
            detail = {"attempts": attempt, "error": failure.message, "still_retrying": True}
            await self.events.emit("send-failed", item.message_id, link, detail)

    async def _give_up(self, item: Outbound, link: str, sends: int) -> None:
        """Every allowed send is done: stop re-sending. The missing receipt is an open obligation,
        escalated along the link's ladder by the sweep (it was due long before this point)."""
        await self.db.write(outbox.gave_up, item.message_id, self.clock(), sends)
        log.warning(
            "no receipt after every allowed send; no more re-sends",
            extra={"message_id": item.message_id, "link": link, "detail": {"sends": sends}},
        )


async def _sleep(stop: asyncio.Event, wake: asyncio.Event, delay: float, wakeable: bool = True) -> None:
    """Wait *delay* seconds, or less if the node stops (or, when *wakeable*, new work arrives)."""
    waits = {asyncio.ensure_future(stop.wait())}
    if wakeable:
        waits.add(asyncio.ensure_future(wake.wait()))
    _done, pending = await asyncio.wait(waits, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
