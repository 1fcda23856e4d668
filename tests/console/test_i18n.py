"""Every catalogue has exactly Russian's keys, with the same placeholders, and every key the
templates and the code name exists: a missing word fails here, not on an operator's screen."""

from __future__ import annotations

import re
import string

import pytest

from gateway.console import i18n, pages, timeline
from gateway.console.certificates import Held
from gateway.console.message_model import LINK_ROLES
from gateway.console.messages_log import DIRECTIONS, STATES, WINDOWS
from gateway.lifecycle import EscalationState, ObligationState
from gateway.profiles import Channel
from gateway.profiles.model import LEVELS
from gateway.reasons import Reason
from gateway.roles import Role
from gateway.rules.deadlines import Duty
from gateway.transport.depths import watched
from gateway.transport.topology import Names
from gateway.wire.receipt import STATUSES

CONSOLE_REASONS = [
    Reason.SESSION_REQUIRED,
    Reason.LOGIN_INVALID,
    Reason.LOGIN_THROTTLED,
    Reason.CSRF_TOKEN_INVALID,
    Reason.ROLE_INSUFFICIENT,
    Reason.USAGE_INVALID,
    Reason.MESSAGE_UNKNOWN,
    Reason.MESSAGE_UNREADABLE,
    Reason.EVIDENCE_TOO_LARGE,
    Reason.ESCALATION_UNKNOWN,
    Reason.ESCALATION_TRANSITION_INVALID,
]


OBLIGATION_WORDS = {
    "duty": ("receipt", "reply", "decision"),
    "source": ("text", "default"),
    "state": tuple(state.value for state in ObligationState),
}


def _fields(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("lang", i18n.LANGUAGES)
def test_every_language_has_exactly_the_russian_keys_and_placeholders(lang: str) -> None:
    russian, other = i18n.catalogue("ru").texts, i18n.catalogue(lang).texts
    assert sorted(set(russian) - set(other)) == [], f"missing in {lang}"
    assert sorted(set(other) - set(russian)) == [], f"unknown in {lang}"
    for key, text in russian.items():
        assert _fields(other[key]) == _fields(text), f"{lang}: {key}"


def test_every_key_the_console_names_exists() -> None:
    named = set()
    for template in pages.TEMPLATES.glob("*.html"):
        named |= set(re.findall(r"""\bt\(\s*["']([\w.-]+)["']""", template.read_text(encoding="utf-8")))
    named |= {f"reason.{reason.value}" for reason in CONSOLE_REASONS}
    named |= {f"role.{role.value}" for role in Role}
    named |= {f"language.{lang}" for lang in i18n.LANGUAGES}
    named |= {f"state.{state}" for state in STATES} | {f"direction.{d}" for d in DIRECTIONS}
    named |= {f"window.{window}" for window in [*WINDOWS, "custom"]}
    named |= {f"receipt.{status}" for status in STATUSES}
    named |= {f"health.queues.{role}" for role in watched(Names("KZ"))}
    named |= {f"health.owes.{d}" for d in DIRECTIONS} | {f"health.held.{held.value}" for held in Held}
    named |= {f"health.escalation.{state.value}" for state in EscalationState}
    named |= {f"timeline.{kind}" for kind in timeline.KINDS}
    named |= {f"message.channel_{channel.value}" for channel in Channel}
    named |= {f"message.link_{role}" for role in LINK_ROLES}
    named |= {
        f"obligation.{prefix}_{value}" for prefix, values in OBLIGATION_WORDS.items() for value in values
    }
    named |= {f"signature.role_{role}" for role in ("signer", "anchor")}
    named |= {f"board.duty.{duty.value}" for duty in Duty} | {f"board.rung.{level}" for level in LEVELS}
    named |= {f"board.channel.{channel.value}" for channel in Channel}
    named |= {f"escalations.obligation_state.{state.value}" for state in ObligationState}
    named = {key for key in named if not key.endswith((".", "_"))}  # t("state." ~ s): listed above
    assert len(named) > 60
    assert sorted(key for key in named if not i18n.catalogue("ru").has(key)) == []


def test_a_removed_key_is_caught(tmp_path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """The check above really compares: a catalogue without one key differs from Russian's."""
    for lang in ("ru", "kk"):
        text = (i18n.FOLDER / f"{lang}.toml").read_text(encoding="utf-8")
        if lang == "kk":
            text = re.sub(r"(?m)^logout = .*\n", "", text)
        (tmp_path / f"{lang}.toml").write_text(text, encoding="utf-8")
    monkeypatch.setattr(i18n, "FOLDER", tmp_path)
    i18n.catalogue.cache_clear()
    try:
        assert set(i18n.catalogue("ru").texts) - set(i18n.catalogue("kk").texts) == {"app.logout"}
    finally:
        i18n.catalogue.cache_clear()


def test_the_default_is_russian() -> None:
    assert i18n.chosen(None) == "ru" and i18n.chosen("xx") == "ru" and i18n.chosen("kk") == "kk"
