"""The agreement's own life (pure): when it enters into force and when it ends, from the profile's
agreement facts and the recorded messages; its state on a day; the refusal to send under it once
it has ended.

Treaty dates are calendar dates. A date the agreement counts «с даты получения» is the recipient's
date of receipt in its own zone; a deadline («не позднее, чем за …») is a date in the zone of the side
that must act, and its whole day counts; N «календарных дней» are N calendar days, not N × 24 h.

- KZ–UZ (Art. 49): in force on the date of receipt of the last `entry-into-force-notice` about the
  Agreement itself + 30 calendar days (notices about an amendment protocol, Art. 47, bring that
  protocol into force and never move the Agreement's date; a side's later notice repeats its first
  and moves nothing). A `termination-notice` received on date D ends it: it applies through D + 90.
- KZ–AZ (Art. 12): in force from signature (1997-06-10) for 10 years, renewed for 10 years at a
  time, the terms ending on 2007-06-10, 2017-06-10, 2027-06-10 … A `denunciation-notice` counts for
  the first term whose deadline (6 months before its end) it meets, in the zone of the side that
  gave it: in time for the current term, the agreement ends with that term; late, it does not stop
  the renewal and counts for the next term; received in an earlier term, it ended that term.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import NoReturn

from lxml import etree

from gateway.errors import RuleError
from gateway.profiles import Profile, Source
from gateway.reasons import Reason
from gateway.rules.fields import field_values
from gateway.rules.why import Value, Why, english, why

AGREEMENT = "agreement"  # EntryIntoForceNotice/Instrument of a notice about the Agreement itself
ENTRY_NOTICE = "entry-into-force-notice"


@dataclass(frozen=True)
class Fact:
    """A recorded message the treaty clocks read: its type, the side that sent it, when its recipient
    received it, and for an entry-into-force notice what it concerns (`Instrument`: the agreement or
    an amendment protocol, with the protocol named by `protocol`)."""

    type: str
    sender: str
    received_at: datetime
    instrument: str | None = None
    protocol: str | None = None


@dataclass(frozen=True)
class Dated:
    """A date of the agreement: the day, the zone it is read in, the article and how it was reached."""

    on: date
    zone: str
    article: str
    source: Source
    why: Why

    @property
    def reasoning(self) -> str:
        """The reasoning in English, as `bgw calendar` prints it."""
        return english(self.why)


@dataclass(frozen=True)
class Term:
    """One period of a fixed-term agreement: its first and last day and its denunciation deadline."""

    number: int
    starts_on: date
    ends_on: date  # the last day of the term
    deadline: date | None  # the last day a denunciation counts for this term


class Status(enum.StrEnum):
    NOT_IN_FORCE = "not-in-force"
    IN_FORCE = "in-force"
    ENDING = "ending"  # in force, with a known last day
    ENDED = "ended"


@dataclass(frozen=True)
class AgreementState:
    profile: str
    status: Status
    since: date | None  # first day in force
    ends_on: date | None  # last day in force, when known
    article: str
    why: Why

    @property
    def reasoning(self) -> str:
        """The reasoning in English, as `bgw calendar` prints it."""
        return english(self.why)


def instrument_of(body: etree._Element) -> tuple[str | None, str | None]:
    """What an entry-into-force notice's body says it concerns: its `Instrument` (`agreement` or
    `amendment-protocol`) and, for a protocol, the protocol by number and date (else title and date)."""
    instrument = next(iter(field_values(body, "Instrument")), None)
    if instrument in (None, AGREEMENT):
        return instrument, None
    number = next(iter(field_values(body, "Protocol/Number")), "")
    title = next(iter(field_values(body, "Protocol/Title")), "")
    dated = next(iter(field_values(body, "Protocol/Date")), "")
    name = f"№ {number}" if number else title
    if dated:
        name = f"{name} of {dated}"
    return instrument, name or None


def fact_of(type_name: str, sender: str, received_at: datetime, body: etree._Element | None) -> Fact:
    """The calendar's view of one recorded message; *body* is read only for an entry-into-force
    notice (None when it cannot be read: such a notice then moves no date)."""
    if type_name != ENTRY_NOTICE or body is None:
        return Fact(type_name, sender, received_at)
    instrument, protocol = instrument_of(body)
    return Fact(type_name, sender, received_at, instrument, protocol)


def local_date(moment: datetime, profile: Profile, side: str) -> date:
    """The calendar date of *moment* in *side*'s zone."""
    return moment.astimezone(profile.agreement.zone(side)).date()


