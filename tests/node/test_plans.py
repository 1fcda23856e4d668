"""The node's decisions, table by table, without a broker or a database: a submission, a notice and a
receipt from the peer, a repeated notice, a publication, a rung of the ladder."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lxml import etree

from gateway import paths
from gateway.errors import GatewayError
from gateway.lifecycle import Direction, MessageEvent, MessageState
from gateway.node import plans
from gateway.node.config import Delivery, Link
from gateway.node.duties import Obligations
from gateway.profiles import Channel, load_profiles
from gateway.reasons import Reason
from gateway.rules.agreement import AgreementState, Fact, agreement_state
from gateway.samples import sample_submission
from gateway.store.inbox import Stored
from gateway.store.obligations import Obligation
from gateway.store.outbox import Outbound
from gateway.store.receipts import Sent
from gateway.wire.codec import Codec
from gateway.wire.contract import Contract, Message
from gateway.wire.receipt import Acknowledgement

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
PROFILES = load_profiles()
PROFILE = PROFILES["kz-uz-border-2024"]
SAMPLES = paths.SAMPLES / "kz-uz-border-2024"
LINK = Link("UZ", PROFILE.id, "Node UZ", "bgw.UZ.in")
KZ = Obligations("KZ")
UZ = Obligations("UZ")
AGREEMENT_NOTICES = [  # the Agreement in force from 2025-02-28 (Art. 49: 30 days after the later one)
    Fact("entry-into-force-notice", "KZ", datetime(2025, 1, 10, 8, 0, tzinfo=UTC), "agreement"),
    Fact("entry-into-force-notice", "UZ", datetime(2025, 1, 29, 8, 0, tzinfo=UTC), "agreement"),
]


def message(sample: str, **changes: Any) -> Message:
    """A sample as KZ submits it to UZ at NOW, with *changes* to its JSON form."""
    document = {**sample_submission(SAMPLES / f"{sample}.xml", "UZ", NOW), **changes}
    document.setdefault("sender", {"side": "KZ", "unit": "Node KZ"})
    return Contract.default().check(Codec(PROFILES, lambda: NOW).to_xml(document))


# -- submissions ------------------------------------------------------------------------------------


def submitted(
    submission: Message, agreement: AgreementState | None = None, answered: plans.Answered | None = None
) -> plans.Outgoing:
    """KZ's decision on *submission* to UZ at NOW (no earlier notice referenced)."""
    return plans.plan_submission(
        submission,
        side="KZ",
        link=LINK,
        reference=None,
        earlier_body=None,
        agreement=agreement,
        now=NOW,
        obligations=KZ,
        answered=answered,
    )


def test_a_submission_is_planned_with_its_link_and_what_it_obliges() -> None:
    outgoing = submitted(message("joint-meeting-proposal"))
    assert outgoing.link == LINK and outgoing.late is None
    assert outgoing.duties is not None
    assert [o.deadline.duty.value for o in outgoing.duties.opens] == [
        "receipt"
    ]  # the reply runs from receipt
    assert {o.direction for o in outgoing.duties.opens} == {Direction.OUT}


def _later(hours: float) -> dict[str, Any]:
    """A crossing restriction whose restriction starts *hours* after NOW."""
    document = sample_submission(SAMPLES / "crossing-restriction.xml", "UZ", NOW)
    body = document["body"]
    body["EffectiveFrom"] = (NOW + timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"body": body}


@pytest.mark.parametrize(
    ("side", "link", "changes", "reason", "field"),
    [
        ("UZ", LINK, {}, Reason.SENDER_MISMATCH, "sender.side"),
        ("KZ", None, {}, Reason.LINK_UNKNOWN, "recipient.side"),
        (
            "KZ",
            LINK,
            _later(23),
            Reason.LEAD_TIME_SHORT,
            "Notification/Body/CrossingRestriction/EffectiveFrom",
        ),
    ],
)
def test_a_submission_is_refused_with_its_code_and_field(
    side: str, link: Link | None, changes: dict[str, Any], reason: Reason, field: str
) -> None:
    with pytest.raises(GatewayError) as refused:
        plans.plan_submission(
            message("crossing-restriction", **changes),
            side=side,
            link=link,
            reference=None,
            earlier_body=None,
            agreement=None,
            now=NOW,
            obligations=KZ,
        )
    assert (refused.value.reason, refused.value.field) == (reason, field)


