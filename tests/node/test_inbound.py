"""Bad input from both sides of a running node: the whole hostile suite pushed into its inbound
queue, duplicates and conflicting re-sends, broken submissions from its national system. Each gets
a clear, coded answer and lands in quarantine or in the reply; the node keeps going."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import serialization

from gateway import paths, pki
from gateway.store.schema import messages, quarantine
from gateway.wire.envelope import format_time, read_header
from gateway.wire.parsing import parse
from gateway.wire.receipt import digest_of, read_acknowledgement
from gateway.wire.signing import SigningKey, sign
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify
from tests.hostile.test_hostile import BOTH_ROUNDS, SAMPLE, Kit, Listener
from tests.node.harness import National, World, node_store, submission, wait_for_consumer


def signer(world: World, side: str) -> SigningKey:
    return SigningKey.load(world.root / "pki" / side / "node.key", world.root / "pki" / side / "node.pem")


def kit(world: World, port: int) -> Kit:
    folder = world.root / "pki" / "KZ"
    ca_key = serialization.load_pem_private_key((folder / "ca.key").read_bytes(), password=None)
    assert isinstance(ca_key, pki.PrivateKey)
    ca = pki.Issued(ca_key, x509.load_pem_x509_certificate((folder / "ca.pem").read_bytes()))
    kz = signer(world, "KZ")
    return Kit(sign(parse(SAMPLE.read_bytes()), kz), SAMPLE.read_bytes(), kz, signer(world, "UZ"), ca, port)


def quarantined_reasons(world: World, side: str) -> list[str]:
    with node_store(world, side) as store, store.engine.connect() as conn:
        return [row.reason for row in conn.execute(quarantine.select().order_by(quarantine.c.seq))]


async def start(world: World) -> None:
    """UZ runs; KZ's queues exist (declared by a KZ node that then stops) so receipts can be read."""
    world.node("KZ", ("UZ",))
    world.node("UZ", ("KZ",))
    for side in ("KZ", "UZ"):
        world.nodes[side].start()
        await wait_for_consumer(world, side)
    world.nodes["KZ"].stop()


async def receipts_for_kz(national: National, count: int) -> list[tuple[str, object]]:
    trust = TrustStore.from_dir(national.world.root / "pki")
    messages = await national.drain("bgw.KZ.in", until=count, timeout=60)
    found = []
    for message in messages:
        verified = verify(message.body, trust, datetime.now(UTC))
        assert verified.side == "UZ"
        found.append((verified.header.message_id, read_acknowledgement(verified.root)))
    return found


async def hostile(world: World) -> None:
    await start(world)
    listener = Listener()
    try:
        materials = kit(world, listener.port)
        async with National(world, "KZ") as peer, National(world, "UZ") as uz:
            sent = []
            for build, expected in BOTH_ROUNDS:
                message_id = str(uuid.uuid4())
                await peer.publish_raw("bgw.UZ.in", build(materials), message_id, {"x-bgw-sender": "KZ"})
                sent.append((message_id, expected))
            receipts = await receipts_for_kz(peer, len(BOTH_ROUNDS))
            by_message = {ack.message_id: ack for _, ack in receipts}  # type: ignore[attr-defined]
            for message_id, expected in sent:
                ack = by_message[message_id]
                assert (ack.status, ack.reasons) == ("rejected", (expected.value,)), message_id
            assert listener.connections == 0
            # The node keeps going: a genuine notice still gets through.
            await peer.publish_raw("bgw.UZ.in", materials.signed, str(uuid.uuid4()), {"x-bgw-sender": "KZ"})
            inbox = await uz.drain("bgw.UZ.inbox", until=1, timeout=30)
            assert [json.loads(m.body)["type"] for m in inbox] == ["crossing-restriction"]
    finally:
        listener.close()
    # Each is verified off the event loop, several at once: the quarantine holds them all, in any order.
    assert sorted(quarantined_reasons(world, "UZ")) == sorted(expected.value for _, expected in BOTH_ROUNDS)


