"""The node's event log: one JSON line per event that matters. A sweep that finds nothing due says
nothing (APScheduler's "Running job" / "executed successfully" pair, every sweep_interval_s, would
bury the events); an escalation still shows, and so do APScheduler's own warnings."""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from gateway import paths
from gateway.node import logs
from gateway.node.clock import move
from gateway.store.schema import obligations
from tests.node.harness import National, World, node_store, submission, wait_for_consumer, wait_until

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "marker-incident.xml"
SCHEDULER_CHATTER = ("Running job", "executed successfully")


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    saved = root.handlers[:], root.level, logging.getLogger("apscheduler").level
    try:
        yield
    finally:
        root.handlers[:], root.level = saved[0], saved[1]
        logging.getLogger("apscheduler").setLevel(saved[2])


@pytest.mark.usefixtures("restored_logging")
def test_apscheduler_speaks_from_warning_up() -> None:
    logs.setup()
    executor = logging.getLogger("apscheduler.executors.default")
    assert not executor.isEnabledFor(logging.INFO)
    assert executor.isEnabledFor(logging.WARNING)
    assert logging.getLogger("gateway.sweep").isEnabledFor(logging.INFO)


def receipt_duty(world: World, message_id: str) -> Any:
    with node_store(world, "KZ") as store, store.engine.connect() as conn:
        return conn.execute(
            select(obligations).where(
                (obligations.c.message_id == message_id) & (obligations.c.duty == "receipt")
            )
        ).one_or_none()


def events(world: World) -> list[dict[str, Any]]:
    text = world.nodes["KZ"].log.read_text(encoding="utf-8")
    return [json.loads(line) for line in text.splitlines() if line.startswith("{")]


async def sweeps(world: World) -> None:
    shift = world.root / "clock-shift"
    node = world.node("KZ", ("UZ",), delivery={"sweep_interval_s": 0.1}, clock_shift=shift)
    node.start()
    await wait_for_consumer(world, "KZ")
    async with National(world, "KZ") as kz:  # no UZ node: the receipt never comes
        [answer] = await kz.wait_answers([await kz.submit(submission(SAMPLE, "UZ"))])
    duty = wait_until(lambda: receipt_duty(world, answer["message_id"]), "KZ opens the receipt duty")
    await asyncio.sleep(1.5)  # some fifteen sweeps with nothing due
    move(shift, (duty.due_at.replace(tzinfo=UTC) + timedelta(seconds=1) - datetime.now(UTC)).total_seconds())
    escalated = wait_until(
        lambda: [e for e in events(world) if e["event"] == "escalated"], "the missing receipt is escalated"
    )
    assert escalated[0]["message_id"] == answer["message_id"], escalated
    assert escalated[0]["level"] == "warning" and escalated[0]["logger"] == "gateway.sweep"
    chatter = [e for e in events(world) if any(words in e["event"] for words in SCHEDULER_CHATTER)]
    assert chatter == [], chatter[:2]


def test_quiet_sweeps_write_nothing_and_an_escalation_is_logged(world: World) -> None:
    asyncio.run(sweeps(world))
