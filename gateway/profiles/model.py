"""The typed, frozen model of a treaty profile. Pure data and pure date arithmetic."""

from __future__ import annotations

import calendar
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import TypeVar
from zoneinfo import ZoneInfo

D = TypeVar("D", date, datetime)


class Unit(enum.StrEnum):
    MINUTES = "minutes"
    HOURS = "hours"
    DAYS = "days"
    MONTHS = "months"
    YEARS = "years"


class Source(enum.StrEnum):
    """Whether a number is fixed by the agreement (`text`) or is ours (`default`)."""

    TEXT = "text"
    DEFAULT = "default"


class Timing(enum.StrEnum):
    IMMEDIATE = "immediate"
    ASAP = "asap"
    LEAD = "lead"
    PRIOR = "prior"
    REPLY = "reply"
    REPLY_BY = "reply-by"
    ANCHORED = "anchored"
    PERIODIC = "periodic"
    TIMELY = "timely"
    AFTER = "after"


class Channel(enum.StrEnum):
    """Who speaks for a Party (CATALOG.md): the channel decides a notice's escalation ladder."""

    AB = "AB"  # the authorised bodies
    BR = "BR"  # the border representatives
    DIP = "DIP"  # the diplomatic channels
    JC = "JC"  # the Joint Commission

    @property
    def wire(self) -> str:
        """The value a body's `Channel` element carries for this channel (kebab-case, as every
        enumeration of the wire)."""
        return _CHANNEL_WIRE[self]

    @classmethod
    def from_wire(cls, value: str) -> Channel:
        for channel, wire in _CHANNEL_WIRE.items():
            if wire == value:
                return channel
        raise ValueError(f"{value!r} is not a channel")


_CHANNEL_WIRE = {
    Channel.AB: "authorised-bodies",
    Channel.BR: "border-representatives",
    Channel.DIP: "diplomatic-channels",
    Channel.JC: "joint-commission",
}


class Kind(enum.StrEnum):
    NOTICE = "notice"
    REPLY = "reply"


_FIXED = {
    Unit.MINUTES: timedelta(minutes=1),
    Unit.HOURS: timedelta(hours=1),
    Unit.DAYS: timedelta(days=1),
}


def _add_months(moment: D, months: int) -> D:
    total = moment.month - 1 + months
    year, month = moment.year + total // 12, total % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)


@dataclass(frozen=True)
class Span:
    """An amount of time with its unit, and whether the agreement fixes it."""

    value: int
    unit: Unit
    source: Source

    def after(self, moment: datetime) -> datetime:
        return self._shift(moment, 1)

    def before(self, moment: datetime) -> datetime:
        return self._shift(moment, -1)

    def _shift(self, moment: datetime, sign: int) -> datetime:
        if self.unit in _FIXED:
            return moment + sign * self.value * _FIXED[self.unit]
        return _add_months(moment, sign * self._months())

    def _months(self) -> int:
        return self.value * (12 if self.unit is Unit.YEARS else 1)

    def after_date(self, day: date) -> date:
        """The calendar date this span after *day*: days are calendar days, months and years end on
        the same day of the month (the month's last day when it is shorter)."""
        return self._shift_date(day, 1)

    def before_date(self, day: date) -> date:
        return self._shift_date(day, -1)

    def _shift_date(self, day: date, sign: int) -> date:
        if self.unit is Unit.DAYS:
            return day + timedelta(days=sign * self.value)
        if self.unit in (Unit.MONTHS, Unit.YEARS):
            return _add_months(day, sign * self._months())
        raise ValueError(f"{self} is not a number of calendar days, months or years")

    def relative(self, relation: str) -> str:
        """E.g. ``48 hours after receipt (text)``: how a due time was computed, with its source."""
        return f"{self.value} {self.unit.value} {relation} ({self.source.value})"

    def __str__(self) -> str:
        return f"{self.value} {self.unit.value} ({self.source.value})"


@dataclass(frozen=True)
class Lead:
    """Minimum time between sending a notice and the body time `field` (e.g. EffectiveFrom)."""

    span: Span
    field: str


@dataclass(frozen=True)
class ReplySpec:
    """The reply a notice expects: due `within` after receipt, or `before` the body time `by_field`."""

    type: str
    within: Span | None = None
    by_field: str | None = None
    before: Span | None = None
    optional: bool = False


@dataclass(frozen=True)
class ContentRule:
    """A rule on a body field that the schema cannot state: forbidden values or a maximum."""

    field: str
    article: str
    forbidden: tuple[str, ...] = ()
    maximum: Decimal | None = None
    quote: str = ""


