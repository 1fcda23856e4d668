"""The one ds:Signature shape the gateway accepts, checked before anything is canonicalised.

It is what `bgw sign` writes, up to the freedoms XML-DSig must allow a conforming signer (the
prefix of the ds namespace, whitespace between the elements and inside base64 values, empty
elements written as one tag or two)::

    Signature                      no attribute
      SignedInfo                   at most Limits.max_signed_info_bytes of names, text and values
        CanonicalizationMethod     @Algorithm exclusive c14n; empty (no InclusiveNamespaces)
        SignatureMethod            @Algorithm ECDSA or RSA with SHA-256/384/512; empty
        Reference                  @URI="" only (no Id, no Type)
          Transforms
            Transform              @Algorithm enveloped-signature; empty
            Transform              @Algorithm exclusive c14n; empty
          DigestMethod             @Algorithm SHA-256/384/512; empty
          DigestValue              base64
      SignatureValue               base64
      KeyInfo
        X509Data
          X509Certificate          base64, 1 to MAX_CERTIFICATES: the signer's, then its issuers

Anything else is refused with the code of what it is: an algorithm or reference the profile
forbids (checked first, with their own codes), an element, attribute or text that is not in the
shape, unsigned content (ds:Object, text) beside the signed part, or another kind of key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import islice

from lxml import etree

from gateway.errors import CertificateError, SignatureError
from gateway.reasons import Reason
from gateway.wire import dsig
from gateway.wire.envelope import DSIG_NS
from gateway.wire.parsing import Limits

MAX_CERTIFICATES = 4
MAX_SHAPE_ATTRIBUTES = 4  # the shape has at most one attribute per element
_WEAK_MARKERS = ("sha1", "md5", "ripemd")
ALLOWED_TRANSFORMS = (dsig.ENVELOPED, dsig.EXC_C14N)


def ds(local: str) -> str:
    return f"{{{DSIG_NS}}}{local}"


SIGNED_INFO, SIGNATURE_VALUE, KEY_INFO, OBJECT = (
    ds(local) for local in ("SignedInfo", "SignatureValue", "KeyInfo", "Object")
)
_OUTSIDE = [SIGNED_INFO, SIGNATURE_VALUE, KEY_INFO]


@dataclass(frozen=True)
class Shape:
    """An element of the shape: its attributes (at most one), its children in order, the text it
    may carry, and the code for content inside it that does not belong there."""

    local: str
    attributes: tuple[str, ...] = ()
    children: tuple[Shape, ...] = ()
    text: int = 0  # characters of (base64) text allowed; 0: whitespace only
    most: int = 1  # how many times it may repeat (at least once)
    reason: Reason = Reason.SIGNATURE_STRUCTURE_INVALID
    tag: str = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "tag", ds(self.local))


_SIGNED_INFO = Shape(
    "SignedInfo",
    children=(
        Shape("CanonicalizationMethod", ("Algorithm",), reason=Reason.SIGNATURE_C14N_INVALID),
        Shape("SignatureMethod", ("Algorithm",)),
        Shape(
            "Reference",
            ("URI",),
            (
                Shape(
                    "Transforms",
                    children=(
                        Shape("Transform", ("Algorithm",), reason=Reason.SIGNATURE_TRANSFORM_FORBIDDEN),
                    )
                    * 2,
                    reason=Reason.SIGNATURE_TRANSFORM_FORBIDDEN,
                ),
                Shape("DigestMethod", ("Algorithm",)),
                Shape("DigestValue", text=128),
            ),
        ),
    ),
)
_KEY_INFO = Shape(
    "KeyInfo",
    children=(
        Shape(
            "X509Data",
            children=(Shape("X509Certificate", text=16_384, most=MAX_CERTIFICATES),),
            reason=Reason.SIGNATURE_KEY_INFO_INVALID,
        ),
    ),
    reason=Reason.SIGNATURE_KEY_INFO_INVALID,
)
_SIGNATURE_VALUE = Shape("SignatureValue", text=2048)


_SIGNATURE = Shape("Signature", children=(_SIGNED_INFO, _SIGNATURE_VALUE, _KEY_INFO))
Layout = list[
    tuple[str, list[str], int, int]
]  # per element in document order: tag, attributes, children, text


def _layout(shape: Shape, repeat: int) -> Layout:
    """The elements of *shape* in document order, its repeatable element *repeat* times."""
    rows: Layout = []
    for child in shape.children:
        for _ in range(repeat if child.most > 1 else 1):
            rows += _layout(child, repeat)
    count = sum(repeat if child.most > 1 else 1 for child in shape.children)
    return [(shape.tag, list(shape.attributes), count, shape.text), *rows]


_LAYOUTS = {
    certificates: _layout(_SIGNATURE, certificates) for certificates in range(1, MAX_CERTIFICATES + 1)
}


def check(signature: etree._Element, limits: Limits) -> None:
    """Refuse *signature* unless it has exactly the accepted shape and algorithms."""
    signed_info = _signed_info(signature)
    _check_size(signed_info, limits.max_signed_info_bytes)
    _check_algorithms(signed_info)
    if _laid_out(signature):  # the usual case, in one walk; else find and name the difference
        return
    _conform(signed_info, _SIGNED_INFO, "SignedInfo", Reason.SIGNATURE_STRUCTURE_INVALID)
    _check_outside(signature)


def _laid_out(signature: etree._Element) -> bool:
    """True when the signature's elements, attributes and text are exactly one of the layouts."""
    nodes = list(islice(signature.iter(), len(_LAYOUTS[MAX_CERTIFICATES]) + 1))
    layout = _LAYOUTS.get(len(nodes) - len(_LAYOUTS[1]) + 1)
    if layout is None:
        return False
    for node, (tag, attributes, children, text) in zip(nodes, layout, strict=True):
        if node.tag != tag or len(node) != children or node.keys() != attributes:
            return False
        value = node.text
        if value and (len(value) > text if text else not value.isspace()):
            return False
        tail = node.tail
        if tail and node is not signature and not tail.isspace():
            return False
    return True


