"""A node whose database becomes unusable for 10 s while notices keep coming — SQLite: another process
holds the file's write lock; PostgreSQL: the database refuses connections and its sessions are cut.

The node publishes nothing twice because of it (every broker message to the peer is counted on a
queue of the test's own), writes fewer than 20 log lines about it, answers every submission (accepted
once the database is back, or rejected with a code), and recovers by itself with nothing lost."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from gateway import paths
from gateway.store import journal
from gateway.store.scratch import SERVER, scratch_database
from tests.node.harness import National, World, node_store, submission, wait_for_consumer, wait_until

SAMPLES = paths.SAMPLES / "kz-uz-border-2024"
FAULT_S = 10.0
SETTINGS = {"fault_retry_base_s": 0.2, "fault_retry_ceiling_s": 2, "submission_wait_s": 30}


@contextmanager
def sqlite_locked(database: Path) -> Iterator[None]:
    """Another process takes the SQLite file's write lock and holds it until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sqlite3, sys\n"
         "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
         "c.execute('BEGIN EXCLUSIVE'); print('locked', flush=True)\n"
         "sys.stdin.readline(); c.execute('COMMIT')",
         str(database)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )  # fmt: skip
    assert holder.stdin is not None and holder.stdout is not None
    assert holder.stdout.readline().strip() == b"locked"
    try:
        yield
    finally:
        holder.stdin.write(b"release\n")
        holder.stdin.close()
        holder.wait(timeout=30)
        holder.stdout.close()


@contextmanager
def postgres_refusing(url: str) -> Iterator[None]:
    """The database refuses new connections and its open sessions are terminated."""
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(f"{SERVER}/bgw_test", autocommit=True) as admin:
        admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS false")
        admin.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s", (name,))
        try:
            yield
        finally:
            admin.execute(f"ALTER DATABASE {name} WITH ALLOW_CONNECTIONS true")


async def count_publications(national: National) -> str:
    """A queue of the test's own on UZ's inbound exchange: one copy of every message KZ publishes."""
    return await national.tap("bgw.UZ.in", "message")


async def drain_ids(national: National, queue: str) -> Counter[str]:
    return Counter(str(message.message_id) for message in await national.drain(queue, idle=0.5))


async def scenario(world: World, database_url: str | None, fault: object) -> None:
    world.node("KZ", ("UZ",), delivery=SETTINGS, database_url=database_url)
    world.node("UZ", ("KZ",))
    for side in ("KZ", "UZ"):
        world.nodes[side].start()
        await wait_for_consumer(world, side)
    to_uz, to_kz = (
        submission(SAMPLES / "marker-incident.xml", "UZ"),
        submission(SAMPLES / "marker-incident.xml", "KZ"),
    )
    async with National(world, "KZ") as kz, National(world, "UZ") as uz:
        copies = await count_publications(kz)
        before = [await kz.submit(to_uz) for _ in range(5)]
        await kz.wait_answers(before)
        with fault:  # type: ignore[attr-defined]
            started = time.monotonic()
            during, replies = [], []
            while time.monotonic() - started < FAULT_S:
                during.append(await kz.submit(to_uz))
                replies.append(await uz.submit(to_kz))  # KZ must record these, and their receipts
                await asyncio.sleep(0.5)
            # however slow the machine, the fault lasts until the node has met it
            await until_logged(world, timeout=60)
        after = [await kz.submit(to_uz) for _ in range(3)]
        answers = await kz.wait_answers(before + during + after, timeout=120)
        uz_answers = await uz.wait_answers(replies, timeout=120)
        sent = check_answers(answers)
        assert {a["status"] for a in uz_answers} == {"accepted"}, uz_answers
        handed = Counter(
            json.loads(m.body)["message_id"]
            for m in await uz.drain("bgw.UZ.inbox", until=len(sent), timeout=120)
        )
        assert handed == Counter(sent), "each accepted notice reaches UZ once"
        to_us = await kz.drain("bgw.KZ.inbox", until=len(replies), timeout=120)
        assert Counter(json.loads(m.body)["message_id"] for m in to_us) == Counter(
            a["message_id"] for a in uz_answers
        )
        wait_until(lambda: receipted(world) >= set(sent), "every notice receipted", timeout=120)
        published = await drain_ids(kz, copies)
    twice = {message_id: n for message_id, n in published.items() if n > 1}
    assert twice == {}, "a database fault must not make the node publish anything twice"
    assert set(sent) <= set(published)
    check_log(world)


def check_answers(answers: list[dict[str, object]]) -> list[str]:
    """Every submission answered: accepted, or rejected because the node could not take it now."""
    for answer in answers:
        assert answer["status"] == "accepted" or answer["reason"] == "node-unavailable", answer
    return [str(a["message_id"]) for a in answers if a["status"] == "accepted"]


def receipted(world: World) -> set[str]:
    with node_store(world, "KZ") as store, store.reading() as conn:
        return {e.message_id for e in journal.entries(conn) if e.event == "receipt-received" and e.message_id}


def node_lines(world: World) -> list[dict[str, object]]:
    text = world.nodes["KZ"].log.read_text()
    return [json.loads(line) for line in text.splitlines() if line.startswith("{") and line.endswith("}")]


def about_faults(lines: list[dict[str, object]]) -> list[dict[str, object]]:
    return [line for line in lines if line["level"] != "info" or line["logger"] == "gateway.faults"]


async def until_logged(world: World, timeout: float) -> None:
    """Wait (without blocking the test's own AMQP clients) until the node has logged the fault."""
    deadline = time.monotonic() + timeout
    while not about_faults(node_lines(world)):
        assert time.monotonic() < deadline, f"the node logged nothing about the fault within {timeout} s"
        await asyncio.sleep(0.2)


def check_log(world: World) -> None:
    assert world.nodes["KZ"].running, f"the node died of the fault:\n{world.nodes['KZ'].tail(3)}"
    with node_store(world, "KZ") as store:
        assert store.read(journal.verify)[1] is None
    world.nodes["KZ"].stop()
    about = about_faults(node_lines(world))
    assert 0 < len(about) < 20, [line["event"] for line in about]
    assert any("works again" in line["event"] for line in about), "the recovery is told"


def test_a_locked_sqlite_database(world: World) -> None:
    asyncio.run(scenario(world, None, sqlite_locked(world.root / "kz" / "gateway.sqlite3")))


def test_a_postgresql_database_that_refuses_connections(world: World) -> None:
    with scratch_database("bgw_faults") as url:
        asyncio.run(scenario(world, url, postgres_refusing(url)))
