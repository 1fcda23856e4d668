"""The obligations board: per link, what the peer owes us and what we owe the peer, soonest due
first, with a countdown, the article and channel, whether the deadline is the agreement's (`text`)
or ours (`default`), the rung reached and the next one. The page at `/board`, its JSON twin at
`/api/board`; both read the same `BoardView`. Open obligations only, at most `LIMIT` (the page says
when more match). The query string: `link`, `direction`, `overdue=1`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from aiohttp import web
from yarl import URL

from gateway.console import access, i18n, openapi, pages
from gateway.console.context import SESSION, Context, context_of
from gateway.console.countdown import countdown
from gateway.console.openapi import Param
from gateway.console.queries import BadQuery, rendering
from gateway.console.titles import type_title
from gateway.lifecycle import Direction
from gateway.profiles import Profile
from gateway.roles import Role
from gateway.store import board
from gateway.store.board import BoardFilter, OpenItem

LIMIT = 200  # the board shows at most this many open obligations, soonest due first
DIRECTIONS = [direction.value for direction in Direction]


def parse(query: Mapping[str, str], links: list[str], now: datetime) -> BoardFilter:
    """The board's filter from a query string (pure); raises BadQuery naming the parameter."""
    link = query.get("link", "").strip()
    if link and link not in links:
        raise BadQuery("link")
    direction = query.get("direction", "").strip()
    if direction and direction not in DIRECTIONS:
        raise BadQuery("direction")
    overdue = query.get("overdue", "").strip()
    if overdue not in ("", "1"):
        raise BadQuery("overdue")
    peer, _, profile = link.partition("/")
    return BoardFilter(peer or None, profile or None, direction or None, now if overdue else None)


@dataclass(frozen=True)
class BoardItem(OpenItem):
    """An open obligation with its link, whether it is overdue, its ladder's rung reached and next,
    and for a reply we owe, the compose form that answers it."""

    link: str
    overdue: bool
    rung: str | None  # the rung reached (its level); None: none yet
    next_rung: str | None  # the next rung's level; None: the top was reached or it never escalates
    answer: str | None  # the compose form's URL, prefilled; None: nothing for us to write


@dataclass(frozen=True)
class BoardPage:
    """The open obligations, soonest due first; *total*: how many match, of which *items* are the
    first *limit* at most; *now*: the node's time they were judged at."""

    now: datetime
    items: list[BoardItem]
    total: int
    limit: int


def _rungs(profiles: Mapping[str, Profile], item: OpenItem) -> tuple[str | None, str | None]:
    found = profiles.get(item.profile)
    if found is None:
        return None, None
    try:
        ladder = found.ladder_of(item.type, item.channel).rungs
    except KeyError:
        return None, None
    reached = ladder[item.level].level if 0 <= item.level < len(ladder) else None
    following = item.level + 1
    upcoming = ladder[following].level if item.next_at and following < len(ladder) else None
    return reached, upcoming


def answer_url(direction: str, link: str, expects: str | None, message_id: str) -> str | None:
    """The compose form prefilled to answer what we owe on *link* (PEER/profile): the link, the reply
    type, in_reply_to. The board's rows and the message page both link to it."""
    if direction != Direction.IN or not expects:
        return None
    query = {"link": link, "type": expects, "in_reply_to": message_id}
    return str(URL("/compose").with_query(query))


def annotate(context: Context, item: OpenItem, now: datetime) -> BoardItem:
    reached, upcoming = _rungs(context.profiles, item)
    found = context.profiles.get(item.profile)
    entry = found.types.get(item.type) if found else None
    channel = item.channel or (entry.channel.value if entry else None)  # older rows: the type's first
    link = f"{item.peer}/{item.profile}"
    return BoardItem(
        **{**vars(item), "channel": channel},
        link=link,
        overdue=item.due_at < now,
        rung=reached,
        next_rung=upcoming,
        answer=answer_url(item.direction, link, item.expects, item.message_id),
    )


async def board_view(request: web.Request) -> BoardPage:
    context = context_of(request)
    now = context.clock()
    wanted = parse(request.query, [link.name for link in context.config.links], now)
    items = await context.read(board.open_items, wanted, LIMIT)
    total = len(items) if len(items) < LIMIT else await context.read(board.open_count, wanted)
    return BoardPage(now, [annotate(context, item, now) for item in items], total, LIMIT)


def _sections(context: Context, view: BoardPage) -> list[tuple[str, list[tuple[str, list[BoardItem]]]]]:
    """[(link, [(direction, items soonest due first)])] for every link of the node, out before in."""
    sections = []
    for link in context.config.links:
        mine = [item for item in view.items if item.link == link.name]
        sections.append((link.name, [(d, [i for i in mine if i.direction == d]) for d in ("out", "in")]))
    return sections


def _as_page(request: web.Request, view: BoardPage) -> web.StreamResponse:
    context = context_of(request)
    lang = pages.language(request)
    t = i18n.catalogue(lang)
    return pages.render(
        request,
        "board.html",
        view=view,
        sections=_sections(context, view),
        titles={item.id: type_title(context.profiles, item.profile, item.type, lang) for item in view.items},
        countdowns={item.id: countdown(item.due_at, view.now, t)[1] for item in view.items},
        query=request.query,
        links=[link.name for link in context.config.links],
        directions=DIRECTIONS,
        now=view.now.astimezone(UTC),
        writes=request[SESSION].role.allows(Role.OPERATOR),  # a viewer gets no compose link
    )


def _as_json(_: web.Request, view: BoardPage) -> web.StreamResponse:
    return web.json_response(openapi.plain(view))


_STRING = {"type": "string"}
QUERY = (
    Param("link", _STRING, "PEER/profile, one of the node's links"),
    Param("direction", {"enum": DIRECTIONS}, "out: the peer owes us, in: we owe the peer"),
    Param("overdue", {"enum": ["1"]}, "1: only what is past its due time"),
)


board_page = access.viewer(rendering(board_view, _as_page))  # GET /board
api_board = access.viewer(rendering(board_view, _as_json))  # GET /api/board
