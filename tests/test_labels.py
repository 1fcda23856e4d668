"""Every field and enumeration value of the body schemas has a label in ru, kk and en."""

from __future__ import annotations

from lxml import etree

from gateway import paths
from gateway.labels import load_labels
from gateway.profiles import load_profiles

XS = {"xs": "http://www.w3.org/2001/XMLSchema"}


def _schema_files() -> list:
    files = [paths.XSD / "common" / "types.xsd"]
    for profile in load_profiles().values():
        files += sorted(p for p in profile.schema.parent.glob("*.xsd") if p.name != "profile.xsd")
    return files


def _names(xpath: str) -> set[str]:
    found: set[str] = set()
    for file in _schema_files():
        found |= set(etree.parse(str(file)).xpath(xpath, namespaces=XS))
    return found


def test_every_body_field_has_a_label() -> None:
    labels = load_labels()
    roots = {t.element for p in load_profiles().values() for t in p.types.values()}
    fields = _names("//xs:element/@name") - roots
    assert sorted(fields - set(labels.fields)) == []


def test_every_enumeration_value_has_a_label() -> None:
    labels = load_labels()
    values = _names("//xs:enumeration/@value")
    assert sorted(values - set(labels.values)) == []


def test_labels_are_not_left_untranslated() -> None:
    labels = load_labels()
    for table in (labels.fields, labels.values):
        for key, entry in table.items():
            assert entry["ru"] != entry["en"] or entry["ru"].isascii() is False, key


def test_marker_states_read_as_the_kazakh_text_does() -> None:
    """Art. 4 (Kazakh text, lines 1388, 1392): «бүлінуін, орын ауыстырылуын, бұзылуын немесе жоғалуын» — a
    marker that was displaced is passive (орын ауыстырылуы), not the active «орын ауыстыру»."""
    values = load_labels().values
    assert values["displaced"]["kk"] == "орын ауыстырылуы"
    assert (values["damaged"]["kk"], values["destroyed"]["kk"], values["lost"]["kk"]) == (
        "бүліну",
        "бұзылу",
        "жоғалу",
    )
