"""Times in the database: naive UTC columns, aware UTC in Python (both dialects store the same)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload


def naive(moment: datetime) -> datetime:
    if moment.tzinfo is UTC:  # the common case, without the conversion
        return moment.replace(tzinfo=None)
    return moment.astimezone(UTC).replace(tzinfo=None)


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)
