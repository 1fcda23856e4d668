"""The re-send policy is explicit and bounded per timing class (a table over sends)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gateway.profiles import load_profiles
from gateway.rules.resend import may_resend, wait_for_receipt

A = load_profiles()["kz-uz-border-2024"]
MINUTE, HOUR = timedelta(minutes=1), timedelta(hours=1)

CASES = [
    # type, sends so far, wait before looking again, may send once more
    ("marker-incident", 1, 15 * MINUTE, True),  # immediate: receipt 15 min (ours)
    ("marker-incident", 2, 30 * MINUTE, True),
    ("marker-incident", 4, 2 * HOUR, True),  # 120 min: the ceiling of the class
    ("marker-incident", 5, 2 * HOUR, True),
    ("marker-incident", 6, 2 * HOUR, False),  # six sends at most, then escalate
    ("crossing-restriction", 1, HOUR, True),  # lead: receipt 1 h
    ("crossing-restriction", 4, 6 * HOUR, True),
    ("crossing-restriction", 5, 6 * HOUR, False),
    ("incident-report", 1, 4 * HOUR, True),  # timely: receipt 4 h
    ("incident-report", 3, 16 * HOUR, True),
    ("incident-report", 4, 24 * HOUR, False),  # ceiling 24 h, four sends at most
]


@pytest.mark.parametrize(("name", "sends", "wait", "again"), CASES)
def test_resend_table(name: str, sends: int, wait: timedelta, again: bool) -> None:
    message_type = A.types[name]
    assert wait_for_receipt(message_type, sends) == wait
    assert may_resend(message_type, sends) is again


def test_every_type_stops_resending() -> None:
    for profile in load_profiles().values():
        for message_type in profile.types.values():
            assert not may_resend(message_type, 10), message_type.name


def test_time_scale_shortens_waits_for_tests_only() -> None:
    assert wait_for_receipt(A.types["marker-incident"], 1, scale=0.001) == timedelta(seconds=0.9)