def other_side(profile: Profile, side: str) -> str:
    return next(s for s in profile.sides if s != side)


def received_on(fact: Fact, profile: Profile) -> date:
    """The date its recipient received *fact* (the recipient's zone): what «с даты получения» counts."""
    return local_date(fact.received_at, profile, other_side(profile, fact.sender))


def concerns_agreement(fact: Fact) -> bool:
    """An entry-into-force notice about the Agreement itself; one whose instrument is not known is
    not taken to be one (it could only move the date wrongly)."""
    return fact.instrument == AGREEMENT


def first_per_side(facts: Sequence[Fact], type_name: str) -> dict[str, Fact]:
    """The earliest received *type_name* fact of each sending side."""
    first: dict[str, Fact] = {}
    for fact in sorted(facts, key=lambda f: f.received_at):
        if fact.type == type_name:
            first.setdefault(fact.sender, fact)
    return first


def notified_entry(
    profile: Profile, notices: Sequence[Fact], protocol: str | None = None, article: str | None = None
) -> tuple[Dated | None, list[str]]:
    """The date the Agreement (or an amendment *protocol*) enters into force 30 days (Art. 49) after the
    recipient's date of the later of the two sides' first *notices*, or None with the sides still to
    notify."""
    clause = profile.agreement.entry_into_force
    assert clause is not None
    first = first_per_side(notices, ENTRY_NOTICE)
    missing = [side for side in profile.sides if side not in first]
    if missing:
        return None, missing
    last = max(first.values(), key=lambda f: f.received_at)
    receiver = other_side(profile, last.sender)
    day = received_on(last, profile)
    on = clause.span.after_date(day)
    zone = profile.agreement.zones[receiver]
    said: dict[str, Value] = dict(
        span=clause.span, day=day, receiver=receiver, sender=last.sender, type=ENTRY_NOTICE, zone=zone
    )
    reason = (
        why("agreement-enters", **said)
        if protocol is None
        else why("protocol-enters", protocol=protocol, **said)
    )
    return Dated(on, zone, article or clause.article, clause.span.source, reason), []


def entry_into_force(profile: Profile, facts: Sequence[Fact]) -> tuple[Dated | None, list[str]]:
    """The Agreement's first day in force, or None with the sides whose notice is still awaited."""
    agreement, clause = profile.agreement, profile.agreement.entry_into_force
    if agreement.in_force_from is not None:
        article = clause.article if clause else ""
        source = clause.span.source if clause else Source.TEXT
        zone = agreement.zones[profile.sides[0]]
        reason = why("in-force-from", on=agreement.in_force_from, article=article)
        return Dated(agreement.in_force_from, zone, article, source, reason), []
    if clause is None:
        return None, list(profile.sides)
    return notified_entry(profile, [f for f in facts if concerns_agreement(f)])


def terms(profile: Profile, start: date, until: date) -> list[Term]:
    """The terms of a fixed-term agreement from *start* up to the one that contains *until*."""
    agreement = profile.agreement
    if agreement.term is None:
        return []
    ends_on = agreement.term.after_date(start)
    clause = agreement.denunciation
    term: Term | None = Term(1, start, ends_on, clause.span.before_date(ends_on) if clause else None)
    found: list[Term] = []
    while term is not None:
        found.append(term)
        term = following(profile, term) if term.ends_on < until else None
    return found


def following(profile: Profile, term: Term) -> Term | None:
    """The term a renewal would start after *term* (None: the agreement is not renewed)."""
    agreement = profile.agreement
    if agreement.renewal is None:
        return None
    starts_on = date.fromordinal(term.ends_on.toordinal() + 1)
    ends_on = agreement.renewal.after_date(term.ends_on)
    clause = agreement.denunciation
    return Term(term.number + 1, starts_on, ends_on, clause.span.before_date(ends_on) if clause else None)


def denounced_term(profile: Profile, fact: Fact, start: date) -> Term | None:
    """The term a denunciation counts for: the term it was received in (its sender's date) when it
    met that term's deadline, else the next one; None when nothing follows."""
    day = local_date(fact.received_at, profile, fact.sender)
    current = terms(profile, start, day)[-1]
    if current.deadline is not None and day <= current.deadline:
        return current
    return following(profile, current)


