"""`bgw calendar`: each link's agreement state and treaty calendar, from the profile's facts and the
messages the node recorded; every number marked `text` (the agreement's) or `default` (ours)."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from gateway.form_words import SOURCE
from gateway.profiles import Source
from gateway.rules.agreement import AgreementState, Status
from gateway.rules.calendar import Calendar, Row
from gateway.wire.envelope import format_time


def _day(value: object) -> str | None:
    return str(value) if value is not None else None


def _agreement(state: AgreementState) -> dict[str, Any]:
    return {
        "state": state.status.value,
        "since": _day(state.since),
        "ends_on": _day(state.ends_on),
        "article": state.article,
        "reasoning": state.reasoning,
    }


def _row(row: Row) -> dict[str, Any]:
    return {
        "what": row.what,
        "side": row.side,
        "subject": row.subject or None,
        "article": row.article,
        "on": _day(row.on),
        "zone": row.zone,
        "state": row.state.value,
        "source": row.source.value,
        "duty": row.duty,
        "reasoning": row.reasoning,
    }


def as_json(calendars: list[tuple[str, Calendar]], now: datetime) -> str:
    links = [
        {"link": name, "agreement": _agreement(c.agreement), "rows": [_row(row) for row in c.rows]}
        for name, c in calendars
    ]
    return json.dumps({"at": format_time(now), "links": links}, ensure_ascii=False)


def headline(state: AgreementState) -> str:
    """The agreement's state in one line: ``ending on 2027-06-10, its last day in force (Art. 12): …``."""
    when = {
        Status.NOT_IN_FORCE: f" until {state.since}" if state.since else "",
        Status.IN_FORCE: f" since {state.since}",
        Status.ENDING: f" on {state.ends_on}, its last day in force",
        Status.ENDED: f" on {state.ends_on}, its last day in force",
    }[state.status]
    return f"{state.status.value}{when} (Art. {state.article}): {state.reasoning}"


def _article(row: Row) -> str:
    return f"Art. {row.article}" if row.article[:1].isdigit() else row.article


def as_text(calendars: list[tuple[str, Calendar]], write: Callable[[str], None]) -> None:
    for name, calendar in calendars:
        write(f"link {name}  agreement {headline(calendar.agreement)}")
        for row in calendar.rows:
            what = " ".join(part for part in (row.what, row.side, row.subject) if part)
            state = f"{_day(row.on) or '—':<10}  {row.zone:<13}  {row.state.value:<9}  {row.source.value:<7}"
            write(f"  {state}  {what:<28}  {_article(row):<12}  {row.reasoning}")
    write(
        "dates are calendar dates in the zone shown, the whole day counting; "
        f"text: {SOURCE[Source.TEXT]['en']}; default: {SOURCE[Source.DEFAULT]['en']}"
    )
