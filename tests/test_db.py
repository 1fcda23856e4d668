"""`bgw db init`: the database a configuration names is created when missing and migrated, on the
real PostgreSQL and on SQLite; a role that may not create databases gets one coded line."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from tests.test_cli import assert_refused, bgw

SERVER = "127.0.0.1:5432"
MAINTENANCE = f"postgresql://bgw:bgw@{SERVER}/postgres"
TABLES = {"messages", "receipts", "quarantine", "log", "obligations", "escalations"}


def as_postgres(statement: str) -> None:
    """Run SQL as the server's superuser, over the local socket as scripts/setup-services.sh does."""
    command = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", "postgres", "-c", statement]
    prefix = (
        ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else ["sudo", "-n", "-u", "postgres", "--"]
    )
    result = subprocess.run([*prefix, *command], capture_output=True, text=True, check=False, cwd="/")
    assert result.returncode == 0, f"psql as postgres: {result.stderr.strip()} (make services sets it up)"


def config(folder: Path, database_url: str | None = None) -> Path:
    """A node configuration whose keys do not exist yet: db init needs only [node]."""
    file = folder / "node.toml"
    url = f'database_url = "{database_url}"\n' if database_url else ""
    file.write_text(
        f'[node]\nside = "KZ"\ndata_dir = "{folder / "data" / "kz"}"\n{url}\n'
        '[pki]\nkey = "missing/node.key"\ncert = "missing/node.pem"\ntrust = "missing"\n',
        encoding="utf-8",
    )
    return file


def exists(name: str) -> bool:
    with psycopg.connect(MAINTENANCE) as conn:
        return conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,)).fetchone() is not None


@pytest.fixture
def database_name() -> Iterator[str]:
    name = f"bgw_init_{uuid.uuid4().hex[:8]}"
    try:
        yield name
    finally:
        with psycopg.connect(MAINTENANCE, autocommit=True) as conn:
            conn.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def tables_of(url: str) -> set[str]:
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'").fetchall()
    return {row[0] for row in rows}


def test_init_creates_and_migrates_a_postgresql_database(tmp_path: Path, database_name: str) -> None:
    url = f"postgresql://bgw:bgw@{SERVER}/{database_name}"
    file = config(tmp_path, url)
    first = bgw("db", "init", "--config", file)
    assert first.returncode == 0, first.stderr
    where = f"PostgreSQL database {database_name} on {SERVER} (role bgw)"
    assert first.stdout.decode().startswith(f"{where}: created; schema at the latest revision ("), (
        first.stdout
    )
    assert tables_of(url) >= TABLES
    again = bgw("db", "init", "--config", file)
    assert again.returncode == 0, again.stderr
    assert again.stdout.decode().startswith(f"{where}: already there;"), again.stdout


@pytest.fixture
def role_without_createdb() -> Iterator[str]:
    role = f"bgw_nocreate_{uuid.uuid4().hex[:8]}"
    as_postgres(f"CREATE ROLE {role} LOGIN NOCREATEDB PASSWORD 's3cret'")
    try:
        yield role
    finally:
        as_postgres(f"DROP ROLE IF EXISTS {role}")


def test_a_role_that_may_not_create_databases_gets_one_coded_line(
    tmp_path: Path, database_name: str, role_without_createdb: str
) -> None:
    role = role_without_createdb
    result = bgw(
        "db", "init", "--config", config(tmp_path, f"postgresql://{role}:s3cret@{SERVER}/{database_name}")
    )
    assert_refused(result, "config-invalid")
    stderr = result.stderr.decode()
    assert f"{database_name} on {SERVER} (role {role}) does not exist" in stderr, stderr
    assert (
        f"may not create databases: have an administrator run CREATE DATABASE {database_name} OWNER {role}"
        in stderr
    )
    assert "s3cret" not in stderr, "the password is not shown"
    assert not exists(database_name)


def test_an_unreachable_server_gets_one_coded_line(tmp_path: Path) -> None:
    result = bgw("db", "init", "--config", config(tmp_path, "postgresql://bgw:s3cret@127.0.0.1:9/bgw_kz"))
    assert_refused(result, "config-invalid")
    assert "cannot connect to it nor to the maintenance database postgres" in result.stderr.decode()
    assert b"s3cret" not in result.stderr


def test_init_creates_the_sqlite_file_and_its_folders(tmp_path: Path) -> None:
    file = config(tmp_path)
    result = bgw("db", "init", "--config", file)
    assert result.returncode == 0, result.stderr
    database = tmp_path / "data" / "kz" / "gateway.sqlite3"
    assert result.stdout.decode().startswith(f"SQLite file {database}: created;"), result.stdout
    with sqlite3.connect(database) as conn:
        tables = {row[0] for row in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert tables >= TABLES
    assert (
        bgw("db", "init", "--config", file)
        .stdout.decode()
        .startswith(f"SQLite file {database}: already there;")
    )
