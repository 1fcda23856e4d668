"""Every sample validates, signs, verifies (with the gateway and with xmlsec1) and round-trips
XML → JSON → XML to the same canonical form."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest

from gateway.wire.codec import Codec, canonical_form
from gateway.wire.contract import Contract
from gateway.wire.envelope import read_header
from gateway.wire.parsing import parse
from gateway.wire.signing import SigningKey
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify
from tests.conftest import SAMPLES, sign_sample

IDS = [f"{p.parent.name}/{p.stem}" for p in SAMPLES]


def test_there_are_samples_for_both_profiles() -> None:
    assert {p.parent.name for p in SAMPLES} == {"kz-uz-border-2024", "kz-az-environment-1997"}


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_sample_validates(sample: Path, contract: Contract) -> None:
    message = contract.check(parse(sample.read_bytes()))
    assert message.header.type == sample.stem
    assert message.header.profile == sample.parent.name


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_sample_signs_and_verifies(
    sample: Path,
    signers: Mapping[str, SigningKey],
    trust: TrustStore,
    contract: Contract,
    pki_dir: Path,
    tmp_path: Path,
) -> None:
    signed = sign_sample(sample, signers)
    # A sample is dated where its story happens, maybe ahead of today: verify it as of then, since
    # a Created beyond the receiver's clock (plus skew) is refused.
    written = read_header(parse(sample.read_bytes())).created
    verified = verify(signed, trust, max(datetime.now(UTC), written))
    contract.check(verified.root, verified.header)
    assert canonical_form(verified.root) == canonical_form(parse(sample.read_bytes()))
    signed_file = tmp_path / "signed.xml"
    signed_file.write_bytes(signed)
    ca = pki_dir / verified.side / "ca.pem"
    result = subprocess.run(
        ["xmlsec1", "--verify", "--enabled-key-data", "x509", "--trusted-pem", str(ca), str(signed_file)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_sample_round_trips_through_json(sample: Path, contract: Contract) -> None:
    codec = Codec(contract.profiles)
    original = parse(sample.read_bytes())
    document = json.loads(json.dumps(codec.to_json(original), ensure_ascii=False))
    rebuilt = codec.to_xml(document)
    contract.check(rebuilt)
    assert canonical_form(rebuilt) == canonical_form(original)


def test_receipt_sample_validates_signs_and_verifies(
    signers: Mapping[str, SigningKey], trust: TrustStore, contract: Contract
) -> None:
    receipt = SAMPLES[0].parent.parent / "receipt.xml"
    message = contract.check(parse(receipt.read_bytes()))
    assert message.type is None and message.header.sender.side == "UZ"
    verified = verify(sign_sample(receipt, signers), trust, datetime.now(UTC))
    contract.check(verified.root, verified.header)
    assert verified.side == "UZ"


@pytest.mark.parametrize("sample", SAMPLES, ids=IDS)
def test_sample_respects_its_lead_time(sample: Path, contract: Contract) -> None:
    """A sample is documentation: it must show a notice sent in time, not a late one."""
    from gateway.rules.fields import field_values
    from gateway.rules.lead import required_lead
    from gateway.wire.envelope import parse_time

    message = contract.check(parse(sample.read_bytes()))
    assert message.type is not None and message.body is not None
    lead = required_lead(message.type)
    if lead is None:
        return
    for value in field_values(message.body, lead.field):
        assert lead.span.after(message.header.created) <= parse_time(value), lead.field
