"""Password hashing for the console's local users: argon2id (argon2-cffi's defaults, RFC 9106's
second recommended set). The store keeps only the hash."""

from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()


@cache
def _dummy() -> str:
    """Checked when the name is unknown, so that an unknown name costs the same time as a wrong
    password. Made at the first login, not at import: argon2id's 64 MiB would otherwise be part of
    every node's peak memory, console used or not."""
    return _HASHER.hash("no such user: this hash only spends the time a real check would")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """True when *password* matches *password_hash*; None (no such user) spends the same time."""
    try:
        return _HASHER.verify(password_hash or _dummy(), password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
