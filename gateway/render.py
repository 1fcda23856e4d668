"""A notice as a readable form: title, the article it rests on, every deadline marked as fixed by
the agreement or as the gateway's default, and the content with labels in ru, kk, uz, az or en
(gateway.form_words, gateway.labels); a receipt as a short form of what it acknowledges. Profile
titles exist in ru, kk and en only: an Uzbek or Azerbaijani form shows the Russian title.

What the peer wrote is shown as it is, but on its own lines: a control character is shown as its
escape, a line break in a value continues the value on an indented line, and text that only looks
like a time (or a time no calendar can show) is printed as written. Raises WireError only."""

from __future__ import annotations

import re
from collections.abc import Mapping
from zoneinfo import ZoneInfo

from lxml import etree

from gateway.errors import WireError
from gateway.form_words import CHANNELS, EVENTS, RECEIPT_WORDS, SOURCE, UNITS, WORDS
from gateway.labels import Labels, load_labels
from gateway.profiles import MessageType, Profile, Span
from gateway.reasons import Reason
from gateway.rules.channels import chosen_channel
from gateway.wire.contract import Message
from gateway.wire.envelope import Header, format_time, parse_time
from gateway.wire.receipt import Acknowledgement

ZONES = {"KZ": "Asia/Almaty", "UZ": "Asia/Tashkent", "AZ": "Asia/Baku"}
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$")


def span_text(span: Span, lang: str) -> str:
    return f"{span.value} {UNITS[span.unit.value][lang]} ({SOURCE[span.source][lang]})"


def when(text: str, side: str) -> str:
    """A UTC time as UTC and in the side's zone; text that is not a time, as it is."""
    try:
        moment = parse_time(text)
    except ValueError:
        return shown(text)
    zone = ZONES.get(side, "UTC")
    try:
        local = moment.astimezone(ZoneInfo(zone))
    except OverflowError:  # 9999-12-31 late in the day: no local calendar date exists
        return f"{moment:%Y-%m-%d %H:%M} UTC"
    return f"{moment:%Y-%m-%d %H:%M} UTC ({local:%Y-%m-%d %H:%M} {zone})"


def shown(text: str, indent: str = "    ") -> str:
    """A value from a message: control characters escaped, each further line indented."""
    lines = ["".join(c if c.isprintable() else ascii(c)[1:-1] for c in line) for line in text.splitlines()]
    return f"\n{indent}".join(lines)


def _title(titles: Mapping[str, str], lang: str) -> str:
    """A profile's title in *lang*; where the profile has none (uz, az), the prevailing Russian one."""
    return titles.get(lang) or titles["ru"]


def _event(name: str, lang: str) -> str:
    return EVENTS[name][lang] if name in EVENTS else name


def _deadlines(profile: Profile, message_type: MessageType, labels: Labels, lang: str) -> list[str]:
    def field(path: str) -> str:
        return labels.field(path.rsplit("/", maxsplit=1)[-1], lang)

    lines = [WORDS["receipt"][lang].format(span=span_text(message_type.receipt_due, lang))]
    if message_type.lead:
        lines.append(
            WORDS["lead"][lang].format(
                span=span_text(message_type.lead.span, lang), field=field(message_type.lead.field)
            )
        )
    reply = message_type.reply
    if reply:
        title = _title(profile.types[reply.type].title, lang)
        if reply.within:
            lines.append(WORDS["reply_within"][lang].format(reply=title, span=span_text(reply.within, lang)))
        elif reply.before and reply.by_field:
            lines.append(
                WORDS["reply_by"][lang].format(
                    reply=title, span=span_text(reply.before, lang), field=field(reply.by_field)
                )
            )
    if message_type.periodic:
        lines.append(WORDS["periodic"][lang].format(span=span_text(message_type.periodic, lang)))
    if message_type.effect:
        lines.append(
            WORDS["effect"][lang].format(
                event=_event(message_type.effect.event, lang), span=span_text(message_type.effect.after, lang)
            )
        )
    anchored = message_type.anchored
    if anchored:
        key, span = (
            ("anchored_within", anchored.within) if anchored.within else ("anchored_before", anchored.before)
        )
        assert span is not None
        lines.append(
            WORDS[key][lang].format(anchor=_event(anchored.anchor, lang), span=span_text(span, lang))
        )
    return lines


