"""One node: store, transport, inbound, submissions, dispatcher and sweep, under one stop event.

SIGTERM sets the stop event: the delivery in hand is finished, unsettled deliveries go back to their
queue, the outbox stays in the database for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Mapping

from gateway import heap
from gateway.console.app import Console
from gateway.console.changes import Changes
from gateway.console.context import Context
from gateway.errors import ConfigError, GatewayError
from gateway.node.clock import Clock, clock_for
from gateway.node.config import NodeConfig
from gateway.node.database import Database
from gateway.node.dispatcher import Dispatcher
from gateway.node.duties import Obligations
from gateway.node.events import Events
from gateway.node.faults import FaultLog
from gateway.node.inbound import Inbound
from gateway.node.submission import Submissions
from gateway.node.sweeper import Sweeper
from gateway.profiles import Profile
from gateway.store import Store
from gateway.transport.rabbit import Answer, InboundDelivery, Submission, Transport
from gateway.wire.codec import Codec
from gateway.wire.contract import Contract
from gateway.wire.schemas import wire_validator
from gateway.wire.signing import SigningKey
from gateway.wire.trust import TrustStore

log = logging.getLogger("gateway.node")


class Node:
    def __init__(
        self, config: NodeConfig, profiles: Mapping[str, Profile], clock: Clock | None = None
    ) -> None:
        self.config = config
        self.profiles = profiles
        self.clock = clock or clock_for(config.clock_shift_file)
        self.contract = Contract(profiles, wire_validator())
        self.codec = Codec(profiles, self.clock)  # a submission's `created` reads the node's clock
        self.signer = SigningKey.load(config.key, config.cert)
        self.trust = TrustStore.from_dir(config.trust)
        self._check_own_certificate()
        self.obligations = Obligations(config.side, config.delivery.time_scale)
        self.faults = FaultLog(logging.getLogger("gateway.faults"), config.delivery.fault_log_interval_s)
        self.stop = asyncio.Event()
        self.inbound: Inbound | None = None
        self.submissions: Submissions | None = None
        delivery = config.delivery
        self.transport = Transport(
            config.broker_url.value,
            config.side,
            prefetch=delivery.prefetch,
            publish_timeout_s=delivery.publish_timeout_s,
            on_inbound=self._on_inbound,
            on_submission=self._on_submission,
        )
        self.changes = Changes()  # what the console's live pages wait on
        self.events = Events(self.transport, self.clock, self.changes.changed)

    def _check_own_certificate(self) -> None:
        leaf, *chain = self.signer.chain
        try:
            self.trust.side_of(leaf, chain, self.config.side, self.clock())
        except GatewayError as exc:
            raise ConfigError(
                f"{self.config.file}: pki.cert: this node's certificate is not valid for side "
                f"{self.config.side} under pki.trust: {exc.message}"
            ) from exc

    async def _on_inbound(self, delivery: InboundDelivery) -> None:
        assert self.inbound is not None, "the transport runs only once the node has started"
        await self.inbound.handle(delivery)

    async def _on_submission(self, submission: Submission) -> Answer:
        assert self.submissions is not None, "the transport runs only once the node has started"
        return await self.submissions.handle(submission)

    def _handlers(self, db: Database) -> tuple[Dispatcher, Sweeper]:
        """Each handler with the collaborators it uses, and nothing else."""
        config, profiles, clock, faults = self.config, self.profiles, self.clock, self.faults
        dispatcher = Dispatcher(
            config=config,
            profiles=profiles,
            transport=self.transport,
            db=db,
            clock=clock,
            events=self.events,
            faults=faults,
        )

        def wake() -> None:  # a change committed: the dispatcher looks, live pages are told
            dispatcher.wake.set()
            self.changes.changed()

        self.inbound = self._inbound(db, wake)
        self.submissions = Submissions(
            config=config,
            contract=self.contract,
            codec=self.codec,
            signer=self.signer,
            obligations=self.obligations,
            db=db,
            clock=clock,
            wake=wake,
            faults=faults,
            stop=self.stop,
        )
        sweeper = Sweeper(
            config=config,
            profiles=profiles,
            contract=self.contract,
            signer=self.signer,
            transport=self.transport,
            db=db,
            clock=clock,
            events=self.events,
            wake=wake,
            faults=faults,
            changed=self.changes.changed,
        )
        return dispatcher, sweeper

    def _inbound(self, db: Database, wake: Callable[[], None]) -> Inbound:
        return Inbound(
            config=self.config,
            contract=self.contract,
            codec=self.codec,
            signer=self.signer,
            profiles=self.profiles,
            trust=self.trust,
            obligations=self.obligations,
            db=db,
            clock=self.clock,
            events=self.events,
            wake=wake,
            faults=self.faults,
            stop=self.stop,
        )

    async def run(self, stop: asyncio.Event) -> None:
        self.stop = stop
        database = Database(await asyncio.to_thread(Store.open, self.config.database_url.value))
        await asyncio.to_thread(self.codec.warm)  # compile the body models before the first notice
        dispatcher, sweeper = self._handlers(database)
        heap.settle()  # start-up done: full collections no longer walk what it loaded
        self._started()
        console = await self._console(database, sweeper)
        sweeper.start()
        transport = asyncio.create_task(self.transport.run(stop), name="transport")
        dispatching = asyncio.create_task(dispatcher.run(stop), name="dispatcher")
        try:
            done, _ = await asyncio.wait({transport, dispatching}, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # a fatal error (e.g. topology mismatch) stops the node with its message
        finally:
            stop.set()
            sweeper.stop()
            for task in (transport, dispatching):
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, timeout=30)
            if console is not None:
                await console.stop()
            await asyncio.to_thread(database.close)
            log.info("node stopped")

    async def _console(self, database: Database, sweeper: Sweeper) -> Console | None:
        """The operator console ([console] listen), on its own connections to the node's store."""
        if self.config.console is None:
            return None
        context = Context(
            self.config,
            self.config.console,
            database.store,
            self.clock,
            self.profiles,
            self.transport.connected.is_set,
            queue_depths=self.transport.depths,
            last_sweep=lambda: sweeper.last,
            changes=self.changes,
            signer=self.signer,
            trust=self.trust,
            contract=self.contract,
            submissions=self.submissions,
        )
        console = Console(context)
        await console.start()
        return console

    def _started(self) -> None:
        links = [link.name for link in self.config.links]
        log.info("node started", extra={"detail": {"side": self.config.side, "links": links}})
        if self.config.clock_shift_file:
            detail = {"shift_file": str(self.config.clock_shift_file), "now": self.clock().isoformat()}
            log.warning("the clock is shifted (tests and demos only)", extra={"detail": detail})


def serve(config: NodeConfig, profiles: Mapping[str, Profile]) -> None:
    """Run a node in the foreground until SIGTERM or SIGINT."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await Node(config, profiles).run(stop)

    asyncio.run(main())
