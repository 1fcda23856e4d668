"""`bgw bench hostile`: the slowest refusal next to verifying a valid 1 MiB notice, in the same run.

Two sets of inputs are refused, each through what a receiving node runs (verify, then the wire
contract): the whole hostile corpus of the test suite (tests/hostile: both rounds, built afresh
with a new PKI), and the worst-case shapes of class 1 of issue 12 — inputs of 1 MiB that stay just
inside every limit (or cross one as late as possible), so that the most work is done before they
are refused. The baseline is the median time to verify a valid notice of 1 MiB (a joint inspection
protocol with 1,000 findings), measured interleaved with them. Target: no refusal slower.

`bgw bench fuzz --seconds N` runs the fuzzer of the test suite (tests/hostile/test_fuzz.py) with
new seeds until N seconds have passed. Both need the source tree (the corpus lives in the tests).
"""

from __future__ import annotations

import importlib
import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType

from lxml import etree

from gateway import paths
from gateway.errors import GatewayError, WireError
from gateway.wire.contract import Contract
from gateway.wire.envelope import ENV_NS
from gateway.wire.parsing import DEFAULT_LIMITS, parse
from gateway.wire.signing import SigningKey, sign
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify

ROUNDS = 5
JOINT_INSPECTION = paths.SAMPLES / "kz-uz-border-2024" / "joint-inspection-protocol.xml"
_P = "{urn:bgw:profile:kz-uz-border-2024:1}"


def _tests(module: str) -> ModuleType:
    """A module of the test suite (the hostile corpus), from the source tree this package runs in."""
    if str(paths.ROOT) not in sys.path:
        sys.path.insert(0, str(paths.ROOT))
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        raise GatewayError(f"{module}: the hostile corpus needs the source tree with tests/ ({exc})") from exc


