"""Side certificate authorities and node certificates in the gateway's strict X.509 profile.

A side CA: BasicConstraints CA (path length 0), KeyUsage keyCertSign + cRLSign, subject and
authority key identifiers, the side's ISO code as subject country. A node certificate:
BasicConstraints not a CA, KeyUsage digitalSignature + nonRepudiation, both key identifiers, the
side's ISO code as subject country. ECDSA P-256 by default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import NameOID

from gateway.errors import InputError
from gateway.reasons import Reason

PrivateKey = ec.EllipticCurvePrivateKey | rsa.RSAPrivateKey
ORGANISATION = "Bilateral notification gateway"
CA_DAYS = 3650
NODE_DAYS = 825


@dataclass(frozen=True)
class Issued:
    key: PrivateKey
    certificate: x509.Certificate


def new_key(algorithm: str = "ec") -> PrivateKey:
    if algorithm == "ec":
        return ec.generate_private_key(ec.SECP256R1())
    if algorithm.startswith("rsa"):
        bits = int(algorithm[3:] or 2048)
        return rsa.generate_private_key(public_exponent=65537, key_size=bits)
    raise ValueError(f"unknown key algorithm {algorithm!r}")


_USAGES = (
    "digital_signature",
    "content_commitment",
    "key_encipherment",
    "data_encipherment",
    "key_agreement",
    "key_cert_sign",
    "crl_sign",
    "encipher_only",
    "decipher_only",
)


def _key_usage(*allowed: str) -> x509.KeyUsage:
    return x509.KeyUsage(**{usage: usage in allowed for usage in _USAGES})


def _name(side: str, common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, side),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, ORGANISATION),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _validity(builder: x509.CertificateBuilder, not_before: datetime, days: int) -> x509.CertificateBuilder:
    return builder.not_valid_before(not_before).not_valid_after(not_before + timedelta(days=days))


def make_ca(
    side: str, *, now: datetime | None = None, days: int = CA_DAYS, key: PrivateKey | None = None
) -> Issued:
    """A self-signed side CA."""
    key = key or new_key()
    now = (now or datetime.now(UTC)) - timedelta(minutes=5)
    name = _name(side, f"{side} gateway CA")
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage("key_cert_sign", "crl_sign"), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(public), critical=False)
    )
    return Issued(key, _validity(builder, now, days).sign(key, hashes.SHA256()))


def make_node(
    ca: Issued,
    side: str,
    *,
    now: datetime | None = None,
    days: int = NODE_DAYS,
    key: PrivateKey | None = None,
    common_name: str | None = None,
) -> Issued:
    """A node (signing) certificate issued by the side CA *ca*."""
    key = key or new_key()
    now = (now or datetime.now(UTC)) - timedelta(minutes=5)
    public = key.public_key()
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(side, common_name or f"{side} gateway node"))
        .issuer_name(ca.certificate.subject)
        .public_key(public)
        .serial_number(x509.random_serial_number())
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage("digital_signature", "content_commitment"), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca.key.public_key()), critical=False
        )
    )
    return Issued(key, _validity(builder, now, days).sign(ca.key, hashes.SHA256()))


def key_pem(key: PrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def cert_pem(certificate: x509.Certificate) -> bytes:
    return certificate.public_bytes(serialization.Encoding.PEM)


def _write(path: Path, data: bytes, *, secret: bool) -> None:
    path.write_bytes(data)
    if secret:
        os.chmod(path, 0o600)


def init_side(out: Path, side: str, now: datetime | None = None, node_days: int = NODE_DAYS) -> Path:
    """Write OUT/SIDE/{ca.pem,ca.key,node.pem,node.key}, valid from a few minutes before *now* (the
    present by default), the node's certificate for *node_days*; refuse to overwrite existing keys."""
    if len(side) != 2 or not side.isalpha() or not side.isupper():
        raise InputError(f"--side {side!r}: an ISO 3166 alpha-2 code such as KZ is required")
    folder = out / side
    if (folder / "ca.key").exists() or (folder / "node.key").exists():
        raise InputError(
            f"{folder}: keys already exist; remove them first to issue new ones",
            reason=Reason.INPUT_UNREADABLE,
        )
    folder.mkdir(parents=True, exist_ok=True)
    ca = make_ca(side, now=now)
    node = make_node(ca, side, now=now, days=node_days)
    _write(folder / "ca.pem", cert_pem(ca.certificate), secret=False)
    _write(folder / "ca.key", key_pem(ca.key), secret=True)
    _write(folder / "node.pem", cert_pem(node.certificate), secret=False)
    _write(folder / "node.key", key_pem(node.key), secret=True)
    return folder
