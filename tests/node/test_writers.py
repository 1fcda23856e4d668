"""Several writers on one node's database: while KZ sends a stream of notices to UZ, an operator acts
on escalations from another process (`bgw escalations ack` and `resolve`, as the README says), on
SQLite and on PostgreSQL. Before the store took the log head inside each transaction, the first
operator act wedged the node (UNIQUE constraint failed: log.seq) into a storm of re-publishes.

Every notice is answered, sent once, receipted and handed over once; both logs verify; the node
logs no error."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import threading
import uuid
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from gateway import paths
from gateway.lifecycle import Direction
from gateway.profiles import load_profiles
from gateway.rules.deadlines import running_from_receipt
from gateway.rules.ladder import climb, first_at
from gateway.store import Store, journal, obligations, rungs
from gateway.store.obligations import NewObligation
from gateway.store.rungs import Step
from gateway.store.scratch import scratch_database
from tests.node.harness import National, World, node_store, submission, wait_for_consumer, wait_until

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "marker-incident.xml"
ESCALATIONS = 12  # each acknowledged, then resolved: 24 writes of another process


def seed_escalations(url: str, count: int) -> list[int]:
    """Open escalations in KZ's database, as a sweep would have reached them (the store's own calls)."""
    profile = load_profiles()["kz-uz-border-2024"]
    proposal = profile.types["joint-meeting-proposal"]
    ladder = profile.ladder_for(proposal)
    at = datetime.now(UTC) - timedelta(days=3)
    [deadline] = running_from_receipt(proposal, at)
    new = [
        NewObligation(Direction.OUT, str(uuid.uuid4()), "UZ", profile.id, proposal.name, "UZ", deadline,
                      first_at(ladder, deadline.due_at))
        for _ in range(count)
    ]  # fmt: skip
    store = Store.open(url)
    try:
        store.write(obligations.open_obligations, new, at)
        late = deadline.due_at + timedelta(seconds=1)
        due = store.read(obligations.due, late, count)
        steps = [Step(item, climb(ladder, item.level, late)) for item in due]
        return [done.id for done in store.write(rungs.escalate, steps, late)]
    finally:
        store.close()


def operator(config: Path, ids: list[int], failures: list[str]) -> None:
    """Acknowledge, then resolve, every escalation, one `bgw` process at a time."""
    for escalation_id in ids:
        for act in (
            ["ack", str(escalation_id)],
            ["resolve", str(escalation_id), "--note", "settled by phone"],
        ):
            done = subprocess.run(
                [sys.executable, "-m", "gateway.cli.main", "escalations", *act, "--config", str(config),
                 "--by", "duty officer"],
                capture_output=True, check=False, cwd=paths.ROOT, timeout=120,
            )  # fmt: skip
            if done.returncode != 0:
                failures.append(done.stderr.decode())


async def stream(world: World, kz: National, stop: threading.Event) -> list[str]:
    """Submit notices, ten a second, until the operator is done (and at least 40)."""
    document = submission(SAMPLE, "UZ")
    correlations: list[str] = []
    while not stop.is_set() or len(correlations) < 40:
        correlations.append(await kz.submit(document))
        await asyncio.sleep(0.1)
    return correlations


async def scenario(world: World, database_url: str | None) -> None:
    kz = world.node("KZ", ("UZ",), database_url=database_url)
    world.node("UZ", ("KZ",))
    url = database_url or f"sqlite:///{world.root / 'kz' / 'gateway.sqlite3'}"
    ids = seed_escalations(url, ESCALATIONS)
    for side in ("KZ", "UZ"):
        world.nodes[side].start()
        await wait_for_consumer(world, side)
    failures: list[str] = []
    done = threading.Event()

    def act() -> None:
        try:
            operator(kz.config, ids, failures)
        finally:
            done.set()

    async with National(world, "KZ") as kz_national, National(world, "UZ") as uz_national:
        acting = threading.Thread(target=act)
        acting.start()
        correlations = await stream(world, kz_national, done)
        acting.join(timeout=300)
        answers = await kz_national.wait_answers(correlations, timeout=120)
        assert {a["status"] for a in answers} == {"accepted"}, answers
        sent = [a["message_id"] for a in answers]
        inbox = await uz_national.drain("bgw.UZ.inbox", until=len(sent), timeout=120)
    assert failures == [], failures
    handed = Counter(json.loads(m.body)["message_id"] for m in inbox)
    assert handed == Counter(sent), "each notice handed over to UZ's national system once"
    wait_until(lambda: delivered(world) >= set(sent), "every notice receipted", timeout=120)
    check_logs(world, sent, ids)


def delivered(world: World) -> set[str]:
    with node_store(world, "KZ") as store, store.reading() as conn:
        return {e.message_id for e in journal.entries(conn) if e.event == "receipt-received" and e.message_id}


def check_logs(world: World, sent: list[str], ids: list[int]) -> None:
    with node_store(world, "KZ") as store:
        assert store.read(journal.verify)[1] is None
        with store.reading() as conn:
            entries = list(journal.entries(conn))
    sends = Counter(e.message_id for e in entries if e.event == "sent" and e.message_id in set(sent))
    assert set(sends.values()) == {1}, "each notice published once"
    acts = Counter(e.event for e in entries if e.event.startswith("escalation-"))
    assert acts == {"escalation-acknowledged": len(ids), "escalation-resolved": len(ids)}
    with node_store(world, "UZ") as store:
        assert store.read(journal.verify)[1] is None
    for side in ("KZ", "UZ"):
        world.nodes[side].stop()
        lines = [
            json.loads(line)
            for line in world.nodes[side].log.read_text().splitlines()
            if line.startswith("{")
        ]
        errors = [line for line in lines if line["level"] in ("error", "critical") or "traceback" in line]
        assert errors == [], errors[:3]


@pytest.mark.parametrize("database", ["sqlite", "postgresql"])
def test_an_operator_acts_while_the_node_sends(world: World, database: str) -> None:
    if database == "sqlite":
        asyncio.run(scenario(world, None))
        return
    with scratch_database("bgw_writers") as url:
        asyncio.run(scenario(world, url))
