"""The typed, frozen model of a treaty profile. Pure data and pure date arithmetic."""

from __future__ import annotations

import calendar
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal
from pathlib import Path


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
    AB = "AB"
    BR = "BR"
    DIP = "DIP"
    JC = "JC"


class Kind(enum.StrEnum):
    NOTICE = "notice"
    REPLY = "reply"


_FIXED = {
    Unit.MINUTES: timedelta(minutes=1),
    Unit.HOURS: timedelta(hours=1),
    Unit.DAYS: timedelta(days=1),
}


def _add_months(moment: datetime, months: int) -> datetime:
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
        months = self.value * (12 if self.unit is Unit.YEARS else 1)
        return _add_months(moment, sign * months)

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
    channel: Channel
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

    def ladder_for(self, message_type: MessageType) -> Ladder:
        """The type's own ladder, else its channel's, else the profile's `default` one."""
        for name in (message_type.escalation, message_type.channel.value, "default"):
            if name and name in self.ladders:
                return self.ladders[name]
        raise KeyError(f"profile {self.id} has no escalation ladder for {message_type.name}")

    def ladder_of(self, type_name: str) -> Ladder:
        """The ladder of the type named *type_name* (an obligation's stored type); the `default` one
        for a type the profile no longer has."""
        message_type = self.types.get(type_name)
        return self.ladder_for(message_type) if message_type else self.ladders["default"]

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