def test_a_short_lead_with_a_justification_goes_out_marked_late() -> None:
    late = message("crossing-restriction", **_later(23), late_justification="force majeure: flood")
    outgoing = submitted(late)
    assert outgoing.late is not None and not outgoing.late.met and "11(3)" in outgoing.late.describe()


def test_nothing_is_sent_under_an_agreement_that_has_ended() -> None:
    """The decision takes the link's agreement state: once ended (the last day in force past on the
    sender's date), any notice is refused `agreement-ended`, naming the article and the date."""
    facts = [Fact("termination-notice", "UZ", NOW - timedelta(days=100))]
    ended = agreement_state(PROFILE, [*AGREEMENT_NOTICES, *facts], NOW, "KZ")
    with pytest.raises(GatewayError) as refused:
        submitted(message("joint-meeting-proposal"), agreement=ended)
    assert refused.value.reason is Reason.AGREEMENT_ENDED
    assert "Art. 49" in refused.value.message and "ended on 2026-11-20" in refused.value.message
    in_force = agreement_state(PROFILE, AGREEMENT_NOTICES, NOW, "KZ")
    assert submitted(message("joint-meeting-proposal"), agreement=in_force).duties is not None


@pytest.mark.parametrize("channel", [Channel.AB, Channel.DIP])
def test_what_a_submission_opens_climbs_the_ladder_of_its_chosen_channel(channel: Channel) -> None:
    """A consultation request (AB or DIP, the sender's choice), and the reply that follows it: the
    obligations each opens carry the channel the request travelled on."""
    request = message("consultation-request", body={**_body("consultation-request"), "Channel": channel.wire})
    outgoing = submitted(request)
    assert outgoing.duties is not None and {o.channel for o in outgoing.duties.opens} == {channel}
    reply = message("consultation-reply", in_reply_to=str(uuid.uuid4()))
    assert reply.type is not None and reply.type.follows_answered
    answered = (PROFILE.types["consultation-request"], channel)
    arriving = plans.plan_notice(
        reply, received_at=NOW, skew=timedelta(minutes=5), reference=None, earlier_body=None,
        obligations=UZ, answered=answered,
    )  # fmt: skip
    assert arriving.duties is not None and arriving.duties.opens == ()
    sent = submitted(reply, answered=answered)
    assert sent.duties is not None and [(o.deadline.duty.value, o.channel) for o in sent.duties.opens] == [
        ("receipt", channel)
    ]


def _body(sample: str) -> dict[str, Any]:
    return dict(sample_submission(SAMPLES / f"{sample}.xml", "UZ", NOW)["body"])


# -- notices and repeats --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "status", "warnings"),
    [({}, "accepted", ()), (_later(23), "accepted-with-warning", ("lead-time-short",))],
)
def test_the_receiver_checks_the_lead_again(
    changes: dict[str, Any], status: str, warnings: tuple[str, ...]
) -> None:
    arriving = plans.plan_notice(
        message("crossing-restriction", **changes),
        received_at=NOW,
        skew=timedelta(minutes=5),
        reference=None,
        earlier_body=None,
        obligations=UZ,
    )
    assert (arriving.status, arriving.warnings) == (status, warnings)


def test_a_received_proposal_leaves_our_side_owing_the_reply() -> None:
    arriving = plans.plan_notice(
        message("joint-meeting-proposal"),
        received_at=NOW,
        skew=timedelta(minutes=5),
        reference=None,
        earlier_body=None,
        obligations=UZ,
    )
    assert arriving.duties is not None
    [reply] = arriving.duties.opens
    assert (reply.direction, reply.owner, reply.deadline.due_at) == (
        Direction.IN,
        "UZ",
        NOW + timedelta(hours=48),
    )


def test_a_protocol_without_a_joint_decision_on_an_incident_proposes_a_referral() -> None:
    """Art. 31(5), 41: what the border representatives did not settle goes to the diplomatic channel;
    the receiver of the protocol is told which incidents, under which article (a settled one: nothing)."""
    settled = message("joint-meeting-protocol")
    assert plans.plan_referral(settled) is None
    body = _body("joint-meeting-protocol")
    body["Incident"] = [{**body["Incident"][0], "Outcome": "no-joint-decision"}]
    unsettled = message("joint-meeting-protocol", body=body)
    referral = plans.plan_referral(unsettled)
    assert referral is not None
    assert (referral.protocol, referral.article) == (unsettled.header.message_id, "31(5), 41")
    [incident] = referral.incidents
    assert (incident.number, incident.message_ref) == (
        "ПИ-УЗ-2026/058",
        "d57fec63-fbff-41a5-b486-9dbe9fd70090",
    )
    arriving = plans.plan_notice(
        unsettled, received_at=NOW, skew=timedelta(minutes=5), reference=None, earlier_body=None,
        obligations=UZ,
    )  # fmt: skip
    assert arriving.referral == referral


