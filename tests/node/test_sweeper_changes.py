"""The sweeper tells the console's live pages (`changed`) after each commit they show, on the real
broker and database: when it is called, the escalation it raised is already stored, and then already
marked announced (the event confirmed); a quiet sweep tells nobody (every open page would read its view
again each interval). Events here tell nobody themselves, so only the sweeper's own calls are counted."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta

from gateway.lifecycle import Direction
from gateway.node.config import load_config
from gateway.node.database import Database
from gateway.node.events import Events
from gateway.node.runtime import Node
from gateway.node.sweeper import Sweeper
from gateway.profiles import Channel, Source, load_profiles
from gateway.rules.deadlines import Deadline, Duty
from gateway.store import Store, escalations, obligations
from gateway.store.escalations import Listed
from gateway.store.obligations import NewObligation
from tests.node.harness import World

PROFILE = "kz-uz-border-2024"
LATE = "aaaaaaaa-0000-4000-8000-0000000000a1"  # we owe a reply, overdue: the duty operator's rung


def _owed(now: datetime) -> NewObligation:
    deadline = Deadline(
        Duty.REPLY, now - timedelta(minutes=5), "40(1)", Source.TEXT, "48 h", expects="joint-meeting-reply"
    )
    return NewObligation(
        Direction.IN,
        LATE,
        "KZ",
        PROFILE,
        "joint-meeting-proposal",
        "UZ",
        deadline,
        deadline.due_at,
        Channel.BR,
    )


async def scenario(world: World) -> tuple[list[list[Listed]], list[list[Listed]]]:
    profiles = load_profiles()
    config = load_config(world.node("UZ", ("KZ",)).config, profiles)
    node = Node(config, profiles)
    now = node.clock()
    store = Store.open(config.database_url.value)
    store.write(obligations.open_obligations, [_owed(now)], now - timedelta(days=2))
    db = Database(store)
    told: list[list[Listed]] = []  # what the store held each time the pages were told
    sweeper = Sweeper(
        config=config,
        profiles=profiles,
        contract=node.contract,
        signer=node.signer,
        transport=node.transport,
        db=db,
        clock=node.clock,
        events=Events(node.transport, node.clock),  # an event tells nobody here
        wake=lambda: None,
        faults=node.faults,
        changed=lambda: told.append(store.read(escalations.listing)),
    )
    node._handlers(db)  # the transport's consumers have their handlers
    stop = asyncio.Event()
    transport = asyncio.create_task(node.transport.run(stop))
    try:
        await asyncio.wait_for(node.transport.connected.wait(), 30)
        await sweeper.run_once()
        first = list(told)
        told.clear()
        await sweeper.run_once()  # nothing due, nothing unannounced: quiet
        return first, list(told)
    finally:
        stop.set()
        await asyncio.wait_for(transport, 30)
        db.close()


def test_the_sweeper_tells_the_pages_after_it_commits_a_rung_and_its_announcement(world: World) -> None:
    first, quiet = asyncio.run(scenario(world))
    assert first, "the pages were never told"
    raised = [calls for calls in first if calls]
    assert raised, "told before the escalation was stored"
    ((escalation,),) = raised[:1]
    assert escalation.message_id == LATE and escalation.level == "duty-operator"
    assert raised[0][0].announced_at is None  # told once the rung is stored, before the event
    assert raised[-1][0].announced_at is not None, "never told once the event was announced"
    assert quiet == [], "a quiet sweep told the pages"
