"""XSD validation of whole messages with lxml (the hot path).

The wire schema (schemas/xsd/wire.xsd) imports the envelope and every profile's body schemas.
It is compiled once per process; the schema files are local and nothing is fetched.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path
from typing import Any, cast

from lxml import etree

from gateway import paths
from gateway.errors import ConfigError, WireError
from gateway.reasons import Reason

_NAMESPACE = re.compile(r"\{(?:urn:|https?://)[^}]*\}")


class Validator:
    """Validates a message element against the wire schema; errors name the field and the rule."""

    def __init__(self, schema_file: Path) -> None:
        parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
        try:
            self._schema = etree.XMLSchema(etree.parse(str(schema_file), parser))
        except (OSError, etree.XMLSchemaParseError, etree.XMLSyntaxError) as exc:
            raise ConfigError(f"{schema_file}: cannot compile the schema: {exc}") from exc

    def validate(self, root: etree._Element) -> None:
        if self._schema.validate(root):
            return
        entry = cast(Any, self._schema.error_log)[0]
        message = _NAMESPACE.sub("", entry.message)
        field = _field(root, entry.path)
        raise WireError(
            f"{field}: {message}", reason=Reason.SCHEMA_INVALID, field=None if field == "document" else field
        )


def _field(root: etree._Element, xpath: str | None) -> str:
    """Readable path of the offending element, e.g. Notification/Body/MarkerIncident/Kind."""
    try:
        found = cast(list[object], root.getroottree().xpath(xpath)) if xpath else []
    except etree.XPathError:
        found = []
    if not found or not isinstance(found[0], etree._Element):
        return "document"
    node: etree._Element | None = found[0]
    names = []
    while node is not None:
        names.append(etree.QName(node).localname)
        node = node.getparent()
    return "/".join(reversed(names))


@cache
def wire_validator() -> Validator:
    """The process-wide validator of schemas/xsd/wire.xsd."""
    return Validator(paths.XSD / "wire.xsd")
