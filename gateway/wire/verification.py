"""Verification of an enveloped XML-DSig signature in the gateway's strict profile.

The order of checks is the order of trust: hardened parse; the signature's place and shape (one
ds:Signature, last child of the envelope root, one SignedInfo, one Reference with URI "",
transforms enveloped + exclusive c14n only, allowed algorithms); the signer's certificate against
the anchor of the sender side the header claims; then the cryptographic check (gateway.wire.dsig)
with that certificate. Only what the verifier returns as signed is read afterwards: the returned
tree is parsed from the canonical bytes that were digested.
"""

from __future__ import annotations

import base64
import binascii
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from lxml import etree

from gateway.errors import CertificateError, SignatureError, WireError
from gateway.reasons import Reason
from gateway.wire import dsig
from gateway.wire.envelope import DOSSIER, DSIG_NS, ENVELOPES, NOTIFICATION, RECEIPT, Header, q, read_header
from gateway.wire.parsing import DEFAULT_LIMITS, Limits, parse, safe_parser
from gateway.wire.trust import TrustStore

ALLOWED_TRANSFORMS = (dsig.ENVELOPED, dsig.EXC_C14N)
_WEAK_MARKERS = ("sha1", "md5", "ripemd")


def _ds(local: str) -> str:
    return f"{{{DSIG_NS}}}{local}"


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
) -> Verified:
    """Verify signed *data* at time *at*; return what was signed, or raise a coded WireError.
    *envelopes*: the root elements accepted (the wire's by default: a dossier never travels)."""
    root = parse(data, limits)
    if root.tag not in envelopes:
        raise WireError(
            f"root element {etree.QName(root).localname!r} is not a gateway envelope",
            reason=Reason.ENVELOPE_UNKNOWN,
        )
    signature = _locate_signature(root)
    _check_shape(root)
    _check_signed_info(signature)
    leaf, intermediates = _certificates(signature)
    claimed = _claimed_side(root)
    side = trust.side_of(leaf, intermediates, claimed, at)
    signed_root = _verify_crypto(root, signature, leaf, envelopes)
    header = read_header(signed_root)
    if header.sender.side != side:
        raise CertificateError(
            f"signed header names sender side {header.sender.side}, the certificate is of side {side}",
            reason=Reason.CERTIFICATE_SIDE_MISMATCH,
        )
    return Verified(signed_root, header, side, leaf)


def _locate_signature(root: etree._Element) -> etree._Element:
    found = list(root.iter(_ds("Signature")))
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
    NOTIFICATION: (q("Header"), q("Body"), _ds("Signature")),
    RECEIPT: (q("Header"), q("Acknowledgement"), _ds("Signature")),
    DOSSIER: (q("Header"), q("Obligation"), q("Documents"), q("Timeline"), _ds("Signature")),
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


def _one(parent: etree._Element, local: str, what: str) -> etree._Element:
    found = parent.findall(_ds(local))
    if len(found) != 1:
        raise SignatureError(
            f"{what} must have exactly one {local}, found {len(found)}",
            reason=Reason.SIGNATURE_STRUCTURE_INVALID,
        )
    return found[0]


def _algorithm(node: etree._Element, allowed: frozenset[str], what: str) -> str:
    algorithm = node.get("Algorithm", "")
    lowered = algorithm.lower()
    if "hmac" in lowered:
        raise SignatureError(f"{what} {algorithm}: HMAC is forbidden", reason=Reason.SIGNATURE_HMAC_FORBIDDEN)
    if any(marker in lowered for marker in _WEAK_MARKERS):
        raise SignatureError(f"{what} {algorithm}: weak algorithm", reason=Reason.SIGNATURE_ALGORITHM_WEAK)
    if algorithm not in allowed:
        raise SignatureError(
            f"{what} {algorithm!r} is not accepted", reason=Reason.SIGNATURE_ALGORITHM_UNSUPPORTED
        )
    return algorithm


