"""A silent peer is escalated, not flooded: the same signed bytes are re-sent a bounded number of
times with growing waits, then the node stops; the missing receipt, an obligation due per timing
class, reaches the duty operator on the link's ladder and is published as an escalation event. When
the peer comes back, it hands the notice over once and the late receipt still closes the notice and
its receipt obligation."""

from __future__ import annotations

import asyncio
import json
from collections import Counter

from gateway import paths
from tests.node.harness import National, World, outbound_states, submission, wait_for_consumer, wait_until

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "marker-incident.xml"  # immediate: 6 sends at most
SCALE = 0.0005  # 15 min → 0.45 s


async def scenario(world: World) -> None:
    kz = world.node("KZ", ("UZ",), delivery={"time_scale": SCALE, "sweep_interval_s": 0.2})
    uz = world.node("UZ", ("KZ",))
    uz.start()
    await wait_for_consumer(world, "UZ")
    uz.stop()  # its queues stay; nobody answers
    kz.start()
    await wait_for_consumer(world, "KZ")
    async with National(world, "KZ") as national, National(world, "UZ") as uz_national:
        answer = (await national.wait_answers([await national.submit(submission(SAMPLE, "UZ"))]))[0]
        message_id = answer["message_id"]
        events = await national.drain("bgw.KZ.events", until=1, timeout=60)
        escalation = json.loads(events[0].body)
        assert (escalation["event"], escalation["message_id"]) == ("escalation", message_id)
        detail = escalation["detail"]
        assert (detail["duty"], detail["level"], detail["owed_by"], detail["source"]) == (
            "receipt",
            "duty-operator",
            "peer",
            "default",
        ), "the receipt time is the gateway's, not the agreement's"
        wait_until(lambda: outbound_states(world, "KZ").get("unreceipted") == 1, "re-sends stop", timeout=60)
        copies = await national.drain("bgw.UZ.in", until=None, timeout=10, idle=2)
        assert Counter(message.message_id for message in copies) == {message_id: 6}
        assert len({message.body for message in copies}) == 1, "every re-send carries the same signed bytes"
        for message in copies:  # put them back for the peer
            await national.publish_raw("bgw.UZ.in", message.body, message.message_id, {"x-bgw-sender": "KZ"})
        uz.start()
        await wait_for_consumer(world, "UZ")
        inbox = await uz_national.drain("bgw.UZ.inbox", until=None, timeout=30, idle=3)
        assert [json.loads(m.body)["message_id"] for m in inbox] == [message_id]
        later = [json.loads(m.body) for m in await national.drain("bgw.KZ.events", timeout=60, idle=5)]
        states = {event["detail"]["state"] for event in later if event["event"] == "receipt-received"}
        assert states == {"delivered"}, "the late receipt closes the notice"


def test_a_silent_peer_is_escalated_not_flooded(world: World) -> None:
    asyncio.run(scenario(world))
