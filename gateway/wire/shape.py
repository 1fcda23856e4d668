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
from dataclasses import dataclass

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


@dataclass(frozen=True)
class Shape:
    """An element of the shape: its attributes, its children in order, the text it may carry, and
    the code for content inside it that does not belong there."""

    local: str
    attributes: tuple[str, ...] = ()
    children: tuple[Shape, ...] = ()
    text: int = 0  # characters of (base64) text allowed; 0: whitespace only
    most: int = 1  # how many times it may repeat (at least once)
    reason: Reason = Reason.SIGNATURE_STRUCTURE_INVALID


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


def check(signature: etree._Element, limits: Limits) -> None:
    """Refuse *signature* unless it has exactly the accepted shape and algorithms."""
    signed_info = _signed_info(signature)
    _check_size(signed_info, limits.max_signed_info_bytes)
    _check_algorithms(signed_info)
    _conform(signed_info, _SIGNED_INFO, "SignedInfo", Reason.SIGNATURE_STRUCTURE_INVALID)
    _check_outside(signature)


def _signed_info(signature: etree._Element) -> etree._Element:
    found = signature.findall(ds("SignedInfo"))
    values = signature.findall(ds("SignatureValue"))
    if len(found) != 1 or len(values) != 1:
        raise SignatureError(
            f"Signature must have exactly one SignedInfo and one SignatureValue, found {len(found)} "
            f"and {len(values)}",
            reason=Reason.SIGNATURE_STRUCTURE_INVALID,
        )
    return found[0]


def _check_size(signed_info: etree._Element, most: int) -> None:
    """Names, text and attribute values of SignedInfo, counted until the cap: bounded work. (lxml
    reads each attribute value by a search along the element's attributes, so values are read only
    once the count of attributes is known to be small.)"""
    size = 0
    for node in signed_info.iter():
        attributes = len(node.attrib)
        size += len(str(node.tag)) + len(node.text or "") + len(node.tail or "") + 4 * attributes
        if attributes <= MAX_SHAPE_ATTRIBUTES:
            size += sum(len(key) + len(value) for key, value in node.items())
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
    if ds("Object") in tags:
        raise SignatureError(
            "ds:Object is not accepted: its content would travel unsigned beside the signed envelope",
            reason=Reason.SIGNATURE_CONTENT_UNSIGNED,
        )
    if ds("KeyInfo") not in tags:
        raise CertificateError(
            "the signature carries no KeyInfo/X509Data certificate", reason=Reason.CERTIFICATE_MISSING
        )
    if tags != [ds("SignedInfo"), ds("SignatureValue"), ds("KeyInfo")]:
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
    """*node* has exactly the attributes, children and text of *shape*; stops at the first difference."""
    if sorted(node.keys()) != sorted(shape.attributes):
        raise SignatureError(
            f"{path} has attributes {sorted(node.keys())}; exactly {list(shape.attributes)} are accepted",
            reason=shape.reason,
        )
    if not shape.text:
        _blank(node.text, path, text_reason)
    elif len(node.text or "") > shape.text:
        raise SignatureError(f"{path} is longer than {shape.text} characters", reason=shape.reason)
    children = list(node)
    position = 0
    for child_shape in shape.children:
        start = position
        while (
            position < len(children)
            and position - start < child_shape.most
            and children[position].tag == ds(child_shape.local)
        ):
            _conform(children[position], child_shape, f"{path}/{child_shape.local}", text_reason)
            _blank(children[position].tail, path, text_reason)
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
