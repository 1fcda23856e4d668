"""Hostile input: every case must be refused with its own reason code, never crash, never connect.

Each case builds its bytes from a genuine KZ notice (the crossing restriction sample) and the test
PKI, then pushes them through what a receiving node runs: verify, then the wire contract.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lxml import etree

from gateway.errors import WireError
from gateway.reasons import Reason
from gateway.wire.contract import Contract
from gateway.wire.trust import TrustStore
from tests.hostile import round_two
from tests.hostile.cases import CASES, comment_in_signed_text
from tests.hostile.conftest import receive
from tests.hostile.kit import ENV_NS, SAMPLE, Kit, Listener, sig

# tests/node/test_inbound.py pushes this suite through a running node and imports it from here.
__all__ = ["BOTH_ROUNDS", "CASES", "SAMPLE", "Kit", "Listener"]


def test_the_genuine_notice_is_accepted(kit: Kit, trust: TrustStore, contract: Contract) -> None:
    receive(kit.signed, trust, contract)


def test_at_least_thirty_cases() -> None:
    assert len(CASES) >= 30


BOTH_ROUNDS = [*CASES, *round_two.CASES]  # the first round and the second (issue 12)


@pytest.mark.parametrize(("build", "expected"), BOTH_ROUNDS, ids=[case.__name__ for case, _ in BOTH_ROUNDS])
def test_hostile_input_is_refused_with_its_code(
    build: Callable[[Kit], bytes],
    expected: Reason,
    kit: Kit,
    trust: TrustStore,
    contract: Contract,
    listener: Listener,
) -> None:
    before = listener.connections
    data = build(kit)
    with pytest.raises(WireError) as refused:
        receive(data, trust, contract)
    assert refused.value.reason is expected, str(refused.value)
    assert listener.connections == before, "the gateway connected to a port named in the input"


def test_comment_cannot_shorten_a_signed_value(kit: Kit, trust: TrustStore) -> None:
    """Even below the comment ban, the verifier's signed tree carries the whole signed value."""
    from gateway.wire import dsig

    root = etree.fromstring(comment_in_signed_text(kit))
    signature = sig(root)
    checked = dsig.check(root, signature, kit.kz.chain[0])
    signed = etree.fromstring(checked.signed_c14n)
    side = signed.find(f"{{{ENV_NS}}}Header/{{{ENV_NS}}}Sender/{{{ENV_NS}}}Side")
    assert side is not None and side.text == "KZ"
