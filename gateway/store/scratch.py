"""A PostgreSQL database of its own for one run (benchmarks, tests), dropped afterwards."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

SERVER = "postgresql://bgw:bgw@127.0.0.1:5432"
ADMIN_DATABASE = "bgw_test"  # any database the role may connect to (make services creates it)


@contextmanager
def scratch_database(prefix: str = "bgw_scratch") -> Iterator[str]:
    """Create a database named *prefix*_<random>; yield its URL; drop it, even while in use."""
    name = f"{prefix}_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{SERVER}/{ADMIN_DATABASE}", autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"{SERVER}/{name}"
    finally:
        with psycopg.connect(f"{SERVER}/{ADMIN_DATABASE}", autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
