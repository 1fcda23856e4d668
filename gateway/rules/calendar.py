"""The treaty calendar of a link (pure): a function of the profile's agreement facts, the recorded
messages (`Fact`: type, sender, time of receipt, and what an entry-into-force notice concerns) and a
moment, read by one side.

Each row is a date of the agreement with its state — `upcoming`, `due-today`, `met`, `missed` or
`ended` — and the reasoning in words. Dates are calendar dates (see gateway.rules.agreement); a row's
zone is the zone its date is read in: the zone of the side that must act for a duty or a right of one
side, the later of the two for a joint duty, the reading side's for the agreement's own dates. The
whole day counts.

- KZ–UZ: entry into force (Art. 49) and that of each amendment protocol (Art. 47); each side's
  Commission composition within 3 months of it (Annex 1 §1); a Commission meeting record at least
  every 12 months (Annex 1 §4); the last day in force after a termination notice (Art. 49).
- KZ–AZ: the end of the current term, each side's denunciation deadline for it, the renewal (Art. 12).
"""

from __future__ import annotations

import enum
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gateway.profiles import MessageType, Profile, Source, Span
from gateway.rules.agreement import (
    AGREEMENT,
    ENTRY_NOTICE,
    AgreementState,
    Dated,
    Fact,
    Term,
    agreement_end,
    agreement_state,
    denounced_term,
    denunciations,
    entry_into_force,
    first_per_side,
    following,
    local_date,
    notified_entry,
    received_on,
    terms,
    waiting_for_agreement,
)
from gateway.rules.why import Why, english, why

ENTRY_INTO_FORCE = "entry-into-force"
PROTOCOL_ENTRY_INTO_FORCE = "protocol-entry-into-force"
TERMINATION = "termination"
TERM_END = "term-end"
RENEWAL = "renewal"
PROTOCOL_ARTICLE = "47, 49"  # amendment protocols enter into force «в порядке, предусмотренном статьей 49»


class State(enum.StrEnum):
    UPCOMING = "upcoming"  # its day has not come
    DUE_TODAY = "due-today"  # today is its day: a deadline's last day, or a date that falls today
    MET = "met"  # done in time, or the date has come
    MISSED = "missed"  # its day passed without what was due, or what was due came late
    ENDED = "ended"  # no longer applies: the agreement ended, or ends before it is due


@dataclass(frozen=True)
class Row:
    what: str  # a message type that is due, or a treaty event (entry-into-force, termination, …)
    side: str | None  # the side that must act; None: both, or the agreement's own date
    article: str
    on: date | None  # None: not known yet (its `why` says what it waits for)
    zone: str  # the zone `on` is read in
    source: Source
    state: State
    why: Why
    duty: bool = False  # a message some side owes (False: a date, or a right such as denunciation)
    subject: str = ""  # what the row concerns beyond `what` (the protocol of an entry into force)

    @property
    def reasoning(self) -> str:
        """The reasoning in English, as `bgw calendar` prints it."""
        return english(self.why)


@dataclass(frozen=True)
class Calendar:
    agreement: AgreementState
    rows: tuple[Row, ...]


def treaty_calendar(profile: Profile, facts: Sequence[Fact], now: datetime, side: str) -> Calendar:
    """The agreement's state on *side*'s date at *now*, and every dated row of its calendar."""
    return Calendar(agreement_state(profile, facts, now, side), tuple(_Rows(profile, facts, now, side)))


def _on_day(on: date, today: date, after: State) -> State:
    """`upcoming` before *on*, `due-today` on it, *after* once it has passed."""
    if today < on:
        return State.UPCOMING
    return State.DUE_TODAY if today == on else after


def _done(done_on: date, due: date) -> Why:
    late = (done_on - due).days
    return why("received-late", on=done_on, late=late) if late > 0 else why("received-in-time", on=done_on)


