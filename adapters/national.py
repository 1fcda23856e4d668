"""A national system's AMQP client for one side's node (adapters/README.md, asyncapi.yaml).

    async with NationalClient(NationalClient.local_url("KZ"), "KZ") as kz:
        answer = await kz.ask({"profile": "kz-uz-border-2024", ...})  # {"status": "accepted", ...}
        await kz.consume_inbox(on_notice)  # every notice received from the peer, as a Delivery

Needs only aio-pika: a national system may copy this module as it is. `BrokerClient` holds what any
client of the broker does (connect, consume, drain, count); `NationalClient` adds the interface of
one side (submit and await the answer, the inbox and events queues, queues of its own bound to
`bgw.<SIDE>.national`). The raw operations (`publish_raw`, `publish_to`, `declare_quorum`) are for
tests and benchmarks: a national system has no right to use them on a real broker.
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Self

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractConnection, AbstractIncomingMessage
from aio_pika.exceptions import (
    AMQPConnectionError,
    AMQPError,
    ChannelNotFoundEntity,
    DeliveryError,
    PublishError,
)

LOCAL_BROKER = "127.0.0.1:5672"
ANSWER_TIMEOUT_S = 30.0


class NationalError(Exception):
    """The broker cannot be reached or refuses what the client asked; the message says which."""


class Unroutable(NationalError):
    """The broker took a message no queue would hold (the node's queue does not exist)."""


@dataclass(frozen=True)
class Delivery:
    """One message read from a queue (already acknowledged)."""

    body: bytes
    message_id: str | None = None
    correlation_id: str | None = None
    routing_key: str | None = None
    content_type: str | None = None
    headers: Mapping[str, Any] = field(default_factory=dict)

    def json(self) -> dict[str, Any]:
        """The body as a JSON object; {} when it is not one."""
        try:
            value = json.loads(self.body)
        except (json.JSONDecodeError, UnicodeDecodeError):
            return {}
        return value if isinstance(value, dict) else {}


Handler = Callable[[Delivery], Awaitable[None]]


def _delivery(message: AbstractIncomingMessage) -> Delivery:
    return Delivery(
        message.body,
        message.message_id,
        message.correlation_id,
        message.routing_key,
        message.content_type,
        dict(message.headers or {}),
    )


def _persistent(body: bytes, **properties: Any) -> aio_pika.Message:
    return aio_pika.Message(body, delivery_mode=aio_pika.DeliveryMode.PERSISTENT, **properties)


class BrokerClient:
    """One connection and channel to a broker: consume, drain and inspect queues by name."""

    def __init__(self, url: str, *, prefetch: int = 64) -> None:
        self.url, self.prefetch = url, prefetch
        self._connection: AbstractConnection | None = None
        self._channel: AbstractChannel | None = None

    async def __aenter__(self) -> Self:
        await self.connect()
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def connect(self, timeout_s: float = 10) -> None:
        """Open the connection and a channel with publisher confirms (returned messages raise)."""
        try:
            self._connection = await aio_pika.connect(self.url, timeout=timeout_s)
        except (AMQPConnectionError, OSError, TimeoutError) as exc:
            raise NationalError(f"cannot connect to {self._where()}: {exc or type(exc).__name__}") from exc
        self._channel = await self._connection.channel(on_return_raises=True)
        await self._channel.set_qos(prefetch_count=self.prefetch)

    async def close(self) -> None:
        if self._connection is not None and not self._connection.is_closed:
            await self._connection.close()
        self._connection = self._channel = None

    def _where(self) -> str:
        host = self.url.rsplit("@", 1)[-1]  # never the password
        return f"the broker at {host}"

    @property
    def connection(self) -> AbstractConnection:
        if self._connection is None:
            raise NationalError("not connected: use `async with` or connect() first")
        return self._connection

    @property
    def channel(self) -> AbstractChannel:
        if self._channel is None:
            raise NationalError("not connected: use `async with` or connect() first")
        return self._channel

    async def consume(self, queue: str, handler: Handler) -> str:
        """Hand every message of *queue* (which must exist) to *handler*, acknowledging it after; a
        handler that raises rejects its message (to the queue's dead-letter exchange, if any).
        Returns the consumer tag (for `cancel`)."""
        await self._declared(queue)

        async def on_message(message: AbstractIncomingMessage) -> None:
            async with message.process(requeue=False):
                await handler(_delivery(message))

        return await (await self.channel.get_queue(queue, ensure=False)).consume(on_message)

    async def cancel(self, queue: str, consumer_tag: str) -> None:
        """Stop a consumer started by `consume`."""
        await (await self.channel.get_queue(queue, ensure=False)).cancel(consumer_tag)

    async def drain(
        self, queue: str, until: int | None = None, timeout: float = 30, idle: float = 1.0
    ) -> list[Delivery]:
        """Take messages from *queue* (acknowledged) until *until* arrived, or, without *until*, until
        none came for *idle* seconds; at most *timeout* seconds."""
        source = await self.channel.get_queue(queue, ensure=False)
        got: list[Delivery] = []
        deadline = time.monotonic() + timeout
        quiet_since = time.monotonic()
        while time.monotonic() < deadline:
            message = await source.get(fail=False, no_ack=True)
            if message is not None:
                got.append(_delivery(message))
                quiet_since = time.monotonic()
                continue
            if (until is None and time.monotonic() - quiet_since > idle) or (
                until is not None and len(got) >= until
            ):
                break
            await asyncio.sleep(0.05)
        return got

    async def _declared(self, queue: str) -> tuple[int, int]:
        """(messages, consumers) of an existing queue, declared passively on a channel of its own
        (a missing queue closes the channel that asked); NationalError if it does not exist."""
        probe = await self.connection.channel()
        try:
            result = (await probe.declare_queue(queue, passive=True)).declaration_result
            return int(result.message_count or 0), int(result.consumer_count or 0)
        except ChannelNotFoundEntity as exc:
            raise NationalError(f"queue {queue} does not exist: is its node running?") from exc
        finally:
            if not probe.is_closed:
                await probe.close()

    async def consumers(self, queue: str) -> int:
        """How many consumers *queue* has; 0 when it does not exist."""
        try:
            return (await self._declared(queue))[1]
        except NationalError:
            return 0

    async def depth(self, queue: str) -> int:
        """How many messages wait in *queue* (which must exist)."""
        return (await self._declared(queue))[0]

    async def tap(self, exchange: str, routing_key: str) -> str:
        """A server-named queue of this connection bound to *exchange*: a copy of what it routes."""
        queue = await self.channel.declare_queue(exclusive=True, auto_delete=True)
        await queue.bind(exchange, routing_key=routing_key)
        return queue.name

    async def bind(self, queue: str, exchange: str, routing_key: str) -> None:
        await (await self.channel.get_queue(queue, ensure=False)).bind(exchange, routing_key)

    async def unbind(self, queue: str, exchange: str, routing_key: str) -> None:
        await (await self.channel.get_queue(queue, ensure=False)).unbind(exchange, routing_key)

    # -- raw operations, for tests and benchmarks ------------------------------------------------

    async def publish_raw(
        self,
        exchange: str,
        body: bytes,
        message_id: str | None = None,
        headers: Mapping[str, Any] | None = None,
        routing_key: str = "message",
    ) -> None:
        """Push raw bytes into an exchange, e.g. a node's inbound one, as a peer (or a hostile one) would."""
        target = await self.channel.get_exchange(exchange, ensure=False)
        message = _persistent(body, message_id=message_id, headers=dict(headers or {}))
        await target.publish(message, routing_key=routing_key)

    async def declare_quorum(self, name: str) -> str:
        """A durable quorum queue, as the node's queues are."""
        await self.channel.declare_queue(name, durable=True, arguments={"x-queue-type": "quorum"})
        return name

    async def publish_to(self, queue: str, body: bytes) -> None:
        """One persistent message to *queue* through the default exchange, confirmed by the broker."""
        await self.channel.default_exchange.publish(_persistent(body), routing_key=queue)

    async def delete_queue(self, name: str) -> None:
        await self.channel.queue_delete(name)


class NationalClient(BrokerClient):
    """The national system of one side: submissions and their answers, the inbox and the events."""

    def __init__(self, url: str, side: str, *, prefetch: int = 64) -> None:
        super().__init__(url, prefetch=prefetch)
        self.side = side.upper()
        self.answers: dict[str, dict[str, Any]] = {}  # every answer received, by correlation id
        self._awaited: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._reply_to = ""

    @property
    def reply_to(self) -> str:
        """The server-named queue on which this client receives the answers."""
        return self._reply_to

    @staticmethod
    def local_url(side: str) -> str:
        """The side's national-system user on the local broker (`make services`: password = user name)."""
        user = f"bgw-{side.lower()}-national"
        return f"amqp://{user}:{user}@{LOCAL_BROKER}/"

    async def connect(self, timeout_s: float = 10) -> None:
        """Connect, and consume the answers on a server-named queue of this connection."""
        await super().connect(timeout_s)
        replies = await self.channel.declare_queue(exclusive=True, auto_delete=True)
        await replies.consume(self._on_answer)
        self._reply_to = replies.name

    async def _on_answer(self, message: AbstractIncomingMessage) -> None:
        async with message.process(requeue=False):
            answer = _delivery(message).json()
            correlation = message.correlation_id or ""
            self.answers[correlation] = answer
            future = self._awaited.pop(correlation, None)
            if future is not None and not future.done():
                future.set_result(answer)

    async def submit(
        self, document: Mapping[str, Any] | bytes, key: str | None = None, content_type: str | None = None
    ) -> str:
        """Publish a submission to bgw.<SIDE>.submit; returns its correlation id. *document* is the
        JSON form (a mapping) or the bytes of one (content type application/json unless given, e.g.
        application/xml for an unsigned notice). The correlation id is also the message id, which
        the node takes as the submission's idempotency key: submit again with key=<that id> when no
        answer came, and the node answers with the notice it already took (aio-pika would otherwise
        give every publication a new message id). Raises Unroutable when the node's queue does not
        exist."""
        correlation = key or str(uuid.uuid4())
        if isinstance(document, bytes):
            body, kind = document, content_type or "application/json"
        else:
            body, kind = json.dumps(document, ensure_ascii=False).encode(), "application/json"
        message = _persistent(
            body,
            correlation_id=correlation,
            message_id=correlation,
            reply_to=self._reply_to,
            content_type=kind,
        )
        queue = f"bgw.{self.side}.submit"
        try:
            await self.channel.default_exchange.publish(message, routing_key=queue, mandatory=True)
        except PublishError as exc:  # returned (PublishError is the DeliveryError of a Basic.Return)
            raise Unroutable(f"queue {queue} does not exist: is the {self.side} node running?") from exc
        except DeliveryError as exc:  # a nack: the broker could not take it
            raise NationalError(f"the broker refused the submission: {exc}") from exc
        except AMQPError as exc:
            raise NationalError(f"the broker did not take the submission: {exc}") from exc
        return correlation

    async def answer(self, correlation: str, timeout: float = ANSWER_TIMEOUT_S) -> dict[str, Any]:
        """The node's answer to the submission *correlation*; TimeoutError if none within *timeout*."""
        if correlation in self.answers:
            return self.answers[correlation]
        future = self._awaited.setdefault(correlation, asyncio.get_running_loop().create_future())
        try:
            return await asyncio.wait_for(asyncio.shield(future), timeout)
        finally:
            if not future.done():
                self._awaited.pop(correlation, None)

    async def ask(
        self,
        document: Mapping[str, Any] | bytes,
        timeout: float = ANSWER_TIMEOUT_S,
        content_type: str | None = None,
    ) -> dict[str, Any]:
        """Submit *document* and await the node's answer."""
        return await self.answer(await self.submit(document, content_type=content_type), timeout)

    async def wait_answers(self, correlations: Iterable[str], timeout: float = 60) -> list[dict[str, Any]]:
        """The answers to several submissions, in order; TimeoutError naming how many are missing."""
        keys = list(correlations)
        try:
            async with asyncio.timeout(timeout):
                return [await self.answer(key, timeout) for key in keys]
        except TimeoutError:
            missing = sum(key not in self.answers for key in keys)
            raise TimeoutError(f"{missing} submissions unanswered after {timeout} s") from None

    async def consume_inbox(self, handler: Handler) -> str:
        """Every notice received from the peer and accepted (bgw.<SIDE>.inbox)."""
        return await self.consume(f"bgw.{self.side}.inbox", handler)

    async def consume_events(self, handler: Handler) -> str:
        """Every event of the node (bgw.<SIDE>.events)."""
        return await self.consume(f"bgw.{self.side}.events", handler)

    async def subscribe(self, routing_key: str, name: str | None = None) -> str:
        """A queue of this national system bound to bgw.<SIDE>.national with *routing_key* (e.g.
        `event.escalation`): durable, named bgw.<SIDE>.national.<name>, or, without a name,
        server-named and gone with the connection. Returns the queue's name (drain or consume it)."""
        exchange = f"bgw.{self.side}.national"
        if name is None:
            return await self.tap(exchange, routing_key)
        queue = await self.channel.declare_queue(f"{exchange}.{name}", durable=True)
        await queue.bind(exchange, routing_key=routing_key)
        return queue.name