def valid_notice(signer: SigningKey, size: int = DEFAULT_LIMITS.max_bytes) -> bytes:
    """A valid signed joint inspection protocol just under *size* bytes: 1,000 marker findings whose
    defects are described at length (what a long survey of a section of the line looks like)."""
    root = parse(JOINT_INSPECTION.read_bytes())
    findings = root.find(f"{{{ENV_NS}}}Body/{_P}JointInspectionProtocol/{_P}MarkerFindings")
    assert findings is not None
    model = findings[0]
    for child in list(findings):
        findings.remove(child)
    for number in range(1000):
        finding = etree.SubElement(findings, f"{_P}MarkerFinding")
        for child in model:
            etree.SubElement(finding, child.tag).text = child.text
        finding[0].text = str(1 + number)
        etree.SubElement(finding, f"{_P}Defects").text = ""
    base = len(sign(root, signer))
    words = "облупилась краска на столбе, надпись читается; "
    length = min(500, (size - base) // (2 * 1000))  # Cyrillic: two bytes a character
    for finding in findings:
        finding[-1].text = (words * 12)[:length].strip()
    signed = sign(root, signer)
    assert len(signed) <= size, len(signed)
    return signed


def _with_signed_info(signed: bytes, inside: bytes) -> bytes:
    return signed.replace(b"<ds:SignedInfo>", b"<ds:SignedInfo>" + inside, 1)


def _filled(signed: bytes, unit: Callable[[int], bytes], most: int, room: int = 2048) -> bytes:
    """*signed* with as many *unit*s (up to *most*) as fit in 1 MiB, inside the header."""
    budget = DEFAULT_LIMITS.max_bytes - len(signed) - room
    parts, used = [], 0
    for number in range(most):
        piece = unit(number)
        if used + len(piece) > budget:
            break
        parts.append(piece)
        used += len(piece)
    return signed.replace(b"</Header>", b"<x>" + b"".join(parts) + b"</x></Header>", 1)


def worst_shapes(signed: bytes) -> dict[str, bytes]:
    """Class-1 inputs of (about) 1 MiB that do the most work before their refusal."""
    limits = DEFAULT_LIMITS
    wrong_value = signed.replace(b"<ds:SignatureValue>", b"<ds:SignatureValue>AAAA", 1)
    per = limits.max_attributes_per_element
    return {
        "elements at the cap, signature wrong": _filled(
            wrong_value, lambda n: b"<a/>", limits.max_elements - 100
        ),
        "attributes at the cap, signature wrong": _filled(
            wrong_value,
            lambda n: b"<a " + b" ".join(b'a%d="%d"' % (i, n) for i in range(per)) + b"/>",
            (limits.max_attributes - 100) // per,
        ),
        "every cap nearly reached in 1 MiB, signature wrong": _filled(
            wrong_value, lambda n: b'<a b="%d">' % n + b"x" * 36 + b"</a>", limits.max_elements - 200
        ),
        "elements over the cap (refused mid-parse)": _filled(signed, lambda n: b"<a/>", 10**6),
        "attributes over the cap": _filled(signed, lambda n: b'<a b="1" c="2" d="3" e="4"/>', 10**6),
        "one long text, signature wrong": _filled(wrong_value, lambda n: b"x" * 1024, 10**6),
        "Ids at the cap, duplicate last": _filled(
            signed, lambda n: b'<a Id="%d"/>' % min(n, limits.max_ids - 2), limits.max_ids, room=2048
        ).replace(b"<x>", b"<x>" + b"<a/>" * (limits.max_elements - 1000), 1),
        "80,000 Ids, duplicate last (issue 12)": _filled(
            signed,
            lambda n: b"<e " + b" ".join(b'%c:Id="%x"' % (97 + i, n * 16 + i) for i in range(16)) + b"/>",
            10**6,
        ).replace(
            b"<x>", b"<x " + b" ".join(b'xmlns:%c="urn:p:%c"' % (97 + i, 97 + i) for i in range(16)) + b">", 1
        ),
        "SignedInfo at its size cap, signature wrong": _with_signed_info(
            wrong_value, b" " * (limits.max_signed_info_bytes - 900)
        ),
        "SignedInfo with 145,000 attributes (issue 12)": signed.replace(
            b"<ds:SignedInfo>", b"<ds:SignedInfo " + b" ".join(_names(145_000)) + b">", 1
        ),
        "namespace declarations at the cap, deep": _filled(
            wrong_value,
            lambda n: b"<a>" * 40 + b"</a>" * 40,
            limits.max_elements // 41 - 10,
        ).replace(
            b"<x>",
            b"<x "
            + b" ".join(b'xmlns:n%d="urn:n:%d"' % (i, i) for i in range(limits.max_namespaces - 4))
            + b">",
            1,
        ),
    }


def _names(count: int) -> list[bytes]:
    """*count* distinct attribute assignments of seven bytes (three-letter names)."""
    first = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    rest = first + b"0123456789"
    return [bytes((a, b, c)) + b"=''" for a in first for b in rest for c in rest][:count]


def _refusal_ms(data: bytes, trust: TrustStore, contract: Contract, at: datetime) -> float:
    """Milliseconds until *data* is refused; a document that is accepted is a failure of the corpus."""
    start = time.perf_counter()
    try:
        verified = verify(data, trust, at)
        contract.check(verified.root, verified.header)
    except WireError:
        return (time.perf_counter() - start) * 1e3
    raise GatewayError(f"a hostile input was accepted ({len(data)} bytes)")


def measure() -> dict[str, object]:
    kit_module = _tests("tests.hostile.kit")
    corpus_modules = [_tests("tests.hostile.cases"), _tests("tests.hostile.round_two")]
    listener = kit_module.Listener()
    try:
        kit, trust = kit_module.make_kit(listener.port)
        corpus = {build.__name__: build(kit) for module in corpus_modules for build, _ in module.CASES}
    finally:
        listener.close()
    contract = Contract.default()
    shapes = worst_shapes(kit.signed)
    at = datetime.now(UTC)
    valid = valid_notice(kit.kz)
    verify(valid, trust, at)
    timings: dict[str, list[float]] = {name: [] for name in ("valid", *corpus, *shapes)}
    for _ in range(ROUNDS):
        start = time.perf_counter()
        verify(valid, trust, at)
        timings["valid"].append((time.perf_counter() - start) * 1e3)
        for name, data in {**corpus, **shapes}.items():
            timings[name].append(_refusal_ms(data, trust, contract, at))
    medians = {name: statistics.median(values) for name, values in timings.items()}
    slowest_case = max(corpus, key=medians.__getitem__)
    slowest_shape = max(shapes, key=medians.__getitem__)
    return {
        "valid_1mib_bytes": len(valid),
        "verify_valid_1mib_ms": round(medians["valid"], 2),
        "corpus_inputs": len(corpus),
        "slowest_corpus_refusal_ms": round(medians[slowest_case], 2),
        "slowest_corpus_case": slowest_case,
        "shapes": {name: round(medians[name], 2) for name in shapes},
        "slowest_shape_refusal_ms": round(medians[slowest_shape], 2),
        "slowest_shape": slowest_shape,
        "rounds": ROUNDS,
        "within_target": max(medians[slowest_case], medians[slowest_shape]) <= medians["valid"],
    }


def run(as_json: bool) -> None:
    result = measure()
    if as_json:
        print(json.dumps(result, ensure_ascii=False))
        return
    shapes = result["shapes"]
    assert isinstance(shapes, dict)
    rows = [
        (
            f"verify a valid 1 MiB notice ({result['valid_1mib_bytes']} bytes)",
            result["verify_valid_1mib_ms"],
            "",
        ),
        (
            f"slowest refusal, hostile corpus ({result['corpus_inputs']} inputs)",
            result["slowest_corpus_refusal_ms"],
            f"({result['slowest_corpus_case']})",
        ),
        (
            "slowest refusal, class-1 shapes",
            result["slowest_shape_refusal_ms"],
            f"({result['slowest_shape']})",
        ),
        *((f"  {name}", ms, "") for name, ms in shapes.items()),
    ]
    print(f"hostile benchmark: median of {result['rounds']} rounds, interleaved")
    for label, ms, note in rows:
        print(f"  {label:<52} {ms:>9} ms  {note}")
    verdict = "within" if result["within_target"] else "OVER"
    print(f"  target: no refusal slower than verifying the valid 1 MiB notice: {verdict}")


def fuzz(seconds: float) -> None:
    """The test suite's fuzzer, run with new seeds for *seconds*."""
    _tests("tests.hostile.kit")
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/hostile/test_fuzz.py"]
    env = {**os.environ, "BGW_FUZZ_SECONDS": str(seconds)}
    result = subprocess.run(command, cwd=paths.ROOT, env=env, check=False)
    if result.returncode != 0:
        raise GatewayError(f"the fuzzer found a failing input after at most {seconds:g} s (see above)")
