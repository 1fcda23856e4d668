"""Times in the database: naive UTC columns, aware UTC in Python (both dialects store the same)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import overload

_LAST: list[tuple[datetime, datetime]] = []  # the last conversion only (datetimes are immutable)


def naive(moment: datetime) -> datetime:
    """The naive UTC column value of *moment*. A write stores the same instant several times (its
    rows' times and its log entry's), so the last conversion is kept: one tuple, replaced whole."""
    last = _LAST[-1] if _LAST else None
    if last is not None and last[0] is moment:
        return last[1]
    if moment.tzinfo is UTC:  # the common case, without the conversion
        converted = moment.replace(tzinfo=None)
    else:
        converted = moment.astimezone(UTC).replace(tzinfo=None)
    _LAST[:] = [(moment, converted)]  # replaced whole: a thread sees one pair or the other
    return converted


@overload
def aware(moment: datetime) -> datetime: ...
@overload
def aware(moment: None) -> None: ...
def aware(moment: datetime | None) -> datetime | None:
    return None if moment is None else moment.replace(tzinfo=UTC)
