"""Live pages by server-sent events: the node says when something changed, open pages are told.

The node calls `Changes.changed()` (gateway.console.changes) after it commits a change a page
shows (a notice stored, submitted or receipted, an event published, an escalation raised, announced
or acted on); every open stream wakes once and sends one `change` event; the page then fetches its
own view again. Nothing runs while nothing changes: no page polls, and the console does not poll the
database. Changes in a burst are sent as one (at most one event per `COALESCE_S` per stream). Another
process's change (a `bgw` command) reaches no event: a page reads its view again when shown again.
"""

from __future__ import annotations

import asyncio

from aiohttp import web

from gateway.console.access import viewer
from gateway.console.context import context_of

KEEPALIVE_S = 15.0  # a comment line this often keeps proxies from closing an idle stream
COALESCE_S = 0.2
RETRY_MS = 3000  # how long a browser waits before it reconnects


@viewer
async def stream(request: web.Request) -> web.StreamResponse:
    """GET /api/live: `event: change` whenever the node changed something, until the page goes."""
    changes = context_of(request).changes
    response = web.StreamResponse(
        headers={"Content-Type": "text/event-stream", "Cache-Control": "no-store", "X-Accel-Buffering": "no"}
    )
    await response.prepare(request)
    await response.write(f"retry: {RETRY_MS}\n\n".encode())
    seen = changes.version
    try:
        while True:
            version = await changes.wait(seen, KEEPALIVE_S)
            if changes.closing:
                break
            if version == seen:
                await response.write(b": keep-alive\n\n")
                continue
            await asyncio.sleep(COALESCE_S)
            seen = changes.version
            await response.write(f"event: change\ndata: {seen}\n\n".encode())
    except ConnectionResetError:  # the page went away
        pass
    return response