def test_the_hostile_suite_pushed_into_the_inbound_queue(world: World) -> None:
    asyncio.run(hostile(world))


async def duplicates(world: World) -> None:
    await start(world)
    kz = signer(world, "KZ")
    original = sign(parse(SAMPLE.read_bytes()), kz)
    message_id = read_header(parse(original)).message_id
    async with National(world, "KZ") as peer, National(world, "UZ") as uz:
        await peer.publish_raw("bgw.UZ.in", original, message_id, {"x-bgw-sender": "KZ"})
        first = await receipts_for_kz(peer, 1)
        world.nodes["UZ"].stop()  # duplicate detection is in the database: it survives a restart
        world.nodes["UZ"].start()
        await wait_for_consumer(world, "UZ")
        await peer.publish_raw("bgw.UZ.in", original, message_id, {"x-bgw-sender": "KZ"})
        again = await receipts_for_kz(peer, 1)
        assert again[0][0] == first[0][0], "a duplicate gets the original receipt"
        assert again[0][1].digest == digest_of(original)  # type: ignore[attr-defined]
        altered = parse(SAMPLE.read_bytes())
        altered.find(".//{urn:bgw:profile:kz-uz-border-2024:1}Measure").text = "restrict"  # type: ignore[union-attr]
        conflicting = sign(altered, kz)
        await peer.publish_raw("bgw.UZ.in", conflicting, message_id, {"x-bgw-sender": "KZ"})
        conflict = await receipts_for_kz(peer, 1)
        ack = conflict[0][1]
        assert (ack.status, ack.reasons, ack.digest) == (
            "rejected",
            ("duplicate-conflict",),  # type: ignore[attr-defined]
            digest_of(conflicting),
        )
        inbox = await uz.drain("bgw.UZ.inbox", until=None, timeout=10, idle=2)
        assert [json.loads(m.body)["message_id"] for m in inbox] == [message_id]
    assert quarantined_reasons(world, "UZ") == ["duplicate-conflict"]


def test_duplicates_get_the_original_receipt_and_are_never_handed_over_twice(world: World) -> None:
    asyncio.run(duplicates(world))


async def late_notice(world: World) -> None:
    await start(world)
    late = parse(SAMPLE.read_bytes())
    effective = late.find(".//{urn:bgw:profile:kz-uz-border-2024:1}EffectiveFrom")
    assert effective is not None
    effective.text = format_time(datetime.now(UTC) + timedelta(hours=2))  # 24 h required
    signed = sign(late, signer(world, "KZ"))
    message_id = read_header(parse(signed)).message_id
    async with National(world, "KZ") as peer, National(world, "UZ") as uz:
        await peer.publish_raw("bgw.UZ.in", signed, message_id, {"x-bgw-sender": "KZ"})
        [(_, ack)] = await receipts_for_kz(peer, 1)
        assert (ack.status, ack.reasons) == ("accepted-with-warning", ("lead-time-short",))  # type: ignore[attr-defined]
        assert "Art. 11(3)2" in ack.detail  # type: ignore[attr-defined]
        [notice] = await uz.drain("bgw.UZ.inbox", until=1, timeout=30)
        handed = json.loads(notice.body)
        assert (handed["status"], handed["warnings"]) == ("accepted-with-warning", ["lead-time-short"])
    with node_store(world, "UZ") as store, store.engine.connect() as conn:
        row = conn.execute(messages.select().where(messages.c.message_id == message_id)).one()
    assert json.loads(row.reasons) == ["lead-time-short"], "the violation is recorded with the notice"


def test_a_late_notice_is_accepted_with_a_warning_and_recorded(world: World) -> None:
    asyncio.run(late_notice(world))


