"""The JSON form of a notice (gateway/wire/codec.py): every refusal names the JSON key it is about,
so a national system can point at it (`field` of the rejected answer), or says none applies."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import pytest

from gateway import paths
from gateway.errors import WireError
from gateway.profiles import load_profiles
from gateway.wire.codec import Codec
from gateway.wire.parsing import parse

SAMPLE = paths.SAMPLES / "kz-uz-border-2024" / "crossing-restriction.xml"
CODEC = Codec(load_profiles())
Change = Callable[[dict[str, Any]], object]


def drop(key: str) -> Change:
    return lambda document: document.pop(key)


def put(key: str, value: object) -> Change:
    return lambda document: document.__setitem__(key, value)


def put_in(key: str, inner: str, value: object) -> Change:
    return lambda document: document[key].__setitem__(inner, value)


# (what is wrong, the change to a valid JSON form, reason, field)
REFUSALS: list[tuple[str, Change, str, str | None]] = [
    ("unknown key", put("priority", "high"), "json-invalid", "priority"),
    ("no profile", drop("profile"), "json-invalid", "profile"),
    ("unknown profile", put("profile", "kz-cn-2030"), "profile-unknown", "profile"),
    ("no type", drop("type"), "json-invalid", "type"),
    ("empty type", put("type", ""), "json-invalid", "type"),
    ("unknown type", put("type", "ultimatum"), "type-unknown", "type"),
    ("bad created", put("created", "yesterday"), "json-invalid", "created"),
    ("created without zone", put("created", "2026-11-24T06:00:00"), "json-invalid", "created"),
    ("no sender", drop("sender"), "json-invalid", "sender"),
    ("sender not an object", put("sender", "KZ"), "json-invalid", "sender"),
    ("sender without unit", put_in("sender", "unit", ""), "json-invalid", "sender.unit"),
    ("no recipient", drop("recipient"), "json-invalid", "recipient"),
    ("recipient without side", put_in("recipient", "side", None), "json-invalid", "recipient.side"),
    ("no body", drop("body"), "json-invalid", "body"),
    ("null body", put("body", None), "json-invalid", "body"),
    ("body not an object", put("body", ["stop"]), "json-invalid", "body"),
    ("unknown body key", put_in("body", "Bogus", "x"), "schema-invalid", "CrossingRestriction/Bogus"),
    (
        "object for a value",
        put_in("body", "Measure", {"x": 1}),
        "schema-invalid",
        "CrossingRestriction/Measure",
    ),
]


def valid_form() -> dict[str, Any]:
    return CODEC.to_json(parse(SAMPLE.read_bytes()))


def test_the_valid_form_is_taken() -> None:
    CODEC.to_xml(valid_form())


@pytest.mark.parametrize(
    ("change", "reason", "field"), [r[1:] for r in REFUSALS], ids=[r[0] for r in REFUSALS]
)
def test_each_refusal_names_its_field(change: Change, reason: str, field: str | None) -> None:
    document = copy.deepcopy(valid_form())
    change(document)
    with pytest.raises(WireError) as refused:
        CODEC.to_xml(document)
    assert (refused.value.reason.value, refused.value.field) == (reason, field), refused.value.message
    assert field is None or field in refused.value.message, "the message names the field too"


@pytest.mark.parametrize("document", [[], "notice", 7, None])
def test_a_document_that_is_not_an_object_has_no_field(document: object) -> None:
    with pytest.raises(WireError) as refused:
        CODEC.to_xml(document)
    assert (refused.value.reason.value, refused.value.field) == ("json-invalid", None)
