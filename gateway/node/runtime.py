"""One node: store, transport, inbound, submissions and dispatcher, under one stop event.

SIGTERM sets the stop event: the delivery in hand is finished, unsettled deliveries go back to their
queue, the outbox stays in the database for the next start.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from lxml import etree

from gateway import heap
from gateway.errors import ConfigError, GatewayError
from gateway.node import payloads
from gateway.node.clock import Clock, clock_for
from gateway.node.config import NodeConfig
from gateway.node.database import Database
from gateway.node.duties import Obligations
from gateway.node.inbound import Inbound
from gateway.node.outbound import Dispatcher, Submissions
from gateway.node.sweeper import Sweeper
from gateway.profiles import Profile
from gateway.rules.references import Reference, check_reference, reference_of
from gateway.store import Store
from gateway.transport.rabbit import PublishFailed, Transport
from gateway.wire.codec import Codec
from gateway.wire.contract import Contract
from gateway.wire.envelope import Header, body_of
from gateway.wire.parsing import parse
from gateway.wire.schemas import wire_validator
from gateway.wire.signing import SigningKey
from gateway.wire.trust import TrustStore

log = logging.getLogger("gateway.node")
T = TypeVar("T")


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
        self._database: Database | None = None
        self.duties = Obligations(config.side, config.delivery.time_scale)
        self.inbound = Inbound(self)
        self.submissions = Submissions(self)
        self.dispatcher = Dispatcher(self)
        self.sweeper = Sweeper(self)
        delivery = config.delivery
        self.transport = Transport(
            config.broker_url.value,
            config.side,
            prefetch=delivery.prefetch,
            publish_timeout_s=delivery.publish_timeout_s,
            on_inbound=self.inbound.handle,
            on_submission=self.submissions.handle,
        )

    def _check_own_certificate(self) -> None:
        leaf, *chain = self.signer.chain
        try:
            self.trust.side_of(leaf, chain, self.config.side, self.clock())
        except GatewayError as exc:
            raise ConfigError(
                f"{self.config.file}: pki.cert: this node's certificate is not valid for side "
                f"{self.config.side} under pki.trust: {exc.message}"
            ) from exc

    @property
    def store(self) -> Store:
        if self._database is None:
            raise RuntimeError("the store is not open")
        return self._database.store

    async def db(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a store call on the database thread (serial writes and hash chain, group commit)."""
        if self._database is None:
            raise RuntimeError("the store is not open")
        return await self._database.call(function, *args, **kwargs)

    async def referenced(
        self, header: Header, direction: str, peer: str
    ) -> tuple[Reference | None, etree._Element | None]:
        """The earlier notice *header* supersedes or cancels, and its body: one of this link in
        *direction* (out: we sent it; in: the peer sent it to us) and of the same type, else a coded
        WireError."""
        reference = reference_of(header)
        if reference is None:
            return None, None
        found = await self.db(self.store.earlier, reference.message_id)
        earlier = check_reference(
            reference, found, direction=direction, peer=peer, profile=header.profile, type_name=header.type
        )
        return reference, body_of(parse(earlier.payload))

    def wake_dispatcher(self) -> None:
        self.dispatcher.wake.set()

    async def emit(
        self, kind: str, message_id: str | None, link: tuple[str, str] | None, detail: Mapping[str, Any]
    ) -> bool:
        """Publish an event to the national exchange; whether the broker confirmed it (the log table
        is the record if the broker is down)."""
        try:
            await self.transport.publish_event(
                payloads.event_routing_key(kind),
                payloads.event(kind, self.clock(), message_id, link, detail),
                message_id,
            )
        except PublishFailed as exc:
            log.warning(
                "event not published", extra={"message_id": message_id, "detail": f"{kind}: {exc.message}"}
            )
            return False
        return True

    async def run(self, stop: asyncio.Event) -> None:
        self._database = Database(await asyncio.to_thread(Store.open, self.config.database_url.value))
        await asyncio.to_thread(self.codec.warm)  # compile the body models before the first notice
        heap.settle()  # start-up done: full collections no longer walk what it loaded
        log.info(
            "node started",
            extra={"detail": {"side": self.config.side, "links": [link.name for link in self.config.links]}},
        )
        if self.config.clock_shift_file:
            log.warning(
                "the clock is shifted (tests and demos only)",
                extra={
                    "detail": {
                        "shift_file": str(self.config.clock_shift_file),
                        "now": self.clock().isoformat(),
                    }
                },
            )
        self.sweeper.start()
        transport = asyncio.create_task(self.transport.run(stop), name="transport")
        dispatcher = asyncio.create_task(self.dispatcher.run(stop), name="dispatcher")
        try:
            done, _ = await asyncio.wait({transport, dispatcher}, return_when=asyncio.FIRST_EXCEPTION)
            for task in done:
                task.result()  # a fatal error (e.g. topology mismatch) stops the node with its message
        finally:
            stop.set()
            self.sweeper.stop()
            for task in (transport, dispatcher):
                with contextlib.suppress(asyncio.CancelledError):
                    await asyncio.wait_for(task, timeout=30)
            await asyncio.to_thread(self._database.close)
            log.info("node stopped")


def serve(config: NodeConfig, profiles: Mapping[str, Profile]) -> None:
    """Run a node in the foreground until SIGTERM or SIGINT."""

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, stop.set)
        await Node(config, profiles).run(stop)

    asyncio.run(main())
