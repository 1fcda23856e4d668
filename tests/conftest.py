"""Shared fixtures: a PKI for KZ, UZ and AZ made once per run, the trust store, the contract."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pytest

from gateway import paths
from gateway.wire.contract import Contract
from gateway.wire.envelope import read_header
from gateway.wire.parsing import parse
from gateway.wire.signing import SigningKey, sign
from gateway.wire.trust import TrustStore
from tests import pki as test_pki

SIDES = ("KZ", "UZ", "AZ")
SAMPLES = sorted(paths.SAMPLES.glob("*/*.xml"))


@pytest.fixture(scope="session")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("pki")
    for side in SIDES:
        test_pki.init_side(folder, side)
    return folder


@pytest.fixture(scope="session")
def trust(pki_dir: Path) -> TrustStore:
    return TrustStore.from_dir(pki_dir)


@pytest.fixture(scope="session")
def signers(pki_dir: Path) -> Mapping[str, SigningKey]:
    return {side: SigningKey.load(pki_dir / side / "node.key", pki_dir / side / "node.pem") for side in SIDES}


@pytest.fixture(scope="session")
def contract() -> Contract:
    return Contract.default()


def sign_sample(path: Path, signers: Mapping[str, SigningKey]) -> bytes:
    """Sign a sample with the node key of the side its header names as sender."""
    root = parse(path.read_bytes())
    return sign(root, signers[read_header(root).sender.side])


@pytest.fixture(scope="session")
def signed_notice(signers: Mapping[str, SigningKey]) -> bytes:
    """A typical signed notice: the KZ crossing restriction."""
    return sign_sample(paths.SAMPLES / "kz-uz-border-2024" / "crossing-restriction.xml", signers)
