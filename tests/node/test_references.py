"""Supersede and cancel between two running nodes. KZ proposes a joint meeting (A: UZ owes a reply
within 48 h, Art. 40(1)), supersedes it with B (A's duty ends as superseded on both sides, B's opens)
and calls B off with C (B's duty ends as cancelled; a cancellation opens no reply duty and needs no
lead time). References to an unknown notice, to a notice of another type and to a notice received
from the peer are refused with their reason codes — by KZ's node when submitted, and by UZ's node
when a signed notice with a reference it does not know arrives straight in its queue."""

from __future__ import annotations

import asyncio
import json
import uuid
from typing import Any

from sqlalchemy import select

from gateway import paths
from gateway.profiles import load_profiles
from gateway.store.schema import obligations
from gateway.wire.codec import Codec
from gateway.wire.signing import sign
from tests.node.harness import National, World, node_store, submission, wait_for_consumer, wait_until
from tests.node.test_inbound import quarantined_reasons, signer

SAMPLES = paths.SAMPLES / "kz-uz-border-2024"


def reply_duties(world: World, side: str) -> dict[str, str]:
    """{message id: state} of the reply obligations on *side*."""
    with node_store(world, side) as store, store.engine.connect() as conn:
        rows = conn.execute(select(obligations).where(obligations.c.duty == "reply")).all()
    return {row.message_id: row.state for row in rows}


async def submit(national: National, document: dict[str, Any]) -> dict[str, Any]:
    [answer] = await national.wait_answers([await national.submit(document)])
    return answer


async def scenario(world: World) -> None:
    for side, peer in (("KZ", "UZ"), ("UZ", "KZ")):
        world.node(side, (peer,)).start()
        await wait_for_consumer(world, side)
    proposal = submission(SAMPLES / "joint-meeting-proposal.xml", "UZ")
    async with National(world, "KZ") as kz, National(world, "UZ") as uz:
        a = (await submit(kz, proposal))["message_id"]
        # A's reply duty opens on KZ with UZ's receipt of A (a notice replaced before its receipt came
        # is owed no reply at all): wait for it, so that B has something to supersede on both sides.
        wait_until(lambda: reply_duties(world, "KZ") == {a: "open"}, "KZ holds A's reply duty")
        b_answer = await submit(kz, {**proposal, "supersedes": a})
        assert b_answer["status"] == "accepted", b_answer
        b = b_answer["message_id"]
        await uz.drain("bgw.UZ.inbox", until=2, timeout=30)
        for side in ("KZ", "UZ"):
            wait_until(
                lambda s=side: reply_duties(world, s) == {a: "superseded", b: "open"}, f"{side}: A superseded"
            )

        # A cancellation of a meeting 7 days ahead is never "late": no lead check; no reply duty.
        c_answer = await submit(kz, {**proposal, "cancels": b})
        assert c_answer["status"] == "accepted" and "late" not in c_answer, c_answer
        c = c_answer["message_id"]
        [received] = await uz.drain("bgw.UZ.inbox", until=1, timeout=30)
        assert json.loads(received.body)["message_id"] == c
        for side in ("KZ", "UZ"):
            wait_until(
                lambda s=side: reply_duties(world, s) == {a: "superseded", b: "cancelled"}, f"{side}: B off"
            )

        # Refused references, each with its code and the field.
        unknown = await submit(kz, {**proposal, "supersedes": str(uuid.uuid4())})
        assert (unknown["status"], unknown["reason"], unknown["field"]) == (
            "rejected",
            "reference-unknown",
            "supersedes",
        )
        marker = submission(SAMPLES / "marker-incident.xml", "UZ")
        other_type = await submit(kz, {**marker, "cancels": a})
        assert (other_type["reason"], other_type["field"]) == ("reference-type-mismatch", "cancels"), (
            other_type
        )
        from_uz = (await submit(uz, submission(SAMPLES / "marker-incident.xml", "KZ")))["message_id"]
        await kz.drain("bgw.KZ.inbox", until=1, timeout=30)
        foreign = await submit(kz, {**marker, "supersedes": from_uz})
        assert (foreign["reason"], foreign["field"]) == ("reference-foreign", "supersedes"), foreign

        # The receiving node checks again: a signed notice naming a notice UZ never received.
        forged = {
            **proposal,
            "supersedes": str(uuid.uuid4()),
            "sender": {"side": "KZ", "unit": "Test node KZ"},
        }
        root = Codec(load_profiles()).to_xml(forged)
        signed = sign(root, signer(world, "KZ"))
        message_id = root.findtext("{urn:bgw:envelope:1}Header/{urn:bgw:envelope:1}MessageId")
        await kz.publish_raw("bgw.UZ.in", signed, message_id, {"x-bgw-sender": "KZ"})
        wait_until(lambda: "reference-unknown" in quarantined_reasons(world, "UZ"), "UZ refuses it")


def test_supersede_and_cancel_end_the_earlier_duties_and_bad_references_are_refused(world: World) -> None:
    asyncio.run(scenario(world))
