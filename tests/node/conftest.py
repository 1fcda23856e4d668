"""Fixtures for node tests: a private vhost and PKI per test, nodes stopped and vhost removed after."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.node.harness import World, create_world, destroy_world


@pytest.fixture
def world(tmp_path: Path) -> Iterator[World]:
    created = create_world(tmp_path)
    try:
        yield created
    finally:
        destroy_world(created)
