"""The message log and its state: SQLAlchemy Core over SQLite (default) or PostgreSQL.

Nothing outside this package writes SQL.
"""

from gateway.store.store import Escalated, Inbound, Outbound, OutgoingReceipt, Signed, Step, Store

__all__ = ["Escalated", "Inbound", "Outbound", "OutgoingReceipt", "Signed", "Step", "Store"]
