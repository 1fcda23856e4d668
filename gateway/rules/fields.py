"""Reading body fields named by profile paths such as ``Period/Start`` (local names from the body root)."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from gateway.errors import RuleError
from gateway.reasons import Reason
from gateway.wire.envelope import parse_time


def field_nodes(body: etree._Element, path: str) -> list[etree._Element]:
    """Every element at *path* below the body root, in the body's own namespace."""
    namespace = etree.QName(body).namespace
    steps = "/".join(f"{{{namespace}}}{step}" for step in path.split("/"))
    return list(body.iterfind(steps))


def field_values(body: etree._Element, path: str) -> list[str]:
    return [(node.text or "").strip() for node in field_nodes(body, path)]


def rule_time(value: str, path: str) -> datetime:
    """A body time the rules compute with: one the schema admits but no clock can hold (a UTC
    value past the year 9999, e.g. 9999-12-31T24:00:00Z) is a coded refusal naming the field."""
    try:
        return parse_time(value)
    except ValueError as exc:
        raise RuleError(
            f"{path}: {value[:64]!r} is not a time the treaty's clocks can count from",
            reason=Reason.RULE_VIOLATED,
            field=path,
        ) from exc


def earliest_time(body: etree._Element, path: str) -> datetime | None:
    """The earliest UTC time at *path* (a body may carry several), or None when there is none."""
    times = [rule_time(value, path) for value in field_values(body, path) if value]
    return min(times) if times else None
