"""RabbitMQ transport: this package (rabbit, topology, deliveries) is the only one that imports aio_pika.

One connection, supervised here rather than by aio-pika's robust layer, so that every reconnect
rebuilds the whole session explicitly: the topology is declared (a PRECONDITION_FAILED stops the
node with the queue's name instead of looping), channels are opened, consumers are started. That
removes by construction the known traps of restored sessions (a queue left without consumer, a
transaction mode lost on a reopened channel).

Channels per session:
- ``peer``: publisher confirms, mandatory, on_return_raises — notices and receipts to the peer;
- ``local``: publisher confirms, mandatory, on_return_raises — events and answers to national systems;
- ``inbound``: consumes ``bgw.<SIDE>.in`` in transaction mode: handing a notice over to the national
  inbox and acknowledging it are committed together, so a notice is handed over exactly once;
- ``submit``: consumes ``bgw.<SIDE>.submit``; the answer is published before the acknowledgement.
Every publish has a timeout; while the broker is down a publish fails at once (no hang).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import aio_pika
from aio_pika.abc import (
    AbstractChannel,
    AbstractConnection,
    AbstractExchange,
    AbstractIncomingMessage,
)
from aiormq.exceptions import (
    AMQPConnectionError,
    AMQPError,
    ChannelInvalidStateError,
    ChannelNotFoundEntity,
    ChannelPreconditionFailed,
    DeliveryError,
    PublishError,
)

from gateway.errors import ConfigError
from gateway.transport import depths
from gateway.transport.deliveries import Answer, InboundDelivery, PublishFailed, Submission
from gateway.transport.topology import Names, declare

__all__ = ["Answer", "InboundDelivery", "Names", "PublishFailed", "Submission", "Transport"]

log = logging.getLogger("gateway.transport")


InboundHandler = Callable[[InboundDelivery], Awaitable[None]]
SubmissionHandler = Callable[[Submission], Awaitable[Answer]]


@dataclass
class _Settle:
    delivery: InboundDelivery
    requeue: bool
    handover: tuple[str, Mapping[str, Any], str] | None
    future: asyncio.Future[None]


@dataclass
class _Session:
    connection: AbstractConnection
    peer: AbstractChannel
    local: AbstractChannel
    inbound: AbstractChannel
    national: AbstractExchange
    closed: asyncio.Event
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    settles: asyncio.Queue[_Settle] = field(default_factory=asyncio.Queue)


def _json(payload: Mapping[str, Any]) -> bytes:
    return json.dumps(payload, ensure_ascii=False).encode()


class Transport:
    def __init__(
        self,
        url: str,
        side: str,
        *,
        prefetch: int,
        publish_timeout_s: float,
        on_inbound: InboundHandler,
        on_submission: SubmissionHandler,
    ) -> None:
        self._url = url
        self.names = Names(side)
        self._prefetch = prefetch
        self._timeout = publish_timeout_s
        self._on_inbound = on_inbound
        self._on_submission = on_submission
        self._session: _Session | None = None
        self.connected = asyncio.Event()
        self._in_flight = 0
        self._idle = asyncio.Event()
        self._idle.set()

    # -- supervision --------------------------------------------------------------------------------

    async def run(self, stop: asyncio.Event) -> None:
        """Keep a session up until *stop* is set; reconnect with back-off; fail on a topology mismatch."""
        backoff = 0.5
        while not stop.is_set():
            try:
                connection = await aio_pika.connect(self._url, timeout=10)
            except (AMQPConnectionError, OSError, TimeoutError) as exc:
                log.warning("broker unreachable, retrying in %.1f s: %s", backoff, exc)
                await _sleep_unless(stop, backoff)
                backoff = min(backoff * 2, 10.0)
                continue
            backoff = 0.5
            try:
                await self._serve(connection, stop)
            except ChannelPreconditionFailed as exc:
                raise ConfigError(
                    f"broker topology: an existing queue or exchange of side {self.names.side} "
                    f"has other arguments than the node declares ({exc}); delete or align it "
                    "(see deploy/rabbitmq/definitions.json)"
                ) from exc
            except (AMQPError, OSError, ChannelInvalidStateError, RuntimeError) as exc:
                log.warning("broker session lost: %s: %s", type(exc).__name__, exc)
            finally:
                self.connected.clear()
                self._session = None
                if not connection.is_closed:
                    await connection.close()
            if not stop.is_set():
                await _sleep_unless(stop, backoff)

    async def _serve(self, connection: AbstractConnection, stop: asyncio.Event) -> None:
        closed = asyncio.Event()
        connection.close_callbacks.add(lambda *_: closed.set())
        setup = await connection.channel()
        await declare(setup, self.names)
        await setup.close()
        peer = await connection.channel(publisher_confirms=True, on_return_raises=True)
        local = await connection.channel(publisher_confirms=True, on_return_raises=True)
        inbound = await connection.channel(publisher_confirms=False)
        await inbound.set_qos(prefetch_count=self._prefetch)
        await inbound.transaction().select()
        submit = await connection.channel(publisher_confirms=True, on_return_raises=True)
        await submit.set_qos(prefetch_count=self._prefetch)
        for channel in (inbound, submit):
            channel.close_callbacks.add(lambda *_: closed.set())
        local_national = await local.get_exchange(self.names.national, ensure=False)
        session = _Session(connection, peer, local, inbound, local_national, closed)
        self._session = session
        settler = asyncio.create_task(self._settler(session), name="settler")
        try:
            inbound_queue = await inbound.get_queue(self.names.inbound, ensure=False)
            submit_queue = await submit.get_queue(self.names.submit, ensure=False)
            await inbound_queue.consume(self._inbound_callback, no_ack=False)
            await submit_queue.consume(self._submission_callback(submit), no_ack=False)
            self.connected.set()
            log.info("broker session up (side %s)", self.names.side)
            await _first(stop, closed)
            if stop.is_set():
                # Finish the deliveries in hand, then leave: unsettled deliveries return to the queue.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._idle.wait(), timeout=30)
        finally:
            settler.cancel()

    async def depths(self) -> dict[str, int | None] | None:
        """Messages waiting in each of the side's queues (gateway.transport.depths); None: no broker."""
        session = self._session
        if session is None or session.closed.is_set():
            return None
        try:
            return await depths.depths(session.connection, self.names)
        except (AMQPError, OSError, ChannelInvalidStateError, RuntimeError):
            return None

    # -- publishing ---------------------------------------------------------------------------------

    def _require(self) -> _Session:
        session = self._session
        if session is None or session.closed.is_set():
            raise PublishFailed("unavailable", "no broker connection")
        return session

    async def _publish(
        self, channel: AbstractChannel, exchange: str, routing_key: str, message: aio_pika.Message
    ) -> None:
        if channel.is_closed:
            raise PublishFailed("unavailable", "channel closed")
        try:
            target = (
                channel.default_exchange
                if exchange == ""
                else await channel.get_exchange(exchange, ensure=False)
            )
            await target.publish(message, routing_key=routing_key, mandatory=True, timeout=self._timeout)
        except PublishError as exc:
            raise PublishFailed("returned", f"unroutable: exchange {exchange!r} key {routing_key!r}") from exc
        except DeliveryError as exc:
            raise PublishFailed("nack", f"the broker refused the message ({exc})") from exc
        except TimeoutError as exc:
            raise PublishFailed("timeout", f"no confirm within {self._timeout:g} s") from exc
        except ChannelNotFoundEntity as exc:
            raise PublishFailed("returned", f"exchange {exchange!r} does not exist") from exc
        except (AMQPError, ChannelInvalidStateError, RuntimeError, OSError) as exc:
            raise PublishFailed("unavailable", f"{type(exc).__name__}: {exc}") from exc

    async def _peer_channel(self) -> AbstractChannel:
        session = self._require()
        async with session.lock:
            if session.peer.is_closed:  # a 404 on a missing peer exchange closes only this channel
                session.peer = await session.connection.channel(
                    publisher_confirms=True, on_return_raises=True
                )
        return session.peer

    async def publish_peer(
        self, exchange: str, routing_key: str, body: bytes, *, message_id: str, kind: str, sender: str
    ) -> None:
        """Send a signed message to the peer; returns only on the broker's confirm."""
        message = aio_pika.Message(
            body,
            message_id=message_id,
            type=kind,
            content_type="application/xml",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            headers={"x-bgw-sender": sender},
        )
        await self._publish(await self._peer_channel(), exchange, routing_key, message)

    async def publish_event(
        self, routing_key: str, payload: Mapping[str, Any], message_id: str | None
    ) -> None:
        session = self._require()
        message = aio_pika.Message(
            _json(payload),
            message_id=message_id,
            content_type="application/json",
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        await self._publish(session.local, self.names.national, routing_key, message)

    # -- consuming ----------------------------------------------------------------------------------

    async def _inbound_callback(self, message: AbstractIncomingMessage) -> None:
        delivery = InboundDelivery(
            message.body,
            message.message_id,
            message.type,
            bool(message.redelivered),
            dict(message.headers or {}),
            message,
            self,
        )
        self._in_flight += 1
        self._idle.clear()
        try:
            await self._on_inbound(delivery)
        except Exception:  # supervising callback: log with the traceback, give the message back
            log.exception("inbound handler failed; the message goes back to the queue")
        finally:
            if not delivery.settled:
                try:
                    await self._settle(delivery, requeue=True)
                except (AMQPError, ChannelInvalidStateError, RuntimeError, PublishFailed) as exc:
                    log.warning("could not requeue (the broker will redeliver): %s", exc)
            self._in_flight -= 1
            if self._in_flight == 0:
                self._idle.set()

    async def _settle(
        self,
        delivery: InboundDelivery,
        *,
        requeue: bool = False,
        handover: tuple[str, Mapping[str, Any], str] | None = None,
    ) -> None:
        """Queue the settlement for the next broker transaction and wait for its commit."""
        if delivery.settled:
            raise RuntimeError("a delivery is settled once")
        session = self._require()
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        session.settles.put_nowait(_Settle(delivery, requeue, handover, future))
        await future
        delivery.settled = True

    async def _settler(self, session: _Session) -> None:
        """Commit settlements in batches: the hand-over publishes and acks queued together go into
        one broker transaction (nothing of a delivery is committed without its ack)."""
        channel = session.inbound
        national = await channel.get_exchange(self.names.national, ensure=False)
        while True:
            batch = [await session.settles.get()]
            while not session.settles.empty() and len(batch) < 256:
                batch.append(session.settles.get_nowait())
            try:
                for item in batch:
                    if item.handover is not None:
                        routing_key, payload, message_id = item.handover
                        await national.publish(
                            aio_pika.Message(
                                _json(payload),
                                message_id=message_id,
                                content_type="application/json",
                                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                            ),
                            routing_key=routing_key,
                            mandatory=False,
                        )
                    if item.requeue:
                        await item.delivery._message.nack(requeue=True)
                    else:
                        await item.delivery._message.ack()
                await asyncio.wait_for(channel.transaction().commit(), timeout=self._timeout)
            except (AMQPError, ChannelInvalidStateError, RuntimeError, OSError, TimeoutError) as exc:
                failure = PublishFailed("unavailable", f"broker transaction failed: {exc}")
                for item in batch:
                    if not item.future.done():
                        item.future.set_exception(failure)
                session.closed.set()  # the channel state is unknown: rebuild the session
                return
            for item in batch:
                if not item.future.done():
                    item.future.set_result(None)

    def _submission_callback(
        self, channel: AbstractChannel
    ) -> Callable[[AbstractIncomingMessage], Awaitable[None]]:
        async def callback(message: AbstractIncomingMessage) -> None:
            submission = Submission(
                message.body,
                message.content_type or "application/json",
                message.correlation_id,
                message.reply_to,
                message.message_id,
            )
            try:
                answer = await self._on_submission(submission)
            except Exception as exc:  # supervising callback (the node stopping, or a defect)
                log.warning(
                    "submission not answered (%s); it goes back to the queue",
                    type(exc).__name__,
                    exc_info=exc,
                )
                await message.nack(requeue=True)
                return
            if submission.reply_to:
                reply = aio_pika.Message(
                    _json(answer.payload),
                    correlation_id=submission.correlation_id,
                    content_type="application/json",
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                )
                try:
                    await self._publish(channel, "", submission.reply_to, reply)
                except PublishFailed as exc:
                    log.warning(
                        "answer to %s not delivered (%s); the answer is kept for a repeat",
                        submission.reply_to,
                        exc.message,
                    )
            if answer.dead_letter:
                await message.reject(requeue=False)
            else:
                await message.ack()

        return callback


async def _first(*events: asyncio.Event) -> None:
    waits = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()


async def _sleep_unless(stop: asyncio.Event, seconds: float) -> None:
    try:
        await asyncio.wait_for(stop.wait(), timeout=seconds)
    except TimeoutError:
        return
