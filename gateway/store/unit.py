"""The unit of work: one database transaction, and what is known inside it only.

Every write of the store happens inside a `Tx`. What a transaction learns about shared state — the
head of the hash-chained log — lives in the `Tx` and dies with it: another process (a `bgw` command,
the console, a second replica) may write the database between two transactions, so nothing read in
one is trusted in the next. A savepoint (one call of a group commit) that rolls back restores what
the transaction knew before it.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from sqlalchemy import Connection


@dataclass
class Tx:
    """An open write transaction: its connection, and the log head as this transaction left it."""

    conn: Connection
    head: tuple[int, str] | None = None  # (seq, hash) of the last log entry; None: not read yet

    @property
    def dialect(self) -> str:
        return self.conn.dialect.name

    @contextmanager
    def savepoint(self) -> Iterator[Tx]:
        """A part of the transaction that fails alone: its writes and its log entries roll back."""
        head = self.head
        try:
            with self.conn.begin_nested():
                yield self
        except BaseException:
            self.head = head
            raise
