"""The closed list of reason codes is one list: the Python enum and the receipt schema agree."""

from __future__ import annotations

from lxml import etree

from gateway import paths
from gateway.reasons import Reason

XS = "{http://www.w3.org/2001/XMLSchema}"


def test_receipt_schema_enumerates_exactly_the_reason_codes() -> None:
    schema = etree.parse(str(paths.XSD / "envelope.xsd"))
    values = schema.xpath(
        "//xs:simpleType[@name='ReasonCode']//xs:enumeration/@value", namespaces={"xs": XS[1:-1]}
    )
    assert sorted(values) == sorted(reason.value for reason in Reason)


def test_codes_are_unique_kebab_case() -> None:
    values = [reason.value for reason in Reason]
    assert len(values) == len(set(values))
    assert all(value == value.lower() and " " not in value and "_" not in value for value in values)
