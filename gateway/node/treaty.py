"""What the treaty clocks read from the store, for the node, `bgw calendar` and the console: the
messages of a link that move a clock (their type, sender and time of receipt, and for an
entry-into-force notice what its signed body says it concerns), turned into `rules.agreement.Fact`s —
the bodies parsed after the read, outside any transaction — and the agreement's state and each link's
treaty calendar from them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from sqlalchemy import Connection

from gateway.errors import GatewayError
from gateway.node.config import Link
from gateway.node.database import Database
from gateway.profiles import Profile
from gateway.rules.agreement import ENTRY_NOTICE, AgreementState, Fact, agreement_state, fact_of
from gateway.rules.calendar import Calendar, treaty_calendar
from gateway.store import views
from gateway.store.views import Recorded
from gateway.wire.envelope import body_of
from gateway.wire.parsing import parse


def calendar_types(profile: Profile) -> list[str]:
    """The types whose receipt moves a treaty clock."""
    return [t.name for t in profile.types.values() if t.anchored or t.effect or t.periodic]


def fact(recorded: Recorded, sender: str) -> Fact:
    """One recorded message as the treaty clocks read it; an entry-into-force notice whose body cannot
    be read moves no date (fact_of)."""
    body = None
    if recorded.type == ENTRY_NOTICE:
        try:
            body = body_of(parse(recorded.payload))
        except GatewayError:
            body = None
    return fact_of(recorded.type, sender, recorded.received_at, body)


def facts(recorded: Sequence[Recorded], side: str, peer: str) -> list[Fact]:
    """The facts of a link's recorded messages, read by *side* (what it sent) with *peer*."""
    return [fact(r, peer if r.direction == "in" else side) for r in recorded]


async def agreement_of(db: Database, profile: Profile, peer: str, side: str, now: datetime) -> AgreementState:
    """The agreement's state on the link with *peer* under *profile*, on *side*'s date at *now*."""
    recorded = await db.read(views.treaty_messages, profile.id, peer, calendar_types(profile))
    return agreement_state(profile, facts(recorded, side, peer), now, side)


def recorded_per_link(
    conn: Connection, links: Sequence[Link], profiles: Mapping[str, Profile]
) -> list[list[Recorded]]:
    """The recorded messages that move a treaty clock, for each of *links* in order (one store read)."""
    return [
        views.treaty_messages(conn, link.profile, link.peer, calendar_types(profiles[link.profile]))
        for link in links
    ]


def link_calendars(
    links: Sequence[Link],
    profiles: Mapping[str, Profile],
    recorded: Sequence[Sequence[Recorded]],
    side: str,
    now: datetime,
) -> list[tuple[str, Calendar]]:
    """Each link's name and treaty calendar read by *side* at *now*, from recorded_per_link."""
    return [
        (link.name, treaty_calendar(profiles[link.profile], facts(found, side, link.peer), now, side))
        for link, found in zip(links, recorded, strict=True)
    ]
