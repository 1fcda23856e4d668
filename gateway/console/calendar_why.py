"""The reasoning of a treaty calendar row in the console: in the viewer's language, from the
catalogues' `[calendar_why]` table (one text per sentence form of gateway.rules.why), and as the
structured `why` of `/api/calendar`.

Dates read as the page shows them (YYYY-MM-DD), message types by their titles, articles as the
catalogue cites them, and periods in words of the language with their source: a number the agreement
fixes and one of ours never read alike.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from gateway.console import i18n
from gateway.console.treaty_words import article_words, what_title
from gateway.profiles import Profile, Span
from gateway.rules import why as rules


@dataclass(frozen=True)
class Why:
    """The reasoning as data, in no language (`reasoning` is its English): `key` names the sentence
    form (its words: `calendar_why.<key>` in the console catalogues); `params` its values by name —
    calendar dates (YYYY-MM-DD), periods as {value, unit, source} (source `text`: the agreement fixes
    it; `default`: ours), `type` a message type, `article` an article, sides, zones, `number` a term,
    `late` calendar days late, `end` the reasoning of how the agreement ends; `parts` the clauses that
    follow it, in order."""

    key: str
    params: dict[str, date | int | str | list[str] | Span | Why]
    parts: list[Why]


def structured(reason: rules.Why) -> Why:
    """*reason* as the API gives it."""
    return Why(
        reason.key,
        {name: _plain(value) for name, value in reason.params},
        [structured(p) for p in reason.parts],
    )


def _plain(value: rules.Value) -> date | int | str | list[str] | Span | Why:
    if isinstance(value, tuple):
        return list(value)
    if isinstance(value, rules.Why):
        return structured(value)
    return value


def plural(lang: str, n: int) -> str:
    """The catalogue's form for a count of *n*: Russian has one (1, 21, …), few (2–4, 22–24, …) and
    many (0, 5–20, …); a noun after a number does not change in Kazakh, Uzbek and Azerbaijani (their
    three forms are one) and in English only 1 is singular."""
    if lang != "ru":
        return "one" if n == 1 else "many"
    if n % 10 == 1 and n % 100 != 11:
        return "one"
    return "few" if 2 <= n % 10 <= 4 and not 12 <= n % 100 <= 14 else "many"


def counted(lang: str, unit: str, n: int) -> str:
    """*n* of *unit* (`days`: calendar days, `months`, `years`, `late`: days late) in *lang*."""
    return i18n.catalogue(lang)(f"calendar_why.unit.{unit}_{plural(lang, n)}", n=n)


def period(lang: str, span: Span) -> str:
    """A period with its source: «3 месяца (по тексту соглашения)»."""
    catalogue = i18n.catalogue(lang)
    source = catalogue(f"calendar_why.source.{span.source.value}")
    return catalogue("calendar_why.period", amount=counted(lang, span.unit.value, span.value), source=source)


@dataclass(frozen=True)
class Words:
    """How one viewer reads reasonings: the profiles' titles, their language, the row's profile."""

    profiles: Mapping[str, Profile]
    lang: str
    profile: str

    def __call__(self, reason: Why) -> str:
        values = {name: self._value(name, value) for name, value in reason.params.items()}
        text = i18n.catalogue(self.lang)(f"calendar_why.{reason.key}", **values)
        return text + "".join(self(part) for part in reason.parts)

    def _value(self, name: str, value: date | int | str | list[str] | Span | Why) -> str:
        if isinstance(value, Span):
            return period(self.lang, value)
        if isinstance(value, Why):
            return self(value)
        if isinstance(value, list):
            return ", ".join(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, int):
            return counted(self.lang, "late", value) if name == "late" else str(value)
        return self._word(name, value)

    def _word(self, name: str, value: str) -> str:
        """A message type by its title, an article as cited in the language; a side, a zone, a
        protocol as they are."""
        if name == "type":
            return what_title(self.profiles, self.lang, self.profile, value)
        return article_words(self.lang, value) if name == "article" else value


def why_words(profiles: Mapping[str, Profile], lang: str, profile: str, reason: Why) -> str:
    """*reason* in *lang* for a row of *profile*."""
    return Words(profiles, lang, profile)(reason)
