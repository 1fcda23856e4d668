"""Every schema compiles in xmllint, lxml and xmlschema; schemas and profiles list the same types."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import xmlschema
from lxml import etree

from gateway import paths
from gateway.profiles import Profile, load_profiles

XSD_FILES = sorted(p for p in paths.XSD.rglob("*.xsd"))
PROFILES = load_profiles()
EMPTY = b'<?xml version="1.0"?><Empty xmlns="urn:bgw:test"/>'


@pytest.mark.parametrize("xsd", XSD_FILES, ids=[str(p.relative_to(paths.XSD)) for p in XSD_FILES])
def test_schema_compiles_everywhere(xsd: Path, tmp_path: Path) -> None:
    etree.XMLSchema(etree.parse(str(xsd)))
    xmlschema.XMLSchema(str(xsd))
    probe = tmp_path / "probe.xml"
    probe.write_bytes(EMPTY)
    result = subprocess.run(
        ["xmllint", "--noout", "--nonet", "--schema", str(xsd), str(probe)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert "failed to compile" not in result.stderr, result.stderr
    assert "parser error" not in result.stderr, result.stderr


def test_profile_index_schemas_are_up_to_date() -> None:
    script = paths.ROOT / "scripts" / "regen-profile-xsd.py"
    result = subprocess.run(
        [sys.executable, str(script), "--check"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr


def _body_schemas(profile: Profile) -> set[str]:
    folder = profile.schema.parent
    return {p.stem for p in folder.glob("*.xsd") if p.stem != "profile" and not p.stem.startswith("shared")}


@pytest.mark.parametrize("profile", PROFILES.values(), ids=list(PROFILES))
def test_every_type_has_a_schema_and_every_schema_a_type(profile: Profile) -> None:
    schemas = _body_schemas(profile)
    types = set(profile.types)
    assert sorted(schemas - types) == [], "schemas without a profile entry"
    assert sorted(types - schemas) == [], "profile entries without a schema"


@pytest.mark.parametrize("profile", PROFILES.values(), ids=list(PROFILES))
def test_each_body_schema_declares_exactly_its_root(profile: Profile) -> None:
    for name, message_type in profile.types.items():
        tree = etree.parse(str(profile.schema.parent / f"{name}.xsd"))
        roots = tree.xpath(
            "/xs:schema/xs:element/@name", namespaces={"xs": "http://www.w3.org/2001/XMLSchema"}
        )
        assert roots == [message_type.element], name


@pytest.mark.parametrize("profile", PROFILES.values(), ids=list(PROFILES))
def test_every_type_has_a_sample(profile: Profile) -> None:
    samples = {p.stem for p in (paths.SAMPLES / profile.id).glob("*.xml")}
    assert samples == set(profile.types)


def test_wire_schema_imports_every_profile() -> None:
    tree = etree.parse(str(paths.XSD / "wire.xsd"))
    imported = set(
        tree.xpath("//xs:import/@namespace", namespaces={"xs": "http://www.w3.org/2001/XMLSchema"})
    )
    assert imported == {"urn:bgw:envelope:1"} | {p.namespace for p in PROFILES.values()}


def test_district_reference_data_is_valid() -> None:
    schema = etree.XMLSchema(etree.parse(str(paths.XSD / "reference" / "districts.xsd")))
    for profile in PROFILES.values():
        if profile.districts:
            assert schema.validate(etree.parse(str(profile.districts))), schema.error_log


REQUIRED = [
    # type, element removed from its sample, the article that lists it
    ("handover-act", "ActHeader/DrawnUpBy/Participant/Rank", "33(5) «воинские звания, фамилии», L509"),
    ("handover-act", "HandedOverPersons/../Crossing/CrossingCause", "33(5) «обстоятельства и причины», L503"),
    ("commission-meeting-proposal", "Delegation", "Annex 1 §4 «состав участников заседания», L762"),
]


@pytest.mark.parametrize(("name", "path", "_article"), REQUIRED, ids=[f"{r[0]}:{r[1]}" for r in REQUIRED])
def test_what_the_article_lists_is_required(name: str, path: str, _article: str) -> None:
    from gateway.errors import WireError
    from gateway.reasons import Reason
    from gateway.wire.contract import Contract
    from gateway.wire.envelope import body_of
    from gateway.wire.parsing import parse

    contract = Contract.default()
    root = parse((paths.SAMPLES / "kz-uz-border-2024" / f"{name}.xml").read_bytes())
    contract.check(root)
    body = body_of(root)
    namespace = etree.QName(body).namespace
    steps = "/".join(step if step == ".." else f"{{{namespace}}}{step}" for step in path.split("/"))
    found = body.findall(steps)
    assert found, path
    for node in found:
        parent = node.getparent()
        assert parent is not None
        parent.remove(node)
    with pytest.raises(WireError) as error:
        contract.check(root)
    assert error.value.reason is Reason.SCHEMA_INVALID
