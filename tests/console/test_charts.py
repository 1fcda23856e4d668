"""The charts' series on a real store (SQLite and PostgreSQL) with known rows: days are the side's
calendar days (a notice at 20:00 UTC counts for the next day in Almaty), latency percentiles, the
obligations open and overdue at the end of each day, escalations by level; the page draws them as
inline SVG and each CSV carries exactly the numbers its SVG draws."""

from __future__ import annotations

import asyncio
import csv
import io
import re
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from gateway.console import app, chart_data
from gateway.console.context import Context
from gateway.console.passwords import hash_password
from gateway.lifecycle import Direction, MessageState
from gateway.node.config import load_config
from gateway.roles import Role
from gateway.store import Store, Tx, series, users
from gateway.store.rows import INSERT_MESSAGE, message_row
from gateway.store.schema import escalations, obligations, receipts
from gateway.store.scratch import scratch_database
from gateway.store.times import naive
from tests.console.test_app import PASSWORD, PROFILES, log_in
from tests.console.test_calendar import kz_config

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)  # 14:00 in Almaty
AZ = "kz-az-environment-1997"


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def _message(tx: Tx, n: int, direction: Direction, created: str, latency_s: float | None) -> None:
    message_id = f"{n:08d}-0000-4000-8000-000000000000"
    state = MessageState.DELIVERED if direction is Direction.OUT else MessageState.RECEIVED
    row = message_row(direction, message_id, "AZ", AZ, "env-hazard-alert", utc(created), "0" * 64, b"<x/>",
                      state, utc(created))  # fmt: skip
    INSERT_MESSAGE.run(tx.conn, row)
    if latency_s is not None:
        other = "in" if direction is Direction.OUT else "out"
        at = naive(utc(created) + timedelta(seconds=latency_s))
        receipt = dict(direction=other, message_id=message_id, receipt_id=message_id, status="accepted",
                       payload=b"<r/>", at=at)  # fmt: skip
        tx.conn.execute(receipts.insert().values(**receipt))


def _obligation(tx: Tx, n: int, created: str, due: str, closed: str | None) -> int:
    values = dict(
        direction="out", message_id=f"{n:08d}-0000-4000-8000-000000000000", peer="AZ", profile=AZ,
        type="env-hazard-alert", duty="reply", item="", owner="AZ", article="1", source="default",
        basis="test", optional=False, due_at=naive(utc(due)), state="closed" if closed else "open", level=-1,
        closed_at=naive(utc(closed)) if closed else None, created_at=naive(utc(created)),
    )  # fmt: skip
    return int(tx.conn.execute(obligations.insert().values(**values)).inserted_primary_key[0])


def _fill(tx: Tx) -> None:
    _message(tx, 1, Direction.OUT, "2026-11-29T20:00", 30)  # 01:00 on 11-30 in Almaty
    _message(tx, 2, Direction.OUT, "2026-11-30T03:00", 90)
    _message(tx, 3, Direction.OUT, "2026-11-30T04:00", 10)
    _message(tx, 4, Direction.IN, "2026-11-29T10:00", 5)  # 15:00 on 11-29
    _message(tx, 5, Direction.OUT, "2026-11-20T10:00", 7)  # before the 7-day window
    _obligation(tx, 1, "2026-11-25T06:00", "2026-11-26T06:00", "2026-11-27T06:00")  # replied after 48 h
    _obligation(tx, 2, "2026-11-27T00:00", "2026-11-28T00:00", "2026-11-27T06:00")  # after 6 h
    late = _obligation(tx, 3, "2026-11-28T00:00", "2026-11-29T00:00", None)  # still open
    _obligation(tx, 4, "2026-11-30T08:00", "2026-11-30T12:00", None)  # due later today: not overdue now
    for rung, (level, at) in enumerate(
        [("duty-operator", "2026-11-29T01:00"), ("diplomatic", "2026-11-29T05:00")]
    ):
        tx.conn.execute(escalations.insert().values(obligation_id=late, rung=rung, level=level,
                                                    at=naive(utc(at)), state="open"))  # fmt: skip


@pytest.fixture(params=["sqlite", "postgresql"])
def filled(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database("bgw_charts")) if request.param == "postgresql" else None
        config = load_config(kz_config(tmp_path, url), PROFILES)
        opened = Store.open(config.database_url.value)
        stack.callback(opened.close)
        opened.write(users.add, "viewer1", Role.VIEWER, hash_password(PASSWORD), NOW)
        opened.write(_fill)
        yield config, opened


D = date.fromisoformat


