"""Verification of an enveloped XML-DSig signature in the gateway's strict profile.

The order of checks is the order of trust: hardened parse, bounded by the parse limits; the
signature's place and its one accepted shape (gateway.wire.shape), checked before anything is
canonicalised; the signer's certificate against the anchor of the sender side the header claims;
then the cryptographic check (gateway.wire.dsig) with that certificate. Only what the verifier
returns as signed is read afterwards: the returned tree is parsed from the canonical bytes that
were digested. A time budget is checked between the stages and inside the loops over the input.
"""

from __future__ import annotations

import base64
import binascii
import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography import x509
from cryptography.exceptions import UnsupportedAlgorithm
from lxml import etree

from gateway.errors import CertificateError, SignatureError, WireError
from gateway.reasons import Reason
from gateway.wire import dsig, shape
from gateway.wire.budget import UNLIMITED, Budget
from gateway.wire.envelope import (
    DOSSIER,
    ENVELOPES,
    EVIDENCE,
    NOTIFICATION,
    RECEIPT,
    Header,
    format_time,
    q,
    read_header,
)
from gateway.wire.parsing import DEFAULT_LIMITS, Limits, parse, safe_parser
from gateway.wire.shape import ds
from gateway.wire.trust import TrustStore, fingerprint

CLOCK_SKEW = timedelta(seconds=300)  # the node's [delivery] clock_skew_s default


@dataclass(frozen=True)
class Verified:
    """A verified message: the signed tree (nothing else may be read), its header and signer side."""

    root: etree._Element
    header: Header
    side: str
    certificate: x509.Certificate


def verify(
    data: bytes,
    trust: TrustStore,
    at: datetime,
    limits: Limits = DEFAULT_LIMITS,
    envelopes: frozenset[str] = ENVELOPES,
    *,
    skew: timedelta = CLOCK_SKEW,
    budget: Budget = UNLIMITED,
) -> Verified:
    """Verify signed *data* at time *at*; return what was signed, or raise a coded WireError.

    *envelopes*: the root elements accepted (the wire's by default: a dossier never travels).
    *skew*: how far in the future of *at* the signed Created may be. *budget*: checked between
    stages; a slow input ends as ``verification-time-exceeded``. Raises WireError only."""
    budget.check("start")
    root = parse(data, limits, budget)
    if root.tag not in envelopes:
        raise WireError(
            f"root element {etree.QName(root).localname!r} is not a gateway envelope",
            reason=Reason.ENVELOPE_UNKNOWN,
        )
    signature = _locate_signature(root)
    _check_shape(root)
    shape.check(signature, limits)
    budget.check("signature shape")
    signer, issuers = _certificates(signature)
    leaf = signer.certificate
    fingerprints = (signer.fingerprint, *(issuer.fingerprint for issuer in issuers))
    side = trust.side_of(
        leaf, [issuer.certificate for issuer in issuers], _claimed_side(root), at, fingerprints
    )
    budget.check("certificate")
    signed_root = _verify_crypto(root, signature, leaf, envelopes)
    budget.check("signature value and digest")
    header = read_header(signed_root)
    if header.sender.side != side:
        raise CertificateError(
            f"signed header names sender side {header.sender.side}, the certificate is of side {side}",
            reason=Reason.CERTIFICATE_SIDE_MISMATCH,
        )
    if header.created > at + skew:
        raise WireError(
            f"Created {format_time(header.created)} is in the future of this node's clock "
            f"({format_time(at)}) by more than the {skew.total_seconds():g} s tolerated",
            reason=Reason.CREATED_IN_FUTURE,
        )
    return Verified(signed_root, header, side, leaf)


def _locate_signature(root: etree._Element) -> etree._Element:
    found = list(root.iter(ds("Signature")))
    if not found:
        raise SignatureError("the message is not signed", reason=Reason.SIGNATURE_MISSING)
    if len(found) > 1:
        raise SignatureError(
            f"{len(found)} signatures found; exactly one is allowed", reason=Reason.SIGNATURE_MULTIPLE
        )
    signature = found[0]
    if signature.getparent() is not root or root[-1] is not signature:
        raise SignatureError(
            "the signature must be the last child of the envelope root",
            reason=Reason.SIGNATURE_LOCATION_INVALID,
        )
    return signature


