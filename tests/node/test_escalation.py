"""Escalation between two running nodes, on one moved clock (the nodes read a shift file; the test
writes it instead of sleeping): KZ proposes two joint meetings to UZ (Art. 40(1): reply within 48 h
of receipt). Both go unanswered past their due time: each reaches the duty operator on both sides and
KZ sends UZ a signed reminder (Art. 42(2)). UZ answers the second: its obligation closes and its ladder
stops. KZ is killed; the clock moves past the next rung; the restarted KZ reaches the border
representative for the first proposal, without repeating the duty operator; then the diplomatic
level, with a signed dossier that `bgw verify` accepts, its notice, receipt and reminder inside."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gateway import paths
from gateway.node.clock import move
from gateway.store.schema import escalations, obligations
from gateway.wire.dossier import DOSSIER_LIMITS
from gateway.wire.envelope import format_time, parse_time, read_header
from gateway.wire.parsing import parse
from tests.node.harness import National, World, node_store, submission, wait_for_consumer, wait_until
from tests.test_cli import bgw

SAMPLES = paths.SAMPLES / "kz-uz-border-2024"
SETTINGS = {"sweep_interval_s": 0.2, "time_scale": 0.01}  # ladder delays of 4 h and 24 h: 144 s, 14.4 min


def ladder_rows(world: World, side: str, message_id: str) -> tuple[Any, list[Any]]:
    """The reply obligation of *message_id* on *side* (None: not opened yet), and the rungs it reached."""
    with node_store(world, side) as store, store.engine.connect() as conn:
        row = conn.execute(
            select(obligations).where(
                (obligations.c.message_id == message_id) & (obligations.c.duty == "reply")
            )
        ).one_or_none()
        if row is None:
            return None, []
        rungs = conn.execute(
            select(escalations).where(escalations.c.obligation_id == row.id).order_by(escalations.c.rung)
        ).all()
    return row, list(rungs)


def levels(world: World, side: str, message_id: str) -> list[str]:
    return [rung.level for rung in ladder_rows(world, side, message_id)[1]]


def set_clock(shift: Path, moment: datetime) -> None:
    """Make the nodes' clock read *moment* now (and run on from there)."""
    move(shift, (moment - datetime.now(UTC)).total_seconds())


async def events(national: National, side: str) -> list[dict[str, Any]]:
    return [json.loads(m.body) for m in await national.drain(f"bgw.{side}.events", idle=0.5)]


async def scenario(world: World) -> None:
    shift = world.root / "clock-shift"
    for side, peer in (("KZ", "UZ"), ("UZ", "KZ")):
        world.node(side, (peer,), delivery=SETTINGS, clock_shift=shift).start()
        await wait_for_consumer(world, side)
    async with National(world, "KZ") as kz, National(world, "UZ") as uz:
        proposal = submission(SAMPLES / "joint-meeting-proposal.xml", "UZ")
        answers = await kz.wait_answers([await kz.submit(proposal), await kz.submit(proposal)])
        first, second = (answer["message_id"] for answer in answers)
        await uz.drain("bgw.UZ.inbox", until=2, timeout=30)
        wait_until(
            lambda: all(ladder_rows(world, "KZ", m)[0] is not None for m in (first, second)),
            "KZ holds both reply duties (opened by UZ's receipts)",
        )
        due = max(ladder_rows(world, "KZ", m)[0].due_at for m in (first, second)).replace(tzinfo=UTC)
        await events(kz, "KZ")  # what came before the deadline

        # 1. Past the 48 h: the duty operator on both sides; KZ reminds UZ of each proposal.
        set_clock(shift, due + timedelta(seconds=1))
        for side in ("KZ", "UZ"):
            for message in (first, second):
                wait_until(
                    lambda s=side, m=message: levels(world, s, m) == ["duty-operator"], f"{side} rung 0"
                )
        reminders = [json.loads(m.body) for m in await uz.drain("bgw.UZ.inbox", until=2, timeout=30)]
        assert sorted(r["type"] for r in reminders) == ["reply-reminder", "reply-reminder"]
        assert {r["notice"]["body"]["MessageRef"] for r in reminders} == {first, second}, reminders
        assert {r["notice"]["body"]["Article"] for r in reminders} == {"40(1)"}
        published = [e for e in await events(kz, "KZ") if e["event"] == "escalation"]
        assert sorted(e["message_id"] for e in published) == sorted([first, second])
        assert all(
            e["detail"]["level"] == "duty-operator" and e["detail"]["owed_by"] == "peer" for e in published
        )
        assert {e["detail"]["channel"] for e in published} == {"BR"}  # Art. 40(1): border representatives

        # 2. UZ answers the second proposal: the obligation closes on both sides, its ladder stops.
        reply = submission(SAMPLES / "joint-meeting-reply.xml", "KZ")
        reply["in_reply_to"] = second
        [answered] = await uz.wait_answers([await uz.submit(reply)])
        assert answered["status"] == "accepted", answered
        wait_until(lambda: ladder_rows(world, "KZ", second)[0].state == "closed", "KZ closes the reply duty")
        assert ladder_rows(world, "UZ", second)[0].state == "closed"
        [handed] = [json.loads(m.body) for m in await kz.drain("bgw.KZ.inbox", until=1, timeout=30)]
        assert handed["message_id"] == answered["message_id"]
        assert parse_time(handed["notice"]["created"]) > due, "the reply is dated by UZ's (moved) clock"

        # 3. KZ dies; the clock passes the next rung of the first proposal; KZ comes back.
        world.nodes["KZ"].kill()
        row, _ = ladder_rows(world, "KZ", first)
        set_clock(shift, row.next_at.replace(tzinfo=UTC) + timedelta(seconds=1))
        world.nodes["KZ"].start()
        await wait_for_consumer(world, "KZ")
        wait_until(
            lambda: levels(world, "KZ", first) == ["duty-operator", "border-representative"],
            "KZ resumes at the border representative",
        )

        # 4. The diplomatic level: a dossier.
        row, _ = ladder_rows(world, "KZ", first)
        set_clock(shift, row.next_at.replace(tzinfo=UTC) + timedelta(seconds=1))
        wait_until(lambda: len(levels(world, "KZ", first)) == 3, "KZ reaches the diplomatic level")
        row, rungs = ladder_rows(world, "KZ", first)
        assert [r.level for r in rungs] == ["duty-operator", "border-representative", "diplomatic"]
        assert (row.level, row.next_at, row.state) == (2, None, "open"), "the top: nothing more to climb"
        assert levels(world, "KZ", second) == ["duty-operator"], "a closed obligation climbs no further"
        published = [e for e in await events(kz, "KZ") if e["event"] == "escalation"]
        assert [e["detail"]["level"] for e in published if e["message_id"] == first] == [
            "border-representative",
            "diplomatic",
        ]
        assert not [e for e in published if e["message_id"] == second]
        dossier_id = published[-1]["detail"]["dossier_id"]
        assert dossier_id
    world.stop_all()
    check_dossier(world, first, rungs[-1].id, dossier_id)
    act_on(world, rungs[-1].id)