def _signed_info(signature: etree._Element) -> etree._Element:
    found = signature.findall(SIGNED_INFO)
    values = signature.findall(SIGNATURE_VALUE)
    if len(found) != 1 or len(values) != 1:
        raise SignatureError(
            f"Signature must have exactly one SignedInfo and one SignatureValue, found {len(found)} "
            f"and {len(values)}",
            reason=Reason.SIGNATURE_STRUCTURE_INVALID,
        )
    return found[0]


def _check_size(signed_info: etree._Element, most: int) -> None:
    """Text of SignedInfo (whitespace included) plus a fixed charge per element and attribute,
    counted until the cap: bounded work. Attribute values need no counting: each must be one of a
    few fixed algorithm names (or the empty URI) before SignedInfo is canonicalised."""
    size = 0
    for node in signed_info.iter():
        attributes = len(node.attrib)
        size += len(node.text or "") + len(node.tail or "") + 64 * (1 + attributes)
        if size > most or attributes > MAX_SHAPE_ATTRIBUTES:
            raise SignatureError(
                f"SignedInfo is larger than {most} characters or has an element with more than "
                f"{MAX_SHAPE_ATTRIBUTES} attributes",
                reason=Reason.SIGNATURE_SIGNED_INFO_TOO_LARGE,
            )


def _check_outside(signature: etree._Element) -> None:
    """What lies beside SignedInfo is not signed: only the value and the certificates may be there."""
    if signature.attrib:
        raise SignatureError(
            f"Signature carries attributes {sorted(signature.keys())}; none is accepted",
            reason=Reason.SIGNATURE_STRUCTURE_INVALID,
        )
    _blank(signature.text, "Signature", Reason.SIGNATURE_CONTENT_UNSIGNED)
    tags = [child.tag for child in signature]
    if OBJECT in tags:
        raise SignatureError(
            "ds:Object is not accepted: its content would travel unsigned beside the signed envelope",
            reason=Reason.SIGNATURE_CONTENT_UNSIGNED,
        )
    if KEY_INFO not in tags:
        raise CertificateError(
            "the signature carries no KeyInfo/X509Data certificate", reason=Reason.CERTIFICATE_MISSING
        )
    if tags != _OUTSIDE:
        raise SignatureError(
            f"Signature children {_names(tags)}: expected exactly SignedInfo, SignatureValue, KeyInfo",
            reason=Reason.SIGNATURE_STRUCTURE_INVALID,
        )
    for child in signature:
        _blank(child.tail, "Signature", Reason.SIGNATURE_CONTENT_UNSIGNED)
    _conform(signature[1], _SIGNATURE_VALUE, "SignatureValue", Reason.SIGNATURE_CONTENT_UNSIGNED)
    key_info = signature[2]
    if key_info.find(ds("X509Data")) is not None and key_info.find(f"{ds('X509Data')}/*") is None:
        raise CertificateError("the signature carries no X509Certificate", reason=Reason.CERTIFICATE_MISSING)
    _conform(key_info, _KEY_INFO, "KeyInfo", Reason.SIGNATURE_CONTENT_UNSIGNED)


