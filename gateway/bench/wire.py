"""`bgw bench wire`: the wire contract's cost next to the raw signature primitive.

For a typical notice (the crossing-restriction sample), in one run and interleaved round by round:
the median time to parse + validate + sign its bytes, the median time to verify + validate the
signed bytes, and the median time of cryptography's raw ECDSA P-256 sign + verify of the same bytes. The ratio
(sign + verify) / raw is the overhead of XML, canonicalization, schema and certificate checks.
"""

from __future__ import annotations

import gc
import json
import statistics
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import MappingProxyType

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from gateway import paths, pki
from gateway.wire.contract import Contract
from gateway.wire.parsing import parse
from gateway.wire.signing import SigningKey, sign
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "crossing-restriction.xml"
TARGET_RATIO = 10.0


def _medians_ms(work: dict[str, Callable[[], object]], iterations: int) -> dict[str, float]:
    """Median time of each piece of work, interleaved round by round so that all of them see the
    same machine (frequency, other load); garbage collection is paused while timing, as timeit does."""
    for _ in range(max(10, iterations // 20)):
        for job in work.values():
            job()
    samples: dict[str, list[int]] = {name: [] for name in work}
    gc.collect()
    gc.disable()
    try:
        for _ in range(iterations):
            for name, job in work.items():
                start = time.perf_counter_ns()
                job()
                samples[name].append(time.perf_counter_ns() - start)
    finally:
        gc.enable()
    return {name: statistics.median(values) / 1e6 for name, values in samples.items()}


def measure(iterations: int) -> dict[str, float | int | str]:
    contract = Contract.default()
    ca = pki.make_ca("KZ")
    node = pki.make_node(ca, "KZ")
    signer = SigningKey(node.key, (node.certificate,))
    trust = TrustStore(MappingProxyType({"KZ": (ca.certificate,)}))
    data = SAMPLE.read_bytes()
    signed = sign(parse(data), signer)
    now = datetime.now(UTC)

    def sign_path() -> bytes:
        root = parse(data)
        contract.check(root)
        return sign(root, signer)

    def verify_path() -> object:
        verified = verify(signed, trust, now)
        return contract.check(verified.root, verified.header)

    key = node.key
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    public = key.public_key()

    def raw_path() -> None:
        public.verify(key.sign(data, ec.ECDSA(hashes.SHA256())), data, ec.ECDSA(hashes.SHA256()))

    medians = _medians_ms({"sign": sign_path, "verify": verify_path, "raw": raw_path}, iterations)
    sign_ms, verify_ms, raw_ms = medians["sign"], medians["verify"], medians["raw"]
    return {
        "sample": SAMPLE.name,
        "bytes": len(data),
        "iterations": iterations,
        "sign_ms": round(sign_ms, 4),
        "verify_ms": round(verify_ms, 4),
        "raw_ms": round(raw_ms, 4),
        "ratio": round((sign_ms + verify_ms) / raw_ms, 2),
    }


def run(iterations: int, as_json: bool) -> None:
    result = measure(iterations)
    if as_json:
        print(json.dumps(result))
        return
    ratio = float(result["ratio"])
    verdict = "within" if ratio <= TARGET_RATIO else "OVER"
    print(f"wire benchmark: {result['sample']} ({result['bytes']} bytes), median of {iterations} runs")
    print(f"  parse + validate + sign   {result['sign_ms']:>9} ms")
    print(f"  verify + validate         {result['verify_ms']:>9} ms")
    print(f"  raw ECDSA P-256 sign+verify {result['raw_ms']:>7} ms   (cryptography, same bytes)")
    print(f"  ratio (sign+verify)/raw   {ratio:>9}    target ≤ {TARGET_RATIO:g}: {verdict}")
