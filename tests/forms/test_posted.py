"""Decoding a posted compose form: each problem names the field (posted name, label key) and the
rule, keeps what was posted, and nothing raises (table of hostile posts at the end)."""

from __future__ import annotations

from typing import Any

import pytest

from gateway import paths
from gateway.forms.model import form_of
from gateway.forms.posted import Problem, Rule, decode
from gateway.forms.prefill import encode
from gateway.forms.widgets import render_body
from gateway.profiles import load_profiles
from gateway.profiles.reference import Districts
from gateway.samples import sample_submission
from tests.forms.browser import names_of, page_of, posted, wording

PROFILE = load_profiles()["kz-uz-border-2024"]
FORM = form_of(PROFILE, "epizootic-alert")
SAMPLE = sample_submission(paths.SAMPLES / PROFILE.id / "epizootic-alert.xml")


def _pairs(**changes: str | None) -> list[tuple[str, str]]:
    """The sample's pairs with some names changed (None: left out, as an empty field is)."""
    pairs = dict(encode(FORM, SAMPLE["body"]).pairs)
    for name, value in changes.items():
        if value is None:
            pairs.pop(name, None)
        else:
            pairs[name] = value
    return list(pairs.items())


def test_a_missing_required_field_is_named_with_its_rule() -> None:
    decoded = decode(FORM, _pairs(Kind=None))
    assert decoded.problems == (Problem("Kind", "Kind", Rule.REQUIRED),)
    assert "Kind" not in decoded.body and decoded.body["Domain"] == SAMPLE["body"]["Domain"]


def test_an_empty_required_field_inside_a_filled_group_is_named() -> None:
    without_contact = [(name, value) for name, value in _pairs() if not name.startswith("Contact.")]
    decoded = decode(FORM, [*without_contact, ("Contact.Phone", "+7 7252 000000")])
    assert decoded.problems == (Problem("Contact.Name", "Name", Rule.REQUIRED),)
    assert decoded.body["Contact"] == {"Phone": "+7 7252 000000"}
    assert "Contact" not in decode(FORM, without_contact).body  # an optional group left blank


def test_a_value_outside_the_enumeration() -> None:
    decoded = decode(FORM, _pairs(Domain="cattle"))
    assert decoded.problems == (Problem("Domain", "Domain", Rule.NOT_CHOICE, "cattle"),)
    assert decoded.body["Domain"] == "cattle"  # kept, shown again with the problem


def test_a_word_in_an_integer_field() -> None:
    decoded = decode(FORM, _pairs(**{"Outbreak.Cases": "twelve"}))
    assert Problem("Outbreak.Cases", "Cases", Rule.NOT_INTEGER, "twelve") in decoded.problems
    assert decode(FORM, _pairs(**{"Outbreak.Cases": " 012 "})).body["Outbreak"]["Cases"] == 12


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("91", Rule.ABOVE_MAXIMUM),
        ("-90.5", Rule.BELOW_MINIMUM),
        ("4l.2", Rule.NOT_NUMBER),
        ("1e3", Rule.NOT_NUMBER),
    ],
)
def test_a_decimal_out_of_its_range_or_not_a_number(value: str, rule: Rule) -> None:
    name = "Place.0.Point.0.Latitude"
    decoded = decode(FORM, [*_pairs(), (name, value), ("Place.0.Point.0.Longitude", "69.1")])
    assert Problem(name, "Latitude", rule, value) in decoded.problems


def test_a_repeated_group_of_three_in_the_order_of_its_indices() -> None:
    measures = [(f"MeasuresTaken.Measure.{i}", f"мера {i}") for i in (7, 0, 2)]
    places = [(f"Place.{i}.Description", f"место {i}") for i in (0, 1, 2)]
    spare = [("MeasuresTaken.Measure.8", ""), ("Place.3.Description", "  ")]  # blank slots: no items
    others = [(n, v) for n, v in _pairs() if not n.startswith(("MeasuresTaken.", "Place."))]
    decoded = decode(FORM, [*others, *measures, *places, *spare])
    assert decoded.problems == ()
    assert decoded.body["MeasuresTaken"] == {"Measure": ["мера 0", "мера 2", "мера 7"]}
    assert decoded.body["Place"] == [{"Description": f"место {i}"} for i in (0, 1, 2)]


def test_too_many_items() -> None:
    key = FORM.districts[0].key
    decoded = decode(FORM, [*_pairs(), *((f"District.{i}", key) for i in range(51))])
    assert Problem("District", "District", Rule.TOO_MANY, "51") in decoded.problems