def test_series_per_calendar_day_in_the_sides_zone(filled: Any) -> None:
    _, store = filled
    span = series.window(NOW, "Asia/Almaty", 7)
    assert span.days[0] == D("2026-11-24") and span.days[-1] == D("2026-11-30") and span.offset_s == 18000
    assert span.day_end(D("2026-11-29")) == datetime(2026, 11, 29, 19, 0)  # Almaty's midnight, naive UTC
    assert span.day_end(D("2026-11-30")) == datetime(2026, 11, 30, 9, 0)  # today: now
    traffic = store.read(series.traffic, span)
    assert [(t.day, t.direction, t.count) for t in traffic] == [
        (D("2026-11-29"), "in", 1),
        (D("2026-11-30"), "out", 3),  # 20:00 UTC on 11-29 is the 30th in Almaty; 11-20 is outside
    ]
    latency = store.read(series.receipt_latency, span, Direction.OUT)
    assert {day: sorted(values) for day, values in latency.items()} == {D("2026-11-30"): [10.0, 30.0, 90.0]}
    assert store.read(series.receipt_latency, span, Direction.IN) == {D("2026-11-29"): [5.0]}
    replies = store.read(series.reply_latency, span)
    assert {day: sorted(values) for day, values in replies.items()} == {D("2026-11-27"): [21600.0, 172800.0]}
    owing = [(o.day.day, o.open, o.overdue) for o in store.read(series.owing, span)]
    # End of day in Almaty = 19:00 UTC: #1 open 11-25 (due 11-26 06:00), overdue 11-26, closed 11-27;
    # #2 opened and closed on 11-27; #3 open from 11-28, overdue from 11-29; today counts as of now
    # (09:00 UTC), when #4 is open and not yet due (12:00 UTC), though it will be by midnight.
    assert owing == [(24, 0, 0), (25, 1, 0), (26, 1, 1), (27, 0, 0), (28, 1, 0), (29, 1, 1), (30, 2, 1)]
    reached = [(r.day, r.level, r.count) for r in store.read(series.escalations_reached, span)]
    assert reached == [(D("2026-11-29"), "diplomatic", 1), (D("2026-11-29"), "duty-operator", 1)]


def test_nearest_rank_percentiles() -> None:
    assert chart_data.percentile([10.0, 30.0, 90.0], 50) == 30.0
    assert chart_data.percentile([10.0, 30.0, 90.0], 90) == 90.0
    assert chart_data.percentile(list(map(float, range(1, 101))), 99) == 99.0
    assert chart_data.percentile([5.0], 99) == 5.0


def _svg_values(html: str, name: str) -> dict[str, dict[str, float]]:
    """Each series' values by day, read back from the points' <title>s of chart *name*."""
    svg = re.search(rf'<svg class="chart"[^>]*aria-labelledby="chart-{name}-title.*?</svg>', html, re.S)
    assert svg is not None, name
    found: dict[str, dict[str, float]] = {}
    for title in re.findall(r"<circle [^>]*><title>(.*?)</title>", svg.group(0)):
        label, _, value = title.rpartition(": ")
        series_name, _, day = label.rpartition(", ")
        found.setdefault(series_name, {})[day] = float(value)
    return found


def test_each_csv_carries_what_its_svg_draws(filled: Any) -> None:
    config, store = filled
    context = Context(config, config.console, store, lambda: NOW, PROFILES, lambda: True)

    async def main() -> None:
        async with TestClient(TestServer(app.build(context))) as client:
            await log_in(client, "viewer1")
            client.session.cookie_jar.update_cookies({"bgw_lang": "en"})
            html = await (await client.get("/charts?days=7")).text()
            assert "<h1>Charts</h1>" in html and html.count('<svg class="chart"') == 5
            assert 'role="img"' in html and " style=" not in html
            for name in chart_data.NAMES:
                response = await client.get(f"/charts/{name}.csv?days=7")
                assert response.status == 200 and response.content_type == "text/csv"
                rows = list(csv.DictReader(io.StringIO(await response.text())))
                assert [row["day"] for row in rows] == [f"2026-11-{d}" for d in range(24, 31)]
                drawn = _svg_values(html, name)
                assert len(drawn) == len(rows[0]) - 1, name  # a series per CSV column
                for values in drawn.values():
                    for day, value in values.items():
                        row = next(r for r in rows if r["day"] == day)
                        assert value in {float(v) for k, v in row.items() if k != "day" and v}, (name, day)
            latency = list(
                csv.DictReader(
                    io.StringIO(await (await client.get("/charts/receipt-latency.csv?days=7")).text())
                )
            )
            assert (
                latency[-1]["out p50"] == "30"
                and latency[-1]["out p99"] == "90"
                and latency[0]["out p50"] == ""
            )
            replies = list(
                csv.DictReader(
                    io.StringIO(await (await client.get("/charts/reply-latency.csv?days=7")).text())
                )
            )
            assert (replies[3]["p50"], replies[3]["p99"]) == ("6", "48")  # hours, on 11-27
            assert (await client.get("/charts?days=8")).status == 400
            assert (await client.get("/charts/nothing.csv")).status == 404

    asyncio.run(main())
