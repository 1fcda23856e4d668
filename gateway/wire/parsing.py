"""Hardened parsing: bytes from a peer or a national system become an lxml tree, or a coded refusal.

Nothing here resolves an entity, loads a DTD, touches the network or follows an XInclude. A
document type declaration is refused before libxml2 ever sees the bytes; the parser itself is
also configured to refuse all of it (defence in depth).

The work is linear in the input and bounded by explicit limits (:class:`Limits`), checked while
libxml2 parses: the bytes are fed in chunks and, after each chunk, the elements, attributes and
namespace declarations parsed so far are counted against the caps, so an oversized document is
refused after at most one chunk past the limit. What is left (depth, comments, XInclude, Ids) is
checked afterwards in one pass each, in C (XPath).
"""

from __future__ import annotations

import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, cast

from lxml import etree

from gateway.errors import WireError
from gateway.reasons import Reason
from gateway.wire.budget import UNLIMITED, Budget

XINCLUDE_NS = "http://www.w3.org/2001/XInclude"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"

_XML_DECL = re.compile(rb"""<\?xml\s[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_XML_VERSION = re.compile(rb"""<\?xml\s+version\s*=\s*["']([^"']{0,16})["']""")
_BOMS_OTHER = (b"\xfe\xff", b"\xff\xfe", b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")
_UTF8_BOM = b"\xef\xbb\xbf"
_ABSOLUTE_URI = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*:\S")
CHUNK = 64 * 1024


@dataclass(frozen=True)
class Limits:
    """Caps applied before and while parsing (and, for SignedInfo, before canonicalising it).

    The defaults fit every message the profiles allow: the largest lists of the body schemas
    (1,000 findings of a joint inspection, 500 items of a hand-over act) stay far below them.
    """

    max_bytes: int = 1 << 20
    max_depth: int = 48
    max_elements: int = 50_000
    max_attributes: int = 50_000  # in the whole document
    max_attributes_per_element: int = 16
    max_namespaces: int = 64  # namespace declarations in the whole document
    max_ids: int = 16  # Id-like attributes (Id, ID, id, xml:id, wsu:Id …) in the whole document
    max_signed_info_bytes: int = 4096  # text and attribute values inside ds:SignedInfo


DEFAULT_LIMITS = Limits()
_local = threading.local()
_OPTIONS: dict[str, Any] = {
    "resolve_entities": False,
    "no_network": True,
    "load_dtd": False,
    "dtd_validation": False,
    "attribute_defaults": False,
    "huge_tree": False,
    "collect_ids": False,
    "remove_blank_text": False,
    "remove_comments": False,
    "remove_pis": False,
    "strip_cdata": True,
}


def safe_parser() -> etree.XMLParser:
    """This thread's hardened parser (lxml parsers must not be shared between threads), for bytes
    that already passed :func:`parse` once (canonical forms of a checked tree, stored payloads)."""
    parser: etree.XMLParser | None = getattr(_local, "parser", None)
    if parser is None:
        parser = etree.XMLParser(**_OPTIONS)
        _local.parser = parser
    return parser


def parse(data: bytes, limits: Limits = DEFAULT_LIMITS, budget: Budget = UNLIMITED) -> etree._Element:
    """Parse *data* into the root element of a tree, refusing everything hostile or broken."""
    if len(data) > limits.max_bytes:
        raise WireError(
            f"document is {len(data)} bytes, more than the limit of {limits.max_bytes}",
            reason=Reason.XML_TOO_LARGE,
        )
    text = _check_encoding(data)
    _refuse_doctype(text)
    root = _read(data, limits, budget)
    budget.check("parsed")
    _inspect(root, limits)
    return root


def _pull_parser() -> etree.XMLPullParser:
    """This thread's hardened feed parser; reused after a clean close, dropped after any failure."""
    parser: etree.XMLPullParser | None = getattr(_local, "pull", None)
    if parser is None:
        parser = etree.XMLPullParser(events=("start", "start-ns"), **_OPTIONS)
        _local.pull = parser
    return parser


def _read(data: bytes, limits: Limits, budget: Budget) -> etree._Element:
    """libxml2 parses *data* chunk by chunk; the caps are checked after every chunk."""
    parser = _pull_parser()
    _local.pull = None  # taken: a failure below leaves no half-fed parser behind
    counter = _Counter(limits)
    try:
        for start in range(0, len(data), CHUNK):
            parser.feed(data[start : start + CHUNK])
            counter.take(parser.read_events())
            budget.check("parsing")
        root = parser.close()
    except etree.LxmlError as exc:
        if "depth" in str(exc).lower():
            raise WireError(
                f"nesting deeper than {limits.max_depth} levels", reason=Reason.XML_TOO_DEEP
            ) from exc
        raise WireError(f"not well-formed XML: {exc}", reason=Reason.XML_NOT_WELL_FORMED) from exc
    counter.take(parser.read_events())
    _local.pull = parser
    return root


class _Counter:
    """Elements, attributes and namespace declarations seen so far, against the limits."""

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.elements = 0
        self.attributes = 0
        self.namespaces = 0

    def take(self, events: Iterable[tuple[str, Any]]) -> None:
        per_element = self.limits.max_attributes_per_element
        for event, item in events:
            if event == "start":
                self.elements += 1
                count = len(item.attrib)
                if count > per_element:
                    raise WireError(
                        f"element {etree.QName(item).localname!r} has {count} attributes; "
                        f"at most {per_element} are accepted",
                        reason=Reason.XML_TOO_MANY_ATTRIBUTES,
                    )
                self.attributes += count
            else:
                self.namespaces += 1
                _check_namespace(*item)
        self._check_totals()

    def _check_totals(self) -> None:
        limits = self.limits
        for count, cap, what, reason in (
            (self.elements, limits.max_elements, "elements", Reason.XML_TOO_MANY_ELEMENTS),
            (self.attributes, limits.max_attributes, "attributes", Reason.XML_TOO_MANY_ATTRIBUTES),
            (
                self.namespaces,
                limits.max_namespaces,
                "namespace declarations",
                Reason.XML_TOO_MANY_NAMESPACES,
            ),
        ):
            if count > cap:
                raise WireError(f"more than {cap} {what} in the document", reason=reason)


def root_tag(data: bytes) -> str | None:
    """The qualified name of the root element, read from the first chunk only (None when it is
    not there or the bytes are not XML); to choose limits before the document is parsed."""
    parser = etree.XMLPullParser(events=("start",), **_OPTIONS)
    try:
        parser.feed(data[:CHUNK])
        for _event, element in parser.read_events():
            return str(cast(etree._Element, element).tag)
    except etree.LxmlError:
        return None
    return None


def _check_namespace(prefix: str, uri: str) -> None:
    """A namespace name is an absolute URI (canonical XML forbids relative ones); xmlns="" undeclares."""
    if uri == "" and not prefix:
        return
    if not _ABSOLUTE_URI.match(uri):
        raise WireError(
            f"namespace {prefix or '(default)'} = {uri!r}: a namespace name must be an absolute URI",
            reason=Reason.XML_NAMESPACE_INVALID,
        )


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
    version = _XML_VERSION.match(body)
    if version and version.group(1) != b"1.0":
        raise WireError(
            f"XML version {version.group(1).decode('ascii', 'replace')!r}: only XML 1.0 is accepted",
            reason=Reason.XML_VERSION_UNSUPPORTED,
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


# What may come before a document type declaration; possessive, so a failed match never backtracks.
_DOCTYPE_AFTER_PROLOG = re.compile(r"(?:\s++|\ufeff|<\?.*?\?>|<!--.*?-->)*+(<!DOCTYPE)", re.S | re.I)
_EXTERNAL_DTD = re.compile(r"<!DOCTYPE\s+[^\s\[>]+\s+(SYSTEM|PUBLIC)\b")
_PARAMETER_ENTITY = re.compile(r"<!ENTITY\s+%")
_EXTERNAL_ENTITY = re.compile(r"<!ENTITY\s+[^\s%]+\s+(SYSTEM|PUBLIC)\b")
_INTERNAL_ENTITY = re.compile(r"<!ENTITY\s")


def _refuse_doctype(text: str) -> None:
    """Refuse any document type declaration, naming the attack it carries."""
    found = _DOCTYPE_AFTER_PROLOG.match(text)
    if found is None:
        return
    doctype = text[found.start(1) :]
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


_NS = {"xi": XINCLUDE_NS, "xsi": XSI_NS}
_ID_LIKE = "//@*[translate(local-name(), 'ID', 'id') = 'id']"
_FIND_MARKUP = etree.XPath("//comment() | //processing-instruction()")
_FIND_XINCLUDE = etree.XPath("boolean(//xi:*)", namespaces=_NS)
_FIND_XSI = etree.XPath("//@xsi:schemaLocation | //@xsi:noNamespaceSchemaLocation", namespaces=_NS)
_COUNT_IDS = etree.XPath(f"count({_ID_LIKE})")
_FIND_IDS = etree.XPath(_ID_LIKE)
_ANY_SUSPECT = etree.XPath(
    "boolean(//comment() | //processing-instruction() | //xi:* | //@xsi:schemaLocation"
    f" | //@xsi:noNamespaceSchemaLocation | {_ID_LIKE})",
    namespaces=_NS,
)


def _too_deep(depth: int) -> etree.XPath:
    return etree.XPath("boolean(/" + "/*" * (depth + 1) + ")")


_DEPTH_PROBES: dict[int, etree.XPath] = {}


def _inspect(root: etree._Element, limits: Limits) -> None:
    """Depth, comments, processing instructions, XInclude, xsi locations and Ids, checked in C (XPath)."""
    probe = _DEPTH_PROBES.get(limits.max_depth)
    if probe is None:
        probe = _DEPTH_PROBES.setdefault(limits.max_depth, _too_deep(limits.max_depth))
    tree = root.getroottree()
    if getattr(tree.docinfo, "doctype", ""):  # the prolog scan refuses first; kept as a safety net
        raise WireError("document type declarations are forbidden", reason=Reason.XML_DTD_FORBIDDEN)
    if probe(tree):
        raise WireError(f"nesting deeper than {limits.max_depth} levels", reason=Reason.XML_TOO_DEEP)
    if _ANY_SUSPECT(tree):
        _classify(tree, limits)


def _classify(tree: etree._ElementTree, limits: Limits) -> None:
    """Name what the one-pass probe found: markup, XInclude, schema locations, too many or duplicate Ids."""
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
    count = int(cast(float, _COUNT_IDS(tree)))
    if count > limits.max_ids:
        raise WireError(
            f"{count} Id attributes; at most {limits.max_ids} are accepted", reason=Reason.XML_TOO_MANY_IDS
        )
    seen: set[str] = set()
    for value in cast(list[str], _FIND_IDS(tree)):
        if value in seen:
            raise WireError(f"duplicate Id {str(value)!r}", reason=Reason.XML_DUPLICATE_ID)
        seen.add(value)


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
