"""Supersede and cancel as pure rules: which earlier notice a reference may name, and when the lead
time still applies to the replacement."""

from __future__ import annotations

import pytest
from lxml import etree

from gateway.errors import WireError
from gateway.profiles import load_profiles
from gateway.rules.references import Earlier, Kind, Reference, check_reference, lead_applies

PROFILE = load_profiles()["kz-uz-border-2024"]
RESTRICTION = PROFILE.types["crossing-restriction"]  # Art. 14: at least 24 h before EffectiveFrom
NS = PROFILE.namespace
SENT = Earlier("out", "UZ", PROFILE.id, "crossing-restriction", b"")
REF = Reference(Kind.SUPERSEDES, "6f1c1f8e-0000-4000-8000-000000000001")


def body(effective_from: str) -> etree._Element:
    root = etree.Element(f"{{{NS}}}{RESTRICTION.element}")
    etree.SubElement(root, f"{{{NS}}}EffectiveFrom").text = effective_from
    return root


def refused(found: list[Earlier], **overrides: str) -> str:
    wanted = {"direction": "out", "peer": "UZ", "profile": PROFILE.id, "type_name": "crossing-restriction"}
    with pytest.raises(WireError) as caught:
        check_reference(REF, found, **{**wanted, **overrides})
    assert caught.value.field == "supersedes"
    return caught.value.reason.value


def test_a_reference_names_a_notice_of_this_link_direction_and_type() -> None:
    assert (
        check_reference(
            REF, [SENT], direction="out", peer="UZ", profile=PROFILE.id, type_name="crossing-restriction"
        )
        is SENT
    )
    assert refused([]) == "reference-unknown"
    assert refused([SENT], direction="in") == "reference-foreign", "we received nothing with that id"
    assert refused([SENT], peer="AZ") == "reference-foreign"
    assert refused([SENT], type_name="marker-incident") == "reference-type-mismatch"


def test_the_lead_applies_to_a_replacement_only_when_it_moves_the_start_earlier() -> None:
    old = body("2026-12-10T06:00:00Z")
    assert lead_applies(None, RESTRICTION, old, None), "a new notice: always"
    assert not lead_applies(Reference(Kind.CANCELS, REF.message_id), RESTRICTION, old, old), "lifting early"
    assert not lead_applies(REF, RESTRICTION, body("2026-12-10T06:00:00Z"), old), "extended: same start"
    assert not lead_applies(REF, RESTRICTION, body("2026-12-11T06:00:00Z"), old), "start later"
    assert lead_applies(REF, RESTRICTION, body("2026-12-10T05:59:59Z"), old), "start earlier: a new lead"
