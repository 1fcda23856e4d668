"""Issue 12, second round: every case of tests/hostile/round_two.py is refused with its own code by
what a receiving node runs (verify, then the wire contract), never crashes and never connects; and
the class-wide properties behind the cases: limits that bound linear work, the time budget, the
clock-skew tolerance, receipts and dossiers tied to what they answer, no crash on decode or render."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from gateway import paths
from gateway.errors import WireError
from gateway.reasons import Reason
from gateway.wire.budget import Budget
from gateway.wire.contract import Contract
from gateway.wire.dossier import DOSSIER_TYPE, Case, Document, build_dossier, check_documents
from gateway.wire.envelope import Header, format_time, read_header
from gateway.wire.parsing import Limits, parse
from gateway.wire.signing import SigningKey, sign
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify
from tests.conftest import sign_sample
from tests.hostile import cases, round_two
from tests.hostile.kit import Kit

CASES = round_two.CASES


def test_every_class_has_cases() -> None:
    assert len(CASES) >= 30
    codes = {reason for _, reason in CASES}
    assert {
        Reason.XML_TOO_MANY_ATTRIBUTES,
        Reason.CERTIFICATE_INVALID,
        Reason.SIGNATURE_CONTENT_UNSIGNED,
    } <= codes
    assert {Reason.RECEIPT_INCONSISTENT, Reason.CERTIFICATE_USAGE_INVALID, Reason.CREATED_IN_FUTURE} <= codes


# ---- class 1: the work behind each limit is linear, not only capped ---------------------------------

UNCAPPED = Limits(
    max_elements=10**7,
    max_attributes=10**7,
    max_attributes_per_element=10**7,
    max_namespaces=10**7,
    max_ids=10**7,
)


def test_the_duplicate_id_scan_is_linear(kit: Kit) -> None:
    """With the caps lifted, 80,000 Ids and one duplicate pair at the end are still refused as a
    duplicate in one pass (the quadratic scan took 45-51 s)."""
    with pytest.raises(WireError) as refused:
        parse(round_two.ids_80000_duplicate_last(kit), UNCAPPED)
    assert refused.value.reason is Reason.XML_DUPLICATE_ID


def test_a_huge_signed_info_is_refused_before_it_is_canonicalised(kit: Kit, trust: TrustStore) -> None:
    """With the parse caps lifted, SignedInfo's own size cap still refuses 150,000 attributes
    before libxml2 canonicalises them (that took 39 s)."""
    with pytest.raises(WireError) as refused:
        verify(round_two.signed_info_150000_attributes(kit), trust, datetime.now(UTC), UNCAPPED)
    assert refused.value.reason is Reason.SIGNATURE_SIGNED_INFO_TOO_LARGE


@pytest.mark.parametrize(
    ("limits", "reason"),
    [
        (Limits(max_elements=40), Reason.XML_TOO_MANY_ELEMENTS),
        (Limits(max_attributes=2), Reason.XML_TOO_MANY_ATTRIBUTES),
        (Limits(max_attributes_per_element=0), Reason.XML_TOO_MANY_ATTRIBUTES),
        (Limits(max_namespaces=2), Reason.XML_TOO_MANY_NAMESPACES),
        (Limits(max_signed_info_bytes=200), Reason.SIGNATURE_SIGNED_INFO_TOO_LARGE),
    ],
)
def test_each_limit_applies_to_a_genuine_notice(
    limits: Limits, reason: Reason, kit: Kit, trust: TrustStore
) -> None:
    """The genuine notice has ~45 elements, 3 attributes, 3 namespace declarations: each cap, set
    just below, refuses it with its own code (and the defaults accept it)."""
    verify(kit.signed, trust, datetime.now(UTC))
    with pytest.raises(WireError) as refused:
        verify(kit.signed, trust, datetime.now(UTC), limits)
    assert refused.value.reason is reason


def test_an_exhausted_budget_is_a_coded_refusal(kit: Kit, trust: TrustStore) -> None:
    with pytest.raises(WireError) as refused:
        verify(kit.signed, trust, datetime.now(UTC), budget=Budget.of(0))
    assert refused.value.reason is Reason.VERIFICATION_TIME_EXCEEDED


def test_the_budget_is_checked_while_parsing(kit: Kit) -> None:
    """A budget far shorter than parsing 1 MiB stops the parse itself, between two chunks."""
    with pytest.raises(WireError) as refused:
        parse(round_two.elements_250000(kit), UNCAPPED, Budget.of(1e-6))
    assert refused.value.reason is Reason.VERIFICATION_TIME_EXCEEDED
    assert "parsing" in refused.value.message


# ---- class 5: the clock-skew tolerance --------------------------------------------------------------


def test_created_within_the_skew_is_accepted_beyond_it_refused(kit: Kit, trust: TrustStore) -> None:
    created = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=10)
    signed = round_two.signed_header(kit, "Created", format_time(created))
    verify(signed, trust, created - timedelta(seconds=300))
    with pytest.raises(WireError) as refused:
        verify(signed, trust, created - timedelta(seconds=301))
    assert refused.value.reason is Reason.CREATED_IN_FUTURE
    verify(signed, trust, created - timedelta(seconds=301), skew=timedelta(seconds=600))


# ---- class 4: a dossier holds only what belongs to its case ----------------------------------------

AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def _dossier_with(notice: bytes, documents: list[Document], signer: SigningKey) -> etree._Element:
    header = read_header(parse(notice))
    case = Case(
        "reply", "", "UZ", "joint-meeting-reply", "40(1)", "text", "48 hours (text)", AT, "diplomatic", AT
    )
    dossier_id = "0d0e1f2a-3b4c-4d5e-8f60-718293a4b5c6"
    dossier_header = Header(
        dossier_id,
        header.profile,
        DOSSIER_TYPE,
        header.sender,
        header.recipient,
        AT,
        in_reply_to=header.message_id,
    )
    return etree.fromstring(sign(build_dossier(dossier_header, case, documents, []), signer))


def test_a_dossier_names_what_does_not_belong_to_its_case(
    kit: Kit, signers: Mapping[str, SigningKey], trust: TrustStore, contract: Contract
) -> None:
    notice_id = read_header(parse(kit.signed)).message_id
    own_receipt = round_two._receipt(kit, lambda root: _answer(root, notice_id))
    other_receipt = round_two._receipt(
        kit, lambda root: _answer(root, "0b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a4b")
    )
    other_link = sign_sample(paths.SAMPLES / "kz-az-environment-1997" / "amendment-proposal.xml", signers)
    failing = cases.validly_signed_invalid_body(kit)
    documents = [
        Document("notice", notice_id, kit.signed),
        Document("receipt", read_header(parse(own_receipt)).message_id, own_receipt),
        Document("receipt", read_header(parse(other_receipt)).message_id, other_receipt),
        Document("notice", read_header(parse(other_link)).message_id, other_link),
        Document("notice", notice_id, failing),
    ]
    checked = check_documents(_dossier_with(kit.signed, documents, signers["KZ"]), trust, AT, contract)
    problems = [item.problem for item in checked]
    assert problems[:2] == [None, None], problems
    assert problems[2] is not None and "about message" in problems[2]
    assert problems[3] is not None and "profile kz-az-environment-1997" in problems[3]
    assert problems[4] is not None and problems[4].startswith("schema-invalid")


def _answer(root: etree._Element, message_id: str) -> None:
    """Make the sample receipt acknowledge *message_id*."""
    for path in (
        f"{round_two.env('Header')}/{round_two.env('InReplyTo')}",
        f"{round_two.env('Acknowledgement')}/{round_two.env('MessageId')}",
    ):
        root.find(path).text = message_id  # type: ignore[union-attr]
