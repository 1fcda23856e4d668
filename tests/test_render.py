"""The readable form of a notice not sent yet (the compose preview, a draft): its id and creation
time are assigned when it is sent, so the form says so instead of showing the check's. The form's
words exist in all five languages, the Uzbek and Azerbaijani ones in Latin script."""

from __future__ import annotations

import re

import pytest

from gateway import form_words, paths
from gateway.labels import LANGUAGES
from gateway.render import render_form
from gateway.wire.contract import Contract
from gateway.wire.parsing import parse

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "joint-meeting-proposal.xml"


def test_an_unsent_notice_shows_no_id_and_no_creation_time() -> None:
    message = Contract.default().check(parse(SAMPLE.read_bytes()))
    sent = render_form(message, "ru")
    assert message.header.message_id in sent
    for lang, words in (
        ("ru", "присваивается при отправке"),
        ("kk", "жіберілген кезде беріледі"),
        ("uz", "yuborilganda beriladi"),
        ("az", "göndəriləndə verilir"),
    ):
        unsent = render_form(message, lang, unsent=True)
        assert message.header.message_id not in unsent
        lines = unsent.splitlines()
        assert sum(line.endswith(f": {words}") for line in lines) == 2, unsent
    assert render_form(message, "en", unsent=True).count("assigned when it is sent") == 2
    # Everything else is as the sent form shows it.
    same = [line for line in sent.splitlines() if message.header.message_id not in line]
    assert [
        line for line in render_form(message, "ru", unsent=True).splitlines() if "при отправке" not in line
    ] == [line for line in same if not line.startswith("Составлено")]


TABLES = ("WORDS", "RECEIPT_WORDS", "SOURCE", "UNITS", "EVENTS", "CHANNELS")
CYRILLIC = re.compile(r"[\u0400-\u052f]")


@pytest.mark.parametrize("table", TABLES)
def test_every_form_word_exists_in_the_five_languages_with_the_same_placeholders(table: str) -> None:
    for key, entry in getattr(form_words, table).items():
        assert set(entry) == set(LANGUAGES), (table, key)
        assert all(entry[lang].strip() for lang in LANGUAGES), (table, key)
        for lang in ("uz", "az"):
            assert not CYRILLIC.search(entry[lang]), (table, key, lang)
            assert sorted(re.findall(r"{\w+}", entry[lang])) == sorted(re.findall(r"{\w+}", entry["ru"]))


@pytest.mark.parametrize(
    ("lang", "lines"),
    [
        (
            "uz",
            [
                "Modda: ",
                "Kanal: chegara vakillari",
                "Muddatlar:",
                "Mazmuni:",
                "  Chegara mojarosi:",
                "    Shlyuz xabari: ",
            ],
        ),
        (
            "az",
            [
                "Maddə: ",
                "Kanal: sərhəd nümayəndələri",
                "Müddətlər:",
                "Məzmunu:",
                "  Sərhəd insidenti:",
                "    Şlüz mesajı: ",
            ],
        ),
    ],
)
def test_a_notice_reads_in_uzbek_and_azerbaijani(lang: str, lines: list[str]) -> None:
    message = Contract.default().check(parse(SAMPLE.read_bytes()))
    form = render_form(message, lang).splitlines()
    assert message.type is not None
    assert form[0] == message.type.title["ru"]  # the profiles title in ru, kk, en: the Russian one prevails
    for start in lines:
        assert any(line.startswith(start) for line in form), (start, form)
