"""Reading body fields named by profile paths such as ``Period/Start`` (local names from the body root)."""

from __future__ import annotations

from lxml import etree


def field_nodes(body: etree._Element, path: str) -> list[etree._Element]:
    """Every element at *path* below the body root, in the body's own namespace."""
    namespace = etree.QName(body).namespace
    steps = "/".join(f"{{{namespace}}}{step}" for step in path.split("/"))
    return list(body.iterfind(steps))


def field_values(body: etree._Element, path: str) -> list[str]:
    return [(node.text or "").strip() for node in field_nodes(body, path)]
