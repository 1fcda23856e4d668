"""Every field and enumeration value of the body schemas has a label in ru, kk, uz, az and en; the
Uzbek and Azerbaijani ones are in Latin script; an entry that lacks a language is refused by name."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

import pytest
from lxml import etree

from gateway import paths
from gateway.errors import ConfigError
from gateway.labels import LANGUAGES, load_labels
from gateway.profiles import load_profiles

CYRILLIC = re.compile(r"[\u0400-\u052f\u1c80-\u1c8f\u2de0-\u2dff\ua640-\ua69f]")

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


def _entries() -> list[tuple[str, Mapping[str, str]]]:
    labels = load_labels()
    tables = (("fields", labels.fields), ("values", labels.values))
    return [(f"{name}.{key}", entry) for name, table in tables for key, entry in table.items()]


def test_every_label_has_all_five_languages_non_empty() -> None:
    assert LANGUAGES == ("ru", "kk", "uz", "az", "en")
    entries = _entries()
    assert len(entries) > 600
    for where, entry in entries:
        assert set(entry) == set(LANGUAGES), where
        assert all(entry[lang].strip() for lang in LANGUAGES), where


@pytest.mark.parametrize("lang", ["uz", "az"])
def test_uzbek_and_azerbaijani_labels_are_in_latin_script(lang: str) -> None:
    assert [(where, entry[lang]) for where, entry in _entries() if CYRILLIC.search(entry[lang])] == []


def test_uzbek_labels_write_o_and_g_with_the_turned_comma() -> None:
    """The current Uzbek Latin orthography: o‘ and g‘ (U+2018), not an apostrophe or U+02BB."""
    wrong = re.compile(r"[OoGg]['`\u02bb\u2019]")
    assert [(where, entry["uz"]) for where, entry in _entries() if wrong.search(entry["uz"])] == []
    assert load_labels().fields["Marker"]["uz"] == "Chegara belgisi №"
    assert load_labels().values["border-representative"]["az"] == "sərhəd nümayəndəsi"


@pytest.mark.parametrize("missing", LANGUAGES)
def test_an_entry_without_a_language_is_refused_naming_the_file_key_and_language(
    tmp_path: Path, missing: str
) -> None:
    entry = {"ru": "Вид", "kk": "Түрі", "uz": "Turi", "az": "Növü", "en": "Kind"}
    del entry[missing]
    file = tmp_path / "kinds.toml"
    file.write_text("[fields.Kind]\n" + "".join(f'{k} = "{v}"\n' for k, v in entry.items()), encoding="utf-8")
    with pytest.raises(ConfigError) as refused:
        load_labels(tmp_path)
    assert refused.value.message == f"{file}: fields.Kind: missing language {missing}"


def test_an_empty_or_unknown_language_is_refused(tmp_path: Path) -> None:
    file = tmp_path / "kinds.toml"
    base = '[values.x]\nru = "а"\nkk = "ә"\nuz = "a"\naz = "ə"\nen = "a"\n'
    file.write_text(base.replace('az = "ə"', 'az = " "'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r"values\.x: az: must be non-empty text"):
        load_labels(tmp_path)
    other = tmp_path / "other"
    other.mkdir()
    (other / "kinds.toml").write_text(base + 'tr = "a"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"values\.x: unknown language tr"):
        load_labels(other)
