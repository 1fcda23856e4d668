"""In real headless Chromium against a real node on the real broker, its log filled in bulk: a
viewer exports the filtered log as CSV through the browser (a download carrying every matching row
once), is refused the audit page, and the admin then finds that export on the audit page. axe-core
(tests/console/axe.py) finds no serious or critical violation on any page on the way: login, the
log (Russian and Kazakh), the refusal, the audit trail. Screenshots under the test's tmp folder."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page

from gateway.store import filler
from tests.console.axe import assert_accessible
from tests.console.test_board_browser import switch
from tests.console.test_browser import (
    PASSWORD,
    _wait_ready,
    add_user,
    free_port,
    shot,
)
from tests.node.harness import World, node_store

ROWS = 1_200  # more than two keyset reads of the export
START = datetime(2026, 11, 1, tzinfo=UTC)


def _log_in(page: Page, base: str, name: str) -> None:
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base}/")


def _log_out(page: Page, base: str) -> None:
    page.click("form.who button[type=submit]")
    page.wait_for_url(f"{base}/login?bye=1")


def _viewer_exports(page: Page, base: str, shots: Path) -> None:
    """The viewer filters the log to incoming notices and downloads the CSV of that view."""
    page.select_option("#f-direction", "in")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"{base}/?*direction=in*")
    assert_accessible(page, "log (filtered, ru)")
    shot(page, shots, "log-filtered-ru")
    link = page.get_by_role("link", name="Выгрузить CSV")
    assert "direction=in" in (link.get_attribute("href") or "")
    with page.expect_download() as started:
        link.click()
    download = started.value
    assert download.suggested_filename.startswith("messages-UZ-") and download.suggested_filename.endswith(
        ".csv"
    )
    text = Path(download.path()).read_bytes().decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [int(row["seq"]) for row in rows] == list(range(ROWS, 0, -2))  # the incoming half, newest first
    assert {row["direction"] for row in rows} == {"in"}


def test_a_viewer_export_is_on_the_admin_audit_page_and_every_page_passes_axe(
    world: World, browser: Browser, tmp_path: Path
) -> None:
    port = free_port()
    uz = world.node("UZ", ("KZ",), console_port=port)
    add_user(uz.config, "aigerim", "viewer")
    add_user(uz.config, "bolat", "admin")
    with node_store(world, "UZ") as store:
        rows = list(filler.synthetic(0, ROWS, START, [("KZ", "kz-uz-border-2024")], timedelta(minutes=7)))
        store.write(filler.insert_messages, rows)
    uz.start()
    base = f"http://127.0.0.1:{port}"
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page = browser.new_page(locale="ru-RU", viewport={"width": 1400, "height": 900}, accept_downloads=True)
    _wait_ready(page, base)

    page.goto(f"{base}/login")
    assert_accessible(page, "login")
    page.fill("#name", "aigerim")
    page.fill("#password", "wrong password, twelve+")
    page.click("form.login button[type=submit]")
    assert_accessible(page, "login refused")
    _log_in(page, base, "aigerim")
    assert_accessible(page, "log (ru)")
    shot(page, shots, "log-ru")
    _viewer_exports(page, base, shots)

    page.goto(f"{base}/audit")  # a viewer may not read the trail
    assert page.locator("code").inner_text() == "role-insufficient"
    assert_accessible(page, "refused")
    shot(page, shots, "refused-ru")
    switch(page, "kk")  # the header's form: the same refusal again, in Kazakh
    assert page.locator("h1").inner_text() == "Бас тартылды"
    assert page.locator("code").inner_text() == "role-insufficient"
    shot(page, shots, "refused-kk")
    switch(page, "ru")
    page.goto(f"{base}/")
    _log_out(page, base)
    assert_accessible(page, "logged out")

    _log_in(page, base, "bolat")
    page.get_by_role("link", name="Журнал аудита").click()
    page.wait_for_url(f"{base}/audit")
    row = page.locator("tr:has(code:text-is('console-exported'))")
    assert row.count() == 1
    text = row.inner_text()
    assert (
        "aigerim" in text
        and "Выгрузка журнала" in text
        and "format=csv" in text
        and '"direction": "in"' in text
    )
    assert row.locator("time").get_attribute("title", timeout=1000).endswith("UTC")
    assert_accessible(page, "audit (ru)")
    shot(page, shots, "audit-ru")
    page.select_option("#a-action", "console-login")
    page.click("form.filters button[type=submit]")
    page.wait_for_url(f"{base}/audit?*action=console-login*")
    assert page.locator("tbody tr").count() == 2  # aigerim, then bolat

    page.select_option("#lang-choice", "kk")
    page.click("form.lang button[type=submit]")
    page.wait_for_url(f"{base}/audit?*")
    assert page.locator("h1").inner_text() == "Аудит журналы"
    assert_accessible(page, "audit (kk)")
    page.goto(f"{base}/")
    assert_accessible(page, "log (kk)")
    shot(page, shots, "log-kk")


def test_axe_fails_a_page_with_a_serious_violation(browser: Browser) -> None:
    """The check can fail: an unlabelled button and an image without text are caught and named."""
    page = browser.new_page()
    page.set_content('<!doctype html><html lang="en"><title>t</title><main><h1>t</h1>'
                     '<button></button><img src="x.png"></main></html>')  # fmt: skip
    with pytest.raises(AssertionError) as caught:
        assert_accessible(page, "broken")
    assert "button-name (critical)" in str(caught.value) and "image-alt (critical)" in str(caught.value)
    page.close()
