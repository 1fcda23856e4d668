"""The agreement calendar page, its JSON twin and the deadline banner, in process on a real store
(SQLite and PostgreSQL) of a KZ node with the KZ–AZ link, the console's clock set by the test: on
2026-11-30 KZ's denunciation window (Art. 12) closes in ten days, on 2026-12-10 — the banner says so
to an operator on every page, not to a viewer; 35 days before, nothing; on the day, «today»; once KZ's
denunciation notice is recorded (by another writer, after the console started) its row is met and the
banner is gone, the agreement ending with its term on 2027-06-10."""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer

from gateway.console import app
from gateway.console.agreement_calendar import calendar_view
from gateway.console.context import Context
from gateway.console.passwords import hash_password
from gateway.node.config import load_config
from gateway.roles import Role
from gateway.store import Store, users
from gateway.store.scratch import scratch_database
from tests import pki as test_pki
from tests.console.test_api import response_schema, validator
from tests.console.test_app import PASSWORD, PROFILES, log_in
from tests.test_calendar_cli import sent

AZ_PROFILE = "kz-az-environment-1997"
HTML = {"Accept": "text/html"}


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def kz_config(folder: Path, database_url: str | None) -> Path:
    for side in ("KZ", "AZ"):
        test_pki.init_side(folder / "pki", side)
    path = folder / "kz.toml"
    path.write_text(
        f'[node]\nside = "KZ"\ndata_dir = "{folder / "var"}"\n'
        + (f'database_url = "{database_url}"\n' if database_url else "")
        + '[pki]\nkey = "pki/KZ/node.key"\ncert = "pki/KZ/node.pem"\ntrust = "pki"\n'
        f'[[links]]\npeer = "AZ"\nprofile = "{AZ_PROFILE}"\n[console]\nlisten = "127.0.0.1:8081"\n',
        encoding="utf-8",
    )
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def kz(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Any]:
    with ExitStack() as stack:
        url = stack.enter_context(scratch_database("bgw_calendar")) if request.param == "postgresql" else None
        config = load_config(kz_config(tmp_path, url), PROFILES)
        opened = Store.open(config.database_url.value)
        stack.callback(opened.close)
        now = at("2026-11-30T09:00")
        opened.write(users.add, "operator1", Role.OPERATOR, hash_password(PASSWORD), now)
        opened.write(users.add, "viewer1", Role.VIEWER, hash_password(PASSWORD), now)
        yield config, opened


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


async def page(client: TestClient[Any, Any], path: str = "/", lang: str = "en") -> str:
    client.session.cookie_jar.update_cookies({"bgw_lang": lang})
    response = await client.get(path, headers=HTML)
    assert response.status == 200, path
    return await response.text()


async def moved(client: TestClient[Any, Any], clock: Clock, when: str, name: str = "operator1") -> None:
    """The console's clock set to *when* (UTC), and a fresh session (one of weeks ago has expired)."""
    clock.now = at(when)
    assert (await log_in(client, name)).status == 303