@dataclass(frozen=True)
class Anchored:
    """A deadline fixed by an agreement fact: `within` after or `before` the anchor."""

    anchor: str
    within: Span | None = None
    before: Span | None = None


@dataclass(frozen=True)
class Effect:
    """A treaty clock the receipt of this notice starts (entry into force, termination)."""

    event: str
    after: Span


@dataclass(frozen=True)
class Clause:
    """A treaty clock fixed by the agreement itself (entry into force, termination, denunciation)."""

    article: str
    span: Span
    quote: str = ""
    rule: str = ""


@dataclass(frozen=True)
class Agreement:
    """The agreement's own facts: Parties, dates, term and the clauses that start its clocks."""

    sides: tuple[str, ...]
    title: Mapping[str, str]
    prevailing_language: str = "ru"
    signed_on: date | None = None
    in_force_from: date | None = None
    approved_on: date | None = None
    approved_by: str = ""
    term: Span | None = None
    renewal: Span | None = None
    entry_into_force: Clause | None = None
    termination: Clause | None = None
    denunciation: Clause | None = None
    # The time zone of each Party: a date of the agreement («не позднее …», «с даты получения») is a
    # calendar date in the zone of the side that acts (or receives), and its whole day counts.
    zones: Mapping[str, str] = field(default_factory=dict)

    def zone(self, side: str) -> ZoneInfo:
        return ZoneInfo(self.zones[side])


LEVELS = ("duty-operator", "border-representative", "coordinating-agency", "diplomatic")


@dataclass(frozen=True)
class Rung:
    """One level of an escalation ladder, reached `after` the previous one (the first: after the due
    time)."""

    level: str
    after: Span
    article: str = ""


@dataclass(frozen=True)
class Ladder:
    """Who is told, in order, when an obligation stays overdue (configurable per profile and type)."""

    name: str
    rungs: tuple[Rung, ...]


@dataclass(frozen=True)
class MessageType:
    name: str
    kind: Kind
    article: str
    channels: tuple[Channel, ...]  # one; or, for a row naming two (`AB / DIP`), the sender's choice
    timing: Timing
    title: Mapping[str, str]
    receipt_due: Span
    line: int | None = None
    quote: str = ""
    ours: bool = False
    lead: Lead | None = None
    event_field: str | None = None
    reply: ReplySpec | None = None
    replies_to: tuple[str, ...] = ()
    rules: tuple[ContentRule, ...] = ()
    periodic: Span | None = None
    anchored: Anchored | None = None
    effect: Effect | None = None
    escalation: str | None = None  # a ladder of the profile; default: the channel's, then `default`
    follows_answered: bool = False  # a reply on the channel of the message it answers (countersignature)

    @property
    def channel(self) -> Channel:
        """The type's channel; for a type whose sender chooses, the first the catalogue names."""
        return self.channels[0]

    @property
    def chosen_per_notice(self) -> bool:
        """Whether each notice names its channel in its body (`Channel`): the catalogue gives two."""
        return len(self.channels) > 1 and not self.follows_answered

    @property
    def element(self) -> str:
        """Local name of the body root: the UpperCamelCase of the type."""
        return "".join(part.capitalize() for part in self.name.split("-"))


@dataclass(frozen=True)
class Profile:
    id: str
    namespace: str
    schema_version: str
    schema: Path
    source_file: Path
    agreement: Agreement
    types: Mapping[str, MessageType]
    districts: Path | None = None
    ladders: Mapping[str, Ladder] = field(default_factory=dict)

    def ladder_for(self, message_type: MessageType, channel: Channel | None = None) -> Ladder:
        """The type's own ladder, else the ladder of the channel the message travelled on (*channel*:
        the one its sender chose, or the answered act's; by default the type's), else `default`."""
        travelled = channel or message_type.channel
        for name in (message_type.escalation, travelled.value, "default"):
            if name and name in self.ladders:
                return self.ladders[name]
        raise KeyError(f"profile {self.id} has no escalation ladder for {message_type.name}")

    def ladder_of(self, type_name: str, channel: Channel | str | None = None) -> Ladder:
        """The ladder of the type named *type_name* (an obligation's stored type) on *channel* (its
        stored channel, if any); the `default` one for a type the profile no longer has."""
        message_type = self.types.get(type_name)
        if message_type is None:
            return self.ladders["default"]
        return self.ladder_for(message_type, Channel(channel) if channel else None)

    @property
    def sides(self) -> tuple[str, ...]:
        return self.agreement.sides

    @property
    def title(self) -> Mapping[str, str]:
        return self.agreement.title

    def type_for_element(self, local_name: str) -> MessageType | None:
        for message_type in self.types.values():
            if message_type.element == local_name:
                return message_type
        return None
