"""The console application: its routes (each handler declares its role, gateway.console.access), its
middlewares in order, and the server started and stopped with the node."""

from __future__ import annotations

import logging
from pathlib import Path

from aiohttp import web

from gateway.console import auth, health, live, messages_log
from gateway.console.access import access, public
from gateway.console.context import CONTEXT, Context
from gateway.console.middlewares import csrf, security_headers, sessions
from gateway.errors import ConfigError

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


ROUTES = [
    web.get("/", messages_log.log_page, name="log"),
    web.get("/api/messages", messages_log.api_messages, name="api-messages"),
    web.get("/api/live", live.stream, name="api-live"),
    web.get("/login", auth.login_form, name="login-form"),
    web.post("/login", auth.login, name="login"),
    web.post("/logout", auth.logout, name="logout"),
    web.post("/lang", auth.set_language, name="lang"),
    web.get("/healthz", health.healthz, name="healthz"),
    web.get("/readyz", health.readyz, name="readyz"),
    web.get("/static/{name}", static, name="static"),
]


def build(context: Context) -> web.Application:
    app = web.Application(middlewares=[security_headers, sessions, csrf, access], client_max_size=64 * 1024)
    app[CONTEXT] = context
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
