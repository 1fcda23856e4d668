"""The console application: its routes (each handler declares its role, gateway.console.access), its
middlewares in order, and the server started and stopped with the node."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from aiohttp import web

from gateway import __version__
from gateway.console import access as access_rules
from gateway.console import (
    audit_trail,
    auth,
    board,
    calendar_page,
    charts_page,
    compose,
    drafts_page,
    escalations_page,
    evidence,
    export,
    health,
    health_page,
    live,
    message_page,
    messages_log,
    metrics,
    openapi,
)
from gateway.console.access import access, public
from gateway.console.agreement_calendar import CalendarView
from gateway.console.audit_trail import AuditPage
from gateway.console.banner import deadline_banner
from gateway.console.board import BoardPage
from gateway.console.context import CONTEXT, NAVIGATION, Context, NavEntry
from gateway.console.escalations_page import EscalationsView
from gateway.console.health_page import HealthView
from gateway.console.message_model import MessageView
from gateway.console.messages_log import MessagesPage
from gateway.console.middlewares import csrf, security_headers, sessions
from gateway.console.openapi import EVENT_STREAM, api
from gateway.errors import ConfigError
from gateway.roles import Role

log = logging.getLogger("gateway.console")
STATIC = Path(__file__).resolve().parent / "static"
SHUTDOWN_S = 5.0  # how long a request in hand may finish when the node stops
_STATIC_TYPES = {".css": "text/css", ".js": "text/javascript"}


@public
async def static(request: web.Request) -> web.StreamResponse:
    """The console's own styles and scripts (nothing from another origin), by exact name."""
    name = request.match_info["name"]
    path = STATIC / name
    if path.parent != STATIC or path.suffix not in _STATIC_TYPES or not path.is_file():
        raise web.HTTPNotFound()
    return web.Response(
        body=path.read_bytes(),
        content_type=_STATIC_TYPES[path.suffix],
        charset="utf-8",
        headers={"Cache-Control": "max-age=3600"},
    )


# The pages of the navigation bar, in its order, each with its title's catalogue key; a page is shown
# to the roles its handler declares (gateway.console.access). Part 2 adds its pages here.
PAGES = [
    (web.get("/", messages_log.log_page, name="log"), "log.title"),
    (web.get("/board", board.board_page, name="board"), "board.title"),
    (web.get("/compose", compose.compose_page, name="compose"), "composepage.title"),
    (web.get("/drafts", drafts_page.drafts_list, name="drafts"), "drafts.title"),
    (web.get("/escalations", escalations_page.escalations_page, name="escalations"), "escalations.title"),
    (web.get("/calendar", calendar_page.calendar_page, name="calendar"), "calendar.title"),
    (web.get("/charts", charts_page.charts_page, name="charts"), "charts.title"),
    (web.get("/health", health_page.health_page, name="health"), "health.title"),
    (web.get("/audit", audit_trail.audit_page, name="audit"), "audit.title"),
]
# Every /api/ route is declared with its response model (and query parameters): the OpenAPI document
# at /api/openapi.json is generated from these declarations (gateway.console.openapi).
ROUTES = [
    *(route for route, _ in PAGES),
    api("/api/messages", messages_log.api_messages, MessagesPage, *messages_log.QUERY, name="api-messages"),
    web.get("/messages/{message_id}", message_page.message_page, name="message"),
    web.get("/messages/{message_id}/evidence", evidence.download, name="evidence"),
    api("/api/messages/{message_id}", message_page.api_message, MessageView, name="api-message"),
    api("/api/health", health_page.api_health, HealthView, name="api-health"),
    api("/api/calendar", calendar_page.api_calendar, CalendarView, name="api-calendar"),
    api("/api/audit", audit_trail.api_audit, AuditPage, *audit_trail.QUERY, name="api-audit"),
    api("/api/board", board.api_board, BoardPage, *board.QUERY, name="api-board"),
    api(
        "/api/escalations",
        escalations_page.api_escalations,
        EscalationsView,
        *escalations_page.QUERY,
        name="api-escalations",
    ),
    api("/api/live", live.stream, str, name="api-live", media=EVENT_STREAM),
    api("/api/openapi.json", openapi.openapi_json, dict[str, Any], name="api-openapi"),
    web.post("/compose/check", compose.compose_check, name="compose-check"),
    web.post("/compose/preview", compose.compose_preview, name="compose-preview"),
    web.post("/compose/send", compose.compose_send, name="compose-send"),
    web.post("/drafts/{draft_id}/approve", drafts_page.draft_approve, name="draft-approve"),
    web.post("/drafts/{draft_id}/withdraw", drafts_page.draft_withdraw, name="draft-withdraw"),
    web.get(charts_page.CSV_PATH, charts_page.chart_csv, name="chart-csv"),
    web.get("/export.csv", export.export_csv, name="export-csv"),
    web.get("/export.json", export.export_json, name="export-json"),
    web.get("/metrics", metrics.metrics, name="metrics"),
    web.get("/escalations/{id}/dossier", escalations_page.dossier_download, name="escalation-dossier"),
    web.post("/escalations/{id}/ack", escalations_page.escalation_ack, name="escalation-ack"),
    web.post("/escalations/{id}/resolve", escalations_page.escalation_resolve, name="escalation-resolve"),
    web.get("/login", auth.login_form, name="login-form"),
    web.post("/login", auth.login, name="login"),
    web.post("/logout", auth.logout, name="logout"),
    web.post("/lang", auth.set_language, name="lang"),
    web.get("/healthz", health.healthz, name="healthz"),
    web.get("/readyz", health.readyz, name="readyz"),
    web.get("/static/{name}", static, name="static"),
]


def navigation() -> tuple[NavEntry, ...]:
    """The navigation bar's entries, each with the role its page's handler declares."""
    entries = []
    for route, title in PAGES:
        role = access_rules.required(route.handler)
        name = route.kwargs.get("name")
        if not isinstance(role, Role) or not isinstance(name, str):
            raise TypeError(f"{route.path}: a page needs a name and a role decorator")
        entries.append(NavEntry(name, route.path, title, role))
    return tuple(entries)


def build(context: Context) -> web.Application:
    app = web.Application(
        middlewares=[security_headers, sessions, csrf, access, deadline_banner], client_max_size=64 * 1024
    )
    app[CONTEXT] = context
    app[NAVIGATION] = navigation()
    app[openapi.DOCUMENT] = openapi.document(
        ROUTES, f"Notification gateway {context.config.side}", __version__
    )
    app.add_routes(ROUTES)
    return app


class Console:
    """The console's HTTP server inside the node's event loop."""

    def __init__(self, context: Context) -> None:
        self.context = context
        self._runner = web.AppRunner(
            build(context), access_log=None, handle_signals=False, shutdown_timeout=SHUTDOWN_S
        )

    async def start(self) -> None:
        settings = self.context.settings
        await self._runner.setup()
        try:
            await web.TCPSite(self._runner, settings.host, settings.port).start()
        except OSError as exc:
            await self._runner.cleanup()
            raise ConfigError(
                f"{self.context.config.file}: console.listen: cannot listen on {settings.listen}: "
                f"{exc.strerror}"
            ) from exc
        log.info("console listening", extra={"detail": {"listen": settings.listen}})

    async def stop(self) -> None:
        self.context.changes.close()  # live streams end first: they would hold the shutdown
        await self._runner.cleanup()