def banner(html: str) -> str:
    found = re.search(r'<aside class="deadline-banner".*?</aside>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", found.group(0))).strip() if found else ""


def test_the_banner_warns_an_operator_of_art_12_ten_days_ahead_and_moves_with_the_records(kz: Any) -> None:
    config, store = kz
    clock = Clock(at("2026-11-30T09:00"))
    context = Context(config, replace(config.console), store, clock, PROFILES, lambda: True)

    async def main() -> None:
        async with TestClient(TestServer(app.build(context))) as operator:
            assert (await log_in(operator, "operator1")).status == 303
            for path in ("/", "/health", "/calendar"):  # every page
                words = banner(await page(operator, path))
                assert "AZ/kz-az-environment-1997" in words and "Art. 12" in words, words
                assert "by 2026-12-10 (Asia/Almaty) at the latest, 10 days left" in words, words
                assert 'href="/calendar"' in await page(operator, path)
            assert "notice of the wish to denounce the Agreement" in banner(await page(operator))
            russian = banner(await page(operator, lang="ru"))
            assert (
                "ст. 12" in russian and "не позднее 2026-12-10" in russian and "осталось дней: 10" in russian
            )
            assert "12-бап" in banner(await page(operator, lang="kk"))
            json_page = await operator.get("/api/calendar")
            assert 'class="deadline-banner"' not in await json_page.text()

            await moved(operator, clock, "2026-11-05T09:00")  # 35 days before: nothing yet
            assert banner(await page(operator)) == ""
            await moved(operator, clock, "2026-11-10T09:00")  # 30 days before: within the horizon
            assert "30 days left" in banner(await page(operator))
            await moved(operator, clock, "2026-12-10T18:30")  # 23:30 in Almaty on the last day
            assert "today, 2026-12-10 (Asia/Almaty), the last day" in banner(await page(operator))
            await moved(
                operator, clock, "2026-12-10T19:30"
            )  # past midnight in Almaty: KZ's window has closed
            assert banner(await page(operator)) == ""

            await moved(operator, clock, "2026-12-05T09:00")
            assert "5 days left" in banner(await page(operator))
            # Another writer (the node) records KZ's denunciation notice, received by AZ on 12-01.
            await asyncio.to_thread(
                sent, store, "AZ", AZ_PROFILE, "denunciation-notice", b"<n/>", at("2026-12-01T06:00")
            )
            assert banner(await page(operator)) == ""  # no cache outlives the write
            document = await (await operator.get("/api/calendar")).json()
        (link,) = document["links"]
        assert link["agreement"]["status"] == "ending" and link["agreement"]["ends_on"] == "2027-06-10"
        rows = {(r["what"], r["side"]): r for r in link["rows"]}
        assert rows[("denunciation-notice", "KZ")]["state"] == "met"
        assert rows[("denunciation-notice", "AZ")]["state"] == "ended"

    asyncio.run(main())


def test_a_viewer_reads_the_calendar_without_the_call_to_act(kz: Any) -> None:
    config, store = kz
    context = Context(config, config.console, store, Clock(at("2026-11-30T09:00")), PROFILES, lambda: True)

    async def main() -> None:
        async with TestClient(TestServer(app.build(context))) as viewer:
            assert (await log_in(viewer, "viewer1")).status == 303
            assert banner(await page(viewer)) == ""
            html = await page(viewer, "/calendar")
            assert banner(html) == "" and "<h1>Agreement calendar</h1>" in html
            assert 'href="/calendar" aria-current="page"' in html
            row = re.search(r"<tr class=\"soon\">.*?</tr>", html, re.S)
            assert row is not None and "2026-12-10" in row.group(0) and "Art. 12" in row.group(0)
            assert "span fixed by the agreement" in row.group(0)  # Art. 12's six months: text
            document = await (await viewer.get("/api/calendar")).json()
        assert document["side"] == "KZ" and document["horizon_days"] == 30
        (link,) = document["links"]
        assert link["agreement"]["status"] == "in-force" and link["agreement"]["since"] == "1997-06-10"
        rows = {(r["what"], r["side"]): r for r in link["rows"]}
        ours = rows[("denunciation-notice", "KZ")]
        assert (ours["on"], ours["zone"], ours["state"], ours["days_left"], ours["ours"]) == (
            "2026-12-10", "Asia/Almaty", "upcoming", 10, True,
        )  # fmt: skip
        assert (ours["article"], ours["source"]) == ("12", "text")
        assert rows[("denunciation-notice", "AZ")]["ours"] is False  # AZ's to act on, in Baku
        assert rows[("term-end", None)]["on"] == "2027-06-10"

    asyncio.run(main())


def test_the_calendar_costs_one_indexed_read_per_page(kz: Any) -> None:
    """The banner's price on every page: the calendar computed from the store, timed (printed)."""
    config, store = kz
    context = Context(config, config.console, store, Clock(at("2026-11-30T09:00")), PROFILES, lambda: True)

    async def timed() -> float:
        began = time.perf_counter()
        for _ in range(50):
            view = await calendar_view(context)
        assert view.links[0].rows
        return (time.perf_counter() - began) / 50 * 1000

    mean_ms = asyncio.run(timed())
    print(f"calendar_view ({store.engine.dialect.name}): {mean_ms:.2f} ms per page")
    assert mean_ms < 250


def test_the_reasoning_reads_in_the_viewers_language_and_the_api_keeps_it_as_data(kz: Any) -> None:
    """The page words each row's reasoning in Russian or Kazakh (nothing left marked English); the JSON
    keeps the English `reasoning` and adds `why`, valid against the generated OpenAPI document."""
    config, store = kz
    context = Context(config, config.console, store, Clock(at("2026-11-30T09:00")), PROFILES, lambda: True)

    async def main() -> tuple[dict[str, str], dict[str, Any], dict[str, Any]]:
        async with TestClient(TestServer(app.build(context))) as viewer:
            assert (await log_in(viewer, "viewer1")).status == 303
            pages = {lang: await page(viewer, "/calendar", lang) for lang in ("ru", "kk", "en")}
            document = await (await viewer.get("/api/calendar")).json()
            schema = await (await viewer.get("/api/openapi.json")).json()
        return pages, document, schema

    pages, document, schema = asyncio.run(main())
    ours = (
        "сторона KZ может денонсировать соглашение не позднее 2026-12-10, за 6 месяцев (по тексту соглашения)"
    )
    assert ours in pages["ru"] and "действует с 1997-06-10 (сведения о соглашении; ст. 12)" in pages["ru"]
    assert "KZ тарапы келісімнің күшін 2026-12-10 күнінен кешіктірмей жоя алады" in pages["kk"]
    for lang in ("ru", "kk"):
        assert 'lang="en"' not in pages[lang] and "may denounce" not in pages[lang]
    assert (
        "KZ may denounce by 2026-12-10, 6 months (fixed by the agreement) before term 3 ends" in pages["en"]
    )
    (link,) = document["links"]
    assert link["agreement"]["reasoning"] == "in force from 1997-06-10 (agreement fact; Art. 12)"
    assert link["agreement"]["why"] == {
        "key": "in-force-from", "params": {"on": "1997-06-10", "article": "12"}, "parts": [],
    }  # fmt: skip
    row = next(r for r in link["rows"] if (r["what"], r["side"]) == ("denunciation-notice", "KZ"))
    assert row["reasoning"] == "KZ may denounce by 2026-12-10, 6 months (text) before term 3 ends"
    assert row["why"] == {
        "key": "denounce-by",
        "params": {"side": "KZ", "deadline": "2026-12-10", "number": 3,
                   "span": {"value": 6, "unit": "months", "source": "text"}},
        "parts": [],
    }  # fmt: skip
    validator(schema, response_schema(schema, "/api/calendar", "200")).validate(document)
    assert "calendar_why" in schema["components"]["schemas"]["Why"]["description"]
