"""The health page (`/health`) and its JSON twin (`/api/health`): one `HealthView` of the node — the
database and the broker, the queues, each link's last traffic, the peers' apparent clock offsets,
what is owed and escalated, quarantine and dead letters, certificates near their end, the last sweep.

A part that cannot be read (the database down, the broker away) is shown as such; the page itself
always answers.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from gateway.console import certificates, openapi, pages
from gateway.console.access import viewer
from gateway.console.certificates import Certificate
from gateway.console.context import Context, context_of
from gateway.console.skew import PeerClock, apparent
from gateway.lifecycle import Direction
from gateway.node.config import Link
from gateway.store import health, quarantine
from gateway.store.health import LinkTimes, Owed, Rungs
from gateway.store.store import describe
from gateway.transport.depths import watched
from gateway.transport.topology import Names

READ_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Database:
    ok: bool
    dialect: str
    error: str | None  # why it could not be read


@dataclass(frozen=True)
class Queue:
    role: str  # inbound | submit | inbox | events | dead
    name: str
    messages: int | None  # ready in the queue; null: the broker gave no count


@dataclass(frozen=True)
class Broker:
    connected: bool
    queues: list[Queue]


@dataclass(frozen=True)
class LinkActivity(LinkTimes):
    link: str  # PEER/profile


def _idle(name: str) -> LinkActivity:
    return LinkActivity(None, None, None, None, link=name)


@dataclass(frozen=True)
class Sweep:
    at: datetime  # when this node's last obligations sweep began
    ok: bool
    escalated: int  # rungs it reached


@dataclass(frozen=True)
class HealthView:
    side: str
    at: datetime
    database: Database
    broker: Broker
    links: list[LinkActivity]
    clocks: list[PeerClock]
    obligations: list[Owed]
    escalations: list[Rungs]
    quarantine: int | None  # null: the database could not be read
    dead_letters: int | None  # null: the broker gave no count
    certificates: list[Certificate]
    sweep: Sweep | None  # null: no sweep since the node started


@dataclass(frozen=True)
class _Stored:
    links: list[LinkActivity]
    clocks: list[PeerClock]
    owed: list[Owed]
    rungs: list[Rungs]
    quarantined: int
    peers: list[Certificate]


def _stored(conn: Connection, now: datetime, links: list[Link], tolerated_s: float) -> _Stored:
    """Everything the page reads from the store, on one connection."""
    peers = sorted({link.peer for link in links})
    clocks = [
        apparent(
            peer,
            health.last_exchange(conn, peer, Direction.OUT),
            health.last_exchange(conn, peer, Direction.IN),
            tolerated_s,
        )
        for peer in peers
    ]
    signed = [(peer, health.last_notice_bytes(conn, peer)) for peer in peers]
    activity = [
        LinkActivity(**vars(health.link_times(conn, link.peer, link.profile)), link=link.name)
        for link in links
    ]
    return _Stored(
        activity,
        clocks,
        health.owed(conn, now),
        health.rungs_by_level(conn),
        quarantine.count(conn),
        certificates.peers(signed, now),
    )


async def _read_store(context: Context, now: datetime) -> tuple[Database, _Stored | None]:
    dialect = context.store.engine.dialect.name
    links, tolerated = list(context.config.links), context.config.delivery.clock_skew_s
    try:
        found = await asyncio.wait_for(context.read(_stored, now, links, tolerated), READ_TIMEOUT_S)
    except SQLAlchemyError as exc:
        return Database(False, dialect, describe(exc)), None
    except TimeoutError:
        return Database(False, dialect, f"no answer within {READ_TIMEOUT_S:g} s"), None
    return Database(True, dialect, None), found


async def _broker(context: Context) -> Broker:
    names = Names(context.config.side)
    try:
        depths = await asyncio.wait_for(context.queue_depths(), READ_TIMEOUT_S)
    except TimeoutError:
        depths = None
    queues = watched(names)
    counts = depths or {}
    return Broker(
        context.broker_ready(), [Queue(role, name, counts.get(role)) for role, name in queues.items()]
    )


async def health_view(context: Context) -> HealthView:
    now = context.clock()
    (database, stored), broker = await asyncio.gather(_read_store(context, now), _broker(context))
    config = context.config
    held = certificates.own_and_anchors(config.side, config.cert, config.trust, now)
    run = context.last_sweep()
    dead = next((queue.messages for queue in broker.queues if queue.role == "dead"), None)
    return HealthView(
        side=config.side,
        at=now,
        database=database,
        broker=broker,
        links=stored.links if stored else [_idle(link.name) for link in config.links],
        clocks=stored.clocks if stored else [],
        obligations=stored.owed if stored else [],
        escalations=stored.rungs if stored else [],
        quarantine=stored.quarantined if stored else None,
        dead_letters=dead,
        certificates=held + (stored.peers if stored else []),
        sweep=Sweep(run.at, run.ok, run.escalated) if run else None,
    )


@viewer
async def health_page(request: web.Request) -> web.StreamResponse:
    """GET /health"""
    view = await health_view(context_of(request))
    return pages.render(request, "health.html", view=view, warn_days=certificates.WARN_DAYS)


@viewer
async def api_health(request: web.Request) -> web.StreamResponse:
    """GET /api/health"""
    return web.json_response(openapi.plain(await health_view(context_of(request))))
