"""Compose in real headless Chromium, two nodes (KZ with its console, UZ with its console) on the real
broker: a `crossing-restriction` starting in 23 h is refused citing its article with the earliest
allowed start; the same bad notice gives the same refusal over AMQP and through the console; 25 h
ahead it is previewed, sent, and appears on the peer's console; a viewer sees no compose page and a
crafted compose request is refused 403; a state change without the CSRF token is refused; with
second approval configured, a diplomatic-channel notice waits as a draft its drafter cannot approve
and reaches the peer only once a second operator approves it. axe-core on every page added;
screenshots of each in Russian and Kazakh (paths printed)."""

from __future__ import annotations

import asyncio
import copy
import re
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from playwright.sync_api import Browser, Page

from gateway import paths
from gateway.forms.model import form_of
from gateway.forms.prefill import encode
from gateway.profiles import load_profiles
from gateway.samples import sample_submission
from gateway.store import journal, views
from tests.console.axe import assert_accessible
from tests.console.test_browser import PASSWORD, _wait_ready, add_user, free_port, shot
from tests.node.harness import National, World, node_store, wait_for_consumer, wait_until

PROFILE = load_profiles()["kz-uz-border-2024"]
LINK = "UZ/kz-uz-border-2024"
RESTRICTION = "crossing-restriction"
DIPLOMATIC = "commission-meeting-proposal"
UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def _utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _restriction(starts_in: timedelta) -> dict[str, Any]:
    """The sample crossing restriction, trimmed to one item per list, starting *starts_in* from now."""
    body = copy.deepcopy(sample_submission(paths.SAMPLES / PROFILE.id / f"{RESTRICTION}.xml", "UZ")["body"])
    now = datetime.now(UTC).replace(microsecond=0)
    body["Ground"], body["Subject"] = body["Ground"][:1], body["Subject"][:1]
    body.pop("Attachments", None)
    body["EffectiveFrom"], body["EffectiveUntil"] = _utc(now + starts_in), _utc(now + timedelta(days=30))
    return body


def _proposal() -> dict[str, Any]:
    body = copy.deepcopy(sample_submission(paths.SAMPLES / PROFILE.id / f"{DIPLOMATIC}.xml", "UZ")["body"])
    body["Agenda"]["AgendaItem"] = body["Agenda"]["AgendaItem"][:1]
    body["Delegation"]["Members"]["Member"] = body["Delegation"]["Members"]["Member"][:1]
    return body


def _pairs(message_type: str, body: dict[str, Any]) -> list[tuple[str, str]]:
    return list(encode(form_of(PROFILE, message_type), body).pairs)


def _log_in(browser: Browser, base: str, name: str, lang: str = "ru") -> Page:
    page = browser.new_page(locale="ru-RU", viewport={"width": 1300, "height": 900})
    page.context.add_cookies([{"name": "bgw_lang", "value": lang, "url": base}])
    page.goto(f"{base}/login")
    page.fill("#name", name)
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base}/")
    return page


def _choose(page: Page, base: str, message_type: str) -> None:
    """The no-JavaScript way: choose the link, Check, choose the type, Check."""
    page.goto(f"{base}/compose")
    page.select_option("#f-link", LINK)
    page.click("button[formaction='/compose/check']")
    page.select_option("#f-type", message_type)
    page.click("button[formaction='/compose/check']")
    page.locator("fieldset.body").wait_for()


def _fill(page: Page, pairs: list[tuple[str, str]]) -> None:
    for name, value in pairs:
        control = page.locator(f'[name="{name}"]')
        if control.evaluate("node => node.tagName") == "SELECT":
            control.select_option(value)
        else:
            control.fill(value)


def _both(page: Page, base: str, shots: Path, name: str, button: str | None) -> None:
    """Screenshot and axe in Russian; the same form posted again in Kazakh; back to Russian."""
    assert_accessible(page, f"{name}-ru")
    shot(page, shots, f"{name}-ru")
    page.context.add_cookies([{"name": "bgw_lang", "value": "kk", "url": base}])
    if button is None:
        page.reload()
    else:
        page.click(button)
    assert page.locator("html").get_attribute("lang") == "kk"
    assert_accessible(page, f"{name}-kk")
    shot(page, shots, f"{name}-kk")
    page.context.add_cookies([{"name": "bgw_lang", "value": "ru", "url": base}])


