"""The node's state: SQLAlchemy Core over SQLite (default) or PostgreSQL. Nothing outside this package
writes SQL.

`Store` opens the database and runs units of work; the concepts are modules of functions over a
transaction (`Tx`) or a read connection: `journal` (the hash-chained log), `outbox`, `inbox`,
`receipts`, `quarantine`, `obligations`, `rungs` and `escalations`, `audit`, the console's `users` and
their sessions, `drafts` (notices awaiting a second approval), and the read-only `views`, `listing`
(the message log, paged by keyset), `trail` (the audit trail as admins read it) and `series` (the
console's charts, per day); `tallies` (what /metrics counts: running totals kept in the database,
whose marks `checkpoint` moves). `probes` and
`filler` serve the benchmarks and tests only.
"""

from gateway.store.rows import OutgoingReceipt, Signed
from gateway.store.store import Store
from gateway.store.unit import Tx

__all__ = ["OutgoingReceipt", "Signed", "Store", "Tx"]