class _Rows:
    def __init__(self, profile: Profile, facts: Sequence[Fact], now: datetime, side: str) -> None:
        self.profile, self.facts, self.now = profile, facts, now
        self.zones = profile.agreement.zones
        self.zone = self.zones[side]  # the reading side's: for the agreement's own dates
        self.entry, self.missing = entry_into_force(profile, facts)
        self.end = agreement_end(profile, facts, self.entry)

    def __iter__(self) -> Iterator[Row]:
        yield self._entry_row()
        yield from self._protocol_rows()
        for message_type in self.profile.types.values():
            anchored = message_type.anchored
            if anchored is not None and anchored.within is not None:
                yield from (
                    self._within_row(message_type, anchored.within, side) for side in self.profile.sides
                )
            if message_type.periodic is not None:
                yield self._periodic_row(message_type, message_type.periodic)
        if self.profile.agreement.term is not None and self.entry is not None:
            yield from self._term_rows(self.entry.on)
        if self.profile.agreement.termination is not None and self.end is not None:
            yield self._dated(TERMINATION, self.end, State.ENDED)

    def today(self, zone: str) -> date:
        return self.now.astimezone(ZoneInfo(zone)).date()

    def _dated(self, what: str, dated: Dated, after: State, subject: str = "") -> Row:
        """A date of the agreement itself (entry into force, last day), read in the reading side's zone."""
        state = _on_day(dated.on, self.today(self.zone), after)
        return Row(what, None, dated.article, dated.on, self.zone, dated.source, state, dated.why,
                   subject=subject)  # fmt: skip

    def _joint_zone(self, on: date) -> str:
        """The zone where *on* ends last: a joint duty is missed once the day is over for both."""
        day_after = on + timedelta(days=1)
        return max(self.zones.values(), key=lambda zone: datetime.combine(day_after, time(), ZoneInfo(zone)))

    def _lapsed(self, due: date) -> bool:
        """The agreement ends before *due*: the duty no longer applies."""
        return self.end is not None and self.end.on < due

    # -- entry into force (Art. 49) and of the amendment protocols (Art. 47) ------------------------
    def _entry_row(self) -> Row:
        if self.entry is not None:
            return self._dated(ENTRY_INTO_FORCE, self.entry, State.MET)
        clause = self.profile.agreement.entry_into_force
        article, source = (clause.article, clause.span.source) if clause else ("", Source.TEXT)
        waiting = waiting_for_agreement(self.missing)
        return Row(ENTRY_INTO_FORCE, None, article, None, self.zone, source, State.UPCOMING, waiting)

    def _protocol_rows(self) -> Iterator[Row]:
        """Each amendment protocol enters into force by its own notices, as Art. 49 says (Art. 47)."""
        clause = self.profile.agreement.entry_into_force
        protocols: dict[str, list[Fact]] = {}
        for fact in self.facts:
            if fact.type == ENTRY_NOTICE and fact.instrument not in (None, AGREEMENT):
                protocols.setdefault(fact.protocol or "amendment protocol (not named)", []).append(fact)
        for name, notices in protocols.items():
            dated, missing = notified_entry(self.profile, notices, name, PROTOCOL_ARTICLE)
            if dated is not None:
                yield self._dated(PROTOCOL_ENTRY_INTO_FORCE, dated, State.MET, subject=name)
            elif clause is not None:
                waiting = why("waiting-protocol", type=ENTRY_NOTICE, sides=tuple(missing))
                source = clause.span.source
                yield Row(PROTOCOL_ENTRY_INTO_FORCE, None, PROTOCOL_ARTICLE, None, self.zone, source,
                          State.UPCOMING, waiting, subject=name)  # fmt: skip

    # -- duties anchored on entry into force, periodic duties (Annex 1) -----------------------------
    def _within_row(self, message_type: MessageType, span: Span, side: str) -> Row:
        """*side*'s duty within *span* after entry into force (Annex 1 §1), in its own zone."""
        zone = self.zones[side]
        if self.entry is None:
            unknown = why("within-unknown", side=side, type=message_type.name, span=span)
            return Row(message_type.name, side, message_type.article, None, zone, span.source,
                       State.UPCOMING, unknown, duty=True)  # fmt: skip
        due = span.after_date(self.entry.on)
        sent = first_per_side(self.facts, message_type.name).get(side)
        done_on = local_date(sent.received_at, self.profile, side) if sent else None
        if done_on is not None:
            state = State.MET if done_on <= due else State.MISSED
        else:
            state = State.ENDED if self._lapsed(due) else _on_day(due, self.today(zone), State.MISSED)
        reasoning = why("within", side=side, type=message_type.name, span=span, entry=self.entry.on)
        if done_on is not None:
            reasoning = reasoning.then(_done(done_on, due))
        elif state is State.MISSED:
            reasoning = reasoning.then(why("not-received"))
        return Row(message_type.name, side, message_type.article, due, zone, span.source, state, reasoning,
                   duty=True)  # fmt: skip

    def _periodic_row(self, message_type: MessageType, period: Span) -> Row:
        """At least once per period (Annex 1 §4): due a period after the last record received since
        entry into force, or after entry into force."""
        if self.entry is None:
            return Row(message_type.name, None, message_type.article, None, self.zone, period.source,
                       State.UPCOMING, why("periodic-unknown", span=period), duty=True)  # fmt: skip
        since, key = self.entry.on, "periodic-after-entry"
        records = [received_on(f, self.profile) for f in self.facts if f.type == message_type.name]
        if records and max(records) >= since:
            since, key = max(records), "periodic-after-record"
        due = period.after_date(since)
        zone = self._joint_zone(due)
        state = _on_day(due, self.today(zone), State.MISSED)
        reasoning = why(key, span=period, since=since)
        if self.end is not None and self._lapsed(due):
            state, reasoning = State.ENDED, reasoning.then(why("lapses", on=self.end.on))
        return Row(message_type.name, None, message_type.article, due, zone, period.source, state, reasoning,
                   duty=True)  # fmt: skip

    # -- a fixed term, its denunciation and renewal (KZ–AZ Art. 12) ---------------------------------
    def _term_rows(self, start: date) -> Iterator[Row]:
        today = self.today(self.zone)
        ended = self.end is not None and self.end.on < today
        current = terms(self.profile, start, self.end.on if self.end and ended else today)[-1]
        yield self._term_end_row(current)
        yield from (self._denunciation_row(current, start, side) for side in self.profile.sides)
        if self.profile.agreement.renewal is not None:
            yield self._renewal_row(current)

    def _ends_with(self, term: Term) -> bool:
        return self.end is not None and self.end.on == term.ends_on

    def _term_end_row(self, term: Term) -> Row:
        agreement = self.profile.agreement
        span = agreement.term if term.number == 1 else agreement.renewal
        assert span is not None and agreement.denunciation is not None
        basis = why("term", number=term.number, span=span, starts_on=term.starts_on, ends_on=term.ends_on)
        if self._ends_with(term) and self.end is not None:
            state = _on_day(term.ends_on, self.today(self.zone), State.ENDED)
            reasoning = basis.then(why("agreement-ends", end=self.end.why))
        else:
            state = _on_day(term.ends_on, self.today(self.zone), State.MET)
            reasoning = basis.then(why("renews-unless-denounced"))
        return Row(TERM_END, None, agreement.denunciation.article, term.ends_on, self.zone, span.source,
                   state, reasoning)  # fmt: skip

    def _denunciation_row(self, term: Term, start: date, side: str) -> Row:
        """*side* may denounce for *term* until its deadline, in its own zone (Art. 12)."""
        clause = self.profile.agreement.denunciation
        assert clause is not None and term.deadline is not None
        notices = denunciations(self.profile, self.facts)
        counted = [f for f in notices if denounced_term(self.profile, f, start) == term]
        ours = [f for f in counted if f.sender == side]
        basis = why("denounce-by", side=side, deadline=term.deadline, span=clause.span, number=term.number)
        if ours:
            day = local_date(ours[0].received_at, self.profile, side)
            state, reasoning = State.MET, basis.then(why("denounced", day=day))
        elif counted:
            state, reasoning = State.ENDED, basis.then(why("denounced-by-other", sender=counted[0].sender))
        else:
            state = _on_day(term.deadline, self.today(self.zones[side]), State.MISSED)
            late = [f for f in notices if f.sender == side and self._late_in(f, term)]
            reasoning = basis.then(*self._late_words(late[0], term)) if late else basis
        name, zone = self._denunciation_type(), self.zones[side]
        return Row(name, side, clause.article, term.deadline, zone, clause.span.source, state, reasoning)

    def _denunciation_type(self) -> str:
        return next(
            t.name for t in self.profile.types.values() if t.anchored and t.anchored.anchor == TERM_END
        )

    def _late_in(self, fact: Fact, term: Term) -> bool:
        """Received during *term* after its deadline (its sender's date)."""
        day = local_date(fact.received_at, self.profile, fact.sender)
        return term.deadline is not None and term.deadline < day <= term.ends_on

    def _late_words(self, fact: Fact, term: Term) -> tuple[Why, ...]:
        assert term.deadline is not None
        day = local_date(fact.received_at, self.profile, fact.sender)
        after = following(self.profile, term)
        late = why("denounced-late", day=day, late=(day - term.deadline).days)
        return (
            (late, why("counts-for-next", number=after.number, ends_on=after.ends_on)) if after else (late,)
        )

    def _renewal_row(self, term: Term) -> Row:
        renewal, clause = self.profile.agreement.renewal, self.profile.agreement.denunciation
        assert renewal is not None and clause is not None
        if self._ends_with(term):
            return Row(RENEWAL, None, clause.article, term.ends_on, self.zone, renewal.source, State.ENDED,
                       why("no-renewal", on=term.ends_on))  # fmt: skip
        nxt = following(self.profile, term)
        assert nxt is not None
        reasoning = why("renewed", span=renewal, ends_on=term.ends_on, next_ends_on=nxt.ends_on)
        if self.end is not None:
            reasoning = reasoning.then(why("then-agreement-ends", end=self.end.why))
        state = _on_day(term.ends_on, self.today(self.zone), State.MET)
        return Row(RENEWAL, None, clause.article, term.ends_on, self.zone, renewal.source, state, reasoning)


__all__ = ["Calendar", "Fact", "Row", "State", "treaty_calendar"]
