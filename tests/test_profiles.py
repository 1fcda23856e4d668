"""Treaty profiles: loaded and validated at start-up; errors name the file and the key; every
number says honestly whether the agreement fixes it."""

from __future__ import annotations

from pathlib import Path

import pytest

from gateway import paths
from gateway.errors import ConfigError
from gateway.profiles import Kind, Source, load_profile, load_profiles

PROFILES = load_profiles()
A = PROFILES["kz-uz-border-2024"]
B = PROFILES["kz-az-environment-1997"]


def test_both_profiles_load_with_their_sides() -> None:
    assert A.sides == ("KZ", "UZ")
    assert B.sides == ("KZ", "AZ")


def test_the_crossing_restriction_lead_is_the_texts_24_hours() -> None:
    lead = A.types["crossing-restriction"].lead
    assert lead is not None
    assert (lead.span.value, lead.span.unit.value, lead.span.source) == (24, "hours", Source.TEXT)
    assert A.types["crossing-restriction"].channel.value == "BR"


def test_the_only_reply_deadline_the_texts_fix_is_article_40_48_hours() -> None:
    fixed = {
        name: t.reply.within
        for name, t in {**A.types, **B.types}.items()
        if t.reply and t.reply.within and t.reply.within.source is Source.TEXT
    }
    assert list(fixed) == ["joint-meeting-proposal"]
    within = fixed["joint-meeting-proposal"]
    assert within is not None and (within.value, within.unit.value) == (48, "hours")


def test_receipt_times_are_never_presented_as_the_treatys() -> None:
    for profile in PROFILES.values():
        for message_type in profile.types.values():
            assert message_type.receipt_due.source is Source.DEFAULT, message_type.name


def test_every_reply_type_answers_something_and_every_named_reply_exists() -> None:
    for profile in PROFILES.values():
        for message_type in profile.types.values():
            if message_type.kind is Kind.REPLY:
                assert message_type.replies_to
            if message_type.reply:
                assert profile.types[message_type.reply.type].kind is Kind.REPLY


def test_lead_and_reply_fields_are_utc_times_in_the_samples() -> None:
    from gateway.rules.fields import field_values
    from gateway.wire.envelope import body_of, parse_time
    from gateway.wire.parsing import parse

    for profile in PROFILES.values():
        for message_type in profile.types.values():
            fields = [message_type.lead.field] if message_type.lead else []
            if message_type.event_field:
                fields.append(message_type.event_field)
            if message_type.reply and message_type.reply.by_field:
                fields.append(message_type.reply.by_field)
            if not fields:
                continue
            body = body_of(parse((paths.SAMPLES / profile.id / f"{message_type.name}.xml").read_bytes()))
            for field in fields:
                values = field_values(body, field)
                assert values, f"{message_type.name}: no {field} in the sample"
                for value in values:
                    parse_time(value)


BROKEN = [
    ("not toml", "[profile\n", "not valid TOML"),
    ("unknown unit", 'unit = "hours"', "types.marker-incident.receipt_due.unit: 'fortnights' is not one of"),
    ("unknown timing", 'timing = "immediate"', "types.marker-incident.timing: 'soonish' is not one of"),
    ("unknown key", 'article = "4(2)"', "types.marker-incident.articel: unknown key"),
    ("missing title", 'title.en = "Notice', "types.marker-incident.title.en: missing"),
    ("lead without field", "", "types.crossing-restriction.lead.field: missing"),
    ("unknown level", "", "escalation.default.rungs[1].level: 'minister' is not one of"),
    ("unknown ladder", "", "types.marker-incident.escalation: unknown ladder 'urgent'"),
    ("unknown channel in a choice", "", "types.flight-notice.channel: 'XX' is not one of AB, BR, DIP, JC"),
    ("a choice of one", "", "types.flight-notice.channel: a list names two or more different channels"),
    ("unknown zone", "", "agreement.zones.UZ: 'Asia/Nowhere' is not a known time zone"),
]


