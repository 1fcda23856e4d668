"""Lead times (pure): how long before the time it announces a notice must be sent.

`lead(N)` types («не менее чем за N … до») and `prior` types («предварительно», our default N) name
a body time (`EffectiveFrom`, `Period/Start`, …). The sender checks against its send time; the
receiver checks again, independently, against its own receipt time minus the clock-skew
tolerance. `after` types («с последующим уведомлением») announce an event that must already
have happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree

from gateway.profiles import MessageType, Source, Span
from gateway.rules.fields import field_values
from gateway.wire.envelope import format_time, parse_time


def _who(source: Source) -> str:
    return "fixed by the agreement" if source is Source.TEXT else "gateway default, not a treaty figure"


@dataclass(frozen=True)
class LeadCheck:
    """The lead-time verdict for one notice at one moment."""

    type: str
    article: str
    field: str
    required: Span
    starts_at: datetime  # the earliest body time at `field`
    measured_from: datetime  # send time (sender) or receipt time (receiver)
    earliest_start: datetime  # the earliest start the notice may announce at `measured_from`

    @property
    def met(self) -> bool:
        return self.starts_at >= self.earliest_start

    @property
    def shortfall(self) -> timedelta:
        return max(self.earliest_start - self.starts_at, timedelta(0))

    def describe(self) -> str:
        return (
            f"Art. {self.article}: {self.type} must be sent at least {self.required.value} "
            f"{self.required.unit.value} ({_who(self.required.source)}) before {self.field}; "
            f"{self.field} is {format_time(self.starts_at)}, the earliest allowed at "
            f"{format_time(self.measured_from)} is {format_time(self.earliest_start)}"
        )


@dataclass(frozen=True)
class EventCheck:
    """For `after` types: the event the notice reports must not lie in the future."""

    type: str
    article: str
    field: str
    occurred_at: datetime
    measured_from: datetime
    tolerance: timedelta

    @property
    def met(self) -> bool:
        return self.occurred_at <= self.measured_from + self.tolerance

    def describe(self) -> str:
        return (
            f"Art. {self.article}: {self.type} is sent after the event («с последующим уведомлением»); "
            f"{self.field} is {format_time(self.occurred_at)}, later than {format_time(self.measured_from)}"
        )


def _earliest(body: etree._Element, path: str) -> datetime | None:
    times = [parse_time(value) for value in field_values(body, path) if value]
    return min(times) if times else None


def check_lead(
    message_type: MessageType, body: etree._Element, at: datetime, tolerance: timedelta = timedelta(0)
) -> LeadCheck | None:
    """The lead check of *body* sent (or received) *at*; None when the type has no lead or no time.

    *tolerance* widens the check for the receiver: the peer's clock may differ by that much."""
    lead = message_type.lead
    if lead is None:
        return None
    starts_at = _earliest(body, lead.field)
    if starts_at is None:
        return None
    return LeadCheck(
        type=message_type.name,
        article=message_type.article,
        field=lead.field,
        required=lead.span,
        starts_at=starts_at,
        measured_from=at,
        earliest_start=lead.span.after(at) - tolerance,
    )


def check_event(
    message_type: MessageType, body: etree._Element, at: datetime, tolerance: timedelta = timedelta(0)
) -> EventCheck | None:
    """The `after` check: the reported event time is not later than *at* (+ *tolerance*)."""
    if message_type.event_field is None:
        return None
    occurred_at = _earliest(body, message_type.event_field)
    if occurred_at is None:
        return None
    return EventCheck(
        type=message_type.name,
        article=message_type.article,
        field=message_type.event_field,
        occurred_at=occurred_at,
        measured_from=at,
        tolerance=tolerance,
    )
