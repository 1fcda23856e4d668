"""The demo's national systems over AMQP (adapters.national): wait for the nodes, submit the
scenario, follow each notice to the peer's inbox and its receipt back."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Mapping, Sequence
from typing import Any, TypeVar

from adapters.national import LOCAL_BROKER, BrokerClient, Delivery, NationalClient, NationalError
from gateway.demo.common import SIDES, DemoError, say, short, shown
from gateway.demo.nodes import Node, check_alive, start_nodes
from gateway.demo.scenario import SCENARIO, Outcome, Tracker, answered, build_submissions

GUEST_URL = f"amqp://guest:guest@{LOCAL_BROKER}/"
START_LIMIT_S = 60.0
ANSWER_LIMIT_S = 30.0

T = TypeVar("T")
Client = TypeVar("Client", bound=BrokerClient)


async def connected(client: Client, user: str, stack: contextlib.AsyncExitStack) -> Client:
    """*client*, connected (closed when *stack* ends); DemoError naming the user if it cannot be."""
    try:
        await client.connect()
    except NationalError as exc:
        raise DemoError(
            f"cannot connect to RabbitMQ at {LOCAL_BROKER} as {user}: {exc} "
            "(`make setup` starts RabbitMQ and creates the demo users)"
        ) from exc
    stack.push_async_callback(client.close)
    return client


async def refuse_foreign_nodes(broker: BrokerClient) -> None:
    for side in SIDES:
        count = await broker.consumers(f"bgw.{side}.in")
        if count:
            raise DemoError(
                f"bgw.{side}.in already has {count} consumer(s): a {side} node runs outside this "
                "demo; stop it first"
            )


async def wait_ready(broker: BrokerClient, nodes: Mapping[str, Node], deadline: float) -> None:
    """Wait until each node consumes its inbound queue bgw.<SIDE>.in."""
    loop = asyncio.get_running_loop()
    limit = deadline - loop.time()
    pending = dict(nodes)
    while pending:
        check_alive(nodes, "during start-up")
        for side in list(pending):
            if await broker.consumers(f"bgw.{side}.in"):
                say(f"demo: the {side} node is up (consuming bgw.{side}.in)")
                del pending[side]
        if pending and loop.time() >= deadline:
            raise DemoError(
                "\n".join(
                    f"the {side} node did not come up within {limit:.0f} s (no consumer on "
                    f"bgw.{side}.in); see {shown(node.log)}"
                    for side, node in pending.items()
                )
            )
        if pending:
            await asyncio.sleep(0.25)


async def national_system(side: str, tracker: Tracker, stack: contextlib.AsyncExitStack) -> NationalClient:
    """Connect as the side's national system (bgw-<side>-national); its inbox and events feed *tracker*."""

    async def on_notice(delivery: Delivery) -> None:
        message_id = delivery.json().get("message_id") or delivery.message_id
        if isinstance(message_id, str):
            tracker.notice(side, message_id)

    async def on_event(delivery: Delivery) -> None:
        tracker.event(delivery.json())

    client = NationalClient(NationalClient.local_url(side), side, prefetch=64)
    await connected(client, f"bgw-{side.lower()}-national", stack)
    try:
        await client.consume_inbox(on_notice)
        await client.consume_events(on_event)
    except NationalError as exc:
        raise DemoError(f"the {side} node's national queues: {exc}") from exc
    return client


async def submit(client: NationalClient, document: Mapping[str, Any], limit: float) -> dict[str, Any]:
    """Publish one notice to bgw.<SIDE>.submit and wait for the node's answer."""
    try:
        return await client.ask(document, timeout=max(limit, 0.1))
    except NationalError as exc:
        return {"status": "unroutable", "message": f"the broker did not take it ({exc})"}
    except TimeoutError:
        return {"status": "no answer", "message": f"nothing on the reply queue within {limit:.1f} s"}


async def watched(work: Awaitable[T], nodes: Mapping[str, Node], when: str) -> T:
    """Await *work*, checking every half second that every node still runs."""
    task = asyncio.ensure_future(work)
    try:
        while not task.done():
            await asyncio.wait({task}, timeout=0.5)
            check_alive(nodes, when)
        return task.result()
    finally:
        task.cancel()


async def submit_all(
    systems: Mapping[str, NationalClient],
    documents: Sequence[Mapping[str, Any]],
    nodes: Mapping[str, Node],
    deadline: float,
) -> list[Outcome]:
    """Submit the scenario in order, one line per answer; what the deadline leaves is not submitted."""
    loop = asyncio.get_running_loop()
    width = max(len(step.type) for step in SCENARIO)
    outcomes = []
    for number, (step, document) in enumerate(zip(SCENARIO, documents, strict=True), start=1):
        limit = min(ANSWER_LIMIT_S, deadline - loop.time())
        if limit <= 0:
            outcome = Outcome(step, detail="not submitted: the overall timeout was reached")
        else:
            submitting = submit(systems[step.sender], document, limit)
            outcome = answered(step, await watched(submitting, nodes, "during the scenario"))
        result = f"{outcome.status}  {short(outcome.message_id)}" if outcome.sent else outcome.detail
        say(f"[{number:>2}/{len(SCENARIO)}] {step.route} {step.type:<{width}}  {result}")
        outcomes.append(outcome)
    return outcomes


async def wait_delivered(
    outcomes: Sequence[Outcome], tracker: Tracker, nodes: Mapping[str, Node], deadline: float
) -> None:
    """Wait until every sent notice is in the peer's inbox and receipted, or until the deadline."""
    loop = asyncio.get_running_loop()
    sent = [outcome for outcome in outcomes if outcome.sent]
    shown_counts: tuple[int, int] | None = None
    while True:
        counts = (sum(map(tracker.received, sent)), sum(map(tracker.receipted, sent)))
        if counts != shown_counts:
            say(f"        waiting: {counts[0]}/{len(sent)} received, {counts[1]}/{len(sent)} receipted")
            shown_counts = counts
        if all(map(tracker.complete, sent)):
            return
        check_alive(nodes, "during the scenario")
        if loop.time() >= deadline:
            say("        timed out")
            return
        tracker.changed.clear()
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(min(deadline - loop.time(), 1.0)):
                await tracker.changed.wait()


async def drive(nodes: dict[str, Node], timeout: float, fresh: bool) -> tuple[list[Outcome], Tracker]:
    """Start the nodes, wait until they are up, submit the scenario and wait for every receipt."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    async with contextlib.AsyncExitStack() as stack:
        guest = await connected(BrokerClient(GUEST_URL), "guest", stack)
        await refuse_foreign_nodes(guest)
        nodes.update(start_nodes(fresh))
        documents = build_submissions(SCENARIO)  # while the nodes start
        await wait_ready(guest, nodes, min(deadline, loop.time() + START_LIMIT_S))
        tracker = Tracker()
        systems = {side: await national_system(side, tracker, stack) for side in SIDES}
        say(f"demo: submitting {len(SCENARIO)} notices through the national AMQP interface")
        outcomes = await submit_all(systems, documents, nodes, deadline)
        await wait_delivered(outcomes, tracker, nodes, deadline)
    return outcomes, tracker
