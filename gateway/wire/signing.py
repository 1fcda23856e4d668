"""Enveloped XML-DSig signing of a whole envelope: one reference (URI ""), exclusive c14n,
ECDSA P-256/SHA-256 by default (RSA-SHA256 for RSA keys), the signer's certificate in KeyInfo.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from lxml import etree

from gateway.errors import InputError
from gateway.pki import PrivateKey
from gateway.reasons import Reason
from gateway.wire import dsig
from gateway.wire.envelope import SIGNED_DOCUMENTS, signature_of


@dataclass(frozen=True)
class SigningKey:
    """A node's private key and its certificate chain (leaf first)."""

    key: PrivateKey
    chain: tuple[x509.Certificate, ...]

    def __repr__(self) -> str:
        return f"SigningKey(subject={self.chain[0].subject.rfc4514_string()!r}, key=<hidden>)"

    @classmethod
    def load(cls, key_file: Path, cert_file: Path) -> SigningKey:
        try:
            key = serialization.load_pem_private_key(key_file.read_bytes(), password=None)
        except (OSError, ValueError, TypeError) as exc:
            raise InputError(
                f"{key_file}: not an unencrypted PEM private key", reason=Reason.KEY_INVALID
            ) from exc
        try:
            chain = tuple(x509.load_pem_x509_certificates(cert_file.read_bytes()))
        except (OSError, ValueError) as exc:
            raise InputError(f"{cert_file}: not a PEM certificate file", reason=Reason.KEY_INVALID) from exc
        if not isinstance(key, ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey):
            raise InputError(f"{key_file}: only ECDSA and RSA keys can sign", reason=Reason.KEY_INVALID)
        if _spki(key.public_key()) != _spki(chain[0].public_key()):
            raise InputError(
                f"{cert_file}: the first certificate does not belong to {key_file}", reason=Reason.KEY_INVALID
            )
        return cls(key, chain)


def _spki(public: object) -> bytes:
    encode = getattr(public, "public_bytes", None)
    if encode is None:
        return b""
    return bytes(encode(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo))


def sign(root: etree._Element, signer: SigningKey) -> bytes:
    """Sign the envelope *root* (unsigned) and return the signed document as UTF-8 bytes."""
    if root.tag not in SIGNED_DOCUMENTS:
        raise InputError(
            f"only a Notification, Receipt, Dossier or Evidence can be signed, not {root.tag}",
            reason=Reason.ENVELOPE_UNKNOWN,
        )
    if signature_of(root) is not None:
        raise InputError("the document is already signed", reason=Reason.SIGNATURE_MULTIPLE)
    signed = copy.deepcopy(root)
    dsig.append_signature(signed, signer.key, signer.chain)
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))
