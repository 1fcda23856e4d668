"""Reference data of a profile: the border districts (Annex 7 of the KZ–UZ agreement)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lxml import etree

from gateway.errors import ConfigError, RuleError
from gateway.reasons import Reason

REFERENCE_NS = "urn:bgw:reference:1"


@dataclass(frozen=True)
class Districts:
    """Border districts by (region, district) name, each with its side."""

    source: Path
    entries: frozenset[tuple[str, str, str]]

    @classmethod
    def load(cls, path: Path) -> Districts:
        try:
            root = etree.parse(str(path), etree.XMLParser(resolve_entities=False, no_network=True)).getroot()
        except (OSError, etree.XMLSyntaxError) as exc:
            raise ConfigError(f"{path}: cannot read the district list: {exc}") from exc
        entries = set()
        for region in root.iter(f"{{{REFERENCE_NS}}}Region"):
            side = region.findtext(f"{{{REFERENCE_NS}}}Side", "").strip()
            region_name = region.findtext(f"{{{REFERENCE_NS}}}Name", "").strip()
            for district in region.iterfind(f"{{{REFERENCE_NS}}}District"):
                entries.add((side, region_name, district.findtext(f"{{{REFERENCE_NS}}}Name", "").strip()))
        if not entries:
            raise ConfigError(f"{path}: no districts found")
        return cls(path, frozenset(entries))

    def knows(self, region: str, district: str) -> bool:
        return any(r == region and d == district for _, r, d in self.entries)

    def check(self, body: etree._Element) -> None:
        """Every District in *body* must be a border district of the list (Art. 30(3), Annex 7)."""
        namespace = etree.QName(body).namespace
        for node in body.iter(f"{{{namespace}}}District"):
            region = node.findtext(f"{{{namespace}}}Region", "").strip()
            name = node.findtext(f"{{{namespace}}}Name", "").strip()
            if region and name and not self.knows(region, name):
                raise RuleError(
                    f"District: «{name}» of «{region}» is not a border district of the list "
                    f"(Annex 7, Art. 30(3))",
                    reason=Reason.REFERENCE_DATA_UNKNOWN,
                    field=_path(node),
                )


def _path(node: etree._Element) -> str:
    """The element's path in its document, as schema errors name theirs (Notification/Body/…)."""
    return "/".join(etree.QName(item).localname for item in reversed([node, *node.iterancestors()]))
