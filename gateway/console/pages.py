"""Server-rendered pages: Jinja templates (autoescaped) with the viewer's catalogue, and times shown
in the side's zone with the UTC time in the title (what a mouse shows on hover)."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup

from gateway.console import i18n
from gateway.console.agreement_calendar import BANNER, BANNER_DAYS
from gateway.console.calendar_why import why_words
from gateway.console.context import CSRF, NAVIGATION, SESSION, context_of
from gateway.console.treaty_words import article_words, what_title

TEMPLATES = Path(__file__).resolve().parent / "templates"
LANG_COOKIE = "bgw_lang"


def language(request: web.Request) -> str:
    return i18n.chosen(request.cookies.get(LANG_COOKIE))


def machine_time(moment: datetime) -> str:
    """The UTC instant for a machine (a <time datetime>, a countdown's node time), to the millisecond:
    a countdown the browser computes from two instants cut to the second could read a whole hour more
    than the server's (48 h left instead of 47 h 59 min)."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def time_element(moment: datetime | None, zone: ZoneInfo, shown: str = "%Y-%m-%d %H:%M:%S") -> Markup:
    """<time> in *zone* (to the second, as *shown* formats it), the UTC instant in datetime and title."""
    if moment is None:
        return Markup("—")
    utc = moment.astimezone(UTC)
    local = utc.astimezone(zone)
    return Markup('<time datetime="{iso}" title="{utc} UTC">{local}</time>').format(
        iso=machine_time(utc),
        utc=utc.strftime("%Y-%m-%d %H:%M:%S"),
        local=local.strftime(shown),
    )


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["machine"] = machine_time
    return env


def render(request: web.Request, template: str, status: int = 200, **values: Any) -> web.Response:
    page = fragment(request, template, **values)
    return web.Response(text=page, status=status, content_type="text/html", charset="utf-8")


def fragment(request: web.Request, template: str, **values: Any) -> str:
    """A template rendered with everything a page has (a whole page, or a part of one)."""
    context = context_of(request)
    lang = language(request)
    zone = context.zone
    session = request.get(SESSION)
    navigation = [entry for entry in request.app[NAVIGATION] if session and session.role.allows(entry.role)]
    return (
        environment()
        .get_template(template)
        .render(
            t=i18n.catalogue(lang),
            lang=lang,
            languages=i18n.LANGUAGES,
            session=session,
            navigation=navigation,
            csrf=request.get(CSRF, ""),
            side=context.config.side,
            zone=context.config.zone,
            path=request.rel_url.path_qs,
            when=lambda moment: time_element(moment, zone),
            time_of_day=lambda moment: time_element(moment, zone, "%H:%M:%S"),
            banner=request.get(BANNER, []),
            banner_days=BANNER_DAYS,
            what=lambda profile, name: what_title(context.profiles, lang, profile, name),
            article=lambda cited: article_words(lang, cited),
            why=lambda profile, reason: why_words(context.profiles, lang, profile, reason),
            **values,
        )
    )
