"""What changed in the node, as one counter open pages wait on (see gateway.console.live).

The node calls `changed()` on its event loop after it commits something a page shows; a waiter
wakes once per change, and nothing runs while nothing changes.
"""

from __future__ import annotations

import asyncio
import contextlib


class Changes:
    def __init__(self) -> None:
        self.version = 0
        self.closing = False
        self._event = asyncio.Event()

    def changed(self) -> None:
        """Something pages show has changed (called on the node's event loop)."""
        self.version += 1
        event, self._event = self._event, asyncio.Event()
        event.set()

    def close(self) -> None:
        """The console stops: every stream ends now."""
        self.closing = True
        self.changed()

    async def wait(self, seen: int, timeout_s: float) -> int:
        """The version after *seen*, or *seen* again when *timeout_s* passed without a change."""
        if self.version != seen:
            return self.version
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._event.wait(), timeout_s)
        return self.version
