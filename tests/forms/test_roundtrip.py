"""Issue 15, must show: every form field of every message type can be filled and submitted. For each
sample, its type's form is rendered filled with the sample (through the prefill encoder), read back
as a browser would post it, and decoded: the body equals the sample's, the header part equals its
submission header, and nothing of the sample is left without a field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from gateway.console.i18n import LANGUAGES
from gateway.forms import header as heading
from gateway.forms.header_fields import render_header
from gateway.forms.model import Form, Kind, form_of
from gateway.forms.posted import decode
from gateway.forms.prefill import encode
from gateway.forms.widgets import render_body
from gateway.node.config import Link
from gateway.profiles import load_profiles
from gateway.samples import sample_submission
from gateway.wire import bodymodel
from tests.conftest import SAMPLES
from tests.forms.browser import names_of, page_of, posted, wording

PROFILES = load_profiles()
NOTICES = [path for path in SAMPLES if path.parent.name in PROFILES]


def _id(path: Path) -> str:
    return f"{path.parent.name}/{path.stem}"


def test_every_type_has_a_sample() -> None:
    types = {(p.id, name) for p in PROFILES.values() for name in p.types}
    sampled = {(path.parent.name, path.stem) for path in NOTICES}
    assert len(NOTICES) >= 100
    assert types <= sampled


@pytest.mark.parametrize("sample", NOTICES, ids=_id)
def test_the_form_posts_the_sample(sample: Path) -> None:
    document = sample_submission(sample)
    form = form_of(PROFILES[document["profile"]], document["type"])
    filled = encode(form, document["body"])
    assert filled.leftover == ()  # every value of the sample has a field
    lang = LANGUAGES[NOTICES.index(sample) % len(LANGUAGES)]
    page = page_of(render_body(form, dict(filled.pairs), wording(lang)))
    assert {name for name, _ in filled.pairs} - names_of(page) == set()
    _labelled(page)
    sent = posted(page)
    assert sorted((name, value) for name, value in sent if value) == sorted(filled.pairs)
    decoded = decode(form, sent)
    assert decoded.problems == ()
    assert decoded.body == document["body"]


@pytest.mark.parametrize("sample", NOTICES, ids=_id)
def test_the_header_fields_post_the_sample_header(sample: Path) -> None:
    document = sample_submission(sample)
    recipient = document["recipient"]
    link = Link(recipient["side"], document["profile"], recipient["unit"], "bgw.out")
    other_side = "AZ" if recipient["side"] != "AZ" else "UZ"
    other = Link(other_side, document["profile"], "Elsewhere", "bgw.out")  # a second link to choose from
    values = dict(heading.header_pairs(document))
    page = page_of(render_header([other, link], PROFILES, values, wording("ru")))
    decoded = heading.decode_header(posted(page), [other, link], PROFILES)
    assert decoded.problems == ()
    expected = {key: value for key, value in document.items() if key != "body"}
    assert decoded.header == expected
    assert heading.submission(decoded.header, document["body"]) == document


def _labelled(page: Any) -> None:
    """Ids are unique and every control has its <label for>."""
    ids = page.xpath("//@id")
    assert len(ids) == len(set(ids))
    controls = {str(node.get("id")) for node in page.iter("input", "select", "textarea")}
    assert controls == set(page.xpath("//label/@for"))


def _schema_leaves(element: bodymodel.Element) -> int:
    """Leaves as the codec's own model counts them: attributes, text content, simple elements."""
    own = len(element.attributes) + (1 if element.simple is not None else 0)
    return own + sum(_schema_leaves(child) for child in element.children)


def _form_leaves(form: Form) -> int:
    return sum(2 if leaf.kind is Kind.DISTRICT else 1 for leaf in form.leaves())  # Region and Name


@pytest.mark.parametrize("profile_id", sorted(PROFILES))
def test_no_field_of_the_schema_is_dropped(profile_id: str) -> None:
    profile = PROFILES[profile_id]
    schema = bodymodel.load_schema(profile.schema)
    for name, spec in profile.types.items():
        form = form_of(profile, name)
        model = bodymodel.compile_body(schema, profile.namespace, spec.element)
        assert _form_leaves(form) == _schema_leaves(model), name
        empty = names_of(page_of(render_body(form, {}, wording("en"))))
        paths = {leaf.path for leaf in form.leaves()}
        assert {path.replace("*", "0") for path in paths} <= empty, name  # each field shown
        assert {re.sub(r"(?<=\.)[0-9]+(?=\.|$)", "*", shown) for shown in empty} == paths, name


def test_a_known_form_has_its_fields() -> None:
    """EpizooticAlert: 35 fields (its District and the Place's District each one choice)."""
    form = form_of(PROFILES["kz-uz-border-2024"], "epizootic-alert")
    leaves: dict[str, Any] = {leaf.path: leaf for leaf in form.leaves()}
    assert len(leaves) == 35
    assert leaves["District.*"].kind is Kind.DISTRICT and leaves["District.*"].required
    assert leaves["Outbreak.Cases"].kind is Kind.INTEGER and not leaves["Outbreak.Cases"].required
    assert leaves["DetectedAt"].kind is Kind.DATETIME
    assert leaves["SpreadRisk"].kind is Kind.MULTILINE
    assert leaves["Domain"].choices == ("human", "animal", "plant")
    assert leaves["Place.*.Point.*.Latitude"].restrictions.maximum == "90"
