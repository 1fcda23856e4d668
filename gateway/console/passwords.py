"""Password hashing for the console's local users: argon2id (argon2-cffi's defaults, RFC 9106's
second recommended set). The store keeps only the hash."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

_HASHER = PasswordHasher()
# Checked when the name is unknown, so that an unknown name costs the same time as a wrong password.
_DUMMY = _HASHER.hash("no such user: this hash only spends the time a real check would")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    """True when *password* matches *password_hash*; None (no such user) spends the same time."""
    try:
        return _HASHER.verify(password_hash or _DUMMY, password) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False
