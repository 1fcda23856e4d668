"""The first round of hostile inputs: each builds its bytes from the kit and names the code it must be
refused with. Pure builders (no pytest), so the hostile benchmark runs the same corpus."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from lxml import etree

from gateway import pki
from gateway.reasons import Reason
from gateway.wire.envelope import DSIG_NS
from gateway.wire.parsing import DEFAULT_LIMITS
from gateway.wire.signing import sign
from tests.hostile import forge
from tests.hostile.kit import ENV_NS, PROFILE_NS, Kit, body, forged, ser, sig, signed_with

# ---- the cases -------------------------------------------------------------------------------


def xxe_external_entity(kit: Kit) -> bytes:
    return (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE Notification [\n'
        b'  <!ENTITY secret SYSTEM "file:///etc/passwd">\n]>\n'
        + kit.unsigned.split(b"?>", 1)[1].replace(b"<Unit>", b"<Unit>&secret;", 1)
    )


def xxe_parameter_entity(kit: Kit) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE Notification [\n'
        f'  <!ENTITY % remote SYSTEM "http://127.0.0.1:{kit.port}/evil.dtd">\n  %remote;\n]>\n'
        '<Notification xmlns="urn:bgw:envelope:1"/>'
    ).encode()


def external_dtd(kit: Kit) -> bytes:
    return (
        f'<?xml version="1.0"?>\n<!DOCTYPE Notification SYSTEM "http://127.0.0.1:{kit.port}/envelope.dtd">\n'
        '<Notification xmlns="urn:bgw:envelope:1"/>'
    ).encode()


def billion_laughs(kit: Kit) -> bytes:
    lines = ['<!ENTITY lol0 "lol">'] + [
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    ]
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE lolz [\n'
        + "\n".join(lines)
        + ']>\n<Notification xmlns="urn:bgw:envelope:1">&lol9;</Notification>'
    ).encode()


def quadratic_blowup(kit: Kit) -> bytes:
    return (
        '<?xml version="1.0"?>\n<!DOCTYPE q [<!ENTITY a "' + "x" * 50_000 + '">]>\n'
        '<Notification xmlns="urn:bgw:envelope:1">' + "&a;" * 15_000 + "</Notification>"
    ).encode()


def internal_dtd(kit: Kit) -> bytes:
    return (
        b'<?xml version="1.0"?>\n<!DOCTYPE Notification [<!ELEMENT Notification ANY>]>\n'
        + kit.unsigned.split(b"?>", 1)[1]
    )


def xinclude(kit: Kit) -> bytes:
    return kit.unsigned.replace(
        b"<Unit>",
        b'<Unit><xi:include xmlns:xi="http://www.w3.org/2001/XInclude" href="file:///etc/passwd"'
        b' parse="text"/>',
        1,
    )


def schema_location_local_port(kit: Kit) -> bytes:
    return kit.unsigned.replace(
        b'<Notification xmlns="urn:bgw:envelope:1">',
        f'<Notification xmlns="urn:bgw:envelope:1" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" '
        f'xsi:schemaLocation="urn:bgw:envelope:1 http://127.0.0.1:{kit.port}/envelope.xsd">'.encode(),
        1,
    )


def deep_nesting(kit: Kit) -> bytes:
    return b"<Notification>" + b"<a>" * 10_000 + b"</a>" * 10_000 + b"</Notification>"


def oversize(kit: Kit) -> bytes:
    filler = b"x" * (paths_limit() + 1)
    return kit.unsigned.replace(b"</Notification>", b"<!--" + filler + b"--></Notification>")


def paths_limit() -> int:
    return DEFAULT_LIMITS.max_bytes


def not_xml(kit: Kit) -> bytes:
    return b'{"type": "crossing-restriction", "this": "is JSON, not XML"}'


def truncated(kit: Kit) -> bytes:
    return kit.signed[: len(kit.signed) // 2]


def wrong_encoding_declaration(kit: Kit) -> bytes:
    declared = kit.signed.replace(b"encoding='UTF-8'", b"encoding='ISO-8859-1'", 1)
    assert declared != kit.signed
    return declared


def utf16(kit: Kit) -> bytes:
    return kit.signed.decode("utf-8").replace("encoding='UTF-8'", "encoding='UTF-16'", 1).encode("utf-16")


def invalid_utf8(kit: Kit) -> bytes:
    return kit.signed.replace("Туркестанская".encode(), b"\xff\xfe\xfd", 1)


def comment_in_signed_text(kit: Kit) -> bytes:
    # Exclusive c14n without comments ignores the comment, so the signature still holds; a reader
    # using .text would see only "KZ". The node refuses comments outright.
    root = kit.signed_root()
    side = root.find(f"{{{ENV_NS}}}Header/{{{ENV_NS}}}Sender/{{{ENV_NS}}}Side")
    assert side is not None and side.text == "KZ"
    side.text = "K"
    side.append(etree.Comment("injected"))
    side[-1].tail = "Z"
    return ser(root)


def processing_instruction(kit: Kit) -> bytes:
    return kit.signed.replace(b"<Header>", b'<?xml-stylesheet href="http://127.0.0.1/x.xsl"?><Header>', 1)


def stripped_signature(kit: Kit) -> bytes:
    root = kit.signed_root()
    root.remove(sig(root))
    return ser(root)


def body_tampered(kit: Kit) -> bytes:
    root = kit.signed_root()
    measure = body(root).find(f"{{{PROFILE_NS}}}Measure")
    assert measure is not None
    measure.text = "restrict" if measure.text == "stop" else "stop"
    return ser(root)


def header_tampered(kit: Kit) -> bytes:
    root = kit.signed_root()
    created = root.find(f"{{{ENV_NS}}}Header/{{{ENV_NS}}}Created")
    assert created is not None
    created.text = "2026-11-01T00:00:00Z"
    return ser(root)


def signature_value_tampered(kit: Kit) -> bytes:
    root = kit.signed_root()
    value = sig(root).find(f"{{{DSIG_NS}}}SignatureValue")
    assert value is not None and value.text
    value.text = ("A" if value.text[0] != "A" else "B") + value.text[1:]
    return ser(root)


def wrapping_signed_element_moved(kit: Kit) -> bytes:
    """The genuine signed envelope is moved inside the attacker's envelope body."""
    genuine = kit.signed_root()
    attacker = kit.root()
    body = attacker.find(f"{{{ENV_NS}}}Body")
    assert body is not None
    body.append(genuine)
    return ser(attacker)


