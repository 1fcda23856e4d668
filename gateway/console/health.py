"""Probes for a supervisor or a load balancer: /healthz (the process answers) and /readyz (it can
work: the database answers a query and the broker connection is up), both JSON, both public."""

from __future__ import annotations

import asyncio

from aiohttp import web
from sqlalchemy import Connection, text
from sqlalchemy.exc import SQLAlchemyError

from gateway.console.access import public
from gateway.console.context import context_of
from gateway.store.store import describe

READY_TIMEOUT_S = 2.0


def _ping(conn: Connection) -> None:
    conn.execute(text("SELECT 1"))


@public
async def healthz(request: web.Request) -> web.StreamResponse:
    return web.json_response({"status": "alive", "side": context_of(request).config.side})


@public
async def readyz(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    database: dict[str, object] = {"ok": True}
    try:
        await asyncio.wait_for(context.read(_ping), READY_TIMEOUT_S)
    except (SQLAlchemyError, TimeoutError) as exc:
        database = {"ok": False, "error": describe(exc) if isinstance(exc, SQLAlchemyError) else "timeout"}
    broker = {"ok": context.broker_ready()}
    ready = bool(database["ok"]) and bool(broker["ok"])
    body = {"status": "ready" if ready else "not-ready", "database": database, "broker": broker}
    return web.json_response(body, status=200 if ready else 503)
