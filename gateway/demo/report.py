"""The demo's closing report: a table of the scenario, what is missing, and where to look."""

from __future__ import annotations

import re
import sys
import tomllib
from collections.abc import Sequence
from pathlib import Path

from gateway.demo.common import SIDES, config_of, log_file, say, short, shown
from gateway.demo.scenario import Outcome, Tracker


def database_of(side: str) -> str:
    """Where the node keeps its data: node.database_url of its configuration, else its SQLite file."""
    config = config_of(side)
    node = tomllib.loads(config.read_text(encoding="utf-8")).get("node", {})
    url = node.get("database_url")
    if isinstance(url, str):
        return re.sub(r":[^:@/]*@", ":***@", url)
    return shown(config.parent / node.get("data_dir", "") / "gateway.sqlite3")


def yes(flag: bool) -> str:
    return "yes" if flag else "no"


def print_table(outcomes: Sequence[Outcome], tracker: Tracker) -> None:
    width = max(len(outcome.step.type) for outcome in outcomes)
    say()
    say(f"{'#':>3}  {'route':<7}  {'type':<{width}}  {'message id':<10}  sent  received  receipted")
    for number, outcome in enumerate(outcomes, start=1):
        receipt = tracker.receipts.get(outcome.message_id or "")
        receipted = "yes" if tracker.receipted(outcome) else (receipt or "no")
        say(
            f"{number:>3}  {outcome.step.route:<7}  {outcome.step.type:<{width}}  "
            f"{short(outcome.message_id):<10}  {yes(outcome.sent):<4}  "
            f"{yes(tracker.received(outcome)):<8}  {receipted}"
        )
    say()


def missing(outcomes: Sequence[Outcome], tracker: Tracker) -> list[str]:
    """One line per notice that was not sent, received and receipted, saying what is missing."""
    lines = []
    for outcome in outcomes:
        step, mid = outcome.step, outcome.message_id
        what = f"{step.route} {step.type} {mid or ''}".rstrip()
        if not outcome.sent:
            lines.append(f"{what}: not sent ({outcome.detail or outcome.status})")
            continue
        gaps = [
            gap
            for gap, ok in (("received", tracker.received), ("receipted", tracker.receipted))
            if not ok(outcome)
        ]
        if gaps:
            notes = "; ".join(tracker.notes.get(mid or "", []))
            lines.append(f"{what}: not {' nor '.join(gaps)}" + (f" (events: {notes})" if notes else ""))
    return lines


def report(outcomes: Sequence[Outcome], tracker: Tracker) -> bool:
    """Print the table, the totals, what is missing and where to look; True when nothing is missing."""
    print_table(outcomes, tracker)
    sent = sum(outcome.sent for outcome in outcomes)
    received = sum(map(tracker.received, outcomes))
    receipted = sum(map(tracker.receipted, outcomes))
    say(f"{sent} sent, {received} received, {receipted} receipted")
    gaps = missing(outcomes, tracker)
    for line in gaps:
        say(f"  missing: {line}")
    bgw_command = Path(sys.executable).parent / "bgw"
    command = shown(bgw_command) if bgw_command.exists() else "bgw"
    say(f"logs:      {', '.join(shown(log_file(side)) for side in SIDES)} (one JSON line per event)")
    say(f"databases: {', '.join(database_of(side) for side in SIDES)}")
    say(
        f"look further: {command} status --config config/kz.toml "
        f"(and {command} log verify --config config/kz.toml)"
    )
    return not gaps
