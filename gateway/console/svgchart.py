"""Series to an inline SVG line chart (pure): no external service, no script, no style attribute (the
console's CSP) — strokes and fills come from CSS classes in console.css (`s0` … `s7`).

The chart names itself for assistive technology (`role="img"`, its <title> and <desc>), each point
carries its value in a <title> (what a mouse shows on hover), and the page puts the same numbers in a
table next to it: the SVG is never the only way to read them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup

WIDTH, HEIGHT = 720, 280
LEFT, RIGHT, TOP, BOTTOM = 64, 40, 16, 56  # room for the axes' labels
COLOURS = 8  # series classes s0 … s7, repeated beyond
MAX_X_LABELS = 6  # a full date is about 62 px wide at 11 px: 6 fit evenly in the plot


@dataclass(frozen=True)
class Series:
    name: str  # shown in the legend
    points: tuple[float | None, ...]  # one per x label; None: no value that day


@dataclass(frozen=True)
class Chart:
    name: str  # an id: the SVG's ids are made from it
    title: str
    desc: str
    x_label: str
    y_label: str
    x: tuple[str, ...]  # the x axis' labels (days)
    series: tuple[Series, ...]
    empty: str  # what the chart says when it has no value at all
    whole: bool = False  # the values are counts: whole-number ticks


def nice_step(span: float, count: int) -> float:
    """A step of 1, 2 or 5 times a power of ten that divides *span* into at most *count* steps."""
    if span <= 0:
        return 1.0
    raw = span / count
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if multiple * power >= raw:
            return float(multiple * power)
    return float(10 * power)  # pragma: no cover - the loop ends at 10


def ticks(high: float, count: int = 5, whole: bool = False) -> list[float]:
    """The y axis' ticks from 0 up to the first tick at or above *high* (at least one step); *whole*:
    steps of at least 1 (counts)."""
    step = max(1.0, nice_step(high, count)) if whole else nice_step(high, count)
    top = max(step, math.ceil(high / step) * step)
    return [round(step * n, 10) for n in range(round(top / step) + 1)]


def _label(value: float) -> str:
    return f"{value:g}" if abs(value) < 1e6 else f"{value:.3g}"


def _values(chart: Chart) -> list[float]:
    return [value for series in chart.series for value in series.points if value is not None]


class _Frame:
    """Where a value lands in the plot area."""

    def __init__(self, points: int, top: float) -> None:
        self.points, self.top = points, top
        self.width, self.height = WIDTH - LEFT - RIGHT, HEIGHT - TOP - BOTTOM

    def x(self, index: int) -> float:
        if self.points <= 1:
            return LEFT + self.width / 2
        return LEFT + self.width * index / (self.points - 1)

    def y(self, value: float) -> float:
        return TOP + self.height * (1 - value / self.top)


def _tag(name: str, content: str | Markup | None = None, **attributes: object) -> Markup:
    """An SVG element, its attributes and text escaped (an attribute's `_` is written `-`)."""
    written = Markup("").join(
        Markup(' {}="{}"').format(key.rstrip("_").replace("_", "-"), value)
        for key, value in attributes.items()
    )
    if content is None:
        return Markup("<{}{}/>").format(name, written)
    return Markup("<{}{}>{}</{}>").format(name, written, content, name)


def _n(value: float) -> str:
    return f"{value:.1f}"


def _axes(chart: Chart, frame: _Frame, marks: list[float]) -> list[Markup]:
    bottom, right, middle = HEIGHT - BOTTOM, WIDTH - RIGHT, TOP + frame.height / 2
    out = []
    for mark in marks:
        y = _n(frame.y(mark))
        out.append(_tag("line", class_="grid", x1=LEFT, y1=y, x2=right, y2=y))
        out.append(
            _tag("text", _label(mark), class_="tick", x=LEFT - 6, y=_n(frame.y(mark) + 4), text_anchor="end")
        )
    every = max(1, math.ceil(len(chart.x) / MAX_X_LABELS))
    for index, text in enumerate(chart.x):
        if (len(chart.x) - 1 - index) % every == 0:  # counted from the last day: today is labelled
            out.append(
                _tag("text", text, class_="tick", x=_n(frame.x(index)), y=bottom + 16, text_anchor="middle")
            )
    out.append(_tag("line", class_="axis", x1=LEFT, y1=bottom, x2=right, y2=bottom))
    out.append(_tag("line", class_="axis", x1=LEFT, y1=TOP, x2=LEFT, y2=bottom))
    centre = _n(LEFT + frame.width / 2)
    out.append(_tag("text", chart.x_label, class_="label", x=centre, y=HEIGHT - 8, text_anchor="middle"))
    turned = f"rotate(-90 14 {_n(middle)})"
    out.append(
        _tag(
            "text", chart.y_label, class_="label", x=14, y=_n(middle), text_anchor="middle", transform=turned
        )
    )
    return out


def _series(chart: Chart, frame: _Frame, number: int, series: Series) -> list[Markup]:
    css = f"s{number % COLOURS}"
    out: list[Markup] = []
    run: list[str] = []
    for index, value in enumerate(series.points):
        if value is None:
            out.extend(_line(run, css))
            run = []
            continue
        x, y = _n(frame.x(index)), _n(frame.y(value))
        run.append(f"{x},{y}")
        what = _tag("title", f"{series.name}, {chart.x[index]}: {_label(value)}")
        out.append(_tag("circle", what, class_=css, cx=x, cy=y, r=3))
    out.extend(_line(run, css))
    return out


def _line(run: Sequence[str], css: str) -> list[Markup]:
    return [_tag("polyline", class_=css, fill="none", points=" ".join(run))] if len(run) > 1 else []


def svg(chart: Chart) -> Markup:
    """The chart as an <svg> element; with no value at all, its axes and the *empty* words."""
    values = _values(chart)
    marks = ticks(max(values, default=0.0), whole=chart.whole)
    frame = _Frame(len(chart.x), marks[-1])
    ident = chart.name
    parts = [
        _tag("title", chart.title, id=f"{ident}-title"),
        _tag("desc", chart.desc, id=f"{ident}-desc"),
        *_axes(chart, frame, marks),
    ]
    if not values:
        parts.append(
            _tag("text", chart.empty, class_="empty", x=_n(WIDTH / 2), y=_n(HEIGHT / 2), text_anchor="middle")
        )
    for number, series in enumerate(chart.series):
        parts.extend(_series(chart, frame, number, series))
    return _tag(
        "svg", Markup("").join(parts), class_="chart", xmlns="http://www.w3.org/2000/svg",
        viewBox=f"0 0 {WIDTH} {HEIGHT}", role="img", aria_labelledby=f"{ident}-title {ident}-desc",
    )  # fmt: skip


def legend_class(number: int) -> str:
    """The CSS class of series *number* (the legend's swatch matches its line)."""
    return f"s{number % COLOURS}"
