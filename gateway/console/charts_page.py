"""The charts page (`/charts`) and each chart's data (`/charts/<name>.csv`): traffic per link and type,
receipt and reply latency percentiles, obligations open and overdue, escalations by level — per day
over a window of 7, 30 or 90 days (`?days=`), drawn as inline SVG on the server, each with its
numbers in a table and as CSV with the same window."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from markupsafe import Markup
from sqlalchemy import Connection

from gateway.console import chart_data, i18n, pages
from gateway.console.access import viewer
from gateway.console.chart_data import Column, Table
from gateway.console.context import Context, context_of
from gateway.console.queries import BadQuery, rendering
from gateway.console.svgchart import Chart, Series, legend_class, svg
from gateway.console.treaty_words import what_title
from gateway.lifecycle import Direction
from gateway.store import series
from gateway.store.series import Window

WINDOWS = (7, 30, 90)
DEFAULT_WINDOW = 30
CSV_PATH = "/charts/{name:" + "|".join(chart_data.NAMES) + "}.csv"


def window_days(query: Mapping[str, str]) -> int:
    """The window asked for; BadQuery naming the parameter when it is not one of WINDOWS."""
    text = query.get("days", "")
    if not text:
        return DEFAULT_WINDOW
    if not text.isdigit() or int(text) not in WINDOWS:
        raise BadQuery("days")
    return int(text)


def _read(conn: Connection, span: Window, name: str) -> Table:
    """One chart's table from the store (one or two aggregate queries)."""
    if name == "traffic":
        return chart_data.traffic(span, series.traffic(conn, span))
    if name == "receipt-latency":
        found = {d: series.receipt_latency(conn, span, d) for d in (Direction.OUT, Direction.IN)}
        return chart_data.receipt_latency(span, found)
    if name == "reply-latency":
        return chart_data.reply_latency(span, series.reply_latency(conn, span))
    if name == "obligations":
        return chart_data.obligations(span, series.owing(conn, span))
    return chart_data.escalations(span, series.escalations_reached(conn, span))


def _read_all(conn: Connection, span: Window) -> list[Table]:
    return [_read(conn, span, name) for name in chart_data.NAMES]


def _span(context: Context, days: int) -> Window:
    return series.window(context.clock(), context.config.zone, days)


def _legend(context: Context, lang: str) -> Callable[[Table, Column], str]:
    t = i18n.catalogue(lang)

    def name(table: Table, column: Column) -> str:
        if table.name == "traffic":
            link, direction, kind = column.parts
            title = what_title(context.profiles, lang, link.split("/", 1)[1], kind)
            return t(
                "charts.traffic_series", link=link, direction=t(f"charts.direction.{direction}"), type=title
            )
        if table.name == "receipt-latency":
            direction, p = column.parts
            return t("charts.latency_series", receipts=t(f"charts.receipts.{direction}"), p=p)
        if table.name in ("reply-latency", "obligations"):
            return t(f"charts.series.{column.parts[0]}")
        return column.parts[0]  # an escalation level, by its code as the health page shows it

    return name


@dataclass(frozen=True)
class Drawn:
    name: str
    table: Table
    labels: list[str]  # each column's legend, in the viewer's language
    classes: list[str]  # each column's CSS class (its colour)
    svg: Markup


def _drawn(table: Table, legend: Callable[[Table, Column], str], lang: str, zone: str) -> Drawn:
    t = i18n.catalogue(lang)
    labels = [legend(table, column) for column in table.columns]
    chart = Chart(
        name=f"chart-{table.name}",
        title=t(f"charts.{table.name}.title"),
        desc=t(f"charts.{table.name}.desc"),
        x_label=t("charts.x_day", zone=zone),
        y_label=t(f"charts.unit.{table.unit}"),
        x=tuple(day.isoformat() for day in table.days),
        series=tuple(Series(label, values) for label, values in zip(labels, table.values, strict=True)),
        empty=t("charts.no_data"),
        whole=table.unit == "count",
    )
    classes = [legend_class(n) for n in range(len(labels))]
    return Drawn(table.name, table, labels, classes, svg(chart))


async def _charts(request: web.Request) -> tuple[int, list[Table]]:
    days = window_days(request.query)
    context = context_of(request)
    return days, await context.read(_read_all, _span(context, days))


def _charts_page(request: web.Request, read: tuple[int, list[Table]]) -> web.StreamResponse:
    days, tables = read
    context, lang = context_of(request), pages.language(request)
    legend = _legend(context, lang)
    drawn = [_drawn(table, legend, lang, context.config.zone) for table in tables]
    return pages.render(request, "charts.html", charts=drawn, days=days, windows=WINDOWS)


async def _chart(request: web.Request) -> tuple[int, Table]:
    days = window_days(request.query)
    context = context_of(request)
    return days, await context.read(_read, _span(context, days), request.match_info["name"])


def _chart_csv(request: web.Request, read: tuple[int, Table]) -> web.StreamResponse:
    """The numbers the chart draws, a row per day."""
    days, table = read
    name, side = request.match_info["name"], context_of(request).config.side
    headers: dict[str, Any] = {
        "Content-Disposition": f'attachment; filename="chart-{name}-{days}d-{side}.csv"'
    }
    return web.Response(text=table.csv(), content_type="text/csv", charset="utf-8", headers=headers)


charts_page = viewer(rendering(_charts, _charts_page))  # GET /charts?days=
chart_csv = viewer(rendering(_chart, _chart_csv))  # GET /charts/<name>.csv?days=
