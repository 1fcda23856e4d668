"""The certificates a health page watches: this node's own chain, the trust anchors of every side,
and each peer's signing certificate as its newest notice carried it; each with its expiry, flagged
when it ends within `WARN_DAYS`."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path

from cryptography import x509

from gateway.errors import GatewayError
from gateway.wire.envelope import DSIG_NS, signature_of
from gateway.wire.parsing import parse

WARN_DAYS = 30  # the horizon: certificates ending within 30 days are flagged


class Held(StrEnum):
    OWN = "own"  # this node's signing certificate and the issuers sent with it
    ANCHOR = "anchor"  # a side's CA in the trust store
    PEER = "peer"  # a peer's signing certificate, from its newest notice


@dataclass(frozen=True)
class Certificate:
    held: Held
    side: str
    subject: str
    not_after: datetime
    days_left: int  # whole days until it ends (negative: it has ended)
    expiring: bool  # ends within WARN_DAYS (or has ended)


def _entry(held: Held, side: str, certificate: x509.Certificate, now: datetime) -> Certificate:
    left = certificate.not_valid_after_utc - now
    return Certificate(
        held,
        side,
        certificate.subject.rfc4514_string(),
        certificate.not_valid_after_utc,
        left.days,
        left < timedelta(days=WARN_DAYS),
    )


def _pem_file(path: Path) -> list[x509.Certificate]:
    try:
        return list(x509.load_pem_x509_certificates(path.read_bytes()))
    except (OSError, ValueError):
        return []  # the node checked them at start; a file changed since is not this page's to judge


def own_and_anchors(side: str, cert: Path, trust: Path, now: datetime) -> list[Certificate]:
    found = [_entry(Held.OWN, side, c, now) for c in _pem_file(cert)]
    for ca_file in sorted(trust.glob("*/ca.pem")):
        found += [_entry(Held.ANCHOR, ca_file.parent.name, c, now) for c in _pem_file(ca_file)]
    return found


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def signer_of(signed: bytes) -> x509.Certificate | None:
    """The signer's certificate in a stored (already verified) message, or None."""
    try:
        signature = signature_of(parse(signed))
    except GatewayError:
        return None
    if signature is None:
        return None
    data = signature.iterfind(f"{{{DSIG_NS}}}KeyInfo/{{{DSIG_NS}}}X509Data/{{{DSIG_NS}}}X509Certificate")
    for node in data:
        try:
            certificate = x509.load_der_x509_certificate(base64.b64decode("".join((node.text or "").split())))
        except (ValueError, binascii.Error):
            continue
        if not _is_ca(certificate):
            return certificate
    return None


def peers(signed: Iterable[tuple[str, bytes | None]], now: datetime) -> list[Certificate]:
    """(peer, its newest notice's bytes) -> the peer's signing certificate as it was carried."""
    found = []
    for peer, payload in signed:
        certificate = signer_of(payload) if payload is not None else None
        if certificate is not None:
            found.append(_entry(Held.PEER, peer, certificate, now))
    return found
