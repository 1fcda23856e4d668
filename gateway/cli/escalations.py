"""`bgw escalations list|ack|resolve|dossier`: what people do with the escalations a node reached.

Every acknowledgement and resolution is written to the node's hash-chained log with who did it and
the note; a resolution needs a note. Times come from the node's clock (its shift file, if any).
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path
from typing import Any

from gateway.errors import InputError
from gateway.lifecycle import EscalationEvent, EscalationState
from gateway.node.clock import clock_for
from gateway.node.config import NodeConfig
from gateway.reasons import Reason
from gateway.store import Store
from gateway.store import escalations as escalation_rows
from gateway.store.escalations import Listed
from gateway.wire.envelope import format_time

STATES = tuple(state.value for state in EscalationState)


def _plain(item: Listed) -> dict[str, Any]:
    data = asdict(item)
    for name in ("at", "acted_at", "due_at", "next_at", "announced_at"):
        data[name] = format_time(data[name]) if data[name] else None
    return data


def _line(item: Listed) -> str:
    owed = f"{item.owner} owes {item.duty}" + (f" item {item.item}" if item.item else "")
    acted = f" — {item.state} by {item.acted_by} at {format_time(item.acted_at)}" if item.acted_at else ""
    note = f": {item.note}" if item.note else ""
    dossier = f" dossier {item.dossier_id}" if item.dossier_id else ""
    untold = " [event not yet confirmed by the broker]" if item.announced_at is None else ""
    return (
        f"#{item.id} {item.state:<12} {item.level:<22} {format_time(item.at)}  "
        f"{item.peer}/{item.profile} {item.type} {item.message_id}  {owed} (art. {item.article}, "
        f"{item.source}), due {format_time(item.due_at)}; obligation {item.obligation_state}"
        f"{dossier}{untold}{acted}{note}"
    )


def run(args: argparse.Namespace, config: NodeConfig, out: Callable[[str], None] = print) -> None:
    store = Store.open(config.database_url.value)
    try:
        if args.escalations_command == "list":
            states = [args.state] if args.state else []
            items = store.read(escalation_rows.listing, states, args.limit)
            if args.json:
                for item in items:
                    out(json.dumps(_plain(item), ensure_ascii=False))
            elif not items:
                out("no escalations" + (f" in state {args.state}" if args.state else ""))
            else:
                for item in items:
                    out(_line(item))
            return
        if args.escalations_command == "dossier":
            _export(store, args.key, args.out, out)
            return
        event = EscalationEvent.ACKNOWLEDGE if args.escalations_command == "ack" else EscalationEvent.RESOLVE
        note = (args.note or "").strip() or None
        if event is EscalationEvent.RESOLVE and note is None:
            raise InputError("--note: a resolution needs a note (what was done)", reason=Reason.USAGE_INVALID)
        at = clock_for(config.clock_shift_file)()
        done = store.write(escalation_rows.act, args.id, event, note, args.by or getpass.getuser(), at)
        out(_line(done))
    finally:
        store.close()


def _export(store: Store, key: str, target: Path | None, out: Callable[[str], None]) -> None:
    found = store.read(escalation_rows.dossier, key)
    if found is None:
        raise InputError(
            f"{key}: no dossier for this escalation or dossier id (dossiers are compiled at the "
            "diplomatic level)",
            reason=Reason.ESCALATION_UNKNOWN,
        )
    dossier_id, payload = found
    if target is None:
        sys.stdout.buffer.write(payload)
        sys.stdout.flush()
        return
    target.write_bytes(payload)
    out(f"dossier {dossier_id} written to {target} ({len(payload)} bytes); check it with bgw verify")


def add_parser(
    sub: Any, parser_class: type[argparse.ArgumentParser], run_command: Callable[..., None]
) -> None:
    escalations = sub.add_parser("escalations", help="escalations of overdue obligations: list, ack, resolve")
    commands = escalations.add_subparsers(
        dest="escalations_command", required=True, parser_class=parser_class
    )
    listing = commands.add_parser("list", help="newest first")
    listing.add_argument("--config", required=True, type=Path)
    listing.add_argument("--state", choices=STATES, help="only escalations in this state")
    listing.add_argument("--limit", type=int, default=500)
    listing.add_argument("--json", action="store_true", help="one JSON object per line")
    for name, help_text in (("ack", "acknowledge: someone is on it"), ("resolve", "resolve, with a note")):
        act = commands.add_parser(name, help=help_text)
        act.add_argument("id", type=int, help="escalation id (#N in the list)")
        act.add_argument("--config", required=True, type=Path)
        act.add_argument("--note", help="what was done (required to resolve)")
        act.add_argument("--by", help="who acts (default: the login name)")
    dossier = commands.add_parser("dossier", help="write the signed dossier of a diplomatic escalation")
    dossier.add_argument("key", help="escalation id or dossier id")
    dossier.add_argument("--config", required=True, type=Path)
    dossier.add_argument("--out", type=Path, help="file to write (default: standard output)")
    escalations.set_defaults(run=run_command)
