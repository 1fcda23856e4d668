"""The escalations and health pages live, in real headless Chromium against two real nodes on the real
broker, with one moved clock (a shift file). KZ's national system proposes two joint meetings to UZ
(a reply within 48 h). UZ's health page, left open, shows KZ's next notice without a reload. Two
operators keep UZ's escalations page open; the clock passes the deadline and UZ's sweeper raises both
escalations: they appear on both pages, marked new, with the moment the national system was told. One
operator acknowledges one; it shows on the other's page while the other types a note in another form,
which keeps its text and the focus. Acknowledging the one whose form the other is typing in waits on
their page, saying so, until that form is left. An operator resolves one with `bgw` in a shell (another
process, no event): the open page shows it when it is shown again (visibilitychange), not before, the
focus where it was. A refused form keeps its problem through a refresh; a hidden page reads nothing.
Each page says when its view was read. /api/escalations answers what the page shows."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from playwright.sync_api import Browser, Page

from tests.console.test_board_browser import SETTINGS, _propose, aside, open_as
from tests.console.test_browser import SAMPLE, _wait_ready, add_user, free_port, shot
from tests.node.harness import National, World, submission, wait_for_consumer, wait_until
from tests.node.test_escalation import ladder_rows, set_clock
from tests.test_cli import bgw

ARTICLES = "article.escalation"
NOT_TOLD = "ещё нет: брокер не подтвердил событие"
HELD = "Данные страницы изменились. Страница обновится, когда вы отправите или очистите заполняемую форму."


async def _notice(world: World) -> None:
    await wait_for_consumer(world, "KZ")
    async with National(world, "KZ") as kz:
        (answer,) = await kz.wait_answers([await kz.submit(submission(SAMPLE, "UZ"))])
    assert answer["status"] == "accepted", answer


def _escalations(page: Page) -> str:
    """The escalations page of the node *page* shows (after a redirect or a refused form)."""
    return re.sub(r"/escalations.*", "/escalations", page.url)


def _as_of(page: Page) -> str:
    return page.locator("[data-live] .as-of time").get_attribute("datetime") or ""


def _watch(page: Page) -> list[str]:
    """The requests *page* makes from now on (the live stream's, once open, is not a new one)."""
    page.evaluate("window.stillTheSamePage = true")
    seen: list[str] = []
    page.on("request", lambda request: seen.append(request.url))
    return seen


def _visibility(page: Page, state: str) -> None:
    """What the browser does when a tab is hidden or shown again (headless Chromium never hides one)."""
    page.evaluate(
        """state => {
            Object.defineProperty(document, "visibilityState", { value: state, configurable: true });
            Object.defineProperty(document, "hidden", { value: state === "hidden", configurable: true });
            document.dispatchEvent(new Event("visibilitychange"));
        }""",
        state,
    )


def _health(browser: Browser, base: str, world: World) -> None:
    health = browser.new_page(locale="ru-RU", viewport={"width": 1400, "height": 1000})
    open_as(health, base, "/health", "viewer")
    received = health.locator("section[aria-labelledby=h-links] tbody tr td").nth(2)
    before, read = received.inner_text(), _as_of(health)
    requests = _watch(health)
    aside(_notice, world)
    health.wait_for_function(
        "before => document.querySelector('section[aria-labelledby=h-links] tbody tr td:nth-child(4)')"
        ".innerText !== before",
        arg=before,
        timeout=15000,
    )
    assert health.evaluate("window.stillTheSamePage") is True
    assert _as_of(health) >= read and all(url.endswith("/health") for url in requests), requests
    assert re.fullmatch(r"По состоянию на \d\d:\d\d:\d\d", health.locator(".as-of").inner_text())
    health.close()


def _due(world: World, proposals: list[str]) -> datetime:
    return max(ladder_rows(world, "UZ", m)[0].due_at for m in proposals).replace(tzinfo=UTC)


def _raised(pages: list[Page], shift: Path, world: World, proposals: list[str]) -> list[int]:
    """The clock passes the deadlines: both escalations appear on every open page, marked new."""
    reads = [_as_of(page) for page in pages]
    set_clock(shift, _due(world, proposals) + timedelta(seconds=1))
    for page, read in zip(pages, reads, strict=True):
        page.locator(f"{ARTICLES}.fresh").nth(1).wait_for(timeout=15000)
        page.wait_for_function(
            f"() => !document.querySelector('[data-live]').innerText.includes('{NOT_TOLD}')"
        )
        assert page.locator(".live-status").inner_text() == "Новых эскалаций: 2"
        assert page.evaluate("window.stillTheSamePage") is True and _as_of(page) > read
        assert "Национальной системе сообщено" in page.locator(ARTICLES).first.inner_text()
    ids = [
        int(found.removeprefix("escalation-"))
        for found in pages[0].locator(ARTICLES).evaluate_all("articles => articles.map(a => a.id)")
    ]
    api = pages[0].request.get(pages[0].url.split("/escalations")[0] + "/api/escalations").json()
    assert [e["id"] for level in api["levels"] for e in level["escalations"]] == ids
    return ids


def _ack_elsewhere(first: Page, second: Page, typing: int, other: int) -> None:
    """*first* acknowledges *other* while *second* types an acknowledgement of *typing*."""
    note = second.locator(f"#ack-note-{typing}")
    note.click()
    note.type("Звонок дежурному КЗ")
    first.locator(f"#ack-{other} button").click()
    first.wait_for_load_state()
    assert "принята к сведению" in first.locator("p.notice").inner_text()
    second.locator(f"#escalation-{other}-h", has_text="принята к сведению").wait_for(timeout=15000)
    assert second.evaluate("window.stillTheSamePage") is True
    assert second.evaluate("document.activeElement.id") == f"ack-note-{typing}"
    assert note.input_value() == "Звонок дежурному КЗ"
    assert "operator" in second.locator(f"#escalation-{other}").inner_text()


def _ack_under_typing(first: Page, second: Page, typing: int) -> None:
    """*first* acknowledges the one *second* is typing in: *second*'s view waits until the form is left."""
    first.goto(_escalations(first))
    first.locator(f"#ack-{typing} button").click()
    first.wait_for_load_state()
    second.locator(".live-status", has_text=HELD).wait_for(timeout=15000)
    assert second.locator(f"#ack-note-{typing}").input_value() == "Звонок дежурному КЗ"
    assert "открыта" in second.locator(f"#escalation-{typing}-h").inner_text()
    second.locator(f"#ack-note-{typing}").fill("")
    second.locator("h1").click()  # the form is left (cleared, focus elsewhere): the view catches up
    second.locator(f"#escalation-{typing}-h", has_text="принята к сведению").wait_for(timeout=15000)
    assert second.locator(f"#ack-{typing}").count() == 0 and second.locator(".live-status").inner_text() == ""
    assert second.evaluate("window.stillTheSamePage") is True


def _resolved_in_a_shell(page: Page, world: World, escalation: int, staying: int) -> None:
    """`bgw escalations resolve` is another process: no event; the page reads it when shown again,
    the focus still on the link it was on."""
    requests = _watch(page)
    read = _as_of(page)
    config = str(world.nodes["UZ"].config)
    done = bgw("escalations", "resolve", str(escalation), "--config", config, "--note", "нота 14/2026")
    assert done.returncode == 0, done.stderr
    page.wait_for_timeout(2000)
    assert requests == [], "the page asked for something while no event came"
    assert page.locator(f"#escalation-{escalation}").count() == 1
    link = page.locator(f"#escalation-{staying} a[href^='/messages/']")
    link.focus()
    href = link.get_attribute("href")
    _visibility(page, "hidden")
    _visibility(page, "visible")
    page.locator(f"#escalation-{escalation}").wait_for(state="detached", timeout=15000)
    assert page.evaluate("window.stillTheSamePage") is True and _as_of(page) > read
    assert len(requests) == 1 and requests[0].endswith("/escalations"), requests
    assert page.evaluate("document.activeElement.getAttribute('href')") == href


def _refusal_kept(page: Page, world: World, escalation: int) -> None:
    """A refused form (a resolution without its note) keeps its problem through a refresh."""
    page.goto(_escalations(page))
    page.locator(f"#resolve-{escalation} button").click()
    page.wait_for_load_state()
    problem = page.locator(f"#resolve-error-{escalation}")
    assert "Примечание" in problem.inner_text()
    page.evaluate("document.querySelector('[data-live]').drawn = true")
    aside(_notice, world)  # the node stores it: every live page reads its view again
    page.wait_for_function("() => !document.querySelector('[data-live]').drawn", timeout=15000)
    assert "Примечание" in problem.inner_text()
    assert page.locator(f"#resolve-note-{escalation}").get_attribute("aria-invalid") == "true"


def _hidden_reads_nothing(hidden: Page, acting: Page, escalation: int) -> None:
    """A hidden page told of a change reads nothing until it is shown again."""
    requests = _watch(hidden)
    _visibility(hidden, "hidden")
    acting.goto(_escalations(acting))
    acting.locator(f"#resolve-note-{escalation}").fill("урегулировано по телефону")
    acting.locator(f"#resolve-{escalation} button").click()
    acting.wait_for_load_state()
    hidden.wait_for_timeout(1500)
    assert requests == [] and hidden.locator(f"#escalation-{escalation}").count() == 1
    _visibility(hidden, "visible")
    hidden.locator(f"#escalation-{escalation}").wait_for(state="detached", timeout=15000)
    assert hidden.locator("p.empty").inner_text() == "Открытых эскалаций нет."


def test_escalations_and_health_pages_are_live(world: World, browser: Browser, tmp_path: Path) -> None:
    shift = world.root / "clock-shift"
    ports = {"UZ": free_port(), "KZ": free_port()}
    for side, peer in (("UZ", "KZ"), ("KZ", "UZ")):
        world.node(side, (peer,), delivery=SETTINGS, clock_shift=shift, console_port=ports[side])
    for name, role in (("operator", "operator"), ("operator2", "operator"), ("viewer", "viewer")):
        add_user(world.nodes["UZ"].config, name, role)
    for node in world.nodes.values():
        node.start()
    base = f"http://127.0.0.1:{ports['UZ']}"
    proposals = aside(_propose, world)
    wait_until(lambda: all(ladder_rows(world, "UZ", m)[0] for m in proposals), "UZ's reply duties")
    set_clock(shift, _due(world, proposals) - timedelta(seconds=60))  # the sessions opened next outlive it

    probe = browser.new_page()
    _wait_ready(probe, base)
    probe.close()
    _health(browser, base, world)
    pages = [browser.new_page(locale="ru-RU", viewport={"width": 1400, "height": 1000}) for _ in range(2)]
    for page, user in zip(pages, ("operator", "operator2"), strict=True):
        open_as(page, base, "/escalations", user)
        assert page.locator("p.empty").inner_text() == "Открытых эскалаций нет."
        _watch(page)
    one, two = _raised(pages, shift, world, proposals)
    shot(pages[1], tmp_path, "escalations-live-ru")
    _ack_elsewhere(pages[0], pages[1], typing=one, other=two)
    _ack_under_typing(pages[0], pages[1], typing=one)
    shot(pages[1], tmp_path, "escalations-live-acknowledged-ru")
    _resolved_in_a_shell(pages[1], world, two, staying=one)
    _refusal_kept(pages[0], world, one)
    _hidden_reads_nothing(pages[1], pages[0], one)
