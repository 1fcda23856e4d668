"""The diplomatic dossier as a signed document: it verifies with every message inside it; a message
altered inside it is named; a dossier is never accepted on the wire."""

from __future__ import annotations

import base64
from collections.abc import Mapping
from datetime import UTC, datetime

import pytest
from lxml import etree

from gateway.errors import WireError
from gateway.wire.contract import Contract
from gateway.wire.dossier import (
    DOSSIER_LIMITS,
    DOSSIER_TYPE,
    Case,
    Document,
    TimelineEntry,
    build_dossier,
    check_documents,
)
from gateway.wire.envelope import SIGNED_DOCUMENTS, Header, Party, read_header
from gateway.wire.parsing import parse
from gateway.wire.signing import SigningKey, sign
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify

AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)


def dossier(notice: bytes, signer: SigningKey) -> bytes:
    header = read_header(parse(notice))
    case = Case("reply", "", "UZ", "joint-meeting-reply", "40(1)", "text", "48 hours after receipt (text)",
                AT, "diplomatic", AT)  # fmt: skip
    timeline = [TimelineEntry(1, AT, "queued", header.message_id, '{"type":"x"}', "a" * 64)]
    kz, uz = Party("KZ", "Node KZ"), Party("UZ", "Node UZ")
    dossier_id = "0d0e1f2a-3b4c-4d5e-8f60-718293a4b5c6"
    dossier_header = Header(
        dossier_id, header.profile, DOSSIER_TYPE, kz, uz, AT, in_reply_to=header.message_id
    )
    root = build_dossier(dossier_header, case, [Document("notice", header.message_id, notice)], timeline)
    return sign(root, signer)


def test_a_dossier_verifies_with_every_document_inside(
    signed_notice: bytes, signers: Mapping[str, SigningKey], trust: TrustStore
) -> None:
    signed = dossier(signed_notice, signers["KZ"])
    verified = verify(signed, trust, AT, DOSSIER_LIMITS, SIGNED_DOCUMENTS)
    assert Contract.default().check(verified.root, verified.header).header.type == DOSSIER_TYPE
    [checked] = check_documents(verified.root, trust, AT, Contract.default())
    assert (checked.role, checked.signer, checked.problem) == ("notice", "KZ", None)


def test_a_document_altered_before_signing_the_dossier_is_named(
    signed_notice: bytes, signers: Mapping[str, SigningKey], trust: TrustStore
) -> None:
    forged = signed_notice.replace(b"<Unit>", b"<Unit>X", 1)
    signed = dossier(forged, signers["KZ"])  # the compiler signs what it was given
    verified = verify(signed, trust, AT, DOSSIER_LIMITS, SIGNED_DOCUMENTS)
    [checked] = check_documents(verified.root, trust, AT, Contract.default())
    assert checked.problem is not None and checked.problem.startswith("signature-digest-mismatch")


def test_a_dossier_altered_after_signing_does_not_verify(
    signed_notice: bytes, signers: Mapping[str, SigningKey], trust: TrustStore
) -> None:
    root = etree.fromstring(dossier(signed_notice, signers["KZ"]))
    node = root.find("{urn:bgw:envelope:1}Documents/{urn:bgw:envelope:1}Document")
    assert node is not None
    node.text = base64.b64encode(b"<other/>").decode()
    with pytest.raises(WireError) as refused:
        verify(etree.tostring(root), trust, AT, DOSSIER_LIMITS, SIGNED_DOCUMENTS)
    assert refused.value.reason.value == "signature-digest-mismatch"


def test_a_dossier_is_not_a_wire_message(
    signed_notice: bytes, signers: Mapping[str, SigningKey], trust: TrustStore
) -> None:
    with pytest.raises(WireError) as refused:
        verify(dossier(signed_notice, signers["KZ"]), trust, AT)
    assert refused.value.reason.value == "envelope-unknown"
