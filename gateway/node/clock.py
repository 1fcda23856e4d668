"""The node's one clock: every rule, deadline, sweep and log entry asks it for the time.

Production uses the system clock in UTC. Tests and demos may give the node a *shift file*
(`[clock] shift_file`): a number of seconds added to the system time, re-read whenever the file
changes, so a test moves a running node two days forward by writing "172800" instead of sleeping.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from gateway.errors import ConfigError

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


class ShiftedClock:
    """System time plus the seconds written in *path* (absent or empty file: no shift)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._shift = timedelta(0)
        self.shift()  # a bad file stops the start, not the first notice

    def shift(self) -> timedelta:
        try:
            found = os.stat(self.path)
        except FileNotFoundError:
            self._stamp, self._shift = None, timedelta(0)
            return self._shift
        stamp = (found.st_ino, found.st_mtime_ns)  # move() replaces the file: a new inode
        if stamp != self._stamp:
            text = self.path.read_text(encoding="utf-8").strip()
            try:
                self._shift = timedelta(seconds=float(text or 0))
            except ValueError as exc:
                raise ConfigError(f"{self.path}: the clock shift must be a number of seconds") from exc
            self._stamp = stamp
        return self._shift

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.shift()


def clock_for(shift_file: Path | None) -> Clock:
    """The clock a node configuration asks for: the system's, or shifted by *shift_file*."""
    return ShiftedClock(shift_file) if shift_file else system_clock


def move(path: Path, seconds: float) -> None:
    """Set a shift file (tests and demos): atomically, so a node never reads half a number."""
    scratch = path.with_suffix(".tmp")
    scratch.write_text(f"{seconds}\n", encoding="utf-8")
    os.replace(scratch, path)
