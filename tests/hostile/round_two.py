"""The second round of hostile inputs, one group per class of issue 12; each builder makes its bytes
from the kit and names the code they must be refused with. The signatures are computed for real
(a changed SignedInfo is signed again), so a refusal is due to the rule, not to a broken value.

Class 1 shapes are built at full size (1 MiB, tens of thousands of attributes); the tests also run
them against raised limits, to show the work behind each limit is linear, not only capped.
"""

from __future__ import annotations

import base64
import copy
import re
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.serialization import Encoding
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID
from lxml import etree

from gateway import paths, pki
from gateway.reasons import Reason
from gateway.wire.dsig import c14n
from gateway.wire.envelope import DSIG_NS
from gateway.wire.parsing import DEFAULT_LIMITS
from gateway.wire.signing import SigningKey, sign
from tests.hostile import forge
from tests.hostile.kit import ENV_NS, Kit, ser, sig

RECEIPT = paths.SAMPLES / "receipt.xml"
MiB = 1 << 20


def ds(local: str) -> str:
    return f"{{{DSIG_NS}}}{local}"


def env(local: str) -> str:
    return f"{{{ENV_NS}}}{local}"


def resigned(kit: Kit, change: Callable[[etree._Element], None]) -> bytes:
    """The genuine signed notice with *change* applied to its SignedInfo, whose value is then
    computed again with the KZ key: the signature holds, only the shape is wrong."""
    root = kit.signed_root()
    signature = sig(root)
    signed_info = signature.find(ds("SignedInfo"))
    assert signed_info is not None
    change(signed_info)
    value = forge.sign_value(c14n(signed_info), forge.ECDSA_SHA256, kit.kz.key)
    signature.find(ds("SignatureValue")).text = base64.b64encode(value).decode()  # type: ignore[union-attr]
    return ser(root)


def with_signature(kit: Kit, change: Callable[[etree._Element], None]) -> bytes:
    """The genuine signed notice with *change* applied to its ds:Signature outside SignedInfo."""
    root = kit.signed_root()
    change(sig(root))
    return ser(root)


def signed_header(kit: Kit, field: str, value: str) -> bytes:
    """The notice with one header field changed, then signed by KZ."""
    root = kit.root()
    root.find(f"{env('Header')}/{env(field)}").text = value  # type: ignore[union-attr]
    return sign(root, kit.kz)


def padded(kit: Kit, filler: bytes, where: bytes = b"</Header>") -> bytes:
    """The genuine signed notice with *filler* inserted (before the end of the header by default)."""
    assert where in kit.signed
    return kit.signed.replace(where, filler + where, 1)


# ---- class 1: work before the signature ---------------------------------------------------------


def ids_80000_duplicate_last(kit: Kit) -> bytes:
    """~80,000 distinct Id-like attributes (16 namespaced Id per element) and one duplicate pair last."""
    prefixes = b"".join(b' xmlns:%c="urn:p:%c"' % (97 + i, 97 + i) for i in range(16))
    rows = [
        b"<e " + b" ".join(b'%c:Id="%x"' % (97 + i, n * 16 + i) for i in range(16)) + b"/>"
        for n in range(5000)
    ]
    rows.append(b'<e Id="dup"/><e Id="dup"/>')
    return padded(kit, b"<x" + prefixes + b">" + b"".join(rows) + b"</x>")


def signed_info_150000_attributes(kit: Kit) -> bytes:
    """SignedInfo carrying ~150,000 attributes (145,000 fit in 1 MiB with three-letter names): no key
    is needed for this, only a document that reaches canonicalisation."""
    letters = b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    names = (
        bytes((a, b, c)) for a in letters for b in letters + b"0123456789" for c in letters + b"0123456789"
    )
    attributes = b" ".join(name + b'=""' for name, _ in zip(names, range(145_000), strict=False))
    return kit.signed.replace(b"<ds:SignedInfo>", b"<ds:SignedInfo " + attributes + b">", 1)


def elements_250000(kit: Kit) -> bytes:
    return padded(kit, b"<x>" + b"<a/>" * 250_000 + b"</x>")


