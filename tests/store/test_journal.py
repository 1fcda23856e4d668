"""The hash-chained log: the database owns its head. Entries appended by any number of writers —
savepoints that fail, other connections, other processes — keep one unbroken chain."""

from __future__ import annotations

import itertools
import multiprocessing
import uuid

import pytest
from sqlalchemy import text

from gateway.store import Store, Tx, journal
from tests.store.conftest import NOW, logged, outbound


def test_group_commit_keeps_the_chain_when_a_call_fails(store: Store) -> None:
    def failing(tx: Tx) -> None:
        journal.append(tx, NOW, "doomed")  # a call that fails after appending to the log
        raise ValueError("fails after writing: its savepoint is rolled back, the head with it")

    results = store.group(
        [lambda tx: journal.append(tx, NOW, "first"), failing, lambda tx: journal.append(tx, NOW, "second")]
    )
    assert results[0] == 1 and isinstance(results[1], ValueError) and results[2] == 2
    assert [entry.event for entry in logged(store)] == ["first", "second"]
    assert store.read(journal.verify) == (2, None)
    outbound(store)
    assert store.read(journal.verify) == (3, None)


def test_a_writer_that_never_saw_the_others_appends_after_them(store: Store) -> None:
    """The bug this design removes: an operator's command wrote the log while the node held a cached
    head; the node's next append collided with it (UNIQUE constraint failed: log.seq) until restart."""
    other = Store.open(str(store.engine.url.render_as_string(hide_password=False)))
    try:
        store.write(journal.append, NOW, "node")
        other.write(journal.append, NOW, "operator")  # e.g. `bgw escalations ack`
        store.write(journal.append, NOW, "node-again")
        other.write(journal.append, NOW, "operator-again")
    finally:
        other.close()
    assert [e.event for e in logged(store)] == [
        "node",
        "operator",
        "node-again",
        "operator-again",
    ]
    assert store.read(journal.verify) == (4, None)


def test_the_log_is_append_only_and_tampering_is_named(store: Store) -> None:
    for _ in range(3):
        outbound(store)
    with pytest.raises(Exception, match="append-only"), store.engine.begin() as conn:
        conn.execute(text("UPDATE log SET event = 'forged' WHERE seq = 2"))
    with store.engine.begin() as conn:  # someone with the database's owner rights disables the guard
        if store.postgres:
            conn.execute(text("ALTER TABLE log DISABLE TRIGGER log_append_only"))
        else:
            conn.execute(text("DROP TRIGGER log_no_update"))
        conn.execute(text("UPDATE log SET event = 'forged' WHERE seq = 2"))
    assert store.read(journal.verify) == (2, (2, "content does not match its hash"))  # read up to the break


APPENDS = 5000


def _append_many(url: str, writer: str, start: multiprocessing.synchronize.Barrier) -> None:
    store = Store.open(url)
    try:
        start.wait(120)  # both connected: they begin together
        for index in range(APPENDS):
            store.write(
                journal.append, NOW, "concurrent", str(uuid.uuid4()), None, {"writer": writer, "n": index}
            )
    finally:
        store.close()


def test_two_processes_append_five_thousand_entries_each_at_once(url: str) -> None:
    """Two processes, each its own transactions, interleaving on one database: nothing lost, one
    chain (SQLite: each takes the write lock before reading the head; PostgreSQL: the advisory lock)."""
    Store.open(url).close()  # migrated once, before the race
    context = multiprocessing.get_context("spawn")
    start = context.Barrier(2)
    writers = [context.Process(target=_append_many, args=(url, name, start)) for name in ("a", "b")]
    for process in writers:
        process.start()
    for process in writers:
        process.join(timeout=600)
        assert process.exitcode == 0, f"a writer failed (exit code {process.exitcode})"
    store = Store.open(url)
    try:
        entries = list(logged(store))
        assert store.read(journal.verify) == (2 * APPENDS, None)
    finally:
        store.close()
    writers_seen = [entry.detail for entry in entries]
    for name in ("a", "b"):
        mine = [detail for detail in writers_seen if f'"writer":"{name}"' in detail]
        assert [f'"n":{n},' in detail for n, detail in enumerate(mine)] == [True] * APPENDS
    # At once: each writer's entries appear between the other's (SQLite lets a busy writer take the lock
    # again and again, so the number of switches varies; a run one after the other has one).
    switches = sum(1 for x, y in itertools.pairwise(writers_seen) if x[-5:] != y[-5:])
    assert switches >= 2, "the two writers ran one after the other, not at once"