_SHAPES = {
    NOTIFICATION: (q("Header"), q("Body"), ds("Signature")),
    RECEIPT: (q("Header"), q("Acknowledgement"), ds("Signature")),
    DOSSIER: (q("Header"), q("Obligation"), q("Documents"), q("Timeline"), ds("Signature")),
    EVIDENCE: (q("Header"), q("Documents"), q("Chain"), q("Head"), ds("Signature")),
}


def _check_shape(root: etree._Element) -> None:
    """The envelope holds its header, its content and the signature, and nothing else."""
    children = tuple(child.tag for child in root)
    if children != _SHAPES[root.tag]:
        names = [etree.QName(tag).localname if isinstance(tag, str) else str(tag) for tag in children]
        raise WireError(
            f"envelope children {names}: expected exactly "
            f"{[etree.QName(tag).localname for tag in _SHAPES[root.tag]]}",
            reason=Reason.ENVELOPE_STRUCTURE_INVALID,
        )


@dataclass(frozen=True)
class _Parsed:
    certificate: x509.Certificate
    is_ca: bool
    fingerprint: bytes


@functools.lru_cache(maxsize=256)
def _load_certificate(encoded: str) -> _Parsed:
    """Parse a base64 DER certificate once; peers send the same few certificates again and again.

    Every part the gateway reads later (extensions, key, names) is decoded here, so a malformed
    or unsupported certificate is refused now, with its code, rather than failing later."""
    try:
        certificate = x509.load_der_x509_certificate(
            base64.b64decode("".join(encoded.split()), validate=True)
        )
        is_ca = _is_ca(certificate)
        certificate.public_key()
        certificate.subject.rfc4514_string()
        certificate.issuer.rfc4514_string()
    except (ValueError, binascii.Error, UnsupportedAlgorithm, x509.DuplicateExtension) as exc:
        raise CertificateError(
            f"X509Certificate is not an acceptable DER certificate: {exc}", reason=Reason.CERTIFICATE_INVALID
        ) from exc
    return _Parsed(certificate, is_ca, fingerprint(certificate))


def _certificates(signature: etree._Element) -> tuple[_Parsed, list[_Parsed]]:
    """The signer's certificate and the issuers sent with it (the shape allows only X509Certificate)."""
    encoded = [node.text or "" for node in signature.iterfind(f"{ds('KeyInfo')}/{ds('X509Data')}/*")]
    parsed = [_load_certificate(text) for text in encoded]
    leaves = [p for p in parsed if not p.is_ca]
    if len(leaves) != 1:
        raise SignatureError(
            f"KeyInfo holds {len(leaves)} end-entity certificates; exactly one (the signer's) is accepted",
            reason=Reason.SIGNATURE_KEY_INFO_INVALID,
        )
    return leaves[0], [p for p in parsed if p.is_ca]


def _is_ca(certificate: x509.Certificate) -> bool:
    try:
        return bool(certificate.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


def _claimed_side(root: etree._Element) -> str:
    """The sender side the (not yet verified) header claims; used only to pick the trust anchor."""
    node = root.find(f"{q('Header')}/{q('Sender')}/{q('Side')}")
    if node is None or not node.text:
        raise WireError("header field Sender/Side is missing", reason=Reason.SCHEMA_INVALID)
    return node.text.strip()


def _verify_crypto(
    root: etree._Element, signature: etree._Element, leaf: x509.Certificate, envelopes: frozenset[str]
) -> etree._Element:
    checked = dsig.check(root, signature, leaf)
    # The canonical bytes come from a tree that passed every parse check; they hold no DTD,
    # comment or processing instruction, so the hardened parser alone is enough here.
    try:
        signed = etree.fromstring(checked.signed_c14n, safe_parser())
    except etree.LxmlError as exc:
        raise SignatureError(
            f"the signed content does not parse back: {exc}", reason=Reason.SIGNATURE_STRUCTURE_INVALID
        ) from exc
    if signed.tag not in envelopes:
        raise SignatureError("the signed data is not the envelope", reason=Reason.SIGNATURE_STRUCTURE_INVALID)
    return signed
