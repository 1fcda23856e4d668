"""Keys and certificates for tests, valid whatever clock a test sets and whenever the suite runs.

Many tests move a node's clock to a fixed moment of 2026 (a treaty date, 2026-11-30 09:00 UTC…),
and the node refuses to start with a certificate that is not valid on its clock. Certificates
issued "now" by the wall clock broke such tests as soon as the wall clock passed the fixed moment.
These are issued from EPOCH, before any clock the tests set, until the usual node lifetime after
today."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from gateway import pki

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)


def init_side(out: Path, side: str) -> Path:
    """pki.init_side, valid from EPOCH to NODE_DAYS after today."""
    days = (datetime.now(UTC) - EPOCH).days + pki.NODE_DAYS
    return pki.init_side(out, side, now=EPOCH, node_days=days)
