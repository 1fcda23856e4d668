"""The console's middlewares, one concern each, outermost first:

- `security_headers`: a strict Content-Security-Policy (only the node's own scripts and styles, none
  inline), no framing, no sniffing, no referrer, no caching of pages — on every response, refusals
  and errors included;
- `sessions`: finds the logged-in session from its cookie (server-side, by the token's hash), and
  gives a visitor without one an anonymous CSRF cookie for the login and language forms;
- `csrf`: every state change (any method but GET, HEAD, OPTIONS) carries the session's token, in
  the form field `csrf` or the header `X-CSRF-Token`, or is refused 403 csrf-token-invalid.
"""

from __future__ import annotations

import hmac
import secrets
from collections.abc import Awaitable, Callable
from datetime import timedelta

from aiohttp import web

from gateway.console import refusals
from gateway.console.context import CSRF, SESSION, TOKEN, context_of
from gateway.reasons import Reason
from gateway.store import users

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
SESSION_COOKIE = "bgw_session"
ANON_COOKIE = "bgw_anon"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
TOUCH_EVERY = timedelta(seconds=60)  # a session's expiry slides at most once a minute

HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
}


def _secure(request: web.Request) -> bool:
    return request.secure or context_of(request).settings.behind_tls


def set_cookie(
    request: web.Request, response: web.StreamResponse, name: str, value: str, max_age: int
) -> None:
    """Every console cookie: HttpOnly, SameSite=Strict, Secure behind TLS, the whole console."""
    response.set_cookie(
        name, value, max_age=max_age, path="/", httponly=True, samesite="Strict", secure=_secure(request)
    )


async def _then(
    request: web.Request, handler: Handler, finish: Callable[[web.StreamResponse], None]
) -> web.StreamResponse:
    """The handler's response after *finish* saw it, whether returned or raised (an aiohttp HTTP
    exception is a response, and is raised again)."""
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        finish(exc)
        raise
    finish(response)
    return response


@web.middleware
async def security_headers(request: web.Request, handler: Handler) -> web.StreamResponse:
    def add(response: web.StreamResponse) -> None:
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        if not request.path.startswith("/static/"):
            response.headers.setdefault("Cache-Control", "no-store")

    return await _then(request, handler, add)


@web.middleware
async def sessions(request: web.Request, handler: Handler) -> web.StreamResponse:
    context = context_of(request)
    token = request.cookies.get(SESSION_COOKIE)
    now = context.clock()
    found = await context.read(users.session, token, now) if token else None
    if found is not None and token is not None:
        request[SESSION], request[TOKEN], request[CSRF] = found, token, found.csrf
        if now - found.seen_at > TOUCH_EVERY:
            expires = min(
                now + timedelta(seconds=context.settings.session_idle_s),
                found.created_at + timedelta(seconds=context.settings.session_max_s),
            )
            await context.write(users.touch, token, now, expires)
        return await handler(request)
    anonymous = request.cookies.get(ANON_COOKIE)
    request[CSRF] = anonymous or secrets.token_urlsafe(32)

    def give(response: web.StreamResponse) -> None:
        if not anonymous:
            set_cookie(request, response, ANON_COOKIE, request[CSRF], max_age=86400)

    return await _then(request, handler, give)


@web.middleware
async def csrf(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.method in SAFE_METHODS:
        return await handler(request)
    sent = request.headers.get("X-CSRF-Token")
    if sent is None and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        value = (await request.post()).get("csrf")
        sent = value if isinstance(value, str) else None
    if not sent or not hmac.compare_digest(sent.encode(), str(request[CSRF]).encode()):
        return refusals.refuse(request, 403, Reason.CSRF_TOKEN_INVALID)
    return await handler(request)
