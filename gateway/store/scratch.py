"""A database of its own for one run (benchmarks, tests), removed afterwards."""

from __future__ import annotations

import shutil
import tempfile
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

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


@contextmanager
def fresh_database(kind: str, prefix: str = "bgw_scratch") -> Iterator[str]:
    """The URL of a new, empty database of *kind* (sqlite: a file in a folder of its own; postgresql:
    a scratch database), removed afterwards."""
    if kind == "sqlite":
        folder = Path(tempfile.mkdtemp(prefix=f"{prefix}-"))
        try:
            yield f"sqlite:///{folder / 'gateway.sqlite3'}"
        finally:
            shutil.rmtree(folder, ignore_errors=True)
        return
    with scratch_database(prefix) as url:
        yield url
