"""The hash-chained log: append an entry inside a write transaction, read and verify the chain.

The database owns the head of the chain. A transaction reads it once, after taking the right to
append — SQLite: the write lock its `BEGIN IMMEDIATE` took; PostgreSQL: an advisory lock held to the
commit, since replicas and `bgw` commands append to the same log — and keeps it in its `Tx` for its
further entries. No process caches it beyond its transaction.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, text

from gateway import chain
from gateway.store.schema import log
from gateway.store.sql import Prepared
from gateway.store.times import naive
from gateway.store.unit import Tx

_CHAIN_LOCK = 0x6267_7700  # PostgreSQL advisory lock serialising log appends across processes
_LOCK_CHAIN = Prepared(text(f"SELECT pg_advisory_xact_lock({_CHAIN_LOCK})"))
_HEAD = Prepared(select(log.c.seq, log.c.hash).order_by(log.c.seq.desc()).limit(1))
_INSERT = Prepared(log.insert())


def head(tx: Tx) -> tuple[int, str]:
    """(seq, hash) of the last entry, as this transaction may extend it."""
    if tx.head is None:
        if tx.dialect == "postgresql":
            _LOCK_CHAIN.run(tx.conn, {})
        last = _HEAD.first(tx.conn, {})
        tx.head = (int(last[0]), str(last[1])) if last else (0, chain.GENESIS)
    return tx.head


def append(
    tx: Tx,
    at: datetime,
    event: str,
    message_id: str | None = None,
    peer: str | None = None,
    detail: Mapping[str, Any] | None = None,
) -> int:
    """Append one entry after the head; returns its sequence number."""
    last_seq, prev_hash = head(tx)
    seq, stamp, body = last_seq + 1, naive(at), chain.detail_text(detail or {})
    digest = chain.entry_hash(prev_hash, seq, stamp, event, message_id, peer, body)
    _INSERT.run(
        tx.conn,
        {
            "seq": seq,
            "at": stamp,
            "event": event,
            "message_id": message_id,
            "peer": peer,
            "detail": body,
            "prev_hash": prev_hash,
            "hash": digest,
        },
    )
    tx.head = (seq, digest)
    return seq


def entries(conn: Connection, after: int = 0, until: int | None = None) -> Iterator[chain.Entry]:
    """Every entry after *after* (up to *until*), in order, streamed."""
    query = select(log).where(log.c.seq > after).order_by(log.c.seq)
    if until is not None:
        query = query.where(log.c.seq <= until)
    for row in conn.execute(query).yield_per(1000):
        yield chain.Entry(
            row.seq, row.at, row.event, row.message_id, row.peer, row.detail, row.prev_hash, row.hash
        )


def verify(conn: Connection) -> tuple[int, tuple[int, str] | None]:
    """(number of entries, the first break or None)."""
    count = 0

    def counted() -> Iterator[chain.Entry]:
        nonlocal count
        for entry in entries(conn):
            count += 1
            yield entry

    broken = chain.first_break(counted())
    return count, broken
