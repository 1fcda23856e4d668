"""Why a treaty date is what it is, as data in no language (pure): the reasoning of a calendar row
and of the agreement's state, and its English words.

A `Why` names its sentence form by a key and carries the form's values by name — calendar dates as
dates, periods as the profile's `Span` (with its source: the agreement's number or ours), message type
names (`type`), sides, articles (`article`), zones, counts (`number`: a term; `late`: calendar days
late) and, for `end`, the reasoning of how the agreement ends — then the clauses that follow it
(`parts`), each a `Why` whose words carry their own leading punctuation.

`english` gives the words `bgw calendar` prints and the console API's `reasoning` string; the console
words the same data in the viewer's language from its catalogues (gateway.console.calendar_why), one
text per key in the `[calendar_why]` table.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import TypeAlias, Union

from gateway.profiles import Span, Unit

Value: TypeAlias = Union[date, int, str, tuple[str, ...], Span, "Why"]  # "Why": a forward reference


@dataclass(frozen=True)
class Why:
    key: str  # the sentence form (ENGLISH's keys)
    params: tuple[tuple[str, Value], ...] = ()
    parts: tuple[Why, ...] = ()  # the clauses that follow, in order

    def then(self, *parts: Why) -> Why:
        """This reasoning with *parts* appended."""
        return Why(self.key, self.params, self.parts + parts)


def why(key: str, *parts: Why, **params: Value) -> Why:
    """A reasoning of the form *key* with its values, then *parts*."""
    assert key in ENGLISH, key
    return Why(key, tuple(params.items()), parts)


_ENTERS = "enters into force {span} after {day}, the date {receiver} received {sender}'s {type} ({zone}), the later of the two sides' notices"  # noqa: E501
_ENDS_WITH_TERM = "ends with its term on {ends_on}: {sender}'s {type} received {day} ({zone}) is {when} for that term, whose deadline is {deadline} ({span} before its end)"  # noqa: E501

ENGLISH = {
    # the agreement's own dates (gateway.rules.agreement)
    "in-force-from": "in force from {on} (agreement fact; Art. {article})",
    "agreement-enters": "the Agreement " + _ENTERS,
    "protocol-enters": "protocol «{protocol}» " + _ENTERS,
    "waiting-agreement": "waiting for the {type} about the Agreement itself of {sides}",
    "waiting-protocol": "waiting for the {type} about it of {sides}",
    "ends-after": "ends {span} after {day}, the date {receiver} received {sender}'s {type} ({zone}); it applies through that day",  # noqa: E501
    "ends-with-term": _ENDS_WITH_TERM.replace("{when}", "in time"),
    "ends-with-term-carried": _ENDS_WITH_TERM.replace(
        "{when}", "after the deadline of the term before, so it counts"
    ),
    # duties anchored on entry into force (Annex 1 §1)
    "within-unknown": "{side}'s {type} within {span} after entry into force, which is not known yet",
    "within": "{side}'s {type} within {span} after entry into force ({entry})",
    "received-in-time": "; received {on}, in time",
    "received-late": "; received {on}, {late} days late",
    "not-received": "; not received",
    # periodic duties (Annex 1 §4)
    "periodic-unknown": "at least once every {span} after entry into force, which is not known yet",
    "periodic-after-entry": "at least once every {span}: due {span} after entry into force ({since})",
    "periodic-after-record": "at least once every {span}: due {span} after the last record, received {since}",
    "lapses": "; the agreement's last day is {on}",
    # a fixed term, its denunciation and renewal (KZ–AZ Art. 12)
    "term": "term {number} ({span}) runs {starts_on} to {ends_on}",
    "renews-unless-denounced": "; renewed automatically unless denounced in time",
    "agreement-ends": "; the agreement {end}",
    "denounce-by": "{side} may denounce by {deadline}, {span} before term {number} ends",
    "denounced": ": its notice received {day} counts",
    "denounced-by-other": ": not needed, {sender}'s notice counts",
    "denounced-late": "; its notice received {day} is {late} days late: it does not stop the renewal",
    "counts-for-next": "; it counts for term {number}, ending {ends_on}",
    "no-renewal": "no renewal after {on}: denounced in time",
    "renewed": "renewed automatically for {span} after {ends_on}, to {next_ends_on}",
    "then-agreement-ends": "; then the agreement {end}",
}


def english_span(span: Span) -> str:
    """``30 calendar days (text)``, ``6 months (text)``: the treaty counts calendar days."""
    unit = "calendar days" if span.unit is Unit.DAYS else span.unit.value
    return f"{span.value} {unit} ({span.source.value})"


def _english_value(value: Value) -> str:
    if isinstance(value, Span):
        return english_span(value)
    if isinstance(value, Why):
        return english(value)
    if isinstance(value, tuple):
        return ", ".join(value)
    return str(value)


def english(reason: Why) -> str:
    """The reasoning in English, as `bgw calendar` prints it."""
    values = {name: _english_value(value) for name, value in reason.params}
    return ENGLISH[reason.key].format(**values) + "".join(english(part) for part in reason.parts)
