"""The one XML-DSig shape the gateway produces and accepts, computed directly.

Shape: an enveloped ds:Signature, last child of the envelope root; SignedInfo with exclusive
c14n; one Reference with URI "" and the transforms enveloped-signature then exclusive c14n;
SHA-256 digest (SHA-384/512 accepted); ECDSA or RSA PKCS#1 v1.5 with SHA-256/384/512; the
signer's certificate in KeyInfo/X509Data. Because the shape is fixed, every step is explicit here
(no general-purpose reference resolution), and the result is checked against xmlsec1 and signxml
in the tests. Canonicalization is libxml2's, through lxml.

Algorithm URIs come from signxml's enums, whose values are the wire values.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature, encode_dss_signature
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod

from gateway.errors import SignatureError
from gateway.pki import PrivateKey
from gateway.reasons import Reason
from gateway.wire.envelope import DSIG_NS
from gateway.wire.parsing import safe_parser

EXC_C14N = CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0.value
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"

DIGESTS: dict[str, type[hashes.HashAlgorithm]] = {
    DigestAlgorithm.SHA256.value: hashes.SHA256,
    DigestAlgorithm.SHA384.value: hashes.SHA384,
    DigestAlgorithm.SHA512.value: hashes.SHA512,
}
_HASHLIB = {
    DigestAlgorithm.SHA256.value: "sha256",
    DigestAlgorithm.SHA384.value: "sha384",
    DigestAlgorithm.SHA512.value: "sha512",
}
SIGNATURES: dict[str, tuple[type, type[hashes.HashAlgorithm]]] = {
    SignatureMethod.ECDSA_SHA256.value: (ec.EllipticCurvePublicKey, hashes.SHA256),
    SignatureMethod.ECDSA_SHA384.value: (ec.EllipticCurvePublicKey, hashes.SHA384),
    SignatureMethod.ECDSA_SHA512.value: (ec.EllipticCurvePublicKey, hashes.SHA512),
    SignatureMethod.RSA_SHA256.value: (rsa.RSAPublicKey, hashes.SHA256),
    SignatureMethod.RSA_SHA384.value: (rsa.RSAPublicKey, hashes.SHA384),
    SignatureMethod.RSA_SHA512.value: (rsa.RSAPublicKey, hashes.SHA512),
}


def c14n(node: etree._Element) -> bytes:
    """Exclusive XML canonicalization 1.0 without comments; a tree libxml2 cannot canonicalise
    (the parser refuses what is known to cause it, e.g. relative namespace names) is refused."""
    try:
        return bytes(etree.tostring(node, method="c14n", exclusive=True, with_comments=False))
    except etree.LxmlError as exc:
        raise SignatureError(f"cannot canonicalise: {exc}", reason=Reason.SIGNATURE_C14N_INVALID) from exc


def remove_enveloped(root: etree._Element, signature: etree._Element) -> None:
    """The enveloped-signature transform: remove the ds:Signature element and nothing else.

    lxml keeps the text that follows an element as that element's tail; the text after the
    signature is part of the envelope and so of the digest (as xmlsec1 computes it), and must
    stay in the tree when the signature goes."""
    tail = signature.tail
    previous = signature.getprevious()
    root.remove(signature)
    if tail:
        if previous is not None:
            previous.tail = (previous.tail or "") + tail
        else:
            root.text = (root.text or "") + tail


def _signed_info(digest_value: str, signature_method: str) -> bytes:
    """The canonical bytes of SignedInfo, written directly in canonical form."""
    return (
        f'<ds:SignedInfo xmlns:ds="{DSIG_NS}">'
        f'<ds:CanonicalizationMethod Algorithm="{EXC_C14N}"></ds:CanonicalizationMethod>'
        f'<ds:SignatureMethod Algorithm="{signature_method}"></ds:SignatureMethod>'
        '<ds:Reference URI=""><ds:Transforms>'
        f'<ds:Transform Algorithm="{ENVELOPED}"></ds:Transform>'
        f'<ds:Transform Algorithm="{EXC_C14N}"></ds:Transform>'
        "</ds:Transforms>"
        f'<ds:DigestMethod Algorithm="{DigestAlgorithm.SHA256.value}"></ds:DigestMethod>'
        f"<ds:DigestValue>{digest_value}</ds:DigestValue>"
        "</ds:Reference></ds:SignedInfo>"
    ).encode()


def _raw_ecdsa(der: bytes, key_size: int) -> bytes:
    r, s = decode_dss_signature(der)
    width = (key_size + 7) // 8
    return r.to_bytes(width, "big") + s.to_bytes(width, "big")


def _der_ecdsa(raw: bytes) -> bytes:
    half = len(raw) // 2
    return encode_dss_signature(int.from_bytes(raw[:half], "big"), int.from_bytes(raw[half:], "big"))


def signature_method_for(key: PrivateKey) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return SignatureMethod.RSA_SHA256.value
    return SignatureMethod.ECDSA_SHA256.value


def append_signature(root: etree._Element, key: PrivateKey, chain: tuple[x509.Certificate, ...]) -> None:
    """Sign *root* (an unsigned envelope) in place: append the enveloped ds:Signature."""
    digest = base64.b64encode(hashlib.sha256(c14n(root)).digest()).decode("ascii")
    method = signature_method_for(key)
    signed_info = _signed_info(digest, method)
    if isinstance(key, rsa.RSAPrivateKey):
        value = key.sign(signed_info, padding.PKCS1v15(), hashes.SHA256())
    else:
        value = _raw_ecdsa(key.sign(signed_info, ec.ECDSA(hashes.SHA256())), key.curve.key_size)
    certificates = "".join(
        f"<ds:X509Certificate>{base64.b64encode(c.public_bytes(Encoding.DER)).decode('ascii')}</ds:X509Certificate>"
        for c in chain
    )
    inner = signed_info.replace(f' xmlns:ds="{DSIG_NS}"'.encode(), b"", 1)
    signature = etree.fromstring(
        f'<ds:Signature xmlns:ds="{DSIG_NS}">'.encode()
        + inner
        + f"<ds:SignatureValue>{base64.b64encode(value).decode('ascii')}</ds:SignatureValue>"
        f"<ds:KeyInfo><ds:X509Data>{certificates}</ds:X509Data></ds:KeyInfo></ds:Signature>".encode()
    )
    root.append(signature)


@dataclass(frozen=True)
class Checked:
    """The canonical bytes that were digested (the signed content), and the signature method."""

    signed_c14n: bytes
    signature_method: str


def check(root: etree._Element, signature: etree._Element, certificate: x509.Certificate) -> Checked:
    """Check the signature value over SignedInfo, then the digest of the envelope without it.

    *signature* must already have passed the shape check (gateway.wire.shape). The tree is
    modified: the signature is removed from *root* (the enveloped-signature transform).
    """
    signed_info = signature.find(f"{{{DSIG_NS}}}SignedInfo")
    value_node = signature.find(f"{{{DSIG_NS}}}SignatureValue")
    assert signed_info is not None and value_node is not None
    signed_info_c14n = c14n(signed_info)
    method = signed_info.find(f"{{{DSIG_NS}}}SignatureMethod")
    assert method is not None
    _check_value(signed_info_c14n, method.get("Algorithm", ""), _b64(value_node.text), certificate)
    verified = etree.fromstring(signed_info_c14n, safe_parser())
    reference = verified.find(f"{{{DSIG_NS}}}Reference")
    assert reference is not None
    digest_method = reference.find(f"{{{DSIG_NS}}}DigestMethod")
    digest_value = reference.find(f"{{{DSIG_NS}}}DigestValue")
    assert digest_method is not None and digest_value is not None
    remove_enveloped(root, signature)
    content = c14n(root)
    algorithm = digest_method.get("Algorithm", "")
    actual = hashlib.new(_HASHLIB[algorithm], content).digest()
    if not hmac.compare_digest(actual, _b64(digest_value.text)):
        raise SignatureError(
            "the signed content was changed after signing (digest mismatch)",
            reason=Reason.SIGNATURE_DIGEST_MISMATCH,
        )
    return Checked(content, method.get("Algorithm", ""))


def _b64(text: str | None) -> bytes:
    try:
        return base64.b64decode("".join((text or "").split()), validate=True)
    except ValueError as exc:
        raise SignatureError(f"not base64: {exc}", reason=Reason.SIGNATURE_STRUCTURE_INVALID) from exc


def _check_value(data: bytes, method: str, value: bytes, certificate: x509.Certificate) -> None:
    key_type, hash_type = SIGNATURES[method]
    public = certificate.public_key()
    if not isinstance(public, key_type):
        raise SignatureError(
            f"signature method {method} does not match the certificate's key",
            reason=Reason.SIGNATURE_ALGORITHM_UNSUPPORTED,
        )
    try:
        if isinstance(public, rsa.RSAPublicKey):
            public.verify(value, data, padding.PKCS1v15(), hash_type())
        elif isinstance(public, ec.EllipticCurvePublicKey):
            width = (public.curve.key_size + 7) // 8
            if len(value) != 2 * width:
                raise InvalidSignature
            public.verify(_der_ecdsa(value), data, ec.ECDSA(hash_type()))
    except InvalidSignature as exc:
        raise SignatureError(
            "the signature value does not verify with the signer's certificate",
            reason=Reason.SIGNATURE_VALUE_INVALID,
        ) from exc
