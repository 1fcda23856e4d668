"""The audit trail page and its JSON twin, in process on a real store (SQLite and PostgreSQL): only
admins reach it; it lists the acts of people (logins, exports, `bgw` commands), not the node's own
entries, newest first, filtered by actor and act, paged by keyset; a bad query is refused."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.console.audit_trail import parse, shown
from gateway.console.context import Context
from gateway.console.passwords import hash_password
from gateway.console.queries import BadQuery
from gateway.node.config import load_config
from gateway.roles import Role
from gateway.store import Store, Tx, audit, journal, trail, users
from gateway.store.scratch import scratch_database
from tests.console.test_app import NOW, PASSWORD, PROFILES, _config, log_in, run

BULK = 130  # `bgw user` acts written before the console starts: three pages of 50


def _history(tx: Tx) -> None:
    for n in range(BULK):
        at = NOW - timedelta(minutes=BULK - n)
        journal.append(tx, at, "received", f"{n:08d}-0000-4000-8000-000000000000", "KZ", {"n": n})
        audit.record(tx, at, "root", "user-password-set", detail={"user": f"u{n}"})


@pytest.fixture(params=["sqlite", "postgresql"])
def store(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database("bgw_audit")) if request.param == "postgresql" else None
        config = load_config(_config(tmp_path, url), PROFILES)
        opened = Store.open(config.database_url.value)
        stack.callback(opened.close)
        opened.write(users.add, "viewer1", Role.VIEWER, hash_password(PASSWORD), NOW)
        opened.write(users.add, "admin1", Role.ADMIN, hash_password(PASSWORD), NOW)
        opened.write(_history)
        yield config, opened


def test_admins_read_the_acts_of_people_newest_first(store: Any) -> None:
    async def scenario(client: Any, _: Context) -> None:
        await log_in(client, "viewer1")
        assert (await client.get("/export.csv?direction=in")).status == 200
        refused = await client.get("/api/audit")
        assert refused.status == 403 and (await refused.json())["error"]["reason"] == "role-insufficient"
        assert (await client.get("/audit")).status == 403
        client.session.cookie_jar.clear()
        await log_in(client, "admin1")

        newest = (await (await client.get("/api/audit")).json())["items"]
        assert [(i["actor"], i["action"]) for i in newest[:3]] == [
            ("admin1", "console-login"),
            ("viewer1", "console-exported"),
            ("viewer1", "console-login"),
        ]
        assert newest[1]["detail"] == {"format": "csv", "filter": {"direction": "in"}}
        assert newest[1]["at"] == "2026-11-30T09:00:00.000000Z"

        seen: list[int] = []
        url: str | None = "/api/audit?actor=root&action=user-password-set"
        while url:
            body = await (await client.get(url)).json()
            assert len(body["items"]) <= 50
            seen += [int(i["detail"]["user"][1:]) for i in body["items"]]
            url = body["next"]
        assert seen == list(range(BULK - 1, -1, -1))  # every act once, newest first, no node entry

        page = await (await client.get("/audit?actor=viewer1")).text()
        assert "Выгрузка журнала" in page and "filter={&#34;direction&#34;: &#34;in&#34;}, format=csv" in page
        assert "<code>user-password-set</code>" not in page and 'href="/audit" aria-current="page"' in page
        assert "Действий, отвечающих условиям, нет." in await (await client.get("/audit?actor=nobody")).text()
        bad = await client.get("/api/audit?before=x")
        assert bad.status == 400 and (await bad.json())["error"]["reason"] == "usage-invalid"

    run(store, scenario)


def test_the_trail_reads_below_its_cursor_and_matches_the_actor_exactly(store: Any) -> None:
    _, opened = store
    opened.write(lambda tx: audit.record(tx, NOW, 'ro"ot', "console-login"))
    first = opened.read(trail.page, trail.TrailFilter(actor="root"), None, 10)
    assert len(first.rows) == 10 and {a.actor for a in first.rows} == {"root"}
    rest = opened.read(trail.page, trail.TrailFilter(actor="root"), first.after, 500)
    assert len(rest.rows) == BULK - 10 and rest.after is None
    assert max(a.seq for a in rest.rows) < min(a.seq for a in first.rows)
    quoted = opened.read(trail.page, trail.TrailFilter(actor='ro"ot'))
    assert [a.actor for a in quoted.rows] == ['ro"ot']
    assert opened.read(trail.page, trail.TrailFilter(actor="roo")).rows == []


def test_the_query_and_the_detail_line() -> None:
    assert parse({"actor": " root ", "before": "7"}) == (trail.TrailFilter("root", None), 7)
    assert parse({}) == (trail.TrailFilter(), None)
    for query, name in (({"before": "x"}, "before"), ({"actor": "a" * 65}, "actor")):
        with pytest.raises(BadQuery, match=f"^{name}$"):
            parse(query)
    assert shown({"user": "u1", "role": "viewer", "n": 3}) == "user=u1, role=viewer, n=3"


def test_an_audit_act_has_a_known_prefix(store: Any) -> None:
    _, opened = store
    with pytest.raises(ValueError, match="audit action"):
        opened.write(lambda tx: audit.record(tx, NOW, "root", "received"))
