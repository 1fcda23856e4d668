"""The compose page's pure decisions: a posted form → the document the national interface takes;
which notices wait for a second approval; who may approve a draft; a superseding form's prefill."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

from gateway import paths
from gateway.console.composing import needs_second_approval, prefilled, read_form, replacing
from gateway.console.drafts_page import approval_refusal
from gateway.forms.header import header_of, submission
from gateway.forms.model import form_of
from gateway.forms.prefill import encode
from gateway.lifecycle import DraftState
from gateway.node.config import Link
from gateway.profiles import Channel, load_profiles
from gateway.reasons import Reason
from gateway.samples import sample_submission
from gateway.store.drafts import Draft

PROFILES = load_profiles()
PROFILE = PROFILES["kz-uz-border-2024"]
UZ = Link("UZ", PROFILE.id, "Node UZ", "bgw.UZ.in")
SAMPLE = sample_submission(paths.SAMPLES / PROFILE.id / "marker-incident.xml", "UZ")
FORM = form_of(PROFILE, "marker-incident")


def _posted(**extra: str) -> list[tuple[str, str]]:
    header = [("csrf", "token"), ("key", "k1"), ("link", "UZ/kz-uz-border-2024"), ("type", "marker-incident")]
    return [*header, *extra.items(), *encode(FORM, SAMPLE["body"]).pairs]


def test_a_posted_form_is_the_national_submission_document() -> None:
    composed = read_form(_posted(), [UZ], PROFILES)
    assert composed.problems == () and composed.key == "k1"
    assert composed.document == submission(header_of(UZ, "marker-incident"), SAMPLE["body"])
    assert "csrf" not in composed.values and "key" not in composed.values


def test_a_form_with_problems_has_no_document() -> None:
    pairs = [(name, value) for name, value in _posted() if name != "Kind"]
    composed = read_form([*pairs, ("add", "Place")], [UZ], PROFILES)
    assert composed.document is None and composed.problems and composed.add == frozenset({"Place"})
    assert read_form([("link", "XX/none")], [UZ], PROFILES).form is None


def test_second_approval_only_for_the_diplomatic_channel_of_a_configured_link() -> None:
    strict = replace(UZ, second_approval=True)
    assert needs_second_approval(strict, Channel.DIP)
    assert not needs_second_approval(strict, Channel.BR)
    assert not needs_second_approval(UZ, Channel.DIP)
    assert not needs_second_approval(None, Channel.DIP)


def test_the_drafter_never_approves() -> None:
    at = datetime(2026, 11, 30, tzinfo=UTC)
    draft = Draft(
        1, DraftState.DRAFTED, "UZ", PROFILE.id, "amendment-proposal", "{}", "aliya", at, None, None, None
    )
    assert approval_refusal(draft, "aliya") is Reason.APPROVER_IS_DRAFTER
    assert approval_refusal(draft, "bolat") is None
    sent = replace(draft, state=DraftState.APPROVED)
    assert approval_refusal(sent, "bolat") is Reason.DRAFT_TRANSITION_INVALID


def test_a_superseding_form_opens_with_the_sent_notice() -> None:
    asked = {"supersedes": "3ccc0d30-8424-4e07-be31-7beaf10ab892"}
    assert replacing(asked) == asked["supersedes"]
    pairs = prefilled(asked, ("UZ", PROFILE.id, "marker-incident"), SAMPLE["body"], FORM)
    composed = read_form(pairs, [UZ], PROFILES)
    assert composed.problems == ()
    assert composed.document is not None and composed.document["supersedes"] == asked["supersedes"]
    assert composed.document["body"] == SAMPLE["body"]
