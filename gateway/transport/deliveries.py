"""What the transport hands the node and takes back: a delivery from the peer (settled once), a
national submission and its answer, and the failure of a publication."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from aio_pika.abc import AbstractIncomingMessage

from gateway.errors import GatewayError

if TYPE_CHECKING:
    from gateway.transport.rabbit import Transport


class PublishFailed(GatewayError):
    """The broker did not take a message: nack, returned (unroutable), timeout or no connection."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


@dataclass
class InboundDelivery:
    """A message from the peer. The handler settles it exactly once."""

    body: bytes
    message_id: str | None
    kind: str | None
    redelivered: bool
    headers: Mapping[str, Any]
    _message: AbstractIncomingMessage = field(repr=False)
    _transport: Transport = field(repr=False)
    settled: bool = False

    async def handover(self, routing_key: str, payload: Mapping[str, Any], message_id: str) -> None:
        """Publish *payload* to the national exchange and acknowledge, in one broker transaction."""
        await self._transport._settle(self, handover=(routing_key, payload, message_id))

    async def accept(self) -> None:
        """Acknowledge: the message is recorded (or refused and quarantined) and answered."""
        await self._transport._settle(self)

    async def retry_later(self) -> None:
        """Give it back to the broker (transient failure); after the delivery limit it is dead-lettered."""
        await self._transport._settle(self, requeue=True)


@dataclass(frozen=True)
class Submission:
    """A national system's submission, with what is needed to answer it."""

    body: bytes
    content_type: str
    correlation_id: str | None
    reply_to: str | None
    message_id: str | None


@dataclass(frozen=True)
class Answer:
    """The node's answer to a submission; *dead_letter*: after answering, the submission goes to the
    dead-letter queue (kept for the operators) instead of being acknowledged."""

    payload: Mapping[str, Any]
    dead_letter: bool = False
