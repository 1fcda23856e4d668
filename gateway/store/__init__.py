"""The message log and its state: SQLAlchemy Core over SQLite (default) or PostgreSQL.

Nothing outside this package writes SQL.
"""

from gateway.store.store import Inbound, Outbound, OutgoingReceipt, Store

__all__ = ["Inbound", "Outbound", "OutgoingReceipt", "Store"]