def _check_signed_info(signature: etree._Element) -> None:
    signed_info = _one(signature, "SignedInfo", "Signature")
    _one(signature, "SignatureValue", "Signature")
    c14n = _one(signed_info, "CanonicalizationMethod", "SignedInfo")
    if c14n.get("Algorithm") != dsig.EXC_C14N:
        raise SignatureError(
            f"canonicalization {c14n.get('Algorithm')!r}: exclusive c14n is required",
            reason=Reason.SIGNATURE_C14N_INVALID,
        )
    _algorithm(
        _one(signed_info, "SignatureMethod", "SignedInfo"), frozenset(dsig.SIGNATURES), "signature method"
    )
    references = signed_info.findall(_ds("Reference"))
    if len(references) != 1:
        raise SignatureError(
            f"{len(references)} references; exactly one (the whole envelope) is required",
            reason=Reason.SIGNATURE_REFERENCE_COUNT,
        )
    _check_reference(references[0])


def _check_reference(reference: etree._Element) -> None:
    uri = reference.get("URI")
    if uri is None or uri != "":
        if uri and not uri.startswith("#"):
            raise SignatureError(
                f"reference URI {uri!r} points outside the message",
                reason=Reason.SIGNATURE_REFERENCE_EXTERNAL,
            )
        raise SignatureError(
            f'reference URI {uri!r}: the reference must be URI="" (the whole envelope)',
            reason=Reason.SIGNATURE_REFERENCE_URI,
        )
    transforms = reference.find(_ds("Transforms"))
    algorithms = tuple(t.get("Algorithm") for t in transforms) if transforms is not None else ()
    if algorithms != ALLOWED_TRANSFORMS:
        bad = next((a for a in algorithms if a not in ALLOWED_TRANSFORMS), None)
        raise SignatureError(
            f"transforms {list(algorithms)}: only enveloped-signature then exclusive c14n are allowed"
            + (f" ({bad} is forbidden)" if bad else ""),
            reason=Reason.SIGNATURE_TRANSFORM_FORBIDDEN,
        )
    _algorithm(_one(reference, "DigestMethod", "Reference"), frozenset(dsig.DIGESTS), "digest method")


@dataclass(frozen=True)
class _Parsed:
    certificate: x509.Certificate
    is_ca: bool


@functools.lru_cache(maxsize=256)
def _load_certificate(encoded: str) -> _Parsed:
    """Parse a base64 DER certificate once; peers send the same few certificates again and again."""
    try:
        certificate = x509.load_der_x509_certificate(
            base64.b64decode("".join(encoded.split()), validate=True)
        )
    except (ValueError, binascii.Error) as exc:
        raise CertificateError(
            f"X509Certificate is not a DER certificate: {exc}", reason=Reason.CERTIFICATE_INVALID
        ) from exc
    return _Parsed(certificate, _is_ca(certificate))


def _certificates(signature: etree._Element) -> tuple[x509.Certificate, Sequence[x509.Certificate]]:
    key_info = signature.find(_ds("KeyInfo"))
    if key_info is None:
        raise CertificateError(
            "the signature carries no KeyInfo/X509Data certificate", reason=Reason.CERTIFICATE_MISSING
        )
    if key_info.find(_ds("KeyValue")) is not None or len(key_info.findall(_ds("X509Data"))) > 1:
        raise SignatureError(
            "KeyInfo must hold one X509Data and no bare key", reason=Reason.SIGNATURE_KEY_INFO_INVALID
        )
    encoded = [node.text or "" for node in key_info.iterfind(f"{_ds('X509Data')}/{_ds('X509Certificate')}")]
    if not encoded:
        raise CertificateError("the signature carries no X509Certificate", reason=Reason.CERTIFICATE_MISSING)
    parsed = [_load_certificate(text) for text in encoded]
    leaf = next((p.certificate for p in parsed if not p.is_ca), None)
    if leaf is None:
        raise CertificateError("no end-entity certificate in KeyInfo", reason=Reason.CERTIFICATE_INVALID)
    return leaf, [p.certificate for p in parsed if p.certificate is not leaf]


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
    signed = etree.fromstring(checked.signed_c14n, safe_parser())
    if signed.tag not in envelopes:
        raise SignatureError("the signed data is not the envelope", reason=Reason.SIGNATURE_STRUCTURE_INVALID)
    return signed
