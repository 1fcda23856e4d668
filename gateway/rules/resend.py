"""When to send the same signed bytes again if no receipt came: bounded, per timing class (pure).

After the n-th send the node waits the type's receipt time multiplied by 2^(n-1), capped by the class
ceiling; after the last allowed send and its wait, the node stops re-sending and escalates (a silent
peer is escalated, not flooded). These numbers are ours (`default`), not the agreements'.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from gateway.profiles import MessageType, Span, Timing


@dataclass(frozen=True)
class ResendPolicy:
    sends: int  # total sends, the first included
    ceiling: timedelta


POLICIES: dict[Timing, ResendPolicy] = {
    Timing.IMMEDIATE: ResendPolicy(sends=6, ceiling=timedelta(hours=2)),
    Timing.ASAP: ResendPolicy(sends=5, ceiling=timedelta(hours=6)),
    Timing.LEAD: ResendPolicy(sends=5, ceiling=timedelta(hours=6)),
    Timing.PRIOR: ResendPolicy(sends=5, ceiling=timedelta(hours=6)),
}
DEFAULT_POLICY = ResendPolicy(sends=4, ceiling=timedelta(hours=24))


def span_delta(span: Span) -> timedelta:
    """A span in fixed time (months as 30 days, years as 365): receipt times are hours at most."""
    per_unit = {"minutes": 60, "hours": 3600, "days": 86400, "months": 30 * 86400, "years": 365 * 86400}
    return timedelta(seconds=span.value * per_unit[span.unit.value])


def wait_for_receipt(message_type: MessageType, sends_so_far: int, scale: float = 1.0) -> timedelta:
    """How long after the latest send to wait for the receipt before looking again.

    *scale* shortens every delay (tests and demos only; 1.0 in production)."""
    policy = POLICIES.get(message_type.timing, DEFAULT_POLICY)
    wait = min(span_delta(message_type.receipt_due) * (2 ** max(sends_so_far - 1, 0)), policy.ceiling)
    return timedelta(seconds=wait.total_seconds() * scale)


def may_resend(message_type: MessageType, sends_so_far: int) -> bool:
    """Whether the same bytes may be sent once more; when not, the silence is escalated."""
    return sends_so_far < POLICIES.get(message_type.timing, DEFAULT_POLICY).sends
