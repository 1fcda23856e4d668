"""Obligations between two running nodes: a joint-meeting proposal (Art. 40(1): reply within 48 h of
receipt) opens the reply duty on both sides — owed by UZ, from UZ's signed time of receipt — and
UZ's reply closes it on both sides, in the same transactions that record the messages."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, timedelta
from typing import Any

from sqlalchemy import select

from gateway import paths
from gateway.store.schema import messages, obligations, receipts
from gateway.wire.envelope import format_time
from tests.node.harness import National, World, node_store, submission, wait_for_consumer, wait_until

SAMPLES = paths.SAMPLES / "kz-uz-border-2024"


def rows(world: World, side: str) -> list[Any]:
    with node_store(world, side) as store, store.engine.connect() as conn:
        found = list(conn.execute(select(obligations).order_by(obligations.c.id)))
        acks = {r.message_id: r.at for r in conn.execute(select(receipts))}
    return [(row, acks.get(row.message_id)) for row in found]


async def proposal_and_reply(world: World) -> None:
    for side, peer in (("KZ", "UZ"), ("UZ", "KZ")):
        world.node(side, (peer,)).start()
        await wait_for_consumer(world, side)
    async with National(world, "KZ") as kz, National(world, "UZ") as uz:
        [answer] = await kz.wait_answers(
            [await kz.submit(submission(SAMPLES / "joint-meeting-proposal.xml", "UZ"))]
        )
        proposal = answer["message_id"]
        await uz.drain("bgw.UZ.inbox", until=1, timeout=30)
        owed = wait_until(lambda: [r for r in rows(world, "KZ") if r[0].duty == "reply"], "KZ's reply duty")
        [(kz_row, received_at)] = owed
        assert (kz_row.direction, kz_row.owner, kz_row.state, kz_row.message_id) == (
            "out",
            "UZ",
            "open",
            proposal,
        )
        assert (kz_row.article, kz_row.source, kz_row.expects) == ("40(1)", "text", "joint-meeting-reply")
        assert kz_row.due_at == received_at + timedelta(hours=48), "48 h from UZ's signed time of receipt"
        [(uz_row, _)] = [r for r in rows(world, "UZ") if r[0].duty == "reply"]
        assert (uz_row.direction, uz_row.owner, uz_row.state) == ("in", "UZ", "open")
        events = [json.loads(m.body) for m in await uz.drain("bgw.UZ.events", idle=1)]
        [due] = [e for e in events if e["event"] == "reply-due"]
        assert (due["message_id"], due["detail"]["article"], due["detail"]["source"]) == (
            proposal,
            "40(1)",
            "text",
        )
        assert due["detail"]["due_at"] == format_time(uz_row.due_at.replace(tzinfo=UTC))
        reply = submission(SAMPLES / "joint-meeting-reply.xml", "KZ")
        reply["in_reply_to"] = proposal
        [answered] = await uz.wait_answers([await uz.submit(reply)])
        assert answered["status"] == "accepted", answered
        await kz.drain("bgw.KZ.inbox", until=1, timeout=30)
    wait_until(
        lambda: all(r[0].state == "closed" for r in rows(world, "KZ") if r[0].duty == "reply"),
        "the reply closes KZ's reply duty",
    )
    for side in ("KZ", "UZ"):
        [(row, _)] = [r for r in rows(world, side) if r[0].duty == "reply"]
        assert (row.state, row.closed_by, row.next_at) == ("closed", answered["message_id"], None), side
        with node_store(world, side) as store, store.reading() as conn:  # both stored what it answers
            query = select(messages.c.in_reply_to).where(messages.c.message_id == answered["message_id"])
            assert conn.execute(query).scalar_one() == proposal, side


def test_a_reply_duty_opens_on_both_sides_and_the_reply_closes_it(world: World) -> None:
    asyncio.run(proposal_and_reply(world))
