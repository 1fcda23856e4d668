"""The evidence file as a signed document (gateway/wire/evidence.py): its chain segment proves itself
offline — every hash recomputed, every link checked, the first entry about the message, the last
the head it states — and its embedded messages each belong to the case, a reply by its InReplyTo."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from lxml import etree

from gateway import chain, paths
from gateway.errors import WireError
from gateway.wire.contract import Contract
from gateway.wire.embedded import Document, check_documents
from gateway.wire.envelope import EVIDENCE_TYPE, SIGNED_DOCUMENTS, Header, Party, q, read_header
from gateway.wire.evidence import EVIDENCE_LIMITS, Proof, build_evidence, check_chain
from gateway.wire.parsing import parse
from gateway.wire.signing import SigningKey, sign
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify

AT = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "crossing-restriction.xml"


def entries(case: str, count: int = 5) -> list[chain.Entry]:
    """A log of *count* entries from genesis; the 2nd and 4th are about *case*."""
    made, previous = [], chain.GENESIS
    for seq in range(1, count + 1):
        at = (AT + timedelta(seconds=seq)).replace(tzinfo=None, microsecond=seq)
        about = case if seq in (2, 4) else "aaaaaaaa-0000-4000-8000-000000000000"
        detail = chain.detail_text({"n": seq, "words": "Қазақ «тест»"})
        digest = chain.entry_hash(previous, seq, at, "queued", about, "UZ", detail)
        made.append(chain.Entry(seq, at, "queued", about, "UZ", detail, previous, digest))
        previous = digest
    return made


@pytest.fixture
def checked(
    signed_notice: bytes, signers: Mapping[str, SigningKey], trust: TrustStore
) -> tuple[bytes, SigningKey, TrustStore]:
    return signed_notice, signers["UZ"], trust


def _verified(data: bytes, trust: TrustStore) -> etree._Element:
    return verify(data, trust, AT, EVIDENCE_LIMITS, SIGNED_DOCUMENTS).root


def _headers(notice: bytes) -> tuple[Header, Header]:
    """The notice's header and an evidence header about it (UZ exports, KZ is the other Party)."""
    header = read_header(parse(notice))
    uz, kz = Party("UZ", "Node UZ"), Party("KZ", "Node KZ")
    own = Header("1d0e1f2a-3b4c-4d5e-8f60-718293a4b5c6", header.profile, EVIDENCE_TYPE, uz, kz, AT,
                 in_reply_to=header.message_id)  # fmt: skip
    return header, own


def _signed(notice: bytes, signer: SigningKey, segment: list[chain.Entry], extra: list[Document]) -> bytes:
    header, own = _headers(notice)
    root = build_evidence(own, [Document("notice", header.message_id, notice), *extra], segment)
    Contract.default().check(root)
    return sign(root, signer)


def test_an_intact_segment_proves_itself_to_the_head(checked: tuple[bytes, SigningKey, TrustStore]) -> None:
    notice, signer, trust = checked
    case = read_header(parse(notice)).message_id
    log = entries(case)
    root = _verified(_signed(notice, signer, log[1:], []), trust)
    assert check_chain(root) == Proof(2, 5, log[-1].hash, 2)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda log: [log[1], log[3], log[4]], "entry 4: sequence gap: expected 3"),
        (
            lambda log: [log[1], replace(log[2], detail='{"n":99}'), *log[3:]],
            "entry 3: content does not match",
        ),
        (lambda log: [log[1], log[2], replace(log[3], prev_hash="b" * 64), log[4]], "entry 4: previous-hash"),
        (lambda log: log[2:], "entry 3 is not about message"),
    ],
)
def test_a_broken_segment_is_named(
    checked: tuple[bytes, SigningKey, TrustStore], change: object, why: str
) -> None:
    notice, signer, trust = checked
    segment = change(entries(read_header(parse(notice)).message_id))  # type: ignore[operator]
    root = _verified(_signed(notice, signer, segment, []), trust)
    with pytest.raises(WireError, match=why) as refused:
        check_chain(root)
    assert refused.value.reason.value == "log-chain-broken"


def test_a_head_other_than_the_last_entry_is_refused(checked: tuple[bytes, SigningKey, TrustStore]) -> None:
    notice, signer, trust = checked
    header, own = _headers(notice)
    log = entries(header.message_id)
    root = build_evidence(own, [Document("notice", header.message_id, notice)], log[1:])
    root.find(q("Head")).set("Seq", "9")  # type: ignore[union-attr]
    with pytest.raises(WireError, match=r"the head stated \(9\) is not the last entry \(5\)"):
        check_chain(_verified(sign(root, signer), trust))


def _reply(signers: Mapping[str, SigningKey], to: str | None) -> bytes:
    """The sample as a later KZ notice, referring to *to* in InReplyTo."""
    root = parse(SAMPLE.read_bytes())
    header = root.find(q("Header"))
    assert header is not None
    header.find(q("MessageId")).text = "2d0e1f2a-3b4c-4d5e-8f60-718293a4b5c6"  # type: ignore[union-attr]
    if to is not None:
        created = header.find(q("Created"))
        assert created is not None
        reference = etree.Element(q("InReplyTo"))
        reference.text = to
        created.addnext(reference)
    return sign(root, signers["KZ"])


def test_a_reply_belongs_to_the_case_by_its_reference(
    checked: tuple[bytes, SigningKey, TrustStore], signers: Mapping[str, SigningKey]
) -> None:
    notice, signer, trust = checked
    case = read_header(parse(notice)).message_id
    log = entries(case)
    documents = [
        Document("reply", "2d0e1f2a-3b4c-4d5e-8f60-718293a4b5c6", _reply(signers, case)),
        Document("reply", "2d0e1f2a-3b4c-4d5e-8f60-718293a4b5c6", _reply(signers, None)),
    ]
    root = _verified(_signed(notice, signer, log[1:], documents), trust)
    results = check_documents(root, trust, AT, Contract.default())
    assert [(r.role, r.signer, r.problem) for r in results] == [
        ("notice", "KZ", None),
        ("reply", "KZ", None),
        ("reply", "KZ", f"a reply about message None, the case is about {case}"),
    ]
