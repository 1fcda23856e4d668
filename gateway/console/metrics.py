"""Prometheus metrics at `/metrics` (text exposition format 0.0.4), read from the store at each scrape
— every process of the side writes the same database, so no in-process counter would see it all: the
all-time counts are running totals kept in the database (gateway.store.tallies), which each scrape
first brings up to date (gateway.store.checkpoint) — and from the broker for the queue depths.

Access: with `[console] metrics_token` set, `Authorization: Bearer <token>` (what Prometheus sends
with `authorization: {credentials: ...}`); a logged-in viewer's session is accepted too. Otherwise
401 session-required.
"""

from __future__ import annotations

import asyncio
import contextlib
import hmac
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from aiohttp import web
from sqlalchemy import Connection
from sqlalchemy.exc import SQLAlchemyError

from gateway.console import refusals
from gateway.console.access import public
from gateway.console.context import SESSION, Context, context_of
from gateway.reasons import Reason
from gateway.roles import Role
from gateway.store import checkpoint, health, tallies

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
READ_TIMEOUT_S = 10.0
Labels = Mapping[str, str]


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


@dataclass
class Exposition:
    """Families in the order added, each with HELP and TYPE once, then its samples."""

    lines: list[str] = field(default_factory=list)

    def family(self, name: str, kind: str, text: str) -> None:
        self.lines += [f"# HELP {name} {text}", f"# TYPE {name} {kind}"]

    def sample(self, name: str, labels: Labels, value: float) -> None:
        inner = ",".join(f'{key}="{_escape(str(item))}"' for key, item in labels.items())
        self.lines.append(f"{name}{{{inner}}} {_number(value)}" if inner else f"{name} {_number(value)}")

    def text(self) -> str:
        return "\n".join(self.lines) + "\n"


@dataclass(frozen=True)
class _Read:
    traffic: list[tallies.Traffic]
    late: list[tallies.Late]
    latency: list[tallies.Latency]
    owed: list[health.Owed]
    rungs: list[health.Rungs]
    quarantined: list[tallies.Quarantined]


def _read(conn: Connection, now: datetime) -> _Read:
    return _Read(
        tallies.traffic(conn),
        tallies.late(conn),
        tallies.latency(conn),
        health.owed(conn, now),
        health.rungs_by_level(conn),
        tallies.quarantined(conn),
    )


def _link(row: tallies.Traffic | tallies.Late | tallies.Latency | health.Owed) -> dict[str, str]:
    return {"peer": row.peer, "profile": row.profile, "type": row.type}


def _messages(out: Exposition, read: _Read) -> None:
    for name, direction, text in (
        ("bgw_messages_sent_total", "out", "Notices sent to the peer, by link and type."),
        ("bgw_messages_received_total", "in", "Notices received from the peer, by link and type."),
    ):
        out.family(name, "counter", text)
        for row in read.traffic:
            if row.direction == direction:
                out.sample(name, _link(row), row.count)
    out.family(
        "bgw_messages_rejected_total",
        "counter",
        "Notices refused by a negative receipt (direction out: the peer refused ours; in: we refused).",
    )
    for row in read.traffic:
        out.sample("bgw_messages_rejected_total", {**_link(row), "direction": row.direction}, row.rejected)
    out.family(
        "bgw_obligations_late_total",
        "counter",
        "Obligations met after their due time (direction out: the peer was late; in: we were).",
    )
    for late in read.late:
        out.sample("bgw_obligations_late_total", {**_link(late), "direction": late.direction}, late.count)


def _latency(out: Exposition, read: _Read) -> None:
    name = "bgw_receipt_latency_seconds"
    out.family(
        name,
        "histogram",
        "Seconds from a notice's signed creation (our clock) to the time of receipt in the peer's "
        "receipt (its clock), over every receipt received.",
    )
    for row in read.latency:
        labels = _link(row)
        for bound, count in zip(tallies.LATENCY_BUCKETS, row.buckets, strict=True):
            out.sample(f"{name}_bucket", {**labels, "le": _number(bound)}, count)
        out.sample(f"{name}_bucket", {**labels, "le": "+Inf"}, row.count)
        out.sample(f"{name}_sum", labels, row.total_s)
        out.sample(f"{name}_count", labels, row.count)


