"""Escalation ladders as a transition table (pure).

An open obligation past its due time climbs its ladder one rung at a time: rung 0 is reached
`after` the due time, every further rung `after` the moment the previous one was actually reached
(so a node that was down does not skip a level, and a restarted node never repeats one). The state
is two numbers kept with the obligation: the last rung reached (-1: none yet) and when the next
one is due (None: the top was reached).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from gateway.profiles import Ladder, Rung
from gateway.rules.resend import span_delta


@dataclass(frozen=True)
class Climb:
    """The result of reaching a rung: what was reached, and when the next rung is due."""

    index: int
    rung: Rung
    reached_at: datetime
    next_at: datetime | None

    @property
    def top(self) -> bool:
        return self.next_at is None


def _delay(rung: Rung, scale: float) -> timedelta:
    return span_delta(rung.after) * scale


def first_at(ladder: Ladder, due_at: datetime, scale: float = 1.0) -> datetime:
    """When an obligation due at *due_at* reaches the first rung if nothing closes it."""
    return due_at + _delay(ladder.rungs[0], scale)


def climb(ladder: Ladder, reached: int, now: datetime, scale: float = 1.0) -> Climb:
    """Reach the rung after *reached* at *now*; *scale* shortens delays (tests and demos only)."""
    index = reached + 1
    if not 0 <= index < len(ladder.rungs):
        raise ValueError(f"ladder {ladder.name} has no rung {index}")
    following = index + 1
    next_at = now + _delay(ladder.rungs[following], scale) if following < len(ladder.rungs) else None
    return Climb(index, ladder.rungs[index], now, next_at)
