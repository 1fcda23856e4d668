"""RabbitMQ and PostgreSQL answer on this machine, as `make services` sets them up.

These tests fail, never skip: a missing broker or database is a broken setup, not an optional feature.
"""

from __future__ import annotations

import asyncio
import re

import aio_pika
import aio_pika.exceptions
import psycopg
import pytest

from gateway import paths

RABBITMQ_URL = "amqp://guest:guest@127.0.0.1:5672/"
POSTGRES_URL = "postgresql://bgw:bgw@127.0.0.1:5432/bgw_test"
HOW_TO_START = "run `make services` (scripts/setup-services.sh) to install and start it"


def test_rabbitmq_answers() -> None:
    async def login() -> None:
        connection = await aio_pika.connect(RABBITMQ_URL, timeout=10)
        await connection.close()

    problem = None
    try:
        asyncio.run(login())
    except (OSError, TimeoutError, aio_pika.exceptions.AMQPError) as exc:
        problem = f"{type(exc).__name__}: {exc}"
    if problem is not None:
        pytest.fail(
            f"RabbitMQ is not reachable as guest at 127.0.0.1:5672 ({problem}); {HOW_TO_START}", pytrace=False
        )


def test_postgresql_answers() -> None:
    problem = None
    try:
        with psycopg.connect(POSTGRES_URL, connect_timeout=10) as connection:
            row = connection.execute("select 1").fetchone()
    except psycopg.Error as exc:
        problem = f"{type(exc).__name__}: {exc}"
    if problem is not None:
        pytest.fail(
            f"PostgreSQL is not reachable as bgw at 127.0.0.1:5432/bgw_test ({problem}); {HOW_TO_START}",
            pytrace=False,
        )
    assert row == (1,)


DEMO_DATABASES = {"KZ": "bgw_kz", "UZ": "bgw_uz", "AZ": "bgw_az"}


@pytest.mark.parametrize(("side", "name"), DEMO_DATABASES.items())
def test_the_demo_node_databases_exist_owned_by_bgw(side: str, name: str) -> None:
    """What config/<side>.toml suggests as database_url connects, as the role that owns it."""
    suggested = re.search(
        r'^#\s*database_url\s*=\s*"([^"]+)"', (paths.CONFIG / f"{side.lower()}.toml").read_text(), re.M
    )
    assert suggested is not None, f"config/{side.lower()}.toml suggests no PostgreSQL database_url"
    assert suggested.group(1) == f"postgresql://bgw:bgw@127.0.0.1:5432/{name}"
    try:
        with psycopg.connect(suggested.group(1), connect_timeout=10) as connection:
            row = connection.execute(
                "select pg_get_userbyid(datdba) from pg_database where datname = current_database()"
            ).fetchone()
    except psycopg.Error as exc:
        pytest.fail(f"{suggested.group(1)}: {type(exc).__name__}: {exc}; {HOW_TO_START}", pytrace=False)
    assert row == ("bgw",)
