"""Differential test (issue 12): over the whole hostile and sample corpus, every document `bgw verify`
accepts is accepted by Debian's xmlsec1 and by signxml, and every document either of them refuses,
`bgw verify` refuses too. bgw may refuse more (its one shape, its certificate profile, its limits).

The corpus: every sample signed by bgw, by xmlsec1 and by signxml; the receipt sample; every case of
both hostile rounds. Each document is verified by all three as of one instant (a sample as of its
own Created, which may be ahead of today). A document bgw refuses for its size limits is not handed
to the other two: the property holds by that refusal, and those shapes are the ones that keep
libxml2-based verifiers busy for tens of seconds (the reason the limits exist).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
import signxml
from lxml import etree

from gateway.cli.main import main
from gateway.reasons import Reason
from gateway.wire.envelope import DSIG_NS, read_header
from gateway.wire.parsing import parse
from gateway.wire.signing import SigningKey
from tests.conftest import SAMPLES, sign_sample
from tests.hostile import cases, round_two
from tests.hostile.kit import Kit

SIZE_LIMITS = {
    Reason.XML_TOO_LARGE,
    Reason.XML_TOO_MANY_ELEMENTS,
    Reason.XML_TOO_MANY_ATTRIBUTES,
    Reason.XML_TOO_MANY_NAMESPACES,
    Reason.XML_TOO_MANY_IDS,
    Reason.SIGNATURE_SIGNED_INFO_TOO_LARGE,
}
TEMPLATE = f"""<ds:Signature xmlns:ds="{DSIG_NS}"><ds:SignedInfo>
<ds:CanonicalizationMethod Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/>
<ds:SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"/>
<ds:Reference URI=""><ds:Transforms>
<ds:Transform Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/>
<ds:Transform Algorithm="http://www.w3.org/2001/10/xml-exc-c14n#"/></ds:Transforms>
<ds:DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/><ds:DigestValue/></ds:Reference>
</ds:SignedInfo><ds:SignatureValue/><ds:KeyInfo><ds:X509Data/></ds:KeyInfo></ds:Signature>"""


@dataclass(frozen=True)
class Document:
    name: str
    data: bytes
    at: datetime


def _as_of(unsigned: bytes) -> datetime:
    return max(datetime.now(UTC), read_header(parse(unsigned)).created)


def _xmlsec1_signed(sample: Path, signer_files: tuple[Path, Path], folder: Path) -> bytes:
    root = parse(sample.read_bytes())
    root.append(etree.fromstring(TEMPLATE))
    template = folder / f"{sample.stem}.template.xml"
    template.write_bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
    out = folder / f"{sample.stem}.xmlsec1.xml"
    key = f"{signer_files[0]},{signer_files[1]}"
    result = subprocess.run(
        ["xmlsec1", "--sign", "--privkey-pem", key, "--output", str(out), str(template)],
        capture_output=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return out.read_bytes()


def _signxml_signed(sample: Path, signer: SigningKey) -> bytes:
    signed = signxml.XMLSigner(
        method=signxml.methods.enveloped,
        signature_algorithm=signxml.SignatureMethod.ECDSA_SHA256,
        digest_algorithm=signxml.DigestAlgorithm.SHA256,
        c14n_algorithm=signxml.CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    ).sign(parse(sample.read_bytes()), key=signer.key, cert=list(signer.chain))
    return bytes(etree.tostring(signed, xml_declaration=True, encoding="UTF-8"))


def corpus(kit: Kit, signers: Mapping[str, SigningKey], pki_dir: Path, folder: Path) -> Iterator[Document]:
    for sample in [*SAMPLES, SAMPLES[0].parent.parent / "receipt.xml"]:
        at = _as_of(sample.read_bytes())
        yield Document(f"{sample.parent.name}/{sample.stem} (bgw)", sign_sample(sample, signers), at)
    for sample in SAMPLES[::9]:
        side = read_header(parse(sample.read_bytes())).sender.side
        files = (pki_dir / side / "node.key", pki_dir / side / "node.pem")
        at = _as_of(sample.read_bytes())
        yield Document(f"{sample.stem} (xmlsec1)", _xmlsec1_signed(sample, files, folder), at)
        yield Document(f"{sample.stem} (signxml)", _signxml_signed(sample, signers[side]), at)
    for build, _ in [*cases.CASES, *round_two.CASES]:
        yield Document(build.__name__, build(kit), datetime.now(UTC))


def bgw_accepts(
    path: Path, document: Document, pki_dir: Path, capsys: pytest.CaptureFixture[str]
) -> str | None:
    """None when `bgw verify` accepts, else the reason code it printed."""
    capsys.readouterr()
    at = document.at.strftime("%Y-%m-%dT%H:%M:%SZ")
    code = main(["verify", str(path), "--trust", str(pki_dir), "--at", at])
    err = capsys.readouterr().err
    return None if code == 0 else err.split(":", 1)[0].removeprefix("error ")


def xmlsec1_accepts(path: Path, document: Document, pki_dir: Path) -> bool:
    anchors = [
        arg for side in ("KZ", "UZ", "AZ") for arg in ("--trusted-pem", str(pki_dir / side / "ca.pem"))
    ]
    result = subprocess.run(
        [
            "xmlsec1", "--verify", "--enabled-key-data", "x509", *anchors,
            "--verification-gmt-time", document.at.strftime("%Y-%m-%d %H:%M:%S"), str(path),
        ],
        capture_output=True,
        check=False,
        timeout=60,
        env={**os.environ, "TZ": "UTC"},
    )  # fmt: skip
    return result.returncode == 0


def signxml_accepts(document: Document, bundle: Path) -> bool:
    config = signxml.SignatureConfiguration(location="./", expect_references=1, verification_time=document.at)
    try:
        signxml.XMLVerifier().verify(document.data, ca_pem_file=str(bundle), expect_config=config)
    except Exception:  # noqa: BLE001 - any refusal by signxml counts, whatever it raises
        return False
    return True


def test_bgw_accepts_only_what_xmlsec1_and_signxml_accept(
    kit: Kit,
    signers: Mapping[str, SigningKey],
    pki_dir: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle = tmp_path / "anchors.pem"
    bundle.write_bytes(b"".join((pki_dir / side / "ca.pem").read_bytes() for side in ("KZ", "UZ", "AZ")))
    accepted, refused_by_others, disagreements = [], [], []
    for number, document in enumerate(corpus(kit, signers, pki_dir, tmp_path)):
        path = tmp_path / f"{number}.xml"
        path.write_bytes(document.data)
        refusal = bgw_accepts(path, document, pki_dir, capsys)
        if refusal is not None and Reason(refusal) in SIZE_LIMITS:
            continue
        others = {
            "xmlsec1": xmlsec1_accepts(path, document, pki_dir),
            "signxml": signxml_accepts(document, bundle),
        }
        refusing = [name for name, ok in others.items() if not ok]
        if refusal is None:
            accepted.append(document.name)
            if refusing:  # bgw accepts: both others must accept
                disagreements.append(f"{document.name}: bgw accepts, {refusing} refuse")
        refused_by_others += [document.name] if refusing else []
        if refusing and refusal is None:  # either refuses: bgw must refuse (the same, read the other way)
            disagreements.append(f"{document.name}: {refusing} refuse, bgw accepts")
    assert not disagreements, disagreements
    assert len(accepted) >= len(SAMPLES) + 1, "the corpus must hold documents all three accept"
    assert {"text_after_signature", "body_tampered"} <= set(refused_by_others), refused_by_others
