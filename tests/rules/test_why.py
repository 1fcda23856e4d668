"""The calendar's reasoning as data (gateway.rules.why) and its English, by a table: every sentence
form the rules produce, reached through the rules themselves, gives the words `bgw calendar` printed
before the reasoning became data — byte for byte."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from gateway.profiles import Profile
from gateway.rules.agreement import Fact
from gateway.rules.calendar import treaty_calendar
from gateway.rules.why import ENGLISH, Why, english
from tests.rules.test_calendar import AGREEMENT_NOTICES, AZ, PROTOCOL_NOTICES, UZ, denounced, terminated, utc

COMPOSITION = [
    Fact("commission-composition", "KZ", utc("2025-07-15T18:00")),  # 23:00 in Almaty, the last day
    Fact("commission-composition", "UZ", utc("2025-07-20T19:30")),  # 21 July in Tashkent
]
MEETING = Fact("commission-meeting-record", "UZ", utc("2026-03-01T08:00"))
AGREED = "the Agreement enters into force 30 calendar days (text) after 2025-03-16, the date KZ received UZ's entry-into-force-notice (Asia/Almaty), the later of the two sides' notices"  # noqa: E501
IN_TIME = "ends with its term on 2027-06-10: KZ's denunciation-notice received 2026-06-01 (Asia/Almaty) is in time for that term, whose deadline is 2026-12-10 (6 months (text) before its end)"  # noqa: E501
CARRIED = "ends with its term on 2037-06-10: KZ's denunciation-notice received 2026-12-11 (Asia/Almaty) is after the deadline of the term before, so it counts for that term, whose deadline is 2036-12-10 (6 months (text) before its end)"  # noqa: E501
TERMINATED = "ends 90 calendar days (text) after 2025-06-01, the date KZ received UZ's termination-notice (Asia/Almaty); it applies through that day"  # noqa: E501
COMPOSED = "KZ's commission-composition within 3 months (text) after entry into force"
YEARLY = "at least once every 12 months (text)"
KZ_BY = "KZ may denounce by 2026-12-10, 6 months (text) before term 3 ends"
TERM_3 = "term 3 (10 years (text)) runs 2017-06-11 to 2027-06-10"
RENEWED = "renewed automatically for 10 years (text) after 2027-06-10, to 2037-06-10"

# id, profile, facts, now (UTC, read by KZ), row (what, side; "agreement": the agreement's state), English
FORMS = [
    ("waiting for both sides", UZ, [], "2025-01-01T00:00", ("agreement", None),
     "waiting for the entry-into-force-notice about the Agreement itself of KZ, UZ"),
    ("a duty from an unknown date", UZ, [], "2025-01-01T00:00", ("commission-composition", "KZ"),
     f"{COMPOSED}, which is not known yet"),
    ("a period from an unknown date", UZ, [], "2025-01-01T00:00", ("commission-meeting-record", None),
     f"{YEARLY} after entry into force, which is not known yet"),
    ("entry into force from the later notice", UZ, AGREEMENT_NOTICES, "2025-07-15T12:00",
     ("entry-into-force", None), AGREED),
    ("a duty due", UZ, AGREEMENT_NOTICES, "2025-07-15T12:00", ("commission-composition", "KZ"),
     f"{COMPOSED} (2025-04-15)"),
    ("a period from entry into force", UZ, AGREEMENT_NOTICES, "2025-07-15T12:00",
     ("commission-meeting-record", None),
     f"{YEARLY}: due 12 months (text) after entry into force (2025-04-15)"),
    ("a protocol in force", UZ, [*AGREEMENT_NOTICES, *PROTOCOL_NOTICES], "2026-11-01T06:00",
     ("protocol-entry-into-force", None), "protocol «№ 1 of 2026-08-01» enters into force 30 calendar days "
     "(text) after 2026-10-01, the date KZ received UZ's entry-into-force-notice (Asia/Almaty), the later "
     "of the two sides' notices"),
    ("a protocol waiting", UZ, [*AGREEMENT_NOTICES, PROTOCOL_NOTICES[0]], "2026-11-01T06:00",
     ("protocol-entry-into-force", None), "waiting for the entry-into-force-notice about it of UZ"),
    ("received in time", UZ, [*AGREEMENT_NOTICES, *COMPOSITION], "2025-08-01T12:00",
     ("commission-composition", "KZ"), f"{COMPOSED} (2025-04-15); received 2025-07-15, in time"),
    ("received late", UZ, [*AGREEMENT_NOTICES, *COMPOSITION], "2025-08-01T12:00",
     ("commission-composition", "UZ"), "UZ's commission-composition within 3 months (text) after entry into "
     "force (2025-04-15); received 2025-07-21, 6 days late"),
    ("not received", UZ, AGREEMENT_NOTICES, "2026-11-01T06:00", ("commission-composition", "KZ"),
     f"{COMPOSED} (2025-04-15); not received"),
    ("a period from the last record", UZ, [*AGREEMENT_NOTICES, MEETING], "2026-11-01T06:00",
     ("commission-meeting-record", None), f"{YEARLY}: due 12 months (text) after the last record, received "
     "2026-03-01"),
    ("termination", UZ, [*AGREEMENT_NOTICES, terminated("UZ", "2025-06-01T18:30")], "2026-11-01T06:00",
     ("termination", None), TERMINATED),
    ("a period the agreement ends before", UZ, [*AGREEMENT_NOTICES, terminated("UZ", "2025-06-01T18:30")],
     "2026-11-01T06:00", ("commission-meeting-record", None), f"{YEARLY}: due 12 months (text) after entry "
     "into force (2025-04-15); the agreement's last day is 2025-08-30"),
    ("in force from signature", AZ, [], "2026-11-23T12:00", ("agreement", None),
     "in force from 1997-06-10 (agreement fact; Art. 12)"),
    ("a term renewed unless denounced", AZ, [], "2026-11-23T12:00", ("term-end", None),
     f"{TERM_3}; renewed automatically unless denounced in time"),
    ("a side may denounce", AZ, [], "2026-11-23T12:00", ("denunciation-notice", "KZ"), KZ_BY),
    ("renewal", AZ, [], "2026-11-23T12:00", ("renewal", None),
     RENEWED),
    ("denounced in time", AZ, [denounced("KZ", "2026-06-01T06:00")], "2026-11-23T12:00", ("agreement", None),
     IN_TIME),
    ("a term that ends", AZ, [denounced("KZ", "2026-06-01T06:00")], "2026-11-23T12:00", ("term-end", None),
     f"{TERM_3}; the agreement {IN_TIME}"),
    ("its notice counts", AZ, [denounced("KZ", "2026-06-01T06:00")], "2026-11-23T12:00",
     ("denunciation-notice", "KZ"), f"{KZ_BY}: its notice received 2026-06-01 counts"),
    ("the other's notice counts", AZ, [denounced("KZ", "2026-06-01T06:00")], "2026-11-23T12:00",
     ("denunciation-notice", "AZ"), "AZ may denounce by 2026-12-10, 6 months (text) before term 3 ends: not "
     "needed, KZ's notice counts"),
    ("no renewal", AZ, [denounced("KZ", "2026-06-01T06:00")], "2026-11-23T12:00", ("renewal", None),
     "no renewal after 2027-06-10: denounced in time"),
    ("denounced late, for the next term", AZ, [denounced("KZ", "2026-12-11T06:00")], "2027-01-10T12:00",
     ("agreement", None), CARRIED),
    ("a late notice", AZ, [denounced("KZ", "2026-12-11T06:00")], "2027-01-10T12:00",
     ("denunciation-notice", "KZ"),
     f"{KZ_BY}; its notice received 2026-12-11 is 1 days late: it does not stop the renewal; it counts for "
     "term 4, ending 2037-06-10"),
    ("renewed, then ending", AZ, [denounced("KZ", "2026-12-11T06:00")], "2027-01-10T12:00", ("renewal", None),
     f"{RENEWED}; then the agreement {CARRIED}"),
]  # fmt: skip


def reasoning_of(profile: Profile, facts: list[Fact], now: str, row: tuple[str, str | None]) -> Why:
    calendar = treaty_calendar(profile, facts, utc(now), "KZ")
    if row[0] == "agreement":
        return calendar.agreement.why
    (found,) = [r for r in calendar.rows if (r.what, r.side) == row]
    return found.why


@pytest.mark.parametrize(
    ("profile", "facts", "now", "row", "words"), [form[1:] for form in FORMS], ids=[form[0] for form in FORMS]
)
def test_each_form_in_english_as_bgw_calendar_printed_it(
    profile: Profile, facts: list[Fact], now: str, row: tuple[str, str | None], words: str
) -> None:
    reason = reasoning_of(profile, facts, now, row)
    assert english(reason) == words


def form(name: str) -> Why:
    """The reasoning of the table's row *name*."""
    (found,) = [reasoning_of(*row[1:5]) for row in FORMS if row[0] == name]  # type: ignore[arg-type]
    return found


def walk(reason: Why) -> Iterator[Why]:
    """*reason* and every reasoning in it: its clauses and the one it names (`end`)."""
    yield reason
    for part in reason.parts:
        yield from walk(part)
    for _, value in reason.params:
        if isinstance(value, Why):
            yield from walk(value)


def test_the_table_has_every_form() -> None:
    used = {reason.key for row in FORMS for reason in walk(form(row[0]))}
    assert used == set(ENGLISH)


def test_the_data_keeps_dates_periods_and_sources() -> None:
    """A row's reasoning carries values, not words: the deadline as a date, the period as the profile's
    span with its source (the agreement's six months), the side, the term."""
    reason = reasoning_of(AZ, [], "2026-11-23T12:00", ("denunciation-notice", "KZ"))
    params = dict(reason.params)
    assert reason.key == "denounce-by" and params["side"] == "KZ" and params["number"] == 3
    assert str(params["deadline"]) == "2026-12-10" and str(params["span"]) == "6 months (text)"
    state = treaty_calendar(
        AZ, [denounced("KZ", "2026-06-01T06:00")], utc("2026-11-23T12:00"), "KZ"
    ).agreement
    assert state.why.key == "ends-with-term" and state.reasoning == english(state.why) == IN_TIME
