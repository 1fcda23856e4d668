"""Which incidents a joint-meeting-protocol leaves without a joint decision (Art. 41): those the node
proposes to refer to the diplomatic channels (incident-referral, Art. 31(5))."""

from __future__ import annotations

import copy

import pytest
from lxml import etree

from gateway import paths
from gateway.rules.incidents import unsettled_incidents
from gateway.wire.contract import Contract
from gateway.wire.envelope import body_of
from gateway.wire.parsing import parse

ORIGINAL = parse((paths.SAMPLES / "kz-uz-border-2024" / "joint-meeting-protocol.xml").read_bytes())
NS = etree.QName(body_of(ORIGINAL)).namespace


def protocol(meeting: str, incidents: list[tuple[str, str | None]]) -> etree._Element:
    """The sample protocol with the meeting's Outcome and incidents (number, own outcome or None)."""
    root = copy.deepcopy(ORIGINAL)
    body = body_of(root)
    template = body.find(f"{{{NS}}}Incident")
    assert template is not None
    position = body.index(template)
    body.remove(template)
    for offset, (number, outcome) in enumerate(incidents):
        incident = copy.deepcopy(template)
        incident.find(f"{{{NS}}}Number").text = number  # type: ignore[union-attr]
        incident.find(f"{{{NS}}}MessageRef").text = f"d57fec63-fbff-41a5-b486-9dbe9fd7009{offset}"  # type: ignore[union-attr]
        if outcome is not None:
            etree.SubElement(incident, f"{{{NS}}}Outcome").text = outcome
        body.insert(position + offset, incident)
    body.find(f"{{{NS}}}Outcome").text = meeting  # type: ignore[union-attr]
    if meeting == "no-joint-decision":
        decisions = body.find(f"{{{NS}}}JointDecisions")
        assert decisions is not None
        body.remove(decisions)
    Contract.default().check(root)  # the schema allows each case
    return body


NO, YES = "no-joint-decision", "joint-decision"
CASES = [
    # id, meeting outcome, incidents (number, own outcome), numbers left unsettled
    ("a joint decision settles its incident", "joint-decision", [("A", None)], []),
    ("no joint decision: every incident", "no-joint-decision", [("A", None), ("B", None)], ["A", "B"]),
    (
        "joint decision, one incident excepted",
        "joint-decision",
        [("A", None), ("B", "no-joint-decision")],
        ["B"],
    ),
    (
        "no joint decision, one incident settled",
        "no-joint-decision",
        [("A", "joint-decision"), ("B", None)],
        ["B"],
    ),
]


@pytest.mark.parametrize(("meeting", "incidents", "left"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_incidents_without_a_joint_decision(
    meeting: str, incidents: list[tuple[str, str | None]], left: list[str]
) -> None:
    found = unsettled_incidents(protocol(meeting, incidents))
    assert [u.number for u in found] == left
    for unsettled in found:
        assert unsettled.message_ref and unsettled.summary and unsettled.occurred_at == "2026-11-21T09:00:00Z"


def test_a_protocol_without_a_decision_or_incident_leaves_its_agenda() -> None:
    body = protocol("no-joint-decision", [("A", None)])
    incident = body.find(f"{{{NS}}}Incident")
    assert incident is not None
    body.remove(incident)
    [unsettled] = unsettled_incidents(body)
    assert unsettled.number is None and unsettled.summary.startswith("Рассмотрение результатов")


def test_the_sample_protocol_settles_everything() -> None:
    assert unsettled_incidents(body_of(ORIGINAL)) == []