def namespaces_40000(kit: Kit) -> bytes:
    declarations = b"".join(b' xmlns:n%x="u:%x"' % (i, i) for i in range(40_000))
    return padded(kit, b"<x" + declarations + b"/>")


def attributes_on_one_element(kit: Kit) -> bytes:
    return padded(
        kit,
        b"<x "
        + b" ".join(b'a%d="1"' % i for i in range(DEFAULT_LIMITS.max_attributes_per_element + 1))
        + b"/>",
    )


def ids_over_the_limit(kit: Kit) -> bytes:
    return padded(kit, b"".join(b'<x Id="i%d"/>' % i for i in range(DEFAULT_LIMITS.max_ids + 1)))


def signed_info_whitespace(kit: Kit) -> bytes:
    """A SignedInfo bloated with whitespace (signed again: only its size is wrong)."""

    def bloat(signed_info: etree._Element) -> None:
        signed_info[0].tail = " " * (DEFAULT_LIMITS.max_signed_info_bytes + 1)

    return resigned(kit, bloat)


def signed_info_many_elements(kit: Kit) -> bytes:
    def bloat(signed_info: etree._Element) -> None:
        for _ in range(200):
            etree.SubElement(signed_info, ds("Reference"), URI="")

    return resigned(kit, bloat)


# ---- class 2: inputs that crashed the verifier ------------------------------------------------------


def _node_certificate(
    kit: Kit,
    extensions: Sequence[tuple[x509.ExtensionType, bool]],
    common_name: str = "KZ gateway node",
    key: pki.PrivateKey | None = None,
) -> tuple[pki.PrivateKey, x509.Certificate]:
    """A KZ node certificate issued by the KZ CA with exactly *extensions*."""
    key = key or pki.new_key()
    now = datetime.now(UTC) - timedelta(minutes=5)
    builder = (
        x509.CertificateBuilder()
        .subject_name(
            x509.Name(
                [
                    x509.NameAttribute(NameOID.COUNTRY_NAME, "KZ"),
                    x509.NameAttribute(NameOID.COMMON_NAME, common_name),
                ]
            )
        )
        .issuer_name(kit.kz_ca.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=30))
    )
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return key, builder.sign(kit.kz_ca.key, hashes.SHA256())


def _profile_extensions(key: pki.PrivateKey, kit: Kit) -> list[tuple[x509.ExtensionType, bool]]:
    return [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (pki._key_usage("digital_signature", "content_commitment"), True),
        (x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(kit.kz_ca.key.public_key()), False),
    ]


def _signed_with_certificate(kit: Kit, key: pki.PrivateKey, certificate: x509.Certificate) -> bytes:
    return sign(kit.root(), SigningKey(key, (certificate,)))


def _signed_with_patched_der(kit: Kit, certificate: x509.Certificate, old: bytes, new: bytes) -> bytes:
    """Signed by the kit's KZ key, carrying *certificate* whose DER has *old* replaced by *new*."""
    der = certificate.public_bytes(Encoding.DER)
    assert old in der
    patched = base64.b64encode(der.replace(old, new, 1))
    signed = sign(kit.root(), kit.kz)
    genuine = base64.b64encode(kit.kz.chain[0].public_bytes(Encoding.DER))
    return signed.replace(genuine, patched)


def certificate_duplicate_extension(kit: Kit) -> bytes:
    private = x509.ObjectIdentifier("1.3.6.1.4.1.55555.1")
    other = x509.ObjectIdentifier("1.3.6.1.4.1.55555.2")
    key = pki.new_key()
    extensions = [
        *_profile_extensions(key, kit),
        (x509.UnrecognizedExtension(private, b"\x05\x00"), False),
        (x509.UnrecognizedExtension(other, b"\x05\x00"), False),
    ]
    _, certificate = _node_certificate(kit, extensions, key=key)
    return _signed_with_patched_der(kit, certificate, _oid_der(other), _oid_der(private))


