"""The compiled body model gives exactly xmlschema's JSON form on every sample, and back."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gateway import paths
from gateway.errors import WireError
from gateway.profiles import load_profiles
from gateway.reasons import Reason
from gateway.wire import bodymodel
from gateway.wire.codec import canonical_form
from gateway.wire.envelope import body_of
from gateway.wire.parsing import parse
from tests.conftest import SAMPLES

PROFILES = load_profiles()


def _model(sample: Path) -> tuple[bodymodel.Element, str, Path]:
    profile = PROFILES[sample.parent.name]
    element = profile.types[sample.stem].element
    return (
        bodymodel.compile_body(bodymodel.load_schema(profile.schema), profile.namespace, element),
        profile.namespace,
        profile.schema,
    )


@pytest.mark.parametrize("sample", SAMPLES, ids=[f"{p.parent.name}/{p.stem}" for p in SAMPLES])
def test_same_json_as_xmlschema_and_back(sample: Path) -> None:
    model, namespace, schema = _model(sample)
    body = body_of(parse(sample.read_bytes()))
    reference = bodymodel.load_schema(schema).decode(
        body, namespaces={"": namespace}, decimal_type=str, preserve_root=False
    )
    reference.pop("@xmlns", None)
    decoded = bodymodel.decode(body, model)
    assert json.dumps(decoded, sort_keys=True) == json.dumps(reference, sort_keys=True)
    rebuilt = bodymodel.encode(json.loads(json.dumps(decoded)), model, namespace)
    assert canonical_form(rebuilt) == canonical_form(body)


def test_an_unknown_json_key_is_named() -> None:
    sample = paths.SAMPLES / "kz-uz-border-2024" / "crossing-restriction.xml"
    model, namespace, _ = _model(sample)
    decoded = bodymodel.decode(body_of(parse(sample.read_bytes())), model)
    decoded["Place"][0]["Bogus"] = "x"
    with pytest.raises(WireError) as refused:
        bodymodel.encode(decoded, model, namespace)
    assert refused.value.reason is Reason.SCHEMA_INVALID
    assert refused.value.field == "CrossingRestriction/Place/Bogus"
