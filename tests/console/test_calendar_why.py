"""The calendar's reasoning in the viewer's language (gateway.console.calendar_why): every sentence
form the rules produce (the table of tests.rules.test_why) has its words in all five catalogues, uses
every value it is given — a period never without its source — and reads with the type's title, the
article as the language cites it and Russian plural forms; a number the agreement fixes and one of ours
never read alike."""

from __future__ import annotations

import string

import pytest

from gateway.console import i18n
from gateway.console.calendar_why import period, plural, structured, why_words
from gateway.profiles import Source, Span, Unit, load_profiles
from gateway.rules.why import ENGLISH
from tests.rules.test_why import FORMS, form, walk

PROFILES = load_profiles()
UNITS = ("days", "months", "years", "late")


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_form_unit_and_source_has_its_words(lang: str) -> None:
    catalogue = i18n.catalogue(lang)
    named = {f"calendar_why.{key}" for key in [*ENGLISH, "period"]}
    named |= {f"calendar_why.unit.{unit}_{form}" for unit in UNITS for form in ("one", "few", "many")}
    named |= {f"calendar_why.source.{source.value}" for source in Source}
    assert sorted(key for key in named if not catalogue.has(key)) == []


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("name", [row[0] for row in FORMS])
def test_each_form_uses_every_value_it_is_given(name: str) -> None:
    """The Russian words of a form name exactly its values (the other catalogues have Russian's
    placeholders: tests/console/test_i18n.py): no period is dropped with its source."""
    for reason in walk(form(name)):
        words = i18n.catalogue("ru")(f"calendar_why.{reason.key}")
        assert _fields(words) == {value for value, _ in reason.params}, reason.key


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_form_reads_in_every_language(lang: str) -> None:
    for name, profile, _, _, _, english in FORMS:
        words = why_words(PROFILES, lang, profile.id, structured(form(name)))
        assert words and "{" not in words and "(text)" not in words, words
        if lang != "en":
            assert words != english


def test_a_russian_row_reads_in_russian() -> None:
    reason = structured(form("a side may denounce"))
    assert why_words(PROFILES, "ru", "kz-az-environment-1997", reason) == (
        "сторона KZ может денонсировать соглашение не позднее 2026-12-10, за 6 месяцев (по тексту "
        "соглашения) до окончания срока действия № 3"
    )
    late = structured(form("received late"))
    assert why_words(PROFILES, "ru", "kz-uz-border-2024", late).endswith(
        "«Уведомление о составе своей части Совместной комиссии» не позднее чем через 3 месяца (по тексту "
        "соглашения) после вступления в силу (2025-04-15); дата получения 2025-07-21, опоздание — 6 дней"
    )
    agreement = structured(form("in force from signature"))
    assert why_words(PROFILES, "kk", "kz-az-environment-1997", agreement) == (
        "1997-06-10 күнінен бастап қолданыста (келісім туралы мәлімет; 12-бап)"
    )


RUSSIAN_PLURALS = [
    (1, "one"), (2, "few"), (4, "few"), (5, "many"), (11, "many"), (12, "many"), (14, "many"), (21, "one"),
    (22, "few"), (0, "many"), (111, "many"), (101, "one"),
]  # fmt: skip


@pytest.mark.parametrize(("n", "form"), RUSSIAN_PLURALS)
def test_russian_plural_forms(n: int, form: str) -> None:
    assert plural("ru", n) == form


@pytest.mark.parametrize(
    ("lang", "span", "words"),
    [
        ("ru", Span(3, Unit.MONTHS, Source.TEXT), "3 месяца (по тексту соглашения)"),
        ("ru", Span(1, Unit.YEARS, Source.TEXT), "1 год (по тексту соглашения)"),
        ("ru", Span(10, Unit.YEARS, Source.TEXT), "10 лет (по тексту соглашения)"),
        ("ru", Span(30, Unit.DAYS, Source.TEXT), "30 календарных дней (по тексту соглашения)"),
        (
            "ru",
            Span(21, Unit.DAYS, Source.DEFAULT),
            "21 календарный день (наша настройка, не норма соглашения)",
        ),
        ("ru", Span(2, Unit.DAYS, Source.DEFAULT), "2 календарных дня (наша настройка, не норма соглашения)"),
        ("kk", Span(3, Unit.MONTHS, Source.TEXT), "3 ай (келісім мәтіні бойынша)"),
        (
            "kk",
            Span(30, Unit.DAYS, Source.DEFAULT),
            "30 күнтізбелік күн (біздің баптау, келісім нормасы емес)",
        ),
        ("en", Span(1, Unit.MONTHS, Source.TEXT), "1 month (fixed by the agreement)"),
        ("en", Span(6, Unit.MONTHS, Source.DEFAULT), "6 months (our setting, not the agreement's)"),
    ],
)
def test_periods_in_words_with_their_source(lang: str, span: Span, words: str) -> None:
    assert period(lang, span) == words


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_the_agreements_number_and_ours_never_read_alike(lang: str) -> None:
    text, default = (period(lang, Span(6, Unit.MONTHS, source)) for source in Source)
    assert text != default
