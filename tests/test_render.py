"""The readable form of a notice not sent yet (the compose preview, a draft): its id and creation
time are assigned when it is sent, so the form says so instead of showing the check's."""

from __future__ import annotations

from gateway import paths
from gateway.render import render_form
from gateway.wire.contract import Contract
from gateway.wire.parsing import parse

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "joint-meeting-proposal.xml"


def test_an_unsent_notice_shows_no_id_and_no_creation_time() -> None:
    message = Contract.default().check(parse(SAMPLE.read_bytes()))
    sent = render_form(message, "ru")
    assert message.header.message_id in sent
    for lang, words in (("ru", "присваивается при отправке"), ("kk", "жіберілген кезде беріледі")):
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