def wrapping_forged_copy_first(kit: Kit) -> bytes:
    """A forged Header is placed before the genuine one."""
    root = kit.signed_root()
    forged = copy.deepcopy(root.find(f"{{{ENV_NS}}}Header"))
    assert forged is not None
    unit = forged.find(f"{{{ENV_NS}}}Sender/{{{ENV_NS}}}Unit")
    assert unit is not None
    unit.text = "Подложный отправитель"
    root.insert(0, forged)
    return ser(root)


def wrapping_duplicate_id(kit: Kit) -> bytes:
    root = kit.root()
    body(root).set("Id", "body")
    decoy = copy.deepcopy(body(root))
    root.find(f"{{{ENV_NS}}}Header").append(decoy)  # type: ignore[union-attr]
    forge.forge_signature(root, forge.Recipe(reference_uri="#body"), kit.kz.key, kit.kz.chain)
    return ser(root)


def wrapping_second_signed_info(kit: Kit) -> bytes:
    return forged(kit, signed_infos=2)


def wrapping_signature_moved(kit: Kit) -> bytes:
    root = kit.signed_root()
    signature = sig(root)
    root.remove(signature)
    root.find(f"{{{ENV_NS}}}Header").append(signature)  # type: ignore[union-attr]
    return ser(root)


def second_signature(kit: Kit) -> bytes:
    root = kit.signed_root()
    root.append(copy.deepcopy(sig(root)))
    return ser(root)


def reference_to_fragment(kit: Kit) -> bytes:
    root = kit.root()
    body(root).set("Id", "body")
    forge.forge_signature(root, forge.Recipe(reference_uri="#body"), kit.kz.key, kit.kz.chain)
    return ser(root)


