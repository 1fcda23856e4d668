"""Two nodes as separate processes exchange notices through the real broker: submitted over the
national AMQP interface, signed, sent, received exactly once, receipted, logged."""

from __future__ import annotations

import asyncio
import json

from gateway import paths
from gateway.store import journal
from tests.node.harness import National, World, node_store, outbound_states, submission, wait_for_consumer
from tests.test_cli import bgw

__all__ = ["exchange", "outbound_states"]

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "marker-incident.xml"


async def exchange(world: World, count: int, *, create: bool = True) -> None:
    """KZ sends *count* notices to UZ; with create=False the test has configured KZ itself."""
    kz = world.node("KZ", ("UZ",)) if create else world.nodes["KZ"]
    uz = world.node("UZ", ("KZ",))
    kz.start()
    uz.start()
    await wait_for_consumer(world, "KZ")
    await wait_for_consumer(world, "UZ")
    document = submission(SAMPLE, "UZ")
    async with National(world, "KZ") as kz_national, National(world, "UZ") as uz_national:
        keys = [await kz_national.submit(document) for _ in range(count)]
        answers = await kz_national.wait_answers(keys)
        assert {a["status"] for a in answers} == {"accepted"}
        ids = {a["message_id"] for a in answers}
        assert len(ids) == count
        inbox = await uz_national.drain("bgw.UZ.inbox", until=count, timeout=60)
        received = [json.loads(m.body) for m in inbox]
        assert sorted(r["message_id"] for r in received) == sorted(ids)
        assert {r["status"] for r in received} == {"accepted"}
        assert all(r["xml"].startswith("<?xml") and r["notice"]["body"]["Marker"] == "1043" for r in received)
        events = await kz_national.drain("bgw.KZ.events", until=count, timeout=60)
        receipted = {
            json.loads(m.body)["message_id"]
            for m in events
            if json.loads(m.body)["event"] == "receipt-received"
        }
        assert receipted == ids


def test_notices_travel_signed_receipted_and_logged(world: World) -> None:
    asyncio.run(exchange(world, 50))
    assert world.nodes["KZ"].stop() == 0
    assert world.nodes["UZ"].stop() == 0
    assert outbound_states(world, "KZ") == {"delivered": 50}
    status = bgw("status", "--config", world.nodes["UZ"].config)
    assert "notices received from KZ: delivered 50" in status.stdout.decode(), status.stdout
    assert "receipts sent to KZ: sent 50" in status.stdout.decode()
    verified = bgw("log", "verify", "--config", world.nodes["UZ"].config)
    assert verified.returncode == 0 and "hash chain verified" in verified.stdout.decode()
    for side in ("KZ", "UZ"):
        with node_store(world, side) as store:
            entries, broken = store.read(journal.verify)
        assert broken is None and entries > 50
