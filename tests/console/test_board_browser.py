"""The obligations board and the escalations page in real headless Chromium, against two real
nodes on the real broker with one moved clock (a shift file). KZ's national system proposes two
joint meetings to UZ (Art. 40(1): a reply within 48 h, a deadline of the agreement's text): UZ's
board shows both as our duty, marked `text`, with a countdown and the answer link; KZ's shows them as
owed to it. UZ's operator answers the second from the board in the browser: the answer link opens
the compose form prefilled (link, reply type, in_reply_to), the reply is checked and sent, and the
duty leaves UZ's and KZ's open boards (live, no reload); KZ's page of the proposal links the reply,
UZ's page of the first offers the board's answer link, a viewer's none. The clock passes the
first's deadline and its ladder up to the diplomatic level:
the escalations page shows it by level, the dossier downloads and verifies in place; an operator
acknowledges and resolves it with a note in the browser, and the admin finds both acts on the audit
trail. axe-core on every page; screenshots in Russian and Kazakh under the test's tmp folder."""

from __future__ import annotations

import asyncio
import copy
import re
from collections.abc import Callable, Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

from gateway import paths
from gateway.forms.model import form_of
from gateway.forms.prefill import encode
from gateway.profiles import load_profiles
from gateway.samples import sample_submission
from tests.console.axe import assert_accessible
from tests.console.test_browser import PASSWORD, _wait_ready, add_user, free_port, shot
from tests.console.test_compose import _fill
from tests.node.harness import National, World, submission, wait_for_consumer, wait_until
from tests.node.test_escalation import ladder_rows, levels, set_clock

SAMPLES = paths.SAMPLES / "kz-uz-border-2024"
SETTINGS = {"sweep_interval_s": 0.2, "time_scale": 0.01}
LINK = "KZ/kz-uz-border-2024"
TITLE = "Предложение о проведении совместного заседания"
REPLY = "joint-meeting-reply"


