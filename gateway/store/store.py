"""The store: the node's database, opened, migrated, and entered one unit of work at a time.

The concepts live in modules of functions over a transaction (`Tx`) or a read connection: the log
(`journal`), the `outbox`, the `inbox` and its duplicates, `receipts`, `quarantine`, `obligations`,
`escalations`, `audit`, and the read-only `views`. The store runs them:

    store.write(outbox.add, ...)     # one transaction; SQLite takes the write lock first
    store.read(views.counts)         # a read connection, no lock
    store.group([...])               # calls committed together, each in its own savepoint

Several processes write the same database (the node, `bgw` commands, the console, replicas): every
write transaction takes the right to write before it reads what it will extend (SQLite
`BEGIN IMMEDIATE`; PostgreSQL an advisory lock for the log), and nothing is cached across
transactions. Times are stored as naive UTC and returned as aware UTC.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Concatenate, ParamSpec, TypeVar

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.exc import SQLAlchemyError

from gateway.errors import ConfigError, GatewayError
from gateway.store.unit import Tx

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
P = ParamSpec("P")
T = TypeVar("T")
_WRITE = "bgw_write"  # execution option of the connections that write
_EXPECTED = (SQLAlchemyError, GatewayError, ValueError)  # what a store call may fail with


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    # Let SQLAlchemy, not pysqlite, issue BEGIN, so that savepoints work (SQLAlchemy's SQLite recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")
    cursor.execute("PRAGMA busy_timeout=5000")  # a writer waits this long for the write lock, then fails
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    """A writer takes SQLite's write lock when its transaction begins (waiting up to busy_timeout):
    what it then reads — the log head, a row it will update — no other process can change before it
    commits. A reader takes no lock (WAL: it reads a snapshot)."""
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


def describe(exc: BaseException) -> str:
    """One line naming a database failure: the driver's own message, without SQLAlchemy's
    statement dump and "Background on this error" link."""
    original = getattr(exc, "orig", None) or exc
    text = " ".join(str(original).split())
    return f"{type(original).__name__}: {text}"[:500]


class Store:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.postgres = engine.dialect.name == "postgresql"
        self._writer = engine.execution_options(**{_WRITE: True})

    @classmethod
    def open(cls, url: str) -> Store:
        """Connect, create the SQLite file's folder if needed, and migrate to the latest schema."""
        if url.startswith("sqlite:///"):
            Path(url.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
        if url.startswith("postgresql://"):
            url = "postgresql+psycopg://" + url.removeprefix("postgresql://")
        try:
            engine = create_engine(url, pool_pre_ping=True)
            if engine.dialect.name == "sqlite":
                event.listen(engine, "connect", _sqlite_pragmas)
                event.listen(engine, "begin", _sqlite_begin)
            store = cls(engine)
            store.migrate()
        except SQLAlchemyError as exc:
            raise ConfigError(f"database: cannot open or migrate: {describe(exc)}") from exc
        return store

    def migrate(self) -> None:
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        with self._writer.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def transaction(self) -> Iterator[Tx]:
        """One write transaction, committed when the block ends (rolled back if it raises)."""
        with self._writer.begin() as conn:
            yield Tx(conn)

    @contextmanager
    def reading(self) -> Iterator[Connection]:
        with self.engine.connect() as conn:
            yield conn

    def write(self, function: Callable[Concatenate[Tx, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        with self.transaction() as tx:
            return function(tx, *args, **kwargs)

    def read(self, function: Callable[Concatenate[Connection, P], T], *args: P.args, **kwargs: P.kwargs) -> T:
        with self.reading() as conn:
            return function(conn, *args, **kwargs)

    def group(self, calls: Sequence[Callable[[Tx], T]]) -> list[T | BaseException]:
        """Run *calls* in one transaction (group commit: one commit, one fsync, for all). If one of
        them fails, the group is rolled back and each call runs again in a transaction of its own, so
        a failure stays its caller's. If the commit itself fails, it raises: none of them happened."""
        if len(calls) > 1:
            try:
                with self.transaction() as tx:
                    return [call(tx) for call in calls]
            except _EXPECTED:
                pass  # the whole group is rolled back: each again, alone
        return [self._alone(call) for call in calls]

    def _alone(self, call: Callable[[Tx], T]) -> T | BaseException:
        try:
            return self.write(call)
        except _EXPECTED as exc:
            return exc
