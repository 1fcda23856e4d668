"""The obligations sweep: every open obligation whose next rung is due climbs its ladder.

APScheduler runs one sweep every `delivery.sweep_interval_s` (never two at once; a late run is
coalesced). A sweep reads the due rows through the index on `next_at`, decides each climb with the
pure ladder rules and the node's one clock, signs what the rung sends — the Art. 42(2) reminder to a
peer whose reply is overdue (once, at the first rung) and the dossier at the diplomatic level — and
records it all in one transaction. Then every rung whose `escalation` event the broker has not yet
confirmed — this sweep's, and any earlier one the broker refused or a crash cut off — is published to
the national exchange and marked announced: at least once, never silently dropped (a repeat carries
the same `escalation_id`). A node restarted mid-ladder resumes from the rung stored with the obligation.
After each commit that changes what the console's live pages show (a rung reached, an obligation
parked, an event announced, a sweep that fails or recovers), `changed` tells them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from lxml import etree
from sqlalchemy.exc import SQLAlchemyError

from gateway.lifecycle import Direction
from gateway.node.clock import Clock
from gateway.node.config import NodeConfig, link_name
from gateway.node.database import Database
from gateway.node.events import Events
from gateway.node.faults import Backoff, FaultLog
from gateway.node.plans import Park, plan_rung
from gateway.profiles import Profile
from gateway.rules.deadlines import REMINDER
from gateway.store import Signed, escalations, obligations, rungs
from gateway.store.escalations import Listed
from gateway.store.obligations import Obligation
from gateway.store.rungs import Escalated, Step
from gateway.transport.rabbit import Transport
from gateway.wire.contract import Contract
from gateway.wire.dossier import DOSSIER_TYPE, Case, Document, TimelineEntry, build_dossier
from gateway.wire.envelope import Header, Party, build_notification, format_time, new_message_id
from gateway.wire.receipt import digest_of
from gateway.wire.signing import SigningKey, sign

log = logging.getLogger("gateway.sweep")
BATCH = 1000  # obligations taken per sweep round
_WHERE = "sweep"


@dataclass(frozen=True)
class SweepRun:
    """The last sweep this node ran: when it began, whether it finished, how many rungs it reached."""

    at: datetime
    ok: bool
    escalated: int


class Sweeper:
    def __init__(
        self,
        *,
        config: NodeConfig,
        profiles: Mapping[str, Profile],
        contract: Contract,
        signer: SigningKey,
        transport: Transport,
        db: Database,
        clock: Clock,
        events: Events,
        wake: Callable[[], None],
        faults: FaultLog,
        changed: Callable[[], None],
    ) -> None:
        self.config, self.profiles, self.contract, self.signer = config, profiles, contract, signer
        self.transport, self.db, self.clock, self.events, self.wake = transport, db, clock, events, wake
        self.faults, self.changed = faults, changed  # changed: the console's live pages are told
        self.scheduler: AsyncIOScheduler | None = None
        delivery = config.delivery
        interval = delivery.sweep_interval_s
        self.backoff = Backoff(interval, max(interval, delivery.fault_retry_ceiling_s * 20))
        self.not_before = 0.0  # monotonic time before which a failed sweep is not tried again
        self.last: SweepRun | None = None  # what the console's health page shows

    def start(self) -> None:
        """Schedule the sweep on the running event loop; the first one runs at once (a restarted
        node catches up with what fell due while it was down)."""
        self.scheduler = AsyncIOScheduler(timezone="UTC")
        self.scheduler.add_job(
            self.run_once,
            "interval",
            seconds=self.config.delivery.sweep_interval_s,
            id="obligations-sweep",
            max_instances=1,
            coalesce=True,
            next_run_time=datetime.now().astimezone(),
            misfire_grace_time=None,
        )
        self.scheduler.start()

    def stop(self) -> None:
        if self.scheduler is not None and self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def run_once(self) -> list[Escalated]:
        """One sweep (every due obligation, in rounds of BATCH), then the events not yet confirmed;
        never raises into the scheduler. After a failure the next sweeps wait, doubling the wait."""
        reached: list[Escalated] = []
        if not self.transport.connected.is_set() or time.monotonic() < self.not_before:
            return reached  # the events and reminders would not go out, or the last sweep failed
        started = self.clock()
        try:
            while True:
                round_ = await self._round()
                reached += round_
                if len(round_) < BATCH:
                    break
            await self._announce_pending()
        except SQLAlchemyError as exc:
            self.faults.failed(_WHERE, exc)
            self.not_before = time.monotonic() + self.backoff.next()
            self._ran(SweepRun(started, False, len(reached)))
            return reached
        except Exception:  # supervising loop: the rows stay due (or unannounced), a later sweep retries
            log.exception("sweep failed")
            self.not_before = time.monotonic() + self.backoff.next()
            self._ran(SweepRun(started, False, len(reached)))
            return reached
        if self.backoff.failures:
            self.backoff.reset()
            self.faults.cleared(_WHERE)
        self._ran(SweepRun(started, True, len(reached)))
        return reached

    def _ran(self, run: SweepRun) -> None:
        """Keep *run* as the last sweep; the health page is told when its outcome is news (the first
        sweep, a failure, a recovery), not of every quiet sweep (that would refresh every open page)."""
        news = self.last is None or self.last.ok != run.ok
        self.last = run
        if news:
            self.changed()

    async def _round(self) -> list[Escalated]:
        now = self.clock()
        due = await self.db.read(obligations.due, now, BATCH)
        steps = []
        for obligation in due:
            step = await self._step(obligation, now)
            if step is not None:
                steps.append(step)
        done = await self.db.write(rungs.escalate, steps, now)
        if done or len(steps) < len(due):  # rungs reached, or obligations parked
            self.changed()
        for item in done:
            log.warning(
                "escalated",
                extra={
                    "message_id": item.obligation.message_id,
                    "link": link_name(item.obligation.peer, item.obligation.profile),
                    "detail": {
                        "escalation_id": item.id,
                        "level": item.climb.rung.level,
                        "duty": item.obligation.duty,
                        "owner": item.obligation.owner,
                        "due_at": format_time(item.obligation.due_at),
                    },
                },
            )
        if any(item.reminder_id for item in done):
            self.wake()
        return done

    async def _step(self, obligation: Obligation, now: datetime) -> Step | None:
        ladder = self.profiles[obligation.profile].ladder_of(obligation.type, obligation.channel)
        plan = plan_rung(obligation, ladder, now, self.config.delivery.time_scale)
        if isinstance(plan, Park):
            await self.db.write(obligations.park, obligation.id, now, plan.why)
            return None
        reminder = self._reminder(obligation, now) if plan.reminder else None
        dossier = await self._dossier(obligation, plan.climb.rung.level, now) if plan.dossier else None
        return Step(obligation, plan.climb, reminder, dossier)

    def _parties(self, obligation: Obligation) -> tuple[Party, Party]:
        link = self.config.link_for(obligation.peer, obligation.profile)
        unit = link.peer_unit if link else f"Gateway node {obligation.peer}"
        return Party(self.config.side, self.config.unit), Party(obligation.peer, unit)

    def _reminder(self, obligation: Obligation, now: datetime) -> Signed:
        """The signed reminder of a reply (or joint-decision item) the peer owes (Art. 42(2))."""
        profile = self.profiles[obligation.profile]
        ns = profile.namespace
        body = etree.Element(f"{{{ns}}}ReplyReminder", nsmap={None: ns})  # type: ignore[dict-item]
        fields = (
            ("MessageRef", obligation.message_id),
            ("ExpectedType", obligation.expects or obligation.type),
            ("DecisionItem", obligation.item or None),
            ("DueBy", format_time(obligation.due_at)),
            ("Article", obligation.article),
            ("Question", f"{obligation.duty} due {format_time(obligation.due_at)} ({obligation.source})"),
        )
        for local, value in fields:
            if value:
                etree.SubElement(body, f"{{{ns}}}{local}").text = value
        sender, recipient = self._parties(obligation)
        header = Header(new_message_id(), profile.id, REMINDER, sender, recipient, now)
        return self._signed(header, build_notification(header, body))

    async def _dossier(self, obligation: Obligation, level: str, now: datetime) -> Signed:
        """The signed dossier of the case: the notice, its receipts and reminders, the timeline."""
        evidence = await self.db.read(escalations.evidence, obligation.message_id)
        case = Case(
            duty=obligation.duty,
            item=obligation.item,
            owner=obligation.owner,
            expects=obligation.expects,
            article=obligation.article,
            source=obligation.source,
            basis=obligation.basis,
            due_at=obligation.due_at,
            level=level,
            reached_at=now,
        )
        documents = [
            Document(role, document_id, payload) for role, document_id, payload in evidence.documents
        ]
        timeline = [TimelineEntry(*entry) for entry in evidence.timeline]
        sender, recipient = self._parties(obligation)
        header = Header(
            new_message_id(),
            obligation.profile,
            DOSSIER_TYPE,
            sender,
            recipient,
            now,
            in_reply_to=obligation.message_id,
        )
        return self._signed(header, build_dossier(header, case, documents, timeline))

    def _signed(self, header: Header, root: etree._Element) -> Signed:
        """Our own document, checked against the wire contract like any other, then signed."""
        self.contract.check(root)
        signed = sign(root, self.signer)
        return Signed(header.message_id, signed, digest_of(signed), header.created)

    async def _announce_pending(self) -> None:
        """Publish the `escalation` event of every rung the broker has not confirmed yet, oldest
        first; each confirmed one is marked announced, the rest wait for the next sweep."""
        pending = await self.db.read(escalations.unannounced, BATCH)
        told = []
        for item in pending:
            link = (item.peer, item.profile)
            if not await self.events.emit("escalation", item.message_id, link, self._event(item)):
                break  # the broker refuses: keep the order, try again next sweep
            told.append(item.id)
        if told:
            await self.db.write(escalations.announced, told, self.clock())
            self.changed()

    def _event(self, item: Listed) -> dict[str, Any]:
        """The event's detail, from the stored rung and the profile's ladder for its type and channel."""
        ladder = self.profiles[item.profile].ladder_of(item.type, item.channel).rungs
        rung = ladder[item.rung] if item.rung < len(ladder) else None
        standing = item.obligation_state == "open" and item.obligation_level == item.rung
        return {
            "escalation_id": item.id,
            "obligation_id": item.obligation_id,
            "level": item.level,
            "rung": item.rung,
            "top": item.rung >= len(ladder) - 1,
            "next_at": format_time(item.next_at) if standing and item.next_at else None,
            "article": (rung.article if rung else None) or item.article,
            "duty": item.duty,
            "item": item.item or None,
            "owner": item.owner,
            "owed_by": "peer" if item.direction == Direction.OUT else "us",
            "expects": item.expects,
            "type": item.type,
            "channel": item.channel,
            "due_at": format_time(item.due_at),
            "source": item.source,
            "reminder_id": item.sent_id,
            "dossier_id": item.dossier_id,
        }
