"""The wire contract as one check: schema, envelope semantics, profile, content rules, reference data.

`Contract.check` takes an envelope element (unsigned before signing, or what the verifier returned
as signed) and returns the message it carries, or raises a coded WireError.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property

from lxml import etree

from gateway.errors import WireError
from gateway.profiles import MessageType, Profile, load_profiles
from gateway.profiles.reference import Districts
from gateway.reasons import Reason
from gateway.rules import content
from gateway.wire.dsig import remove_enveloped
from gateway.wire.envelope import (
    DOSSIER,
    DOSSIER_TYPE,
    EVIDENCE,
    EVIDENCE_TYPE,
    NOTIFICATION,
    RECEIPT,
    Header,
    body_of,
    read_header,
    signature_of,
)
from gateway.wire.parsing import parse
from gateway.wire.receipt import Acknowledgement, check_receipt, read_acknowledgement
from gateway.wire.schemas import Validator, wire_validator


@dataclass(frozen=True)
class Message:
    root: etree._Element
    header: Header
    profile: Profile
    type: MessageType | None  # a notice's type (None for a receipt, a dossier or evidence)
    body: etree._Element | None
    acknowledgement: Acknowledgement | None = None  # a receipt's, checked for sense


class Contract:
    def __init__(self, profiles: Mapping[str, Profile], validator: Validator) -> None:
        self.profiles = profiles
        self.validator = validator

    @classmethod
    def default(cls) -> Contract:
        return cls(load_profiles(), wire_validator())

    @cached_property
    def _districts(self) -> Mapping[str, Districts]:
        return {p.id: Districts.load(p.districts) for p in self.profiles.values() if p.districts}

    def check(self, root: etree._Element, header: Header | None = None) -> Message:
        """Check *root*; pass the *header* already read from this same tree to skip reading it again."""
        if root.tag not in (NOTIFICATION, RECEIPT, DOSSIER, EVIDENCE):
            raise WireError(
                f"root element {etree.QName(root).localname!r} is not a gateway envelope",
                reason=Reason.ENVELOPE_UNKNOWN,
            )
        self.validator.validate(root)
        header = header or read_header(root)
        profile = self.profile(header)
        if root.tag == RECEIPT:
            ack = read_acknowledgement(root)
            check_receipt(header, ack)
            return Message(root, header, profile, None, None, ack)
        if root.tag in _COMPILED:
            _check_compiled_header(root, header)
            return Message(root, header, profile, None, None)
        message_type = profile.types.get(header.type)
        if message_type is None:
            raise WireError(
                f"type {header.type!r} is not in profile {profile.id}",
                reason=Reason.TYPE_UNKNOWN,
                field="type",
            )
        body = body_of(root)
        name = etree.QName(body)
        if name.namespace != profile.namespace or name.localname != message_type.element:
            raise WireError(
                f"header type {header.type!r} needs body {message_type.element} in {profile.namespace}, "
                f"found {name.localname} in {name.namespace}",
                reason=Reason.BODY_TYPE_MISMATCH,
                field="body",
            )
        content.check(body, message_type)
        districts = self._districts.get(profile.id)
        if districts is not None:
            districts.check(body)
        return Message(root, header, profile, message_type, body)

    def unverified(self, data: bytes) -> tuple[Message, bool]:
        """What *data* says, its signature (if any) removed unchecked, and whether it was signed: for
        display only — a stored message the node verified when it arrived, or a file read without
        trust anchors."""
        root = parse(data)
        signature = signature_of(root)
        if signature is not None:
            remove_enveloped(root, signature)
        return self.check(root), signature is not None

    def profile(self, header: Header) -> Profile:
        """The header's profile, after checking its version and its sides against it."""
        profile = self.profiles.get(header.profile)
        if profile is None:
            raise WireError(
                f"profile {header.profile!r} is unknown", reason=Reason.PROFILE_UNKNOWN, field="profile"
            )
        if header.schema_version != profile.schema_version:
            raise WireError(
                f"schema version {header.schema_version} is not supported "
                f"(profile {profile.id} speaks {profile.schema_version})",
                reason=Reason.SCHEMA_VERSION_UNSUPPORTED,
                field="schema_version",
            )
        for role, party in (("Sender", header.sender), ("Recipient", header.recipient)):
            if party.side not in profile.sides:
                raise WireError(
                    f"{role} side {party.side} is not a Party to {profile.id} "
                    f"({' and '.join(profile.sides)})",
                    reason=Reason.SIDE_NOT_IN_PROFILE,
                    field=f"{role.lower()}.side",
                )
        if header.sender.side == header.recipient.side:
            raise WireError(
                "sender and recipient are the same side", reason=Reason.SAME_SIDE, field="recipient.side"
            )
        return profile


_COMPILED = {DOSSIER: DOSSIER_TYPE, EVIDENCE: EVIDENCE_TYPE}  # what a node compiles of what it holds


def _check_compiled_header(root: etree._Element, header: Header) -> None:
    name, expected = etree.QName(root).localname, _COMPILED[root.tag]
    if header.type != expected:
        raise WireError(
            f"a {name}'s header type must be {expected!r}, not {header.type!r}",
            reason=Reason.HEADER_TYPE_MISMATCH,
        )
    if not header.in_reply_to:
        raise WireError(f"a {name} names the message of its case in InReplyTo", reason=Reason.SCHEMA_INVALID)
