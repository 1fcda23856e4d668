"""A bulk fill of the messages table with synthetic rows, for the console's benchmark and tests (a
log of a million messages in seconds, not the hours the node's own path would take). PostgreSQL:
COPY; SQLite: one executemany per batch. The node never uses it."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import Any

from gateway.lifecycle import Direction, MessageState
from gateway.store.rows import message_row
from gateway.store.schema import messages
from gateway.store.unit import Tx

TYPES = ("marker-incident", "crossing-restriction", "pass-request")
PAYLOAD = b"<signed notice/>"


def synthetic(
    first: int, count: int, start: datetime, links: Sequence[tuple[str, str]], step: timedelta
) -> Iterator[dict[str, Any]]:
    """Rows *first* .. *first*+*count*-1 (pure): alternately out (delivered) and in (received),
    the links and types in turn, created *step* apart from *start*; ids are `<n>-...` so a test can
    tell which row is which."""
    for n in range(first, first + count):
        peer, profile = links[n % len(links)]
        outgoing = n % 2 == 0
        created = start + step * n
        yield message_row(
            Direction.OUT if outgoing else Direction.IN,
            f"{n:08d}-0000-4000-8000-{n:012d}",
            peer,
            profile,
            TYPES[n % len(TYPES)],
            created,
            "0" * 64,
            PAYLOAD,
            MessageState.DELIVERED if outgoing else MessageState.RECEIVED,
            created,
            receipt_status="accepted" if outgoing else None,
        )


def insert_messages(tx: Tx, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ready-made rows (`rows.message_row`): COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    names = list(rows[0])
    if tx.dialect != "postgresql":
        tx.conn.execute(messages.insert(), list(rows))
        return
    raw = tx.conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY messages ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] for name in names])


def analyze(tx: Tx) -> None:
    """Refresh the planner's statistics after a bulk fill."""
    tx.conn.exec_driver_sql("ANALYZE messages" if tx.dialect == "postgresql" else "ANALYZE")
