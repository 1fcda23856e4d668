"""An escalation is never silent: when the broker refuses its event (here the national events queue
is unbound, so the publish comes back unroutable), the rung stays recorded as unannounced and every
sweep offers it again; once the national system can be reached, the event arrives — once, with the
escalation's id — and the row is marked announced."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import select

from gateway import paths
from gateway.store.schema import escalations
from tests.node.harness import National, World, node_store, submission, wait_for_consumer, wait_until
from tests.test_cli import bgw

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "marker-incident.xml"
SCALE = 0.0005  # the receipt is due after 15 min → 0.45 s; the next rung after 4 h → 7.2 s


def rungs(world: World) -> list[Any]:
    with node_store(world, "KZ") as store, store.engine.connect() as conn:
        return list(conn.execute(select(escalations).order_by(escalations.c.id)))


async def scenario(world: World) -> None:
    uz = world.node("UZ", ("KZ",))
    uz.start()
    await wait_for_consumer(world, "UZ")
    uz.stop()  # its queues stay; no receipt will come
    kz = world.node("KZ", ("UZ",), delivery={"time_scale": SCALE, "sweep_interval_s": 0.2})
    kz.start()
    await wait_for_consumer(world, "KZ")
    async with National(world, "KZ") as national:
        await national.unbind("bgw.KZ.events", "bgw.KZ.national", "event.#")  # nothing can be told
        await national.submit(submission(SAMPLE, "UZ"))
        wait_until(lambda: len(rungs(world)) >= 1, "the missing receipt reaches the duty operator")
        wait_until(
            lambda: kz.tail(400).count('"event not published"') >= 2,
            "the refused event is offered again by a later sweep",
        )
        first = rungs(world)[0]
        assert (first.level, first.announced_at) == ("duty-operator", None)
        untold = bgw("escalations", "list", "--config", str(kz.config)).stdout.decode()
        assert f"#{first.id} open" in untold and "event not yet confirmed" in untold, untold

        await national.bind("bgw.KZ.events", "bgw.KZ.national", "event.#")
        got = await national.drain("bgw.KZ.events", until=1, timeout=30)
        event = json.loads(got[0].body)
        assert (event["event"], event["detail"]["escalation_id"], event["detail"]["level"]) == (
            "escalation",
            first.id,
            "duty-operator",
        )
        assert (event["detail"]["duty"], event["detail"]["owed_by"], event["detail"]["source"]) == (
            "receipt",
            "peer",
            "default",
        )
        wait_until(lambda: rungs(world)[0].announced_at is not None, "the rung is marked announced")
        told_line = [
            line
            for line in bgw("escalations", "list", "--config", str(kz.config)).stdout.decode().splitlines()
            if line.startswith(f"#{first.id} ")
        ]
        assert told_line and "not yet confirmed" not in told_line[0], told_line
        later = [json.loads(m.body) for m in await national.drain("bgw.KZ.events", idle=2)]
        told = [e["detail"]["escalation_id"] for e in [event, *later] if e["event"] == "escalation"]
        assert len(told) == len(set(told)), f"an announced rung is not announced again: {told}"


def test_an_escalation_the_broker_refused_is_announced_later(world: World) -> None:
    asyncio.run(scenario(world))