def aside(function: Callable[..., Coroutine[Any, Any, Any]], *args: Any) -> Any:
    """Run a coroutine of the national systems beside Playwright's sync API (it holds this thread)."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, function(*args)).result()


async def _propose(world: World) -> list[str]:
    for side in ("KZ", "UZ"):
        await wait_for_consumer(world, side)
    async with National(world, "KZ") as kz:
        proposal = submission(SAMPLES / "joint-meeting-proposal.xml", "UZ")
        answers = await kz.wait_answers([await kz.submit(proposal), await kz.submit(proposal)])
    assert all(answer["status"] == "accepted" for answer in answers), answers
    return [str(answer["message_id"]) for answer in answers]


def _reply_pairs() -> list[tuple[str, str]]:
    """The sample reply's body as the form's fields, one participant (the form shows one slot)."""
    body = copy.deepcopy(sample_submission(SAMPLES / f"{REPLY}.xml", "KZ")["body"])
    body["Participants"]["Participant"] = body["Participants"]["Participant"][:1]
    return list(encode(form_of(load_profiles()["kz-uz-border-2024"], REPLY), body).pairs)


def _prefilled(form: Page, proposal: str) -> None:
    assert form.locator("#f-link").input_value() == LINK
    assert form.locator("#f-type").input_value() == REPLY
    assert form.locator("#f-in_reply_to").input_value() == proposal


def open_as(page: Page, base: str, path: str, user: str) -> None:
    """Open *path*, logging in as *user* first if the session is gone (a moved clock ends it)."""
    page.goto(f"{base}{path}")
    if "/login" in page.url:
        page.fill("#name", user)
        page.fill("#password", PASSWORD)
        page.click("form.login button[type=submit]")
        page.wait_for_url(f"{base}{path}")


def switch(page: Page, lang: str) -> None:
    page.select_option("#lang-choice", lang)
    page.click("form.lang button[type=submit]")
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == lang


def _row(page: Page, message_id: str) -> Any:
    return page.locator(f"tr:has(a[href='/messages/{message_id}'])")


def _boards(world: World, browser: Browser, shots: Path, ports: dict[str, int]) -> tuple[Page, list[str]]:
    uz_base, kz_base = (f"http://127.0.0.1:{ports[side]}" for side in ("UZ", "KZ"))
    first, second = aside(_propose, world)
    for side in ("UZ", "KZ"):  # KZ's duty opens with UZ's receipt
        wait_until(lambda s=side: all(ladder_rows(world, s, m)[0] for m in (first, second)), f"{side} duties")
    uz = browser.new_page(locale="ru-RU", viewport={"width": 1500, "height": 1000})
    _wait_ready(uz, uz_base)
    open_as(uz, uz_base, "/board", "operator")
    assert uz.locator("h1").inner_text() == "Обязательства"
    row = _row(uz, first)
    text = row.inner_text()
    assert TITLE in text and "ответ" in text and "ст. 40(1)" in text and "пограничные представители" in text
    assert "через 1 д 23 ч" in text and "срок соглашения" in text, text  # 48 h from UZ's receipt
    answer = row.locator("a", has_text="Ответить").get_attribute("href")
    assert answer == f"/compose?link={LINK}&type={REPLY}&in_reply_to={first}"
    assert uz.locator("h3").all_inner_texts() == [
        "Сопредельная сторона должна нам",
        "Мы должны сопредельной стороне",
    ]
    assert_accessible(uz, "board")
    shot(uz, shots, "board-ru")

    kz = browser.new_page(locale="ru-RU", viewport={"width": 1500, "height": 1000})
    open_as(kz, kz_base, "/board?direction=out", "viewer")
    assert _row(kz, first).count() == 1 and _row(kz, second).count() == 1
    assert "срок соглашения" in _row(kz, second).inner_text()

    # UZ's operator answers the second from the board, in a second tab (the first stays open on the
    # board, as does KZ's): the compose form opens prefilled; checked and sent, the duty leaves both
    # open boards without a reload.
    for watcher in (uz, kz):
        watcher.evaluate("window.stillTheSamePage = true")
    form = browser.new_page(locale="ru-RU", viewport={"width": 1500, "height": 1000})
    open_as(form, uz_base, "/board", "operator")
    href = _row(form, second).locator("a", has_text="Ответить").get_attribute("href")
    assert href == f"/compose?link={LINK}&type={REPLY}&in_reply_to={second}"
    _row(form, second).locator("a", has_text="Ответить").click()
    form.locator("fieldset.body").wait_for()
    assert form.url == f"{uz_base}{href}"
    _prefilled(form, second)
    shot(form, shots, "compose-reply-prefilled-ru")
    switch(form, "kk")
    _prefilled(form, second)
    assert form.locator("h1").inner_text() == "Жаңа хабарлама"
    shot(form, shots, "compose-reply-prefilled-kk")
    switch(form, "ru")
    _fill(form, _reply_pairs())
    form.click("button[formaction='/compose/check']")
    form.locator("#verdict .ok").wait_for()
    form.click("button[formaction='/compose/send']")
    form.wait_for_url(re.compile(re.escape(uz_base) + r"/messages/[0-9a-f-]{36}$"))
    reply = form.url.rsplit("/", 1)[1]
    assert reply not in (first, second)
    _row(uz, second).wait_for(state="detached", timeout=15000)
    assert uz.evaluate("window.stillTheSamePage") is True and _row(uz, first).count() == 1
    wait_until(lambda: ladder_rows(world, "KZ", second)[0].state == "closed", "KZ closes the reply duty")
    _row(kz, second).wait_for(state="detached", timeout=15000)
    assert kz.evaluate("window.stillTheSamePage") is True
    assert _row(kz, second).count() == 0 and _row(kz, first).count() == 1
    shot(kz, shots, "board-kz-peer-owes-ru")

    # KZ's page of the proposal links the reply; a viewer sees nothing to write from it.
    kz.goto(f"{kz_base}/messages/{second}")
    assert kz.locator(f"ul.links a[href='/messages/{reply}']").count() == 1
    assert "Ответ" in kz.locator("ul.links li", has_text=reply).inner_text()
    assert kz.locator(".message-actions a").count() == 0
    # UZ's page of the first (still owed): the operator's answer link is the board's.
    form.goto(f"{uz_base}/messages/{first}")
    actions = form.locator(".message-actions a")
    assert actions.all_inner_texts() == ["Ответить"]
    assert actions.get_attribute("href") == answer
    form.close()
    kz.close()
    return uz, [first, second]


def _climb(world: World, shift: Path, first: str) -> None:
    """Move the clock past the first's deadline, then past each further rung, up to the diplomatic."""
    row, _ = ladder_rows(world, "UZ", first)
    set_clock(shift, row.due_at.replace(tzinfo=UTC) + timedelta(seconds=1))
    for reached in (1, 2):
        wait_until(lambda n=reached: len(levels(world, "UZ", first)) == n, f"UZ rung {reached}")
        row, _ = ladder_rows(world, "UZ", first)
        set_clock(shift, row.next_at.replace(tzinfo=UTC) + timedelta(seconds=1))
    wait_until(lambda: len(levels(world, "UZ", first)) == 3, "UZ reaches the diplomatic level")


