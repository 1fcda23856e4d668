"""A stream of 1,000 notices survives a SIGKILL of the receiving node, of the sending node, the
broker closing every connection, and a broker restart (stop_app / start_app): each notice reaches
the peer's national inbox exactly once and each one is receipted. The broker is asked, not
assumed, whether every queue has its consumer."""

from __future__ import annotations

import asyncio
import json
import time
from collections import Counter
from collections.abc import Awaitable, Callable

import pytest

from gateway import paths
from tests.node.harness import National, World, outbound_states, rabbitmqctl, submission, wait_for_consumer

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "marker-incident.xml"
COUNT = 1000


def delivered(world: World, side: str) -> int:
    return outbound_states(world, side).get("delivered", 0)


async def inbox_depth(national: National, queue: str) -> int:
    return await national.depth(queue)


async def until(check: Callable[[], Awaitable[bool]], timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


Disruption = Callable[[World, National, National], Awaitable[None]]


async def third_in_inbox(uz: National) -> None:
    async def arrived() -> bool:
        return await inbox_depth(uz, "bgw.UZ.inbox") >= COUNT // 3

    await until(arrived, 120, "a third of the stream in the UZ inbox")


async def reconnect(world: World, *nationals: National) -> None:
    """The national clients lost their connections too: reopen them; wait for both nodes."""
    for national in nationals:
        await national.__aexit__()
        await national.__aenter__()
    for side in ("KZ", "UZ"):
        await wait_for_consumer(world, side)


async def kill_receiver(world: World, kz: National, uz: National) -> None:
    await third_in_inbox(uz)
    world.nodes["UZ"].kill()
    await asyncio.sleep(1)
    world.nodes["UZ"].start()
    await wait_for_consumer(world, "UZ")


async def kill_sender(world: World, kz: National, uz: National) -> None:
    async def third_answered() -> bool:
        return len(kz.answers) >= COUNT // 3

    await until(third_answered, 120, "a third of the submissions answered")
    world.nodes["KZ"].kill()
    await asyncio.sleep(1)
    world.nodes["KZ"].start()
    await wait_for_consumer(world, "KZ")


async def close_connections(world: World, kz: National, uz: National) -> None:
    await third_in_inbox(uz)
    rabbitmqctl("close_all_connections", "--vhost", world.vhost, "disruption test")
    await reconnect(world, kz, uz)


async def restart_broker(world: World, kz: National, uz: National) -> None:
    await third_in_inbox(uz)
    rabbitmqctl("stop_app")
    try:
        await asyncio.sleep(2)
    finally:
        rabbitmqctl("start_app")
    rabbitmqctl("await_startup")
    await reconnect(world, kz, uz)


async def stream(world: World, disrupt: Disruption) -> None:
    world.node("KZ", ("UZ",))
    world.node("UZ", ("KZ",))
    for side in ("KZ", "UZ"):
        world.nodes[side].start()
        await wait_for_consumer(world, side)
    document = submission(SAMPLE, "UZ")
    async with National(world, "KZ") as kz, National(world, "UZ") as uz:
        keys = [await kz.submit(document) for _ in range(COUNT)]
        await disrupt(world, kz, uz)

        async def all_receipted() -> bool:
            return await asyncio.to_thread(delivered, world, "KZ") == COUNT

        await until(all_receipted, 300, f"{COUNT} notices receipted\n{world.nodes['KZ'].tail()}")
        inbox = await uz.drain("bgw.UZ.inbox", until=None, timeout=120, idle=3.0)
        ids = Counter(json.loads(message.body)["message_id"] for message in inbox)
        duplicates = {message_id: n for message_id, n in ids.items() if n > 1}
        assert not duplicates, f"handed over more than once: {list(duplicates.items())[:5]}"
        assert len(ids) == COUNT, f"{len(ids)} distinct notices in the UZ inbox, expected {COUNT}"
        for side in ("KZ", "UZ"):
            for queue in (f"bgw.{side}.in", f"bgw.{side}.submit"):
                assert await kz.consumers(queue) >= 1, f"{queue} has no consumer after the disruption"
        # A national system whose connection dropped re-submits what it has no answer for, with the
        # same idempotency key: the node answers with the message id it already assigned.
        for key in keys:
            if key not in kz.answers:
                await kz.submit(document, key=key)
        await kz.wait_answers(keys, timeout=60)
        assert {kz.answers[key]["status"] for key in keys} == {"accepted"}
        answered_ids = {kz.answers[key]["message_id"] for key in keys}
        assert answered_ids == set(ids)


@pytest.mark.parametrize(
    "disrupt",
    [kill_receiver, kill_sender, close_connections, restart_broker],
    ids=["sigkill-receiver", "sigkill-sender", "close-all-connections", "broker-restart"],
)
def test_a_stream_survives(world: World, disrupt: Disruption) -> None:
    asyncio.run(stream(world, disrupt))
