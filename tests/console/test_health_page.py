"""The health page, /metrics and the API against real nodes on the real broker: a notice each way,
then the page in headless Chromium (screenshot saved under the test's tmp folder), Prometheus'
scrape with its bearer token (queue depths from the broker), and schemathesis against the live
/api/openapi.json with a viewer's session: no server error, no answer that breaks the document."""

from __future__ import annotations

import asyncio
import re
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import requests
import schemathesis
from hypothesis import HealthCheck, given, settings
from playwright.sync_api import Browser
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance

from tests.console.test_browser import PASSWORD, SAMPLE, _wait_ready, add_user, free_port, shot
from tests.node.harness import National, World, submission, wait_for_consumer

TOKEN = "prometheus-scrapes-with-this-token-0123"


def _console_node(world: World, port: int) -> None:
    uz = world.node("UZ", ("KZ",), delivery={"sweep_interval_s": 0.5}, console_port=port)
    with uz.config.open("a", encoding="utf-8") as config:  # [console] is the file's last table
        config.write(f'metrics_token = "{TOKEN}"\n')
    add_user(uz.config, "aigerim", "viewer")


async def _notice(world: World, sender: str, recipient: str) -> str:
    await wait_for_consumer(world, sender)
    await wait_for_consumer(world, recipient)
    async with National(world, sender) as national:
        key = await national.submit(submission(SAMPLE, recipient))
        (answer,) = await national.wait_answers([key])
    assert answer["status"] == "accepted", answer
    return str(answer["message_id"])


def _both_ways(world: World) -> None:
    async def exchange() -> None:
        await _notice(world, "KZ", "UZ")
        await _notice(world, "UZ", "KZ")

    with ThreadPoolExecutor(1) as aside:  # Playwright's sync API holds this thread's event loop
        aside.submit(asyncio.run, exchange()).result()


def _session(base: str, name: str) -> str:
    """Log in over plain HTTP as a script would: the login form's CSRF token, then the form."""
    http = requests.Session()
    form = http.get(f"{base}/login", timeout=10).text
    found = re.search(r'name="csrf" value="([^"]+)"', form)
    assert found, form
    login = {"name": name, "password": PASSWORD, "csrf": found.group(1), "next": "/"}
    answer = http.post(f"{base}/login", data=login, allow_redirects=False, timeout=10)
    assert answer.status_code == 303, answer.text
    return answer.cookies["bgw_session"]


def test_health_page_and_metrics_of_a_node_with_traffic(
    world: World, browser: Browser, tmp_path: Path
) -> None:
    port = free_port()
    _console_node(world, port)
    world.node("KZ", ("UZ",)).start()
    world.nodes["UZ"].start()
    base = f"http://127.0.0.1:{port}"
    page = browser.new_page(locale="ru-RU", viewport={"width": 1400, "height": 900})
    _wait_ready(page, base)
    _both_ways(world)

    health = page.request.get(f"{base}/api/health")
    assert health.status == 401  # not logged in
    page.goto(f"{base}/health")
    page.fill("#name", "aigerim")
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base}/health")
    assert page.locator("h1").inner_text() == "Состояние"
    assert page.locator("nav a[aria-current=page]").inner_text() == "Состояние"
    view = page.request.get(f"{base}/api/health").json()
    assert view["database"]["ok"] is True and view["broker"]["connected"] is True
    assert {queue["role"]: queue["messages"] for queue in view["broker"]["queues"]}["dead"] == 0
    (link,) = view["links"]
    assert all(link[key] for key in ("notice_sent", "notice_received", "receipt_sent", "receipt_received"))
    (clock,) = view["clocks"]
    assert clock["peer"] == "KZ" and clock["within"] is True and abs(clock["offset_s"]) < 5
    assert {cert["held"] for cert in view["certificates"]} == {"own", "anchor", "peer"}
    assert view["sweep"]["ok"] is True and not any(cert["expiring"] for cert in view["certificates"])
    text = page.inner_text("main")
    assert "подключён" in text and "Кажущееся расхождение" in text and "bgw.UZ.dead" in text
    shot(page, tmp_path, "health-ru")

    scrape = page.request.get(f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
    assert scrape.status == 200
    metrics = scrape.text()
    labels = 'peer="KZ",profile="kz-uz-border-2024",type="marker-incident"'
    assert f"bgw_messages_sent_total{{{labels}}} 1" in metrics
    assert f"bgw_messages_received_total{{{labels}}} 1" in metrics
    assert f'bgw_receipt_latency_seconds_bucket{{{labels},le="+Inf"}} 1' in metrics
    assert "bgw_dead_letters 0" in metrics and "bgw_broker_up 1" in metrics
    assert "bgw_last_sweep_timestamp_seconds 1" in metrics  # a Unix time: 1…, ten digits
    assert 'bgw_queue_messages{queue="inbound"}' in metrics


def test_schemathesis_finds_no_server_error_and_no_answer_outside_the_document(world: World) -> None:
    port = free_port()
    _console_node(world, port)
    world.nodes["UZ"].start()
    world.node("KZ", ("UZ",)).start()
    base = f"http://127.0.0.1:{port}"
    schema_url = f"{base}/api/openapi.json"
    for _ in range(100):
        try:
            if requests.get(f"{base}/readyz", timeout=2).status_code == 200:
                break
        except requests.ConnectionError:
            pass
        time.sleep(0.2)
    _both_ways(world)  # the log and the health view have rows to render
    cookie = {"Cookie": f"bgw_session={_session(base, 'aigerim')}"}
    schema = schemathesis.openapi.from_url(schema_url, headers=cookie).exclude(path="/api/live")
    checks = [not_a_server_error, status_code_conformance, response_schema_conformance]
    calls: list[int] = []
    paths: set[str] = set()

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=schema.as_strategy(generation_mode=GenerationMode.POSITIVE))
    def positive(case: schemathesis.Case) -> None:
        paths.add(case.operation.path)
        calls.append(case.call_and_validate(base_url=base, headers=cookie, checks=checks).status_code)

    @settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck), database=None)
    @given(case=schema.as_strategy(generation_mode=GenerationMode.NEGATIVE))
    def negative(case: schemathesis.Case) -> None:
        paths.add(case.operation.path)
        calls.append(case.call_and_validate(base_url=base, headers=cookie, checks=checks).status_code)

    positive()
    negative()
    assert 200 in calls and 400 in calls  # both the answers and the refusals were exercised
    assert "/api/escalations" in paths  # the escalations page's JSON twin is in the document, and tried
    print(f"schemathesis: {len(calls)} calls, statuses {sorted(set(calls))}")