def _channel(message_type: MessageType, body: etree._Element, lang: str) -> str:
    """The channel the notice travels on: the profile's, the sender's choice, or the answered act's."""
    if message_type.follows_answered:
        return WORDS["as_answered"][lang]
    return CHANNELS[chosen_channel(message_type, body).value][lang]


def _content(node: etree._Element, labels: Labels, lang: str, side: str, depth: int = 1) -> list[str]:
    lines = []
    indent = "  " * depth
    for child in node.iterchildren(etree.Element):
        name = labels.field(etree.QName(child).localname, lang)
        if len(child):
            lines.append(f"{indent}{name}:")
            lines.extend(_content(child, labels, lang, side, depth + 1))
            continue
        text = (child.text or "").strip()
        unit = child.get("unit")
        text = when(text, side) if _TIME.match(text) else shown(labels.value(text, lang), indent + "  ")
        lines.append(f"{indent}{name}: {text}{' ' + shown(unit) if unit else ''}")
    return lines


def render_form(message: Message, lang: str, labels: Labels | None = None, *, unsent: bool = False) -> str:
    """The readable form of a checked notice or receipt (a dossier has none: bgw verify lists it).
    *unsent*: a notice checked but not sent (a preview, a draft): its id and creation time are only
    assigned when it is sent, so the form says so instead of showing the check's."""
    labels = labels or load_labels()
    if message.acknowledgement is not None:
        return _receipt_form(message, message.acknowledgement, lang)
    header, profile, message_type = message.header, message.profile, message.type
    if message_type is None or message.body is None:
        raise WireError(
            f"a {etree.QName(message.root).localname} has no readable form; bgw verify lists a dossier",
            reason=Reason.ENVELOPE_UNKNOWN,
        )
    side = header.sender.side
    lines = [_title(message_type.title, lang), _title(profile.title, lang), ""]
    article = f"{WORDS['article'][lang]}: {message_type.article}"
    if message_type.ours:
        article += f" ({WORDS['ours'][lang]})"
    lines.append(article)
    if message_type.quote:
        lines.append(f"  «{message_type.quote}»")
    lines.append(f"{WORDS['channel'][lang]}: {_channel(message_type, message.body, lang)}")
    lines += _parties(header, lang, unsent)
    if header.late_justification:
        lines.append(f"{WORDS['late'][lang]}: {shown(header.late_justification)}")
    lines += ["", f"{WORDS['deadlines'][lang]}:"]
    lines += [f"  - {line}" for line in _deadlines(profile, message_type, labels, lang)]
    lines += ["", f"{WORDS['content'][lang]}:"]
    lines += _content(message.body, labels, lang, side)
    return "\n".join(lines) + "\n"


def _parties(header: Header, lang: str, unsent: bool = False) -> list[str]:
    """Message id, sender, recipient, time of creation and the messages this one refers to."""
    later = WORDS["on_sending"][lang]
    created = later if unsent else when(format_time(header.created), header.sender.side)
    lines = [
        f"{WORDS['message'][lang]}: {later if unsent else shown(header.message_id)}",
        f"{WORDS['from'][lang]}: {shown(header.sender.side)}, {shown(header.sender.unit)}",
        f"{WORDS['to'][lang]}: {shown(header.recipient.side)}, {shown(header.recipient.unit)}",
        f"{WORDS['created'][lang]}: {created}",
    ]
    for key in ("in_reply_to", "supersedes", "cancels"):
        if getattr(header, key):
            lines.append(f"{WORDS[key][lang]}: {shown(getattr(header, key))}")
    return lines


def _receipt_form(message: Message, ack: Acknowledgement, lang: str) -> str:
    lines = [RECEIPT_WORDS["title"][lang], _title(message.profile.title, lang), ""]
    lines += _parties(message.header, lang)
    lines.append(
        f"{RECEIPT_WORDS['status'][lang]}: {RECEIPT_WORDS.get(ack.status, {}).get(lang, shown(ack.status))}"
    )
    if ack.reasons:
        lines.append(f"{RECEIPT_WORDS['reasons'][lang]}: {shown(', '.join(ack.reasons))}")
    lines.append(
        f"{RECEIPT_WORDS['received'][lang]}: {when(format_time(ack.received_at), message.header.sender.side)}"
    )
    lines.append(f"{RECEIPT_WORDS['digest'][lang]}: {shown(ack.digest)}")
    if ack.detail:
        lines.append(f"{RECEIPT_WORDS['detail'][lang]}: {shown(ack.detail)}")
    return "\n".join(lines) + "\n"
