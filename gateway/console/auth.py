"""Logging in and out, and choosing the language. Every login, failed login and logout is an entry
of the hash-chained log (gateway.store.audit), written in the transaction that opens or closes the
session. A refused attempt is throttled per name and per address (gateway.console.throttle)."""

from __future__ import annotations

import asyncio
import math
import secrets
from datetime import datetime, timedelta

from aiohttp import web

from gateway.console import i18n, pages, passwords, refusals
from gateway.console.access import public, viewer
from gateway.console.context import SESSION, TOKEN, context_of
from gateway.console.middlewares import SESSION_COOKIE, set_cookie
from gateway.reasons import Reason
from gateway.store import Tx, audit, users

NAME_MAX = 64
LANG_MAX_AGE = 365 * 86400


def local_path(target: str | None) -> str:
    """Only a path on this console (no scheme, no host, no //host) may be a redirect target."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


@public
async def login_form(request: web.Request) -> web.StreamResponse:
    if request.get(SESSION) is not None:
        raise web.HTTPSeeOther(local_path(request.query.get("next")))
    next_path, bye = local_path(request.query.get("next")), "bye" in request.query
    return pages.render(request, "login.html", next=next_path, name="", bye=bye)


def _opened(tx: Tx, token: str, name: str, csrf: str, at: datetime, expires: datetime, address: str) -> None:
    users.purge_expired(tx, at)  # sessions nobody ended: gone at the next login
    users.open_session(tx, token, name, csrf, at, expires)
    audit.record(tx, at, name, "console-login", detail={"address": address})


def _closed(tx: Tx, token: str, name: str, at: datetime, address: str) -> None:
    users.close_session(tx, token)
    audit.record(tx, at, name, "console-logout", detail={"address": address})


def _failed(tx: Tx, name: str, at: datetime, address: str) -> None:
    audit.record(tx, at, name, "console-login-failed", detail={"address": address})


def _refused(
    request: web.Request, status: int, reason: Reason, name: str, next_path: str, **values: object
) -> web.Response:
    """The login form again with the refusal on it (the API gets refusals' JSON)."""
    headers = {"Retry-After": str(values["seconds"])} if "seconds" in values else {}
    if refusals.wants_json(request):
        return refusals.refuse(request, status, reason, headers=headers, **values)
    error = i18n.catalogue(pages.language(request))(f"reason.{reason.value}", **values)
    response = pages.render(request, "login.html", status=status, error=error, name=name, next=next_path)
    response.headers.update(headers)
    return response


@public
async def login(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    form = await request.post()
    name = str(form.get("name", "")).strip()[:NAME_MAX]
    password = str(form.get("password", ""))
    address = request.remote or "unknown"
    keys = (f"name:{name}", f"address:{address}")
    next_path = local_path(str(form.get("next", "/")))
    now = context.clock()
    wait_s = context.throttle.wait_s(keys, now)
    if wait_s > 0:
        return _refused(request, 429, Reason.LOGIN_THROTTLED, name, next_path, seconds=math.ceil(wait_s))
    user = await context.read(users.find, name) if name else None
    good = await asyncio.to_thread(passwords.verify, user.password_hash if user else None, password)
    if user is None or user.disabled or not good:
        context.throttle.failed(keys, now)
        await context.write(_failed, name or "-", now, address)
        return _refused(request, 401, Reason.LOGIN_INVALID, name, next_path)
    context.throttle.succeeded(keys[0])
    token, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = now + timedelta(seconds=context.settings.session_idle_s)
    await context.write(_opened, token, user.name, csrf, now, expires, address)
    response = web.HTTPSeeOther(next_path)
    set_cookie(request, response, SESSION_COOKIE, token, max_age=int(context.settings.session_max_s))
    raise response


@viewer
async def logout(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    session = request[SESSION]
    await context.write(_closed, request[TOKEN], session.user, context.clock(), request.remote or "unknown")
    response = web.HTTPSeeOther("/login?bye=1")
    response.del_cookie(SESSION_COOKIE, path="/")
    raise response


@public
async def set_language(request: web.Request) -> web.StreamResponse:
    form = await request.post()
    lang = str(form.get("lang", ""))
    if lang not in i18n.LANGUAGES:
        return refusals.refuse(request, 400, Reason.USAGE_INVALID, detail="lang")
    response = web.HTTPSeeOther(local_path(str(form.get("next", "/"))))
    set_cookie(request, response, pages.LANG_COOKIE, lang, max_age=LANG_MAX_AGE)
    raise response
