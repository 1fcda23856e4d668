"""A node on PostgreSQL (the production database) exchanges notices like one on SQLite."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import psycopg
import pytest

from tests.node.harness import World
from tests.node.test_exchange import exchange, outbound_states

ADMIN = "postgresql://bgw:bgw@127.0.0.1:5432/bgw_test"


@pytest.fixture
def database() -> Iterator[str]:
    name = f"bgw_node_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(ADMIN, autocommit=True) as conn:
        conn.execute(f"CREATE DATABASE {name}")
    try:
        yield f"postgresql://bgw:bgw@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_a_node_on_postgresql(world: World, database: str) -> None:
    world.node("KZ", ("UZ",), database_url=database)
    asyncio.run(exchange(world, 30, create=False))
    world.stop_all()
    assert outbound_states(world, "KZ") == {"delivered": 30}
