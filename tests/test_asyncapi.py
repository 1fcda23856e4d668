"""adapters/asyncapi.yaml describes what the node really sends: its references resolve, its enums
equal the code's, and the payloads that gateway/node/payloads.py builds from the samples validate
against its schemas (and broken ones do not)."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from jsonschema import Draft7Validator
from jsonschema.exceptions import ValidationError
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT7

from gateway import paths
from gateway.errors import WireError
from gateway.node import payloads
from gateway.reasons import Reason
from gateway.rules.incidents import Unsettled
from gateway.wire.codec import Codec
from gateway.wire.contract import Contract
from gateway.wire.envelope import Header, read_header
from gateway.wire.parsing import parse
from tests.conftest import SAMPLES

SPEC_PATH = Path(__file__).resolve().parent.parent / "adapters" / "asyncapi.yaml"
BASE = "urn:bgw:asyncapi"
DRAFT7_FORMAT = "application/schema+json;version=draft-07"
NOW = datetime(2026, 11, 20, 7, 5, 2, tzinfo=UTC)
NOTICE_SAMPLES = [
    "kz-uz-border-2024/crossing-restriction.xml",
    "kz-uz-border-2024/marker-incident.xml",
    "kz-uz-border-2024/commission-meeting-reply.xml",
    "kz-az-environment-1997/caspian-pollution-incident.xml",
    "kz-az-environment-1997/shipment-reply.xml",
]


@pytest.fixture(scope="module")
def spec() -> dict[str, Any]:
    loaded = yaml.safe_load(SPEC_PATH.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


@pytest.fixture(scope="module")
def registry(spec: dict[str, Any]) -> Registry[Any]:
    return Registry().with_resource(BASE, Resource.from_contents(spec, default_specification=DRAFT7))


def resolve(spec: Mapping[str, Any], ref: str) -> Any:
    """Follow a local JSON pointer such as ``#/components/messages/Notice``."""
    assert ref.startswith("#/"), f"only local references are used, got {ref!r}"
    node: Any = spec
    for raw in ref[2:].split("/"):
        token = raw.replace("~1", "/").replace("~0", "~")
        assert isinstance(node, dict) and token in node, f"{ref} does not resolve (at {token!r})"
        node = node[token]
    return node


def deref(spec: Mapping[str, Any], node: Any) -> Any:
    while isinstance(node, dict) and "$ref" in node:
        node = resolve(spec, node["$ref"])
    return node


