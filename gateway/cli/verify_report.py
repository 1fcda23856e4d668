"""What `bgw verify` says of a signed document, as lines: the envelope's signer, and for a dossier
every message inside it. The command prints these lines; the console shows the same ones beside an
escalation's dossier (verified in place, with the node's trust store)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gateway.cli.output import one_line
from gateway.wire.contract import Contract
from gateway.wire.dossier import DOSSIER_LIMITS, Checked, check_documents
from gateway.wire.envelope import DOSSIER, SIGNED_DOCUMENTS, format_time
from gateway.wire.parsing import DEFAULT_LIMITS, root_tag
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify


@dataclass(frozen=True)
class Report:
    lines: list[str]
    checked: list[Checked]  # a dossier's documents (empty for a single message)

    @property
    def failed(self) -> list[Checked]:
        return [item for item in self.checked if item.problem is not None]


def document_line(item: Checked) -> str:
    outcome = f"signed by side {item.signer}" if item.problem is None else f"FAILED: {item.problem}"
    return "  " + one_line(f"{item.role:<9} {item.message_id} {outcome}")


def report(data: bytes, trust: TrustStore, at: datetime, contract: Contract | None = None) -> Report:
    """Verify *data* at *at*; raises the coded error when the envelope itself does not verify."""
    # Only a dossier may be larger than a wire message (it holds several); its root says which.
    big_dossier = len(data) > DEFAULT_LIMITS.max_bytes and root_tag(data) == DOSSIER
    limits = DOSSIER_LIMITS if big_dossier else DEFAULT_LIMITS
    verified = verify(data, trust, at, limits, SIGNED_DOCUMENTS)
    contract = contract or Contract.default()
    message = contract.check(verified.root, verified.header)
    subject = verified.certificate.subject.rfc4514_string()
    header = message.header
    first = one_line(
        f"verified: {header.profile} {header.type} {header.message_id} "
        f"signed by side {verified.side} ({subject}) at {format_time(at)}"
    )
    if verified.root.tag != DOSSIER:
        return Report([first], [])
    checked = check_documents(verified.root, trust, at, contract)
    return Report([first, *(document_line(item) for item in checked)], checked)
