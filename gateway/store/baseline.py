"""The raw baseline of the store benchmark: the statements the store ran, replayed on the bare DB-API
driver — the same texts, the same parameters, the same rows, in the same transactions — with nothing
of the store around them (no SQLAlchemy, no row building, no hash chain, no savepoints)."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import Any

import psycopg

from gateway.store.sql import Statement


def connect(url: str) -> Any:
    """A driver connection to the database *url* names, set up as the store sets up its own."""
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
        for pragma in ("journal_mode=WAL", "synchronous=FULL", "busy_timeout=5000", "foreign_keys=ON"):
            conn.execute(f"PRAGMA {pragma}")
        return conn
    return psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))


def replay(conn: Any, groups: Sequence[Sequence[Statement]]) -> None:
    """Run each group of statements as one transaction."""
    sqlite = isinstance(conn, sqlite3.Connection)
    for group in groups:
        cursor = conn.cursor()
        if sqlite:
            cursor.execute("BEGIN IMMEDIATE")
        for text, params, many in group:
            if many:
                cursor.executemany(text, params)
            else:
                cursor.execute(text, params)
        if sqlite:
            cursor.execute("COMMIT")
        else:
            conn.commit()