@pytest.mark.parametrize(
    ("stored_digest", "state", "redelivered", "expected"),
    [
        ("other", MessageState.RECEIVED, False, plans.Repeat.CONFLICT),
        ("other", MessageState.DELIVERED, True, plans.Repeat.CONFLICT),
        ("same", MessageState.DELIVERED, False, plans.Repeat.ANSWER),
        ("same", MessageState.DELIVERED, True, plans.Repeat.ANSWER),  # handed over once, never twice
        ("same", MessageState.RECEIVED, False, plans.Repeat.ANSWER),  # the first delivery is still at work
        ("same", MessageState.RECEIVED, True, plans.Repeat.HAND_OVER),  # its hand-over never committed
    ],
)
def test_a_repeated_notice(
    stored_digest: str, state: MessageState, redelivered: bool, expected: plans.Repeat
) -> None:
    assert plans.plan_repeat(Stored(stored_digest, state, "r"), "same", redelivered) is expected


# -- receipts -----------------------------------------------------------------------------------


def _sent(state: MessageState, sample: str = "joint-meeting-proposal", **changes: Any) -> Sent:
    """A notice KZ sent (its bytes unsigned: the decision reads only its header)."""
    document = {
        **sample_submission(SAMPLES / f"{sample}.xml", "UZ", NOW),
        "sender": {"side": "KZ", "unit": "K"},
    }
    root = Codec(PROFILES, lambda: NOW).to_xml({**document, **changes})
    return Sent(state, "UZ", "d" * 64, sample, etree.tostring(root), profile=PROFILE.id)


def _ack(status: str = "accepted", digest: str = "d" * 64) -> Acknowledgement:
    return Acknowledgement(str(uuid.uuid4()), digest, status, (), None, NOW)


def _receipt(sent: Sent | None, ack: Acknowledgement, replaced: bool = False) -> object:
    return plans.plan_receipt(
        sent,
        ack,
        receipt_id="r",
        payload=b"<r/>",
        replaced=replaced,
        profile=PROFILE,
        peer="UZ",
        obligations=KZ,
    )


def test_a_receipt_for_no_notice_of_ours_is_unknown() -> None:
    assert _receipt(None, _ack()) is None


def test_a_receipt_for_a_notice_sent_to_another_peer_is_foreign() -> None:
    sent_to_az = Sent(MessageState.SENT, "AZ", "d" * 64, "x", b"<x/>", profile="kz-az-environment-1997")
    with pytest.raises(GatewayError) as refused:
        _receipt(sent_to_az, _ack())
    assert refused.value.reason is Reason.REFERENCE_FOREIGN


@pytest.mark.parametrize("state", [MessageState.DELIVERED, MessageState.REFUSED])
def test_a_second_receipt_changes_nothing(state: MessageState) -> None:
    assert _receipt(_sent(state), _ack()) == plans.AlreadyReceipted(state)


@pytest.mark.parametrize(
    ("state", "status", "digest", "event", "opens_reply"),
    [
        (MessageState.SENT, "accepted", "d" * 64, MessageEvent.RECEIPTED, True),
        (MessageState.SENT, "accepted-with-warning", "d" * 64, MessageEvent.RECEIPTED, True),
        (
            MessageState.QUEUED,
            "accepted",
            "d" * 64,
            MessageEvent.RECEIPTED,
            True,
        ),  # its confirm not yet recorded
        (MessageState.UNRECEIPTED, "accepted", "d" * 64, MessageEvent.RECEIPTED, True),  # after the re-sends
        (MessageState.SENT, "rejected", "d" * 64, MessageEvent.REFUSED, False),
        (MessageState.SENT, "accepted", "e" * 64, MessageEvent.REFUSED, False),  # a receipt of other bytes
    ],
)
def test_a_receipt_delivers_or_refuses(
    state: MessageState, status: str, digest: str, event: MessageEvent, opens_reply: bool
) -> None:
    ack = _ack(status, digest)
    plan = _receipt(_sent(state), ack)
    assert isinstance(plan, plans.Acknowledged)
    assert (plan.event, plan.digest_ok, plan.duties.receipted) == (event, digest == "d" * 64, ack.message_id)
    assert [o.deadline.duty.value for o in plan.duties.opens] == (["reply"] if opens_reply else [])


