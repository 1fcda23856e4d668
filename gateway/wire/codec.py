"""XML ↔ JSON for national systems: the header as plain keys, the body as xmlschema would decode it
(through a model compiled once from the schema, see bodymodel.py).

A national system may submit a notice as JSON; `to_xml` turns it into a schema-valid, unsigned
Notification, and `to_json` reads one back. XML → JSON → XML gives the same canonical XML.

JSON form::

    {"profile": "kz-uz-border-2024", "type": "marker-incident",
     "message_id": "…" (optional on submission), "created": "…Z" (optional on submission),
     "sender": {"side": "KZ", "unit": "…"}, "recipient": {"side": "UZ", "unit": "…"},
     "in_reply_to": "…", "supersedes": "…", "cancels": "…", "late_justification": "…" (optional),
     "body": {"Marker": "1043", "Kind": "damaged", …}}
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from lxml import etree

from gateway.errors import WireError
from gateway.profiles import Profile
from gateway.reasons import Reason
from gateway.wire import bodymodel
from gateway.wire.envelope import (
    NOTIFICATION,
    SCHEMA_VERSION,
    Header,
    Party,
    body_of,
    build_notification,
    format_time,
    new_message_id,
    parse_time,
    read_header,
)

_HEADER_KEYS = frozenset(
    {
        "profile",
        "type",
        "message_id",
        "created",
        "schema_version",
        "sender",
        "recipient",
        "in_reply_to",
        "supersedes",
        "cancels",
        "late_justification",
        "body",
    }
)
_OPTIONAL = ("in_reply_to", "supersedes", "cancels", "late_justification")


def _json_error(message: str, field: str | None = None) -> WireError:
    return WireError(message, reason=Reason.JSON_INVALID, field=field)


class Codec:
    """Converts notices between XML and JSON using the profiles' body schemas."""

    def __init__(self, profiles: Mapping[str, Profile], clock: Callable[[], datetime] | None = None) -> None:
        self._profiles = profiles
        self._clock = clock or (lambda: datetime.now(UTC))
        self._models: dict[tuple[str, str], bodymodel.Element] = {}

    def _profile(self, profile_id: object) -> Profile:
        profile = self._profiles.get(str(profile_id))
        if profile is None:
            known = ", ".join(sorted(self._profiles))
            raise WireError(
                f"profile {profile_id!r} is unknown (known: {known})",
                reason=Reason.PROFILE_UNKNOWN,
                field="profile",
            )
        return profile

    def to_json(self, root: etree._Element) -> dict[str, Any]:
        if root.tag != NOTIFICATION:
            raise WireError("only a Notification has a JSON form", reason=Reason.ENVELOPE_UNKNOWN)
        header = read_header(root)
        profile = self._profile(header.profile)
        decoded = bodymodel.decode(body_of(root), self._model(profile, header.type))
        result: dict[str, Any] = {
            "profile": header.profile,
            "type": header.type,
            "message_id": header.message_id,
            "schema_version": header.schema_version,
            "created": format_time(header.created),
            "sender": {"side": header.sender.side, "unit": header.sender.unit},
            "recipient": {"side": header.recipient.side, "unit": header.recipient.unit},
        }
        for key in _OPTIONAL:
            if getattr(header, key):
                result[key] = getattr(header, key)
        result["body"] = decoded
        return result

    def to_xml(self, data: object) -> etree._Element:
        """Build an unsigned Notification from its JSON form; errors name the JSON key."""
        if not isinstance(data, dict):
            raise _json_error("the JSON document must be an object")
        unknown = sorted(set(data) - _HEADER_KEYS)
        if unknown:
            raise _json_error(f"unknown key {unknown[0]!r}", unknown[0])
        profile = self._profile(_required(data, "profile"))
        message_type = str(_required(data, "type"))
        type_spec = profile.types.get(message_type)
        if type_spec is None:
            raise WireError(
                f"type {message_type!r} is not in profile {profile.id}",
                reason=Reason.TYPE_UNKNOWN,
                field="type",
            )
        header = self._header(data, profile, message_type)
        body = _required(data, "body")
        if not isinstance(body, dict):
            raise _json_error("body: must be an object", "body")
        return build_notification(
            header, bodymodel.encode(body, self._model(profile, message_type), profile.namespace)
        )

    def _model(self, profile: Profile, message_type: str) -> bodymodel.Element:
        key = (profile.id, message_type)
        model = self._models.get(key)
        if model is None:
            spec = profile.types.get(message_type)
            if spec is None:
                raise WireError(
                    f"type {message_type!r} is not in profile {profile.id}", reason=Reason.TYPE_UNKNOWN
                )
            model = bodymodel.compile_body(
                bodymodel.load_schema(profile.schema), profile.namespace, spec.element
            )
            self._models[key] = model
        return model

    def warm(self) -> None:
        """Compile every body model now (about a second per profile) rather than on the first notice."""
        for profile in self._profiles.values():
            for message_type in profile.types:
                self._model(profile, message_type)

    def _header(self, data: Mapping[str, Any], profile: Profile, message_type: str) -> Header:
        created = data.get("created")
        try:
            created_at = parse_time(str(created)) if created else self._clock()
        except ValueError as exc:
            raise _json_error(f"created: {exc}", "created") from exc
        optional = {key: str(data[key]) for key in _OPTIONAL if data.get(key)}
        return Header(
            message_id=str(data.get("message_id") or new_message_id()),
            profile=profile.id,
            type=message_type,
            schema_version=str(data.get("schema_version") or SCHEMA_VERSION),
            sender=_party(data, "sender"),
            recipient=_party(data, "recipient"),
            created=created_at,
            **optional,
        )


def _required(data: Mapping[str, Any], key: str) -> Any:
    if key not in data or data[key] in (None, ""):
        raise _json_error(f"{key}: missing", key)
    return data[key]


def _party(data: Mapping[str, Any], key: str) -> Party:
    value = _required(data, key)
    if not isinstance(value, dict):
        raise _json_error(f"{key}: must be an object with side and unit", key)
    for part in ("side", "unit"):
        if not value.get(part):
            raise _json_error(f"{key}.{part}: missing", f"{key}.{part}")
    return Party(side=str(value["side"]), unit=str(value["unit"]))


def submission_form(document: Mapping[str, Any], recipient: str | None = None) -> dict[str, Any]:
    """A notice's JSON form as a national system submits it: the node assigns the id, the time and
    the sender; optionally addressed to *recipient* (a side)."""
    form = {key: value for key, value in document.items() if key not in ("message_id", "created", "sender")}
    if recipient is not None:
        form["recipient"] = {"side": recipient, "unit": f"Node {recipient}"}
    return form


def canonical_form(root: etree._Element) -> bytes:
    """Exclusive c14n of a copy of *root* without whitespace-only text between elements.

    Body and envelope schemas have no mixed content, so such whitespace is layout only; two
    documents with the same canonical form carry the same message.
    """
    copy = etree.fromstring(etree.tostring(root))
    for node in copy.iter():
        if len(node) and node.text is not None and not node.text.strip():
            node.text = None
        if node.tail is not None and not node.tail.strip():
            node.tail = None
    return bytes(etree.tostring(copy, method="c14n", exclusive=True, with_comments=False))
