"""The outbox and the inbox: a submission sent once, dedupe in the database, claims that two
dispatchers never share, and state changes only as the lifecycle allows."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import datetime, timedelta

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from gateway.lifecycle import Direction, MessageEvent, MessageState
from gateway.store import Store, inbox, outbox, receipts, views
from gateway.store.obligations import Duties
from tests.store.conftest import NOW, arrival, inbound, logged, outbound, signed


def test_a_submission_key_is_sent_once(store: Store) -> None:
    first, new = outbound(store, "KZ:abc")
    again, new_again = outbound(store, "KZ:abc")
    assert (again, new, new_again) == (first, True, False)


def test_dedupe_in_the_database(store: Store) -> None:
    message_id = str(uuid.uuid4())
    assert inbound(store, message_id, "c" * 64) is None  # recorded
    again = inbound(store, message_id, "c" * 64)
    assert again is not None and (again.digest, again.state) == ("c" * 64, MessageState.RECEIVED)
    other = inbound(store, message_id, "d" * 64)
    assert other is not None and other.digest == "c" * 64, "what is stored is returned, nothing written"
    assert [e.event for e in logged(store)] == ["received"]
    assert store.write(inbox.handed_over, message_id, NOW)
    assert not store.write(inbox.handed_over, message_id, NOW), "handed over once"


def test_a_claimed_row_is_not_due_again_before_its_lease_ends(store: Store) -> None:
    message_id, _ = outbound(store)
    lease = NOW + timedelta(seconds=50)
    [claimed] = store.write(outbox.claim, NOW, lease, 10)
    assert (claimed.message_id, claimed.state, claimed.attempts) == (message_id, MessageState.QUEUED, 0)
    assert store.write(outbox.claim, NOW + timedelta(seconds=49), lease, 10) == [], "another dispatcher"
    assert store.read(outbox.next_due) == lease
    [again] = store.write(outbox.claim, lease, lease + timedelta(seconds=50), 10)  # the lease ended
    assert again.message_id == message_id


def test_state_changes_follow_the_lifecycle(store: Store) -> None:
    message_id, _ = outbound(store)
    assert not store.write(outbox.gave_up, message_id, NOW, 1), "queued: nothing to give up yet"
    assert store.write(outbox.confirmed, message_id, NOW, NOW + timedelta(hours=1), 1)
    assert store.read(views.message_state, Direction.OUT, message_id) is MessageState.SENT
    assert store.write(outbox.gave_up, message_id, NOW, 1)
    assert store.read(views.message_state, Direction.OUT, message_id) is MessageState.UNRECEIPTED
    assert not store.write(outbox.confirmed, message_id, NOW, None, 2), "unreceipted is not re-sent"
    assert store.read(outbox.next_due) is None
    events = [e.event for e in logged(store)]
    assert events == ["queued", "sent", "unreceipted"], "a refused change writes no log entry"


@pytest.mark.parametrize(
    ("statement", "constraint"),
    [
        ("UPDATE messages SET state = 'lost'", "ck_messages_state"),
        (
            "UPDATE messages SET state = 'received'",
            "ck_messages_state",
        ),  # an inbound state on an outbound row
        ("UPDATE messages SET direction = 'up'", "ck_messages_direction"),
        ("UPDATE obligations SET state = 'forgotten'", "ck_obligations_state"),
        ("UPDATE escalations SET state = 'ignored'", "ck_escalations_state"),
    ],
)
def test_the_database_refuses_a_state_the_lifecycle_does_not_know(
    store: Store, statement: str, constraint: str
) -> None:
    outbound(store)
    table = statement.split()[1]
    with store.engine.begin() as conn:  # a row in each table, written as any writer could
        if table == "obligations":
            conn.execute(text(_OBLIGATION))
        if table == "escalations":
            conn.execute(text(_OBLIGATION))
            conn.execute(text(_ESCALATION))
    with pytest.raises(IntegrityError, match=constraint), store.engine.begin() as conn:
        conn.execute(text(statement))


_OBLIGATION = (
    "INSERT INTO obligations (direction, message_id, peer, profile, type, duty, item, owner, article, "
    "source, basis, optional, due_at, state, level, created_at) VALUES ('out', 'm', 'UZ', 'p', 't', "
    "'reply', '', 'UZ', '40(1)', 'text', 'b', false, '2026-11-24 06:00:00.000000', 'open', -1, "
    "'2026-11-24 06:00:00.000000')"
)
_ESCALATION = (
    "INSERT INTO escalations (obligation_id, rung, level, at, state) "
    "VALUES (1, 0, 'duty-operator', '2026-11-24 06:00:00.000000', 'open')"
)


def test_times_are_stored_as_sqlalchemy_stores_them(tmp_path: object) -> None:
    """The prepared statements bind datetimes as SQLAlchemy's SQLite dialect writes them, microseconds
    always included, so that times compare correctly as text whoever wrote them (a whole second must
    not lose its ".000000": '09:00:00' sorts before '09:00:00.000000')."""
    import sqlite3
    from pathlib import Path

    database = Path(str(tmp_path)) / "times.sqlite3"
    store = Store.open(f"sqlite:///{database}")
    try:
        outbound(store, at=NOW)  # NOW is a whole second
    finally:
        store.close()
    with sqlite3.connect(database) as raw:
        stored = raw.execute("SELECT created_at, next_attempt_at, updated_at FROM messages").fetchone()
        logged = raw.execute("SELECT at FROM log").fetchone()
    assert set(stored) | set(logged) == {"2026-11-24 06:00:00.000000"}


def test_the_treaty_clocks_read_what_was_received_and_when(store: Store) -> None:
    """`views.treaty_messages` (every national submission runs it): the messages of the clock types
    that their recipient received without refusing them, with the time of receipt as an aware
    datetime to the microsecond, on both databases."""
    kinds = ["denunciation-notice", "entry-into-force-notice"]

    def sent(message_type: str, status: str, received_at: datetime) -> str:
        message_id, _ = store.write(
            outbox.add,
            signed(),
            peer="UZ",
            profile="p",
            message_type=message_type,
            submission_key=None,
            at=NOW,
        )
        event = MessageEvent.RECEIPTED if status == "accepted" else MessageEvent.REFUSED
        ack = receipts.Acknowledged(
            message_id, str(uuid.uuid4()), status, (), True, event, b"<r/>", received_at, Duties()
        )
        store.write(outbox.claim, NOW, NOW + timedelta(seconds=50), 10)
        store.write(outbox.confirmed, message_id, NOW, None, 1)
        assert store.write(receipts.record, ack, "UZ", NOW)
        return message_id

    when = NOW + timedelta(hours=1, microseconds=250)
    sent("denunciation-notice", "accepted", when)
    sent("denunciation-notice", "rejected", when)  # refused: moves no clock
    sent("marker-incident", "accepted", when)  # not a clock type
    store.write(inbox.record, replace(arrival(str(uuid.uuid4()), "c" * 64), type="entry-into-force-notice",
                                      profile="p", peer="UZ"), NOW)  # fmt: skip
    found = sorted(store.read(views.treaty_messages, "p", "UZ", kinds))
    assert [(r.type, r.direction, r.received_at) for r in found] == [
        ("denunciation-notice", "out", when),
        ("entry-into-force-notice", "in", NOW),
    ]
    assert store.read(views.treaty_messages, "p", "AZ", kinds) == [], "another link's clock is its own"
