"""The treaty's own clock (pure): anchored and periodic deadlines of a profile, at a moment.

Anchored dates come from agreement facts in the profile (signature, entry into force, term) or from
the messages that fix them: KZ–UZ enters into force 30 days after receipt of the last
`entry-into-force-notice` (Art. 49), the Commission's composition is due within 3 months of that
(Annex 1 §1), a `termination-notice` ends the agreement 90 days after receipt (Art. 49); the KZ–AZ
agreement can be denounced at least 6 months before the end of its current 10-year term (Art. 12).
Periodic duties warn when no such message was recorded within the period (Annex 1 §4).
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from gateway.profiles import Profile, Source, Span

ENTRY_INTO_FORCE = "entry-into-force"
TERMINATION = "termination"
TERM_END = "term-end"


class State(enum.StrEnum):
    UPCOMING = "upcoming"  # due in the future, not yet met
    OVERDUE = "overdue"  # due in the past, not met
    MET = "met"  # the message that meets it was recorded
    PASSED = "passed"  # a date (not a duty) that lies in the past
    PENDING = "pending"  # cannot be computed yet: waits for the messages that fix it


@dataclass(frozen=True)
class Fact:
    """A recorded message the calendar reads: its type, who sent it and when it was received."""

    type: str
    sender: str
    received_at: datetime


@dataclass(frozen=True)
class Entry:
    what: str  # a message type that is due, or a treaty event (entry-into-force, termination, term-end)
    article: str
    at: datetime | None
    source: Source
    basis: str
    state: State
    duty: bool  # a message some side must send (False: a date the agreement produces)


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)


def _latest(facts: Iterable[Fact], type_name: str) -> dict[str, datetime]:
    """The latest receipt time of *type_name* per sending side."""
    latest: dict[str, datetime] = {}
    for fact in facts:
        if fact.type == type_name and (fact.sender not in latest or fact.received_at > latest[fact.sender]):
            latest[fact.sender] = fact.received_at
    return latest


def _date_state(at: datetime, now: datetime) -> State:
    return State.PASSED if at <= now else State.UPCOMING


def _duty_state(at: datetime, now: datetime, met: bool) -> State:
    if met:
        return State.MET
    return State.OVERDUE if at < now else State.UPCOMING


class _Calendar:
    def __init__(self, profile: Profile, facts: Sequence[Fact], now: datetime) -> None:
        self.profile, self.facts, self.now = profile, facts, now
        self.agreement = profile.agreement

    def entries(self) -> Iterator[Entry]:
        force = self._entry_into_force()
        yield force
        yield from self._anchored(force.at)
        yield from self._term_end(force.at)
        yield from self._termination()
        yield from self._periodic(force.at)

    def _entry_into_force(self) -> Entry:
        clause = self.agreement.entry_into_force
        if self.agreement.in_force_from is not None:
            at = _midnight(self.agreement.in_force_from)
            article = clause.article if clause else ""
            return Entry(
                ENTRY_INTO_FORCE,
                article,
                at,
                Source.TEXT,
                "date of the profile's agreement facts",
                _date_state(at, self.now),
                duty=False,
            )
        notices = [t for t in self.profile.types.values() if t.effect and t.effect.event == ENTRY_INTO_FORCE]
        if clause is None or not notices:
            return Entry(ENTRY_INTO_FORCE, "", None, Source.DEFAULT, "not known", State.PENDING, duty=False)
        notice = notices[0]
        latest = _latest(self.facts, notice.name)
        missing = [side for side in self.profile.sides if side not in latest]
        basis = clause.span.relative(f"after receipt of the last {notice.name}")
        if missing:
            return Entry(
                ENTRY_INTO_FORCE,
                clause.article,
                None,
                clause.span.source,
                f"{basis}; waiting for {', '.join(missing)}",
                State.PENDING,
                duty=False,
            )
        at = clause.span.after(max(latest.values()))
        return Entry(
            ENTRY_INTO_FORCE, clause.article, at, clause.span.source, basis, _date_state(at, self.now), False
        )

    def _term_ends(self, force: datetime) -> tuple[datetime, Span] | None:
        """The end of the current term (the first end after now), with the span that set it."""
        term, renewal = self.agreement.term, self.agreement.renewal
        if term is None:
            return None
        end, span = term.after(force), term
        while end <= self.now and renewal is not None:
            end, span = renewal.after(end), renewal
        return end, span

    def _term_end(self, force: datetime | None) -> Iterator[Entry]:
        ends = self._term_ends(force) if force else None
        if ends is None:
            return
        end, span = ends
        clause = self.agreement.denunciation
        renewed = " (renewed automatically)" if self.agreement.renewal else ""
        yield Entry(
            TERM_END,
            clause.article if clause else "",
            end,
            span.source,
            span.relative("term from entry into force") + renewed,
            _date_state(end, self.now),
            duty=False,
        )

    def _anchored(self, force: datetime | None) -> Iterator[Entry]:
        for message_type in self.profile.types.values():
            anchored = message_type.anchored
            if anchored is None:
                continue
            span = anchored.within or anchored.before
            assert span is not None
            anchor: datetime | None = force
            if anchored.anchor == TERM_END:
                ends = self._term_ends(force) if force else None
                anchor = ends[0] if ends else None
            relation = f"after {anchored.anchor}" if anchored.within else f"before {anchored.anchor}"
            basis = span.relative(relation)
            if anchor is None:
                yield Entry(
                    message_type.name,
                    message_type.article,
                    None,
                    span.source,
                    f"{basis}; {anchored.anchor} not known yet",
                    State.PENDING,
                    duty=True,
                )
                continue
            at = span.after(anchor) if anchored.within else span.before(anchor)
            sent = _latest(self.facts, message_type.name)
            met = all(side in sent for side in self.profile.sides) if anchored.within else bool(sent)
            if anchored.before and not sent:
                state = State.UPCOMING if at >= self.now else State.PASSED  # a right, not a duty
            else:
                state = _duty_state(at, self.now, met)
            yield Entry(
                message_type.name,
                message_type.article,
                at,
                span.source,
                basis,
                state,
                duty=anchored.within is not None,
            )

    def _termination(self) -> Iterator[Entry]:
        for message_type in self.profile.types.values():
            effect = message_type.effect
            if effect is None or effect.event != TERMINATION:
                continue
            latest = _latest(self.facts, message_type.name)
            if latest:
                at = effect.after.after(min(latest.values()))
                basis = effect.after.relative(f"after receipt of the {message_type.name}")
                yield Entry(
                    TERMINATION,
                    message_type.article,
                    at,
                    effect.after.source,
                    basis,
                    _date_state(at, self.now),
                    duty=False,
                )

    def _periodic(self, force: datetime | None) -> Iterator[Entry]:
        for message_type in self.profile.types.values():
            period = message_type.periodic
            if period is None:
                continue
            latest = _latest(self.facts, message_type.name)
            since = max(latest.values()) if latest else force
            what = "the last record" if latest else "entry into force"
            if since is None:
                yield Entry(
                    message_type.name,
                    message_type.article,
                    None,
                    period.source,
                    period.relative("after entry into force") + "; entry into force not known yet",
                    State.PENDING,
                    duty=True,
                )
                continue
            at = period.after(since)
            yield Entry(
                message_type.name,
                message_type.article,
                at,
                period.source,
                period.relative(f"after {what}") + " (at least once per period)",
                _duty_state(at, self.now, met=False),
                duty=True,
            )


def treaty_calendar(profile: Profile, facts: Sequence[Fact], now: datetime) -> list[Entry]:
    """Every anchored and periodic deadline of *profile* at *now*, given the recorded *facts*."""
    return list(_Calendar(profile, facts, now).entries())
