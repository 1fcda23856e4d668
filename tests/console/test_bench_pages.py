"""What `bgw bench console` asks of a filled store: the message page's rows hold real signed notices
(the page verifies and renders them, a different message each request, old ones included), the audit
trail finds the acts spread through the synthetic log, and every entry's bare SQL reads rows."""

from __future__ import annotations

import asyncio

import pytest
from aiohttp.test_utils import TestClient, TestServer

from gateway.bench import console as bench
from gateway.bench.console_pages import BASELINE_SHIFT, ENTRIES, signed_rows
from gateway.console import app
from gateway.console.context import Context
from gateway.console.passwords import hash_password
from gateway.roles import Role
from gateway.store import filler, users
from gateway.store.scratch import fresh_database

ROWS, REQUESTS, ACT_EVERY = 600, 12, 50


async def _pages(context: Context) -> None:
    async with TestClient(TestServer(app.build(context))) as client:
        login = await (await client.get("/login")).text()
        csrf = login.split('name="csrf" value="', 1)[1].split('"', 1)[0]
        data = {"name": bench.USER, "password": bench.PASSWORD, "csrf": csrf, "next": "/"}
        assert (await client.post("/login", data=data, allow_redirects=False)).status == 303
        trail = await (await client.get("/api/audit")).json()
        acts = [(item["actor"], item["action"]) for item in trail["items"]]
        assert len(acts) == ROWS // ACT_EVERY + 1, acts  # the filled acts, and this login
        assert set(acts[1:]) <= {(auditor, "console-viewed") for auditor in filler.AUDITORS}
        message = ENTRIES[-1]
        seen = []
        for n in range(REQUESTS):
            path = message.at(n, ROWS, REQUESTS)
            view = await (await client.get(f"/api{path}")).json()
            assert view["signature"]["verified"], view["signature"]
            assert view["message_id"] == path.rsplit("/", 1)[1] and view["renderings"]
            seen.append(view["message_id"])
            page = await client.get(path)
            assert page.status == 200 and 'class="verified"' in await page.text()
        assert len(set(seen)) == REQUESTS and seen[0] == filler.message_id(0), "spread, the oldest first"


@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_the_bench_store_serves_every_entry(db: str) -> None:
    with fresh_database(db, "bgw_bench_pages") as url, bench._context(url) as context:
        bench._fill(context.store, ROWS, ACT_EVERY)
        context.store.write(filler.sign_rows, signed_rows(context, ROWS, REQUESTS))
        context.store.write(users.add, bench.USER, Role.ADMIN, hash_password(bench.PASSWORD), bench.NOW)
        with context.store.reading() as conn:
            for entry in ENTRIES:
                assert entry.baseline(conn, context, entry.at(0, ROWS, REQUESTS, BASELINE_SHIFT)), entry.name
        asyncio.run(_pages(context))


def test_the_entries_cover_the_console_pages_issue_14_names() -> None:
    paths = [entry.path for entry in ENTRIES]
    assert paths[0] == "/" and "/audit" in paths and "/charts?days=90" in paths
    assert paths[-1] == "/messages/{message_id}", "last: its audited views append acts at the log's head"
