"""The deadline banner: on every page, a warning when a treaty deadline of this side falls within
`agreement_calendar.BANNER_DAYS` of the node's clock, for the roles that can act on it.

Who sees it: operators and admins. Acting on a treaty deadline means sending a message (a
denunciation notice, a Commission's composition): what an operator does and a viewer may not. A
viewer reads the same deadlines on /calendar, without the call to act on every page.

The calendar is computed on each page request, never cached: it depends on messages another process
(the node, a peer's notice) may record at any moment, and the read is the few messages that move a
treaty clock, through their index (ix_messages_treaty).
"""

from __future__ import annotations

from aiohttp import web

from gateway.console.access import Handler
from gateway.console.agreement_calendar import BANNER, calendar_view, warnings
from gateway.console.context import SESSION, context_of
from gateway.console.refusals import wants_json
from gateway.roles import Role

ACTS = Role.OPERATOR  # the least role that may act on a treaty deadline
# Routes whose answer is not a page: no banner to compute.
NOT_PAGES = frozenset({"metrics", "healthz", "readyz", "export-csv", "export-json", "static", "chart-csv"})


def shows_banner(request: web.Request) -> bool:
    session = request.get(SESSION)
    name = request.match_info.route.name
    return (
        session is not None
        and session.role.allows(ACTS)
        and request.method == "GET"
        and name not in NOT_PAGES
        and not wants_json(request)
    )


@web.middleware
async def deadline_banner(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Innermost: only a request the access rules let through reads the calendar."""
    if shows_banner(request):
        request[BANNER] = warnings(await calendar_view(context_of(request)))
    return await handler(request)
