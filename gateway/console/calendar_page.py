"""The agreement calendar page (`/calendar`) and its JSON twin (`/api/calendar`): each link's
agreement state and treaty calendar (gateway.console.agreement_calendar), dates as calendar dates in
each row's zone."""

from __future__ import annotations

from aiohttp import web

from gateway.console import openapi, pages
from gateway.console.access import viewer
from gateway.console.agreement_calendar import calendar_view
from gateway.console.context import context_of


@viewer
async def calendar_page(request: web.Request) -> web.StreamResponse:
    """GET /calendar"""
    view = await calendar_view(context_of(request))
    return pages.render(request, "calendar.html", view=view)


@viewer
async def api_calendar(request: web.Request) -> web.StreamResponse:
    """GET /api/calendar"""
    return web.json_response(openapi.plain(await calendar_view(context_of(request))))
