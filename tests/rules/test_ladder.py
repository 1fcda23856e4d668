"""Escalation ladders as a transition table: each rung after its own delay, none skipped or repeated."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.profiles import Profile, load_profiles
from gateway.rules.ladder import climb, first_at

PROFILES = load_profiles()
UZ = PROFILES["kz-uz-border-2024"]
AZ = PROFILES["kz-az-environment-1997"]
T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
H = timedelta(hours=1)

LADDERS = [
    # profile, type, levels in order, delay before each level (the first from the due time)
    (
        UZ,
        "joint-meeting-proposal",
        ("duty-operator", "border-representative", "diplomatic"),
        (0 * H, 4 * H, 24 * H),
    ),
    (UZ, "marker-incident", ("duty-operator", "border-representative", "diplomatic"), (0 * H, 4 * H, 24 * H)),
    (UZ, "amendment-proposal", ("duty-operator", "diplomatic"), (0 * H, 24 * H)),  # DIP channel
    (UZ, "commission-meeting-record", ("duty-operator", "diplomatic"), (0 * H, 24 * H)),  # JC
    (
        AZ,
        "caspian-pollution-incident",
        ("duty-operator", "coordinating-agency", "diplomatic"),
        (0 * H, 4 * H, 24 * H),
    ),
]


@pytest.mark.parametrize(("profile", "name", "levels", "delays"), LADDERS, ids=[row[1] for row in LADDERS])
def test_ladder_table(
    profile: Profile, name: str, levels: tuple[str, ...], delays: tuple[timedelta, ...]
) -> None:
    ladder = profile.ladder_for(profile.types[name])
    assert tuple(rung.level for rung in ladder.rungs) == levels
    at = first_at(ladder, T0)
    assert at == T0 + delays[0]
    reached = -1
    for index, level in enumerate(levels):
        step = climb(ladder, reached, at)
        assert (step.index, step.rung.level, step.reached_at) == (index, level, at)
        if index + 1 < len(levels):
            assert step.next_at == at + delays[index + 1] and not step.top
            at = step.next_at
        else:
            assert step.top and step.next_at is None
        reached = step.index
    with pytest.raises(ValueError, match="has no rung"):
        climb(ladder, reached, at)


def test_the_next_rung_counts_from_when_the_previous_was_reached() -> None:
    ladder = UZ.ladder_for(UZ.types["incident-report"])
    late = T0 + 30 * H  # the node was down: rung 0 is reached late, rung 1 still waits its 4 h
    assert climb(ladder, -1, late).next_at == late + 4 * H


def test_scale_shortens_every_delay() -> None:
    ladder = UZ.ladder_for(UZ.types["incident-report"])
    step = climb(ladder, 0, T0, scale=1 / 3600)
    assert step.next_at == T0 + timedelta(seconds=24)
