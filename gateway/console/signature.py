"""A stored message's signature as verified now, with the node's trust anchors: the signer's side
and certificate, and its chain to that side's anchor; a signature that no longer verifies (an
expired certificate, a withdrawn anchor) is shown with its refusal, never as an error page."""

from __future__ import annotations

from datetime import datetime

from cryptography import x509

from gateway.console.message_model import CertificateView, SignatureView
from gateway.errors import GatewayError
from gateway.wire.trust import TrustStore, fingerprint
from gateway.wire.verification import verify


def _certificate(role: str, certificate: x509.Certificate) -> CertificateView:
    return CertificateView(
        role=role,
        subject=certificate.subject.rfc4514_string(),
        issuer=certificate.issuer.rfc4514_string(),
        fingerprint=fingerprint(certificate).hex(),
        not_before=certificate.not_valid_before_utc,
        not_after=certificate.not_valid_after_utc,
    )


def checked(payload: bytes, trust: TrustStore, at: datetime) -> SignatureView:
    """Verify *payload* at *at* (CPU work: call it in a worker thread)."""
    try:
        verified = verify(payload, trust, at)
    except GatewayError as exc:
        return SignatureView(False, at, None, exc.reason.value, exc.message, [])
    chain = [_certificate("signer", verified.certificate)]
    anchor = trust.anchor_of(verified.side, verified.certificate)
    if anchor is not None:
        chain.append(_certificate("anchor", anchor))
    return SignatureView(True, at, verified.side, None, None, chain)
