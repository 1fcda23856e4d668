"""What every part of the demo shares: where its files are, how it speaks, how it fails."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from gateway.paths import ROOT

VAR = ROOT / "var"
PKI = VAR / "pki"
SIDES = ("KZ", "UZ", "AZ")


class DemoError(Exception):
    """The demo cannot go on; the message says what happened and where to look."""


def say(text: str = "") -> None:
    print(text, flush=True)


def warn(text: str) -> None:
    print(f"demo: {text}", file=sys.stderr, flush=True)


def shown(path: Path) -> str:
    """A path as the user would type it: relative to the current directory when under it."""
    with contextlib.suppress(ValueError):
        return str(Path(os.path.abspath(path)).relative_to(Path.cwd()))
    return str(path)


def short(message_id: str | None) -> str:
    return f"{message_id[:8]}…" if message_id else "—"


def config_of(side: str) -> Path:
    return ROOT / "config" / f"{side.lower()}.toml"


def pid_file(side: str) -> Path:
    return VAR / f"{side.lower()}.pid"


def log_file(side: str) -> Path:
    return VAR / f"{side.lower()}.log"
