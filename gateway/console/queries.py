"""A view read from a query string, and its refusal: every page and its JSON twin that take a filter
(the log, the board, the audit trail) read their view the same way and refuse a parameter no view can
be made of with 400 `usage-invalid`, naming the parameter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from aiohttp import web

from gateway.console import refusals
from gateway.console.access import Handler
from gateway.reasons import Reason

V = TypeVar("V")


class BadQuery(ValueError):
    """A query parameter no view can be made of; its name is the message."""


def rendering(
    read: Callable[[web.Request], Awaitable[V]], render: Callable[[web.Request, V], web.StreamResponse]
) -> Handler:
    """A handler: the view *read* makes of the request, as *render* draws it."""

    async def handler(request: web.Request) -> web.StreamResponse:
        try:
            view = await read(request)
        except BadQuery as exc:
            return refusals.refuse(request, 400, Reason.USAGE_INVALID, detail=str(exc))
        return render(request, view)

    return handler
