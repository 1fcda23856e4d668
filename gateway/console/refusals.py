"""A refusal, as the client asked for it: JSON `{"error": {"reason", "message"}}` for the API, a page
in the viewer's language otherwise. The reason is always one of gateway/reasons.py."""

from __future__ import annotations

from aiohttp import web

from gateway.console import i18n, pages
from gateway.reasons import Reason


def wants_json(request: web.Request) -> bool:
    return request.path.startswith("/api/") or request.headers.get("Accept", "").startswith(
        "application/json"
    )


def refuse(
    request: web.Request, status: int, reason: Reason, headers: dict[str, str] | None = None, **values: object
) -> web.Response:
    catalogue = i18n.catalogue(pages.language(request))
    message = catalogue(f"reason.{reason.value}", **values)
    if wants_json(request):
        body = {"error": {"reason": reason.value, "message": message}}
        return web.json_response(body, status=status, headers=headers)
    response = pages.render(request, "refused.html", status=status, reason=reason.value, message=message)
    response.headers.update(headers or {})
    return response
