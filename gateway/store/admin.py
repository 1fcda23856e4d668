"""The database a node's configuration names, created when missing and migrated (`bgw db init`).

SQLite: the file and its folder. PostgreSQL: ``CREATE DATABASE`` through the server's maintenance
database ``postgres``, as the same role with the same password; the role needs CREATEDB, or an
administrator creates the database for it. Either way `Store.open` then migrates it to the latest
schema.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from alembic.runtime.migration import MigrationContext
from sqlalchemy import URL, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from gateway.errors import ConfigError
from gateway.store.store import Store

MAINTENANCE_DATABASE = "postgres"
_INSUFFICIENT_PRIVILEGE = "42501"
_DUPLICATE_DATABASE = "42P04"  # created by someone else between our look and our CREATE
_EXISTS = text("SELECT 1 FROM pg_database WHERE datname = :name")


@dataclass(frozen=True)
class Initialised:
    where: str  # the database, for people: "PostgreSQL database bgw_kz on 127.0.0.1:5432 (role bgw)"
    created: bool  # False: it was there already
    revision: str | None  # the schema revision it is at now (the latest)


def initialise(url: str) -> Initialised:
    """Create the database *url* names when it does not exist, then migrate it to the latest schema."""
    if url.startswith("sqlite:"):
        path = Path(make_url(url).database or "")
        where, created = f"SQLite file {path}", not path.exists()
    else:
        server = _postgresql(url)
        where = (
            f"PostgreSQL database {server.database} on {server.host}:{server.port or 5432} "
            f"(role {server.username})"
        )
        created = _create_postgresql(server, where)
    store = Store.open(url)
    try:
        with store.engine.connect() as conn:
            revision = MigrationContext.configure(conn).get_current_revision()
    finally:
        store.close()
    return Initialised(where, created, revision)


def _postgresql(url: str) -> URL:
    try:
        parsed = make_url(url)
    except SQLAlchemyError as exc:
        raise ConfigError(f"database_url: {_line(exc)}") from exc
    if not parsed.database:
        raise ConfigError("database_url: names no database (…/NAME at the end)")
    return parsed.set(drivername="postgresql+psycopg")


def _create_postgresql(server: URL, where: str) -> bool:
    """Create the database unless it exists; True when this call created it."""
    if _answers(server):
        return False
    engine = create_engine(
        server.set(database=MAINTENANCE_DATABASE), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )
    try:
        try:
            conn = engine.connect()
        except DBAPIError as exc:
            raise ConfigError(
                f"{where}: cannot connect to it nor to the maintenance database {MAINTENANCE_DATABASE}: "
                f"{_line(exc.orig or exc)}"
            ) from exc
        with conn:
            if conn.execute(_EXISTS, {"name": server.database}).first() is not None:
                return False  # there, but it refused us: Store.open says why
            name = engine.dialect.identifier_preparer.quote(str(server.database))
            conn.exec_driver_sql(f"CREATE DATABASE {name}")
    except DBAPIError as exc:
        if getattr(exc.orig, "sqlstate", None) == _DUPLICATE_DATABASE:
            return False
        raise _refused(exc, server, where) from exc
    finally:
        engine.dispose()
    return True


def _refused(exc: DBAPIError, server: URL, where: str) -> ConfigError:
    if getattr(exc.orig, "sqlstate", None) == _INSUFFICIENT_PRIVILEGE:
        role, name = server.username, server.database
        return ConfigError(
            f"{where} does not exist and role {role} may not create databases: have an administrator "
            f"run CREATE DATABASE {name} OWNER {role} (or ALTER ROLE {role} CREATEDB), then bgw db init again"
        )
    return ConfigError(f"{where} does not exist and cannot be created: {_line(exc.orig or exc)}")


def _answers(server: URL) -> bool:
    """Whether the database itself takes a connection (then there is nothing to create)."""
    engine = create_engine(server, poolclass=NullPool)
    try:
        with engine.connect():
            return True
    except SQLAlchemyError:
        return False
    finally:
        engine.dispose()


def _line(error: BaseException) -> str:
    """A library's message on one line (libpq's span several)."""
    return " ".join(str(error).split())
