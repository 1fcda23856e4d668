"""`bgw calendar`: each link's treaty deadlines (anchored and periodic), from the profile's facts
and the messages the node recorded; every number marked `text` (the agreement's) or `default`."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import datetime
from zoneinfo import ZoneInfo

from gateway.node.config import NodeConfig
from gateway.profiles import Profile, Source
from gateway.render import SOURCE
from gateway.rules.calendar import Entry, Fact, treaty_calendar
from gateway.store import Store, views
from gateway.wire.envelope import format_time


def _calendar_types(profile: Profile) -> list[str]:
    """The types whose receipt moves a treaty clock."""
    return [t.name for t in profile.types.values() if t.anchored or t.effect or t.periodic]


def link_calendars(
    config: NodeConfig, profiles: Mapping[str, Profile], store: Store, now: datetime
) -> list[tuple[str, list[Entry]]]:
    result = []
    for link in config.links:
        profile = profiles[link.profile]
        received = store.read(views.received, profile.id, link.peer, _calendar_types(profile))
        facts = [
            Fact(type_name, link.peer if direction == "in" else config.side, at)
            for type_name, direction, at in received
        ]
        result.append((link.name, treaty_calendar(profile, facts, now)))
    return result


def as_json(calendars: list[tuple[str, list[Entry]]], now: datetime) -> str:
    return json.dumps(
        {
            "at": format_time(now),
            "links": [
                {
                    "link": name,
                    "entries": [
                        {
                            "what": e.what,
                            "article": e.article,
                            "at": format_time(e.at) if e.at else None,
                            "state": e.state.value,
                            "source": e.source.value,
                            "basis": e.basis,
                            "duty": e.duty,
                        }
                        for e in entries
                    ],
                }
                for name, entries in calendars
            ],
        },
        ensure_ascii=False,
    )


def as_text(calendars: list[tuple[str, list[Entry]]], zone: str, write: Callable[[str], None]) -> None:
    local = ZoneInfo(zone)
    for name, entries in calendars:
        write(f"link {name}")
        for e in entries:
            when = e.at.astimezone(local).strftime("%Y-%m-%d %H:%M") if e.at else "—"
            article = f"Art. {e.article}" if e.article[:1].isdigit() else e.article
            columns = f"{when:<16}  {e.state.value:<8}  {e.source.value:<7}  {e.what:<26}  {article:<14}"
            write(f"  {columns}  {e.basis}")
    write(f"times in {zone}; text: {SOURCE[Source.TEXT]['en']}; default: {SOURCE[Source.DEFAULT]['en']}")
