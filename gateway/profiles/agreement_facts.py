"""Reading a profile's agreement facts: its dates, terms, clauses and each Party's time zone."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from types import MappingProxyType
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gateway.profiles.model import Agreement, Clause
from gateway.profiles.nodes import Node, opt_span, span, titles

_AGREEMENT_KEYS = frozenset(
    {
        "sides",
        "title",
        "prevailing_language",
        "signed_on",
        "in_force_from",
        "approved_on",
        "approved_by",
        "term",
        "renewal",
        "entry_into_force",
        "termination",
        "denunciation",
        "zones",
    }
)


def clause(node: Node | None, span_key: str) -> Clause | None:
    if node is None:
        return None
    node.only({"article", span_key, "quote", "rule"})
    return Clause(
        article=node.get("article", str),
        span=span(node.child(span_key)),
        quote=node.get("quote", str, required=False) or "",
        rule=node.get("rule", str, required=False) or "",
    )


def agreement(node: Node) -> Agreement:
    node.only(_AGREEMENT_KEYS)
    sides = node.get("sides", list)
    if len(sides) != 2 or not all(
        isinstance(side, str) and len(side) == 2 and side.isupper() for side in sides
    ):
        raise node.fail("sides", "must be two ISO 3166 alpha-2 codes")
    term = node.data.get("term")
    if term is not None and term != "indefinite" and not isinstance(term, Mapping):
        raise node.fail("term", 'must be "indefinite" or { value, unit, source }')
    return Agreement(
        sides=tuple(sides),
        title=titles(node),
        prevailing_language=node.get("prevailing_language", str, required=False) or "ru",
        signed_on=node.get("signed_on", date, required=False),
        in_force_from=node.get("in_force_from", date, required=False),
        approved_on=node.get("approved_on", date, required=False),
        approved_by=node.get("approved_by", str, required=False) or "",
        term=span(node.child("term")) if isinstance(term, Mapping) else None,
        renewal=opt_span(node, "renewal"),
        entry_into_force=clause(node.opt_child("entry_into_force"), "after"),
        termination=clause(node.opt_child("termination"), "after"),
        denunciation=clause(node.opt_child("denunciation"), "before"),
        zones=_zones(node, tuple(sides)),
    )


def _zones(node: Node, sides: tuple[str, ...]) -> Mapping[str, str]:
    """Each Party's time zone (IANA name): the zone a date of the agreement is read in."""
    table = node.child("zones")
    table.only(sides)
    zones = {}
    for side in sides:
        name = table.get(side, str)
        try:
            ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            raise table.fail(side, f"{name!r} is not a known time zone") from None
        zones[side] = name
    return MappingProxyType(zones)
