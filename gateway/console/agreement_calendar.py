"""The agreement calendar as the console reads it: each link's agreement state and treaty calendar
(gateway.rules.calendar, read through gateway.node.treaty like `bgw calendar`), with each row's days
left on the node's clock and whether this side must act on it — what `/calendar`, `/api/calendar`
and the deadline banner show.

Days left are calendar days from today in the row's zone (the zone of the side that acts) to the
row's date, the whole last day counting: 0 on the last day itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from aiohttp import web

from gateway.console.calendar_why import Why, structured
from gateway.console.context import Context
from gateway.node import treaty
from gateway.profiles import Source
from gateway.rules.agreement import AgreementState, Status
from gateway.rules.calendar import Calendar, Row, State

BANNER_DAYS = 30  # the console's warning horizon (issue 15), not a number of any agreement
_OPEN = (State.UPCOMING, State.DUE_TODAY)


@dataclass(frozen=True)
class Agreement:
    """Where the agreement of a link stands on this side's date."""

    status: Status
    since: date | None  # first day in force
    ends_on: date | None  # last day in force, when known
    article: str
    reasoning: str  # English, as `bgw calendar` gives it
    why: Why  # the same reasoning as data: the page words it in the viewer's language


@dataclass(frozen=True)
class Deadline:
    """One dated row of a link's treaty calendar."""

    what: str  # a message type that is due, or a treaty event (entry-into-force, term-end, …)
    side: str | None  # the side that must act; null: both, or the agreement's own date
    subject: str | None  # what the row concerns beyond `what` (a protocol)
    article: str
    on: date | None  # a calendar date in `zone`, the whole day counting; null: not known yet
    zone: str
    state: State
    source: Source  # text: the agreement fixes the date's span; default: ours
    duty: bool  # a message some side owes (false: a date, or a right such as denunciation)
    days_left: int | None  # calendar days from today (in `zone`) to `on`; null: no date
    ours: bool  # this side must (or may) act on it: its own row, or a duty of both sides
    reasoning: str  # English, as `bgw calendar` gives it
    why: Why  # the same reasoning as data: the page words it in the viewer's language


@dataclass(frozen=True)
class LinkCalendar:
    link: str  # PEER/profile
    profile: str
    agreement: Agreement
    rows: list[Deadline]


@dataclass(frozen=True)
class CalendarView:
    side: str
    at: datetime  # the node's clock
    horizon_days: int  # the banner warns of this side's deadlines within this many days
    links: list[LinkCalendar]


def _deadline(row: Row, now: datetime, side: str) -> Deadline:
    today = now.astimezone(ZoneInfo(row.zone)).date()
    left = (row.on - today).days if row.on is not None else None
    ours = row.side == side or (row.side is None and row.duty)
    return Deadline(
        row.what, row.side, row.subject or None, row.article, row.on, row.zone, row.state, row.source,
        row.duty, left, ours, row.reasoning, structured(row.why),
    )  # fmt: skip


def _agreement(state: AgreementState) -> Agreement:
    return Agreement(
        state.status, state.since, state.ends_on, state.article, state.reasoning, structured(state.why)
    )


def _link(name: str, profile: str, calendar: Calendar, now: datetime, side: str) -> LinkCalendar:
    rows = [_deadline(row, now, side) for row in calendar.rows]
    return LinkCalendar(name, profile, _agreement(calendar.agreement), rows)


async def calendar_view(context: Context) -> CalendarView:
    """Every link's calendar on the node's clock: one store read (the few messages that move a treaty
    clock, through their index), the rest pure."""
    now, config = context.clock(), context.config
    recorded = await context.read(treaty.recorded_per_link, config.links, context.profiles)
    calendars = treaty.link_calendars(config.links, context.profiles, recorded, config.side, now)
    links = [
        _link(name, link.profile, calendar, now, config.side)
        for (name, calendar), link in zip(calendars, config.links, strict=True)
    ]
    return CalendarView(config.side, now, BANNER_DAYS, links)


@dataclass(frozen=True)
class Warning:
    """A deadline of this side within the banner's horizon, and the link it is on."""

    link: str
    profile: str
    row: Deadline


def warnings(view: CalendarView) -> list[Warning]:
    """This side's open deadlines (upcoming or due today) within the horizon, soonest first."""
    found = [
        Warning(link.link, link.profile, row)
        for link in view.links
        for row in link.rows
        if row.ours and row.state in _OPEN and row.days_left is not None
        and 0 <= row.days_left <= view.horizon_days
    ]  # fmt: skip
    return sorted(found, key=lambda w: (w.row.days_left, w.link))


BANNER = web.RequestKey("banner", list[Warning])  # this request's warnings (gateway.console.banner)