def two_references(kit: Kit) -> bytes:
    return forged(kit, references=2)


def external_reference_uri(kit: Kit) -> bytes:
    return forged(kit, reference_uri=f"http://127.0.0.1:{kit.port}/notice.xml")


def embedded_attacker_key(kit: Kit) -> bytes:
    root = kit.root()
    attacker = pki.new_key()
    forge.forge_signature(root, forge.Recipe(key_value_only=True), attacker, ())
    return ser(root)


def self_signed_certificate(kit: Kit) -> bytes:
    attacker_ca = pki.make_ca("KZ")
    return signed_with(kit, pki.make_node(attacker_ca, "KZ"))


def wrong_side_certificate(kit: Kit) -> bytes:
    return sign(kit.root(), kit.uz)


def wrong_country_in_certificate(kit: Kit) -> bytes:
    return signed_with(kit, pki.make_node(kit.kz_ca, "UZ"))


def expired_certificate(kit: Kit) -> bytes:
    return signed_with(
        kit, pki.make_node(kit.kz_ca, "KZ", now=datetime.now(UTC) - timedelta(days=30), days=10)
    )


def not_yet_valid_certificate(kit: Kit) -> bytes:
    return signed_with(kit, pki.make_node(kit.kz_ca, "KZ", now=datetime.now(UTC) + timedelta(days=10)))


def weak_rsa_key(kit: Kit) -> bytes:
    return signed_with(kit, pki.make_node(kit.kz_ca, "KZ", key=pki.new_key("rsa1024")))


def hmac_signature(kit: Kit) -> bytes:
    root = kit.root()
    forge.forge_signature(
        root, forge.Recipe(signature_method=forge.HMAC_SHA256), b"shared-secret", kit.kz.chain
    )
    return ser(root)


def sha1_signature(kit: Kit) -> bytes:
    return forged(kit, signature_method=forge.ECDSA_SHA1)


def sha1_digest(kit: Kit) -> bytes:
    return forged(kit, digest_method=forge.SHA1)


def xslt_transform(kit: Kit) -> bytes:
    stylesheet = (
        '<xsl:stylesheet xmlns:xsl="http://www.w3.org/1999/XSL/Transform" version="1.0">'
        '<xsl:template match="/"><xsl:copy-of select="document(\'http://127.0.0.1/\')"/>'
        "</xsl:template></xsl:stylesheet>"
    )
    return forged(kit, transforms=(forge.ENVELOPED, forge.XSLT, forge.EXC), transform_body=stylesheet)


def xpath_transform(kit: Kit) -> bytes:
    return forged(
        kit,
        transforms=(forge.XPATH, forge.EXC),
        transform_body="<ds:XPath>not(ancestor-or-self::ds:Signature)</ds:XPath>",
    )


def inclusive_c14n(kit: Kit) -> bytes:
    return forged(kit, c14n_method=forge.INCLUSIVE)


def key_not_matching_certificate(kit: Kit) -> bytes:
    root = kit.root()
    forge.forge_signature(root, forge.Recipe(), pki.new_key(), kit.kz.chain)
    return ser(root)


def unknown_root(kit: Kit) -> bytes:
    root = etree.Element("{urn:example:attacker}Order")
    root.append(etree.fromstring(b"<Item>1</Item>"))
    forge.forge_signature(root, forge.Recipe(), kit.kz.key, kit.kz.chain)
    return ser(root)


def validly_signed_invalid_body(kit: Kit) -> bytes:
    root = kit.root()
    measure = body(root).find(f"{{{PROFILE_NS}}}Measure")
    assert measure is not None
    measure.text = "close-everything"
    return sign(root, kit.kz)


def validly_signed_unknown_type(kit: Kit) -> bytes:
    root = kit.root()
    type_node = root.find(f"{{{ENV_NS}}}Header/{{{ENV_NS}}}Type")
    assert type_node is not None
    type_node.text = "ultimatum"
    return sign(root, kit.kz)


