"""The console's HTTP rules, in process on a real SQLite store (aiohttp's test server, no broker):
headers on every response, CSRF, roles as route entries, sessions, throttling, probes, the log's
keyset pages and its JSON twin."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable, Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from gateway.console import access, app
from gateway.console.context import Context
from gateway.console.passwords import hash_password
from gateway.lifecycle import Direction, MessageState
from gateway.node.config import ConsoleSettings, load_config
from gateway.profiles import load_profiles
from gateway.roles import Role
from gateway.store import Store, Tx, journal, listing, users
from gateway.store.rows import INSERT_MESSAGE, message_row
from gateway.store.scratch import scratch_database
from tests import pki as test_pki

PROFILES = load_profiles()
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"


def _config(folder: Path, database_url: str | None) -> Path:
    test_pki.init_side(folder / "pki", "UZ")
    test_pki.init_side(folder / "pki", "KZ")
    path = folder / "uz.toml"
    path.write_text(
        f'[node]\nside = "UZ"\ndata_dir = "{folder / "var"}"\n'
        + (f'database_url = "{database_url}"\n' if database_url else "")
        + '[pki]\nkey = "pki/UZ/node.key"\ncert = "pki/UZ/node.pem"\ntrust = "pki"\n'
        '[[links]]\npeer = "KZ"\nprofile = "kz-uz-border-2024"\n[console]\nlisten = "127.0.0.1:8081"\n',
        encoding="utf-8",
    )
    return path


def _messages(tx: Tx, count: int) -> None:
    for n in range(count):
        row = message_row(
            Direction.IN if n % 2 else Direction.OUT,
            f"{n:08d}-0000-4000-8000-000000000000",
            "KZ",
            "kz-uz-border-2024",
            "marker-incident" if n % 3 else "crossing-restriction",
            NOW - timedelta(hours=count - n),
            "0" * 64,
            b"<x/>",
            MessageState.RECEIVED if n % 2 else MessageState.SENT,
            NOW,
        )
        INSERT_MESSAGE.run(tx.conn, row)


@pytest.fixture(params=["sqlite", "postgresql"])
def store(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database("bgw_console")) if request.param == "postgresql" else None
        config = load_config(_config(tmp_path, url), PROFILES)
        opened = Store.open(config.database_url.value)
        stack.callback(opened.close)
        _fill(opened)
        yield config, opened


def _fill(opened: Store) -> None:
    opened.write(users.add, "viewer1", Role.VIEWER, hash_password(PASSWORD), NOW)
    opened.write(users.add, "admin1", Role.ADMIN, hash_password(PASSWORD), NOW)
    opened.write(_messages, 120)


Scenario = Callable[[TestClient[web.Request, web.Application], Context], Awaitable[None]]


def run(
    store: Any,
    scenario: Scenario,
    extra: web.RouteTableDef | None = None,
    ready: bool = True,
    behind_tls: bool = False,
    clock: Callable[[], datetime] = lambda: NOW,
) -> None:
    config, opened = store
    assert config.console == ConsoleSettings(host="127.0.0.1", port=8081)
    settings = replace(config.console, behind_tls=behind_tls)
    context = Context(config, settings, opened, clock, PROFILES, lambda: ready)

    async def main() -> None:
        application = app.build(context)
        if extra is not None:
            application.add_routes(extra)
        async with TestClient(TestServer(application)) as client:
            await scenario(client, context)

    asyncio.run(main())


async def csrf_of(client: TestClient[web.Request, web.Application], path: str = "/login") -> str:
    page = await (await client.get(path)).text()
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, page
    return found.group(1)


async def log_in(
    client: TestClient[web.Request, web.Application], name: str, password: str = PASSWORD
) -> Any:
    token = await csrf_of(client)
    return await client.post(
        "/login", data={"name": name, "password": password, "csrf": token, "next": "/"}, allow_redirects=False
    )


def test_every_route_declares_who_may_reach_it() -> None:
    for route in app.ROUTES:
        assert access.required(route.handler) is not None, route.path


def test_headers_on_pages_refusals_and_missing_pages(store: Any) -> None:
    async def scenario(client: Any, _: Context) -> None:
        for path, status in (("/login", 200), ("/nowhere", 404), ("/api/messages", 401), ("/healthz", 200)):
            response = await client.get(path, allow_redirects=False)
            assert response.status == status, path
            csp = response.headers["Content-Security-Policy"]
            assert "default-src 'self'" in csp and "unsafe-inline" not in csp
            assert response.headers["X-Frame-Options"] == "DENY"
            assert response.headers["X-Content-Type-Options"] == "nosniff"
        page = await (await client.get("/login")).text()
        scripts = re.findall(r"<script[^>]*>", page)
        assert scripts == ['<script src="/static/console.js" defer>']  # no inline script
        assert "<style" not in page and "style=" not in page and '<html lang="ru">' in page

    run(store, scenario)


def test_a_state_change_without_the_token_is_refused_with_its_reason(store: Any) -> None:
    async def scenario(client: Any, _: Context) -> None:
        refused = await client.post(
            "/login", data={"name": "viewer1", "password": PASSWORD}, allow_redirects=False
        )
        assert refused.status == 403 and "csrf-token-invalid" in await refused.text()
        wrong = await client.post(
            "/login", data={"name": "viewer1", "password": PASSWORD, "csrf": "forged"}, allow_redirects=False
        )
        assert wrong.status == 403
        assert (await log_in(client, "viewer1")).status == 303
        api = await client.post("/logout", headers={"Accept": "application/json"}, allow_redirects=False)
        assert api.status == 403 and (await api.json())["error"]["reason"] == "csrf-token-invalid"
        assert (await client.get("/api/messages")).status == 200  # still logged in

    run(store, scenario)


def test_session_cookie_flags_and_logout_ends_the_session_on_the_server(store: Any) -> None:
    async def scenario(client: Any, context: Context) -> None:
        response = await log_in(client, "viewer1")
        cookie = response.headers["Set-Cookie"]
        assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/" in cookie
        token = response.cookies["bgw_session"].value
        assert context.store.read(users.session, token, NOW) is not None
        logout = await client.post(
            "/logout", data={"csrf": await csrf_of(client, "/")}, allow_redirects=False
        )
        assert logout.status == 303
        assert context.store.read(users.session, token, NOW) is None
        client.session.cookie_jar.update_cookies({"bgw_session": token})  # replaying the old cookie
        assert (await client.get("/api/messages")).status == 401

    run(store, scenario)


def test_disabling_a_user_ends_the_session(store: Any) -> None:
    async def scenario(client: Any, context: Context) -> None:
        await log_in(client, "viewer1")
        assert (await client.get("/api/messages")).status == 200
        context.store.write(users.disable, "viewer1", NOW)
        assert (await client.get("/api/messages")).status == 401
        assert (await log_in(client, "viewer1")).status == 401

    run(store, scenario)


def test_roles_are_route_entries(store: Any) -> None:
    extra = web.RouteTableDef()

    @extra.get("/admin-only")
    @access.admin
    async def admin_only(_: web.Request) -> web.Response:
        return web.Response(text="admin")

    @extra.get("/undeclared")
    async def undeclared(_: web.Request) -> web.Response:
        return web.Response(text="nobody")

    async def scenario(client: Any, _: Context) -> None:
        await log_in(client, "viewer1")
        refused = await client.get("/admin-only", headers={"Accept": "application/json"})
        assert refused.status == 403 and (await refused.json())["error"]["reason"] == "role-insufficient"
        assert (await client.get("/undeclared")).status == 403
        await client.post("/logout", data={"csrf": await csrf_of(client, "/")})
        await log_in(client, "admin1")
        assert (await client.get("/admin-only")).status == 200
        assert (await client.get("/undeclared")).status == 403  # deny by default, even an admin

    run(store, scenario, extra)


def test_failed_logins_are_throttled_and_audited(store: Any) -> None:
    async def scenario(client: Any, context: Context) -> None:
        for _ in range(3):
            assert (await log_in(client, "viewer1", "wrong password!")).status == 401
        throttled = await log_in(client, "viewer1")  # right password, but the delay runs
        assert throttled.status == 429 and throttled.headers["Retry-After"] == "1"
        assert "Повторите через 1 с." in await throttled.text()
        entries = context.store.read(lambda conn: list(journal.entries(conn)))
        failed = [e for e in entries if e.event == "console-login-failed"]
        assert len(failed) == 3 and all('"by":"viewer1"' in e.detail for e in failed)
        assert not [e for e in entries if e.event == "console-login"]

    run(store, scenario)


def test_readyz_says_what_is_not_ready(store: Any) -> None:
    async def scenario(client: Any, _: Context) -> None:
        response = await client.get("/readyz")
        body = await response.json()
        assert response.status == 503 and body["database"]["ok"] and not body["broker"]["ok"]
        assert (await (await client.get("/healthz")).json())["status"] == "alive"

    run(store, scenario, ready=False)


def test_the_log_pages_by_keyset_and_the_page_and_api_agree(store: Any) -> None:
    async def scenario(client: Any, _: Context) -> None:
        await log_in(client, "viewer1")
        seen: list[str] = []
        url: str | None = "/api/messages?direction=in"
        while url:
            body = await (await client.get(url)).json()
            seen += [item["message_id"] for item in body["items"]]
            url = body["next"]
        assert len(seen) == len(set(seen)) == 60
        assert seen == sorted(seen, reverse=True)  # newest first, nothing twice, nothing skipped
        page = await (await client.get("/?direction=in")).text()
        assert page.count("<tr data-seq=") == 50 and 'rel="next"' in page and seen[0] in page
        window = await (await client.get("/api/messages?window=24h&type=crossing-restriction")).json()
        assert {item["type"] for item in window["items"]} == {"crossing-restriction"}
        assert all(item["created_at"] >= "2026-11-29T09:00" for item in window["items"])
        assert len(window["items"]) == 8
        custom = await (
            await client.get("/api/messages?window=custom&from=2026-11-30T11:30&to=2026-11-30T14:00")
        ).json()
        # 11:30 to 14:00 in Tashkent (UTC+5) is 06:30 to 09:00 UTC: the last three hours' messages
        assert [item["created_at"][:16] for item in custom["items"]] == [
            "2026-11-30T08:00",
            "2026-11-30T07:00",
        ]
        found = await (await client.get("/api/messages?q=00000117")).json()
        assert [item["message_id"][:8] for item in found["items"]] == ["00000117"]
        bad = await client.get("/api/messages?state=lost")
        assert bad.status == 400 and (await bad.json())["error"]["reason"] == "usage-invalid"

    run(store, scenario)


def test_keyset_page_reads_below_its_cursor(store: Any) -> None:
    _, opened = store
    first = opened.read(listing.page, listing.Filter(), None, 7)
    second = opened.read(listing.page, listing.Filter(), first.after, 7)
    assert len(first.rows) == len(second.rows) == 7
    assert first.after == first.rows[-1].seq and second.rows[0].seq == first.after - 1


def test_live_stream_sends_one_change_per_burst_and_ends_when_the_console_stops(store: Any) -> None:
    async def scenario(client: Any, context: Context) -> None:
        assert (await client.get("/api/live")).status == 401
        await log_in(client, "viewer1")
        response = await client.get("/api/live")
        assert response.headers["Content-Type"] == "text/event-stream"
        assert await response.content.readline() == b"retry: 3000\n"
        await response.content.readline()
        for _ in range(5):  # a burst: one event
            context.changes.changed()
        event = [await response.content.readline() for _ in range(3)]
        assert event == [b"event: change\n", b"data: 5\n", b"\n"]
        context.changes.close()
        assert await asyncio.wait_for(response.content.read(), 5) == b""  # the stream ended

    run(store, scenario)


def test_the_navigation_shows_a_page_only_to_the_roles_that_may_open_it(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    @access.admin
    async def people(_: web.Request) -> web.Response:
        return web.Response(text="people")

    monkeypatch.setattr(app, "PAGES", [*app.PAGES, (web.get("/people", people, name="people"), "log.older")])
    extra = web.RouteTableDef()
    extra.get("/people")(people)

    async def scenario(client: Any, _: Context) -> None:
        await log_in(client, "viewer1")
        page = await (await client.get("/")).text()
        assert '<a href="/" aria-current="page">Журнал сообщений</a>' in page
        assert 'href="/people"' not in page
        await client.post("/logout", data={"csrf": await csrf_of(client, "/")})
        await log_in(client, "admin1")
        assert 'href="/people"' in await (await client.get("/")).text()

    run(store, scenario, extra)


def test_a_page_without_a_role_cannot_be_in_the_navigation(monkeypatch: pytest.MonkeyPatch) -> None:
    async def undeclared(_: web.Request) -> web.Response:
        return web.Response(text="nobody")

    monkeypatch.setattr(app, "PAGES", [(web.get("/x", undeclared, name="x"), "log.title")])
    with pytest.raises(TypeError, match="/x: a page needs a name and a role"):
        app.navigation()


def test_behind_tls_every_cookie_is_secure(store: Any) -> None:
    async def scenario(client: Any, _: Context) -> None:
        first = await client.get("/login")
        assert "Secure" in first.headers["Set-Cookie"]  # the anonymous CSRF cookie
        token = first.cookies["bgw_anon"].value
        # the test client speaks plain HTTP and keeps no Secure cookie: send them back by hand
        answer = await client.post(
            "/login",
            data={"name": "viewer1", "password": PASSWORD, "csrf": token},
            cookies={"bgw_anon": token},
            allow_redirects=False,
        )
        assert answer.status == 303
        cookie = answer.headers["Set-Cookie"]
        assert cookie.startswith("bgw_session=") and "Secure" in cookie and "HttpOnly" in cookie

    run(store, scenario, behind_tls=True)
