"""Reading body fields named by profile paths such as ``Period/Start`` (local names from the body root)."""

from __future__ import annotations

from datetime import datetime

from lxml import etree

from gateway.wire.envelope import parse_time


def field_nodes(body: etree._Element, path: str) -> list[etree._Element]:
    """Every element at *path* below the body root, in the body's own namespace."""
    namespace = etree.QName(body).namespace
    steps = "/".join(f"{{{namespace}}}{step}" for step in path.split("/"))
    return list(body.iterfind(steps))


def field_values(body: etree._Element, path: str) -> list[str]:
    return [(node.text or "").strip() for node in field_nodes(body, path)]


def earliest_time(body: etree._Element, path: str) -> datetime | None:
    """The earliest UTC time at *path* (a body may carry several), or None when there is none."""
    times = [parse_time(value) for value in field_values(body, path) if value]
    return min(times) if times else None
