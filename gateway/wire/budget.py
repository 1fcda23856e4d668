"""A cooperative time budget for work on bytes from outside.

Verification checks its budget between stages and inside every loop over input-sized data, so a
caller that runs it in a worker thread gets a coded refusal, not a stalled thread, when an input
is slower than allowed. The work between two checks is bounded by the parse limits.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from gateway.errors import WireError
from gateway.reasons import Reason


@dataclass(frozen=True)
class Budget:
    """A deadline on :func:`time.monotonic`; ``seconds`` is what was granted (for the message)."""

    deadline: float
    seconds: float

    @classmethod
    def of(cls, seconds: float) -> Budget:
        """A budget of *seconds* starting now."""
        return cls(time.monotonic() + seconds, seconds)

    def check(self, stage: str) -> None:
        """Refuse with ``verification-time-exceeded`` once the deadline has passed."""
        if time.monotonic() > self.deadline:
            raise WireError(
                f"verification took more than its budget of {self.seconds:g} s (stopped at: {stage})",
                reason=Reason.VERIFICATION_TIME_EXCEEDED,
            )


UNLIMITED = Budget(math.inf, math.inf)
