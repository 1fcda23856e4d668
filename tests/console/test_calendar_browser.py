"""The agreement calendar, the deadline banner and the charts in real headless Chromium against real
KZ and AZ nodes on the real broker, whose clocks read 2026-11-30 09:00 UTC through a shift file
(whatever the real date): an admin of KZ sees on every page that KZ's denunciation window (Art. 12)
closes on 2026-12-10, in ten days, in Russian and in Kazakh, and reads the calendar's reasoning in
either language; a viewer reads the calendar without the banner; the charts draw the notice AZ just
sent. Every page is screenshotted in Russian and Kazakh (paths printed) and checked by axe-core."""

from __future__ import annotations

import asyncio
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

from playwright.sync_api import Browser, Page

from gateway import paths
from gateway.node.clock import move
from tests.console.axe import assert_accessible
from tests.console.test_browser import PASSWORD, _wait_ready, add_user, free_port, shot
from tests.node.harness import National, World, submission, wait_for_consumer

CLOCK = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SAMPLE = paths.SAMPLES / "kz-az-environment-1997" / "env-hazard-alert.xml"
PAGES = {"log": "/", "health": "/health", "calendar": "/calendar", "charts": "/charts", "audit": "/audit"}


async def _az_sends(world: World) -> None:
    await wait_for_consumer(world, "KZ")
    await wait_for_consumer(world, "AZ")
    async with National(world, "AZ") as az:
        key = await az.submit(submission(SAMPLE, "KZ"))
        (answer,) = await az.wait_answers([key])
    assert answer["status"] == "accepted", answer


def _log_in(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base}/")


def _every_page(page: Page, base: str, shots: Path, lang: str, banner: str) -> None:
    for name, path in PAGES.items():
        page.goto(f"{base}{path}")
        text = page.locator("aside.deadline-banner").inner_text()
        assert banner in text and "2026-12-10" in text and "AZ/kz-az-environment-1997" in text, text
        shot(page, shots, f"{name}-{lang}")
        assert_accessible(page, f"{name} ({lang})")


def _reads_in(page: Page, lang: str, ours: str) -> None:
    """The calendar's reasoning, this side's row first, in *lang*: nothing on the page is English."""
    assert ours in page.locator("tr.soon td.reasoning").inner_text()
    assert page.locator("dd.reasoning").count() == 1 and page.locator("td.reasoning").count() > 3
    assert page.locator("[lang='en']").count() == 0 and page.locator("html").get_attribute("lang") == lang


def test_calendar_banner_and_charts_in_russian_and_kazakh(
    world: World, browser: Browser, tmp_path: Path
) -> None:
    shift = tmp_path / "clock-shift"
    move(shift, (CLOCK - datetime.now(UTC)).total_seconds())  # the nodes' now: 2026-11-30 09:00 UTC
    port = free_port()
    kz = world.node("KZ", ("AZ",), clock_shift=shift, console_port=port)
    az = world.node("AZ", ("KZ",), clock_shift=shift)
    add_user(kz.config, "dana", "admin")
    add_user(kz.config, "aigerim", "viewer")
    kz.start()
    az.start()
    with ThreadPoolExecutor(1) as aside:  # Playwright's sync API holds this thread's event loop
        aside.submit(asyncio.run, _az_sends(world)).result()
    base, shots = f"http://127.0.0.1:{port}", tmp_path / "screenshots"
    shots.mkdir()
    page = browser.new_page(locale="ru-RU", viewport={"width": 1400, "height": 900})
    _wait_ready(page, base)

    _log_in(page, base, "dana")
    banner = page.locator("aside.deadline-banner")
    assert "не позднее 2026-12-10 (Asia/Almaty), осталось дней: 10" in banner.inner_text()
    assert "ст. 12" in banner.inner_text()
    _every_page(page, base, shots, "ru", "ст. 12")
    page.goto(f"{base}/calendar")
    row = page.locator("tr.soon")
    assert row.count() == 1 and "2026-12-10" in row.inner_text() and "предстоит" in row.inner_text()
    _reads_in(page, "ru", "сторона KZ может денонсировать соглашение не позднее 2026-12-10, за 6 месяцев")
    page.goto(f"{base}/charts?days=7")
    assert page.locator("svg.chart").count() == 5
    traffic = page.locator("svg[aria-labelledby='chart-traffic-title chart-traffic-desc'] circle title")
    assert "AZ/kz-az-environment-1997 · получено" in traffic.first.text_content()
    shot(page, shots, "charts-7-days-ru")

    page.select_option("#lang-choice", "kk")
    page.click("form.lang button[type=submit]")
    page.wait_for_url(f"{base}/charts?days=7")
    assert page.locator("h1").inner_text() == "Графиктер"
    _every_page(page, base, shots, "kk", "12-бап")
    page.click("aside.deadline-banner a")
    page.wait_for_url(f"{base}/calendar")
    assert page.locator("h1").inner_text() == "Келісімдер күнтізбесі"
    _reads_in(page, "kk", "KZ тарапы келісімнің күшін 2026-12-10 күнінен кешіктірмей жоя алады")
    page.click("form.who button[type=submit]")

    _log_in(page, base, "aigerim")  # a viewer: the calendar, not the call to act
    page.goto(f"{base}/calendar")
    assert page.locator("aside.deadline-banner").count() == 0
    assert "2026-12-10" in page.locator("tr.soon").inner_text()
    shot(page, shots, "calendar-viewer-kk")
    assert_accessible(page, "calendar, viewer (kk)")
    page.select_option("#lang-choice", "ru")
    page.click("form.lang button[type=submit]")
    page.wait_for_url(f"{base}/calendar")
    shot(page, shots, "calendar-viewer-ru")
