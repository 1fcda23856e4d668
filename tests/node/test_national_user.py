"""The national systems' broker user of a side (bgw-<side>-national, made by `make services`) can do
what adapters/README.md offers them — submit and get the answer, read the inbox and the events,
declare and bind queues of their own — and nothing of the node's: not read bgw.<SIDE>.in, not write
into a peer's bgw.<PEER>.in, not publish on bgw.<SIDE>.national as if it were the node.

The user's permissions are read from the broker's default vhost, where scripts/setup-services.sh
sets them, and given to the same user in the test's own vhost, with two running nodes."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import quote

import aio_pika
import pytest
from aiormq.exceptions import ChannelAccessRefused

from gateway import paths
from tests.node.harness import BROKER, World, rabbitmqctl, submission, wait_for_consumer

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "marker-incident.xml"
DEFINITIONS = paths.ROOT / "deploy" / "rabbitmq" / "definitions.json"
EXAMPLE = paths.ROOT / "adapters" / "examples" / "national_client.py"


def national_user(side: str) -> str:
    return f"bgw-{side.lower()}-national"


def permissions_on_default_vhost(user: str) -> tuple[str, str, str]:
    for line in rabbitmqctl("list_permissions", "-p", "/", "--no-table-headers").splitlines():
        name, *regexes = line.split("\t")
        if name == user:
            configure, write, read = regexes
            return configure, write, read
    pytest.fail(f"RabbitMQ user {user} has no permissions on vhost /: run `make services`", pytrace=False)


def grant_in(world: World, side: str) -> None:
    """The same user, with the permissions make services gave it on /, in the test's vhost."""
    user = national_user(side)
    rabbitmqctl("set_permissions", "-p", world.vhost, user, *permissions_on_default_vhost(user))


def url_of(world: World, side: str) -> str:
    user = national_user(side)  # the demo password is the user name, like the nodes' users
    return BROKER.replace("guest:guest", f"{user}:{user}") + quote(world.vhost, safe="")


async def connect_as(world: World, side: str) -> aio_pika.abc.AbstractConnection:
    return await aio_pika.connect(url_of(world, side))


async def refused(
    connection: aio_pika.abc.AbstractConnection, attempt: Callable[[Any], Awaitable[object]]
) -> None:
    """*attempt* on a channel of its own (a refusal closes the channel) fails with ACCESS_REFUSED."""
    channel = await connection.channel()
    with pytest.raises(ChannelAccessRefused):
        await attempt(channel)


async def publish_to(channel: Any, exchange: str) -> None:
    target = await channel.get_exchange(exchange, ensure=False)
    await target.publish(aio_pika.Message(b"<x/>"), routing_key="message")


async def read(channel: Any, queue: str) -> None:
    source = await channel.get_queue(queue, ensure=False)
    await source.get(fail=False)


async def next_json(queue: aio_pika.abc.AbstractQueue, timeout: float = 30) -> dict[str, Any]:
    async with asyncio.timeout(timeout):
        while True:
            message = await queue.get(fail=False, no_ack=True)
            if message is not None:
                return dict(json.loads(message.body))
            await asyncio.sleep(0.05)


async def what_the_interface_offers(world: World) -> None:
    async with await connect_as(world, "KZ") as connection:
        channel = await connection.channel()
        answers = await channel.declare_queue(exclusive=True)  # server-named: amq.gen-…
        own = await channel.declare_queue(f"bgw.KZ.national.receipts-{uuid.uuid4().hex[:6]}", durable=True)
        await own.bind("bgw.KZ.national", routing_key="event.receipt-received")
        correlation = str(uuid.uuid4())
        await channel.default_exchange.publish(
            aio_pika.Message(
                json.dumps(submission(SAMPLE, "UZ")).encode(),
                content_type="application/json",
                correlation_id=correlation,
                reply_to=answers.name,
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
            ),
            routing_key="bgw.KZ.submit",
        )
        answer = await next_json(answers)
        assert answer["status"] == "accepted", answer
        event = await next_json(own)
        assert (event["event"], event["message_id"]) == ("receipt-received", answer["message_id"]), event
        events = await channel.declare_queue("bgw.KZ.events", passive=True)
        assert (await next_json(events))["message_id"] == answer["message_id"]
        inbox = await channel.declare_queue("bgw.KZ.inbox", passive=True)
        await inbox.get(fail=False)
        await own.delete()


async def what_it_may_not_do(world: World) -> None:
    async with await connect_as(world, "KZ") as kz, await connect_as(world, "UZ") as uz:
        await refused(kz, lambda channel: read(channel, "bgw.KZ.in"))
        await refused(kz, lambda channel: read(channel, "bgw.KZ.submit"))
        await refused(kz, lambda channel: publish_to(channel, "bgw.UZ.in"))
        await refused(kz, lambda channel: publish_to(channel, "bgw.KZ.in"))
        await refused(kz, lambda channel: publish_to(channel, "bgw.KZ.national"))
        await refused(kz, lambda channel: channel.declare_queue("bgw.KZ.mine", durable=True))
        await refused(uz, lambda channel: read(channel, "bgw.KZ.inbox"))
        await refused(uz, lambda channel: channel.declare_queue("bgw.KZ.national.theirs", durable=True))


async def example_client(world: World, side: str, *args: str) -> str:
    """adapters/examples/national_client.py as a national system runs it, as the side's user."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        str(EXAMPLE),
        *args,
        "--side",
        side,
        "--amqp",
        url_of(world, side),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(process.communicate(), timeout=60)
    assert process.returncode == 0, err.decode()
    return out.decode()


async def the_example_client(world: World) -> None:
    notice = world.root / "notice.json"
    notice.write_text(json.dumps(submission(SAMPLE, "UZ")), encoding="utf-8")
    answer = json.loads(await example_client(world, "KZ", "submit", str(notice)))
    assert answer["status"] == "accepted", answer
    received = await example_client(world, "UZ", "inbox", "--count", "2")  # the one before, and this
    assert f"{answer['message_id']}  marker-incident  from KZ: Test node KZ" in received.splitlines(), (
        received
    )


async def scenario(world: World) -> None:
    for side, peer in (("KZ", "UZ"), ("UZ", "KZ")):
        world.node(side, (peer,)).start()
        await wait_for_consumer(world, side)
    await what_the_interface_offers(world)
    await the_example_client(world)
    await what_it_may_not_do(world)


def test_a_national_system_submits_reads_and_binds_its_own_queues_and_nothing_more(world: World) -> None:
    for side in ("KZ", "UZ"):
        grant_in(world, side)
    asyncio.run(scenario(world))


def test_the_production_definitions_give_the_national_user_the_same_permissions() -> None:
    definitions = json.loads(DEFINITIONS.read_text(encoding="utf-8"))
    user = national_user("KZ")
    [entry] = [p for p in definitions["permissions"] if p["user"] == user]
    assert (entry["configure"], entry["write"], entry["read"]) == permissions_on_default_vhost(user)
    assert user in {u["name"] for u in definitions["users"]}
