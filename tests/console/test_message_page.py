"""The message page and its evidence file, in process on a real store (SQLite and PostgreSQL, the
test client of test_app) with a notice really signed by the peer and a receipt really signed by this
node: an unknown id is refused 404 with its reason, a viewer opens the page and every view is
audited, nobody logged in is sent to the login page, and the downloaded evidence verifies with
`bgw verify` — and stops verifying when one byte of it changes or when a log entry it carries was
altered in the database before the export."""

from __future__ import annotations

import asyncio
import re
import subprocess
import sys
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import text

from gateway import paths
from gateway.console import evidence
from gateway.console.context import Context
from gateway.store import OutgoingReceipt, Signed, Store, inbox, journal, outbox
from gateway.store.inbox import Arrival
from gateway.wire.envelope import RECEIPT_TYPE, Header, read_header
from gateway.wire.parsing import parse
from gateway.wire.receipt import Acknowledgement, build_receipt, digest_of
from gateway.wire.signing import SigningKey, sign
from tests.console.test_app import PROFILES, log_in, store
from tests.console.test_app import run as run_at
from tests.console.test_browser import PASSWORD, _wait_ready, add_user, free_port, shot
from tests.node.conftest import world
from tests.node.harness import National, World, node_store, submission, wait_for_consumer

# The fixtures: store (SQLite and PostgreSQL, a viewer and an admin, 120 unsigned rows)
# and the world of real nodes.
__all__ = ["store", "world"]
SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "crossing-restriction.xml"


def now() -> datetime:
    """The real time: the certificates of the test's PKI are valid from a few minutes ago."""
    return datetime.now(UTC)


def run(store: Any, scenario: Any) -> None:
    run_at(store, scenario, clock=now)


def _key(config: Any, side: str) -> SigningKey:
    folder = Path(config.trust)
    return SigningKey.load(folder / side / "node.key", folder / side / "node.pem")


def receive(config: Any, opened: Store) -> str:
    """The sample as KZ's node signed it, recorded as received with UZ's signed receipt."""
    notice = sign(parse(SAMPLE.read_bytes()), _key(config, "KZ"))
    header = read_header(parse(notice))
    receipt_header = Header(
        str(uuid.uuid4()), header.profile, RECEIPT_TYPE, header.recipient, header.sender, now(),
        in_reply_to=header.message_id,
    )  # fmt: skip
    ack = Acknowledgement(header.message_id, digest_of(notice), "accepted", (), None, now())
    receipt = sign(build_receipt(receipt_header, ack), _key(config, "UZ"))
    outgoing = OutgoingReceipt(receipt_header.message_id, "accepted", (), receipt, digest_of(receipt))
    arrival = Arrival(
        header.message_id, "KZ", header.profile, header.type, header.created, digest_of(notice), notice,
        outgoing, (),
    )  # fmt: skip
    opened.write(inbox.record, arrival, now())
    return header.message_id


def bgw_verify(file: Path, trust: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", "verify", str(file), "--trust", str(trust)],
        capture_output=True,
        text=True,
        check=False,
        cwd=paths.ROOT,
    )


def _audit(opened: Store) -> list[tuple[str, str | None, str]]:
    return [
        (entry.event, entry.message_id, entry.detail)
        for entry in opened.read(lambda conn: list(journal.entries(conn)))
        if entry.event.startswith("console-")
    ]


def test_an_unknown_message_is_refused_404_with_its_reason(store: Any) -> None:
    async def scenario(client: Any, _: Context) -> None:
        await log_in(client, "viewer1")
        missing = "00000000-0000-4000-8000-00000000dead"
        page = await client.get(f"/messages/{missing}")
        assert page.status == 404
        assert "message-unknown" in await page.text() and missing in await page.text()
        api = await client.get(f"/api/messages/{missing}")
        assert api.status == 404
        assert (await api.json())["error"]["reason"] == "message-unknown"
        evidence = await client.get(f"/messages/{missing}/evidence")
        assert evidence.status == 404

    run(store, scenario)
    assert [event for event, _, _ in _audit(store[1])] == ["console-login"]  # nothing found, nothing viewed


