"""A node on PostgreSQL (the production database) exchanges notices like one on SQLite."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from gateway.store.scratch import scratch_database
from tests.node.harness import World
from tests.node.test_exchange import exchange, outbound_states


@pytest.fixture
def database() -> Iterator[str]:
    with scratch_database("bgw_node") as url:
        yield url


def test_a_node_on_postgresql(world: World, database: str) -> None:
    world.node("KZ", ("UZ",), database_url=database)
    asyncio.run(exchange(world, 30, create=False))
    world.stop_all()
    assert outbound_states(world, "KZ") == {"delivered": 30}
