"""Every type of the message catalogue (CATALOG.md, corrected by issue 13: 100 types) has its profile
entry, its body schema and a valid sample, in the profile of its section; a profile type the catalogue
does not list is named here on purpose."""

from __future__ import annotations

import pytest
from lxml import etree

from gateway import paths
from gateway.profiles import load_profiles
from gateway.wire.contract import Contract
from gateway.wire.parsing import parse

PROFILES = load_profiles()

# Section A (KZ–UZ, 2024), with act-countersignature named in the catalogue's preamble.
KZ_UZ = [
    "act-countersignature",
    "activity-notice",
    "admin-division-change",
    "airspace-violation",
    "airspace-violation-reply",
    "amendment-proposal",
    "amendment-reply",
    "assistance-reply",
    "assistance-request",
    "bank-works-notice",
    "bank-works-reply",
    "blasting-notice",
    "checkpoint-schedule-proposal",
    "checkpoint-suspension",
    "clearing-works-notice",
    "commission-composition",
    "commission-correspondence",
    "commission-meeting-proposal",
    "commission-meeting-record",
    "commission-meeting-reply",
    "consultation-reply",
    "consultation-request",
    "coordination-reply",
    "crossing-coordination-request",
    "crossing-restriction",
    "decision-delay-inquiry",
    "decision-delay-reply",
    "decision-execution-report",
    "emergency-notice",
    "entry-into-force-notice",
    "entry-refusal",
    "epizootic-alert",
    "flight-notice",
    "handover-act",
    "handover-postponement",
    "handover-reply",
    "incident-referral",
    "incident-referral-reply",
    "incident-reply",
    "incident-report",
    "investigation-act",
    "investigation-result",
    "joint-action-proposal",
    "joint-action-reply",
    "joint-inspection-proposal",
    "joint-inspection-protocol",
    "joint-inspection-reply",
    "joint-investigation-act",
    "joint-investigation-reply",
    "joint-investigation-request",
    "joint-meeting-proposal",
    "joint-meeting-protocol",
    "joint-meeting-reply",
    "liaison-arrangements",
    "liaison-reply",
    "livestock-crossing",
    "marker-dismantling-act",
    "marker-impossibility-act",
    "marker-incident",
    "marker-relocation-act",
    "marker-threat",
    "marker-works-act",
    "marker-works-notice",
    "pass-issued",
    "pass-request",
    "quarantine-survey-proposal",
    "quarantine-survey-reply",
    "remains-found",
    "remains-reply",
    "rescue-crossing-reply",
    "rescue-crossing-request",
    "riverbed-works-reply",
    "riverbed-works-request",
    "schedule-reply",
    "structure-works-proposal",
    "structure-works-reply",
    "termination-notice",
    "transit-deviation-notice",
    "violator-report",
    "water-use-site-notice",
    "works-attendance-reply",
]
# Section B (KZ–AZ, 1997).
KZ_AZ = [
    "agency-meeting-proposal",
    "agency-meeting-reply",
    "amendment-proposal",
    "amendment-reply",
    "caspian-pollution-incident",
    "consent-reply",
    "consultation-reply",
    "coordinating-agency",
    "denunciation-notice",
    "dispute-negotiation-reply",
    "dispute-negotiation-request",
    "env-hazard-alert",
    "hazardous-shipment-notice",
    "information-exchange",
    "joint-response-reply",
    "migratory-species-consultation",
    "protected-area-proposal",
    "protected-area-reply",
    "red-book-arrangement-proposal",
    "red-book-reply",
    "shipment-reply",
    "third-party-transfer-consent",
]
CATALOGUE = {"kz-uz-border-2024": KZ_UZ, "kz-az-environment-1997": KZ_AZ}
# Profile types the catalogue does not list: the node's reminder (ours, Art. 42(2); Art. 7, 9) and the
# request for and the materials on detained violators (Art. 33(3) «по запросу … представляют необходимые
# материалы», the catalogue's "on request: materials").
BEYOND = {
    "kz-uz-border-2024": {"reply-reminder", "violator-materials-request", "violator-materials"},
    "kz-az-environment-1997": {"reply-reminder"},
}
ROWS = [(profile, name) for profile, names in CATALOGUE.items() for name in names]


def test_the_catalogue_has_100_types() -> None:
    assert len({name for names in CATALOGUE.values() for name in names}) == 100


@pytest.mark.parametrize("profile_id", list(CATALOGUE))
def test_each_profile_has_the_catalogues_types_and_only_those_named_beyond(profile_id: str) -> None:
    types = set(PROFILES[profile_id].types)
    assert sorted(set(CATALOGUE[profile_id]) - types) == [], "catalogue types without a profile entry"
    assert types - set(CATALOGUE[profile_id]) == BEYOND[profile_id]


@pytest.mark.parametrize(("profile_id", "name"), ROWS, ids=[f"{p}/{n}" for p, n in ROWS])
def test_every_catalogue_type_has_a_schema_and_a_valid_sample(profile_id: str, name: str) -> None:
    profile = PROFILES[profile_id]
    message_type = profile.types[name]
    schema = etree.parse(str(profile.schema.parent / f"{name}.xsd"))
    roots = schema.xpath("/xs:schema/xs:element/@name", namespaces={"xs": "http://www.w3.org/2001/XMLSchema"})
    assert roots == [message_type.element]
    message = Contract.default().check(parse((paths.SAMPLES / profile_id / f"{name}.xml").read_bytes()))
    assert (message.header.profile, message.header.type) == (profile_id, name)
