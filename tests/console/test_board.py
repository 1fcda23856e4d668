"""The obligations board and the escalations page in process, on SQLite and PostgreSQL (aiohttp's
test server, no broker): the board's order (soonest due first), overdue marking, the agreement's
deadline told from ours, the rung reached and the next; the answer link of a reply we owe; acting on
an escalation takes an operator, a resolution takes a note (the refusal names the field), and both
acts are audited with the console user as actor."""

from __future__ import annotations

import asyncio
import json
import re
from datetime import timedelta
from typing import Any

from aiohttp.test_utils import TestClient, TestServer

from gateway.console import app
from gateway.console.context import Context
from gateway.console.countdown import parts
from gateway.console.passwords import hash_password
from gateway.lifecycle import Direction
from gateway.profiles import Channel, Source
from gateway.roles import Role
from gateway.rules.deadlines import Deadline, Duty
from gateway.rules.ladder import climb
from gateway.store import Tx, escalations, journal, obligations, users
from gateway.store.obligations import NewObligation
from gateway.store.rows import Signed
from gateway.store.rungs import Step, escalate
from gateway.wire.trust import TrustStore
from tests.console.test_app import NOW, PASSWORD, PROFILES, csrf_of, log_in, run, store

__all__ = ["store"]
LINK = "KZ/kz-uz-border-2024"
PROFILE = "kz-uz-border-2024"
PROPOSAL = "aaaaaaaa-0000-4000-8000-000000000001"  # we owe a reply within 48 h (text), 27 h left
INCIDENT = "aaaaaaaa-0000-4000-8000-000000000002"  # the peer owes a receipt (default), 2 h overdue
LATE = "aaaaaaaa-0000-4000-8000-000000000003"  # we owe a reply, 30 min overdue, at the first rung
ANSWERED = "aaaaaaaa-0000-4000-8000-000000000004"  # closed: never on the board


def _owed(message_id: str, direction: Direction, duty: Duty, due: timedelta, source: Source) -> NewObligation:
    expects = "joint-meeting-reply" if duty is Duty.REPLY else None
    kind = "joint-meeting-proposal" if duty is Duty.REPLY else "marker-incident"
    deadline = Deadline(duty, NOW + due, "40(1)", source, "48 h after receipt", expects=expects)
    owner = "UZ" if direction is Direction.IN else "KZ"
    return NewObligation(direction, message_id, "KZ", PROFILE, kind, owner, deadline, NOW + due, Channel.BR)


def _seed(tx: Tx) -> None:
    obligations.open_obligations(
        tx,
        [
            _owed(PROPOSAL, Direction.IN, Duty.REPLY, timedelta(hours=27), Source.TEXT),
            _owed(INCIDENT, Direction.OUT, Duty.RECEIPT, timedelta(hours=-2), Source.DEFAULT),
            _owed(LATE, Direction.IN, Duty.REPLY, timedelta(minutes=-30), Source.TEXT),
            _owed(ANSWERED, Direction.IN, Duty.REPLY, timedelta(hours=-5), Source.TEXT),
        ],
        NOW - timedelta(days=1),
    )
    obligations.close(
        tx, ANSWERED, "bbbbbbbb-0000-4000-8000-000000000004", NOW, direction=Direction.IN, duty="reply"
    )
    (late,) = [item for item in obligations.due(tx.conn, NOW, 10) if item.message_id == LATE]
    ladder = PROFILES[PROFILE].ladder_of(late.type, late.channel)
    escalate(tx, [Step(late, climb(ladder, late.level, NOW - timedelta(minutes=10)))], NOW)


def _prepare(found: Any) -> None:
    _, opened = found
    opened.write(_seed)
    opened.write(users.add, "operator1", Role.OPERATOR, hash_password(PASSWORD), NOW)


def test_countdown_parts() -> None:
    assert parts(27 * 3600 + 59) == [("d", 1), ("h", 3)]
    assert parts(2 * 3600 + 5 * 60) == [("h", 2), ("min", 5)]
    assert parts(59) == [("min", 0)]


def test_the_board_orders_marks_and_names_the_rungs(store: Any) -> None:
    _prepare(store)

    async def scenario(client: Any, _: Context) -> None:
        assert (await log_in(client, "viewer1")).status == 303
        body = await (await client.get("/api/board")).json()
        items = body["items"]
        assert [i["message_id"] for i in items] == [INCIDENT, LATE, PROPOSAL], "soonest due first"
        assert [i["overdue"] for i in items] == [True, True, False]
        assert [i["source"] for i in items] == ["default", "text", "text"]
        assert body["total"] == 3 and body["limit"] == 200
        incident, late, proposal = items
        assert (late["rung"], late["next_rung"]) == ("duty-operator", "border-representative")
        assert late["level"] == 0 and late["next_at"] is not None
        assert (proposal["rung"], proposal["next_rung"]) == (None, "duty-operator")
        assert proposal["answer"] == (f"/compose?link={LINK}&type=joint-meeting-reply&in_reply_to={PROPOSAL}")
        assert incident["answer"] is None, "the peer owes it: nothing for us to write"
        assert (proposal["article"], proposal["channel"], proposal["link"]) == ("40(1)", "BR", LINK)

        ours = await (await client.get("/api/board?direction=in")).json()
        assert [i["message_id"] for i in ours["items"]] == [LATE, PROPOSAL]
        late_only = await (await client.get("/api/board?overdue=1&direction=in")).json()
        assert [i["message_id"] for i in late_only["items"]] == [LATE]
        for bad in ("link=XX/none", "direction=up", "overdue=yes"):
            refused = await client.get(f"/api/board?{bad}")
            assert refused.status == 400 and (await refused.json())["error"]["reason"] == "usage-invalid"
            assert bad.split("=")[0] in (await refused.json())["error"]["message"]

        page = await (await client.get("/board")).text()
        assert "через 1 д 3 ч" in page and "просрочено на 2 ч" in page and "просрочено на 30 мин" in page
        assert "срок соглашения" in page and "наш срок" in page
        assert "дежурный оператор" in page and "пограничный представитель" in page
        assert ANSWERED not in page
        assert page.index(LATE) < page.index(PROPOSAL), "in each section, soonest due first"
        assert f'href="/messages/{PROPOSAL}"' in page
        assert 'data-now="2026-11-30T09:00:00.000Z"' in page
        assert "/compose?" not in page, "a viewer cannot compose: no answer link"
        assert (await log_in(client, "operator1")).status == 303
        page = await (await client.get("/board")).text()
        assert f"/compose?link={LINK}&amp;type=joint-meeting-reply&amp;in_reply_to={PROPOSAL}" in page

    run(store, scenario)


