"""adapters.national against the real broker, where no node is needed: what it says when the node's
queues are missing, an answer awaited by correlation id (before and after it arrives), counts.
With the nodes, tests/node/ uses it throughout (its `National` is this client)."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator

import aio_pika
import pytest

from adapters.national import BrokerClient, NationalClient, NationalError, Unroutable
from tests.node.harness import BROKER, rabbitmqctl


@pytest.fixture
def url() -> Iterator[str]:
    name = f"bgw-test-{time.monotonic_ns() % 10**8}"
    rabbitmqctl("add_vhost", name)
    rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
    try:
        yield f"{BROKER}{name}"
    finally:
        rabbitmqctl("delete_vhost", name)


async def answer_as_the_node(url: str, reply_to: str, correlation: str) -> None:
    """What the node does with a submission: an answer on reply_to with the same correlation id."""
    async with await aio_pika.connect(url) as connection:
        channel = await connection.channel()
        body = json.dumps({"status": "accepted", "message_id": "m-1"}).encode()
        await channel.default_exchange.publish(
            aio_pika.Message(body, correlation_id=correlation), routing_key=reply_to
        )


async def missing_node(url: str) -> None:
    async with NationalClient(url, "zz") as client:
        with pytest.raises(Unroutable, match=r"bgw\.ZZ\.submit does not exist: is the ZZ node running"):
            await client.submit({"type": "x"})
        with pytest.raises(NationalError, match=r"queue bgw\.ZZ\.inbox does not exist"):
            await client.consume_inbox(lambda _: asyncio.sleep(0))
        assert await client.consumers("bgw.ZZ.in") == 0


async def answered_by_correlation(url: str) -> None:
    async with BrokerClient(url) as broker, NationalClient(url, "ZZ") as client:
        submit = await broker.declare_quorum("bgw.ZZ.submit")
        correlation = await client.submit(b"<Notification/>", key="k-1", content_type="application/xml")
        assert (correlation, await broker.depth(submit)) == ("k-1", 1)
        [submission] = await broker.drain(submit, until=1)
        assert (submission.message_id, submission.content_type) == ("k-1", "application/xml")
        with pytest.raises(TimeoutError):
            await client.answer(correlation, timeout=0.3)
        waiting = asyncio.ensure_future(client.answer(correlation, timeout=10))
        await answer_as_the_node(url, client.reply_to, correlation)
        assert await waiting == {"status": "accepted", "message_id": "m-1"}
        assert client.answers["k-1"]["message_id"] == "m-1"
        assert await client.wait_answers(["k-1"], timeout=1) == [client.answers["k-1"]]
        with pytest.raises(TimeoutError, match="1 submissions unanswered"):
            await client.wait_answers(["k-1", "never"], timeout=0.3)


def test_without_its_node_the_client_says_which_queue_is_missing(url: str) -> None:
    asyncio.run(missing_node(url))


def test_an_answer_is_awaited_by_correlation_id_before_or_after_it_arrives(url: str) -> None:
    asyncio.run(answered_by_correlation(url))


def test_a_refused_login_is_one_error_without_the_password() -> None:
    client = NationalClient("amqp://nobody:s3cret@127.0.0.1:5672/", "ZZ")
    with pytest.raises(NationalError, match=r"cannot connect to the broker at 127\.0\.0\.1:5672/") as caught:
        asyncio.run(client.connect())
    assert "s3cret" not in str(caught.value)