def _termination(profile: Profile, facts: Sequence[Fact]) -> Dated | None:
    """Art. 49: the last day in force is the date of receipt of the first termination notice + 90."""
    names = {t.name for t in profile.types.values() if t.effect and t.effect.event == "termination"}
    notices = sorted((f for f in facts if f.type in names), key=lambda f: f.received_at)
    if not notices:
        return None
    first = notices[0]
    effect = profile.types[first.type].effect
    assert effect is not None
    receiver = other_side(profile, first.sender)
    day = received_on(first, profile)
    zone, article = profile.agreement.zones[receiver], profile.types[first.type].article
    reason = why(
        "ends-after",
        span=effect.after,
        day=day,
        receiver=receiver,
        sender=first.sender,
        type=first.type,
        zone=zone,
    )
    return Dated(effect.after.after_date(day), zone, article, effect.after.source, reason)


def denunciations(profile: Profile, facts: Sequence[Fact]) -> list[Fact]:
    names = {t.name for t in profile.types.values() if t.anchored and t.anchored.anchor == "term-end"}
    return sorted((f for f in facts if f.type in names), key=lambda f: f.received_at)


def _denunciation(profile: Profile, facts: Sequence[Fact], start: date) -> Dated | None:
    """Art. 12: the last day of the first term a denunciation counts for."""
    counted = [(denounced_term(profile, fact, start), fact) for fact in denunciations(profile, facts)]
    counting = [(term, fact) for term, fact in counted if term is not None]
    if not counting:
        return None
    term, fact = min(counting, key=lambda pair: pair[0].ends_on)
    clause = profile.agreement.denunciation
    assert clause is not None and term.deadline is not None
    day = local_date(fact.received_at, profile, fact.sender)
    zone = profile.agreement.zones[fact.sender]
    key = "ends-with-term" if day >= term.starts_on else "ends-with-term-carried"
    reason = why(
        key, ends_on=term.ends_on, sender=fact.sender, type=fact.type, day=day, zone=zone,
        deadline=term.deadline, span=clause.span,
    )  # fmt: skip
    return Dated(term.ends_on, zone, clause.article, clause.span.source, reason)


def agreement_end(profile: Profile, facts: Sequence[Fact], entry: Dated | None) -> Dated | None:
    """The agreement's last day in force, when the recorded messages fix one."""
    if profile.agreement.termination is not None:
        return _termination(profile, facts)
    if profile.agreement.denunciation is not None and entry is not None:
        return _denunciation(profile, facts, entry.on)
    return None


def agreement_state(profile: Profile, facts: Sequence[Fact], now: datetime, side: str) -> AgreementState:
    """Where the agreement stands on *side*'s date at *now*."""
    entry, missing = entry_into_force(profile, facts)
    end = agreement_end(profile, facts, entry)
    today = local_date(now, profile, side)
    ends_on = end.on if end else None
    if entry is None:
        reason = waiting_for_agreement(missing)
        return AgreementState(profile.id, Status.NOT_IN_FORCE, None, ends_on, _article(profile), reason)
    since = entry.on
    if today < entry.on:
        return AgreementState(profile.id, Status.NOT_IN_FORCE, since, ends_on, entry.article, entry.why)
    if end is None:
        return AgreementState(profile.id, Status.IN_FORCE, since, None, entry.article, entry.why)
    status = Status.ENDING if today <= end.on else Status.ENDED
    return AgreementState(profile.id, status, since, ends_on, end.article, end.why)


def waiting_for_agreement(missing: Sequence[str]) -> Why:
    """The Agreement's entry into force waits for the notices of the *missing* sides."""
    return why("waiting-agreement", type=ENTRY_NOTICE, sides=tuple(missing))


def _article(profile: Profile) -> str:
    clause = profile.agreement.entry_into_force
    return clause.article if clause else ""


def refuse_if_ended(state: AgreementState, type_name: str) -> None:
    """The sender's check: nothing is sent under an agreement that has ended."""
    if state.status is Status.ENDED:
        _refuse(state, type_name)


def _refuse(state: AgreementState, type_name: str) -> NoReturn:
    raise RuleError(
        f"Art. {state.article}: the agreement {state.profile} ended on {state.ends_on} "
        f"(its last day in force; {state.reasoning}); a {type_name} is not sent under an agreement "
        "that has ended",
        reason=Reason.AGREEMENT_ENDED,
    )