async def _post(client: Any, path: str, note: str | None = None, **headers: str) -> Any:
    token = await csrf_of(client, "/escalations")
    data = {"csrf": token, **({"note": note} if note is not None else {})}
    return await client.post(path, data=data, headers=headers, allow_redirects=False)


def test_acting_on_an_escalation_takes_an_operator_and_a_note(store: Any) -> None:
    _prepare(store)
    _, opened = store
    (escalation,) = opened.read(escalations.listing)

    async def scenario(client: Any, _: Context) -> None:
        assert (await log_in(client, "viewer1")).status == 303
        page = await (await client.get("/escalations")).text()
        assert f"Эскалация № {escalation.id}" in page and "дежурный оператор" in page
        assert "/ack" not in page, "a viewer sees no buttons"
        refused = await _post(client, f"/escalations/{escalation.id}/ack")
        assert refused.status == 403 and "role-insufficient" in await refused.text()
        await client.post("/logout", data={"csrf": await csrf_of(client, "/escalations")})

        assert (await log_in(client, "operator1")).status == 303
        unnoted = await _post(client, f"/escalations/{escalation.id}/resolve", "  ")
        text = await unnoted.text()
        assert unnoted.status == 400 and "Поле «Примечание»" in text and 'aria-invalid="true"' in text
        as_json = await _post(client, f"/escalations/{escalation.id}/resolve", Accept="application/json")
        assert as_json.status == 400
        assert (await as_json.json())["error"] == {
            "reason": "usage-invalid",
            "message": "Недопустимое значение параметра «note».",
        }
        too_long = await _post(client, f"/escalations/{escalation.id}/ack", "x" * 1001)
        assert too_long.status == 400 and "не более 1000 символов" in await too_long.text()
        acked = await _post(client, f"/escalations/{escalation.id}/ack")
        assert acked.status == 303 and acked.headers["Location"].startswith("/escalations?done=acknowledged")
        again = await _post(client, f"/escalations/{escalation.id}/ack")
        assert again.status == 409 and "escalation-transition-invalid" in await again.text()
        unknown = await _post(client, "/escalations/999999/ack")
        assert unknown.status == 404 and "escalation-unknown" in await unknown.text()
        note = "передано в МИД, нота 14/2026"
        resolved = await _post(client, f"/escalations/{escalation.id}/resolve", note)
        assert resolved.status == 303
        shown = await (await client.get(resolved.headers["Location"])).text()
        assert f"Эскалация № {escalation.id} урегулирована." in shown
        assert "Открытых эскалаций нет." in shown
        missing = await client.get(f"/escalations/{escalation.id}/dossier")
        assert missing.status == 404, "no dossier below the diplomatic level"

    run(store, scenario)
    acts = [
        (entry.event, json.loads(entry.detail))
        for entry in opened.read(lambda conn: list(journal.entries(conn)))
        if entry.event.startswith("escalation-")
    ]
    assert [(event, detail["by"]) for event, detail in acts] == [
        ("escalation-acknowledged", "operator1"),
        ("escalation-resolved", "operator1"),
    ]
    assert acts[1][1]["note"] == "передано в МИД, нота 14/2026"
    assert re.fullmatch(r"\d+", str(acts[0][1]["escalation"]))


def test_a_dossier_that_does_not_verify_says_so_in_place(store: Any) -> None:
    """A dossier whose bytes are not a signed document: downloaded as stored; verified in place with
    the node's trust store, the page shows the failure line and says the dossier does not verify."""
    _prepare(store)
    config, opened = store
    (escalation,) = opened.read(escalations.listing)
    forged = Signed("cccccccc-0000-4000-8000-000000000009", b"<Dossier>not signed</Dossier>", "0" * 64, NOW)
    opened.write(lambda tx: escalations.add_dossier(tx.conn, forged, escalation.id, LATE, NOW))
    context = Context(
        config,
        config.console,
        opened,
        lambda: NOW,
        PROFILES,
        lambda: True,
        trust=TrustStore.from_dir(config.trust),
    )

    async def main() -> None:
        async with TestClient(TestServer(app.build(context))) as client:
            assert (await log_in(client, "viewer1")).status == 303
            page = await (await client.get("/escalations")).text()
            assert f'href="/escalations/{escalation.id}/dossier"' in page
            download = await client.get(f"/escalations/{escalation.id}/dossier")
            assert download.status == 200 and await download.read() == forged.payload
            assert forged.document_id in download.headers["Content-Disposition"]
            checked = await (await client.get(f"/escalations?verify={escalation.id}")).text()
            assert "Досье не прошло проверку." in checked
            assert re.search(r'<pre class="verified"[^>]*>FAILED: [a-z-]+: ', checked), checked
            bad = await client.get("/escalations?verify=x1")
            assert bad.status == 400 and "«verify»" in await bad.text()

    asyncio.run(main())