def test_nobody_logged_in_is_sent_to_the_login_page(store: Any) -> None:
    message_id = receive(*store)

    async def scenario(client: Any, _: Context) -> None:
        for path in (f"/messages/{message_id}", f"/messages/{message_id}/evidence"):
            response = await client.get(path, allow_redirects=False)
            assert response.status == 303
            assert response.headers["Location"] == f"/login?next={path}"
        assert (await client.get(f"/api/messages/{message_id}")).status == 401

    run(store, scenario)


def test_a_viewer_opens_the_message_and_the_view_is_audited(store: Any) -> None:
    message_id = receive(*store)

    async def scenario(client: Any, _: Context) -> None:
        await log_in(client, "viewer1")
        log = await (await client.get("/")).text()
        assert f'href="/messages/{message_id}"' in log  # the log links to the page
        page = await client.get(f"/messages/{message_id}")
        assert page.status == 200
        html = await page.text()
        assert "Подпись верна: сторона KZ" in html
        article = PROFILES["kz-uz-border-2024"].types["crossing-restriction"].article
        assert f"Статья {article}" in html
        assert f'href="/messages/{message_id}/evidence"' in html
        assert 'class="timeline"' in html and "Квитанция отправлена" not in html  # not published yet
        assert "style=" not in html  # strict CSP: no inline styles
        api = await (await client.get(f"/api/messages/{message_id}")).json()
        assert api["signature"]["verified"] is True and api["signature"]["side"] == "KZ"
        roles = [cert["role"] for cert in api["signature"]["chain"]]
        assert roles == ["signer", "anchor"]
        assert re.fullmatch(r"[0-9a-f]{64}", api["signature"]["chain"][0]["fingerprint"])
        kinds = [event["kind"] for event in api["timeline"]]
        assert kinds[:2] == ["created", "received"] and "accessed" in kinds
        assert api["renderings"][0]["lang"] == "ru"
        assert "message-actions" not in html and "/compose?" not in html  # a viewer writes nothing
        await log_in(client, "admin1")  # may compose, but one does not supersede what the peer sent
        html = await (await client.get(f"/messages/{message_id}")).text()
        assert "Подпись верна: сторона KZ" in html and "/compose?" not in html

    run(store, scenario)
    viewed = [(event, mid) for event, mid, detail in _audit(store[1]) if '"by":"viewer1"' in detail]
    assert viewed.count(("console-viewed", message_id)) == 2  # the page and its JSON twin


@pytest.mark.parametrize(
    ("lang", "label", "note"),
    [
        ("uz", "Cheklash asosi: epizootiya", "rus tilidagi matn ustun kuchga ega"),
        ("az", "Məhdudiyyətin əsası: epizootiya", "rus dilindəki mətn üstün qüvvəyə malikdir"),
    ],
)
def test_an_uzbek_or_azerbaijani_viewer_reads_the_notice_in_their_language(
    store: Any, lang: str, label: str, note: str
) -> None:
    """The form in the viewer's language beside the Russian one, which prevails and the page says so;
    the signed XML stays on the page. Before, these viewers saw the Russian form alone."""
    message_id = receive(*store)

    async def scenario(client: Any, _: Context) -> None:
        await log_in(client, "viewer1")
        client.session.cookie_jar.update_cookies({"bgw_lang": lang})
        html = await (await client.get(f"/messages/{message_id}")).text()
        forms = re.findall(r'<figure class="form" lang="(\w+)">.*?<pre tabindex="0">(.*?)</pre>', html, re.S)
        assert [code for code, _ in forms] == ["ru", lang]
        assert label in forms[1][1] and label not in forms[0][1]
        assert "Основание ограничения: эпизоотия" in forms[0][1]
        assert note in html and 'class="raw"' in html
        api = await (await client.get(f"/api/messages/{message_id}")).json()
        assert [form["lang"] for form in api["renderings"]] == ["ru", lang]
        assert label in api["renderings"][1]["text"]

    run(store, scenario)


