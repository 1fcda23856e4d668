"""Events for the national systems (`bgw.<SIDE>.events`): published with a confirm; the log table is
the record when the broker does not take one."""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from gateway.node import payloads
from gateway.node.clock import Clock
from gateway.transport.rabbit import PublishFailed, Transport

log = logging.getLogger("gateway.node")


class Events:
    def __init__(
        self, transport: Transport, clock: Clock, changed: Callable[[], None] = lambda: None
    ) -> None:
        self.transport = transport
        self.clock = clock
        self.changed = changed  # told of every event (the console's live pages)

    async def emit(
        self, kind: str, message_id: str | None, link: tuple[str, str] | None, detail: Mapping[str, Any]
    ) -> bool:
        """Publish an event; whether the broker confirmed it."""
        self.changed()
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
