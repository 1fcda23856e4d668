"""A peer's apparent clock offset, from times both sides signed — the way NTP estimates one.

Our newest receipted notice to the peer gives `outbound` = its time of receipt (the peer's clock)
minus its creation (ours) = transit + offset; the peer's newest receipted notice to us gives
`inbound` = our time of receipt minus its creation (the peer's clock) = transit - offset. With both,
offset ≈ (outbound - inbound) / 2, exact when the two transits are equal; a notice that waited in a
queue makes it err by half that wait. Positive: the peer's clock is ahead of ours.
"""

from __future__ import annotations

from dataclasses import dataclass

from gateway.store.health import Exchange


@dataclass(frozen=True)
class PeerClock:
    """A peer's apparent clock offset (seconds; positive: ahead of ours), null without traffic both
    ways; the two one-way differences it is made of; the skew the node tolerates on a notice's
    creation time ([delivery] clock_skew_s)."""

    peer: str
    offset_s: float | None
    outbound_s: float | None  # the peer's time of receipt of our newest notice minus its creation
    inbound_s: float | None  # our time of receipt of the peer's newest notice minus its creation
    tolerated_s: float
    within: bool | None  # |offset| within the tolerance; null: no estimate


def apparent(peer: str, outbound: Exchange | None, inbound: Exchange | None, tolerated_s: float) -> PeerClock:
    out_s = (outbound.received_at - outbound.created_at).total_seconds() if outbound else None
    in_s = (inbound.received_at - inbound.created_at).total_seconds() if inbound else None
    offset = round((out_s - in_s) / 2, 3) if out_s is not None and in_s is not None else None
    within = abs(offset) <= tolerated_s if offset is not None else None
    return PeerClock(peer, offset, out_s, in_s, tolerated_s, within)
