"""/api/escalations, the escalations page's JSON twin: the same view (the same escalations by level in
the same order, the same `?verify=`), declared in the OpenAPI document and valid against it, a viewer's
like the page; the page links it and says when its view was read and whether the national system was
told of each escalation."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from gateway.console.context import Context
from gateway.lifecycle import Direction, EscalationEvent
from gateway.profiles import Source
from gateway.rules.deadlines import Duty
from gateway.rules.ladder import climb
from gateway.store import Tx, escalations, obligations
from gateway.store.rungs import Step, escalate
from tests.console.test_api import response_schema, validator
from tests.console.test_app import NOW, PROFILES, log_in, run, store
from tests.console.test_board import _owed, _prepare

__all__ = ["store"]
SILENT = "aaaaaaaa-0000-4000-8000-000000000005"  # the peer owes a receipt, 3 h overdue, at the first rung


def _second(tx: Tx) -> None:
    """A second escalation, on another obligation, acknowledged: two in the view, two states."""
    obligations.open_obligations(
        tx, [_owed(SILENT, Direction.OUT, Duty.RECEIPT, timedelta(hours=-3), Source.DEFAULT)], NOW
    )
    (silent,) = [item for item in obligations.due(tx.conn, NOW, 10) if item.message_id == SILENT]
    ladder = PROFILES[silent.profile].ladder_of(silent.type, silent.channel)
    (done,) = escalate(tx, [Step(silent, climb(ladder, silent.level, NOW))], NOW)
    escalations.act(tx, done.id, EscalationEvent.ACKNOWLEDGE, "seen", "operator1", NOW)


def _page_levels(html: str) -> list[tuple[str, list[int]]]:
    """[(level, escalation ids)] as the page shows them, in its order."""
    sections = re.findall(
        r'<section class="level" aria-labelledby="level-([\w-]+)">(.*?)</section>', html, re.S
    )
    return [
        (
            level,
            [int(found) for found in re.findall(r'<article class="escalation" id="escalation-(\d+)"', body)],
        )
        for level, body in sections
    ]


def test_the_json_twin_reads_the_page_s_view(store: Any) -> None:
    _prepare(store)
    store[1].write(_second)

    async def scenario(client: Any, _: Context) -> None:
        assert (await client.get("/api/escalations")).status == 401
        await log_in(client, "viewer1")
        document = await (await client.get("/api/openapi.json")).json()
        assert [p["name"] for p in document["paths"]["/api/escalations"]["get"]["parameters"]] == ["verify"]
        page = await (await client.get("/escalations")).text()
        view = await (await client.get("/api/escalations")).json()
        validator(document, response_schema(document, "/api/escalations", "200")).validate(view)
        shown = _page_levels(page)
        assert len(shown) == 1 and len(shown[0][1]) == 2, (
            shown
        )  # one level (the duty operator), two escalations
        assert [(g["level"], [e["id"] for e in g["escalations"]]) for g in view["levels"]] == shown
        assert [e["state"] for e in view["levels"][0]["escalations"]] == ["acknowledged", "open"]
        assert view["at"] == "2026-11-30T09:00:00.000000Z" and view["limit"] == 500
        assert view["verification"] is None
        assert '<a href="/api/escalations">Эскалации в JSON</a>' in page
        assert 'data-live="/api/live" data-view="/escalations"' in page
        as_of = (
            r'<p class="as-of">По состоянию на '
            r'<time datetime="2026-11-30T09:00:00.000Z"[^>]*>\d\d:00:00</time>'
        )
        assert re.search(as_of, page), page
        assert page.count("ещё нет: брокер не подтвердил событие") == 2  # no sweep announced them here

        newest = shown[0][1][0]
        checked = await (await client.get(f"/api/escalations?verify={newest}")).json()
        assert checked["verification"] is None  # no dossier below the diplomatic level, on the page too
        assert checked["levels"] == view["levels"]
        bad = await client.get("/api/escalations?verify=x1")
        assert bad.status == 400 and (await bad.json())["error"]["reason"] == "usage-invalid"
        assert (await client.get("/escalations?verify=x1")).status == 400

    run(store, scenario)
