"""Login throttling (pure): after a few failures for a name or an address, each further attempt
must wait a delay that doubles with every failure, up to a ceiling. A success clears the name's
count, never the address's (logging into one's own account must not reset a guessing address).

Kept in the process's memory: a node runs one console; replicas each throttle on their own, which
multiplies an attacker's rate by the number of replicas at most.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

MAX_KEYS = 10_000  # beyond this, entries idle for `forget_s` are dropped


@dataclass
class Throttle:
    free_failures: int = 3  # failures allowed before any delay
    base_s: float = 1.0
    ceiling_s: float = 300.0
    forget_s: float = 3600.0
    _failures: dict[str, tuple[int, datetime]] = field(default_factory=dict)

    def delay_s(self, failures: int) -> float:
        """How long after its last failure a key must wait, having failed *failures* times."""
        if failures < self.free_failures:
            return 0.0
        return float(min(self.base_s * 2.0 ** (failures - self.free_failures), self.ceiling_s))

    def wait_s(self, keys: Iterable[str], now: datetime) -> float:
        """Seconds still to wait before *keys* may try again (0: may try now)."""
        waits = [0.0]
        for key in keys:
            count, last = self._failures.get(key, (0, now))
            waits.append(self.delay_s(count) - (now - last).total_seconds())
        return max(waits)

    def failed(self, keys: Iterable[str], now: datetime) -> None:
        for key in keys:
            count, _ = self._failures.get(key, (0, now))
            self._failures[key] = (count + 1, now)
        if len(self._failures) > MAX_KEYS:
            self._forget(now)

    def succeeded(self, key: str) -> None:
        self._failures.pop(key, None)

    def _forget(self, now: datetime) -> None:
        horizon = now - timedelta(seconds=self.forget_s)
        for key in [key for key, (_, last) in self._failures.items() if last < horizon]:
            del self._failures[key]
