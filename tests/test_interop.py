"""Interoperability with Debian's xmlsec1, both ways, and with signxml as a third implementation.

xmlsec1 verifies with --enabled-key-data x509 (an embedded bare key is never simply trusted) and
the side CA as the only trusted certificate.
"""

from __future__ import annotations

import subprocess
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path

import pytest
import signxml
from lxml import etree

from gateway import paths
from gateway.errors import CertificateError
from gateway.reasons import Reason
from gateway.wire.contract import Contract
from gateway.wire.envelope import DSIG_NS
from gateway.wire.parsing import parse
from gateway.wire.signing import SigningKey
from gateway.wire.trust import TrustStore
from gateway.wire.verification import verify

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "crossing-restriction.xml"
TEMPLATE = f"""<ds:Signature xmlns:ds="{DSIG_NS}"><ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>
<ds:Reference URI=""><ds:Transforms>
<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>
<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>
</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>"""


def xmlsec1(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["xmlsec1", *args], capture_output=True, text=True, check=False)


def xmlsec1_verify(signed: Path, ca: Path) -> subprocess.CompletedProcess[str]:
    return xmlsec1("--verify", "--enabled-key-data", "x509", "--trusted-pem", str(ca), str(signed))


def test_bgw_signature_verifies_with_xmlsec1(signed_notice: bytes, pki_dir: Path, tmp_path: Path) -> None:
    signed = tmp_path / "signed.xml"
    signed.write_bytes(signed_notice)
    assert xmlsec1_verify(signed, pki_dir / "KZ" / "ca.pem").returncode == 0


def test_xmlsec1_refuses_bgw_signature_under_the_wrong_side_ca(
    signed_notice: bytes, pki_dir: Path, tmp_path: Path
) -> None:
    signed = tmp_path / "signed.xml"
    signed.write_bytes(signed_notice)
    assert xmlsec1_verify(signed, pki_dir / "UZ" / "ca.pem").returncode != 0


def test_xmlsec1_refuses_a_tampered_bgw_signature(
    signed_notice: bytes, pki_dir: Path, tmp_path: Path
) -> None:
    signed = tmp_path / "signed.xml"
    signed.write_bytes(signed_notice.replace("Туркестанская".encode(), "Кызылординская".encode(), 1))
    assert xmlsec1_verify(signed, pki_dir / "KZ" / "ca.pem").returncode != 0


def _xmlsec1_signed(side: str, pki_dir: Path, tmp_path: Path) -> bytes:
    root = parse(SAMPLE.read_bytes())
    root.append(etree.fromstring(TEMPLATE))
    template = tmp_path / "template.xml"
    template.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    out = tmp_path / "xmlsec1-signed.xml"
    key = f"{pki_dir / side / 'node.key'},{pki_dir / side / 'node.pem'}"
    result = xmlsec1("--sign", "--privkey-pem", key, "--output", str(out), str(template))
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


def test_xmlsec1_signature_verifies_with_bgw(
    pki_dir: Path, tmp_path: Path, trust: TrustStore, contract: Contract
) -> None:
    verified = verify(_xmlsec1_signed("KZ", pki_dir, tmp_path), trust, datetime.now(UTC))
    contract.check(verified.root, verified.header)
    assert verified.side == "KZ"


def test_xmlsec1_signature_by_the_wrong_side_is_refused(
    pki_dir: Path, tmp_path: Path, trust: TrustStore
) -> None:
    with pytest.raises(CertificateError) as refused:
        verify(_xmlsec1_signed("UZ", pki_dir, tmp_path), trust, datetime.now(UTC))
    assert refused.value.reason is Reason.CERTIFICATE_SIDE_MISMATCH


def test_signxml_verifies_bgw_signature(signed_notice: bytes, pki_dir: Path) -> None:
    config = signxml.SignatureConfiguration(location="./", expect_references=1)
    result = signxml.XMLVerifier().verify(
        signed_notice, ca_pem_file=str(pki_dir / "KZ" / "ca.pem"), expect_config=config
    )
    assert result.signed_xml is not None


def test_signxml_signature_verifies_with_bgw(signers: Mapping[str, SigningKey], trust: TrustStore) -> None:
    signer = signers["KZ"]
    signed = signxml.XMLSigner(
        method=signxml.methods.enveloped,
        signature_algorithm=signxml.SignatureMethod.ECDSA_SHA256,
        digest_algorithm=signxml.DigestAlgorithm.SHA256,
        c14n_algorithm=signxml.CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    ).sign(parse(SAMPLE.read_bytes()), key=signer.key, cert=list(signer.chain))
    verified = verify(
        etree.tostring(signed, xml_declaration=True, encoding="UTF-8"), trust, datetime.now(UTC)
    )
    assert verified.side == "KZ"