def check_dossier(world: World, message_id: str, escalation_id: int, dossier_id: str) -> None:
    config = str(world.nodes["KZ"].config)
    out = world.root / "dossier.xml"
    exported = bgw("escalations", "dossier", str(escalation_id), "--config", config, "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    # The nodes ran on a clock moved days ahead: verify as of the dossier's own time, since a
    # Created beyond the verifier's clock (plus skew) is refused.
    compiled = format_time(read_header(parse(out.read_bytes(), DOSSIER_LIMITS)).created)
    checked = bgw("verify", str(out), "--trust", str(world.root / "pki"), "--at", compiled)
    assert checked.returncode == 0, checked.stderr
    text = checked.stdout.decode()
    lines = text.splitlines()
    assert f"dossier {dossier_id} signed by side KZ" in lines[0], lines
    roles = [line.split()[0] for line in lines[1:]]
    assert roles.count("notice") == 1 and roles.count("receipt") == 1 and roles.count("reminder") == 1, lines
    assert all("signed by side" in line for line in lines[1:]), lines
    assert message_id in text
    listed = bgw("escalations", "list", "--config", config, "--json")
    assert listed.returncode == 0, listed.stderr
    rows = [json.loads(line) for line in listed.stdout.decode().splitlines()]
    assert {r["level"] for r in rows if r["message_id"] == message_id} == {
        "duty-operator",
        "border-representative",
        "diplomatic",
    }


def test_an_unanswered_proposal_climbs_every_level_and_a_reply_stops_it(world: World) -> None:
    asyncio.run(scenario(world))


def act_on(world: World, escalation_id: int) -> None:
    """People acknowledge and resolve through the command line; the log keeps who and why."""
    config = str(world.nodes["KZ"].config)
    unnoted = bgw("escalations", "resolve", str(escalation_id), "--config", config)
    assert unnoted.returncode != 0 and b"usage-invalid" in unnoted.stderr, unnoted.stderr
    acked = bgw("escalations", "ack", str(escalation_id), "--config", config, "--by", "duty officer KZ")
    assert acked.returncode == 0 and b"acknowledged" in acked.stdout, acked.stderr
    again = bgw("escalations", "ack", str(escalation_id), "--config", config)
    assert b"escalation-transition-invalid" in again.stderr, again.stderr
    note = "handed to the Ministry of Foreign Affairs, note 14/2026"
    resolved = bgw("escalations", "resolve", str(escalation_id), "--config", config, "--note", note)
    assert resolved.returncode == 0 and note.encode() in resolved.stdout, resolved.stderr
    listed = bgw("escalations", "list", "--config", config, "--state", "resolved")
    assert f"#{escalation_id} resolved".encode() in listed.stdout, listed.stdout
    chain = bgw("log", "verify", "--config", config)
    assert chain.returncode == 0, chain.stderr