def _oid_der(oid: x509.ObjectIdentifier) -> bytes:
    """DER of an OID of the form 1.3.6.1.4.1.55555.N (enough for the cases here)."""
    arcs = [int(arc) for arc in oid.dotted_string.split(".")]
    encoded = bytes([40 * arcs[0] + arcs[1]])
    for arc in arcs[2:]:
        chunk, rest = [arc & 0x7F], arc >> 7
        while rest:
            chunk.append(0x80 | (rest & 0x7F))
            rest >>= 7
        encoded += bytes(reversed(chunk))
    return bytes([0x06, len(encoded)]) + encoded


def certificate_malformed_extension(kit: Kit) -> bytes:
    key = pki.new_key()
    extensions = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (x509.UnrecognizedExtension(ExtensionOID.KEY_USAGE, b"garbage"), True),
    ]
    key, certificate = _node_certificate(kit, extensions, key=key)
    return _signed_with_certificate(kit, key, certificate)


def certificate_unknown_key_algorithm(kit: Kit) -> bytes:
    key = pki.new_key()
    _, certificate = _node_certificate(kit, _profile_extensions(key, kit), key=key)
    ec_public_key = bytes.fromhex("06072a8648ce3d0201")  # id-ecPublicKey
    return _signed_with_patched_der(kit, certificate, ec_public_key, ec_public_key[:-1] + b"\x09")


def certificate_subject_not_utf8(kit: Kit) -> bytes:
    key = pki.new_key()
    _, certificate = _node_certificate(kit, _profile_extensions(key, kit), common_name="ZZZZZZZZ", key=key)
    return _signed_with_patched_der(kit, certificate, b"ZZZZZZZZ", b"\xff\xfe\xfd\xfc\xff\xfe\xfd\xfc")


def relative_namespace_on_root(kit: Kit) -> bytes:
    """An unused declaration: exclusive c14n leaves it out, so the signature still holds."""
    return kit.signed.replace(
        b'<Notification xmlns="urn:bgw:envelope:1"',
        b'<Notification xmlns="urn:bgw:envelope:1" xmlns:r="relative/path"',
        1,
    )


def relative_namespace_in_signed_info(kit: Kit) -> bytes:
    return kit.signed.replace(b"<ds:SignedInfo>", b'<ds:SignedInfo xmlns:r="relative">', 1)


def created_year_one_east_of_utc(kit: Kit) -> bytes:
    return signed_header(kit, "Created", "0001-01-01T00:00:00+14:00")


# ---- class 3: bytes outside what the signature covers, or another shape ---------------------------


def text_after_signature(kit: Kit) -> bytes:
    """Not digested by the old verifier, which then accepted it; xmlsec1 finds the digest wrong."""
    return with_signature(kit, lambda signature: setattr(signature, "tail", "unsigned words"))


def _append(parent_path: str, xml: str, before: bool = False) -> Callable[[etree._Element], None]:
    def change(signature: etree._Element) -> None:
        parent = signature if not parent_path else signature.find(parent_path)
        assert parent is not None
        node = etree.fromstring(f'<wrap xmlns:ds="{DSIG_NS}">{xml}</wrap>')[0]
        if before:
            parent.insert(0, node)
        else:
            parent.append(node)

    return change


def ds_object(kit: Kit) -> bytes:
    return with_signature(kit, _append("", "<ds:Object>Дополнительное условие</ds:Object>"))


def key_name(kit: Kit) -> bytes:
    return with_signature(kit, _append(ds("KeyInfo"), "<ds:KeyName>KZ</ds:KeyName>", before=True))


def retrieval_method(kit: Kit) -> bytes:
    xml = f'<ds:RetrievalMethod URI="http://127.0.0.1:{kit.port}/key"/>'
    return with_signature(kit, _append(ds("KeyInfo"), xml))


def x509_issuer_serial(kit: Kit) -> bytes:
    xml = (
        "<ds:X509IssuerSerial><ds:X509IssuerName>CN=x</ds:X509IssuerName>"
        "<ds:X509SerialNumber>1</ds:X509SerialNumber></ds:X509IssuerSerial>"
    )
    return with_signature(kit, _append(f"{ds('KeyInfo')}/{ds('X509Data')}", xml))


