"""A national system talking to its side's node over AMQP (see adapters/README.md and asyncapi.yaml).

    python national_client.py submit notice.json --side KZ
    python national_client.py inbox --side UZ --count 1

Needs only aio-pika (``pip install aio-pika``).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import uuid
from pathlib import Path

import aio_pika
from aio_pika.abc import AbstractChannel, AbstractQueue
from aio_pika.exceptions import ChannelNotFoundEntity, DeliveryError

BROKER = "127.0.0.1:5672"
ANSWER_TIMEOUT = 30.0


def default_url(side: str) -> str:
    """The side's national-system user on the local broker (`make services`: password = user name)."""
    user = f"bgw-{side.lower()}-national"
    return f"amqp://{user}:{user}@{BROKER}/"


async def submit(url: str, side: str, path: Path) -> int:
    """Publish one notice to bgw.<SIDE>.submit and print the node's answer."""
    content_type = "application/xml" if path.suffix == ".xml" else "application/json"
    async with await aio_pika.connect(url) as connection:
        # on_return_raises: a message no queue takes (node not running) fails loudly.
        channel = await connection.channel(on_return_raises=True)
        # A server-named queue of our own for the answer, gone when we disconnect.
        reply_queue = await channel.declare_queue(exclusive=True, auto_delete=True)
        correlation_id = str(uuid.uuid4())
        message = aio_pika.Message(
            body=path.read_bytes(),
            content_type=content_type,
            correlation_id=correlation_id,
            reply_to=reply_queue.name,
            delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
        )
        try:
            await channel.default_exchange.publish(message, routing_key=f"bgw.{side}.submit", mandatory=True)
        except DeliveryError:
            print(f"queue bgw.{side}.submit does not exist: is the {side} node running?", file=sys.stderr)
            return 2
        try:
            async with asyncio.timeout(ANSWER_TIMEOUT):
                answer = await wait_for_answer(reply_queue, correlation_id)
        except TimeoutError:
            print(f"no answer from the {side} node within {ANSWER_TIMEOUT:.0f} s", file=sys.stderr)
            return 1
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    return 0 if answer.get("status") == "accepted" else 1


async def wait_for_answer(queue: AbstractQueue, correlation_id: str) -> dict[str, object]:
    async with queue.iterator() as messages:
        async for message in messages:
            await message.ack()
            if message.correlation_id == correlation_id:
                answer: dict[str, object] = json.loads(message.body)
                return answer
    raise TimeoutError  # the queue was closed under us


async def inbox(url: str, side: str, count: int | None) -> int:
    """Print message id, type and sender of each notice in bgw.<SIDE>.inbox, then ack it."""
    async with await aio_pika.connect(url) as connection:
        channel: AbstractChannel = await connection.channel()
        await channel.set_qos(prefetch_count=1)
        try:
            # passive: use the node's quorum queue as it is, never re-declare it.
            queue = await channel.declare_queue(f"bgw.{side}.inbox", passive=True)
        except ChannelNotFoundEntity:
            print(f"queue bgw.{side}.inbox does not exist: is the {side} node running?", file=sys.stderr)
            return 2
        seen = 0
        async with queue.iterator() as messages:
            async for message in messages:
                notice = json.loads(message.body)
                sender = notice["sender"]
                print(f"{notice['message_id']}  {notice['type']}  from {sender['side']}: {sender['unit']}")
                await message.ack()
                seen += 1
                if count is not None and seen >= count:
                    break
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description="Example national system for the bilateral gateway.")
    commands = parser.add_subparsers(dest="command", required=True)
    send = commands.add_parser("submit", help="submit a notice (JSON form, or unsigned XML)")
    send.add_argument("file", type=Path, help="the notice, e.g. the output of `bgw decode`")
    read = commands.add_parser("inbox", help="print the notices received from the peer")
    read.add_argument("--count", type=int, help="stop after N notices (default: run until Ctrl-C)")
    for sub in (send, read):
        sub.add_argument("--side", required=True, help="the node's side: KZ, UZ or AZ")
        sub.add_argument(
            "--amqp", help=f"broker URL (default: bgw-<side>-national on {BROKER}, password = user name)"
        )
    args = parser.parse_args()
    side = args.side.upper()
    url = args.amqp or default_url(side)
    try:
        if args.command == "submit":
            return asyncio.run(submit(url, side, args.file))
        return asyncio.run(inbox(url, side, args.count))
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
