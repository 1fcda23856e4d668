"""The transport against the real broker: the known aio-pika traps, proved absent.

- a re-declare with other arguments stops with the queue named (PRECONDITION_FAILED), no loop;
- a publish while the broker is down fails within its timeout (no hang), with a coded kind;
- after the broker restarts, every queue has its consumer again (asked of the broker).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator, Mapping
from typing import Any

import aio_pika
import pytest

from gateway.errors import ConfigError
from gateway.transport.rabbit import InboundDelivery, PublishFailed, Submission, Transport
from tests.node.harness import BROKER, rabbitmqctl


@pytest.fixture
def vhost() -> Iterator[str]:
    name = f"bgw-test-{time.monotonic_ns() % 10**8}"
    rabbitmqctl("add_vhost", name)
    rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    try:
        yield name
    finally:
        rabbitmqctl("delete_vhost", name)


def url_of(vhost: str) -> str:
    return f"{BROKER}{vhost}"


async def _ignore(delivery: InboundDelivery) -> None:
    await delivery.accept()


async def _answer(submission: Submission) -> Mapping[str, Any]:
    return {"status": "rejected", "reason": "internal-error", "field": None, "message": "test"}


def transport(vhost: str, timeout: float = 2.0) -> Transport:
    return Transport(
        url_of(vhost), "ZZ", prefetch=8, publish_timeout_s=timeout, on_inbound=_ignore, on_submission=_answer
    )


async def consumers(vhost: str, queue: str) -> int:
    connection = await aio_pika.connect(url_of(vhost))
    try:
        channel = await connection.channel()
        declared = await channel.declare_queue(queue, passive=True)
        return int(declared.declaration_result.consumer_count or 0)
    finally:
        await connection.close()


def test_a_conflicting_queue_stops_the_node_with_its_name(vhost: str) -> None:
    async def scenario() -> None:
        connection = await aio_pika.connect(url_of(vhost))
        channel = await connection.channel()
        await channel.declare_queue("bgw.ZZ.in", durable=True)  # a classic queue where a quorum one belongs
        await connection.close()
        started = time.monotonic()
        with pytest.raises(ConfigError, match=r"bgw\.ZZ|PRECONDITION_FAILED|inequivalent"):
            await asyncio.wait_for(transport(vhost).run(asyncio.Event()), timeout=30)
        assert time.monotonic() - started < 10, "the node must fail once, not loop"

    asyncio.run(scenario())


def test_publish_while_the_broker_is_unreachable_fails_fast(vhost: str) -> None:
    async def scenario() -> None:
        stop = asyncio.Event()
        link = transport(vhost, timeout=2.0)
        task = asyncio.create_task(link.run(stop))
        await asyncio.wait_for(link.connected.wait(), timeout=30)
        rabbitmqctl("close_all_connections", "--vhost", vhost, "test")
        started = time.monotonic()
        with pytest.raises(PublishFailed) as failed:
            await link.publish_peer(
                "bgw.ZZ.in", "message", b"<x/>", message_id="m", kind="notification", sender="ZZ"
            )
        assert time.monotonic() - started < 3
        assert failed.value.kind in ("unavailable", "timeout")
        stop.set()
        await asyncio.wait_for(task, timeout=30)

    asyncio.run(scenario())


def test_after_a_broker_restart_every_queue_has_its_consumer_again(vhost: str) -> None:
    async def scenario() -> None:
        stop = asyncio.Event()
        link = transport(vhost, timeout=2.0)
        task = asyncio.create_task(link.run(stop))
        await asyncio.wait_for(link.connected.wait(), timeout=30)
        rabbitmqctl("stop_app")
        try:
            await asyncio.sleep(1)
            assert not link.connected.is_set()
            with pytest.raises(PublishFailed):
                await asyncio.wait_for(
                    link.publish_peer(
                        "bgw.ZZ.in", "message", b"<x/>", message_id="m", kind="notification", sender="ZZ"
                    ),
                    timeout=5,
                )
        finally:
            rabbitmqctl("start_app")
        rabbitmqctl("await_startup")
        await asyncio.wait_for(link.connected.wait(), timeout=60)
        for queue in ("bgw.ZZ.in", "bgw.ZZ.submit"):
            assert await consumers(vhost, queue) == 1, queue
        stop.set()
        await asyncio.wait_for(task, timeout=30)

    asyncio.run(scenario())