def test_a_replaced_or_cancelling_notice_is_owed_no_reply() -> None:
    assert _receipt(_sent(MessageState.SENT), _ack(), replaced=True).duties.opens == ()  # type: ignore[attr-defined]
    cancelling = _sent(MessageState.SENT, cancels=str(uuid.uuid4()))
    assert _receipt(cancelling, _ack()).duties.opens == ()  # type: ignore[attr-defined]


# -- the dispatcher ---------------------------------------------------------------------------------


def _outbound(kind: str, state: MessageState, attempts: int) -> Outbound:
    return Outbound("m", "UZ", PROFILE.id, kind, b"<x/>", state, attempts)


@pytest.mark.parametrize(
    ("kind", "state", "attempts", "expected"),
    [
        ("marker-incident", MessageState.QUEUED, 0, plans.Publish(1, "notification")),
        ("marker-incident", MessageState.RETRY, 3, plans.Publish(4, "notification")),
        ("marker-incident", MessageState.SENT, 5, plans.Publish(6, "notification")),  # immediate: 6 sends
        ("marker-incident", MessageState.SENT, 6, plans.GiveUp(6)),
        ("joint-meeting-proposal", MessageState.SENT, 4, plans.Publish(5, "notification")),  # lead: 5 sends
        ("joint-meeting-proposal", MessageState.SENT, 5, plans.GiveUp(5)),
        ("marker-works-act", MessageState.SENT, 4, plans.GiveUp(4)),  # timely: 4 sends
        ("receipt", MessageState.SENT, 9, plans.Publish(10, "receipt")),  # asked again: a receipt goes out
    ],
)
def test_a_publication_is_planned_or_the_resends_end(
    kind: str, state: MessageState, attempts: int, expected: object
) -> None:
    assert plans.plan_dispatch(_outbound(kind, state, attempts), PROFILE.types.get(kind)) == expected


def test_failed_publications_back_off_to_the_ceiling() -> None:
    delivery = Delivery(retry_base_s=5, retry_ceiling_s=900)
    waits = [(plans.retry_at(n, NOW, delivery) - NOW).total_seconds() for n in range(10)]
    assert waits == [5, 10, 20, 40, 80, 160, 320, 640, 900, 900]


def test_a_receipt_is_sent_once_a_notice_again_until_receipted() -> None:
    receipt = _outbound("receipt", MessageState.QUEUED, 0)
    assert plans.resend_at(receipt, None, 1, NOW, 1.0) is None
    notice = _outbound("marker-incident", MessageState.QUEUED, 0)
    again = plans.resend_at(notice, PROFILE.types["marker-incident"], 1, NOW, 1.0)
    assert again == NOW + timedelta(minutes=15)  # immediate: the receipt is due 15 min after the send


# -- the sweep ------------------------------------------------------------------------------------


def _obligation(direction: str, duty: str, level: int) -> Obligation:
    fields = (direction, "m", "UZ", PROFILE.id, "joint-meeting-proposal", duty, "", "UZ", None, "40(1)")
    return Obligation(1, *fields, "text", "", NOW, level, NOW)


@pytest.mark.parametrize(
    ("direction", "duty", "level", "rung", "reminder", "dossier"),
    [
        ("out", "reply", -1, "duty-operator", True, False),  # Art. 42(2): the peer is reminded once
        ("out", "reply", 0, "border-representative", False, False),
        ("out", "reply", 1, "diplomatic", False, True),
        ("in", "reply", -1, "duty-operator", False, False),  # what we owe: no reminder to ourselves
        ("out", "receipt", -1, "duty-operator", False, False),
    ],
)
def test_a_rung_is_reached_with_what_it_sends(
    direction: str, duty: str, level: int, rung: str, reminder: bool, dossier: bool
) -> None:
    plan = plans.plan_rung(_obligation(direction, duty, level), PROFILE.ladders["default"], NOW, 1.0)
    assert isinstance(plan, plans.Rise)
    assert (plan.climb.rung.level, plan.reminder, plan.dossier) == (rung, reminder, dossier)


def test_an_obligation_past_the_top_of_its_ladder_is_parked() -> None:
    plan = plans.plan_rung(_obligation("out", "reply", 2), PROFILE.ladders["default"], NOW, 1.0)
    assert plan == plans.Park("ladder default has no rung 3")
