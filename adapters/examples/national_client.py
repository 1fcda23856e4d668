"""A national system talking to its side's node over AMQP (see adapters/README.md and asyncapi.yaml).

    python adapters/examples/national_client.py submit notice.json --side KZ
    python adapters/examples/national_client.py inbox --side UZ --count 1

A thin command line over `adapters.national.NationalClient` (installed with the project; the module
itself needs only aio-pika, so a national system may copy it).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
from pathlib import Path

from adapters.national import LOCAL_BROKER, Delivery, NationalClient, NationalError


async def submit(url: str, side: str, path: Path) -> int:
    """Publish one notice to bgw.<SIDE>.submit and print the node's answer."""
    content_type = "application/xml" if path.suffix == ".xml" else "application/json"
    async with NationalClient(url, side) as client:
        try:
            answer = await client.ask(path.read_bytes(), content_type=content_type)
        except TimeoutError:
            print(f"no answer from the {side} node within 30 s", file=sys.stderr)
            return 1
    print(json.dumps(answer, ensure_ascii=False, indent=2))
    return 0 if answer.get("status") == "accepted" else 1


async def inbox(url: str, side: str, count: int | None) -> int:
    """Print message id, type and sender of each notice in bgw.<SIDE>.inbox (acknowledged)."""
    done = asyncio.Event()
    seen = 0

    async def show(delivery: Delivery) -> None:
        nonlocal seen
        notice = delivery.json()
        sender = notice.get("sender", {})
        origin = f"{sender.get('side')}: {sender.get('unit')}"
        print(f"{notice.get('message_id')}  {notice.get('type')}  from {origin}")
        seen += 1
        if count is not None and seen >= count:
            done.set()

    async with NationalClient(url, side, prefetch=1) as client:
        await client.consume_inbox(show)
        await done.wait()
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
            "--amqp",
            help=f"broker URL (default: bgw-<side>-national on {LOCAL_BROKER}, password = user name)",
        )
    args = parser.parse_args()
    side = args.side.upper()
    url = args.amqp or NationalClient.local_url(side)
    try:
        if args.command == "submit":
            return asyncio.run(submit(url, side, args.file))
        return asyncio.run(inbox(url, side, args.count))
    except NationalError as exc:
        print(exc, file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