def test_the_districts_of_annex_7_are_offered_where_the_schema_has_a_district() -> None:
    assert PROFILE.districts is not None
    listed = Districts.load(PROFILE.districts).entries
    page = page_of(render_body(FORM, {}, wording("kk")))
    options = page.xpath('//select[@name="District.0"]//option[@value!=""]/@value')
    assert len(options) == len(listed) == len(FORM.districts)
    assert page.xpath('//select[@name="District.0"]/optgroup/@label')  # grouped by side
    assert page.xpath('//select[@name="Place.0.District"]')  # the Place's district too
    _side, region, name = sorted(listed)[0]
    chosen = decode(FORM, _pairs(**{"District.0": f"{region} / {name}"}))
    assert chosen.body["District"][0] == {"Region": region, "Name": name}
    unknown = decode(FORM, _pairs(**{"District.0": "Нигде / Никакой район"}))
    assert Problem("District.0", "District", Rule.NOT_CHOICE, "Нигде / Никакой район") in unknown.problems


def test_unknown_and_duplicate_names_are_problems_not_lost() -> None:
    decoded = decode(FORM, [*_pairs(), ("Nonsense", "x"), ("Domain.Extra", "y"), ("Kind", "again")])
    assert Problem("Nonsense", "Nonsense", Rule.UNKNOWN, "x") in decoded.problems
    assert Problem("Domain.Extra", "Extra", Rule.UNKNOWN, "y") in decoded.problems
    assert Problem("Kind", "Kind", Rule.DUPLICATE, "again") in decoded.problems


def test_times_from_a_datetime_input_are_utc_with_seconds() -> None:
    assert decode(FORM, _pairs(DetectedAt="2026-11-20T06:30")).body["DetectedAt"] == "2026-11-20T06:30:00Z"
    assert (
        decode(FORM, _pairs(DetectedAt="2026-11-20T06:30:15Z")).body["DetectedAt"] == "2026-11-20T06:30:15Z"
    )
    bad = decode(FORM, _pairs(DetectedAt="20.11.2026 06:30"))
    assert Problem("DetectedAt", "DetectedAt", Rule.NOT_DATE, "20.11.2026 06:30") in bad.problems


def test_booleans_are_three_state_and_text_keeps_its_lines() -> None:
    assert (
        decode(FORM, _pairs(**{"Disease.QuarantineOrganism": "false"})).body["Disease"]["QuarantineOrganism"]
        is False
    )
    assert (
        "QuarantineOrganism" not in decode(FORM, _pairs(**{"Disease.QuarantineOrganism": ""})).body["Disease"]
    )
    text = decode(FORM, _pairs(SpreadRisk="Первая строка.\r\nВторая строка.")).body["SpreadRisk"]
    assert text == "Первая строка.\nВторая строка."


def test_the_add_button_renders_one_more_slot() -> None:
    values = dict(_pairs())
    names = names_of(page_of(render_body(FORM, values, wording("en"), add={"District"})))
    count = len(SAMPLE["body"]["District"])
    assert f"District.{count}" in names and f"District.{count + 1}" not in names
    page = page_of(render_body(FORM, values, wording("en")))
    assert page.xpath('//button[@name="add"][@value="District"]')


def test_problems_are_shown_next_to_their_field() -> None:
    decoded = decode(FORM, _pairs(Kind=None))
    page = page_of(render_body(FORM, dict(_pairs(Kind=None)), wording("ru"), decoded.problems))
    (select,) = page.xpath('//select[@name="Kind"]')
    assert select.get("aria-invalid") == "true" and select.get("aria-required") == "true"
    assert "e-Kind-0" in select.get("aria-describedby").split()
    assert page.xpath('//p[@id="e-Kind-0"]/text()') == ["Заполните это поле."]
    (label,) = page.xpath('//label[@for="f-Kind"]')
    assert label.xpath('abbr[@class="required"]')


@pytest.mark.parametrize(
    "pairs",
    [
        [],
        [("District", "x")],
        [("District.x", "y"), ("District.-1", "z")],
        [("Outbreak", "a"), ("Outbreak.Cases.0", "1")],
        [("MeasuresTaken.Measure.99999999999999999999", "m")],
        [("Outbreak.Cases", "9" * 5000)],
        [("Place.0.Point.0.Latitude", "1" * 5000)],
    ],
)
def test_hostile_posts_end_in_problems(pairs: list[tuple[str, str]]) -> None:
    decoded = decode(FORM, pairs)
    assert decoded.problems
    posted_values = {value for _, value in pairs if value.strip()}
    kept = {problem.value for problem in decoded.problems} | set(_values(decoded.body))
    assert posted_values <= kept | {"1"}  # every posted value is in the body or in a problem


def _values(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [text for item in value.values() for text in _values(item)]
    if isinstance(value, list):
        return [text for item in value for text in _values(item)]
    return [str(value)]


def test_a_browser_posts_what_is_rendered() -> None:
    values = dict(_pairs())
    sent = posted(page_of(render_body(FORM, values, wording("az"))))
    assert decode(FORM, sent).body == SAMPLE["body"]
