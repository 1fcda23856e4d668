"""The pure SVG chart: axis ticks at 1-2-5 steps from zero, an empty chart says so with its axes, one
point is drawn alone in the middle, a missing value breaks the line, text is escaped, no style
attribute (the console's CSP)."""

from __future__ import annotations

import re

import pytest

from gateway.console.svgchart import HEIGHT, LEFT, RIGHT, WIDTH, Chart, Series, nice_step, svg, ticks


def chart(*series: Series, x: tuple[str, ...] = ("2026-11-29", "2026-11-30")) -> Chart:
    return Chart("c", "Title <b>", "What it shows & why", "Day", "count", x, series, "No data")


@pytest.mark.parametrize(
    ("high", "whole", "expected"),
    [
        (0.0, True, [0.0, 1.0]),
        (1.0, True, [0.0, 1.0]),  # counts: no fractional tick
        (1.0, False, [0.0, 0.2, 0.4, 0.6, 0.8, 1.0]),
        (3.0, True, [0.0, 1.0, 2.0, 3.0]),
        (7.0, True, [0.0, 2.0, 4.0, 6.0, 8.0]),
        (48.0, False, [0.0, 10.0, 20.0, 30.0, 40.0, 50.0]),
        (0.3, False, [0.0, 0.1, 0.2, 0.3]),
        (172800.0, False, [0.0, 50000.0, 100000.0, 150000.0, 200000.0]),
    ],
)
def test_ticks_start_at_zero_and_cover_the_highest_value(
    high: float, whole: bool, expected: list[float]
) -> None:
    assert ticks(high, whole=whole) == expected


def test_nice_step_is_one_two_or_five_times_a_power_of_ten() -> None:
    assert [nice_step(span, 5) for span in (10, 12, 30, 99, 1000)] == [2.0, 5.0, 10.0, 20.0, 200.0]


def test_empty_data_draws_the_axes_and_says_so() -> None:
    drawn = svg(chart())
    assert 'role="img"' in drawn and 'aria-labelledby="c-title c-desc"' in drawn
    assert '<title id="c-title">Title &lt;b&gt;</title>' in drawn
    assert "What it shows &amp; why" in drawn
    assert drawn.count('class="axis"') == 2 and "No data" in drawn
    assert "<circle" not in drawn and "<polyline" not in drawn
    assert " style=" not in drawn


def test_one_point_is_drawn_alone_in_the_middle() -> None:
    drawn = svg(chart(Series("open", (4.0,)), x=("2026-11-30",)))
    (circle,) = re.findall(r'<circle class="s0" cx="([\d.]+)" cy="([\d.]+)"', drawn)
    assert float(circle[0]) == pytest.approx(LEFT + (WIDTH - LEFT - RIGHT) / 2)
    assert "<polyline" not in drawn and "No data" not in drawn
    assert "<title>open, 2026-11-30: 4</title>" in drawn


def test_a_missing_value_breaks_the_line_and_series_take_their_own_colour() -> None:
    x = ("d1", "d2", "d3", "d4", "d5")
    drawn = svg(chart(Series("a", (1.0, 2.0, None, 3.0, 4.0)), Series("b", (0.0, 0.0, 0.0, 0.0, 0.0)), x=x))
    assert drawn.count('<polyline class="s0"') == 2  # d1–d2 and d4–d5
    assert drawn.count('<polyline class="s1"') == 1 and drawn.count('<circle class="s1"') == 5
    zero = re.search(r'<circle class="s1" cx="[\d.]+" cy="([\d.]+)"', drawn)
    assert zero is not None and float(zero.group(1)) == pytest.approx(HEIGHT - 56)  # on the x axis


def test_at_most_six_day_labels_evenly_spaced_ending_with_the_last_day() -> None:
    days = tuple(f"2026-11-{d:02d}" for d in range(1, 31))
    drawn = svg(chart(Series("a", tuple(1.0 for _ in days)), x=days))
    labelled = re.findall(
        r'<text class="tick" x="[\d.]+" y="240" text-anchor="middle">([\d-]+)</text>', drawn
    )
    assert labelled == ["2026-11-05", "2026-11-10", "2026-11-15", "2026-11-20", "2026-11-25", "2026-11-30"]
