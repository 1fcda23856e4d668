"""The audit trail for admins: the acts of people from the hash-chained log (logins, logouts, exports
and views on the console; `bgw user` and `bgw escalations` commands), newest first, filtered by actor
and act — the page at `/audit` and its JSON twin at `/api/audit`, both reading the same `TrailView`.
The query string is `actor`, `action` and `before` (the keyset cursor of the next, older page)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from yarl import URL

from gateway.console import access, openapi, pages
from gateway.console.context import context_of
from gateway.console.openapi import Param
from gateway.console.queries import BadQuery, rendering
from gateway.store import trail

PAGE_SIZE = 50
KNOWN = (  # the acts offered in the filter's list; any other act name is accepted as typed
    "console-login",
    "console-login-failed",
    "console-logout",
    "console-exported",
    "console-viewed",
    "console-evidence",
    "console-sent",
    "console-drafted",
    "console-approved",
    "console-withdrawn",
    "user-added",
    "user-password-set",
    "user-disabled",
    "escalation-acknowledged",
    "escalation-resolved",
)
NAME_MAX = 64


def parse(query: Mapping[str, str]) -> tuple[trail.TrailFilter, int | None]:
    """The trail's filter and cursor from a query string (pure); raises BadQuery naming the parameter."""
    actor = query.get("actor", "").strip() or None
    action = query.get("action", "").strip() or None
    for name, value in (("actor", actor), ("action", action)):
        if value is not None and len(value) > NAME_MAX:
            raise BadQuery(name)
    before = query.get("before", "")
    if before and not before.isdigit():
        raise BadQuery("before")
    return trail.TrailFilter(actor, action), int(before) if before else None


@dataclass(frozen=True)
class TrailView:
    rows: list[trail.Act]
    older: str | None  # the query string of the next page, or None


async def trail_view(request: web.Request) -> TrailView:
    wanted, before = parse(request.query)
    found = await context_of(request).read(trail.page, wanted, before, PAGE_SIZE)
    older = None
    if found.after is not None:
        older = str(URL("").with_query({**request.query, "before": str(found.after)}))
    return TrailView(found.rows, older)


def shown(detail: Mapping[str, Any]) -> str:
    """An act's detail in one line: `name=value`, structured values as compact JSON."""
    return ", ".join(
        f"{name}={value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)}"
        for name, value in detail.items()
    )


def _as_page(request: web.Request, view: TrailView) -> web.StreamResponse:
    return pages.render(request, "audit.html", view=view, query=request.query, known=KNOWN, shown=shown)


@dataclass(frozen=True)
class AuditPage:
    """A page of the audit trail, newest first; *next*: the URL of the next (older) page, or null."""

    items: list[trail.Act]
    next: str | None


def _as_json(_: web.Request, view: TrailView) -> web.StreamResponse:
    older = f"/api/audit{view.older}" if view.older else None
    return web.json_response(openapi.plain(AuditPage(view.rows, older)))


_STRING = {"type": "string", "maxLength": NAME_MAX}
QUERY = (
    Param("actor", _STRING, "who acted: a console user or the name a bgw command recorded"),
    Param("action", _STRING, "the act, e.g. console-exported"),
    Param("before", {"type": "string", "pattern": "^[0-9]{1,18}$"}, "the cursor of the next page"),
)


audit_page = access.admin(rendering(trail_view, _as_page))  # GET /audit
api_audit = access.admin(rendering(trail_view, _as_json))  # GET /api/audit
