"""A bulk fill of the messages table, their receipts and the log with synthetic rows, for the console's
benchmark and tests (a log of a million messages in seconds, not the hours the node's own path would
take). PostgreSQL: COPY; SQLite: one executemany per batch. The node never uses it."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam

from gateway import chain
from gateway.lifecycle import Direction, MessageState
from gateway.store.rows import message_row
from gateway.store.schema import log, messages, receipts
from gateway.store.times import naive
from gateway.store.unit import Tx

TYPES = ("marker-incident", "crossing-restriction", "pass-request")
PAYLOAD = b"<signed notice/>"
AUDITORS = ("auditor-a", "auditor-b", "auditor-c")


def message_id(n: int) -> str:
    """The id of synthetic row *n*."""
    return f"{n:08d}-0000-4000-8000-{n:012d}"


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
            message_id(n),
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


RECEIPT_DELAY = timedelta(seconds=42)  # the peer's time of receipt of our synthetic notices
RECEIPT_PAYLOAD = b"<signed receipt/>"


def synthetic_receipts(first: int, count: int, start: datetime, step: timedelta) -> Iterator[dict[str, Any]]:
    """The receipts of `synthetic`'s rows *first* .. *first*+*count*-1 (pure): the peer's (direction
    in, accepted, RECEIPT_DELAY after creation) for ours, ours (direction out) for the peer's."""
    for n in range(first, first + count):
        outgoing = n % 2 == 0
        created = start + step * n
        yield {
            "direction": (Direction.IN if outgoing else Direction.OUT).value,
            "message_id": message_id(n),
            "receipt_id": f"{n:08d}-0000-4000-9000-{n:012d}",
            "status": "accepted",
            "reasons": None,
            "payload": RECEIPT_PAYLOAD,
            "at": naive(created + RECEIPT_DELAY if outgoing else created),
        }


def synthetic_log(
    rows: int, start: datetime, links: Sequence[tuple[str, str]], step: timedelta, act_every: int
) -> Iterator[dict[str, Any]]:
    """The log of `synthetic`'s *rows* messages, a hash chain from the genesis (pure): one entry per
    message (sent, received), except every *act_every*-th, which is a person's act instead (an
    auditor viewed that message): a few acts spread through a long log, as the audit trail meets it."""
    prev = chain.GENESIS
    for n in range(rows):
        at = naive(start + step * n)
        if n % act_every == act_every - 1:
            event, peer, body = (
                "console-viewed",
                links[n % len(links)][0],
                chain.detail_text({"by": AUDITORS[n % 3]}),
            )
        elif n % 2 == 0:
            event, peer, body = "sent", None, chain.detail_text({"attempt": 1})
        else:
            event, peer, body = "received", links[n % len(links)][0], "{}"
        digest = chain.entry_hash(prev, n + 1, at, event, message_id(n), peer, body)
        yield {
            "seq": n + 1,
            "at": at,
            "event": event,
            "message_id": message_id(n),
            "peer": peer,
            "detail": body,
            "prev_hash": prev,
            "hash": digest,
        }
        prev = digest


def insert_messages(tx: Tx, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ready-made rows (`rows.message_row`): COPY on PostgreSQL, executemany on SQLite."""
    _insert(tx, "messages", rows)


def insert_receipts(tx: Tx, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ready-made receipts (`synthetic_receipts`), as `insert_messages` does."""
    _insert(tx, "receipts", rows)


def insert_log(tx: Tx, rows: Sequence[dict[str, Any]]) -> None:
    """Insert ready-made log entries (`synthetic_log`), as `insert_messages` does."""
    _insert(tx, "log", rows)


def _insert(tx: Tx, table: str, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    names = list(rows[0])
    if tx.dialect != "postgresql":
        tx.conn.execute({"messages": messages, "log": log, "receipts": receipts}[table].insert(), list(rows))
        return
    raw = tx.conn.connection.driver_connection
    assert raw is not None
    with raw.cursor() as cursor, cursor.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row([row[name] for name in names])


def sign_rows(tx: Tx, payloads: Mapping[str, bytes]) -> None:
    """Give the rows named (message id -> signed bytes) real signed notices, their digests with them
    (the page of a message verifies and renders its notice; the bulk rows hold a stand-in)."""
    c = messages.c
    update = (
        messages.update()
        .where(c.message_id == bindparam("b_id"))
        .values(payload=bindparam("b_payload"), digest=bindparam("b_digest"))
    )
    tx.conn.execute(
        update,
        [
            {"b_id": key, "b_payload": data, "b_digest": hashlib.sha256(data).hexdigest()}
            for key, data in payloads.items()
        ],
    )


def analyze(tx: Tx) -> None:
    """Refresh the planner's statistics after a bulk fill."""
    tx.conn.exec_driver_sql("ANALYZE messages, receipts, log" if tx.dialect == "postgresql" else "ANALYZE")
