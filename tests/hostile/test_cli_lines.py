"""Class 6 of issue 12 and papercut 2 of issue 16: `bgw` answers every input with exactly one stderr
line `error <code>: <message>` — whoever wrote the message (an attacker's header or attribute,
libxml2, the database driver) — and applies the size limit of what it reads: a wire message's to a
notice, the dossier's to a dossier."""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
from lxml import etree

from gateway.cli.main import main
from gateway.wire.dossier import DOSSIER_TYPE, Case, Document, TimelineEntry, build_dossier
from gateway.wire.envelope import DSIG_NS, Header, Party, read_header
from gateway.wire.parsing import DEFAULT_LIMITS, parse
from gateway.wire.signing import SigningKey, sign
from tests.hostile import forge
from tests.hostile.kit import SAMPLE
from tests.test_cli import assert_refused, bgw

ENV = "{urn:bgw:envelope:1}"


def in_process(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str, str]:
    """`bgw ARGS` run by its own main() in this process (the subprocess tests cover the entry point)."""
    capsys.readouterr()
    code = main([str(arg) for arg in args])
    out, err = capsys.readouterr()
    return code, out, err


def _file(tmp_path: Path, data: bytes, name: str = "input.xml") -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_notice_one_byte_over_the_limit_is_too_large_for_verify(
    signed_notice: bytes, pki_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Padding after the root is whitespace: the same notice at exactly the limit still verifies."""
    at_limit = signed_notice + b"\n" * (DEFAULT_LIMITS.max_bytes - len(signed_notice))
    ok = bgw("verify", _file(tmp_path, at_limit), "--trust", pki_dir)
    assert ok.returncode == 0, ok.stderr
    over = _file(tmp_path, at_limit + b"\n", "over.xml")
    for command in ("verify", "decode", "render", "validate"):
        extra = ("--trust", pki_dir) if command == "verify" else ()
        code, _, stderr = in_process(capsys, command, over, *extra)
        assert code != 0 and stderr.startswith("error xml-too-large: ") and stderr.count("\n") == 1, stderr


def test_a_two_mib_file_is_too_large_not_malformed(
    signed_notice: bytes, pki_dir: Path, tmp_path: Path
) -> None:
    big = _file(tmp_path, signed_notice.replace(b"</Unit>", b"x" * (2 << 20) + b"</Unit>", 1))
    for command in ("verify", "decode"):
        extra = ("--trust", pki_dir) if command == "verify" else ()
        assert_refused(bgw(command, big, *extra), "xml-too-large")


def test_a_dossier_over_one_mib_verifies(
    signed_notice: bytes, signers: Mapping[str, SigningKey], pki_dir: Path, tmp_path: Path
) -> None:
    header = read_header(parse(signed_notice))
    at = datetime(2026, 12, 1, 6, 0, tzinfo=UTC)
    case = Case(
        "reply", "", "UZ", "joint-meeting-reply", "40(1)", "text", "48 hours (text)", at, "diplomatic", at
    )
    timeline = [
        TimelineEntry(1, at, "note", header.message_id, "ж" * (DEFAULT_LIMITS.max_bytes // 2), "a" * 64)
    ]
    dossier_header = Header(
        str(uuid.uuid4()), header.profile, DOSSIER_TYPE, Party("KZ", "Node KZ"), Party("UZ", "Node UZ"), at,
        in_reply_to=header.message_id,
    )  # fmt: skip
    root = build_dossier(
        dossier_header, case, [Document("notice", header.message_id, signed_notice)], timeline
    )
    signed = sign(root, signers["KZ"])
    assert len(signed) > DEFAULT_LIMITS.max_bytes
    result = bgw("verify", _file(tmp_path, signed), "--trust", pki_dir, "--at", "2026-12-01T06:00:00Z")
    assert result.returncode == 0, result.stderr
    assert b"notice" in result.stdout and b"signed by side KZ" in result.stdout


def _claimed_side(signed: bytes, side: str) -> bytes:
    root = etree.fromstring(signed)
    root.find(f"{ENV}Header/{ENV}Sender/{ENV}Side").text = side  # type: ignore[union-attr]
    return etree.tostring(root)


def _algorithm(signed: bytes, algorithm: str) -> bytes:
    root = etree.fromstring(signed)
    method = root.find(f"{{{DSIG_NS}}}Signature/{{{DSIG_NS}}}SignedInfo/{{{DSIG_NS}}}SignatureMethod")
    method.set("Algorithm", algorithm)  # type: ignore[union-attr]
    return etree.tostring(root)


ATTACKS = {
    "claimed side with CR LF": lambda signed: _claimed_side(signed, "KZ\r\nerror forged-code: all is well"),
    "claimed side with NEL and LINE SEPARATOR": lambda signed: _claimed_side(
        signed, "KZ\u0085error x\u2028error y"
    ),
    "algorithm attribute with a line feed": lambda signed: _algorithm(
        signed, f"{forge.ECDSA_SHA1}\nerror forged-code: all is well"
    ),
    "libxml2's message quoting the input": lambda signed: signed.replace(b"</Unit>", b"</Unit\nerror x>", 1),
    "truncated document": lambda signed: signed[: len(signed) // 3],
}


@pytest.mark.parametrize("attack", ATTACKS, ids=list(ATTACKS))
def test_attacker_text_never_makes_a_second_error_line(
    attack: str, signed_notice: bytes, pki_dir: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _file(tmp_path, ATTACKS[attack](signed_notice))
    for command in (("verify", path, "--trust", pki_dir), ("decode", path), ("render", path)):
        code, _, stderr = in_process(capsys, *command)
        if command[0] == "verify":
            assert code != 0
        if code != 0:  # decode and render without --trust do not read the signature
            assert len(stderr.splitlines()) == 1, stderr
            assert stderr.startswith("error ") and "Traceback" not in stderr


def test_a_database_that_does_not_exist_is_one_line(pki_dir: Path, tmp_path: Path) -> None:
    """PostgreSQL's refusal, wrapped by SQLAlchemy with its 'Background on this error' line."""
    missing = f"bgw_missing_{uuid.uuid4().hex[:8]}"
    config = tmp_path / "node.toml"
    config.write_text(
        f"""[node]
side = "KZ"
unit = "Node KZ"
data_dir = "{tmp_path / "data"}"
database_url = "postgresql://bgw:bgw@127.0.0.1:5432/{missing}"
broker_url = "amqp://guest:guest@127.0.0.1:5672/"

[pki]
key = "{pki_dir / "KZ" / "node.key"}"
cert = "{pki_dir / "KZ" / "node.pem"}"
trust = "{pki_dir}"

[[links]]
peer = "UZ"
profile = "kz-uz-border-2024"
peer_unit = "Node UZ"
""",
        encoding="utf-8",
    )
    result = bgw("status", "--config", config)
    assert_refused(result, "config-invalid")
    assert missing in result.stderr.decode()  # the driver's own words, without SQLAlchemy's link line


VALUES = {
    "end of day 24:00:00": (b"<EffectiveUntil>2026-12-25T19:00:00Z", b"<EffectiveUntil>2026-12-25T24:00:00Z"),
    "year 9999": (b"<EffectiveUntil>2026-12-25T19:00:00Z", b"<EffectiveUntil>9999-12-31T23:59:59Z"),
    "free text that looks like a time": (b"<Section>", b"<Section>2026-13-45T99:99Z"),
    "an integer with 5,000 leading zeros": (b"<Size>248913", b"<Size>" + b"0" * 5000 + b"248913"),
}


@pytest.mark.parametrize("case", VALUES, ids=list(VALUES))
def test_schema_valid_values_that_crashed_are_rendered_and_decoded(
    case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old, new = VALUES[case]
    sample = SAMPLE.read_bytes()
    assert old in sample
    path = _file(tmp_path, sample.replace(old, new, 1))
    assert in_process(capsys, "validate", path)[0] == 0
    for lang in ("ru", "kk", "en"):
        code, _, stderr = in_process(capsys, "render", path, "--lang", lang)
        assert code == 0 and stderr == "", stderr
    code, out, stderr = in_process(capsys, "decode", path)
    assert code == 0, stderr
    assert json.loads(out)["body"]["Attachments"]["Attachment"][0]["Size"] == 248913
