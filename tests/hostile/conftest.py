"""Fixtures of the hostile suite: the kit built on the session's PKI, and a local port that records
any connection the gateway would make."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization

from gateway import pki
from gateway.wire.contract import Contract
from gateway.wire.signing import SigningKey
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify
from tests.hostile.kit import SAMPLE, Kit, Listener


@pytest.fixture(scope="session")
def listener() -> Iterator[Listener]:
    port = Listener()
    yield port
    port.close()


@pytest.fixture(scope="session")
def kit(signed_notice: bytes, signers: dict[str, SigningKey], pki_dir: Path, listener: Listener) -> Kit:
    ca_key = serialization.load_pem_private_key((pki_dir / "KZ" / "ca.key").read_bytes(), password=None)
    ca_cert = x509.load_pem_x509_certificate((pki_dir / "KZ" / "ca.pem").read_bytes())
    assert isinstance(ca_key, pki.PrivateKey)
    return Kit(
        signed_notice,
        SAMPLE.read_bytes(),
        signers["KZ"],
        signers["UZ"],
        pki.Issued(ca_key, ca_cert),
        listener.port,
    )


def receive(data: bytes, trust: TrustStore, contract: Contract) -> None:
    """What a receiving node does with bytes from the peer before it reads anything."""
    verified = verify(data, trust, datetime.now(UTC))
    contract.check(verified.root, verified.header)