def test_a_reply_that_closed_no_obligation_is_linked_from_the_notice(store: Any) -> None:
    """The notice owed no reply (nothing was open to close), yet this node answered it: the notice's
    page and its JSON twin link the answer as a reply, found by the InReplyTo stored with it."""
    config, opened = store
    message_id = receive(config, opened)
    answer = Signed(str(uuid.uuid4()), b"<answer/>", "e" * 64, now())
    opened.write(
        outbox.add, answer, peer="KZ", profile="kz-uz-border-2024", message_type="crossing-restriction",
        submission_key=None, at=now(), in_reply_to=message_id,
    )  # fmt: skip

    async def scenario(client: Any, _: Context) -> None:
        await log_in(client, "viewer1")
        api = await (await client.get(f"/api/messages/{message_id}")).json()
        assert [(link["role"], link["message_id"]) for link in api["links"]] == [
            ("reply", answer.document_id)
        ]
        html = await (await client.get(f"/messages/{message_id}")).text()
        assert f'href="/messages/{answer.document_id}"' in html

    run(store, scenario)


def test_a_stored_message_that_no_longer_reads_is_refused_with_its_reason(store: Any) -> None:
    async def scenario(client: Any, _: Context) -> None:
        await log_in(client, "viewer1")
        response = await client.get("/api/messages/00000001-0000-4000-8000-000000000000")
        assert response.status == 409
        assert (await response.json())["error"]["reason"] == "message-unreadable"

    run(store, scenario)


def _download(store: Any, message_id: str, folder: Path) -> Path:
    saved: list[bytes] = []

    async def scenario(client: Any, _: Context) -> None:
        await log_in(client, "viewer1")
        response = await client.get(f"/messages/{message_id}/evidence")
        assert response.status == 200, await response.text()
        assert response.headers["Content-Disposition"] == f'attachment; filename="evidence-{message_id}.xml"'
        saved.append(await response.read())

    run(store, scenario)
    path = folder / f"evidence-{message_id}-{len(list(folder.iterdir()))}.xml"
    path.write_bytes(saved[0])
    return path


def test_the_evidence_verifies_offline_and_not_after_one_byte_changed(store: Any, tmp_path: Path) -> None:
    config, opened = store
    message_id = receive(config, opened)
    path = _download(store, message_id, tmp_path)
    done = bgw_verify(path, Path(config.trust))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("verified: kz-uz-border-2024 evidence ") and "signed by side UZ" in lines[0]
    assert re.match(rf"  notice +{message_id} signed by side KZ$", lines[1])
    assert re.match(r"  receipt +[0-9a-f-]{36} signed by side UZ$", lines[2])
    head = opened.read(lambda conn: list(journal.entries(conn)))[-1]
    first = opened.read(lambda conn: min(e.seq for e in journal.entries(conn) if e.message_id == message_id))
    assert lines[3].startswith(f"  chain: entries {first}..{head.seq} intact, head {head.seq} {head.hash}")
    assert head.event == "console-evidence" and head.message_id == message_id  # its own export is in it

    data = bytearray(path.read_bytes())
    at = data.index(b"<Entry ") + 200  # inside the log entries, under the node's signature
    data[at] = data[at] ^ 0x01
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(bytes(data))
    refused = bgw_verify(tampered, Path(config.trust))
    assert refused.returncode != 0
    assert re.search(r"signature|digest|xml-", refused.stderr), refused.stderr


def _forge_entry(opened: Store, message_id: str) -> None:
    """Someone with the database owner's rights disables the append-only guard and rewrites history."""
    with opened.engine.begin() as conn:
        if opened.postgres:
            conn.execute(text("ALTER TABLE log DISABLE TRIGGER log_append_only"))
        else:
            conn.execute(text("DROP TRIGGER log_no_update"))
        conn.execute(
            text(
                "UPDATE log SET detail = :detail"
                " WHERE seq = (SELECT MIN(seq) FROM log WHERE message_id = :id)"
            ),
            {"detail": '{"status":"rejected"}', "id": message_id},
        )


def test_the_evidence_fails_when_a_log_entry_it_carries_was_altered(store: Any, tmp_path: Path) -> None:
    config, opened = store
    message_id = receive(config, opened)
    _forge_entry(opened, message_id)
    path = _download(store, message_id, tmp_path)  # the node signs what it reads, honestly
    refused = bgw_verify(path, Path(config.trust))
    assert refused.returncode != 0
    assert "log-chain-broken" in refused.stderr
    assert "content does not match its hash" in refused.stderr


