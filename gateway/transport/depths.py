"""How many messages wait in a side's queues, as the broker counts them (a passive declare answers
with the queue's message count and changes nothing).

A passive declare of a missing queue closes its channel, so each count is asked on a channel of its
own, opened and closed here; the node's working channels are never touched."""

from __future__ import annotations

import asyncio
import contextlib

from aio_pika.abc import AbstractConnection
from aiormq.exceptions import AMQPError, ChannelInvalidStateError

from gateway.transport.topology import Names

DEPTH_TIMEOUT_S = 2.0


def watched(names: Names) -> dict[str, str]:
    """The queues a health page shows, by role: role -> queue name."""
    return {
        "inbound": names.inbound,
        "submit": names.submit,
        "inbox": names.inbox,
        "events": names.events,
        "dead": names.dead,
    }


async def _depth(connection: AbstractConnection, queue: str) -> int | None:
    channel = await connection.channel(publisher_confirms=False)
    try:
        declared = await channel.declare_queue(queue, passive=True, timeout=DEPTH_TIMEOUT_S)
        result = declared.declaration_result
        return int(result.message_count) if result.message_count is not None else None
    except (AMQPError, ChannelInvalidStateError, TimeoutError):
        return None  # missing queue, or the broker did not answer in time
    finally:
        if not channel.is_closed:
            with contextlib.suppress(AMQPError, ChannelInvalidStateError, RuntimeError):
                await channel.close()


async def depths(connection: AbstractConnection, names: Names) -> dict[str, int | None]:
    """role -> messages ready in that queue (None: the broker gave no count)."""
    roles = watched(names)
    found = await asyncio.gather(*(_depth(connection, queue) for queue in roles.values()))
    return dict(zip(roles, found, strict=True))
