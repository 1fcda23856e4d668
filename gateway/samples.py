"""The samples of schemas/samples/ brought to the present, as a national system would submit them.

A sample is dated: submitted as it is, its lead times and reported events would drift into the past
as the calendar moves. Every UTC time and date of its body is moved by whole days so that the
sample reads as written now, keeping the time of day and every interval between its times.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from gateway.profiles import load_profiles
from gateway.wire.codec import Codec, submission_form
from gateway.wire.parsing import parse

_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z")
_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def datetimes_in(value: object) -> Iterator[datetime]:
    if isinstance(value, str) and _DATETIME.fullmatch(value):
        yield datetime.fromisoformat(value)
    elif isinstance(value, Mapping):
        for item in value.values():
            yield from datetimes_in(item)
    elif isinstance(value, list):
        for item in value:
            yield from datetimes_in(item)


def shift_days(body: object, created: datetime, now: datetime) -> int:
    """Whole days that bring the sample to now: rounded up when the body holds times after its
    creation (lead times only grow), else down (what happened stays in the past)."""
    elapsed = (now - created) / timedelta(days=1)
    if any(moment > created for moment in datetimes_in(body)):
        return math.ceil(elapsed)
    return math.floor(elapsed)


def shifted(value: object, days: int) -> object:
    """*value* with every UTC datetime (…Z) and every date moved by *days*, the time of day kept."""
    if isinstance(value, str) and (_DATETIME.fullmatch(value) or _DATE.fullmatch(value)):
        return (date.fromisoformat(value[:10]) + timedelta(days=days)).isoformat() + value[10:]
    if isinstance(value, Mapping):
        return {key: shifted(item, days) for key, item in value.items()}
    if isinstance(value, list):
        return [shifted(item, days) for item in value]
    return value


def brought_to(document: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """A sample's JSON form with its body moved to *now* (see the module's docstring)."""
    created = datetime.fromisoformat(document["created"])
    moved = dict(document)
    moved["body"] = shifted(document["body"], shift_days(document["body"], created, now))
    return moved


def sample_submission(
    path: Path, recipient: str | None = None, now: datetime | None = None
) -> dict[str, Any]:
    """The submission form of a sample file, brought to *now* (tests, benchmarks and examples)."""
    document = Codec(load_profiles()).to_json(parse(path.read_bytes()))
    return submission_form(brought_to(document, now or datetime.now(UTC)), recipient)
