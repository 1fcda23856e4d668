"""Tools of an attacker: signatures with chosen algorithms, transforms and references, computed for
real (digest and signature value) so that a refusal is due to the rule, not to a broken value."""

from __future__ import annotations

import base64
import hashlib
import hmac
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import Encoding
from lxml import etree

from gateway.pki import PrivateKey
from gateway.wire.dsig import _raw_ecdsa, c14n
from gateway.wire.envelope import DSIG_NS

EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
INCLUSIVE = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"
ENVELOPED = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
XSLT = "http://www.w3.org/TR/1999/REC-xslt-19991116"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"
ECDSA_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
ECDSA_SHA1 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1"
HMAC_SHA256 = "http://www.w3.org/2001/04/xmldsig-more#hmac-sha256"
SHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
SHA1 = "http://www.w3.org/2000/09/xmldsig#sha1"
_HASHES = {SHA256: "sha256", SHA1: "sha1"}


@dataclass(frozen=True)
class Recipe:
    signature_method: str = ECDSA_SHA256
    digest_method: str = SHA256
    c14n_method: str = EXC
    transforms: tuple[str, ...] = (ENVELOPED, EXC)
    reference_uri: str = ""
    references: int = 1
    signed_infos: int = 1
    key_value_only: bool = False
    transform_body: str = ""


def forge_signature(
    root: etree._Element, recipe: Recipe, key: PrivateKey | bytes, chain: tuple[x509.Certificate, ...]
) -> etree._Element:
    """Append a ds:Signature built from *recipe* to *root* (in place) and return it."""
    digest = base64.b64encode(hashlib.new(_HASHES[recipe.digest_method], c14n(root)).digest()).decode()
    transforms = "".join(
        f'<ds:Transform Algorithm="{t}">{recipe.transform_body if t in (XSLT, XPATH) else ""}</ds:Transform>'
        for t in recipe.transforms
    )
    reference = (
        f'<ds:Reference URI="{recipe.reference_uri}"><ds:Transforms>{transforms}</ds:Transforms>'
        f'<ds:DigestMethod Algorithm="{recipe.digest_method}"></ds:DigestMethod>'
        f"<ds:DigestValue>{digest}</ds:DigestValue></ds:Reference>"
    )
    signed_info = (
        f'<ds:SignedInfo xmlns:ds="{DSIG_NS}">'
        f'<ds:CanonicalizationMethod Algorithm="{recipe.c14n_method}"></ds:CanonicalizationMethod>'
        f'<ds:SignatureMethod Algorithm="{recipe.signature_method}"></ds:SignatureMethod>'
        f"{reference * recipe.references}</ds:SignedInfo>"
    )
    signed_info_bytes = c14n(etree.fromstring(signed_info))
    value = sign_value(signed_info_bytes, recipe.signature_method, key)
    if recipe.key_value_only:
        assert isinstance(key, ec.EllipticCurvePrivateKey)
        numbers = key.public_key().public_numbers()
        key_info = (
            '<ds:KeyValue><dsig11:ECKeyValue xmlns:dsig11="http://www.w3.org/2009/xmldsig11#">'
            '<dsig11:NamedCurve URI="urn:oid:1.2.840.10045.3.1.7"/><dsig11:PublicKey>'
            + base64.b64encode(
                b"\x04" + numbers.x.to_bytes(32, "big") + numbers.y.to_bytes(32, "big")
            ).decode()
            + "</dsig11:PublicKey></dsig11:ECKeyValue></ds:KeyValue>"
        )
    else:
        certs = "".join(
            f"<ds:X509Certificate>{base64.b64encode(c.public_bytes(Encoding.DER)).decode()}"
            "</ds:X509Certificate>"
            for c in chain
        )
        key_info = f"<ds:X509Data>{certs}</ds:X509Data>"
    inner = signed_info.replace(f' xmlns:ds="{DSIG_NS}"', "", 1)
    signature = etree.fromstring(
        f'<ds:Signature xmlns:ds="{DSIG_NS}">{inner * recipe.signed_infos}'
        f"<ds:SignatureValue>{base64.b64encode(value).decode()}</ds:SignatureValue>"
        f"<ds:KeyInfo>{key_info}</ds:KeyInfo></ds:Signature>"
    )
    root.append(signature)
    return signature


def sign_value(data: bytes, method: str, key: PrivateKey | bytes) -> bytes:
    if method == HMAC_SHA256:
        assert isinstance(key, bytes)
        return hmac.new(key, data, "sha256").digest()
    hash_type = hashes.SHA1() if method == ECDSA_SHA1 else hashes.SHA256()
    if isinstance(key, rsa.RSAPrivateKey):
        return key.sign(data, padding.PKCS1v15(), hash_type)
    assert isinstance(key, ec.EllipticCurvePrivateKey)
    return _raw_ecdsa(key.sign(data, ec.ECDSA(hash_type)), key.curve.key_size)