def two_leaf_certificates(kit: Kit) -> bytes:
    other = base64.b64encode(kit.uz.chain[0].public_bytes(Encoding.DER)).decode()
    xml = f"<ds:X509Certificate>{other}</ds:X509Certificate>"
    return with_signature(kit, _append(f"{ds('KeyInfo')}/{ds('X509Data')}", xml))


def text_in_signature(kit: Kit) -> bytes:
    return with_signature(kit, lambda signature: setattr(signature, "text", "unsigned words"))


def signature_with_id(kit: Kit) -> bytes:
    return with_signature(kit, lambda signature: signature.set("Id", "signature"))


def signed_info_extra_child(kit: Kit) -> bytes:
    return resigned(kit, lambda signed_info: signed_info.append(etree.Element(ds("Manifest"))))


def signed_info_reordered(kit: Kit) -> bytes:
    return resigned(kit, lambda signed_info: signed_info.insert(0, signed_info[1]))


def second_transforms(kit: Kit) -> bytes:
    def change(signed_info: etree._Element) -> None:
        reference = signed_info.find(ds("Reference"))
        assert reference is not None
        reference.insert(1, copy.deepcopy(reference[0]))

    return resigned(kit, change)


def _in_reference(path: str, xml: str) -> Callable[[etree._Element], None]:
    def change(signed_info: etree._Element) -> None:
        target = signed_info.find(path)
        assert target is not None
        target.append(etree.fromstring(xml))

    return change


def child_in_transform(kit: Kit) -> bytes:
    path = f"{ds('Reference')}/{ds('Transforms')}/{ds('Transform')}"
    return resigned(kit, _in_reference(path, f'<ds:XPath xmlns:ds="{DSIG_NS}">true()</ds:XPath>'))


_INCLUSIVE = '<ec:InclusiveNamespaces xmlns:ec="http://www.w3.org/2001/10/xml-exc-c14n#" PrefixList="ds"/>'


def inclusive_namespaces_in_transform(kit: Kit) -> bytes:
    path = f"{ds('Reference')}/{ds('Transforms')}/{ds('Transform')}[2]"
    return resigned(kit, _in_reference(path, _INCLUSIVE))


def inclusive_namespaces_in_c14n_method(kit: Kit) -> bytes:
    return resigned(kit, _in_reference(ds("CanonicalizationMethod"), _INCLUSIVE))


def reference_with_type(kit: Kit) -> bytes:
    def change(signed_info: etree._Element) -> None:
        signed_info.find(ds("Reference")).set("Type", "http://www.w3.org/2000/09/xmldsig#Object")  # type: ignore[union-attr]

    return resigned(kit, change)


# ---- class 4: receipts that make no sense --------------------------------------------------------


def _receipt(kit: Kit, change: Callable[[etree._Element], None]) -> bytes:
    root = etree.fromstring(RECEIPT.read_bytes())
    change(root)
    return sign(root, kit.uz)


def receipt_of_another_type(kit: Kit) -> bytes:
    return _receipt(
        kit, lambda root: setattr(root.find(f"{env('Header')}/{env('Type')}"), "text", "crossing-restriction")
    )


def receipt_answering_another_message(kit: Kit) -> bytes:
    other = "0b1c2d3e-4f50-4a61-8b72-9c8d7e6f5a4b"
    return _receipt(
        kit, lambda root: setattr(root.find(f"{env('Header')}/{env('InReplyTo')}"), "text", other)
    )


def receipt_rejected_without_reason(kit: Kit) -> bytes:
    return _receipt(
        kit, lambda root: setattr(root.find(f"{env('Acknowledgement')}/{env('Status')}"), "text", "rejected")
    )


# ---- class 5: certificate and document policy ----------------------------------------------------


def tls_client_certificate(kit: Kit) -> bytes:
    key = pki.new_key()
    extensions = [
        *_profile_extensions(key, kit),
        (x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), False),
    ]
    key, certificate = _node_certificate(kit, extensions, key=key)
    return _signed_with_certificate(kit, key, certificate)


def key_usage_without_digital_signature(kit: Kit) -> bytes:
    key = pki.new_key()
    extensions = [
        (x509.BasicConstraints(ca=False, path_length=None), True),
        (pki._key_usage("key_agreement"), True),
        (x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False),
        (x509.AuthorityKeyIdentifier.from_issuer_public_key(kit.kz_ca.key.public_key()), False),
    ]
    key, certificate = _node_certificate(kit, extensions, key=key)
    return _signed_with_certificate(kit, key, certificate)


