"""Hot statements: written once with SQLAlchemy Core, compiled once per dialect, run on the driver.

The statements a node runs for every notice (the outbox, the inbox, receipts, the log) go straight to
the DB-API cursor of the connection that holds the transaction: SQLAlchemy's per-execution work
(execution context, result wrapping, type processing) cost more than the statement itself. Both
drivers take the compiled text with named parameters (sqlite3 ``:name``, psycopg ``%(name)s``).
Values are bound as the dialect's own types would bind them: SQLite stores a datetime as the text
SQLAlchemy writes (so Core reads and these writes agree), PostgreSQL takes it as it is.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Connection, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler

_DIALECTS = {
    "sqlite": sqlite.dialect(paramstyle="named"),
    "postgresql": postgresql.psycopg.dialect(),  # type: ignore[no-untyped-call]
}


_CONSTANT = re.compile(r"^[a-z][a-z0-9-]*$")
Statement = tuple[str, Any, bool]  # (text, bound parameters, executemany?)
_recorders: list[list[Statement]] = []  # `recording` blocks open (the store benchmark)


@contextmanager
def recording() -> Iterator[list[Statement]]:
    """Record every prepared statement run in this block, as (text, bound parameters, executemany?):
    the store benchmark replays them on the bare driver as its raw baseline."""
    statements: list[Statement] = []
    _recorders.append(statements)
    try:
        yield statements
    finally:
        _recorders.remove(statements)


def const(value: str) -> ColumnElement[Any]:
    """A stored constant (a direction, a state) written into the statement's text, so that the
    prepared statement needs no parameter for it. Only lifecycle values: lower-case words."""
    if not _CONSTANT.match(value):
        raise ValueError(f"not a stored constant: {value!r}")
    return literal_column(f"'{value}'")


def consts(values: Iterable[str]) -> list[ColumnElement[Any]]:
    return [const(value) for value in sorted(values)]


def _sqlite_text(value: datetime) -> str:
    """A datetime as the text SQLAlchemy's SQLite DATETIME stores (always with microseconds)."""
    return "%04d-%02d-%02d %02d:%02d:%02d.%06d" % (  # noqa: UP031 - several times faster than strftime
        value.year,
        value.month,
        value.day,
        value.hour,
        value.minute,
        value.second,
        value.microsecond,
    )


def stored_datetime(value: datetime | str) -> datetime:
    """A datetime column as a prepared statement reads it: PostgreSQL's driver gives a datetime,
    SQLite's the text SQLAlchemy wrote (`_sqlite_text`)."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


# The driver binds a datetime as SQLAlchemy's SQLite dialect writes it (SQLAlchemy converts its own
# parameters before they reach the driver), so the prepared statements and Core store the same text
# and compare as text correctly (Python's default adapter drops ".000000").
sqlite3.register_adapter(datetime, _sqlite_text)


class Prepared:
    """A Core statement compiled once per dialect, executed on the raw cursor of a connection."""

    def __init__(self, statement: ClauseElement, keys: Sequence[str] | None = None) -> None:
        self.statement = statement
        self._keys = list(keys) if keys is not None else None
        self._compiled: dict[str, tuple[str, dict[str, Any]]] = {}

    def compiled(self, dialect: str) -> tuple[str, dict[str, Any]]:
        """(statement text, the values of the parameters the statement itself fixes, e.g. a LIMIT)."""
        found = self._compiled.get(dialect)
        if found is None:
            compiled = self.statement.compile(dialect=_DIALECTS[dialect], column_keys=self._keys)
            assert isinstance(compiled, SQLCompiler), "a statement, not DDL"
            required = {bind.key for bind in compiled.binds.values() if bind.required}
            fixed = {name: value for name, value in compiled.params.items() if name not in required}
            found = self._compiled[dialect] = (str(compiled), fixed)
        return found

    def _bound(self, dialect: str, params: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]]:
        text, fixed = self.compiled(dialect)
        return text, {**fixed, **params} if fixed else params

    def run(self, conn: Connection, params: Mapping[str, Any]) -> Any:
        """Execute with *params*; returns the DB-API cursor (rows, rowcount)."""
        text, bound = self._bound(conn.dialect.name, params)
        for recorder in _recorders:
            recorder.append((text, bound, False))
        try:
            return _cursor(conn).execute(text, bound)
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _translated(conn, text, bound, exc) from exc

    def many(self, conn: Connection, rows: Sequence[Mapping[str, Any]]) -> int:
        """Execute once per row of parameters; returns the rows changed."""
        dialect = conn.dialect.name
        text, _ = self.compiled(dialect)
        bound = [self._bound(dialect, row)[1] for row in rows]
        for recorder in _recorders:
            recorder.append((text, bound, True))
        cursor = _cursor(conn)
        try:
            cursor.executemany(text, bound)
        except conn.dialect.loaded_dbapi.Error as exc:
            raise _translated(conn, text, bound, exc) from exc
        return int(cursor.rowcount)

    def rows(self, conn: Connection, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return list(self.run(conn, params).fetchall())

    def first(self, conn: Connection, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """The first row (the statements that use it find one row at most). Every row is fetched:
        a SQLite statement left unfinished on the kept cursor would hold its read snapshot."""
        rows = self.run(conn, params).fetchall()
        return tuple(rows[0]) if rows else None


_CURSOR = "bgw.cursor"


def _cursor(conn: Connection) -> Any:
    """The driver cursor of *conn*'s driver connection, made at its first prepared statement and
    kept with it (the pool forgets it when it replaces the connection): a cursor per statement cost
    psycopg more than some of the statements. Each caller reads its rows before the next statement."""
    fairy = conn.connection
    cursor = fairy.info.get(_CURSOR)
    if cursor is None:
        cursor = fairy.info[_CURSOR] = fairy.dbapi_connection.cursor()  # type: ignore[union-attr]
    return cursor


def _translated(conn: Connection, text: str, params: Any, exc: Exception) -> DBAPIError:
    """The driver's error as SQLAlchemy's (OperationalError, IntegrityError…), as Core would raise it."""
    error = DBAPIError.instance(text, params, exc, conn.dialect.loaded_dbapi.Error)
    return error if isinstance(error, DBAPIError) else DBAPIError(text, params, exc)
