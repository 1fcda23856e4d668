"""A notice as a readable form: title, the article it rests on, every deadline marked as fixed by
the agreement or as the gateway's default, and the content with labels in ru, kk or en; a receipt
as a short form of what it acknowledges.

What the peer wrote is shown as it is, but on its own lines: a control character is shown as its
escape, a line break in a value continues the value on an indented line, and text that only looks
like a time (or a time no calendar can show) is printed as written. Raises WireError only."""

from __future__ import annotations

import re
from zoneinfo import ZoneInfo

from lxml import etree

from gateway.errors import WireError
from gateway.labels import Labels, load_labels
from gateway.profiles import MessageType, Profile, Source, Span
from gateway.reasons import Reason
from gateway.rules.channels import chosen_channel
from gateway.wire.contract import Message
from gateway.wire.envelope import Header, format_time, parse_time
from gateway.wire.receipt import Acknowledgement

ZONES = {"KZ": "Asia/Almaty", "UZ": "Asia/Tashkent", "AZ": "Asia/Baku"}
_TIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?Z$")

WORDS: dict[str, dict[str, str]] = {
    "article": {"ru": "Статья", "kk": "Бап", "en": "Article"},
    "channel": {"ru": "Канал", "kk": "Арна", "en": "Channel"},
    "message": {"ru": "Сообщение", "kk": "Хабар", "en": "Message"},
    "from": {"ru": "Отправитель", "kk": "Жіберуші", "en": "From"},
    "to": {"ru": "Получатель", "kk": "Алушы", "en": "To"},
    "created": {"ru": "Составлено", "kk": "Жасалған уақыты", "en": "Created"},
    "on_sending": {
        "ru": "присваивается при отправке",
        "kk": "жіберілген кезде беріледі",
        "en": "assigned when it is sent",
    },
    "deadlines": {"ru": "Сроки", "kk": "Мерзімдер", "en": "Deadlines"},
    "content": {"ru": "Содержание", "kk": "Мазмұны", "en": "Content"},
    "receipt": {
        "ru": "Квитанция о получении: в течение {span}",
        "kk": "Алғаны туралы түбіртек: {span} ішінде",
        "en": "Receipt due within {span}",
    },
    "lead": {
        "ru": "Направляется не менее чем за {span} до «{field}»",
        "kk": "«{field}» дейін кемінде {span} бұрын жіберіледі",
        "en": "Must be sent at least {span} before «{field}»",
    },
    "reply_within": {
        "ru": "Ответ ({reply}): в течение {span} с момента получения",
        "kk": "Жауап ({reply}): алған сәттен бастап {span} ішінде",
        "en": "Reply ({reply}) due within {span} of receipt",
    },
    "reply_by": {
        "ru": "Ответ ({reply}): не позднее чем за {span} до «{field}»",
        "kk": "Жауап ({reply}): «{field}» дейін кемінде {span} бұрын",
        "en": "Reply ({reply}) due {span} before «{field}»",
    },
    "periodic": {
        "ru": "Не реже одного раза в {span}",
        "kk": "Кемінде {span} ішінде бір рет",
        "en": "At least once every {span}",
    },
    "effect": {
        "ru": "Последствие получения ({event}): через {span}",
        "kk": "Алудың салдары ({event}): {span} өткен соң",
        "en": "Effect of receipt ({event}): after {span}",
    },
    "anchored_within": {
        "ru": "Срок: в течение {span} после ({anchor})",
        "kk": "Мерзім: ({anchor}) кейін {span} ішінде",
        "en": "Due within {span} after ({anchor})",
    },
    "anchored_before": {
        "ru": "Срок: не позднее чем за {span} до ({anchor})",
        "kk": "Мерзім: ({anchor}) дейін кемінде {span} бұрын",
        "en": "Due at least {span} before ({anchor})",
    },
    "as_answered": {
        "ru": "канал сообщения, на которое дан ответ",
        "kk": "жауап берілген хабардың арнасы",
        "en": "the channel of the message it answers",
    },
    "in_reply_to": {"ru": "В ответ на", "kk": "Жауап ретінде", "en": "In reply to"},
    "supersedes": {"ru": "Заменяет", "kk": "Ауыстырады", "en": "Supersedes"},
    "cancels": {"ru": "Отменяет", "kk": "Күшін жояды", "en": "Cancels"},
    "late": {
        "ru": "Направлено с опозданием, обоснование",
        "kk": "Кешігіп жіберілді, негіздеме",
        "en": "Sent late, justification",
    },
    "ours": {
        "ru": "тип шлюза, Соглашением не предусмотрен",
        "kk": "шлюз түрі, Келісімде көзделмеген",
        "en": "gateway type, not required by the agreement",
    },
}
RECEIPT_WORDS: dict[str, dict[str, str]] = {
    "title": {"ru": "Квитанция о получении", "kk": "Алғаны туралы түбіртек", "en": "Receipt"},
    "status": {"ru": "Статус", "kk": "Мәртебесі", "en": "Status"},
    "accepted": {"ru": "принято", "kk": "қабылданды", "en": "accepted"},
    "accepted-with-warning": {
        "ru": "принято с предупреждением",
        "kk": "ескертумен қабылданды",
        "en": "accepted with a warning",
    },
    "rejected": {"ru": "отклонено", "kk": "қабылданбады", "en": "rejected"},
    "reasons": {"ru": "Коды причин", "kk": "Себеп кодтары", "en": "Reason codes"},
    "received": {"ru": "Получено", "kk": "Алынған уақыты", "en": "Received"},
    "digest": {"ru": "SHA-256 полученного", "kk": "Алынғанның SHA-256", "en": "SHA-256 of what was received"},
    "detail": {"ru": "Подробности", "kk": "Толығырақ", "en": "Detail"},
}
SOURCE = {
    Source.TEXT: {
        "ru": "установлено Соглашением",
        "kk": "Келісіммен белгіленген",
        "en": "fixed by the agreement",
    },
    Source.DEFAULT: {
        "ru": "значение шлюза по умолчанию, Соглашением не установлено",
        "kk": "шлюздің әдепкі мәні, Келісімде белгіленбеген",
        "en": "gateway default, not fixed by the agreement",
    },
}
UNITS = {
    "minutes": {"ru": "мин", "kk": "минут", "en": "minutes"},
    "hours": {"ru": "ч", "kk": "сағат", "en": "hours"},
    "days": {"ru": "сут.", "kk": "тәулік", "en": "days"},
    "months": {"ru": "мес.", "kk": "ай", "en": "months"},
    "years": {"ru": "лет", "kk": "жыл", "en": "years"},
}
EVENTS = {
    "entry-into-force": {
        "ru": "вступление Соглашения в силу",
        "kk": "Келісімнің күшіне енуі",
        "en": "entry into force of the agreement",
    },
    "termination": {
        "ru": "прекращение действия Соглашения",
        "kk": "Келісімнің қолданылуын тоқтату",
        "en": "termination of the agreement",
    },
    "term-end": {
        "ru": "истечение текущего срока действия Соглашения",
        "kk": "Келісімнің ағымдағы қолданылу мерзімінің өтуі",
        "en": "end of the agreement's current term",
    },
}
CHANNELS = {
    "AB": {"ru": "уполномоченные органы", "kk": "уәкілетті органдар", "en": "authorised bodies"},
    "BR": {"ru": "пограничные представители", "kk": "шекара өкілдері", "en": "border representatives"},
    "DIP": {"ru": "дипломатические каналы", "kk": "дипломатиялық арналар", "en": "diplomatic channels"},
    "JC": {"ru": "Совместная комиссия", "kk": "Бірлескен комиссия", "en": "Joint Commission"},
}


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
        title = profile.types[reply.type].title[lang]
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
    lines = [message_type.title[lang], profile.title[lang], ""]
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
    lines = [RECEIPT_WORDS["title"][lang], message.profile.title[lang], ""]
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
