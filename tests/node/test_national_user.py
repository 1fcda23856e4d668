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

from adapters.national import NationalClient
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


async def what_the_interface_offers(world: World) -> None:
    """adapters.national.NationalClient as the side's user: all it does is within the permissions."""
    async with NationalClient(url_of(world, "KZ"), "KZ") as kz:
        own = await kz.subscribe("event.receipt-received", name=f"receipts-{uuid.uuid4().hex[:6]}")
        assert own.startswith("bgw.KZ.national.receipts-")
        answer = await kz.ask(submission(SAMPLE, "UZ"))
        assert answer["status"] == "accepted", answer
        [event] = [delivery.json() for delivery in await kz.drain(own, until=1, timeout=30)]
        assert (event["event"], event["message_id"]) == ("receipt-received", answer["message_id"]), event
        passing = await kz.subscribe("event.#")  # server-named, gone with the connection
        events = await kz.drain("bgw.KZ.events", until=1, timeout=30)
        assert events[0].json()["message_id"] == answer["message_id"]
        await kz.drain("bgw.KZ.inbox", idle=0.1)
        await kz.drain(passing, idle=0.1)
        await kz.delete_queue(own)


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
