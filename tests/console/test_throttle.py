"""Login throttling as a table: free failures, then a doubling delay to a ceiling, per key."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gateway.console.throttle import Throttle

T0 = datetime(2026, 11, 30, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("failures", "delay_s"),
    [(0, 0), (1, 0), (2, 0), (3, 1), (4, 2), (5, 4), (10, 128), (11, 256), (12, 300), (40, 300)],
)
def test_delay_doubles_after_the_free_failures_up_to_the_ceiling(failures: int, delay_s: float) -> None:
    assert Throttle().delay_s(failures) == delay_s


def test_waits_count_from_the_last_failure_for_each_key() -> None:
    throttle = Throttle()
    keys = ("name:a", "address:10.0.0.1")
    for _ in range(4):
        throttle.failed(keys, T0)
    assert throttle.wait_s(keys, T0) == 2
    assert throttle.wait_s(keys, T0 + timedelta(seconds=1.5)) == 0.5
    assert throttle.wait_s(keys, T0 + timedelta(seconds=2)) == 0
    assert throttle.wait_s(("name:b", "address:10.0.0.1"), T0) == 2  # the address is throttled too
    assert throttle.wait_s(("name:a", "address:10.0.0.2"), T0) == 2  # and the name, from elsewhere
    assert throttle.wait_s(("name:b", "address:10.0.0.2"), T0) == 0


def test_success_clears_the_name_not_the_address() -> None:
    throttle = Throttle()
    keys = ("name:a", "address:10.0.0.1")
    for _ in range(5):
        throttle.failed(keys, T0)
    throttle.succeeded("name:a")
    assert throttle.wait_s(("name:a", "address:10.0.0.2"), T0) == 0
    assert throttle.wait_s(("name:z", "address:10.0.0.1"), T0) == 4
