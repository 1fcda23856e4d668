"""The log's export through the console's real HTTP server on a real store (SQLite and PostgreSQL),
filled in bulk with 2,500 messages: CSV and JSON carry every matching row exactly once, newest first,
across many keyset reads; a filter narrows them; each export is an audit entry written before the
first byte; a bad filter is refused with its reason; nobody exports without a session."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import ExitStack
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from gateway.bench.console import ENTRIES
from gateway.console import export
from gateway.console.context import Context
from gateway.console.passwords import hash_password
from gateway.node.config import load_config
from gateway.roles import Role
from gateway.store import Store, filler, journal, users
from gateway.store.scratch import scratch_database
from tests.console.test_app import NOW, PASSWORD, PROFILES, _config, log_in, run
from tests.test_cli import bgw

ROWS = 2_500  # five keyset reads of export.CHUNK
LINKS = [("KZ", "kz-uz-border-2024")]


@pytest.fixture(params=["sqlite", "postgresql"])
def filled(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database("bgw_export")) if request.param == "postgresql" else None
        config = load_config(_config(tmp_path, url), PROFILES)
        opened = Store.open(config.database_url.value)
        stack.callback(opened.close)
        opened.write(users.add, "viewer1", Role.VIEWER, hash_password(PASSWORD), NOW)
        start = NOW - timedelta(minutes=ROWS)
        rows = list(filler.synthetic(0, ROWS, start, LINKS, timedelta(minutes=1)))
        opened.write(filler.insert_messages, rows)
        yield config, opened


def _exports(store: Store) -> list[dict[str, Any]]:
    entries = store.read(lambda conn: list(journal.entries(conn)))
    return [json.loads(e.detail) for e in entries if e.event == export.ACTION]


def test_csv_and_json_carry_every_row_once_newest_first(filled: Any) -> None:
    assert ROWS > 4 * export.CHUNK

    async def scenario(client: Any, context: Context) -> None:
        assert (await client.get("/export.csv", allow_redirects=False)).status == 303  # to the login
        assert (await log_in(client, "viewer1")).status == 303
        response = await client.get("/export.csv")
        assert response.status == 200
        assert response.headers["Content-Type"] == "text/csv; charset=utf-8"
        assert response.headers["Content-Disposition"].startswith('attachment; filename="messages-UZ-')
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        body = await response.read()
        assert body.startswith(b"\xef\xbb\xbfseq,created_at,direction,")  # the BOM, then the header
        lines = list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))
        assert [int(line["seq"]) for line in lines] == list(range(ROWS, 0, -1))
        newest = lines[0]
        assert newest["message_id"] == f"{ROWS - 1:08d}-0000-4000-8000-{ROWS - 1:012d}"
        assert newest["created_at"] == "2026-11-30T08:59:00.000000Z" and newest["direction"] == "in"
        assert lines[3]["type_title"].startswith("Оповещение о повреждении")  # Russian by default

        as_json = await client.get("/export.json?direction=out&type=marker-incident")
        assert as_json.headers["Content-Type"] == "application/json; charset=utf-8"
        items = json.loads(await as_json.read())
        wanted = [n for n in range(ROWS - 1, -1, -1) if n % 2 == 0 and n % 3 == 0]
        assert [item["seq"] - 1 for item in items] == wanted
        assert {(i["direction"], i["type"], i["receipt_status"]) for i in items} == {
            ("out", "marker-incident", "accepted")
        }
        empty = await client.get("/export.json?state=refused")
        assert json.loads(await empty.read()) == []
        bad = await client.get("/export.csv?state=lost")
        assert bad.status == 400 and "usage-invalid" in await bad.text()

        recorded = _exports(context.store)
        assert recorded == [
            {"by": "viewer1", "format": "csv", "filter": {}},
            {"by": "viewer1", "format": "json", "filter": {"direction": "out", "type": "marker-incident"}},
            {"by": "viewer1", "format": "json", "filter": {"state": "refused"}},
        ]

    run(filled, scenario)


def test_the_export_is_audited_before_its_first_byte(filled: Any) -> None:
    async def scenario(client: Any, context: Context) -> None:
        await log_in(client, "viewer1")
        response = await client.get("/export.json?q=KZ")
        await response.content.readany()  # the stream has started: the entry is already committed
        assert _exports(context.store) == [{"by": "viewer1", "format": "json", "filter": {"q": "KZ"}}]
        response.close()

    run(filled, scenario)


def test_bench_console_reports_each_page_and_the_export_peaks() -> None:
    """`bgw bench console` runs end to end on a small store: every page of its list measured next to
    its bare SQL, and two CSV exports that carried exactly the rows asked for (a benchmark: the
    figures are reported, not judged here)."""
    result = bgw("bench", "console", "--rows", "12000", "--db", "sqlite", "--json")
    assert result.returncode == 0, result.stderr.decode()
    (line,) = result.stdout.decode().splitlines()
    figures = json.loads(line)
    assert figures["rows"] == 12_000 and figures["requests"] == 200
    assert set(figures["pages"]) == {entry.name for entry in ENTRIES}
    for page in figures["pages"].values():
        assert set(page) == {"server", "bare_sql"} and set(page["server"]) == {"p50_ms", "p99_ms"}
    assert [e["rows"] for e in figures["export_csv"]] == [10_000, 12_000]
    assert all(e["peak_mib"] > 0 for e in figures["export_csv"])
    assert "filling:" in result.stderr.decode()  # progress while the store fills
