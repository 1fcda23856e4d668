"""Trust anchors per side, and the check that a signer's certificate chains to the right one.

Pure: certificates and a time in, a side or a coded refusal out. Chain building is done by
cryptography's X.509 verifier with the gateway's certificate profile; a successful chain is
cached by certificate fingerprints, and its validity window is re-checked on every use.

The profile of a signing (node) certificate: not a CA; KeyUsage present with digitalSignature;
ExtendedKeyUsage absent, or naming document signing (RFC 9336) or any purpose — a certificate
issued for another purpose only (TLS client or server authentication, e-mail) does not sign
notices; valid at the time of verification, as is every certificate of its chain; an ECDSA
P-256/384/521 or RSA ≥ 2048 key; the side's ISO code as its only subject country; chaining to
the CA of the side the header names as sender.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from types import MappingProxyType

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509 import verification as xv
from cryptography.x509.oid import NameOID

from gateway.errors import CertificateError, ConfigError
from gateway.reasons import Reason

MIN_RSA_BITS = 2048
EC_CURVES = (ec.SECP256R1, ec.SECP384R1, ec.SECP521R1)


SIGNING_PURPOSES = frozenset(
    {
        x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36"),  # id-kp-documentSigning (RFC 9336)
        x509.oid.ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    }
)


def _require_digital_signature(_policy: object, _cert: x509.Certificate, usage: x509.KeyUsage) -> None:
    if not usage.digital_signature:
        raise ValueError("KeyUsage does not allow digitalSignature")


def _require_signing_purpose(
    _policy: object, _cert: x509.Certificate, usage: x509.ExtendedKeyUsage | None
) -> None:
    if usage is not None and not SIGNING_PURPOSES & set(usage):
        raise ValueError("ExtendedKeyUsage does not allow document signing")


def _ee_policy() -> xv.ExtensionPolicy:
    return (
        xv.ExtensionPolicy.permit_all()
        .require_present(x509.KeyUsage, xv.Criticality.AGNOSTIC, _require_digital_signature)
        .may_be_present(x509.ExtendedKeyUsage, xv.Criticality.AGNOSTIC, _require_signing_purpose)
    )


def fingerprint(certificate: x509.Certificate) -> bytes:
    return certificate.fingerprint(hashes.SHA256())


@dataclass(frozen=True)
class _Chain:
    side: str
    not_before: datetime
    not_after: datetime


@dataclass
class TrustStore:
    """The CA certificates trusted for each side."""

    anchors: Mapping[str, tuple[x509.Certificate, ...]]
    _cache: dict[tuple[bytes, ...], _Chain] = field(default_factory=dict, repr=False)

    @classmethod
    def from_dir(cls, folder: Path) -> TrustStore:
        """Trust FOLDER/<SIDE>/ca.pem for every side folder found."""
        anchors = {}
        for ca_file in sorted(folder.glob("*/ca.pem")):
            side = ca_file.parent.name
            try:
                anchors[side] = tuple(x509.load_pem_x509_certificates(ca_file.read_bytes()))
            except (OSError, ValueError) as exc:
                raise ConfigError(f"{ca_file}: not a PEM certificate file: {exc}") from exc
        if not anchors:
            raise ConfigError(f"{folder}: no trust anchors (expected {folder}/<SIDE>/ca.pem)")
        return cls(MappingProxyType(anchors))

    @property
    def sides(self) -> tuple[str, ...]:
        return tuple(self.anchors)

    def anchor_of(self, side: str, certificate: x509.Certificate) -> x509.Certificate | None:
        """The anchor of *side* that issued *certificate* (by name), to show a chain; None if none."""
        for anchor in self.anchors.get(side, ()):
            if anchor.subject == certificate.issuer:
                return anchor
        return None

    def side_of(
        self,
        leaf: x509.Certificate,
        intermediates: Sequence[x509.Certificate],
        claimed: str,
        at: datetime,
        fingerprints: tuple[bytes, ...] | None = None,
    ) -> str:
        """Check *leaf* chains to *claimed*'s anchor at time *at*; return the side or refuse.
        *fingerprints*: SHA-256 of leaf and intermediates, when the caller has them already."""
        key = fingerprints or (fingerprint(leaf), *map(fingerprint, intermediates))
        chain = self._cache.get(key)
        if chain is None:  # a certificate seen before passed these already
            _check_key(leaf)
            _check_usage(leaf)
        _check_validity(leaf, at)
        if chain is None or not chain.not_before <= at <= chain.not_after:
            chain = self._build(leaf, intermediates, at)
            self._cache[key] = chain
        if chain.side != claimed:
            raise CertificateError(
                f"the certificate chains to the {chain.side} CA but the header names sender side {claimed}",
                reason=Reason.CERTIFICATE_SIDE_MISMATCH,
            )
        return chain.side

    def _build(
        self, leaf: x509.Certificate, intermediates: Sequence[x509.Certificate], at: datetime
    ) -> _Chain:
        for side, anchors in self.anchors.items():
            verifier = (
                xv.PolicyBuilder()
                .store(xv.Store(list(anchors)))
                .time(at)
                .extension_policies(ca_policy=xv.ExtensionPolicy.webpki_defaults_ca(), ee_policy=_ee_policy())
                .build_client_verifier()
            )
            try:
                verified = verifier.verify(leaf, list(intermediates))
            except xv.VerificationError:
                continue
            _check_country(leaf, side)
            return _Chain(
                side,
                max(c.not_valid_before_utc for c in verified.chain),
                min(c.not_valid_after_utc for c in verified.chain),
            )
        raise CertificateError(
            f"certificate {leaf.subject.rfc4514_string()!r} does not chain to a trusted side CA",
            reason=Reason.CERTIFICATE_UNTRUSTED,
        )


def _check_usage(leaf: x509.Certificate) -> None:
    """KeyUsage must allow digitalSignature; ExtendedKeyUsage, if present, document signing."""
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is None or not usage.digital_signature:
        raise CertificateError(
            "the certificate's KeyUsage does not allow digitalSignature",
            reason=Reason.CERTIFICATE_USAGE_INVALID,
        )
    try:
        purposes = set(leaf.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value)
    except x509.ExtensionNotFound:
        return
    if not SIGNING_PURPOSES & purposes:
        names = sorted(getattr(oid, "_name", oid.dotted_string) for oid in purposes)
        raise CertificateError(
            f"the certificate is issued for {names} only, not for signing documents (ExtendedKeyUsage)",
            reason=Reason.CERTIFICATE_USAGE_INVALID,
        )


def _check_validity(leaf: x509.Certificate, at: datetime) -> None:
    if at > leaf.not_valid_after_utc:
        raise CertificateError(
            f"certificate expired on {leaf.not_valid_after_utc.isoformat()}",
            reason=Reason.CERTIFICATE_EXPIRED,
        )
    if at < leaf.not_valid_before_utc:
        raise CertificateError(
            f"certificate not valid before {leaf.not_valid_before_utc.isoformat()}",
            reason=Reason.CERTIFICATE_NOT_YET_VALID,
        )


def _check_key(leaf: x509.Certificate) -> None:
    key = leaf.public_key()
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise CertificateError(
                f"RSA key of {key.key_size} bits; at least {MIN_RSA_BITS} required",
                reason=Reason.CERTIFICATE_KEY_WEAK,
            )
    elif not (isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, EC_CURVES)):
        raise CertificateError(
            "only ECDSA (P-256/384/521) and RSA keys are accepted", reason=Reason.CERTIFICATE_KEY_WEAK
        )


def _check_country(leaf: x509.Certificate, side: str) -> None:
    countries = [attr.value for attr in leaf.subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)]
    if countries != [side]:
        raise CertificateError(
            f"certificate subject country {countries} is not the side {side}",
            reason=Reason.CERTIFICATE_SIDE_MISMATCH,
        )
