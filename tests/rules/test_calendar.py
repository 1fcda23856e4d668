"""The treaty calendar and the agreement's state as pure functions of the agreement facts, the
recorded messages and a moment, by tables (issue 13): dates are calendar dates in the zone of the side
that acts, the whole last day counting; denunciation (KZ–AZ Art. 12) in time, on the last day, a day
late, by either side, from an earlier term; termination (KZ–UZ Art. 49) 90 calendar days after the
recipient's date; entry into force from the last of two notices about the Agreement, protocol notices
(Art. 47) present; the Commission's composition and annual meeting from that date (Annex 1)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from gateway.errors import RuleError
from gateway.profiles import load_profiles
from gateway.reasons import Reason
from gateway.rules.agreement import Fact, Status, agreement_state, refuse_if_ended
from gateway.rules.calendar import State, treaty_calendar

PROFILES = load_profiles()
UZ = PROFILES["kz-uz-border-2024"]
AZ = PROFILES["kz-az-environment-1997"]


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def states(profile_id: str, facts: list[Fact], now: str, side: str = "KZ") -> dict[str, object]:
    """The agreement's status and last day, and each row's (date, state) keyed by what and side."""
    calendar = treaty_calendar(PROFILES[profile_id], facts, utc(now), side)
    found: dict[str, object] = {"status": calendar.agreement.status, "ends_on": calendar.agreement.ends_on}
    for row in calendar.rows:
        found[" ".join(filter(None, (row.what, row.side, row.subject)))] = (row.on, row.state)
    return found


def denounced(side: str, at: str) -> Fact:
    return Fact("denunciation-notice", side, utc(at))


D = date.fromisoformat
S = State
TERM_3, TERM_4 = D("2027-06-10"), D("2037-06-10")
DEADLINE_3, DEADLINE_4 = D("2026-12-10"), D("2036-12-10")

# -- KZ–AZ, Art. 12: denunciation «не позднее, чем за шесть месяцев до истечения срока» -------------------
DENUNCIATION = [
    # id, facts, now (UTC), status, last day, KZ's row, AZ's row, renewal row
    ("no notice, window open", [], "2026-11-23T12:00", Status.IN_FORCE, None,
     (DEADLINE_3, S.UPCOMING), (DEADLINE_3, S.UPCOMING), (TERM_3, S.UPCOMING)),
    ("no notice, 23:59 in Almaty on the last day", [], "2026-12-10T18:59", Status.IN_FORCE, None,
     (DEADLINE_3, S.DUE_TODAY), (DEADLINE_3, S.DUE_TODAY), (TERM_3, S.UPCOMING)),
    ("no notice, past midnight in Almaty but not in Baku", [], "2026-12-10T19:30", Status.IN_FORCE, None,
     (DEADLINE_3, S.MISSED), (DEADLINE_3, S.DUE_TODAY), (TERM_3, S.UPCOMING)),
    ("KZ in time", [denounced("KZ", "2026-06-01T06:00")], "2026-11-23T12:00", Status.ENDING, TERM_3,
     (DEADLINE_3, S.MET), (DEADLINE_3, S.ENDED), (TERM_3, S.ENDED)),
    ("KZ on the last day, 23:30 in Almaty", [denounced("KZ", "2026-12-10T18:30")], "2026-12-20T12:00",
     Status.ENDING, TERM_3, (DEADLINE_3, S.MET), (DEADLINE_3, S.ENDED), (TERM_3, S.ENDED)),
    ("KZ a day late", [denounced("KZ", "2026-12-11T06:00")], "2027-01-10T12:00", Status.ENDING, TERM_4,
     (DEADLINE_3, S.MISSED), (DEADLINE_3, S.MISSED), (TERM_3, S.UPCOMING)),
    ("KZ 00:30 on 11 December in Almaty (still the 10th in Baku)", [denounced("KZ", "2026-12-10T19:30")],
     "2026-12-20T12:00", Status.ENDING, TERM_4, (DEADLINE_3, S.MISSED), (DEADLINE_3, S.MISSED),
     (TERM_3, S.UPCOMING)),
    ("AZ at 23:30 in Baku on the last day", [denounced("AZ", "2026-12-10T19:30")], "2026-12-20T12:00",
     Status.ENDING, TERM_3, (DEADLINE_3, S.ENDED), (DEADLINE_3, S.MET), (TERM_3, S.ENDED)),
    ("AZ late in the term before counts for this one", [denounced("AZ", "2016-12-20T06:00")],
     "2026-11-23T12:00", Status.ENDING, TERM_3, (DEADLINE_3, S.ENDED), (DEADLINE_3, S.MET),
     (TERM_3, S.ENDED)),
    ("AZ in an earlier term ended that term", [denounced("AZ", "2010-03-01T06:00")], "2026-11-23T12:00",
     Status.ENDED, D("2017-06-10"), (D("2016-12-10"), S.ENDED), (D("2016-12-10"), S.MET),
     (D("2017-06-10"), S.ENDED)),
    ("KZ in time, the day after the last day", [denounced("KZ", "2026-06-01T06:00")], "2027-06-10T19:00",
     Status.ENDED, TERM_3, (DEADLINE_3, S.MET), (DEADLINE_3, S.ENDED), (TERM_3, S.ENDED)),
    ("no notice, renewed: the next term's window", [], "2027-06-10T19:00", Status.IN_FORCE, None,
     (DEADLINE_4, S.UPCOMING), (DEADLINE_4, S.UPCOMING), (TERM_4, S.UPCOMING)),
    ("a late notice counts for the next term", [denounced("KZ", "2026-12-20T06:00")], "2027-06-11T12:00",
     Status.ENDING, TERM_4, (DEADLINE_4, S.MET), (DEADLINE_4, S.ENDED), (TERM_4, S.ENDED)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("facts", "now", "status", "last_day", "kz", "az", "renewal"),
    [row[1:] for row in DENUNCIATION],
    ids=[row[0] for row in DENUNCIATION],
)
def test_denunciation(
    facts: list[Fact],
    now: str,
    status: Status,
    last_day: date | None,
    kz: object,
    az: object,
    renewal: object,
) -> None:
    found = states(AZ.id, facts, now)
    assert (found["status"], found["ends_on"]) == (status, last_day)
    assert (found["denunciation-notice KZ"], found["denunciation-notice AZ"]) == (kz, az)
    assert found["renewal"] == renewal


def test_a_late_notice_is_said_late_and_where_it_counts() -> None:
    [row] = [
        r
        for r in treaty_calendar(
            AZ, [denounced("KZ", "2026-12-20T06:00")], utc("2027-01-10T12:00"), "KZ"
        ).rows
        if r.what == "denunciation-notice" and r.side == "KZ"
    ]
    assert "received 2026-12-20 is 10 days late: it does not stop the renewal" in row.reasoning
    assert "it counts for term 4, ending 2037-06-10" in row.reasoning and row.zone == "Asia/Almaty"


# -- KZ–UZ, Art. 49: entry into force, termination; Annex 1 ------------------------------------------------
def notified(side: str, at: str, instrument: str | None = "agreement", protocol: str | None = None) -> Fact:
    return Fact("entry-into-force-notice", side, utc(at), instrument, protocol)


AGREEMENT_NOTICES = [notified("KZ", "2025-03-01T10:00"), notified("UZ", "2025-03-15T20:00")]  # KZ: 16 March
PROTOCOL_NOTICES = [
    notified("KZ", "2026-09-01T10:00", "amendment-protocol", "№ 1 of 2026-08-01"),
    notified("UZ", "2026-10-01T10:00", "amendment-protocol", "№ 1 of 2026-08-01"),
]
IN_FORCE = D("2025-04-15")  # 30 calendar days after 16 March, KZ's date of receipt of UZ's notice

ENTRY = [
    # id, facts, now, entry-into-force row, status
    ("one side only", AGREEMENT_NOTICES[:1], "2025-04-20T12:00", (None, S.UPCOMING), Status.NOT_IN_FORCE),
    ("the later of two, read in the recipient's zone", AGREEMENT_NOTICES, "2025-04-14T18:59",
     (IN_FORCE, S.UPCOMING), Status.NOT_IN_FORCE),
    ("in force on its day", AGREEMENT_NOTICES, "2025-04-14T19:00", (IN_FORCE, S.DUE_TODAY), Status.IN_FORCE),
    ("protocol notices do not move it", [*AGREEMENT_NOTICES, *PROTOCOL_NOTICES], "2026-11-01T06:00",
     (IN_FORCE, S.MET), Status.IN_FORCE),
    ("protocol notices alone do not bring it into force", [AGREEMENT_NOTICES[0], *PROTOCOL_NOTICES],
     "2026-11-01T06:00", (None, S.UPCOMING), Status.NOT_IN_FORCE),
    ("a notice whose instrument is unknown does not count", [AGREEMENT_NOTICES[0], notified(
        "UZ", "2025-03-15T20:00", None)], "2026-11-01T06:00", (None, S.UPCOMING), Status.NOT_IN_FORCE),
    ("a side's later notice repeats its first", [*AGREEMENT_NOTICES, notified("UZ", "2026-02-01T10:00")],
     "2026-11-01T06:00", (IN_FORCE, S.MET), Status.IN_FORCE),
    ("UZ first, KZ last: UZ's date (Tashkent)", [notified("UZ", "2025-03-01T10:00"),
     notified("KZ", "2025-03-31T19:30")], "2026-11-01T06:00", (D("2025-05-01"), S.MET), Status.IN_FORCE),
]  # fmt: skip


@pytest.mark.parametrize(
    ("facts", "now", "row", "status"), [row[1:] for row in ENTRY], ids=[row[0] for row in ENTRY]
)
def test_entry_into_force(facts: list[Fact], now: str, row: object, status: Status) -> None:
    found = states(UZ.id, facts, now)
    assert (found["entry-into-force"], found["status"]) == (row, status)


def test_a_protocol_enters_into_force_by_its_own_notices() -> None:
    calendar = treaty_calendar(UZ, [*AGREEMENT_NOTICES, *PROTOCOL_NOTICES], utc("2026-10-20T06:00"), "KZ")
    [row] = [r for r in calendar.rows if r.what == "protocol-entry-into-force"]
    assert (row.subject, row.on, row.state) == ("№ 1 of 2026-08-01", D("2026-10-31"), S.UPCOMING)
    assert row.article == "47, 49"
    waiting = treaty_calendar(UZ, [*AGREEMENT_NOTICES, PROTOCOL_NOTICES[0]], utc("2026-10-20T06:00"), "KZ")
    [row] = [r for r in waiting.rows if r.what == "protocol-entry-into-force"]
    assert (row.on, row.state) == (None, S.UPCOMING)
    assert "waiting for the entry-into-force-notice about it of UZ" in row.reasoning


ANNEX_1 = [
    # id, extra facts, now, KZ composition, UZ composition, annual meeting record
    ("composition due, today is the last day", [], "2025-07-15T12:00",
     (D("2025-07-15"), S.DUE_TODAY), (D("2025-07-15"), S.DUE_TODAY), (D("2026-04-15"), S.UPCOMING)),
    ("KZ at 23:00 on the last day, UZ past its midnight", [
        Fact("commission-composition", "KZ", utc("2025-07-15T18:00")),
        Fact("commission-composition", "UZ", utc("2025-07-15T19:30"))], "2025-08-01T12:00",
     (D("2025-07-15"), S.MET), (D("2025-07-15"), S.MISSED), (D("2026-04-15"), S.UPCOMING)),
    ("protocols present, no meeting a year after entry into force", [*PROTOCOL_NOTICES], "2026-11-01T06:00",
     (D("2025-07-15"), S.MISSED), (D("2025-07-15"), S.MISSED), (D("2026-04-15"), S.MISSED)),
    ("a meeting record restarts the year", [Fact("commission-meeting-record", "UZ", utc("2026-03-01T08:00"))],
     "2026-11-01T06:00", (D("2025-07-15"), S.MISSED), (D("2025-07-15"), S.MISSED),
     (D("2027-03-01"), S.UPCOMING)),
]  # fmt: skip


@pytest.mark.parametrize(
    ("extra", "now", "kz", "uz", "meeting"), [row[1:] for row in ANNEX_1], ids=[row[0] for row in ANNEX_1]
)
def test_commission_from_the_date_of_entry_into_force(
    extra: list[Fact], now: str, kz: object, uz: object, meeting: object
) -> None:
    found = states(UZ.id, [*AGREEMENT_NOTICES, *extra], now)
    assert (found["commission-composition KZ"], found["commission-composition UZ"]) == (kz, uz)
    assert found["commission-meeting-record"] == meeting


def terminated(side: str, at: str) -> Fact:
    return Fact("termination-notice", side, utc(at))


TERMINATION = [
    # id, notice, reading side, now, last day in force, row state, status
    ("KZ receives at 23:30 on 31 January", terminated("UZ", "2027-01-31T18:30"), "KZ", "2027-05-01T18:59",
     D("2027-05-01"), S.DUE_TODAY, Status.ENDING),
    ("KZ receives at 00:30 on 1 February", terminated("UZ", "2027-01-31T19:30"), "KZ", "2027-05-01T18:59",
     D("2027-05-02"), S.UPCOMING, Status.ENDING),
    ("UZ receives at 00:30 on 1 January, Tashkent", terminated("KZ", "2026-12-31T19:30"), "UZ",
     "2027-04-01T18:59", D("2027-04-01"), S.DUE_TODAY, Status.ENDING),
    ("the day after the last day, Tashkent", terminated("KZ", "2026-12-31T19:30"), "UZ", "2027-04-01T19:00",
     D("2027-04-01"), S.ENDED, Status.ENDED),
    ("the first of two notices counts", terminated("KZ", "2026-12-31T19:30"), "KZ", "2027-03-01T00:00",
     D("2027-04-01"), S.UPCOMING, Status.ENDING),
]  # fmt: skip


@pytest.mark.parametrize(
    ("notice", "side", "now", "last_day", "state", "status"),
    [row[1:] for row in TERMINATION],
    ids=[row[0] for row in TERMINATION],
)
def test_termination_90_calendar_days(
    notice: Fact, side: str, now: str, last_day: date, state: State, status: Status
) -> None:
    later = terminated("UZ", "2027-02-15T06:00")
    found = states(UZ.id, [*AGREEMENT_NOTICES, notice, later], now, side)
    assert (found["termination"], found["status"], found["ends_on"]) == ((last_day, state), status, last_day)


# -- the sender's check --------------------------------------------------------------------------------
def test_nothing_is_sent_under_an_agreement_that_has_ended() -> None:
    facts = [denounced("KZ", "2026-12-10T18:30")]
    refuse_if_ended(
        agreement_state(AZ, facts, utc("2027-06-10T18:59"), "KZ"), "information-exchange"
    )  # last day
    ended = agreement_state(AZ, facts, utc("2027-06-10T19:00"), "KZ")
    with pytest.raises(RuleError) as error:
        refuse_if_ended(ended, "information-exchange")
    assert error.value.reason is Reason.AGREEMENT_ENDED
    assert "Art. 12" in error.value.message and "ended on 2027-06-10" in error.value.message
    # Baku is an hour behind: AZ may still send at 23:30 on the last day.
    refuse_if_ended(agreement_state(AZ, facts, utc("2027-06-10T19:30"), "AZ"), "information-exchange")


def test_termination_refusal_names_article_49_and_the_date() -> None:
    facts = [*AGREEMENT_NOTICES, terminated("UZ", "2027-01-31T19:30")]
    with pytest.raises(RuleError, match=r"Art\. 49: the agreement kz-uz-border-2024 ended on 2027-05-02"):
        refuse_if_ended(agreement_state(UZ, facts, utc("2027-05-02T19:00"), "KZ"), "marker-incident")
