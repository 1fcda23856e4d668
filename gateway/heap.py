"""The start-up heap: what a process loads once and keeps (schemas, profiles, keys, compiled
queries) is moved out of the garbage collector's view.

Those ~100,000 objects can never become garbage, yet every full collection walks them: ~50 ms on the
2-core reference machine, landing in the middle of whatever the node is doing (a sweep, a batch of
notices). Freezing them after start-up (`gc.freeze`, meant for exactly this) leaves full collections
to the objects made since. Collected first, so start-up garbage is freed rather than frozen.
"""

from __future__ import annotations

import gc


def settle() -> None:
    """Collect once, then freeze every object alive now: call when start-up is complete."""
    gc.collect()
    gc.freeze()
