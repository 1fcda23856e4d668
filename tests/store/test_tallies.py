"""The metrics' running totals (gateway.store.tallies, moved by gateway.store.checkpoint), on both
databases: whatever two writers (two Store objects on one database) did and wherever the marks stand,
the metrics equal the straightforward all-time aggregates over the tables (SQL of their own, below); a
checkpoint that lost the race to another adds nothing; on PostgreSQL a checkpoint does not pass a row
another transaction is still writing (it commits later with a lower seq)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import Connection, text

from gateway.lifecycle import Direction, MessageEvent, MessageState
from gateway.profiles.model import Source
from gateway.rules.deadlines import Deadline, Duty
from gateway.store import (
    OutgoingReceipt,
    Signed,
    Store,
    Tx,
    checkpoint,
    inbox,
    obligations,
    outbox,
    quarantine,
    receipts,
    tallies,
)
from gateway.store.inbox import Arrival
from gateway.store.obligations import Duties, NewObligation
from gateway.store.rows import INSERT_MESSAGE, message_row
from gateway.store.scratch import fresh_database
from tests.store.conftest import NOW

PROFILE = "kz-uz-border-2024"
SECONDS = {
    "postgresql": "CAST(EXTRACT(epoch FROM r.at - m.created_at) AS FLOAT)",
    "sqlite": "round((julianday(r.at) - julianday(m.created_at)) * 86400.0, 3)",
}
TRAFFIC = (
    "SELECT peer, profile, type, direction, count(*), "
    "sum(CASE WHEN receipt_status = 'rejected' THEN 1 ELSE 0 END) FROM messages WHERE type <> 'receipt' "
    "GROUP BY peer, profile, type, direction ORDER BY peer, profile, type, direction"
)
LATE = (
    "SELECT peer, profile, type, direction, count(*) FROM obligations "
    "WHERE state = 'closed' AND closed_at > due_at "
    "GROUP BY peer, profile, type, direction ORDER BY peer, profile, type, direction"
)
QUARANTINE = "SELECT source, reason, count(*) FROM quarantine GROUP BY source, reason ORDER BY source, reason"


def _latency_sql(dialect: str) -> str:
    seconds = SECONDS[dialect]
    buckets = ", ".join(
        f"sum(CASE WHEN {seconds} <= {bound!r} THEN 1 ELSE 0 END)" for bound in tallies.LATENCY_BUCKETS
    )
    return (
        f"SELECT m.peer, m.profile, m.type, count(*), sum({seconds}), {buckets} "
        "FROM messages m JOIN receipts r ON r.direction = 'in' AND r.message_id = m.message_id "
        "WHERE m.direction = 'out' AND m.type <> 'receipt' GROUP BY m.peer, m.profile, m.type "
        "ORDER BY m.peer, m.profile, m.type"
    )


def straightforward(conn: Connection) -> dict[str, list[object]]:
    """The metrics as the all-time aggregates over the whole tables."""
    latency = [tallies._latency(row) for row in conn.execute(text(_latency_sql(conn.dialect.name)))]
    return {
        "traffic": [
            tallies.Traffic(*row[:4], int(row[4]), int(row[5])) for row in conn.execute(text(TRAFFIC))
        ],
        "late": [tallies.Late(*row[:4], int(row[4])) for row in conn.execute(text(LATE))],
        "latency": list(latency),
        "quarantined": [tallies.Quarantined(*row[:2], int(row[2])) for row in conn.execute(text(QUARANTINE))],
    }


def metrics(conn: Connection) -> dict[str, list[object]]:
    return {
        "traffic": list(tallies.traffic(conn)),
        "late": list(tallies.late(conn)),
        "latency": list(tallies.latency(conn)),
        "quarantined": list(tallies.quarantined(conn)),
    }


def agree(store: Store) -> dict[str, list[object]]:
    """The metrics, asserted equal to the straightforward aggregates (read in one snapshot each)."""
    found = store.read(metrics)
    assert found == store.read(straightforward)
    return found


@pytest.fixture(params=["sqlite", "postgresql"])
def two(request: pytest.FixtureRequest) -> Iterator[tuple[Store, Store]]:
    """Two Store objects (two writers: the node and a `bgw` command, two replicas) on one database."""
    with fresh_database(request.param, "bgw_tallies") as url:
        first, second = Store.open(url), Store.open(url)
        try:
            yield first, second
        finally:
            first.close()
            second.close()


def ours(tx: Tx, kind: str, created: datetime) -> str:
    signed = Signed(str(uuid.uuid4()), b"<n/>", "a" * 64, created)
    message_id, _ = outbox.add(
        tx, signed, peer="KZ", profile=PROFILE, message_type=kind, submission_key=None, at=created
    )
    return message_id


def theirs(tx: Tx, kind: str, status: str) -> str:
    message_id = str(uuid.uuid4())
    receipt = OutgoingReceipt(str(uuid.uuid4()), status, (), b"<receipt/>", "b" * 64)
    arrival = Arrival(message_id, "KZ", PROFILE, kind, NOW, "c" * 64, b"<n/>", receipt, ())
    assert inbox.record(tx, arrival, NOW) is None
    return message_id


def receipted(tx: Tx, message_id: str, created: datetime, after_s: float, status: str = "accepted") -> None:
    """The peer's receipt of our notice *message_id*, *after_s* after its creation."""
    event = MessageEvent.RECEIPTED if status == "accepted" else MessageEvent.REFUSED
    ack = receipts.Acknowledged(
        message_id,
        str(uuid.uuid4()),
        status,
        (),
        True,
        event,
        b"<r/>",
        created + timedelta(seconds=after_s),
        Duties(),
    )
    assert receipts.record(tx, ack, "KZ", NOW)