def _csrf(page: Page) -> str:
    token = page.locator("form.lang input[name=csrf]").get_attribute("value")
    assert token
    return token


def _sent_id(page: Page, base: str) -> str:
    page.wait_for_url(re.compile(re.escape(base) + r"/messages/[0-9a-f-]{36}$"))
    return page.url.rsplit("/", 1)[1]


def _on_peer_log(page: Page, base: str, message_id: str) -> None:
    for _ in range(60):
        page.goto(f"{base}/")
        if page.locator(f"tr:has(code:text-is('{message_id}'))").count():
            return
        page.wait_for_timeout(500)
    raise AssertionError(f"{message_id} never appeared on the peer's console")


async def _over_amqp(world: World, document: dict[str, Any]) -> dict[str, Any]:
    await wait_for_consumer(world, "KZ")
    async with National(world, "KZ") as kz:
        key = await kz.submit(document)
        (answer,) = await kz.wait_answers([key])
    return answer


def _received(world: World) -> int:
    with node_store(world, "UZ") as store:
        counts = store.read(views.counts)
    return sum(sum(states.values()) for (_, _, direction), states in counts.items() if direction == "in")


def _supersede(
    aliya: Page, umid: Page, kz_base: str, uz_base: str, shots: Path, sent: str, body: dict[str, Any]
) -> str:
    """From the sent notice's page: "Заменить" opens the form with its link, type and body; a changed
    end date is sent as its replacement, which the peer receives and the original's page links."""
    actions = aliya.locator(".message-actions a")
    assert actions.all_inner_texts() == ["Заменить", "Отменить"]
    assert actions.nth(1).get_attribute("href") == f"/compose?cancels={sent}"
    _both(aliya, kz_base, shots, "message-sent", None)
    aliya.click(".message-actions a.act-supersede")
    aliya.locator("fieldset.body").wait_for()
    assert aliya.url == f"{kz_base}/compose?supersedes={sent}"
    assert aliya.locator("#f-supersedes").input_value() == sent
    assert aliya.locator("#f-type").input_value() == RESTRICTION
    assert aliya.locator("#f-EffectiveFrom").input_value().startswith(body["EffectiveFrom"][:16])
    until = datetime.now(UTC).replace(microsecond=0, second=0) + timedelta(days=20)
    aliya.fill("#f-EffectiveUntil", until.strftime("%Y-%m-%dT%H:%M:%S"))
    aliya.click("button[formaction='/compose/check']")
    aliya.locator("#verdict .ok").wait_for()
    aliya.click("button[formaction='/compose/send']")
    replacement = _sent_id(aliya, kz_base)
    assert replacement != sent
    links = aliya.locator("ul.links li")
    assert links.all_inner_texts() == [f"Заменяет: {sent}"]
    assert aliya.locator(".message-actions a").all_inner_texts() == ["Заменить", "Отменить"]
    _on_peer_log(umid, uz_base, replacement)
    aliya.goto(f"{kz_base}/messages/{sent}")
    assert aliya.locator(f"ul.links a[href='/messages/{replacement}']").count() == 1
    assert "Заменено сообщением" in aliya.locator("ul.links li", has_text=replacement).inner_text()
    assert aliya.locator(".message-actions a").count() == 0, "a replaced notice offers no second replacement"
    return replacement


def _start(world: World) -> tuple[str, str]:
    kz_port, uz_port = free_port(), free_port()
    kz = world.node("KZ", ("UZ",), console_port=kz_port)
    text = kz.config.read_text(encoding="utf-8")
    kz.config.write_text(
        text.replace('peer_unit = "Node UZ"\n', 'peer_unit = "Node UZ"\nsecond_approval = true\n')
    )
    uz = world.node("UZ", ("KZ",), console_port=uz_port)
    for name, role in (("aliya", "operator"), ("bolat", "operator"), ("dana", "viewer")):
        add_user(kz.config, name, role)
    add_user(uz.config, "umid", "viewer")
    kz.start()
    uz.start()
    return f"http://127.0.0.1:{kz_port}", f"http://127.0.0.1:{uz_port}"