def national_refusals() -> list[tuple[bytes, str, str, str | None]]:
    """(body, content type, reason, field) of submissions the node refuses: the field is named
    wherever one is at fault (the header's, the body's, the JSON form's)."""
    good = submission(SAMPLE, "UZ")
    missing = json.loads(json.dumps(good))
    del missing["body"]["Measure"]
    no_body = {key: value for key, value in good.items() if key != "body"}
    unknown_type = {**good, "type": "ultimatum"}
    not_a_party = {**good, "recipient": {"side": "AZ", "unit": "Node AZ"}}
    to_itself = {**good, "recipient": {"side": "KZ", "unit": "Node KZ"}}
    no_link = submission(paths.SAMPLES / "kz-az-environment-1997" / "caspian-pollution-incident.xml", "AZ")
    foreign_district = json.loads(json.dumps(good))
    foreign_district["body"]["Place"][0]["District"]["Name"] = "Несуществующий район"
    fire = submission(paths.SAMPLES / "kz-uz-border-2024" / "clearing-works-notice.xml", "UZ")
    fire["body"]["Method"] = "fire"
    short = json.loads(json.dumps(good))  # Art. 11(3)2: at least 24 h before EffectiveFrom
    short["body"]["EffectiveFrom"] = format_time(datetime.now(UTC) + timedelta(hours=23))
    foreign_sender = {
        **good,
        "sender": {"side": "UZ", "unit": "Node UZ"},
        "recipient": {"side": "KZ", "unit": "Node KZ"},
    }
    body = "Notification/Body/CrossingRestriction"
    as_json = "application/json"
    return [
        (b"{not json", as_json, "json-invalid", None),
        (b"[]", as_json, "json-invalid", None),
        (json.dumps(no_body).encode(), as_json, "json-invalid", "body"),
        (json.dumps({**good, "urgent": True}).encode(), as_json, "json-invalid", "urgent"),
        (json.dumps(unknown_type).encode(), as_json, "type-unknown", "type"),
        (json.dumps(missing).encode(), as_json, "schema-invalid", f"{body}/Ground"),
        (json.dumps(not_a_party).encode(), as_json, "side-not-in-profile", "recipient.side"),
        (json.dumps(to_itself).encode(), as_json, "same-side", "recipient.side"),
        (json.dumps(no_link).encode(), as_json, "link-unknown", "recipient.side"),
        (json.dumps(foreign_sender).encode(), as_json, "sender-mismatch", "sender.side"),
        (json.dumps(foreign_district).encode(), as_json, "reference-data-unknown", f"{body}/Place/District"),
        (json.dumps(fire).encode(), as_json, "rule-violated", "Notification/Body/ClearingWorksNotice/Method"),
        (b"<Notification", "application/xml", "xml-not-well-formed", None),
        (b"<Receipt xmlns='urn:bgw:envelope:1'/>", "application/xml", "envelope-unknown", None),
        (json.dumps(short).encode(), as_json, "lead-time-short", f"{body}/EffectiveFrom"),
    ]


async def national_errors(world: World) -> None:
    world.node("KZ", ("UZ",))
    world.nodes["KZ"].start()
    await wait_for_consumer(world, "KZ")
    good = submission(SAMPLE, "UZ")
    cases = national_refusals()
    async with National(world, "KZ") as national:
        keys = [await national.submit(body, content_type=content_type) for body, content_type, _, _ in cases]
        answers = await national.wait_answers(keys)
        for answer, (_, _, reason, field) in zip(answers, cases, strict=True):
            assert (answer["status"], answer["reason"], answer["field"]) == ("rejected", reason, field), (
                answer
            )
        lead = answers[-1]["message"]
        assert "Art. 11(3)2" in lead and "24 hours (fixed by the agreement)" in lead, lead
        accepted = await national.wait_answers([await national.submit(good)])
        assert accepted[0]["status"] == "accepted" and "late" not in accepted[0]
        justified = json.loads(cases[-1][0]) | {
            "late_justification": "Паводок: ограничение вводится немедленно"
        }
        late = await national.wait_answers([await national.submit(justified)])
        assert late[0]["status"] == "accepted" and "Art. 11(3)2" in late[0]["late"], late
    assert world.nodes["KZ"].running


def test_bad_submissions_get_a_coded_answer_naming_the_field(world: World) -> None:
    asyncio.run(national_errors(world))