def closed(tx: Tx, message_id: str, kind: str, late: bool) -> None:
    """A reply obligation of the peer's on our notice, met on time or late."""
    due = NOW + timedelta(hours=1)
    deadline = Deadline(Duty.REPLY, due, "Art. 1", Source.TEXT, "test", expects="x")
    new = NewObligation(Direction.OUT, message_id, "KZ", PROFILE, kind, "KZ", deadline, due)
    obligations.open_obligations(tx, [new], NOW)
    at = due + timedelta(minutes=5) if late else due - timedelta(minutes=5)
    assert obligations.close(tx, message_id, "reply", at, direction=Direction.OUT, duty="reply")


def refused(tx: Tx, reason: str) -> None:
    quarantine.add(tx, quarantine.Refused("peer", reason, "detail", None, "KZ", b"<x/>"), NOW)


def traffic(store: Store, step: int) -> list[tuple[str, datetime]]:
    """A mix, one transaction a row: ours (receipted accepted or refused, in several buckets, some
    met late), the peer's (accepted or refused by us), quarantined bytes. Returns ours not receipted
    yet (id, created)."""
    waiting = []
    for n in range(6):
        kind = ("marker-incident", "crossing-restriction")[n % 2]
        created = NOW - timedelta(hours=step * 10 + n)
        sent = store.write(ours, kind, created)
        if n % 3:
            status = "rejected" if n % 3 == 2 else "accepted"
            store.write(receipted, sent, created, (2, 45, 4000)[n % 3] + step, status)
        else:
            waiting.append((sent, created))
        store.write(closed, sent, kind, n % 2 == 0)
        store.write(theirs, kind, "rejected" if n == 4 else "accepted")
    store.write(refused, ("schema-invalid", "signature-invalid")[step % 2])
    return waiting


def test_the_totals_equal_the_all_time_aggregates_across_two_writers_and_checkpoints(
    two: tuple[Store, Store],
) -> None:
    first, second = two
    assert agree(first) == {"traffic": [], "late": [], "latency": [], "quarantined": []}
    waiting = traffic(first, 0)
    agree(first)  # nothing checkpointed: every row counted after the marks
    marks = second.write(checkpoint.fold)
    assert marks["messages"] > 0 and marks["receipts"] > 0 and marks["quarantine"] == 1
    agree(second)  # everything in the totals
    for sent, created in waiting:  # notices in the totals already, refused by the peer only now
        second.write(receipted, sent, created, 7.5, "rejected")
    waiting = traffic(second, 1)
    agree(first)  # totals and the rows after the marks
    first.write(checkpoint.fold)
    traffic(first, 2)
    second.write(checkpoint.fold)
    for sent, created in waiting:
        first.write(receipted, sent, created, 90000, "accepted")  # beyond the last bucket
    second.write(checkpoint.fold)
    second.write(checkpoint.fold)  # nothing new: nothing added twice
    found = agree(second)
    rejected = {(row.direction, row.type): row.rejected for row in found["traffic"]}  # type: ignore[attr-defined]
    assert rejected == {
        ("in", "crossing-restriction"): 0,
        ("in", "marker-incident"): 3,
        ("out", "crossing-restriction"): 3 + 1,  # one a step, and the one refused late
        ("out", "marker-incident"): 3 + 1,
    }
    assert [row.count for row in found["late"]] == [9]  # type: ignore[attr-defined]


def test_a_checkpoint_that_lost_the_race_adds_nothing(two: tuple[Store, Store]) -> None:
    first, second = two
    traffic(first, 0)
    stale = first.read(checkpoint.marks)
    second.write(checkpoint.fold)  # another console's scrape moved the marks first
    moved = second.read(checkpoint.marks)
    for source, mark in stale.items():  # this scrape read the marks before: it finds them moved
        first.write(checkpoint._fold, source, mark)
    assert first.read(checkpoint.marks) == moved
    agree(first)


def test_postgresql_does_not_pass_a_row_another_transaction_is_still_writing() -> None:
    with fresh_database("postgresql", "bgw_tallies") as url:
        first, second = Store.open(url), Store.open(url)
        try:
            _in_flight(first, second)
        finally:
            first.close()
            second.close()


def _in_flight(first: Store, second: Store) -> None:
    row = message_row(
        Direction.OUT,
        str(uuid.uuid4()),
        "KZ",
        PROFILE,
        "marker-incident",
        NOW,
        "a" * 64,
        b"<n/>",
        MessageState.QUEUED,
        NOW,
    )
    with second.transaction() as slow:  # draws its seq now, commits last (no log entry: no chain lock)
        INSERT_MESSAGE.run(slow.conn, row)
        first.write(ours, "crossing-restriction", NOW)  # a higher seq, committed first
        first.write(checkpoint.fold)
        held = first.read(checkpoint.marks)["messages"]
        assert held.upto == 0 and held.pending > 0 and held.waiting, held
        first.write(checkpoint.fold)  # the writer is still running: the mark stays
        assert first.read(checkpoint.marks)["messages"].upto == 0
        agree(first)
    first.write(checkpoint.fold)  # the writer is gone: the mark moves to what was pending
    assert first.read(checkpoint.marks)["messages"].upto == held.pending
    first.write(checkpoint.fold)
    found = agree(first)
    assert sorted((row.type, row.count) for row in found["traffic"]) == [  # type: ignore[attr-defined]
        ("crossing-restriction", 1),
        ("marker-incident", 1),
    ]
