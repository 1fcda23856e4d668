"""The header part of a composed notice, exactly as the national submission JSON carries it.

The console submits through the same path as the national AMQP interface (`Submissions.handle`,
JSON through `Codec.to_xml`): `submission(header, body)` is that document. The node assigns the
message id, the time and the sender, as for a national system (`codec.submission_form`).

Posted names (lower case, apart from the body's): `link` (`<peer>/<profile>`, a link of the node),
`type`, `in_reply_to`, `supersedes`, `cancels` (message ids) and `late_justification` (offered only
for a type with a lead time: the sender's written reason for sending late, Art. of its lead).
A header problem's `label` is a console catalogue key (`compose.field.<name>`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from gateway.forms.posted import Problem, Rule
from gateway.profiles import MessageType, Profile
from gateway.wire.envelope import SCHEMA_VERSION

REFERENCES = ("in_reply_to", "supersedes", "cancels")
LATE = "late_justification"
NAMES = ("link", "type", *REFERENCES, LATE)
_MESSAGE_ID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


class Destination(Protocol):
    """A link of the node, as gateway.node.config.Link has it."""

    @property
    def peer(self) -> str: ...
    @property
    def profile(self) -> str: ...
    @property
    def peer_unit(self) -> str: ...


@dataclass(frozen=True)
class DecodedHeader:
    header: dict[str, Any]
    problems: tuple[Problem, ...]


def link_value(link: Destination) -> str:
    return f"{link.peer}/{link.profile}"


def header_of(link: Destination, message_type: str, extra: Mapping[str, str] | None = None) -> dict[str, Any]:
    """The header keys of the submission to *link*; *extra*: references and late justification."""
    header: dict[str, Any] = {
        "profile": link.profile,
        "type": message_type,
        "schema_version": SCHEMA_VERSION,
        "recipient": {"side": link.peer, "unit": link.peer_unit},
    }
    header.update({key: value for key, value in (extra or {}).items() if value})
    return header


def submission(header: Mapping[str, Any], body: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON document the national interface takes (see gateway/wire/codec.py)."""
    return {**header, "body": dict(body)}


def offers_late(message_type: MessageType) -> bool:
    """Whether the form shows the late justification: only a type with a lead time uses it."""
    return message_type.lead is not None


def decode_header(
    pairs: Iterable[tuple[str, str]], links: Iterable[Destination], profiles: Mapping[str, Profile]
) -> DecodedHeader:
    posted = {name: value.strip() for name, value in pairs if name in NAMES}
    problems: list[Problem] = []
    link = next((item for item in links if link_value(item) == posted.get("link")), None)
    if link is None or link.profile not in profiles:
        return DecodedHeader(
            {}, (_problem("link", posted, Rule.REQUIRED if not posted.get("link") else Rule.NOT_CHOICE),)
        )
    spec = profiles[link.profile].types.get(posted.get("type", ""))
    if spec is None:
        return DecodedHeader(
            {}, (_problem("type", posted, Rule.REQUIRED if not posted.get("type") else Rule.NOT_CHOICE),)
        )
    extra = {key: posted[key] for key in REFERENCES if posted.get(key)}
    for key, value in extra.items():
        if not _MESSAGE_ID.fullmatch(value):
            problems.append(_problem(key, posted, Rule.PATTERN))
    if posted.get(LATE):
        if offers_late(spec):
            extra[LATE] = posted[LATE]
        else:
            problems.append(_problem(LATE, posted, Rule.UNKNOWN))
    return DecodedHeader(header_of(link, spec.name, extra), tuple(problems))


def _problem(name: str, posted: Mapping[str, str], rule: Rule) -> Problem:
    return Problem(name, f"compose.field.{name}", rule, posted.get(name, ""))


def header_pairs(header: Mapping[str, Any]) -> tuple[tuple[str, str], ...]:
    """The header part of a submission as the form shows it (prefill, e.g. a reply's in_reply_to)."""
    recipient = header["recipient"]
    pairs = [("link", f"{recipient['side']}/{header['profile']}"), ("type", str(header["type"]))]
    pairs.extend((key, str(header[key])) for key in (*REFERENCES, LATE) if header.get(key))
    return tuple(pairs)