def test_compose_check_send_and_second_approval(world: World, browser: Browser, tmp_path: Path) -> None:
    kz_base, uz_base = _start(world)
    shots = tmp_path / "screenshots"
    shots.mkdir()
    aliya = browser.new_page()
    _wait_ready(aliya, kz_base)
    _wait_ready(aliya, uz_base)
    aliya.close()
    with ThreadPoolExecutor(1) as aside:  # Playwright's sync API holds this thread's event loop
        aside.submit(asyncio.run, wait_for_consumer(world, "UZ")).result()
    aliya = _log_in(browser, kz_base, "aliya")
    assert aliya.locator("nav a[href='/compose']").count() == 1

    aliya.goto(f"{kz_base}/compose")
    _both(aliya, kz_base, shots, "compose-choose", None)
    _choose(aliya, kz_base, RESTRICTION)

    # 23 h ahead: refused, Art. 11(3)2 cited, the required lead (text) and the earliest allowed start.
    _fill(aliya, _pairs(RESTRICTION, _restriction(timedelta(hours=23))))
    live = aliya.locator("#verdict .refused")  # the page's script checks as the operator types
    live.wait_for(timeout=10000)
    assert "lead-time-short" in live.inner_text() and aliya.url == f"{kz_base}/compose/check"
    before = datetime.now(UTC).replace(microsecond=0)
    aliya.click("button[formaction='/compose/check']")
    verdict = aliya.locator("#verdict")
    verdict.locator(".refused").wait_for()
    after = datetime.now(UTC)
    assert "lead-time-short" in verdict.locator(".refused").inner_text()
    assert verdict.locator(".article").inner_text() == "ст. 11(3)2"
    assert verdict.locator(".required-lead").inner_text() == "24 ч (установлено Соглашением)"
    earliest = verdict.locator(".earliest time")
    shown = datetime.fromisoformat(str(earliest.get_attribute("datetime")))
    assert before + timedelta(hours=24) <= shown <= after + timedelta(hours=24)
    assert str(earliest.get_attribute("title")).endswith("UTC")
    assert aliya.locator("#f-late_justification").count() == 1 and verdict.locator(".late-offer").count() == 1
    _both(aliya, kz_base, shots, "compose-refused", "button[formaction='/compose/check']")
    assert "11(3)2-бап" in aliya.locator("#verdict").inner_text()
    aliya.fill("#f-late_justification", "Вспышка ящура подтверждена лабораторно менее суток назад.")
    aliya.click("button[formaction='/compose/check']")
    aliya.locator("#verdict .late").wait_for()  # with a written justification it would go out late
    assert aliya.locator("#verdict .refused").count() == 0
    aliya.fill("#f-late_justification", "")

    # The same bad notice over AMQP and through the console: the same reason, field and message.
    body = _restriction(timedelta(hours=25))
    unknown = str(uuid.uuid4())
    document = {
        "profile": PROFILE.id,
        "type": RESTRICTION,
        "schema_version": "1.0",
        "recipient": {"side": "UZ", "unit": "Node UZ"},
        "cancels": unknown,
        "body": body,
    }
    with ThreadPoolExecutor(1) as aside:
        amqp = aside.submit(asyncio.run, _over_amqp(world, document)).result()
    form = {
        "csrf": _csrf(aliya),
        "link": LINK,
        "type": RESTRICTION,
        "cancels": unknown,
        **dict(_pairs(RESTRICTION, body)),
    }
    console = aliya.request.post(f"{kz_base}/compose/send", form=form, headers={"Accept": "application/json"})
    assert console.status == 422
    assert (
        amqp["status"] == "rejected" and amqp["reason"] == "reference-unknown" and amqp["field"] == "cancels"
    )
    assert {k: console.json()[k] for k in ("status", "reason", "field", "message")} == {
        k: amqp[k] for k in ("status", "reason", "field", "message")
    }

    # 25 h ahead: the check passes, the preview shows the rendered form, Send sends it.
    aliya.fill("#f-EffectiveFrom", body["EffectiveFrom"][:-1])
    aliya.click("button[formaction='/compose/preview']")
    aliya.locator("section.preview pre").first.wait_for()
    assert aliya.locator("#verdict .ok").count() == 1
    preview = aliya.locator("section.preview pre").first.inner_text()
    assert "11(3)2" in preview
    # No id or creation time before sending: the check's would not be the sent notice's.
    for line in ("Сообщение: присваивается при отправке", "Составлено: присваивается при отправке"):
        assert line in preview, preview
    assert not UUID.search(preview), preview
    _both(aliya, kz_base, shots, "compose-preview", "button[formaction='/compose/preview']")
    aliya.click("button[formaction='/compose/send']")
    sent = _sent_id(aliya, kz_base)
    assert aliya.locator("dl.facts code").first.inner_text() == sent

    umid = _log_in(browser, uz_base, "umid")
    _on_peer_log(umid, uz_base, sent)
    shot(umid, shots, "peer-log-ru")

    replacement = _supersede(aliya, umid, kz_base, uz_base, shots, sent, body)

    # A viewer: no compose entry, the page and a crafted send refused 403; no CSRF token: 403.
    dana = _log_in(browser, kz_base, "dana")
    assert dana.locator("nav a[href='/compose']").count() == 0
    assert dana.locator("nav a[href='/drafts']").count() == 0
    assert dana.request.get(f"{kz_base}/compose").status == 403
    crafted_page = dana.request.get(f"{kz_base}/compose?supersedes={replacement}")
    assert crafted_page.status == 403 and "role-insufficient" in crafted_page.text()
    dana.goto(f"{kz_base}/messages/{replacement}")  # a viewer reads the page; nothing to write from it
    assert dana.locator("h1").inner_text() == PROFILE.types[RESTRICTION].title["ru"]
    assert dana.locator(".message-actions a").count() == 0
    crafted = dana.request.post(
        f"{kz_base}/compose/send", form={**form, "csrf": _csrf(dana)}, headers={"Accept": "application/json"}
    )
    assert crafted.status == 403 and crafted.json()["error"]["reason"] == "role-insufficient"
    tokenless = {key: value for key, value in form.items() if key != "csrf"}
    forged = aliya.request.post(
        f"{kz_base}/compose/send", form=tokenless, headers={"Accept": "application/json"}
    )
    assert forged.status == 403 and forged.json()["error"]["reason"] == "csrf-token-invalid"

    # Second approval: aliya drafts a diplomatic-channel notice; it waits; she cannot approve it.
    received = _received(world)
    _choose(aliya, kz_base, DIPLOMATIC)
    _fill(aliya, _pairs(DIPLOMATIC, _proposal()))
    aliya.click("button[formaction='/compose/check']")
    aliya.locator("#verdict .second").wait_for()
    aliya.click("button[formaction='/compose/send']")
    aliya.wait_for_url(f"{kz_base}/drafts")
    draft = aliya.locator("article.draft")
    assert draft.count() == 1 and draft.locator(".own").count() == 1
    assert PROFILE.types[DIPLOMATIC].title["ru"] in draft.locator("h2").inner_text()
    assert draft.locator("button.approve").count() == 0
    rendered = draft.locator("pre.rendered").inner_text()
    assert "Сообщение: присваивается при отправке" in rendered and not UUID.search(rendered)
    _both(aliya, kz_base, shots, "drafts", None)
    draft_id = str(draft.get_attribute("id")).removeprefix("draft-")
    own = aliya.request.post(
        f"{kz_base}/drafts/{draft_id}/approve",
        form={"csrf": _csrf(aliya)},
        headers={"Accept": "application/json"},
    )
    assert own.status == 403 and own.json()["error"]["reason"] == "approver-is-drafter"
    aliya.wait_for_timeout(2000)
    assert _received(world) == received, "a draft reached the peer before its approval"

    bolat = _log_in(browser, kz_base, "bolat")
    bolat.goto(f"{kz_base}/drafts")
    bolat.click(f"#draft-{draft_id} button.approve")
    approved = _sent_id(bolat, kz_base)
    _on_peer_log(umid, uz_base, approved)
    wait_until(lambda: _received(world) == received + 1, "the approved notice reached UZ")
    bolat.goto(f"{kz_base}/drafts")
    assert bolat.locator("article.draft").count() == 0

    with node_store(world, "KZ") as store:
        entries = store.read(lambda conn: list(journal.entries(conn)))
    acts = [
        (e.event, e.message_id) for e in entries if e.event.startswith("console-") and "login" not in e.event
    ]
    assert ("console-sent", sent) in acts
    assert ("console-drafted", None) in acts and ("console-approved", approved) in acts
    details = {e.event: e.detail for e in entries}
    assert '"by":"aliya"' in details["console-drafted"] and '"by":"bolat"' in details["console-approved"]