def _conform(node: etree._Element, shape: Shape, path: str, text_reason: Reason) -> None:
    """*node* has exactly the attributes, children and text of *shape*; stops at the first difference.
    (The shape has at most one attribute per element, so comparing the lists is exact.)"""
    if node.keys() != list(shape.attributes):
        raise SignatureError(
            f"{path} has attributes {sorted(node.keys())}; exactly {list(shape.attributes)} are accepted",
            reason=shape.reason,
        )
    text = node.text
    if not shape.text:
        if text and not text.isspace():
            _blank(text, path, text_reason)
    elif text and len(text) > shape.text:
        raise SignatureError(f"{path} is longer than {shape.text} characters", reason=shape.reason)
    children = list(node)
    position = 0
    for child_shape in shape.children:
        start = position
        while (
            position < len(children)
            and position - start < child_shape.most
            and children[position].tag == child_shape.tag
        ):
            child = children[position]
            _conform(child, child_shape, f"{path}/{child_shape.local}", text_reason)
            tail = child.tail
            if tail and not tail.isspace():
                _blank(tail, path, text_reason)
            position += 1
        if position == start:
            break
    else:
        if position == len(children):
            return
    raise SignatureError(
        f"{path} children {_names([child.tag for child in children])}: expected exactly "
        f"{[child.local for child in shape.children]}",
        reason=shape.reason,
    )


def _blank(text: str | None, path: str, reason: Reason) -> None:
    if text and not text.isspace():
        raise SignatureError(
            f"{path} carries text where only whitespace may be: {text.strip()[:40]!r}", reason=reason
        )


def _names(tags: Sequence[object]) -> list[str]:
    return [etree.QName(tag).localname if isinstance(tag, str) else str(tag) for tag in tags]


def _one(parent: etree._Element, local: str, what: str) -> etree._Element:
    found = parent.findall(ds(local))
    if len(found) != 1:
        raise SignatureError(
            f"{what} must have exactly one {local}, found {len(found)}",
            reason=Reason.SIGNATURE_STRUCTURE_INVALID,
        )
    return found[0]


def _algorithm(node: etree._Element, allowed: frozenset[str], what: str) -> str:
    algorithm = node.get("Algorithm", "")
    lowered = algorithm.lower()
    if "hmac" in lowered:
        raise SignatureError(f"{what} {algorithm}: HMAC is forbidden", reason=Reason.SIGNATURE_HMAC_FORBIDDEN)
    if any(marker in lowered for marker in _WEAK_MARKERS):
        raise SignatureError(f"{what} {algorithm}: weak algorithm", reason=Reason.SIGNATURE_ALGORITHM_WEAK)
    if algorithm not in allowed:
        raise SignatureError(
            f"{what} {algorithm!r} is not accepted", reason=Reason.SIGNATURE_ALGORITHM_UNSUPPORTED
        )
    return algorithm


def _check_algorithms(signed_info: etree._Element) -> None:
    """The algorithms and the one reference, each refused with its own code."""
    c14n = _one(signed_info, "CanonicalizationMethod", "SignedInfo")
    if c14n.get("Algorithm") != dsig.EXC_C14N:
        raise SignatureError(
            f"canonicalization {c14n.get('Algorithm')!r}: exclusive c14n is required",
            reason=Reason.SIGNATURE_C14N_INVALID,
        )
    _algorithm(
        _one(signed_info, "SignatureMethod", "SignedInfo"), frozenset(dsig.SIGNATURES), "signature method"
    )
    references = signed_info.findall(ds("Reference"))
    if len(references) != 1:
        raise SignatureError(
            f"{len(references)} references; exactly one (the whole envelope) is required",
            reason=Reason.SIGNATURE_REFERENCE_COUNT,
        )
    _check_reference(references[0])


def _check_reference(reference: etree._Element) -> None:
    uri = reference.get("URI")
    if uri is None or uri != "":
        if uri and not uri.startswith("#"):
            raise SignatureError(
                f"reference URI {uri!r} points outside the message",
                reason=Reason.SIGNATURE_REFERENCE_EXTERNAL,
            )
        raise SignatureError(
            f'reference URI {uri!r}: the reference must be URI="" (the whole envelope)',
            reason=Reason.SIGNATURE_REFERENCE_URI,
        )
    transforms = reference.findall(ds("Transforms"))
    algorithms = tuple(t.get("Algorithm") for t in transforms[0]) if transforms else ()
    if algorithms != ALLOWED_TRANSFORMS:
        bad = next((a for a in algorithms if a not in ALLOWED_TRANSFORMS), None)
        raise SignatureError(
            f"transforms {list(algorithms)}: only enveloped-signature then exclusive c14n are allowed"
            + (f" ({bad} is forbidden)" if bad else ""),
            reason=Reason.SIGNATURE_TRANSFORM_FORBIDDEN,
        )
    _algorithm(_one(reference, "DigestMethod", "Reference"), frozenset(dsig.DIGESTS), "digest method")
