"""The compose page's decisions, pure: a posted (or prefilled) form → the header, the body, the
problems the form names and the submission document; whether a notice waits for a second approval;
what the page says about a verdict of `Submissions.check` (the article, the required lead, the
earliest allowed start, `text` or `default`).

The document is exactly what a national system submits as JSON over AMQP
(`gateway.forms.header.submission`): the console and the national interface share one path.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from gateway.forms.header import decode_header, submission
from gateway.forms.model import Form, form_of
from gateway.forms.posted import Problem, decode
from gateway.forms.prefill import encode
from gateway.node.config import Link
from gateway.profiles import Channel, Profile
from gateway.rules.lead import LeadCheck

BUTTONS = ("csrf", "add", "key", "action")  # posted names that are not part of the notice
PREFILL = ("link", "type", "in_reply_to", "supersedes", "cancels")  # the query a link may open /compose with


@dataclass(frozen=True)
class Composed:
    """A compose form as posted: what it shows again and, when it has no problems, the document."""

    values: dict[str, str]  # name → value, as the form shows them again
    form: Form | None  # the body's form (None: link or type not chosen yet)
    problems: tuple[Problem, ...]
    add: frozenset[str]  # repeated groups that get one more slot
    document: dict[str, Any] | None  # the submission JSON (None: the form has problems)
    link: Link | None
    key: str = ""  # the form's idempotency key: sending the same form twice sends one notice

    @property
    def ready(self) -> bool:
        return self.document is not None


def read_form(
    pairs: Iterable[tuple[str, str]], links: Sequence[Link], profiles: Mapping[str, Profile]
) -> Composed:
    pairs = list(pairs)
    posted = [(name, value) for name, value in pairs if name not in BUTTONS]
    add = frozenset(value for name, value in pairs if name == "add")
    key = next((value for name, value in pairs if name == "key"), "")
    values = dict(posted)
    heading = decode_header(posted, links, profiles)
    link = next((item for item in links if f"{item.peer}/{item.profile}" == values.get("link")), None)
    if link is None or not heading.header:
        return Composed(values, None, heading.problems, add, None, link, key)
    form = form_of(profiles[link.profile], heading.header["type"])
    body = [(name, value) for name, value in posted if name[:1].isupper()]
    decoded = decode(form, body)
    problems = heading.problems + decoded.problems
    document = submission(heading.header, decoded.body) if not problems else None
    return Composed(values, form, problems, add, document, link, key)


def replacing(asked: Mapping[str, str]) -> str | None:
    """The id of the notice a form opened with `?supersedes=ID` or `?cancels=ID` replaces."""
    return asked.get("supersedes") or asked.get("cancels") or None


def prefilled(
    asked: Mapping[str, str],
    earlier: tuple[str, str, str] | None,
    body: Mapping[str, Any] | None,
    form: Form | None,
) -> list[tuple[str, str]]:
    """The values a form opens with: what the query asked; for a notice that supersedes or cancels
    one we sent (*earlier*: its peer, profile and type), that notice's link, type and body."""
    values = dict(asked)
    if earlier is not None:
        peer, profile, message_type = earlier
        values.update(link=f"{peer}/{profile}", type=message_type)
    pairs = list(values.items())
    if body is not None and form is not None:
        pairs.extend(encode(form, body).pairs)
    return pairs


def needs_second_approval(link: Link | None, channel: Channel | None) -> bool:
    """A diplomatic-channel notice on a link configured with second approval waits for a second
    operator; anything else is sent at once."""
    return link is not None and link.second_approval and channel is Channel.DIP


@dataclass(frozen=True)
class LeadFacts:
    """The lead time as the page shows it, before sending."""

    article: str
    value: int
    unit: str
    source: str  # text | default
    field: str
    starts_at: datetime
    earliest_start: datetime
    met: bool


def lead_facts(lead: LeadCheck | None) -> LeadFacts | None:
    if lead is None:
        return None
    span = lead.required
    return LeadFacts(
        lead.article,
        span.value,
        span.unit.value,
        span.source.value,
        lead.field,
        lead.starts_at,
        lead.earliest_start,
        lead.met,
    )


def refusal_text(refusal: Mapping[str, object] | None) -> tuple[str, str | None, str] | None:
    """(reason code, field, message) of a refusal, as both interfaces answer it."""
    if refusal is None:
        return None
    field = refusal.get("field")
    return str(refusal["reason"]), str(field) if field else None, str(refusal["message"])
