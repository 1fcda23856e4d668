"""What `bgw verify` says of a signed document, as lines: the envelope's signer; for a dossier or an
evidence file every message inside it, and for evidence the log chain it carries. The command prints
these lines; the console shows the same ones beside an escalation's dossier (verified in place, with
the node's trust store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from lxml import etree

from gateway.cli.output import one_line
from gateway.wire.contract import Contract
from gateway.wire.dossier import DOSSIER_LIMITS
from gateway.wire.embedded import Checked, check_documents
from gateway.wire.envelope import DOSSIER, EVIDENCE, SIGNED_DOCUMENTS, format_time
from gateway.wire.evidence import EVIDENCE_LIMITS, check_chain
from gateway.wire.parsing import DEFAULT_LIMITS, Limits, root_tag
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify


@dataclass(frozen=True)
class Report:
    lines: list[str]
    checked: list[Checked]  # the documents a dossier or evidence file holds (empty for one message)
    kind: str  # the document's root element: Notification, Receipt, Dossier, Evidence

    @property
    def failed(self) -> list[Checked]:
        return [item for item in self.checked if item.problem is not None]


def limits_of(data: bytes) -> Limits:
    """A dossier or an evidence file may be larger than a wire message (it holds several); its root
    says which."""
    tag = root_tag(data) or ""
    if len(data) <= DEFAULT_LIMITS.max_bytes and tag != EVIDENCE:
        return DEFAULT_LIMITS
    return {DOSSIER: DOSSIER_LIMITS, EVIDENCE: EVIDENCE_LIMITS}.get(tag, DEFAULT_LIMITS)


def document_line(item: Checked) -> str:
    outcome = f"signed by side {item.signer}" if item.problem is None else f"FAILED: {item.problem}"
    return "  " + one_line(f"{item.role:<12} {item.message_id} {outcome}")


def report(data: bytes, trust: TrustStore, at: datetime, contract: Contract | None = None) -> Report:
    """Verify *data* at *at*; raises the coded error when the envelope itself, or an evidence file's
    chain, does not verify (a document inside that does not is in the report, `failed`)."""
    verified = verify(data, trust, at, limits_of(data), SIGNED_DOCUMENTS)
    contract = contract or Contract.default()
    message = contract.check(verified.root, verified.header)
    subject = verified.certificate.subject.rfc4514_string()
    header, kind = message.header, etree.QName(verified.root).localname
    first = one_line(
        f"verified: {header.profile} {header.type} {header.message_id} "
        f"signed by side {verified.side} ({subject}) at {format_time(at)}"
    )
    if verified.root.tag not in (DOSSIER, EVIDENCE):
        return Report([first], [], kind)
    checked = check_documents(verified.root, trust, at, contract)
    lines = [first, *(document_line(item) for item in checked)]
    if verified.root.tag == EVIDENCE and not any(item.problem for item in checked):
        proof = check_chain(verified.root)
        lines.append(
            f"  chain: entries {proof.first}..{proof.last} intact, head {proof.last} {proof.head_hash} "
            f"({proof.about} about the case)"
        )
    return Report(lines, checked, kind)
