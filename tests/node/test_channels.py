"""Channels and referrals between two running nodes (issue 13): KZ sends UZ a consultation request on
the diplomatic channel (Art. 23(3), 48 allow AB or DIP): on both nodes its obligations are stored with
DIP, and the reply UZ sends, which travels on the channel of what it answers, too. UZ sends KZ a
joint-meeting protocol that leaves an incident without a joint decision: KZ tells its national
system, proposing the incident-referral (Art. 31(5), 41)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from sqlalchemy import select

from gateway import paths
from gateway.profiles import Channel
from gateway.store.schema import obligations
from tests.node.harness import National, World, node_store, submission, wait_for_consumer, wait_until

SAMPLES = paths.SAMPLES / "kz-uz-border-2024"


def stored(world: World, side: str, message_id: str) -> dict[str, str | None]:
    """{duty: channel} of the obligations *side* holds for *message_id*."""
    with node_store(world, side) as store, store.engine.connect() as conn:
        rows = conn.execute(
            select(obligations.c.duty, obligations.c.channel).where(obligations.c.message_id == message_id)
        ).all()
    return {row.duty: row.channel for row in rows}


async def consultation(world: World, kz: National, uz: National) -> None:
    request = submission(SAMPLES / "consultation-request.xml", "UZ")
    request["body"]["Channel"] = Channel.DIP.wire
    [sent] = await kz.wait_answers([await kz.submit(request)])
    assert sent["status"] == "accepted", sent
    request_id = sent["message_id"]
    wait_until(lambda: "reply" in stored(world, "KZ", request_id), "UZ's receipt opens the reply on KZ")
    assert stored(world, "KZ", request_id) == {"receipt": "DIP", "reply": "DIP"}
    assert stored(world, "UZ", request_id) == {"reply": "DIP"}
    reply = submission(SAMPLES / "consultation-reply.xml", "KZ")
    reply["in_reply_to"] = request_id
    [answered] = await uz.wait_answers([await uz.submit(reply)])
    assert answered["status"] == "accepted", answered
    assert stored(world, "UZ", answered["message_id"]) == {"receipt": "DIP"}, "the reply follows the request"


async def referral(world: World, kz: National, uz: National) -> None:
    protocol = submission(SAMPLES / "joint-meeting-protocol.xml", "KZ")
    incident = protocol["body"]["Incident"][0]
    protocol["body"]["Incident"] = [{**incident, "Outcome": "no-joint-decision"}]
    [sent] = await uz.wait_answers([await uz.submit(protocol)])
    assert sent["status"] == "accepted", sent

    async def proposed() -> list[dict[str, Any]]:
        found = [json.loads(m.body) for m in await kz.drain("bgw.KZ.events", idle=0.5)]
        return [e for e in found if e["event"] == "referral-proposed"]

    events: list[dict[str, Any]] = []
    for _ in range(60):
        events += await proposed()
        if events:
            break
    [event] = events
    assert event["message_id"] == sent["message_id"]
    assert event["link"] == {"peer": "UZ", "profile": "kz-uz-border-2024"}
    detail = event["detail"]
    assert (detail["proposes"], detail["protocol_id"], detail["article"]) == (
        "incident-referral",
        sent["message_id"],
        "31(5), 41",
    )
    assert [(i["number"], i["message_ref"]) for i in detail["incidents"]] == [
        (incident["Number"], incident["MessageRef"])
    ]


async def scenario(world: World) -> None:
    for side, peer in (("KZ", "UZ"), ("UZ", "KZ")):
        world.node(side, (peer,)).start()
        await wait_for_consumer(world, side)
    async with National(world, "KZ") as kz, National(world, "UZ") as uz:
        await consultation(world, kz, uz)
        await referral(world, kz, uz)


def test_a_notice_on_the_diplomatic_channel_and_a_protocol_left_unsettled(world: World) -> None:
    asyncio.run(scenario(world))
