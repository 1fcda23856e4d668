"""Hardened parsing: bytes from a peer or a national system become an lxml tree, or a coded refusal.

Nothing here resolves an entity, loads a DTD, touches the network or follows an XInclude. A
document type declaration is refused before libxml2 ever sees the bytes; the parser itself is
also configured to refuse all of it (defence in depth).

The work is linear in the input and bounded by explicit limits (:class:`Limits`). libxml2 parses
the bytes in chunks (linear, about 5 ms for 1 MiB however it is shaped); namespace declarations
are counted and checked after each chunk, as libxml2 reports them. As soon as the tree is built,
and before anything else reads it, one pass each in C (XPath) counts the elements and attributes
(in all and per element) against their caps and looks for depth, comments, processing
instructions, XInclude, schema locations and Ids. No Python loop runs over the elements here: a
check per element costs more than libxml2's whole parse.
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

    The defaults leave room for any message a node sends: the largest sample has 129 elements, a
    joint inspection protocol of 1 MiB with its 1,000 findings about 4,000, a dossier with its
    1,000 timeline entries about 1,000 elements and 5,000 attributes.
    """

    max_bytes: int = 1 << 20
    max_depth: int = 48
    max_elements: int = 10_000
    max_attributes: int = 10_000  # in the whole document
    max_attributes_per_element: int = 16
    max_namespaces: int = 64  # namespace declarations in the whole document
    max_ids: int = 16  # Id attributes (Id, ID, id, xml:id: those XML-DSig tools resolve) in the document
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
        parser = etree.XMLPullParser(events=("start-ns",), **_OPTIONS)
        _local.pull = parser
    return parser


def _read(data: bytes, limits: Limits, budget: Budget) -> etree._Element:
    """libxml2 parses *data* chunk by chunk; namespace declarations are checked after every chunk."""
    parser = _pull_parser()
    _local.pull = None  # taken: a failure below leaves no half-fed parser behind
    declarations = tags = equals = namespaces = 0
    try:
        for start in range(0, len(data), CHUNK):
            chunk = data[start : start + CHUNK]
            tags += chunk.count(b"<") - chunk.count(b"</")
            equals += chunk.count(b"=")
            namespaces += chunk.count(b"xmlns")
            _check_estimates(tags, equals, namespaces, limits)
            parser.feed(chunk)
            declarations = _check_namespaces(parser.read_events(), declarations, limits)
            budget.check("parsing")
        root = parser.close()
    except etree.LxmlError as exc:
        if "depth" in str(exc).lower():
            raise WireError(
                f"nesting deeper than {limits.max_depth} levels", reason=Reason.XML_TOO_DEEP
            ) from exc
        raise WireError(f"not well-formed XML: {exc}", reason=Reason.XML_NOT_WELL_FORMED) from exc
    _check_namespaces(parser.read_events(), declarations, limits)
    _local.pull = parser
    return root


def _check_estimates(tags: int, equals: int, namespaces: int, limits: Limits) -> None:
    """Stop before libxml2 reads on when the bytes fed so far already hold far more start tags,
    attributes or namespace declarations than the caps allow. Every element opens with a `<` not
    followed by `/`, every attribute has its `=`, every declaration its `xmlns`; the counts are
    upper bounds (the same bytes in text, a comment or a CDATA section count too), so a message
    they stop would need thousands of them in its text. The exact counts follow the parse."""
    if namespaces > 4 * limits.max_namespaces:
        raise WireError(
            f"more than {limits.max_namespaces} namespace declarations in the document",
            reason=Reason.XML_TOO_MANY_NAMESPACES,
        )
    if tags > limits.max_elements + 64:  # the XML declaration and a few CDATA sections do not matter
        raise WireError(
            f"more than {limits.max_elements} elements (start tags) in the document",
            reason=Reason.XML_TOO_MANY_ELEMENTS,
        )
    if equals > 2 * limits.max_attributes:
        raise WireError(
            f"more than {limits.max_attributes} attributes in the document",
            reason=Reason.XML_TOO_MANY_ATTRIBUTES,
        )