def _broken_profile(tmp_path: Path, case: str) -> Path:
    text = (paths.PROFILES / "kz-uz-border-2024.toml").read_text(encoding="utf-8")
    marker_start = text.index("[types.marker-incident]")
    if case == "not toml":
        text = text.replace("[profile]", "[profile\n", 1)
    elif case == "unknown unit":
        text = text[:marker_start] + text[marker_start:].replace(
            "[types.marker-incident]",
            '[types.marker-incident]\nreceipt_due = { value = 1, unit = "fortnights", source = "default" }',
            1,
        )
    elif case == "unknown timing":
        head, tail = text[:marker_start], text[marker_start:]
        text = head + tail.replace('timing = "immediate"', 'timing = "soonish"', 1)
    elif case == "unknown key":
        head, tail = text[:marker_start], text[marker_start:]
        text = head + tail.replace('article = "4(2)"', 'articel = "4(2)"', 1)
    elif case == "missing title":
        head, tail = text[:marker_start], text[marker_start:]
        start = tail.index("title.en")
        end = tail.index("\n", start)
        text = head + tail[:start] + tail[end + 1 :]
    elif case == "lead without field":
        start = text.index("[types.crossing-restriction]")
        lead = text.index("lead = {", start)
        end = text.index("\n", lead)
        text = text[:lead] + 'lead = { value = 24, unit = "hours", source = "text" }' + text[end:]
    elif case == "unknown level":
        text = text.replace('level = "border-representative"', 'level = "minister"', 1)
    elif case == "unknown channel in a choice":
        text = text.replace('channel = ["BR", "AB"]', 'channel = ["BR", "XX"]', 1)
    elif case == "a choice of one":
        text = text.replace('channel = ["BR", "AB"]', 'channel = ["BR"]', 1)
    elif case == "unknown zone":
        text = text.replace('UZ = "Asia/Tashkent"', 'UZ = "Asia/Nowhere"', 1)
    elif case == "unknown ladder":
        head, tail = text[:marker_start], text[marker_start:]
        text = head + tail.replace('timing = "immediate"', 'timing = "immediate"\nescalation = "urgent"', 1)
    path = tmp_path / "kz-uz-border-2024.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(("case", "_anchor", "expected"), BROKEN, ids=[case for case, _, _ in BROKEN])
def test_profile_errors_name_the_file_and_key(tmp_path: Path, case: str, _anchor: str, expected: str) -> None:
    path = _broken_profile(tmp_path, case)
    with pytest.raises(ConfigError) as error:
        load_profile(path)
    message = str(error.value)
    assert str(path) in message
    assert expected in message


def test_a_profile_named_differently_from_its_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "other.toml"
    path.write_text((paths.PROFILES / "kz-uz-border-2024.toml").read_text(encoding="utf-8"), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"profile\.id: 'kz-uz-border-2024' does not match the file name"):
        load_profile(path)


def test_span_arithmetic_over_calendar_months() -> None:
    from datetime import UTC, datetime

    from gateway.profiles import Span, Unit

    six_months = Span(6, Unit.MONTHS, Source.TEXT)
    assert six_months.before(datetime(2027, 6, 10, tzinfo=UTC)) == datetime(2026, 12, 10, tzinfo=UTC)
    assert Span(1, Unit.MONTHS, Source.DEFAULT).after(datetime(2026, 1, 31, tzinfo=UTC)) == datetime(
        2026, 2, 28, tzinfo=UTC
    )
    assert Span(10, Unit.YEARS, Source.TEXT).after(datetime(1997, 6, 10, tzinfo=UTC)) == datetime(
        2007, 6, 10, tzinfo=UTC
    )


def test_agreement_facts_are_typed_and_marked_text() -> None:
    from datetime import UTC, date, datetime

    assert A.agreement.entry_into_force is not None and A.agreement.termination is not None
    assert (A.agreement.entry_into_force.span.value, A.agreement.entry_into_force.span.source) == (
        30,
        Source.TEXT,
    )
    assert (A.agreement.termination.span.value, A.agreement.termination.span.unit.value) == (90, "days")
    assert A.agreement.term is None  # concluded for an indefinite term (Art. 49)
    assert B.agreement.in_force_from == date(1997, 6, 10)
    assert B.agreement.term is not None and B.agreement.denunciation is not None
    third_term_end = B.agreement.term.after(
        B.agreement.term.after(B.agreement.term.after(datetime(1997, 6, 10, tzinfo=UTC)))
    )
    assert B.agreement.denunciation.span.before(third_term_end) == datetime(2026, 12, 10, tzinfo=UTC)


def test_agreement_errors_name_the_key(tmp_path: Path) -> None:
    text = (paths.PROFILES / "kz-uz-border-2024.toml").read_text(encoding="utf-8")
    path = tmp_path / "kz-uz-border-2024.toml"
    path.write_text(text.replace('sides = ["KZ", "UZ"]', 'sides = ["KZ"]', 1), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"agreement\.sides: must be two ISO 3166 alpha-2 codes"):
        load_profile(path)
    path.write_text(
        text.replace('after = { value = 30, unit = "days"', 'after = { value = 30, unit = "weeks"', 1),
        encoding="utf-8",
    )
    with pytest.raises(ConfigError, match=r"agreement\.entry_into_force\.after\.unit: 'weeks' is not one of"):
        load_profile(path)
