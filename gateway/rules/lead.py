"""Lead times (pure): how long before the time it announces a notice must be sent.

`lead(N)` types («не менее чем за N … до») and `prior` types («предварительно», our default N) name
a body time (`EffectiveFrom`, `Period/Start`, …). A `reply-by(field − N)` type has the same lead: its
reply is due N before that time, so a proposal sent later could never be answered in time (Art. 5(1),
8(1): the dates of a joint inspection are agreed «за 10 дней до»). The sender checks against its send
time; the receiver checks again, independently, against its own receipt time minus the clock-skew
tolerance. `after` types («с последующим уведомлением») announce an event that must already
have happened.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from lxml import etree

from gateway.errors import RuleError
from gateway.form_words import SOURCE
from gateway.profiles import Lead, MessageType, Span
from gateway.reasons import Reason
from gateway.rules.fields import earliest_time
from gateway.wire.envelope import format_time


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
    reply: str | None = None  # for a reply-by type: the reply due `required` before `field`

    @property
    def met(self) -> bool:
        return self.starts_at >= self.earliest_start

    @property
    def latest_send(self) -> datetime:
        """The last moment a notice announcing `starts_at` could be sent."""
        return self.required.before(self.starts_at)

    def describe(self) -> str:
        why = f" (its {self.reply} is due then)" if self.reply else ""
        return (
            f"Art. {self.article}: {self.type} must be sent at least {self.required.value} "
            f"{self.required.unit.value} ({SOURCE[self.required.source]['en']}) before {self.field}{why}; "
            f"{self.field} is {format_time(self.starts_at)}, so the latest it could be sent is "
            f"{format_time(self.latest_send)}; the earliest {self.field} allowed at "
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


def required_lead(message_type: MessageType) -> Lead | None:
    """The lead a notice of *message_type* must have: its own, or for a `reply-by(field − N)` type N
    before that field (a later notice leaves its reply overdue on arrival)."""
    if message_type.lead is not None:
        return message_type.lead
    reply = message_type.reply
    if reply is not None and reply.by_field is not None and reply.before is not None:
        return Lead(reply.before, reply.by_field)
    return None


def check_lead(
    message_type: MessageType, body: etree._Element, at: datetime, tolerance: timedelta = timedelta(0)
) -> LeadCheck | None:
    """The lead check of *body* sent (or received) *at*; None when the type has no lead or no time.

    *tolerance* widens the check for the receiver: the peer's clock may differ by that much."""
    lead = required_lead(message_type)
    if lead is None:
        return None
    starts_at = earliest_time(body, lead.field)
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
        reply=message_type.reply.type if message_type.lead is None and message_type.reply else None,
    )


def check_event(
    message_type: MessageType, body: etree._Element, at: datetime, tolerance: timedelta = timedelta(0)
) -> EventCheck | None:
    """The `after` check: the reported event time is not later than *at* (+ *tolerance*)."""
    if message_type.event_field is None:
        return None
    occurred_at = earliest_time(body, message_type.event_field)
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


def sender_check(
    message_type: MessageType,
    body: etree._Element,
    at: datetime,
    justification: str | None,
    lead_applies: bool = True,
) -> LeadCheck | None:
    """The sender's verdict at *at*: raise a coded RuleError naming the article, the required lead
    and the earliest allowed start; a short lead with a written justification (force majeure) goes
    out marked late — the returned check says by how much. None: nothing to report."""
    event = check_event(message_type, body, at)
    if event is not None and not event.met:
        raise RuleError(event.describe(), reason=Reason.RULE_VIOLATED, field=_path(message_type, event.field))
    lead = check_lead(message_type, body, at) if lead_applies else None
    if lead is None or lead.met:
        return None
    if justification and justification.strip():
        return lead
    raise RuleError(
        f"{lead.describe()}; a notice that cannot be sent in time goes out only with a written "
        "justification (late_justification)",
        reason=Reason.LEAD_TIME_SHORT,
        field=_path(message_type, lead.field),
    )


def _path(message_type: MessageType, field: str) -> str:
    """The field's path in the envelope, as schema errors name theirs."""
    return f"Notification/Body/{message_type.element}/{field}"


def receiver_warnings(
    message_type: MessageType,
    body: etree._Element,
    received_at: datetime,
    skew: timedelta,
    lead_applies: bool = True,
) -> list[tuple[Reason, str]]:
    """The receiver's independent check: each late or impossible time as (reason code, detail). A
    late notice is still accepted (the information matters), with a warning and a record."""
    found: list[tuple[Reason, str]] = []
    lead = check_lead(message_type, body, received_at, skew) if lead_applies else None
    if lead is not None and not lead.met:
        found.append((Reason.LEAD_TIME_SHORT, lead.describe()))
    event = check_event(message_type, body, received_at, skew)
    if event is not None and not event.met:
        found.append((Reason.RULE_VIOLATED, event.describe()))
    return found
