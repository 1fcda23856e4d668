"""The `bgw` command as a user runs it: exit codes, one-line coded errors, never a traceback."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from gateway import paths
from gateway.wire.codec import canonical_form
from gateway.wire.parsing import parse

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "crossing-restriction.xml"


def bgw(*args: str | Path, stdin: bytes | None = None) -> subprocess.CompletedProcess[bytes]:
    return subprocess.run(
        [sys.executable, "-m", "gateway.cli.main", *map(str, args)],
        capture_output=True,
        input=stdin,
        check=False,
        cwd=paths.ROOT,
    )


def assert_refused(result: subprocess.CompletedProcess[bytes], code: str) -> None:
    stderr = result.stderr.decode()
    assert result.returncode != 0
    assert "Traceback" not in stderr
    assert len(stderr.strip().splitlines()) == 1, stderr
    assert stderr.startswith(f"error {code}: "), stderr


@pytest.fixture(scope="module")
def cli_pki(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("cli-pki")
    for side in ("KZ", "UZ"):
        result = bgw("pki", "init", "--side", side, "--out", folder)
        assert result.returncode == 0, result.stderr
    return folder


def sign_as_kz(cli_pki: Path, tmp_path: Path) -> Path:
    signed = tmp_path / "signed.xml"
    key, cert = cli_pki / "KZ" / "node.key", cli_pki / "KZ" / "node.pem"
    result = bgw("sign", SAMPLE, "--key", key, "--cert", cert, "--out", signed)
    assert result.returncode == 0, result.stderr
    return signed


def test_pki_init_writes_the_four_files(cli_pki: Path) -> None:
    for side in ("KZ", "UZ"):
        assert sorted(p.name for p in (cli_pki / side).iterdir()) == [
            "ca.key",
            "ca.pem",
            "node.key",
            "node.pem",
        ]
        assert (cli_pki / side / "node.key").stat().st_mode & 0o077 == 0


def test_pki_init_never_overwrites_keys(cli_pki: Path) -> None:
    assert_refused(bgw("pki", "init", "--side", "KZ", "--out", cli_pki), "input-unreadable")


def test_validate_sign_verify(cli_pki: Path, tmp_path: Path) -> None:
    assert bgw("validate", SAMPLE).stdout.startswith(b"valid: kz-uz-border-2024 crossing-restriction")
    signed = sign_as_kz(cli_pki, tmp_path)
    result = bgw("verify", signed, "--trust", cli_pki)
    assert result.returncode == 0, result.stderr
    assert b"signed by side KZ" in result.stdout


def test_sign_writes_to_standard_output_by_default(cli_pki: Path) -> None:
    result = bgw("sign", SAMPLE, "--key", cli_pki / "KZ" / "node.key", "--cert", cli_pki / "KZ" / "node.pem")
    assert result.returncode == 0
    assert result.stdout.startswith(b"<?xml") and b"ds:Signature" in result.stdout


def test_verify_refuses_a_signer_whose_side_is_not_trusted(cli_pki: Path, tmp_path: Path) -> None:
    signed = sign_as_kz(cli_pki, tmp_path)
    only_uz = tmp_path / "trust"
    (only_uz / "UZ").mkdir(parents=True)
    (only_uz / "UZ" / "ca.pem").write_bytes((cli_pki / "UZ" / "ca.pem").read_bytes())
    assert_refused(bgw("verify", signed, "--trust", only_uz), "certificate-untrusted")


def test_sign_refuses_a_key_that_does_not_match_the_certificate(cli_pki: Path) -> None:
    assert_refused(
        bgw("sign", SAMPLE, "--key", cli_pki / "UZ" / "node.key", "--cert", cli_pki / "KZ" / "node.pem"),
        "key-invalid",
    )


def test_decode_then_encode_gives_the_same_notice(tmp_path: Path) -> None:
    decoded = bgw("decode", SAMPLE)
    assert decoded.returncode == 0, decoded.stderr
    document = json.loads(decoded.stdout)
    assert document["type"] == "crossing-restriction" and document["sender"]["side"] == "KZ"
    encoded = bgw("encode", "-", stdin=decoded.stdout)
    assert encoded.returncode == 0, encoded.stderr
    assert canonical_form(parse(encoded.stdout)) == canonical_form(parse(SAMPLE.read_bytes()))


def test_encode_names_the_field_and_the_rule() -> None:
    document = json.loads(bgw("decode", SAMPLE).stdout)
    document["body"]["Measure"] = "close-everything"
    result = bgw("encode", "-", stdin=json.dumps(document).encode())
    assert_refused(result, "schema-invalid")
    assert b"Measure" in result.stderr


def test_encode_refuses_json_that_is_not_json() -> None:
    assert_refused(bgw("encode", "-", stdin=b"{not json"), "json-invalid")


def test_encode_refuses_an_unknown_type() -> None:
    document = json.loads(bgw("decode", SAMPLE).stdout)
    document["type"] = "ultimatum"
    assert_refused(bgw("encode", "-", stdin=json.dumps(document).encode()), "type-unknown")


@pytest.mark.parametrize("lang", ["ru", "kk", "uz", "az", "en"])
def test_render_shows_the_article_and_whether_the_treaty_fixes_each_deadline(lang: str) -> None:
    result = bgw("render", SAMPLE, "--lang", lang)
    assert result.returncode == 0, result.stderr
    text = result.stdout.decode()
    assert "11(3)2" in text
    fixed = {
        "ru": "установлено Соглашением",
        "kk": "Келісіммен белгіленген",
        "uz": "Bitim bilan belgilangan",
        "az": "Sazişlə müəyyən edilib",
        "en": "fixed by the agreement",
    }
    ours = {
        "ru": "значение шлюза по умолчанию",
        "kk": "шлюздің әдепкі мәні",
        "uz": "shlyuzning standart qiymati",
        "az": "şlüzün standart dəyəri",
        "en": "gateway default",
    }
    assert fixed[lang] in text  # the 24 h lead
    assert ours[lang] in text  # the receipt time


def test_missing_file() -> None:
    assert_refused(bgw("validate", "/nonexistent/notice.xml"), "input-unreadable")


def test_usage_error_is_one_line() -> None:
    assert_refused(bgw("sign", SAMPLE), "usage-invalid")


def test_hostile_file_gets_its_code(tmp_path: Path) -> None:
    hostile = tmp_path / "xxe.xml"
    hostile.write_bytes(
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]><x>&e;</x>'
    )
    assert_refused(bgw("validate", hostile), "xml-external-entity")


def test_bench_wire_prints_one_json_object() -> None:
    result = bgw("bench", "wire", "--json", "-n", "20")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert {"sign_ms", "verify_ms", "raw_ms", "ratio"} <= set(figures)
    assert figures["raw_ms"] > 0


def test_bench_e2e_prints_one_json_object_with_where_the_cpu_went() -> None:
    """Two real nodes on the local broker, a few notices: the figures the issue names, and the CPU
    per notice of each process (both nodes and the broker run here)."""
    result = bgw("bench", "e2e", "-n", "20", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert {"notices_per_s", "p50_ms", "p99_ms", "raw_msgs_per_s", "ratio", "peak_rss_mb"} <= set(figures)
    assert figures["notices_per_s"] > 0 and figures["raw_msgs_per_s"] > 0
    assert set(figures["peak_rss_mb"]) == {"KZ", "UZ"}
    assert {"KZ", "UZ", "broker", "bench client"} <= set(figures["cpu_ms_per_notice"])
    cpu = figures["cpu_ms_per_notice"]  # the client's share of 20 notices may be under one clock tick
    assert all(cpu[name] > 0 for name in ("KZ", "UZ", "broker")), figures


def test_bench_store_prints_the_store_and_its_raw_baseline_for_both_databases() -> None:
    """The sender's and receiver's writes on SQLite and PostgreSQL, each next to the same statements
    replayed on the bare driver (the replay writes the same rows: it fails if they differ)."""
    result = bgw("bench", "store", "-n", "64", "--rounds", "1", "--json")
    assert result.returncode == 0, result.stderr
    lines = [json.loads(line) for line in result.stdout.decode().splitlines()]
    assert [line["db"] for line in lines] == ["sqlite", "postgresql"]
    for line in lines:
        for role in ("sender", "receiver"):
            figures = line[role]
            assert figures["store_ms"] > 0 and figures["raw_ms"] > 0, line
            assert figures["ratio"] > 0


def test_encode_names_a_missing_field() -> None:
    document = json.loads(bgw("decode", SAMPLE).stdout)
    del document["body"]["Measure"]
    result = bgw("encode", "-", stdin=json.dumps(document).encode())
    assert_refused(result, "schema-invalid")
    assert b"CrossingRestriction" in result.stderr and b"Measure" in result.stderr


def test_encode_names_an_unknown_json_key() -> None:
    document = json.loads(bgw("decode", SAMPLE).stdout)
    document["body"]["Bogus"] = "x"
    result = bgw("encode", "-", stdin=json.dumps(document).encode())
    assert_refused(result, "schema-invalid")
    assert b"Bogus" in result.stderr


def test_decode_and_render_a_signed_notice(cli_pki: Path, tmp_path: Path) -> None:
    signed = sign_as_kz(cli_pki, tmp_path)
    verified = bgw("decode", signed, "--trust", cli_pki)
    assert verified.returncode == 0 and verified.stderr == b""
    assert json.loads(verified.stdout)["type"] == "crossing-restriction"
    unverified = bgw("render", signed, "--lang", "en")
    assert unverified.returncode == 0
    assert b"signature was not checked" in unverified.stderr
    tampered = tmp_path / "tampered.xml"
    tampered.write_bytes(signed.read_bytes().replace(b"<Measure>stop", b"<Measure>restrict"))
    assert_refused(bgw("render", tampered, "--trust", cli_pki), "signature-digest-mismatch")


def test_bench_hostile_prints_one_json_object() -> None:
    """The figures of issue 12: the slowest refusal of the hostile corpus and of the class-1 shapes,
    next to verifying a valid 1 MiB notice (a benchmark: the figures are printed, not asserted)."""
    result = bgw("bench", "hostile", "--json")
    assert result.returncode == 0, result.stderr
    figures = json.loads(result.stdout)
    assert {"verify_valid_1mib_ms", "slowest_corpus_refusal_ms", "slowest_shape_refusal_ms", "shapes"} <= set(
        figures
    )
    assert figures["corpus_inputs"] >= 80 and figures["valid_1mib_bytes"] > 900_000
