"""The commands of `bgw`: thin IO around the wire contract."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import UTC, datetime
from pathlib import Path

from lxml import etree

from gateway import pki
from gateway.bench import console as bench_console_module
from gateway.bench import e2e as bench_e2e_module
from gateway.bench import hostile as bench_hostile_module
from gateway.bench import store as bench_store_module
from gateway.bench import sweep as bench_sweep_module
from gateway.bench import wire as bench
from gateway.cli import escalations as escalation_commands
from gateway.cli import treaty_calendar, verify_report
from gateway.errors import GatewayError, InputError, WireError
from gateway.node import logs, treaty
from gateway.node.clock import clock_for
from gateway.node.config import NodeConfig, load_config
from gateway.node.runtime import serve
from gateway.profiles import load_profiles
from gateway.reasons import Reason
from gateway.render import render_form
from gateway.store import Store, journal, quarantine, views
from gateway.wire.codec import Codec
from gateway.wire.contract import Contract, Message
from gateway.wire.envelope import parse_time, signature_of
from gateway.wire.evidence import EVIDENCE_LIMITS
from gateway.wire.parsing import DEFAULT_LIMITS, parse
from gateway.wire.signing import SigningKey
from gateway.wire.signing import sign as sign_envelope
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify as verify_bytes


def read_input(path: Path, cap: int = DEFAULT_LIMITS.max_bytes) -> bytes:
    """Read at most one byte more than *cap*, so an oversize file is refused as such, not loaded."""
    try:
        if str(path) == "-":
            return sys.stdin.buffer.read(cap + 1)
        with path.open("rb") as handle:
            return handle.read(cap + 1)
    except OSError as exc:
        raise InputError(f"{path}: {exc.strerror}") from exc


def write_output(data: bytes, out: Path | None) -> None:
    if out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.buffer.flush()
        return
    try:
        out.write_bytes(data)
    except OSError as exc:
        raise InputError(f"{out}: {exc.strerror}") from exc


def pki_init(args: argparse.Namespace) -> None:
    folder = pki.init_side(args.out, args.side)
    print(f"wrote {folder}/ca.pem, ca.key, node.pem, node.key (side {args.side})")


def validate(args: argparse.Namespace) -> None:
    message = Contract.default().check(parse(read_input(args.file)))
    state = "signed, not verified" if signature_of(message.root) is not None else "unsigned"
    print(f"valid: {message.header.profile} {message.header.type} {message.header.message_id} ({state})")


def sign(args: argparse.Namespace) -> None:
    root = parse(read_input(args.file))
    Contract.default().check(root)
    signed = sign_envelope(root, SigningKey.load(args.key, args.cert))
    write_output(signed, args.out)


def _at(text: str | None) -> datetime:
    if not text:
        return datetime.now(UTC)
    try:
        return parse_time(text)
    except ValueError as exc:
        raise InputError(f"--at {text!r}: {exc}", reason=Reason.USAGE_INVALID) from exc


def verify(args: argparse.Namespace) -> None:
    """Verify a signed notice, receipt, dossier or evidence file; for a dossier or evidence, every
    message it holds as well, and for evidence the log chain it carries."""
    at = _at(args.at)
    trust = TrustStore.from_dir(args.trust)
    data = read_input(args.file, EVIDENCE_LIMITS.max_bytes)
    result = verify_report.report(data, trust, at)
    for line in result.lines:
        print(line)
    failed = result.failed
    if failed:
        raise WireError(
            f"{len(failed)} of {len(result.checked)} documents in the {result.kind} do not verify "
            f"(first: {failed[0].role} {failed[0].message_id}: {failed[0].problem})",
            reason=Reason.DOSSIER_DOCUMENT_INVALID,
        )


def _notice(path: Path, trust: Path | None) -> Message:
    """Read a notice for display: verified when --trust is given, else only what it says, with a note."""
    data = read_input(path)
    contract = Contract.default()
    if trust:
        verified = verify_bytes(data, TrustStore.from_dir(trust), datetime.now(UTC))
        return contract.check(verified.root, verified.header)
    message, signed = contract.unverified(data)
    if signed:  # after the check: a refusal stays the only line on stderr
        print("note: the signature was not checked (give --trust DIR to verify it)", file=sys.stderr)
    return message


def decode(args: argparse.Namespace) -> None:
    message = _notice(args.file, args.trust)
    document = Codec(Contract.default().profiles).to_json(message.root)
    print(json.dumps(document, ensure_ascii=False, indent=2))


def encode(args: argparse.Namespace) -> None:
    try:
        data = json.loads(read_input(args.file))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{args.file}: not JSON: {exc}", reason=Reason.JSON_INVALID) from exc
    contract = Contract.default()
    root = Codec(contract.profiles).to_xml(data)
    contract.check(root)
    write_output(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True), args.out)


def render(args: argparse.Namespace) -> None:
    print(render_form(_notice(args.file, args.trust), args.lang), end="")


def _node_config(path: Path) -> NodeConfig:
    return load_config(path, load_profiles())


def run_node(args: argparse.Namespace) -> None:
    logs.setup()
    serve(_node_config(args.config), load_profiles())


def calendar(args: argparse.Namespace) -> None:
    config = _node_config(args.config)
    now = parse_time(args.at) if args.at else clock_for(config.clock_shift_file)()
    profiles = load_profiles()
    store = Store.open(config.database_url.value)
    try:
        recorded = store.read(treaty.recorded_per_link, config.links, profiles)
    finally:
        store.close()
    calendars = treaty.link_calendars(config.links, profiles, recorded, config.side, now)
    if args.json:
        print(treaty_calendar.as_json(calendars, now))
    else:
        treaty_calendar.as_text(calendars, print)


def status(args: argparse.Namespace) -> None:
    config = _node_config(args.config)
    store = Store.open(config.database_url.value)
    try:
        counts = store.read(views.counts)
        quarantined = store.read(quarantine.count)
    finally:
        store.close()
    print(f"node {config.side} ({config.unit}), database {config.database_url}")
    for link in config.links:
        print(f"link {link.name}")
        for direction, title in (
            ("out", "notices sent to"),
            ("in", "notices received from"),
            ("receipts", "receipts sent to"),
        ):
            states = counts.get((link.peer, link.profile, direction), {})
            shown = ", ".join(f"{state} {count}" for state, count in sorted(states.items())) or "nothing yet"
            print(f"  {title} {link.peer}: {shown}")
    print(f"quarantined: {quarantined}")


def escalations(args: argparse.Namespace) -> None:
    escalation_commands.run(args, _node_config(args.config))


def log_verify(args: argparse.Namespace) -> None:
    config = _node_config(args.config)
    store = Store.open(config.database_url.value)
    try:
        entries, broken = store.read(journal.verify)
    finally:
        store.close()
    if broken is not None:
        seq, why = broken
        raise GatewayError(
            f"log entry {seq} is broken ({why}); {entries} entries read", reason=Reason.LOG_CHAIN_BROKEN
        )
    print(f"log intact: {entries} entries, hash chain verified")


def bench_e2e(args: argparse.Namespace) -> None:
    bench_e2e_module.run(count=args.n, as_json=args.json)


def bench_sweep(args: argparse.Namespace) -> None:
    if args.due < 0 or args.open < max(args.due, 1):
        raise GatewayError("--open must be at least 1 and at least --due", reason=Reason.USAGE_INVALID)
    bench_sweep_module.run(open_count=args.open, due=args.due, db=args.db, as_json=args.json)


def bench_store(args: argparse.Namespace) -> None:
    if args.n < 1 or args.rounds < 1:
        raise GatewayError("-n and --rounds must be at least 1", reason=Reason.USAGE_INVALID)
    bench_store_module.run(count=args.n, db=args.db, rounds=args.rounds, as_json=args.json)


def bench_console(args: argparse.Namespace) -> None:
    if args.rows < 1:
        raise GatewayError("--rows must be at least 1", reason=Reason.USAGE_INVALID)
    bench_console_module.run(rows=args.rows, db=args.db, as_json=args.json)


def bench_hostile(args: argparse.Namespace) -> None:
    bench_hostile_module.run(as_json=args.json)


def bench_fuzz(args: argparse.Namespace) -> None:
    if args.seconds <= 0:
        raise GatewayError("--seconds must be more than 0", reason=Reason.USAGE_INVALID)
    bench_hostile_module.fuzz(args.seconds)


def bench_wire(args: argparse.Namespace) -> None:
    bench.run(iterations=args.n, as_json=args.json)
