"""The header part of a composed notice: the dict the national submission path takes, and its form."""

from __future__ import annotations

from gateway import paths
from gateway.forms import header as heading
from gateway.forms.header_fields import render_header
from gateway.forms.posted import Problem, Rule
from gateway.node.config import Link
from gateway.profiles import load_profiles
from gateway.samples import sample_submission
from gateway.wire.codec import Codec
from tests.forms.browser import names_of, page_of, posted, wording

PROFILES = load_profiles()
UZ = Link("UZ", "kz-uz-border-2024", "Пограничная служба СГБ Республики Узбекистан", "bgw.out.uz")
AZ = Link("AZ", "kz-az-environment-1997", "Министерство экологии Азербайджанской Республики", "bgw.out.az")
REPLY_TO = "3ccc0d30-8424-4e07-be31-7beaf10ab892"


def _decode(**values: str) -> heading.DecodedHeader:
    return heading.decode_header(values.items(), [UZ, AZ], PROFILES)


def test_a_reply_prefilled_posts_its_reference() -> None:
    header = heading.header_of(UZ, "joint-inspection-reply", {"in_reply_to": REPLY_TO})
    page = page_of(render_header([UZ, AZ], PROFILES, dict(heading.header_pairs(header)), wording("uz")))
    assert heading.decode_header(posted(page), [UZ, AZ], PROFILES) == heading.DecodedHeader(header, ())
    assert header == {
        "profile": "kz-uz-border-2024",
        "type": "joint-inspection-reply",
        "schema_version": "1.0",
        "recipient": {"side": "UZ", "unit": UZ.peer_unit},
        "in_reply_to": REPLY_TO,
    }


def test_the_submission_is_what_the_national_interface_takes() -> None:
    sample = sample_submission(paths.SAMPLES / "kz-uz-border-2024" / "marker-incident.xml")
    header = heading.header_of(UZ, "marker-incident")
    document = heading.submission(header, sample["body"])
    root = Codec(PROFILES).to_xml({**document, "sender": {"side": "KZ", "unit": "Node KZ"}})
    assert Codec(PROFILES).to_json(root)["body"] == sample["body"]


def test_the_late_justification_only_for_a_type_with_a_lead_time() -> None:
    with_lead = page_of(
        render_header(
            [UZ], PROFILES, {"link": "UZ/kz-uz-border-2024", "type": "crossing-restriction"}, wording("en")
        )
    )
    without = page_of(
        render_header(
            [UZ], PROFILES, {"link": "UZ/kz-uz-border-2024", "type": "marker-incident"}, wording("en")
        )
    )
    assert "late_justification" in names_of(with_lead) and "late_justification" not in names_of(without)
    late = _decode(link="UZ/kz-uz-border-2024", type="crossing-restriction", late_justification="Сель")
    assert late.header["late_justification"] == "Сель" and late.problems == ()
    refused = _decode(link="UZ/kz-uz-border-2024", type="marker-incident", late_justification="Сель")
    assert refused.problems == (
        Problem("late_justification", "compose.field.late_justification", Rule.UNKNOWN, "Сель"),
    )


def test_header_problems_name_the_field() -> None:
    assert _decode(type="marker-incident").problems == (Problem("link", "compose.field.link", Rule.REQUIRED),)
    assert _decode(link="XX/nowhere").problems[0].rule is Rule.NOT_CHOICE
    wrong_profile = _decode(link="AZ/kz-az-environment-1997", type="marker-incident")
    assert wrong_profile.problems == (
        Problem("type", "compose.field.type", Rule.NOT_CHOICE, "marker-incident"),
    )
    bad_id = _decode(link="UZ/kz-uz-border-2024", type="marker-incident", cancels="not-an-id")
    assert bad_id.problems == (Problem("cancels", "compose.field.cancels", Rule.PATTERN, "not-an-id"),)


def test_the_type_is_chosen_among_the_link_profile_types_with_titles() -> None:
    page = page_of(render_header([UZ, AZ], PROFILES, {"link": "AZ/kz-az-environment-1997"}, wording("az")))
    offered = set(page.xpath('//select[@name="type"]/option[@value!=""]/@value'))
    assert offered == set(PROFILES["kz-az-environment-1997"].types)
    titles = page.xpath('//select[@name="type"]/option[@value="information-exchange"]/text()')
    assert titles == [PROFILES["kz-az-environment-1997"].types["information-exchange"].title["ru"]]
    assert page.xpath('//label[@for="f-link"]') and page.xpath('//label[@for="f-type"]')