def _duties(out: Exposition, read: _Read) -> None:
    out.family("bgw_obligations_open", "gauge", "Open obligations (out: the peer owes; in: we owe).")
    for row in read.owed:
        out.sample("bgw_obligations_open", {**_link(row), "direction": row.direction}, row.open)
    out.family("bgw_obligations_overdue", "gauge", "Open obligations past their due time.")
    for row in read.owed:
        out.sample("bgw_obligations_overdue", {**_link(row), "direction": row.direction}, row.overdue)
    out.family("bgw_escalations", "gauge", "Escalations by ladder level and state.")
    for rung in read.rungs:
        out.sample("bgw_escalations", {"level": rung.level, "state": rung.state}, rung.count)
    out.family("bgw_quarantine_messages", "gauge", "Refused messages in quarantine, by source and reason.")
    for kept in read.quarantined:
        out.sample("bgw_quarantine_messages", {"source": kept.source, "reason": kept.reason}, kept.count)


async def _broker(out: Exposition, context: Context) -> None:
    try:
        depths = await asyncio.wait_for(context.queue_depths(), READ_TIMEOUT_S)
    except TimeoutError:
        depths = None
    out.family("bgw_broker_up", "gauge", "1 while the node's broker session is up.")
    out.sample("bgw_broker_up", {}, 1 if context.broker_ready() else 0)
    out.family("bgw_queue_messages", "gauge", "Messages waiting in the side's queues, by role.")
    for role, count in (depths or {}).items():
        if count is not None:
            out.sample("bgw_queue_messages", {"queue": role}, count)
    out.family("bgw_dead_letters", "gauge", "Messages in the side's dead-letter queue.")
    dead = (depths or {}).get("dead")
    if dead is not None:
        out.sample("bgw_dead_letters", {}, dead)


def _sweep(out: Exposition, context: Context) -> None:
    run = context.last_sweep()
    out.family("bgw_last_sweep_timestamp_seconds", "gauge", "When this node's last obligations sweep began.")
    if run is not None:
        out.sample("bgw_last_sweep_timestamp_seconds", {}, round(run.at.timestamp(), 3))


async def _checkpoint(context: Context) -> None:
    """Move the running totals' marks past the rows written since the last scrape (so the scrape counts
    few rows itself). The totals are right without it: a failed move only leaves more rows to count."""
    with contextlib.suppress(SQLAlchemyError, TimeoutError):  # the read counts those rows instead
        await asyncio.wait_for(context.write(checkpoint.fold), READ_TIMEOUT_S)


async def exposition(context: Context) -> Exposition:
    out = Exposition()
    await _checkpoint(context)
    try:
        read = await asyncio.wait_for(context.read(_read, context.clock()), READ_TIMEOUT_S)
    except (SQLAlchemyError, TimeoutError):
        read = None
    out.family("bgw_database_up", "gauge", "1 when the store answered this scrape's queries.")
    out.sample("bgw_database_up", {}, 0 if read is None else 1)
    if read is not None:
        _messages(out, read)
        _latency(out, read)
        _duties(out, read)
    await _broker(out, context)
    _sweep(out, context)
    return out


def _allowed(request: web.Request, token: str | None) -> bool:
    session = request.get(SESSION)
    if session is not None and session.role.allows(Role.VIEWER):
        return True
    sent = request.headers.get("Authorization", "")
    scheme, _, credentials = sent.partition(" ")
    if token is None or scheme.lower() != "bearer":
        return False
    return hmac.compare_digest(credentials.strip().encode(), token.encode())


@public  # checked here: a bearer token (Prometheus) or a viewer's session
async def metrics(request: web.Request) -> web.StreamResponse:
    """GET /metrics"""
    context = context_of(request)
    if not _allowed(request, context.settings.metrics_token):
        headers = {"WWW-Authenticate": 'Bearer realm="metrics"'}
        return refusals.refuse(request, 401, Reason.SESSION_REQUIRED, headers=headers)
    body = (await exposition(context)).text()
    return web.Response(body=body.encode(), headers={"Content-Type": CONTENT_TYPE})


def families(text: str) -> Iterable[str]:
    """The metric family names a text exposition declares (for tests and tools)."""
    return [line.split()[2] for line in text.splitlines() if line.startswith("# TYPE ")]