def _escalations(uz: Page, base: str, shots: Path, first: str) -> None:
    open_as(uz, base, "/escalations", "operator")
    assert uz.locator("h2").all_inner_texts() == [
        "дежурный оператор (1)",
        "пограничный представитель (1)",
        "дипломатический уровень (1)",
    ]
    top = uz.locator("section.level").nth(2).locator("article")
    assert first in top.inner_text()
    dossier = top.locator("a", has_text="Скачать").get_attribute("href")
    assert dossier is not None
    downloaded = uz.request.get(f"{base}{dossier}")
    assert downloaded.status == 200 and b"Dossier" in downloaded.body()
    top.locator("a", has_text="Проверить подписи").click()
    uz.wait_for_load_state()
    top = uz.locator("section.level").nth(2).locator("article")
    lines = top.locator("pre.verified").inner_text().splitlines()
    assert lines[0].startswith("verified: kz-uz-border-2024 ") and "signed by side UZ" in lines[0], lines
    assert [line.split()[0] for line in lines[1:]] == ["notice", "receipt"], lines
    assert "notice" in lines[1] and first in lines[1] and "signed by side KZ" in lines[1], lines
    assert "signed by side UZ" in lines[2], lines
    assert "проверены" in top.locator("p.ok").inner_text()
    assert_accessible(uz, "escalations")
    shot(uz, shots, "escalations-verified-ru")

    top.locator("button", has_text="Принять к сведению").click()
    uz.wait_for_load_state()
    assert "принята к сведению" in uz.locator("p.notice").inner_text()
    top = uz.locator("section.level").nth(2).locator("article")
    assert "operator" in top.inner_text() and "принята к сведению" in top.locator("h3").inner_text()
    top.locator("button", has_text="Урегулировать").click()  # no note: refused, the field named
    uz.wait_for_load_state()
    top = uz.locator("section.level").nth(2).locator("article")
    assert "Поле «Примечание»" in top.locator(".error").inner_text()
    assert top.locator("textarea").get_attribute("aria-invalid") == "true"
    assert_accessible(uz, "escalations-error")
    shot(uz, shots, "escalations-note-required-ru")
    top.locator("textarea").fill("Нота МИД № 14/2026 передана стороне")
    top.locator("button", has_text="Урегулировать").click()
    uz.wait_for_load_state()
    assert "урегулирована" in uz.locator("p.notice").inner_text()
    assert uz.locator("section.level").count() == 2, "the resolved one leaves the page"

    switch(uz, "kk")
    assert uz.locator("h1").inner_text() == "Эскалациялар"
    assert_accessible(uz, "escalations-kk")
    shot(uz, shots, "escalations-kk")
    open_as(uz, base, "/board", "operator")
    assert uz.locator("h1").inner_text() == "Міндеттемелер"
    row = _row(uz, first)
    assert "кешіктірілді" in row.inner_text() and "келісім мерзімі" in row.inner_text()
    assert "overdue" in (row.get_attribute("class") or "")
    # The countdown is computed again in the browser from the node's time (days ahead of this
    # computer's: the clock was moved), without asking the server anything.
    requests: list[str] = []
    uz.on("request", lambda request: requests.append(request.url))
    label = row.locator(".countdown")
    label.evaluate("element => { element.textContent = ''; }")
    uz.wait_for_function("e => e.textContent !== ''", arg=label.element_handle(), timeout=35000)
    assert re.fullmatch(r"\d+ (тәул\.|сағ|мин)( \d+ (сағ|мин))? кешіктірілді", label.inner_text())
    assert requests == [], "the countdown asked the server for something"
    assert_accessible(uz, "board-kk")
    shot(uz, shots, "board-kk")


def test_board_and_escalations_between_two_nodes(world: World, browser: Browser, tmp_path: Path) -> None:
    shift = world.root / "clock-shift"
    ports = {"UZ": free_port(), "KZ": free_port()}
    for side, peer in (("UZ", "KZ"), ("KZ", "UZ")):
        world.node(side, (peer,), delivery=SETTINGS, clock_shift=shift, console_port=ports[side])
    add_user(world.nodes["UZ"].config, "operator", "operator")
    add_user(world.nodes["UZ"].config, "admin", "admin")
    add_user(world.nodes["KZ"].config, "viewer", "viewer")
    for node in world.nodes.values():
        node.start()
    shots = tmp_path / "screenshots"
    shots.mkdir()
    uz_base = f"http://127.0.0.1:{ports['UZ']}"

    uz, (first, _) = _boards(world, browser, shots, ports)
    _climb(world, shift, first)
    _escalations(uz, uz_base, shots, first)

    admin = browser.new_page(locale="ru-RU", viewport={"width": 1500, "height": 1000})
    open_as(admin, uz_base, "/audit", "admin")
    acts = admin.locator("table tbody tr").all_inner_texts()
    mine = [row for row in acts if "escalation-" in row]
    assert len(mine) == 2 and all("operator" in row for row in mine), acts
    assert "escalation-resolved" in mine[0] and "Нота МИД № 14/2026" in mine[0], mine
    assert "escalation-acknowledged" in mine[1], mine
    shot(admin, shots, "audit-escalations-ru")