CASES: list[tuple[Callable[[Kit], bytes], Reason]] = [
    (xxe_external_entity, Reason.XML_EXTERNAL_ENTITY),
    (xxe_parameter_entity, Reason.XML_PARAMETER_ENTITY),
    (external_dtd, Reason.XML_EXTERNAL_DTD),
    (billion_laughs, Reason.XML_ENTITY_EXPANSION),
    (quadratic_blowup, Reason.XML_ENTITY_EXPANSION),
    (internal_dtd, Reason.XML_DTD_FORBIDDEN),
    (xinclude, Reason.XML_XINCLUDE_FORBIDDEN),
    (schema_location_local_port, Reason.XML_SCHEMA_LOCATION_FORBIDDEN),
    (deep_nesting, Reason.XML_TOO_DEEP),
    (oversize, Reason.XML_TOO_LARGE),
    (not_xml, Reason.XML_NOT_WELL_FORMED),
    (truncated, Reason.XML_NOT_WELL_FORMED),
    (wrong_encoding_declaration, Reason.XML_ENCODING_INVALID),
    (utf16, Reason.XML_ENCODING_INVALID),
    (invalid_utf8, Reason.XML_ENCODING_INVALID),
    (comment_in_signed_text, Reason.XML_COMMENT_FORBIDDEN),
    (processing_instruction, Reason.XML_PROCESSING_INSTRUCTION_FORBIDDEN),
    (stripped_signature, Reason.SIGNATURE_MISSING),
    (body_tampered, Reason.SIGNATURE_DIGEST_MISMATCH),
    (header_tampered, Reason.SIGNATURE_DIGEST_MISMATCH),
    (signature_value_tampered, Reason.SIGNATURE_VALUE_INVALID),
    (wrapping_signed_element_moved, Reason.SIGNATURE_LOCATION_INVALID),
    (wrapping_forged_copy_first, Reason.ENVELOPE_STRUCTURE_INVALID),
    (wrapping_duplicate_id, Reason.XML_DUPLICATE_ID),
    (wrapping_second_signed_info, Reason.SIGNATURE_STRUCTURE_INVALID),
    (wrapping_signature_moved, Reason.SIGNATURE_LOCATION_INVALID),
    (second_signature, Reason.SIGNATURE_MULTIPLE),
    (reference_to_fragment, Reason.SIGNATURE_REFERENCE_URI),
    (two_references, Reason.SIGNATURE_REFERENCE_COUNT),
    (external_reference_uri, Reason.SIGNATURE_REFERENCE_EXTERNAL),
    (embedded_attacker_key, Reason.SIGNATURE_KEY_INFO_INVALID),
    (self_signed_certificate, Reason.CERTIFICATE_UNTRUSTED),
    (wrong_side_certificate, Reason.CERTIFICATE_SIDE_MISMATCH),
    (wrong_country_in_certificate, Reason.CERTIFICATE_SIDE_MISMATCH),
    (expired_certificate, Reason.CERTIFICATE_EXPIRED),
    (not_yet_valid_certificate, Reason.CERTIFICATE_NOT_YET_VALID),
    (weak_rsa_key, Reason.CERTIFICATE_KEY_WEAK),
    (hmac_signature, Reason.SIGNATURE_HMAC_FORBIDDEN),
    (sha1_signature, Reason.SIGNATURE_ALGORITHM_WEAK),
    (sha1_digest, Reason.SIGNATURE_ALGORITHM_WEAK),
    (xslt_transform, Reason.SIGNATURE_TRANSFORM_FORBIDDEN),
    (xpath_transform, Reason.SIGNATURE_TRANSFORM_FORBIDDEN),
    (inclusive_c14n, Reason.SIGNATURE_C14N_INVALID),
    (key_not_matching_certificate, Reason.SIGNATURE_VALUE_INVALID),
    (unknown_root, Reason.ENVELOPE_UNKNOWN),
    (validly_signed_invalid_body, Reason.SCHEMA_INVALID),
    (validly_signed_unknown_type, Reason.TYPE_UNKNOWN),
]