def _check_namespaces(events: Iterable[tuple[str, Any]], seen: int, limits: Limits) -> int:
    """Count and check the namespace declarations libxml2 reported; return the count so far."""
    for _event, (prefix, uri) in events:
        seen += 1
        if seen > limits.max_namespaces:
            raise WireError(
                f"more than {limits.max_namespaces} namespace declarations in the document",
                reason=Reason.XML_TOO_MANY_NAMESPACES,
            )
        _check_namespace(prefix, uri)
    return seen


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
_ID_LIKE = "//@Id | //@ID | //@id | //@iD | //@xml:id"  # what XML-DSig tools take for an Id
_SCHEMA_LOCATION = "//@xsi:schemaLocation | //@xsi:noNamespaceSchemaLocation"
_COUNT_ELEMENTS = etree.XPath("count(//*)")
_COUNT_ATTRIBUTES = etree.XPath("count(//@*)")
_FIND_MARKUP = etree.XPath("//comment() | //processing-instruction()")
_FIND_XINCLUDE = etree.XPath("boolean(//xi:*)", namespaces=_NS)
_FIND_XSI = etree.XPath(_SCHEMA_LOCATION, namespaces=_NS)
_COUNT_IDS = etree.XPath(f"count({_ID_LIKE})")
_FIND_IDS = etree.XPath(_ID_LIKE)
_FIND_SUSPECT = etree.XPath(
    f"boolean(//comment() | //processing-instruction() | //xi:* | {_ID_LIKE} | {_SCHEMA_LOCATION})",
    namespaces=_NS,
)
_PROBES: dict[Limits, tuple[etree.XPath, etree.XPath]] = {}


def _probes(limits: Limits) -> tuple[etree.XPath, etree.XPath]:
    """Two XPaths, true when a cap is crossed: counts (elements, attributes in all and on one
    element), then depth (an element with more ancestors than the cap allows)."""
    probes = _PROBES.get(limits)
    if probes is None:
        counts = etree.XPath(
            f"count(//*) > {limits.max_elements} or count(//@*) > {limits.max_attributes}"
            f" or boolean(//@*[{limits.max_attributes_per_element + 1}])"
        )
        depth = etree.XPath(f"boolean(//*[ancestor::*[{limits.max_depth}]])")
        probes = (counts, depth)
        _PROBES[limits] = probes
    return probes


def _inspect(root: etree._Element, limits: Limits) -> None:
    """The caps on elements, attributes and depth, then what a message must not hold: in C, a few
    XPaths over the whole tree when nothing is wrong, one per check to name what is."""
    tree = root.getroottree()
    if getattr(tree.docinfo, "doctype", ""):  # the prolog scan refuses first; kept as a safety net
        raise WireError("document type declarations are forbidden", reason=Reason.XML_DTD_FORBIDDEN)
    counts, depth = _probes(limits)
    if counts(tree):
        _refuse_counts(tree, limits)
    if depth(tree):
        raise WireError(f"nesting deeper than {limits.max_depth} levels", reason=Reason.XML_TOO_DEEP)
    if not _FIND_SUSPECT(tree):
        return
    markup = cast(list[etree._Element], _FIND_MARKUP(tree))
    if markup:
        _refuse_node(markup[0])
    if _FIND_XINCLUDE(tree):
        raise WireError("XInclude is forbidden", reason=Reason.XML_XINCLUDE_FORBIDDEN)
    _refuse_attributes(tree, limits)


def _refuse_counts(tree: etree._ElementTree, limits: Limits) -> None:
    for count, cap, what, reason in (
        (_COUNT_ELEMENTS(tree), limits.max_elements, "elements", Reason.XML_TOO_MANY_ELEMENTS),
        (_COUNT_ATTRIBUTES(tree), limits.max_attributes, "attributes", Reason.XML_TOO_MANY_ATTRIBUTES),
    ):
        if int(cast(float, count)) > cap:
            raise WireError(f"more than {cap} {what} in the document", reason=reason)
    raise WireError(
        f"an element has more than {limits.max_attributes_per_element} attributes",
        reason=Reason.XML_TOO_MANY_ATTRIBUTES,
    )


def _refuse_attributes(tree: etree._ElementTree, limits: Limits) -> None:
    """Name what the attribute probe found: a schema location, too many or duplicate Ids."""
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
