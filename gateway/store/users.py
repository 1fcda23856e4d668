"""The console's local users and their server-side sessions.

A user has a name, a role and an argon2 hash (made and checked by gateway.console.passwords; the
store never sees a password). A session row is found by the SHA-256 of the cookie's token: the
database holds nothing a stolen backup could log in with. Disabling a user or changing the
password deletes that user's sessions in the same transaction.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from gateway.errors import InputError
from gateway.reasons import Reason
from gateway.roles import Role
from gateway.store.schema import console_sessions, users
from gateway.store.times import aware, naive
from gateway.store.unit import Tx


@dataclass(frozen=True)
class User:
    name: str
    role: Role
    password_hash: str
    disabled: bool


@dataclass(frozen=True)
class Session:
    """A logged-in session, as found by its token: who, with which role, and its CSRF token."""

    user: str
    role: Role
    csrf: str
    created_at: datetime
    seen_at: datetime
    expires_at: datetime


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def find(conn: Connection, name: str) -> User | None:
    row = conn.execute(select(users).where(users.c.name == name)).first()
    if row is None:
        return None
    return User(row.name, Role(row.role), row.password_hash, bool(row.disabled))


def listing(conn: Connection) -> list[User]:
    rows = conn.execute(select(users).order_by(users.c.name)).all()
    return [User(r.name, Role(r.role), r.password_hash, bool(r.disabled)) for r in rows]


def add(tx: Tx, name: str, role: Role, password_hash: str, at: datetime) -> None:
    if find(tx.conn, name) is not None:
        raise InputError(f"user {name!r} exists already", reason=Reason.USER_EXISTS)
    stamp = naive(at)
    tx.conn.execute(
        insert(users).values(
            name=name,
            role=role.value,
            password_hash=password_hash,
            disabled=False,
            created_at=stamp,
            updated_at=stamp,
        )
    )


def _change(tx: Tx, name: str, at: datetime, **values: object) -> None:
    changed = tx.conn.execute(
        update(users).where(users.c.name == name).values(updated_at=naive(at), **values)
    )
    if changed.rowcount != 1:
        raise InputError(f"no user {name!r}", reason=Reason.USER_UNKNOWN)
    end_sessions(tx, name)


def set_password(tx: Tx, name: str, password_hash: str, at: datetime) -> None:
    """A new hash (enables the user again); the user's sessions end."""
    _change(tx, name, at, password_hash=password_hash, disabled=False)


def disable(tx: Tx, name: str, at: datetime) -> None:
    """The user can no longer log in; the user's sessions end now."""
    _change(tx, name, at, disabled=True)


def open_session(tx: Tx, token: str, name: str, csrf: str, at: datetime, expires_at: datetime) -> None:
    stamp = naive(at)
    tx.conn.execute(
        insert(console_sessions).values(
            token_hash=token_hash(token),
            user_name=name,
            csrf=csrf,
            created_at=stamp,
            seen_at=stamp,
            expires_at=naive(expires_at),
        )
    )


def session(conn: Connection, token: str, now: datetime) -> Session | None:
    """The live session of *token* whose user is enabled, or None."""
    query = (
        select(
            users.c.name,
            users.c.role,
            console_sessions.c.csrf,
            console_sessions.c.created_at,
            console_sessions.c.seen_at,
            console_sessions.c.expires_at,
        )
        .join(users, users.c.name == console_sessions.c.user_name)
        .where(
            (console_sessions.c.token_hash == token_hash(token))
            & (console_sessions.c.expires_at > naive(now))
            & users.c.disabled.is_(False)
        )
    )
    row = conn.execute(query).first()
    if row is None:
        return None
    return Session(
        row.name, Role(row.role), row.csrf, aware(row.created_at), aware(row.seen_at), aware(row.expires_at)
    )


def touch(tx: Tx, token: str, at: datetime, expires_at: datetime) -> None:
    """Slide an idle session's expiry forward."""
    tx.conn.execute(
        update(console_sessions)
        .where(console_sessions.c.token_hash == token_hash(token))
        .values(seen_at=naive(at), expires_at=naive(expires_at))
    )


def close_session(tx: Tx, token: str) -> None:
    tx.conn.execute(delete(console_sessions).where(console_sessions.c.token_hash == token_hash(token)))


def end_sessions(tx: Tx, name: str) -> None:
    tx.conn.execute(delete(console_sessions).where(console_sessions.c.user_name == name))


def purge_expired(tx: Tx, now: datetime) -> int:
    return int(
        tx.conn.execute(delete(console_sessions).where(console_sessions.c.expires_at <= naive(now))).rowcount
    )