def test_a_signature_that_no_longer_verifies_shows_its_refusal(store: Any) -> None:
    message_id = receive(*store)
    later = now() + timedelta(days=4000)  # past the node certificates' validity

    async def scenario(client: Any, _: Context) -> None:
        await log_in(client, "viewer1")
        page = await client.get(f"/messages/{message_id}")
        assert page.status == 200
        assert "Подпись сейчас не проходит проверку (код certificate-expired)." in await page.text()
        api = await (await client.get(f"/api/messages/{message_id}")).json()
        assert api["signature"]["verified"] is False and api["signature"]["reason"] == "certificate-expired"

    run_at(store, scenario, clock=lambda: later)


def test_an_export_longer_than_one_file_holds_is_refused_not_cut(
    store: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    message_id = receive(*store)
    monkeypatch.setattr(
        evidence, "MAX_CHAIN_ENTRIES", 2
    )  # the log since the notice: 3 entries with the export

    async def scenario(client: Any, _: Context) -> None:
        await log_in(client, "viewer1")
        response = await client.get(
            f"/messages/{message_id}/evidence", headers={"Accept": "application/json"}
        )
        assert response.status == 413
        refusal = (await response.json())["error"]
        assert (
            refusal["reason"] == "evidence-too-large"
            and "holds 3 entries, more than the 2" in refusal["message"]
        )

    run(store, scenario)
    assert [event for event, _, _ in _audit(store[1])] == [
        "console-login"
    ]  # the refused export left no entry


# -- in real headless Chromium, against real nodes on the real broker ------------------------------

COORDINATION = paths.SAMPLES / "kz-uz-border-2024" / "crossing-coordination-request.xml"


async def _uz_sends(world: World) -> str:
    await wait_for_consumer(world, "KZ")
    await wait_for_consumer(world, "UZ")
    async with National(world, "UZ") as uz:
        key = await uz.submit(submission(COORDINATION, "KZ"))
        (answer,) = await uz.wait_answers([key])
    assert answer["status"] == "accepted", answer
    return str(answer["message_id"])


async def _kz_replies(world: World, request_id: str) -> str:
    async with National(world, "KZ") as kz:
        reply = submission(paths.SAMPLES / "kz-uz-border-2024" / "coordination-reply.xml", "UZ")
        reply["in_reply_to"] = request_id
        (answer,) = await kz.wait_answers([await kz.submit(reply)])
    assert answer["status"] == "accepted", answer
    return str(answer["message_id"])


def _open_when_receipted(page: Page, url: str) -> None:
    """Open the page once this node's receipt of the notice is published (its timeline says so)."""
    for _ in range(50):
        page.goto(url)
        if page.locator("table.timeline-table tr.k-receipt-sent").count():
            return
        page.wait_for_timeout(200)
    raise AssertionError("the receipt was never published")


def _download_and_verify(page: Page, world: World, folder: Path, message_id: str) -> list[str]:
    with page.expect_download() as started:
        page.click("p.evidence a.button")
    download = started.value
    assert download.suggested_filename == f"evidence-{message_id}.xml"
    folder.mkdir(exist_ok=True)
    path = folder / download.suggested_filename
    download.save_as(path)
    done = bgw_verify(path, world.root / "pki")
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def test_message_page_in_the_browser_signature_timeline_obligations_evidence_kazakh(
    world: World, browser: Browser, tmp_path: Path
) -> None:
    port = free_port()
    kz = world.node("KZ", ("UZ",), console_port=port)
    uz = world.node("UZ", ("KZ",))
    add_user(kz.config, "aigerim", "viewer")
    kz.start()
    uz.start()
    base, shots = f"http://127.0.0.1:{port}", tmp_path / "screenshots"
    shots.mkdir()
    page = browser.new_page(locale="ru-RU", viewport={"width": 1400, "height": 900}, accept_downloads=True)
    _wait_ready(page, base)
    with ThreadPoolExecutor(1) as aside:  # Playwright's sync API holds this thread's event loop
        message_id = aside.submit(asyncio.run, _uz_sends(world)).result()
    page.goto(f"{base}/messages/{message_id}")
    assert page.url.startswith(f"{base}/login?next=/messages/{message_id}")
    page.fill("#name", "aigerim")
    page.fill("#password", PASSWORD)
    page.click("form.login button[type=submit]")
    page.wait_for_url(f"{base}/messages/{message_id}")
    _open_when_receipted(page, f"{base}/messages/{message_id}")

    kind = PROFILES["kz-uz-border-2024"].types["crossing-coordination-request"]
    assert page.locator("h1").inner_text() == kind.title["ru"]
    assert page.locator("dd.article").inner_text() == f"Статья {kind.article}"
    assert page.locator("p.verified").inner_text().startswith("Подпись верна: сторона UZ")
    certs = page.locator("table.certs tbody tr")
    assert certs.count() == 2 and "C=UZ" in certs.nth(0).inner_text()
    assert re.search(r"[0-9a-f]{64}", certs.nth(0).inner_text())
    assert (
        page.locator("svg.timeline g.event").count() == page.locator("table.timeline-table tbody tr").count()
    )
    assert page.locator("table.timeline-table tr.k-received").count() == 1
    reply = page.locator("table.obligations tbody tr", has_text="Ответ")
    assert reply.locator(".source").inner_text() == "default"
    assert "по умолчанию шлюза, соглашением не установлен" in reply.inner_text()
    assert re.fullmatch(r"через (2 д 2[23]|3 д 0) ч", reply.locator(".countdown").inner_text())
    assert "KZ" in reply.inner_text()  # the receiving side owes the reply
    shot(page, shots, "message-ru")
    page.clock.install()  # the page's clock, driven from here: two hours pass, the countdown follows
    page.reload()
    page.clock.fast_forward("02:00:00")
    assert re.fullmatch(r"через 2 д 2[0-2] ч", reply.locator(".countdown").inner_text())

    lines = _download_and_verify(page, world, tmp_path, message_id)
    assert "evidence" in lines[0] and "signed by side KZ" in lines[0]
    assert re.match(rf"  notice +{message_id} signed by side UZ$", lines[1])
    assert re.match(r"  receipt +[0-9a-f-]{36} signed by side KZ$", lines[2])
    assert re.match(r"  chain: entries \d+\.\.\d+ intact, head \d+ [0-9a-f]{64}", lines[3])

    page.select_option("#lang-choice", "kk")
    page.click("form.lang button[type=submit]")
    page.wait_for_url(f"{base}/messages/{message_id}")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert page.locator("h1").inner_text() == kind.title["kk"]
    assert page.locator("dd.agreement").inner_text() == PROFILES["kz-uz-border-2024"].title["kk"]
    assert page.locator("dd.article").inner_text() == f"{kind.article}-бап"
    assert page.locator("figure.form[lang=kk] pre").inner_text().startswith(kind.title["kk"])
    shot(page, shots, "message-kk")

    # KZ's national system replies: the page links the reply, the duty is fulfilled, the evidence
    # carries the reply signed by KZ.
    with ThreadPoolExecutor(1) as aside:
        reply_id = aside.submit(asyncio.run, _kz_replies(world, message_id)).result()
    page.reload()
    link = page.locator("ul.links li", has_text=reply_id)
    assert link.inner_text().startswith("Жауап:")
    assert link.locator("a").get_attribute("href") == f"/messages/{reply_id}"
    assert "орындалды" in page.locator("table.obligations tbody tr", has_text="Жауап").inner_text()
    assert page.locator("table.obligations .countdown").count() == 0  # nothing open: no clock runs
    lines = _download_and_verify(page, world, tmp_path / "again", message_id)
    assert any(re.match(rf"  reply +{reply_id} signed by side KZ$", line) for line in lines), lines
    shot(page, shots, "message-replied-kk")

    kz.stop()
    with node_store(world, "KZ") as store:
        entries = store.read(lambda conn: list(journal.entries(conn)))
    audited = [(e.event, e.message_id) for e in entries if '"by":"aigerim"' in e.detail]
    assert ("console-viewed", message_id) in audited and ("console-evidence", message_id) in audited
