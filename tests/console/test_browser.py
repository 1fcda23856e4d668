"""The console in real headless Chromium (Debian's /usr/bin/chromium through Playwright's Python
package; no browser is downloaded), against real nodes on the real broker: log in and out, a notice
sent by the peer appears in the log, the switch to Kazakh, a state change without the CSRF token
refused. Screenshots of every page are saved under the test's tmp folder (paths printed)."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from playwright.sync_api import Browser, Page

from gateway import paths
from gateway.store import journal
from tests.console.axe import assert_accessible
from tests.node.harness import National, World, node_store, submission, wait_for_consumer

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "marker-incident.xml"
PASSWORD = "correct horse battery staple"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def add_user(config: Path, name: str, role: str) -> None:
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "gateway.cli.main",
            "user",
            "add",
            name,
            "--role",
            role,
            "--config",
            str(config),
            "--password-stdin",
        ],
        input=f"{PASSWORD}\n".encode(),
        capture_output=True,
        check=False,
        cwd=paths.ROOT,
    )
    assert done.returncode == 0, done.stderr.decode()


def shot(page: Page, folder: Path, name: str) -> None:
    """Check the page with axe-core (no serious or critical violation), then save its screenshot:
    every page a browser test shows is both an artifact and an accessibility check."""
    assert_accessible(page, name)
    path = folder / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    print(f"screenshot: {path}")


async def _peer_sends(world: World) -> str:
    await wait_for_consumer(world, "KZ")
    await wait_for_consumer(world, "UZ")
    async with National(world, "KZ") as kz:
        key = await kz.submit(submission(SAMPLE, "UZ"))
        (answer,) = await kz.wait_answers([key])
    assert answer["status"] == "accepted", answer
    return str(answer["message_id"])


def _wait_ready(page: Page, base: str) -> None:
    for _ in range(100):
        try:
            if page.request.get(f"{base}/readyz").status == 200:
                return
        except Exception:  # noqa: BLE001 - the console is not listening yet
            pass
        page.wait_for_timeout(200)
    raise AssertionError(f"{base}/readyz never answered ready")


def test_console_log_in_see_the_peer_notice_switch_to_kazakh_log_out(
    world: World, browser: Browser, tmp_path: Path
) -> None:
    port = free_port()
    uz = world.node("UZ", ("KZ",), console_port=port)
    kz = world.node("KZ", ("UZ",))
    add_user(uz.config, "aigerim", "viewer")
    uz.start()
    kz.start()
    base = f"http://127.0.0.1:{port}"
    shots = tmp_path / "screenshots"
    shots.mkdir()
    page = browser.new_page(locale="ru-RU", viewport={"width": 1400, "height": 900})
    _wait_ready(page, base)

    page.goto(f"{base}/")  # not logged in: sent to the login page, in Russian
    assert page.url.startswith(f"{base}/login")
    assert page.locator("html").get_attribute("lang") == "ru"
    shot(page, shots, "login-ru")
    page.fill("#name", "aigerim")
    page.fill("#password", "wrong password, twelve+")
    page.click("form.login button[type=submit]")
    assert "Неверное имя пользователя или пароль." in page.inner_text("main")
    shot(page, shots, "login-refused-ru")

    page.fill("#name", "aigerim")
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator("h1").inner_text() == "Журнал сообщений"
    assert page.locator("p.empty").inner_text() == "Сообщений, отвечающих условиям, нет."
    shot(page, shots, "log-empty-ru")

    # The open page gets the peer's notice pushed (server-sent events): no reload, no polling.
    page.evaluate("window.stillTheSamePage = true")
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.wait_for_timeout(3000)
    assert requests == [], "the page asked for something while nothing changed"
    with ThreadPoolExecutor(1) as aside:  # Playwright's sync API holds this thread's event loop
        message_id = aside.submit(asyncio.run, _peer_sends(world)).result()
    row = page.locator(f"tr.fresh:has(code:text-is('{message_id}'))")
    row.wait_for(timeout=2000)
    assert page.evaluate("window.stillTheSamePage") is True
    assert page.locator(".live-status").inner_text() == "Новых сообщений: 1"
    text = row.inner_text()
    assert "Входящее" in text and "KZ/kz-uz-border-2024" in text
    assert "Оповещение о повреждении, перемещении, разрушении или утрате пограничного знака" in text
    assert row.locator("time").get_attribute("title", timeout=1000).endswith("UTC")
    shot(page, shots, "log-ru")

    page.select_option("#lang-choice", "kk")
    page.click("form.lang button[type=submit]")
    page.wait_for_url(f"{base}/")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.locator("h1").inner_text() == "Хабарламалар журналы"
    kazakh = page.locator(f"tr:has(code:text-is('{message_id}'))").inner_text()
    assert "Шекара белгісінің бүлінуі, орын ауыстырылуы, бұзылуы немесе жоғалуы туралы хабарлама" in kazakh
    assert "Кіріс" in kazakh
    shot(page, shots, "log-kk")

    # A state change without the CSRF token: refused 403 with its reason code, session intact.
    forged = page.request.post(f"{base}/logout", form={"next": "/"}, max_redirects=0)
    assert forged.status == 403
    assert "csrf-token-invalid" in forged.text()
    forged_api = page.request.post(
        f"{base}/lang", form={"lang": "en"}, headers={"Accept": "application/json"}, max_redirects=0
    )
    assert forged_api.status == 403 and forged_api.json()["error"]["reason"] == "csrf-token-invalid"
    api = page.request.get(f"{base}/api/messages?direction=in")
    assert api.status == 200 and message_id in {item["message_id"] for item in api.json()["items"]}

    page.click("form.who button[type=submit]")
    page.wait_for_url(f"{base}/login?bye=1")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.locator("p.notice").inner_text() == "Сіз жүйеден шықтыңыз."
    shot(page, shots, "logged-out-kk")
    page.goto(f"{base}/")
    assert page.url.startswith(f"{base}/login")  # the session ended on the server
    assert page.request.get(f"{base}/api/messages").status == 401

    uz.stop()
    with node_store(world, "UZ") as store:
        events = [(e.event, e.detail) for e in store.read(lambda conn: list(journal.entries(conn)))]
    console = [(event, detail) for event, detail in events if event.startswith("console-")]
    assert [event for event, _ in console] == ["console-login-failed", "console-login", "console-logout"]
    assert all('"by":"aigerim"' in detail for _, detail in console)
