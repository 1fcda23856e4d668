"""`bgw`: the gateway's command line. Exit 0 on success; otherwise one line on stderr,
``error <reason-code>: <message>``, and never a traceback (set BGW_DEBUG=1 to see one)."""

from __future__ import annotations

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from gateway import __version__
from gateway.cli import commands, db, escalations, users
from gateway.cli.output import error_line
from gateway.errors import GatewayError
from gateway.labels import LANGUAGES
from gateway.reasons import Reason

EXIT_REFUSED = 1
EXIT_USAGE = 2
EXIT_INTERNAL = 70


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        error_line(Reason.USAGE_INVALID.value, f"{self.prog}: {message} (see {self.prog} --help)")
        sys.exit(EXIT_USAGE)


def _build() -> argparse.ArgumentParser:
    parser = _Parser(prog="bgw", description="Bilateral notification gateway")
    parser.add_argument("--version", action="version", version=f"bgw {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    _wire_commands(sub)
    _node_commands(sub)
    _bench_commands(sub)
    return parser


def _wire_commands(sub: argparse._SubParsersAction[_Parser]) -> None:
    pki = sub.add_parser("pki", help="side CAs and node certificates")
    pki_sub = pki.add_subparsers(dest="pki_command", required=True, parser_class=_Parser)
    init = pki_sub.add_parser("init", help="write DIR/SIDE/{ca,node}.{pem,key}")
    init.add_argument("--side", required=True, help="ISO code of the side, e.g. KZ")
    init.add_argument("--out", required=True, type=Path, help="directory holding one folder per side")
    init.set_defaults(run=commands.pki_init)

    validate = sub.add_parser("validate", help="check a notice against the wire contract")
    validate.add_argument("file", type=Path)
    validate.set_defaults(run=commands.validate)

    sign = sub.add_parser("sign", help="validate and sign a notice (enveloped XML-DSig)")
    sign.add_argument("file", type=Path)
    sign.add_argument("--key", required=True, type=Path, help="PEM private key of the node")
    sign.add_argument("--cert", required=True, type=Path, help="PEM certificate (chain) of the node")
    sign.add_argument("--out", type=Path, help="write here instead of standard output")
    sign.set_defaults(run=commands.sign)

    verify = sub.add_parser("verify", help="verify a signed notice, receipt, dossier or evidence file")
    verify.add_argument("file", type=Path)
    verify.add_argument("--trust", required=True, type=Path, help="directory with SIDE/ca.pem per side")
    verify.add_argument("--at", help="verify as of this UTC time (default: now)")
    verify.set_defaults(run=commands.verify)

    decode = sub.add_parser("decode", help="print a notice as JSON")
    decode.add_argument("file", type=Path)
    decode.add_argument("--trust", type=Path, help="verify first and decode only what was signed")
    decode.set_defaults(run=commands.decode)

    encode = sub.add_parser("encode", help="turn a JSON notice into unsigned, schema-valid XML")
    encode.add_argument("file", type=Path, help="JSON file, or - for standard input")
    encode.add_argument("--out", type=Path, help="write here instead of standard output")
    encode.set_defaults(run=commands.encode)

    render = sub.add_parser("render", help="the notice as a readable form")
    render.add_argument("file", type=Path)
    render.add_argument("--lang", choices=LANGUAGES, default="ru")
    render.add_argument("--trust", type=Path, help="verify first and render only what was signed")
    render.set_defaults(run=commands.render)


def _node_commands(sub: argparse._SubParsersAction[_Parser]) -> None:
    run = sub.add_parser("run", help="run one node (stops cleanly on SIGTERM)")
    run.add_argument("--config", required=True, type=Path, help="node configuration, e.g. config/kz.toml")
    run.set_defaults(run=commands.run_node)

    status = sub.add_parser("status", help="counts by state for each link of a node")
    status.add_argument("--config", required=True, type=Path)
    status.set_defaults(run=commands.status)

    calendar = sub.add_parser("calendar", help="each link's agreement state and treaty calendar")
    calendar.add_argument("--config", required=True, type=Path)
    calendar.add_argument("--at", help="as of this UTC time (default: now)")
    calendar.add_argument("--json", action="store_true", help="print one JSON object")
    calendar.set_defaults(run=commands.calendar)

    escalations.add_parser(sub, _Parser, commands.escalations)
    db.add_parser(sub, _Parser)
    users.add_parser(sub, _Parser)

    log_cmd = sub.add_parser("log", help="the node's hash-chained message log")
    log_sub = log_cmd.add_subparsers(dest="log_command", required=True, parser_class=_Parser)
    log_verify = log_sub.add_parser("verify", help="check the hash chain; name the first broken entry")
    log_verify.add_argument("--config", required=True, type=Path)
    log_verify.set_defaults(run=commands.log_verify)


def _bench_commands(sub: argparse._SubParsersAction[_Parser]) -> None:
    bench = sub.add_parser("bench", help="benchmarks against a raw baseline measured in the same run")
    bench_sub = bench.add_subparsers(dest="bench_command", required=True, parser_class=_Parser)
    wire = bench_sub.add_parser("wire", help="parse+validate+sign and verify+validate vs raw ECDSA")
    wire.add_argument("--json", action="store_true", help="print one JSON object")
    wire.add_argument("-n", type=int, default=2000, help="iterations (default 2000)")
    wire.set_defaults(run=commands.bench_wire)
    e2e = bench_sub.add_parser("e2e", help="KZ national interface → UZ inbox with receipts, vs raw aio-pika")
    e2e.add_argument("-n", type=int, default=1000, help="notices (default 1000)")
    e2e.add_argument("--json", action="store_true", help="print one JSON object")
    e2e.set_defaults(run=commands.bench_e2e)
    sweep = bench_sub.add_parser("sweep", help="one escalation sweep over many open obligations, few due")
    sweep.add_argument("--open", type=int, default=1_000_000, help="open obligations (default 1000000)")
    sweep.add_argument("--due", type=int, default=1000, help="of which due now (default 1000)")
    _per_database(sweep)
    sweep.set_defaults(run=commands.bench_sweep)
    store = bench_sub.add_parser(
        "store", help="the store's CPU per notice vs raw DB-API writing the same rows"
    )
    store.add_argument("-n", type=int, default=2000, help="notices per round (default 2000)")
    store.add_argument("--rounds", type=int, default=3, help="rounds; the best counts (default 3)")
    _per_database(store)
    store.set_defaults(run=commands.bench_store)
    console = bench_sub.add_parser(
        "console", help="the console's pages on a store of many messages (p50/p99), export memory"
    )
    console.add_argument(
        "--rows", type=int, default=1_000_000, help="messages in the store (default 1000000)"
    )
    _per_database(console)
    console.set_defaults(run=commands.bench_console)
    hostile = bench_sub.add_parser(
        "hostile", help="slowest refusal of hostile input vs verifying a valid 1 MiB notice"
    )
    hostile.add_argument("--json", action="store_true", help="print one JSON object")
    hostile.set_defaults(run=commands.bench_hostile)
    fuzz = bench_sub.add_parser(
        "fuzz", help="the test suite's fuzzer over parse, verify, decode, render, for N seconds"
    )
    fuzz.add_argument("--seconds", type=float, default=600.0, help="how long (default 600)")
    fuzz.set_defaults(run=commands.bench_fuzz)


def _per_database(bench: argparse.ArgumentParser) -> None:
    """--db and --json of a benchmark measured on each database."""
    bench.add_argument(
        "--db", choices=("sqlite", "postgresql", "both"), default="both", help="database (default both)"
    )
    bench.add_argument("--json", action="store_true", help="print one JSON object per database, one per line")


def main(argv: Sequence[str] | None = None) -> int:
    args = _build().parse_args(argv)
    try:
        args.run(args)
    except GatewayError as exc:
        error_line(exc.reason.value, exc.message)
        return EXIT_REFUSED
    except KeyboardInterrupt:
        error_line("interrupted", "stopped by the operator")
        return 130
    except BrokenPipeError:  # the reader went away (`bgw calendar … | head`): stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except Exception as exc:  # noqa: BLE001 - the command line supervises one command: report, never crash
        if os.environ.get("BGW_DEBUG"):
            traceback.print_exc()
        error_line(Reason.INTERNAL_ERROR.value, f"{type(exc).__name__}: {exc}")
        return EXIT_INTERNAL
    return 0


if __name__ == "__main__":
    sys.exit(main())
