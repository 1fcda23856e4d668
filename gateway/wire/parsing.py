"""Hardened parsing: bytes from a peer or a national system become an lxml tree, or a coded refusal.

Nothing here resolves an entity, loads a DTD, touches the network or follows an XInclude. A
document type declaration is refused before libxml2 ever sees the bytes; the parser itself is
also configured to refuse all of it (defence in depth). Size and depth are capped.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from typing import Any, cast

from lxml import etree

from gateway.errors import WireError
from gateway.reasons import Reason

XINCLUDE_NS = "http://www.w3.org/2001/XInclude"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

_XML_DECL = re.compile(rb"""<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_BOMS_OTHER = (b"\xfe\xff", b"\xff\xfe", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")
_UTF8_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Limits:
    """Caps applied before and during parsing."""

    max_bytes: int = 1 << 20
    max_depth: int = 48


DEFAULT_LIMITS = Limits()
_local = threading.local()


def safe_parser() -> etree.XMLParser:
    """This thread's hardened parser (lxml parsers must not be shared between threads)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(
            resolve_entities=False,
            no_network=True,
            load_dtd=False,
            dtd_validation=False,
            attribute_defaults=False,
            huge_tree=False,
            collect_ids=False,
            remove_blank_text=False,
            remove_comments=False,
            remove_pis=False,
            strip_cdata=True,
        )
        _local.parser = parser
    return parser


def parse(data: bytes, limits: Limits = DEFAULT_LIMITS) -> etree._Element:
    """Parse *data* into the root element of a tree, refusing everything hostile or broken."""
    if len(data) > limits.max_bytes:
        raise WireError(
            f"document is {len(data)} bytes, more than the limit of {limits.max_bytes}",
            reason=Reason.XML_TOO_LARGE,
        )
    text = _check_encoding(data)
    _refuse_doctype(text)
    try:
        root = etree.fromstring(data, safe_parser())
    except etree.XMLSyntaxError as exc:
        if "depth" in str(exc).lower():
            raise WireError(
                f"nesting deeper than {limits.max_depth} levels", reason=Reason.XML_TOO_DEEP
            ) from exc
        raise WireError(f"not well-formed XML: {exc}", reason=Reason.XML_NOT_WELL_FORMED) from exc
    _inspect(root, limits)
    return root


def _check_encoding(data: bytes) -> str:
    if data.startswith(_BOMS_OTHER):
        raise WireError(
            "only UTF-8 is accepted; the document has a UTF-16/32 byte-order mark",
            reason=Reason.XML_ENCODING_INVALID,
        )
    body = data[len(_UTF8_BOM) :] if data.startswith(_UTF8_BOM) else data
    if b"\x00" in body[:4]:
        raise WireError(
            "only UTF-8 is accepted; the document looks like UTF-16/32", reason=Reason.XML_ENCODING_INVALID
        )
    declared = _XML_DECL.match(body)
    if declared and declared.group(1).lower().replace(b"_", b"-") not in (b"utf-8", b"utf8"):
        raise WireError(
            f"encoding declaration {declared.group(1).decode('ascii')!r}: only UTF-8 is accepted",
            reason=Reason.XML_ENCODING_INVALID,
        )
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise WireError(
            f"bytes are not valid UTF-8 at offset {exc.start}", reason=Reason.XML_ENCODING_INVALID
        ) from exc
    if not text.lstrip().startswith("<"):
        raise WireError("not XML: the document does not start with markup", reason=Reason.XML_NOT_WELL_FORMED)
    return text


_EXTERNAL_DTD = re.compile(r"<!DOCTYPE\s+[^\s\[>]+\s+(SYSTEM|PUBLIC)\b")
_PARAMETER_ENTITY = re.compile(r"<!ENTITY\s+%")
_EXTERNAL_ENTITY = re.compile(r"<!ENTITY\s+[^\s%]+\s+(SYSTEM|PUBLIC)\b")
_INTERNAL_ENTITY = re.compile(r"<!ENTITY\s")


def _refuse_doctype(text: str) -> None:
    """Refuse any document type declaration, naming the attack it carries."""
    doctype = _prolog_doctype(text)
    if doctype is None:
        return
    if _PARAMETER_ENTITY.search(doctype):
        raise WireError("parameter entities are forbidden", reason=Reason.XML_PARAMETER_ENTITY)
    if _EXTERNAL_ENTITY.search(doctype):
        raise WireError("external entities are forbidden", reason=Reason.XML_EXTERNAL_ENTITY)
    if _EXTERNAL_DTD.search(doctype):
        raise WireError("external DTDs are forbidden", reason=Reason.XML_EXTERNAL_DTD)
    if _INTERNAL_ENTITY.search(doctype):
        raise WireError(
            "entity declarations are forbidden (entity expansion)", reason=Reason.XML_ENTITY_EXPANSION
        )
    raise WireError("document type declarations are forbidden", reason=Reason.XML_DTD_FORBIDDEN)


def _prolog_doctype(text: str) -> str | None:
    """Return the text from ``<!DOCTYPE`` on if the prolog has one, else None."""
    pos = 0
    length = len(text)
    while pos < length:
        if text[pos].isspace() or text[pos] == "\ufeff":
            pos += 1
        elif text.startswith("<?", pos):
            end = text.find("?>", pos)
            pos = length if end < 0 else end + 2
        elif text.startswith("<!--", pos):
            end = text.find("-->", pos)
            pos = length if end < 0 else end + 3
        elif text.startswith("<!DOCTYPE", pos) or text.startswith("<!doctype", pos):
            return text[pos:]
        else:
            return None
    return None


_NS = {"xi": XINCLUDE_NS, "xsi": XSI_NS}
_FIND_MARKUP = etree.XPath("//comment() | //processing-instruction()")
_FIND_XINCLUDE = etree.XPath("boolean(//xi:*)", namespaces=_NS)
_FIND_XSI = etree.XPath("//@xsi:schemaLocation | //@xsi:noNamespaceSchemaLocation", namespaces=_NS)
_FIND_IDS = etree.XPath("//@Id | //@ID | //@id | //@xml:id")
_ANY_SUSPECT = etree.XPath(
    "boolean(//comment() | //processing-instruction() | //xi:* | //@xsi:schemaLocation"
    " | //@xsi:noNamespaceSchemaLocation | //@Id | //@ID | //@id | //@xml:id)",
    namespaces=_NS,
)


def _too_deep(depth: int) -> etree.XPath:
    return etree.XPath("boolean(/" + "/*" * (depth + 1) + ")")


_DEPTH_PROBES: dict[int, etree.XPath] = {}


def _inspect(root: etree._Element, limits: Limits) -> None:
    """Depth, comments, processing instructions, XInclude, xsi locations and Id, checked in C (XPath)."""
    probe = _DEPTH_PROBES.get(limits.max_depth)
    if probe is None:
        probe = _DEPTH_PROBES.setdefault(limits.max_depth, _too_deep(limits.max_depth))
    tree = root.getroottree()
    if getattr(tree.docinfo, "doctype", ""):  # the prolog scan refuses first; kept as a safety net
        raise WireError("document type declarations are forbidden", reason=Reason.XML_DTD_FORBIDDEN)
    if probe(tree):
        raise WireError(f"nesting deeper than {limits.max_depth} levels", reason=Reason.XML_TOO_DEEP)
    if _ANY_SUSPECT(tree):
        _classify(tree)


def _classify(tree: etree._ElementTree) -> None:
    """Name what the one-pass probe found: markup, XInclude, schema locations, duplicate Ids."""
    markup = cast(list[etree._Element], _FIND_MARKUP(tree))
    if markup:
        _refuse_node(markup[0])
    if _FIND_XINCLUDE(tree):
        raise WireError("XInclude is forbidden", reason=Reason.XML_XINCLUDE_FORBIDDEN)
    located = cast(list[Any], _FIND_XSI(tree))
    if located:
        raise WireError(
            f"attribute {located[0].attrname} is forbidden: schemas are never fetched",
            reason=Reason.XML_SCHEMA_LOCATION_FORBIDDEN,
        )
    ids = [str(value) for value in cast(list[str], _FIND_IDS(tree))]
    if len(ids) != len(set(ids)):
        duplicate = next(value for value in ids if ids.count(value) > 1)
        raise WireError(f"duplicate Id {duplicate!r}", reason=Reason.XML_DUPLICATE_ID)


def _refuse_node(node: etree._Element) -> None:
    if isinstance(node, etree._Comment):
        raise WireError("comments are not allowed in a message", reason=Reason.XML_COMMENT_FORBIDDEN)
    if isinstance(node, etree._ProcessingInstruction):
        raise WireError(
            "processing instructions are not allowed in a message",
            reason=Reason.XML_PROCESSING_INSTRUCTION_FORBIDDEN,
        )
    if isinstance(node, etree._Entity):
        raise WireError("entity references are forbidden", reason=Reason.XML_ENTITY_EXPANSION)