def created_in_2100(kit: Kit) -> bytes:
    return signed_header(kit, "Created", "2100-01-01T00:00:00Z")


def xml_version_1_1(kit: Kit) -> bytes:
    declared = re.sub(rb"^<\?xml version=(['\"])1\.0\1", b"<?xml version='1.1'", kit.signed)
    assert declared != kit.signed
    return declared


CASES: list[tuple[Callable[[Kit], bytes], Reason]] = [
    # class 1
    (ids_80000_duplicate_last, Reason.XML_TOO_MANY_ATTRIBUTES),
    (signed_info_150000_attributes, Reason.XML_TOO_MANY_ATTRIBUTES),
    (elements_250000, Reason.XML_TOO_MANY_ELEMENTS),
    (namespaces_40000, Reason.XML_TOO_MANY_NAMESPACES),
    (attributes_on_one_element, Reason.XML_TOO_MANY_ATTRIBUTES),
    (ids_over_the_limit, Reason.XML_TOO_MANY_IDS),
    (signed_info_whitespace, Reason.SIGNATURE_SIGNED_INFO_TOO_LARGE),
    (signed_info_many_elements, Reason.SIGNATURE_SIGNED_INFO_TOO_LARGE),
    # class 2
    (certificate_duplicate_extension, Reason.CERTIFICATE_INVALID),
    (certificate_malformed_extension, Reason.CERTIFICATE_INVALID),
    (certificate_unknown_key_algorithm, Reason.CERTIFICATE_INVALID),
    (certificate_subject_not_utf8, Reason.CERTIFICATE_INVALID),
    (relative_namespace_on_root, Reason.XML_NAMESPACE_INVALID),
    (relative_namespace_in_signed_info, Reason.XML_NAMESPACE_INVALID),
    (created_year_one_east_of_utc, Reason.SCHEMA_INVALID),
    # class 3
    (text_after_signature, Reason.SIGNATURE_DIGEST_MISMATCH),
    (ds_object, Reason.SIGNATURE_CONTENT_UNSIGNED),
    (key_name, Reason.SIGNATURE_KEY_INFO_INVALID),
    (retrieval_method, Reason.SIGNATURE_KEY_INFO_INVALID),
    (x509_issuer_serial, Reason.SIGNATURE_KEY_INFO_INVALID),
    (two_leaf_certificates, Reason.SIGNATURE_KEY_INFO_INVALID),
    (text_in_signature, Reason.SIGNATURE_CONTENT_UNSIGNED),
    (signature_with_id, Reason.SIGNATURE_STRUCTURE_INVALID),
    (signed_info_extra_child, Reason.SIGNATURE_STRUCTURE_INVALID),
    (signed_info_reordered, Reason.SIGNATURE_STRUCTURE_INVALID),
    (second_transforms, Reason.SIGNATURE_STRUCTURE_INVALID),
    (child_in_transform, Reason.SIGNATURE_TRANSFORM_FORBIDDEN),
    (inclusive_namespaces_in_transform, Reason.SIGNATURE_TRANSFORM_FORBIDDEN),
    (inclusive_namespaces_in_c14n_method, Reason.SIGNATURE_C14N_INVALID),
    (reference_with_type, Reason.SIGNATURE_STRUCTURE_INVALID),
    # class 4
    (receipt_of_another_type, Reason.HEADER_TYPE_MISMATCH),
    (receipt_answering_another_message, Reason.RECEIPT_INCONSISTENT),
    (receipt_rejected_without_reason, Reason.RECEIPT_INCONSISTENT),
    # class 5
    (tls_client_certificate, Reason.CERTIFICATE_USAGE_INVALID),
    (key_usage_without_digital_signature, Reason.CERTIFICATE_USAGE_INVALID),
    (created_in_2100, Reason.CREATED_IN_FUTURE),
    (xml_version_1_1, Reason.XML_VERSION_UNSUPPORTED),
]