def refs(node: Any, where: str = "#") -> Iterator[tuple[str, str]]:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "$ref":
                yield where, value
            else:
                yield from refs(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from refs(value, f"{where}/{index}")


def validator(spec: Mapping[str, Any], registry: Registry[Any], message: str) -> Draft7Validator:
    """A draft-07 validator for the payload of ``components/messages/<message>``."""
    payload = spec["components"]["messages"][message]["payload"]
    assert payload["schemaFormat"] == DRAFT7_FORMAT
    return Draft7Validator(
        {"$ref": f"{BASE}#/components/messages/{message}/payload/schema"},
        registry=registry,
        format_checker=Draft7Validator.FORMAT_CHECKER,
    )


def enum_of(spec: Mapping[str, Any], schema_ref: str, prop: str) -> list[str]:
    schema = deref(spec, resolve(spec, schema_ref))
    values = deref(spec, schema["properties"][prop])["enum"]
    assert isinstance(values, list)
    return values


def sample_path(name: str) -> Path:
    return paths.SAMPLES / name


def read_sample(path: Path, contract: Contract) -> tuple[bytes, Header, dict[str, Any]]:
    data = path.read_bytes()
    root = parse(data)
    header = read_header(root)
    contract.check(root, header)
    return data, header, Codec(contract.profiles).to_json(root)


# -- the document itself ------------------------------------------------------------------------


def test_is_asyncapi_3(spec: dict[str, Any]) -> None:
    assert spec["asyncapi"] == "3.0.0"
    assert {"info", "servers", "channels", "operations", "components"} <= set(spec)
    assert {server["protocol"] for server in spec["servers"].values()} == {"amqp"}


def test_every_reference_resolves(spec: dict[str, Any]) -> None:
    found = list(refs(spec))
    assert len(found) > 50
    for where, ref in found:
        assert isinstance(ref, str), where
        resolve(spec, ref)


def test_channels_operations_and_messages_hang_together(spec: dict[str, Any]) -> None:
    channels, operations = spec["channels"], spec["operations"]
    messages = spec["components"]["messages"]
    used: set[str] = set()
    for name, channel in channels.items():
        for key, ref in channel["messages"].items():
            assert ref["$ref"].startswith("#/components/messages/"), (name, key)
            used.add(ref["$ref"].rsplit("/", 1)[1])
        address = channel["address"]
        placeholders = set(re.findall(r"\{(\w+)\}", address or ""))
        assert placeholders == set(channel.get("parameters", {})), name
        for parameter in channel.get("parameters", {}).values():
            resolve(spec, parameter["$ref"])
    assert used == set(messages), "every message is carried by a channel"

    assert set(operations) == {"sendSubmission", "receiveAnswer", "receiveNotice", "receiveEvent"}
    for name, operation in operations.items():
        channel_ref = operation["channel"]["$ref"]
        assert channel_ref.startswith("#/channels/")
        resolve(spec, channel_ref)
        for message in operation["messages"]:
            # AsyncAPI 3: an operation's messages are a subset of its channel's
            assert message["$ref"].startswith(f"{channel_ref}/messages/"), (name, message)
            resolve(spec, message["$ref"])
        reply = operation.get("reply")
        if reply:
            reply_channel = reply["channel"]["$ref"]
            for message in reply["messages"]:
                assert message["$ref"].startswith(f"{reply_channel}/messages/"), (name, message)


def test_addresses_and_amqp_bindings(spec: dict[str, Any]) -> None:
    channels = spec["channels"]
    assert channels["submit"]["address"] == "bgw.{side}.submit"
    assert channels["national"]["address"] == "bgw.{side}.national"
    assert channels["submitReply"]["address"] is None
    assert channels["national"]["bindings"]["amqp"]["exchange"]["type"] == "topic"
    for name in ("submit", "inbox", "events"):
        queue = channels[name]["bindings"]["amqp"]["queue"]
        assert queue["name"] == channels[name]["address"]
        assert queue["durable"] is True
        assert queue["x-queue-type"] == "quorum"
    reply = spec["operations"]["sendSubmission"]["reply"]
    assert reply["address"]["location"] == "$message.header#/replyTo"
    assert reply["channel"]["$ref"] == "#/channels/submitReply"
    correlation = spec["components"]["correlationIds"]["submission"]
    assert correlation["location"] == "$message.header#/correlation_id"


# -- enums kept equal to the code -----------------------------------------------------------------


def test_reason_enum_is_every_reason(spec: dict[str, Any]) -> None:
    values = enum_of(spec, "#/components/messages/AnswerRejected/payload/schema", "reason")
    assert values == [reason.value for reason in Reason]


def test_event_enum_is_event_kinds(spec: dict[str, Any]) -> None:
    values = enum_of(spec, "#/components/messages/Event/payload/schema", "event")
    assert tuple(values) == payloads.EVENT_KINDS


def test_side_enums_are_the_profiles_sides(spec: dict[str, Any], contract: Contract) -> None:
    sides = {side for profile in contract.profiles.values() for side in profile.sides}
    assert set(spec["components"]["schemas"]["Side"]["enum"]) == sides
    assert set(spec["components"]["parameters"]["side"]["enum"]) == sides


def test_schemas_are_valid_draft7(spec: dict[str, Any]) -> None:
    for schema in spec["components"]["schemas"].values():
        Draft7Validator.check_schema(schema)
    for message in spec["components"]["messages"].values():
        Draft7Validator.check_schema(message["payload"]["schema"])


def test_examples_validate(spec: dict[str, Any], registry: Registry[Any]) -> None:
    checked = 0
    for name, message in spec["components"]["messages"].items():
        check = validator(spec, registry, name)
        headers = message.get("headers")
        for example in message.get("examples", []):
            check.validate(example["payload"])
            if headers is not None:
                headers_check = Draft7Validator({"$ref": BASE + headers["$ref"]}, registry=registry)
                headers_check.validate(example["headers"])
            checked += 1
    assert checked >= 5


# -- real payloads ------------------------------------------------------------------------------


@pytest.mark.parametrize("name", NOTICE_SAMPLES)
def test_notice_payload_validates(
    name: str, spec: dict[str, Any], registry: Registry[Any], contract: Contract
) -> None:
    data, header, notice_json = read_sample(sample_path(name), contract)
    check = validator(spec, registry, "Notice")
    check.validate(payloads.notice(header, notice_json, data, NOW, "accepted"))
    later = NOW.replace(microsecond=250_000)
    warned = payloads.notice(
        header, notice_json, data, later, "accepted-with-warning", ["lead time short by 2 h"]
    )
    check.validate(warned)
    template = spec["operations"]["receiveNotice"]["bindings"]["amqp"]["cc"][0]
    assert payloads.notice_routing_key(header) == template.format(profile=header.profile, type=header.type)


def test_notice_payload_negative(spec: dict[str, Any], registry: Registry[Any], contract: Contract) -> None:
    data, header, notice_json = read_sample(sample_path(NOTICE_SAMPLES[0]), contract)
    check = validator(spec, registry, "Notice")
    good = payloads.notice(header, notice_json, data, NOW, "accepted")
    check.validate(good)
    missing_id = {key: value for key, value in good.items() if key != "message_id"}
    broken: list[dict[str, Any]] = [
        missing_id,
        {**good, "status": "quarantined"},
        {**good, "extra": 1},
        {**good, "received_at": "2026-11-20T12:05:02+05:00"},
        {**good, "sender": {"side": "KZ"}},
        {**good, "notice": {k: v for k, v in notice_json.items() if k != "created"}},
    ]
    for payload in broken:
        with pytest.raises(ValidationError):
            check.validate(payload)


def test_every_event_kind_validates(spec: dict[str, Any], registry: Registry[Any]) -> None:
    check = validator(spec, registry, "Event")
    template = spec["operations"]["receiveEvent"]["bindings"]["amqp"]["cc"][0]
    message_id = "3f1c2a9e-6b1d-4c53-9a57-0b8e2d41c7a1"
    link = ("UZ", "kz-uz-border-2024")
    referral = payloads.referral(
        message_id, [Unsettled("повреждение знака", "ПИ-1", None, None)], "31(5), 41"
    )
    for kind in payloads.EVENT_KINDS:
        assert payloads.event_routing_key(kind) == template.format(kind=kind)
        if kind == "referral-proposed":  # its detail has a schema of its own
            check.validate(payloads.event(kind, NOW, message_id, link, referral))
            for broken in ({"level": 1}, {**referral, "incidents": []}, {**referral, "proposes": "x"}):
                with pytest.raises(ValidationError):
                    check.validate(payloads.event(kind, NOW, message_id, link, broken))
            continue
        check.validate(payloads.event(kind, NOW, message_id, link, {"level": 1}))
        check.validate(payloads.event(kind, NOW, None, None))
    with pytest.raises(ValidationError):
        check.validate({**payloads.event("escalation", NOW, None, None), "event": "unknown"})
    with pytest.raises(ValidationError):
        check.validate({**payloads.event("escalation", NOW, None, None), "link": {"peer": "UZ"}})


def test_answers_validate(spec: dict[str, Any], registry: Registry[Any], contract: Contract) -> None:
    _, header, _ = read_sample(sample_path(NOTICE_SAMPLES[1]), contract)
    accepted = validator(spec, registry, "AnswerAccepted")
    rejected = validator(spec, registry, "AnswerRejected")
    answer = payloads.accepted(header.message_id, header.profile, header.type)
    accepted.validate(answer)
    with pytest.raises(ValidationError):
        rejected.validate(answer)
    for reason in Reason:
        error = WireError("body: Marker is missing", reason=reason)
        rejected.validate(payloads.rejected(error, field="body.Marker"))
        rejected.validate(payloads.rejected(error))
    with pytest.raises(ValidationError):
        rejected.validate({**payloads.rejected(WireError("x")), "reason": "no-such-reason"})
    with pytest.raises(ValidationError):
        accepted.validate(payloads.rejected(WireError("x")))


@pytest.mark.parametrize("sample", SAMPLES, ids=[f"{p.parent.name}/{p.stem}" for p in SAMPLES])
def test_json_form_of_every_sample_is_a_submission(
    sample: Path, spec: dict[str, Any], registry: Registry[Any], contract: Contract
) -> None:
    _, _, notice_json = read_sample(sample, contract)
    validator(spec, registry, "Submission").validate(notice_json)


def test_submission_optional_and_forbidden_keys(
    spec: dict[str, Any], registry: Registry[Any], contract: Contract
) -> None:
    check = validator(spec, registry, "Submission")
    _, _, full = read_sample(sample_path(NOTICE_SAMPLES[1]), contract)
    minimal = {key: full[key] for key in ("profile", "type", "recipient", "body")}
    check.validate(minimal)
    check.validate({**minimal, "sender": {"side": "KZ"}})
    check.validate({**minimal, "sender": {"unit": "Пограничный отряд"}})
    for payload in (
        {key: value for key, value in minimal.items() if key != "body"},
        {**minimal, "body": "not an object"},
        {**minimal, "unknown": 1},
        {**minimal, "created": "2026-11-20T07:05:00"},
        {**minimal, "message_id": "not-a-uuid"},
        {**minimal, "recipient": {"side": "UZ"}},
        {**minimal, "sender": {"side": "KZ", "name": "x"}},
    ):
        with pytest.raises(ValidationError):
            check.validate(payload)
