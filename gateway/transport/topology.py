"""A side's broker topology: the names of its exchanges and queues, and their declaration (see
deploy/rabbitmq/definitions.json)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractExchange, AbstractQueue

QUORUM: dict[str, Any] = {"x-queue-type": "quorum"}
DELIVERY_LIMIT = 5


@dataclass(frozen=True)
class Names:
    """The broker names of one side (see deploy/rabbitmq/definitions.json)."""

    side: str

    @property
    def inbound(self) -> str:
        return f"bgw.{self.side}.in"

    @property
    def dlx(self) -> str:
        return f"bgw.{self.side}.dlx"

    @property
    def dead(self) -> str:
        return f"bgw.{self.side}.dead"

    @property
    def submit(self) -> str:
        return f"bgw.{self.side}.submit"

    @property
    def national(self) -> str:
        return f"bgw.{self.side}.national"

    @property
    def inbox(self) -> str:
        return f"bgw.{self.side}.inbox"

    @property
    def events(self) -> str:
        return f"bgw.{self.side}.events"


async def declare(channel: AbstractChannel, names: Names) -> AbstractExchange:
    """Declare a side's exchanges and queues (idempotent; a mismatch raises PRECONDITION_FAILED)."""
    dlx = await channel.declare_exchange(names.dlx, aio_pika.ExchangeType.FANOUT, durable=True)
    inbound_exchange = await channel.declare_exchange(
        names.inbound, aio_pika.ExchangeType.DIRECT, durable=True
    )
    national = await channel.declare_exchange(names.national, aio_pika.ExchangeType.TOPIC, durable=True)
    dead = await channel.declare_queue(names.dead, durable=True, arguments=QUORUM)
    await dead.bind(dlx, routing_key="")
    poison: dict[str, Any] = {
        **QUORUM,
        "x-dead-letter-exchange": names.dlx,
        "x-delivery-limit": DELIVERY_LIMIT,
    }
    inbound = await channel.declare_queue(names.inbound, durable=True, arguments=poison)
    await inbound.bind(inbound_exchange, routing_key="message")
    await channel.declare_queue(names.submit, durable=True, arguments=poison)
    inbox: AbstractQueue = await channel.declare_queue(names.inbox, durable=True, arguments=QUORUM)
    await inbox.bind(national, routing_key="notice.#")
    events = await channel.declare_queue(names.events, durable=True, arguments=QUORUM)
    await events.bind(national, routing_key="event.#")
    return national
