"""Fuzzer (issue 12): mutations of the samples and of both hostile rounds, through parse, verify, the
wire contract, decode (XML → JSON) and render, and through `bgw` itself. Every input must end as an
acceptance or a coded refusal (WireError) — never another exception, never a second stderr line,
never an input slower than the time budget (which would end as verification-time-exceeded).

`make test` runs a bounded number of examples (FAST_EXAMPLES, a few seconds). A longer run:
`BGW_FUZZ_SECONDS=600 .venv/bin/pytest -q tests/hostile/test_fuzz.py`, or `bgw bench fuzz --seconds 600`,
which runs the same test with new seeds until the time is up.
"""

from __future__ import annotations

import os
import time
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from gateway.cli.main import EXIT_INTERNAL, main
from gateway.errors import WireError
from gateway.labels import LANGUAGES
from gateway.reasons import Reason
from gateway.render import render_form
from gateway.wire.budget import Budget
from gateway.wire.codec import Codec
from gateway.wire.contract import Contract, Message
from gateway.wire.dsig import remove_enveloped
from gateway.wire.envelope import NOTIFICATION, signature_of
from gateway.wire.parsing import parse
from gateway.wire.signing import SigningKey
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify
from tests.conftest import SAMPLES, sign_sample
from tests.hostile import cases, round_two
from tests.hostile.kit import Kit

FAST_EXAMPLES = 250
BUDGET_S = 2.0  # far above the slowest legitimate input (a valid 1 MiB notice verifies in ~0.1 s)
MAX_SEED = 64 * 1024  # larger hostile cases (the 1 MiB shapes) are left to the benchmark
TOKENS = [
    b"<ds:Object>x</ds:Object>",
    b"<ds:KeyName>KZ</ds:KeyName>",
    b'<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>',
    b' xmlns:r="relative"',
    b' Id="a"',
    b' Type="x"',
    b"24:00:00",
    b"9999-12-31T23:59:59Z",
    b"0001-01-01T00:00:00+14:00",
    b"0" * 64,
    b"&#10;",
    b"&#x85;",
    b"\r\n",
    b"\xe2\x80\xa8",
    b"<!--x-->",
    b"<?pi x?>",
    b"<!DOCTYPE x []>",
    b"<![CDATA[x]]>",
    b"&amp;",
    b"\xff",
    b"</ds:Signature>",
    b"<ds:SignedInfo>",
    b"<?xml version='1.1'?>",
    b"KZ",
    b"UZ",
    b"receipt",
    b"rejected",
    b"sha1",
    b"hmac",
]


@pytest.fixture(scope="module")
def seeds(kit: Kit, signers: Mapping[str, SigningKey]) -> list[bytes]:
    built = [sign_sample(sample, signers) for sample in SAMPLES[::4]]
    built.append(sign_sample(SAMPLES[0].parent.parent / "receipt.xml", signers))
    built += [build(kit) for build, _ in [*cases.CASES, *round_two.CASES]]
    return [data for data in built if len(data) <= MAX_SEED]


def mutate(data: bytes, operations: list[tuple[int, float, float, int]]) -> bytes:
    """Apply (kind, where, how far, token) operations: flip a byte, cut, insert a token, repeat a span."""
    for kind, where, span, token in operations:
        start = int(where * len(data))
        end = min(len(data), start + 1 + int(span * 64))
        if kind == 0 and data:
            index = min(start, len(data) - 1)
            data = data[:index] + bytes([data[index] ^ (1 << (token % 8))]) + data[index + 1 :]
        elif kind == 1:
            data = data[:start] + data[end:]
        elif kind == 2:
            data = data[:start] + TOKENS[token % len(TOKENS)] + data[start:]
        else:
            data = data[:end] + data[start:end] + data[end:]
    return data


OPERATIONS = st.lists(
    st.tuples(st.integers(0, 3), st.floats(0, 1), st.floats(0, 1), st.integers(0, 255)),
    min_size=1,
    max_size=4,
)


def read_as_a_node(data: bytes, trust: TrustStore, contract: Contract) -> Message | None:
    """verify, then the contract (what a receiving node runs); None for a coded refusal."""
    try:
        verified = verify(data, trust, datetime.now(UTC), budget=Budget.of(BUDGET_S))
        return contract.check(verified.root, verified.header)
    except WireError as refusal:
        assert refusal.reason is not Reason.VERIFICATION_TIME_EXCEEDED, refusal.message
        return None


def read_unverified(data: bytes, contract: Contract) -> Message | None:
    """What bgw decode / render do without --trust."""
    try:
        root = parse(data)
        signature = signature_of(root)
        if signature is not None:
            remove_enveloped(root, signature)
        return contract.check(root)
    except WireError:
        return None


def show(message: Message, codec: Codec) -> None:
    """Decode and render an accepted message: coded refusals only."""
    try:
        if message.root.tag == NOTIFICATION:
            codec.to_json(message.root)
        for lang in LANGUAGES:
            render_form(message, lang)
    except WireError:
        pass


def through_bgw(data: bytes, pki_dir: Path, folder: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = folder / "fuzzed.xml"
    path.write_bytes(data)
    for command in (["verify", str(path), "--trust", str(pki_dir)], ["render", str(path)]):
        capsys.readouterr()
        code = main(command)
        err = capsys.readouterr().err
        assert code != EXIT_INTERNAL, err
        assert len(err.splitlines()) <= 1 + (command[0] == "render"), err  # render's note is not an error
        assert code == 0 or (len(err.splitlines()) == 1 and err.startswith("error ")), err


def test_fuzz_parse_verify_decode_render(
    seeds: list[bytes],
    trust: TrustStore,
    contract: Contract,
    pki_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    codec = Codec(contract.profiles)

    @settings(
        max_examples=FAST_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.function_scoped_fixture,
        ],
    )
    @given(st.integers(0, len(seeds) - 1), OPERATIONS, st.integers(0, 9))
    def one(index: int, operations: list[tuple[int, float, float, int]], cli: int) -> None:
        data = mutate(seeds[index], operations)
        for message in (read_as_a_node(data, trust, contract), read_unverified(data, contract)):
            if message is not None:
                show(message, codec)
        if cli == 0:
            through_bgw(data, pki_dir, tmp_path, capsys)

    seconds = float(os.environ.get("BGW_FUZZ_SECONDS", "0"))
    stop = time.monotonic() + seconds
    run = 0
    while True:
        seed(run)(one)()
        run += 1
        if time.monotonic() >= stop:
            break
