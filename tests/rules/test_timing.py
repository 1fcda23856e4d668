"""Every timing class of CATALOG.md over the clock, for both profiles: lead times at the boundary
(exactly N, N − 1 s) for the sender and, with clock-skew tolerance, for the receiver; receipts,
replies (within N of receipt, or N before a body time), `after`, anchored and periodic dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from gateway import paths
from gateway.errors import RuleError
from gateway.form_words import SOURCE
from gateway.profiles import Source, Timing, load_profiles
from gateway.reasons import Reason
from gateway.rules.deadlines import (
    Duty,
    decision_deadlines,
    fixed_by_body,
    receipt_deadline,
    running_from_receipt,
)
from gateway.rules.fields import field_nodes
from gateway.rules.lead import check_event, check_lead, receiver_warnings, sender_check
from gateway.wire.envelope import body_of, format_time
from gateway.wire.parsing import parse

PROFILES = load_profiles()
UZ, AZ = "kz-uz-border-2024", "kz-az-environment-1997"
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
S, MIN, H, D = timedelta(seconds=1), timedelta(minutes=1), timedelta(hours=1), timedelta(days=1)
SKEW = 5 * MIN


def body(profile: str, name: str, **times: datetime) -> etree._Element:
    """The sample body of *name* with each field path (``Period__Start``) set to a time."""
    element = body_of(parse((paths.SAMPLES / profile / f"{name}.xml").read_bytes()))
    for path, moment in times.items():
        nodes = field_nodes(element, path.replace("__", "/"))
        assert nodes, f"{name} has no {path}"
        for node in nodes:
            node.text = format_time(moment)
    return element


# -- lead (and prior): the sender's check at the boundary ------------------------------------------
LEAD = [
    # profile, type, field, required lead, source
    (UZ, "crossing-restriction", "EffectiveFrom", 24 * H, Source.TEXT),  # Art. 11(3)2
    (UZ, "blasting-notice", "Period/Start", 48 * H, Source.TEXT),  # Art. 21(2)
    (UZ, "marker-works-notice", "Period/Start", 10 * D, Source.TEXT),  # Art. 5(2)
    (UZ, "clearing-works-notice", "Period/Start", 10 * D, Source.TEXT),  # Art. 8(1)
    (UZ, "bank-works-notice", "Period/Start", 10 * D, Source.TEXT),  # Art. 26(1)
    (UZ, "pass-request", "Period/Start", 10 * D, Source.TEXT),  # Art. 14(2)
    (UZ, "activity-notice", "Period/Start", 3 * D, Source.TEXT),  # Art. 20(1)
    (UZ, "joint-meeting-proposal", "Period/Start", 7 * D, Source.TEXT),  # Art. 40(1)
    (UZ, "flight-notice", "Period/Start", 72 * H, Source.DEFAULT),  # prior, Art. 19(2)
    (UZ, "rescue-crossing-request", "CrossingAt", 0 * H, Source.DEFAULT),  # prior, Art. 18(1)
    (AZ, "hazardous-shipment-notice", "Period/Start", 72 * H, Source.DEFAULT),  # prior
]


@pytest.mark.parametrize(("profile", "name", "field", "lead", "source"), LEAD)
def test_lead_boundary_for_the_sender(
    profile: str, name: str, field: str, lead: timedelta, source: Source
) -> None:
    message_type = PROFILES[profile].types[name]
    assert message_type.timing in (Timing.LEAD, Timing.PRIOR)
    assert message_type.lead is not None and message_type.lead.span.source is source
    exact = check_lead(message_type, body(profile, name, **{field.replace("/", "__"): T0 + lead}), T0)
    short = check_lead(message_type, body(profile, name, **{field.replace("/", "__"): T0 + lead - S}), T0)
    assert exact is not None and exact.met and exact.earliest_start == T0 + lead
    assert short is not None and not short.met and short.earliest_start - short.starts_at == S
    text = short.describe()
    assert f"Art. {message_type.article}" in text and format_time(T0 + lead) in text
    assert f"({SOURCE[source]['en']})" in text  # the agreement's figure, or said to be ours
    assert ("gateway default" in text) is (source is Source.DEFAULT)


@pytest.mark.parametrize(("profile", "name", "field", "lead", "source"), LEAD)
def test_lead_for_the_receiver_within_skew(
    profile: str, name: str, field: str, lead: timedelta, source: Source
) -> None:
    message_type = PROFILES[profile].types[name]
    key = field.replace("/", "__")
    # Received a little after it was sent: the skew tolerance absorbs up to SKEW of it.
    for received, starts, met in [
        (T0, T0 + lead, True),
        (T0 + SKEW, T0 + lead, True),  # exactly at the tolerance
        (T0 + SKEW + S, T0 + lead, False),  # one second beyond it
        (T0, T0 + lead - SKEW, True),
        (T0, T0 + lead - SKEW - S, False),
    ]:
        check = check_lead(message_type, body(profile, name, **{key: starts}), received, SKEW)
        assert check is not None and check.met is met, (received, starts)


def test_lead_is_measured_to_the_earliest_time_and_skipped_without_one() -> None:
    restriction = PROFILES[UZ].types["crossing-restriction"]
    assert check_lead(restriction, body(UZ, "crossing-restriction", EffectiveFrom=T0 + D), T0).met
    assert check_lead(PROFILES[UZ].types["marker-incident"], body(UZ, "marker-incident"), T0) is None


# -- receipts per timing class ---------------------------------------------------------------------
RECEIPTS = [
    (UZ, "marker-incident", Timing.IMMEDIATE, 15 * MIN),
    (UZ, "epizootic-alert", Timing.IMMEDIATE, 15 * MIN),
    (UZ, "livestock-crossing", Timing.ASAP, H),
    (UZ, "marker-threat", Timing.ASAP, H),
    (UZ, "crossing-restriction", Timing.LEAD, H),
    (UZ, "flight-notice", Timing.PRIOR, H),
    (UZ, "incident-report", Timing.TIMELY, 4 * H),
    (UZ, "transit-deviation-notice", Timing.AFTER, 4 * H),
    (UZ, "joint-inspection-proposal", Timing.REPLY_BY, 4 * H),
    (UZ, "commission-meeting-record", Timing.PERIODIC, 4 * H),
    (UZ, "termination-notice", Timing.ANCHORED, 4 * H),
    (AZ, "env-hazard-alert", Timing.TIMELY, H),  # our default receipt 1 h (catalogue B)
    (AZ, "caspian-pollution-incident", Timing.TIMELY, H),
    (AZ, "hazardous-shipment-notice", Timing.PRIOR, H),
    (AZ, "information-exchange", Timing.TIMELY, 4 * H),
    (AZ, "denunciation-notice", Timing.ANCHORED, 4 * H),
]


@pytest.mark.parametrize(("profile", "name", "timing", "after"), RECEIPTS)
def test_receipt_due_per_timing_class(profile: str, name: str, timing: Timing, after: timedelta) -> None:
    message_type = PROFILES[profile].types[name]
    assert message_type.timing is timing
    deadline = receipt_deadline(message_type, T0)
    assert (deadline.duty, deadline.due_at, deadline.source) == (Duty.RECEIPT, T0 + after, Source.DEFAULT)


# -- replies: within N of receipt ------------------------------------------------------------------
REPLIES = [
    (UZ, "joint-meeting-proposal", "joint-meeting-reply", 48 * H, Source.TEXT),  # Art. 40(1)
    (UZ, "airspace-violation", "airspace-violation-reply", 2 * H, Source.DEFAULT),
    (UZ, "assistance-request", "assistance-reply", 2 * H, Source.DEFAULT),
    (UZ, "incident-report", "incident-reply", 72 * H, Source.DEFAULT),
    (UZ, "consultation-request", "consultation-reply", 10 * D, Source.DEFAULT),
    (UZ, "decision-delay-inquiry", "decision-delay-reply", 72 * H, Source.DEFAULT),
    (AZ, "caspian-pollution-incident", "joint-response-reply", 6 * H, Source.DEFAULT),
    (AZ, "third-party-transfer-consent", "consent-reply", 30 * D, Source.DEFAULT),
]


@pytest.mark.parametrize(("profile", "name", "reply", "within", "source"), REPLIES)
def test_reply_due_after_receipt(
    profile: str, name: str, reply: str, within: timedelta, source: Source
) -> None:
    message_type = PROFILES[profile].types[name]
    [deadline] = running_from_receipt(message_type, T0)
    assert (deadline.duty, deadline.expects, deadline.source) == (Duty.REPLY, reply, source)
    assert deadline.due_at == T0 + within
    assert fixed_by_body(message_type, body(profile, name)) == [], "nothing else runs for it"


def test_optional_replies_say_so_and_notices_without_replies_have_none() -> None:
    caspian = PROFILES[AZ].types["caspian-pollution-incident"]
    [deadline] = running_from_receipt(caspian, T0)
    assert deadline.optional
    marker = PROFILES[UZ].types["marker-incident"]
    assert running_from_receipt(marker, T0) == [] and fixed_by_body(marker, body(UZ, "marker-incident")) == []


# -- replies: by a body time minus N (reply-by) -----------------------------------------------------
def test_reply_by_field_minus_ten_days() -> None:
    proposal = PROFILES[UZ].types["joint-inspection-proposal"]  # Art. 5(1): «за 10 дней»
    start = T0 + 30 * D
    [deadline] = fixed_by_body(proposal, body(UZ, "joint-inspection-proposal", Period__Start=start))
    assert deadline.source is Source.TEXT
    assert deadline.due_at == start - 10 * D and deadline.expects == "joint-inspection-reply"
    assert running_from_receipt(proposal, T0) == [], "it runs to the start, not from receipt"


@pytest.mark.parametrize(
    ("lead", "refused"),
    [(10 * D, False), (10 * D - S, True), (3 * D, True)],
    ids=["10 days", "1 s short", "3 days"],
)
def test_a_joint_inspection_proposal_that_could_not_be_answered_in_time_is_refused(
    lead: timedelta, refused: bool
) -> None:
    """Art. 5(1), 8(1): the dates are agreed 10 days before; a proposal sent later would leave its reply
    overdue on arrival, so the sender is refused like a short lead, with the latest possible date."""
    proposal = PROFILES[UZ].types["joint-inspection-proposal"]
    notice = body(UZ, "joint-inspection-proposal", Period__Start=T0 + lead)
    if not refused:
        assert sender_check(proposal, notice, T0, None) is None
        assert receiver_warnings(proposal, notice, T0 + SKEW, SKEW) == []
        return
    with pytest.raises(RuleError) as error:
        sender_check(proposal, notice, T0, None)
    assert error.value.reason is Reason.LEAD_TIME_SHORT
    assert error.value.field == "Notification/Body/JointInspectionProposal/Period/Start"
    message = error.value.message
    assert (
        "Art. 5(1), 8(1): joint-inspection-proposal must be sent at least 10 days (fixed by the agreement)"
        in message
    )
    assert "its joint-inspection-reply is due then" in message
    assert f"the latest it could be sent is {format_time(T0 + lead - 10 * D)}" in message
    late = sender_check(proposal, notice, T0, "the flood made the inspection urgent")
    assert late is not None and not late.met, "with a justification it goes out, marked late"
    [(reason, _detail)] = receiver_warnings(proposal, notice, T0 + SKEW, SKEW)  # the peer sent it at T0
    assert reason is Reason.LEAD_TIME_SHORT


# -- after: the event lies in the past ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("occurred", "tolerance", "met"),
    [(T0 - H, timedelta(0), True), (T0, timedelta(0), True), (T0 + S, timedelta(0), False),
     (T0 + SKEW, SKEW, True), (T0 + SKEW + S, SKEW, False)],
)  # fmt: skip
def test_after_reports_a_past_event(occurred: datetime, tolerance: timedelta, met: bool) -> None:
    deviation = PROFILES[UZ].types["transit-deviation-notice"]
    check = check_event(deviation, body(UZ, "transit-deviation-notice", OccurredAt=occurred), T0, tolerance)
    assert check is not None and check.met is met


# -- joint decisions with their own due dates (Art. 42–43) -------------------------------------------
def test_joint_decisions_with_due_dates_become_obligations() -> None:
    protocol = body(UZ, "joint-meeting-protocol")
    deadlines = list(decision_deadlines(protocol))
    assert deadlines, "the sample protocol carries a dated joint decision"
    for deadline in deadlines:
        assert deadline.duty is Duty.DECISION and deadline.expects == "decision-execution-report"
        assert deadline.item


# Anchored and periodic dates: tests/rules/test_calendar.py.


def test_every_timing_class_is_covered_for_both_profiles() -> None:
    covered = {PROFILES[p].types[n].timing for p, n, *_ in RECEIPTS}
    # `reply(N)` is a notice's reply entry (no type has it as its own class): REPLIES covers it.
    assert covered | {Timing.REPLY} == set(Timing) and Timing.REPLY not in covered
    assert {p for p, *_ in REPLIES} == {UZ, AZ}
    assert {p for p, *_ in RECEIPTS} == {UZ, AZ}
