"""Who may reach a route: one decorator per role, read by one middleware. A handler without a
decorator is refused to everybody (deny by default), so a forgotten check fails closed.

    @viewer
    async def log_page(request): ...
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from yarl import URL

from gateway.console import refusals
from gateway.console.context import SESSION
from gateway.reasons import Reason
from gateway.roles import Role

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
_ATTRIBUTE = "bgw_access"
PUBLIC = "public"  # anybody, logged in or not (login page, health probes, static files)


def _granting(level: Role | str) -> Callable[[Handler], Handler]:
    def mark(handler: Handler) -> Handler:
        setattr(handler, _ATTRIBUTE, level)
        return handler

    return mark


public = _granting(PUBLIC)
viewer = _granting(Role.VIEWER)
operator = _granting(Role.OPERATOR)
admin = _granting(Role.ADMIN)


def required(handler: Any) -> Role | str | None:
    """What a handler declared: a Role, PUBLIC, or None (nothing: refused)."""
    level = getattr(handler, _ATTRIBUTE, None)
    return level if isinstance(level, Role | str) else None


@web.middleware
async def access(request: web.Request, handler: Handler) -> web.StreamResponse:
    match = request.match_info
    if match.http_exception is not None:  # no route: 404 / 405 as they are
        raise match.http_exception
    level = required(match.handler)
    if level == PUBLIC:
        return await handler(request)
    session = request.get(SESSION)
    if level is None:
        return refusals.refuse(request, 403, Reason.ROLE_INSUFFICIENT)
    if session is None:
        if refusals.wants_json(request):
            return refusals.refuse(request, 401, Reason.SESSION_REQUIRED)
        raise web.HTTPSeeOther(str(URL("/login").with_query(next=request.rel_url.path_qs)))
    assert isinstance(level, Role)
    if not session.role.allows(level):
        return refusals.refuse(request, 403, Reason.ROLE_INSUFFICIENT)
    return await handler(request)
