"""Migration 0013 (what a message answers): a database of release 0012 with notices, receipts and an
unreadable payload in it upgrades in place, on both databases; each notice gets the InReplyTo of its
own signed header, the rest NULL; the index is there and the schema is the declared one."""

from __future__ import annotations

from datetime import UTC, datetime

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from lxml import etree
from sqlalchemy import inspect, text

from gateway.store import Store
from gateway.store.schema import metadata
from gateway.wire.envelope import Header, Party, build_notification
from tests.store.conftest import at_revision, head

_MESSAGE = (
    "INSERT INTO messages (direction, message_id, peer, profile, type, created_at, digest, payload, state, "
    "attempts, updated_at) VALUES (:dir, :id, 'KZ', 'p', :type, :at, 'd', :payload, :state, 0, :at)"
)
AT = "2026-11-01 00:00:00.000000"
STATES = {"in": "received", "out": "delivered"}
ANSWERED = "11111111-1111-4111-8111-111111111111"


def envelope(message_id: str, in_reply_to: str | None) -> bytes:
    sides = Party("KZ", "u"), Party("UZ", "u")
    created = datetime(2026, 11, 1, tzinfo=UTC)
    header = Header(message_id, "p", "marker-incident", *sides, created, in_reply_to=in_reply_to)
    return bytes(etree.tostring(build_notification(header, etree.Element("{urn:x}Body"))))


ROWS = [  # (direction, id, type, payload, what the upgrade must find)
    ("in", "reply", "marker-incident", envelope("reply", ANSWERED), ANSWERED),
    ("out", "plain", "marker-incident", envelope("plain", None), None),
    ("out", "r1", "receipt", envelope("r1", ANSWERED), None),  # a receipt is not read
    ("in", "broken", "marker-incident", b"<not xml", None),
]


def _at_0012(url: str) -> None:
    with at_revision(url, "0012") as connection:
        for direction, message_id, kind, payload, _ in ROWS:
            connection.execute(
                text(_MESSAGE),
                {
                    "dir": direction,
                    "id": message_id,
                    "type": kind,
                    "at": AT,
                    "payload": payload,
                    "state": STATES[direction],
                },
            )


def test_a_0012_database_with_rows_upgrades_and_each_notice_gets_its_reference(url: str) -> None:
    _at_0012(url)
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
            assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar_one() == head()
            found = dict(conn.execute(text("SELECT message_id, in_reply_to FROM messages")).all())
            indexes = {i["name"]: i["column_names"] for i in inspect(conn).get_indexes("messages")}
        assert found == {message_id: expected for _, message_id, _, _, expected in ROWS}
        assert indexes["ix_messages_in_reply_to"] == ["in_reply_to"]
    finally:
        store.close()
