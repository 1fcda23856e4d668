"""The message log: one view, two renderings — the page at `/` and its JSON twin at `/api/messages`.

The query string is the filter (link, direction, type, state, window or from/to, q) plus `before`,
the keyset cursor of the next (older) page; both renderings read the same `LogView`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from aiohttp import web
from yarl import URL

from gateway.console import access, openapi, pages
from gateway.console.context import context_of
from gateway.console.openapi import Param
from gateway.console.queries import BadQuery, rendering
from gateway.console.titles import type_title
from gateway.lifecycle import INBOX, OUTBOX, Direction
from gateway.store import listing

WINDOWS = {
    "1h": timedelta(hours=1),
    "24h": timedelta(days=1),
    "7d": timedelta(days=7),
    "30d": timedelta(days=30),
    "all": None,
}
STATES = sorted({state.value for state in (*OUTBOX.states, *INBOX.states)})
DIRECTIONS = [direction.value for direction in Direction]
PAGE_SIZE = 50
TEXT_MAX = 200  # the longest free-text filter value
CURSOR_DIGITS = 18  # a cursor is a row's seq: a 64-bit integer


def _local(text: str, zone: ZoneInfo, name: str) -> datetime:
    try:
        moment = datetime.fromisoformat(text)
        moment = moment if moment.tzinfo else moment.replace(tzinfo=zone)
        moment.astimezone(UTC)  # a time at the calendar's edge has no UTC instant
    except (ValueError, OverflowError) as exc:
        raise BadQuery(name) from exc
    return moment


def _text(query: Mapping[str, str], name: str) -> str | None:
    """A free-text parameter; a control character (NUL is not even storable) is refused."""
    value = query.get(name, "").strip() or None
    if value is not None and (len(value) > TEXT_MAX or any(ord(ch) < 32 for ch in value)):
        raise BadQuery(name)
    return value


def _choice(query: Mapping[str, str], name: str, allowed: list[str] | None) -> str | None:
    value = _text(query, name)
    if value is not None and allowed is not None and value not in allowed:
        raise BadQuery(name)
    return value


def parse_filter(query: Mapping[str, str], now: datetime, zone: ZoneInfo, links: list[str]) -> listing.Filter:
    """The filter a query string asks for (pure). from/to are in the side's zone unless they carry an
    offset; a window preset counts back from *now*; raises BadQuery naming the parameter."""
    link = _choice(query, "link", links)
    peer, _, profile = link.partition("/") if link else (None, "", None)
    window = _choice(query, "window", [*WINDOWS, "custom"]) or "all"
    since = until = None
    if window == "custom":
        since = _local(query["from"], zone, "from") if query.get("from") else None
        until = _local(query["to"], zone, "to") if query.get("to") else None
    elif WINDOWS[window] is not None:
        since = now - WINDOWS[window]  # type: ignore[operator]
    return listing.Filter(
        peer=peer,
        profile=profile or None,
        direction=_choice(query, "direction", DIRECTIONS),
        type=_choice(query, "type", None),
        state=_choice(query, "state", STATES),
        since=since,
        until=until,
        text=_text(query, "q"),
    )


def _cursor(query: Mapping[str, str]) -> int | None:
    value = query.get("before", "")
    if not value:
        return None
    if not value.isascii() or not value.isdigit() or len(value) > CURSOR_DIGITS:
        raise BadQuery("before")
    return int(value)


@dataclass(frozen=True)
class LogView:
    rows: list[listing.Listed]
    older: str | None  # the query string of the next page, or None


async def log_view(request: web.Request) -> LogView:
    context = context_of(request)
    links = [link.name for link in context.config.links]
    wanted = parse_filter(request.query, context.clock(), context.zone, links)
    page = await context.read(listing.page, wanted, _cursor(request.query), PAGE_SIZE)
    older = None
    if page.after is not None:
        older = str(URL("").with_query({**request.query, "before": str(page.after)}))
    return LogView(page.rows, older)


def _as_page(request: web.Request, view: LogView) -> web.StreamResponse:
    context = context_of(request)
    lang = pages.language(request)
    titles = {(r.profile, r.type): type_title(context.profiles, r.profile, r.type, lang) for r in view.rows}
    return pages.render(
        request,
        "log.html",
        view=view,
        titles=titles,
        query=request.query,
        links=[link.name for link in context.config.links],
        windows=list(WINDOWS),
        states=STATES,
        directions=DIRECTIONS,
    )


@dataclass(frozen=True)
class LoggedMessage(listing.Listed):
    """A message of the log, with its link (PEER/profile) as the filter names it."""

    link: str


@dataclass(frozen=True)
class MessagesPage:
    """A page of the log, newest first; *next*: the URL of the next (older) page, or null."""

    items: list[LoggedMessage]
    next: str | None


def _as_json(_: web.Request, view: LogView) -> web.StreamResponse:
    older = f"/api/messages{view.older}" if view.older else None
    items = [LoggedMessage(**vars(row), link=f"{row.peer}/{row.profile}") for row in view.rows]
    return web.json_response(openapi.plain(MessagesPage(items, older)))


_STRING = {"type": "string"}
QUERY = (
    Param("link", _STRING, "PEER/profile, one of the node's links"),
    Param("direction", {"enum": DIRECTIONS}, "out: sent, in: received"),
    Param("type", _STRING, "message type"),
    Param("state", {"enum": STATES}, "message state"),
    Param("window", {"enum": [*WINDOWS, "custom"]}, "a period counted back from now; custom: from/to"),
    Param("from", _STRING, "with window=custom: created at or after (ISO 8601; no offset: the side's zone)"),
    Param("to", _STRING, "with window=custom: created before"),
    Param("q", _STRING, "a message id's beginning, a part of a type, or a side"),
    Param("before", {"type": "string", "pattern": "^[0-9]{1,18}$"}, "the cursor of the next page"),
)


log_page = access.viewer(rendering(log_view, _as_page))  # GET /
api_messages = access.viewer(rendering(log_view, _as_json))  # GET /api/messages
