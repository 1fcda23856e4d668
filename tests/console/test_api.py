"""The console's machine interfaces, in process on real SQLite and PostgreSQL stores (aiohttp's test
server, no broker): the OpenAPI document is generated from the routes' models and every /api/ answer
validates against it; bad parameters are 400 refusals, never 500; /metrics counts what the store
holds and admits a bearer token or a viewer's session, nobody else."""

from __future__ import annotations

import asyncio
import enum
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Literal

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from cryptography import x509
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from gateway import pki
from gateway.console import app, certificates, metrics, openapi, skew
from gateway.console.access import viewer
from gateway.console.context import Context
from gateway.errors import ConfigError
from gateway.lifecycle import MessageEvent
from gateway.node.config import load_config
from gateway.store import Tx, quarantine, receipts
from gateway.store.health import Exchange
from gateway.store.obligations import Duties
from tests.console.test_app import NOW, PROFILES, _config, log_in, store

__all__ = ["store"]
TOKEN = "s3cret-metrics-token-0123456789"


def validator(document: dict[str, Any], ref: str) -> Draft202012Validator:
    """A validator of one schema of *document* (its $refs resolved inside the document)."""
    registry: Registry[Any] = Registry().with_resource("urn:api", DRAFT202012.create_resource(document))
    return Draft202012Validator({"$ref": f"urn:api{ref}"}, registry=registry, format_checker=FormatChecker())


def response_schema(document: dict[str, Any], path: str, status: str) -> str:
    content = document["paths"][path]["get"]["responses"][status]["content"]["application/json"]
    return "#" + content["schema"]["$ref"].removeprefix("#")


def run_with(store: Any, scenario: Any, metrics_token: str | None = None) -> None:
    config, opened = store
    settings = replace(config.console, metrics_token=metrics_token)
    context = Context(config, settings, opened, lambda: NOW, PROFILES, lambda: True)

    async def main() -> None:
        async with TestClient(TestServer(app.build(context))) as client:
            await scenario(client, context)

    asyncio.run(main())


class Colour(enum.Enum):
    RED = "red"


@dataclass(frozen=True)
class Inner:
    at: datetime
    colour: Colour


@dataclass(frozen=True)
class Outer:
    """An example model."""

    name: str
    count: int | None
    ratio: float
    flag: bool
    kind: Literal["a", "b"]
    inner: list[Inner]
    extra: dict[str, int]


def test_models_become_json_schema_and_their_instances_validate() -> None:
    schemas = openapi.Schemas()
    assert schemas.of(Outer) == {"$ref": "#/components/schemas/Outer"}
    outer = schemas.found["Outer"]
    assert outer["required"] == ["name", "count", "ratio", "flag", "kind", "inner", "extra"]
    assert outer["additionalProperties"] is False and outer["description"] == "An example model."
    assert outer["properties"]["count"] == {"anyOf": [{"type": "integer"}, {"type": "null"}]}
    assert outer["properties"]["kind"] == {"enum": ["a", "b"]}
    assert outer["properties"]["inner"] == {"type": "array", "items": {"$ref": "#/components/schemas/Inner"}}
    assert schemas.found["Inner"]["properties"]["at"] == {"type": "string", "format": "date-time"}
    assert schemas.found["Inner"]["properties"]["colour"] == {"type": "string", "enum": ["red"]}
    document = {"components": {"schemas": schemas.found}}
    value = Outer("x", None, 0.5, True, "a", [Inner(NOW, Colour.RED)], {"k": 1})
    validator(document, "#/components/schemas/Outer").validate(openapi.plain(value))
    assert openapi.plain(value)["inner"][0]["at"] == "2026-11-30T09:00:00.000000Z"
    with pytest.raises(TypeError, match="no JSON Schema"):
        openapi.Schemas().of(set[str])


def test_two_models_of_one_name_are_refused_not_merged() -> None:
    """Components are named by class: a second, different class of the same name would silently be
    described by the first one's schema."""
    other = dataclass(frozen=True)(type("Inner", (), {"__annotations__": {"size": "int"}}))
    schemas = openapi.Schemas()
    schemas.of(Outer)
    with pytest.raises(TypeError, match="two API models named Inner"):
        schemas.of(other)


def test_every_api_route_has_a_model_and_one_without_stops_the_console() -> None:
    document = openapi.document(app.ROUTES, "t", "1")
    api_paths = sorted(route.path for route in app.ROUTES if route.path.startswith("/api/"))
    assert sorted(document["paths"]) == api_paths
    assert document["openapi"] == "3.1.0"
    assert document["components"]["securitySchemes"]["session"]["in"] == "cookie"

    @viewer
    async def undeclared(_: web.Request) -> web.Response:
        return web.json_response({})

    with pytest.raises(TypeError, match="/api/undeclared: an API route needs"):
        openapi.document([*app.ROUTES, web.get("/api/undeclared", undeclared)], "t", "1")


def test_api_answers_validate_against_the_generated_document(store: Any) -> None:
    async def scenario(client: Any, _: Context) -> None:
        assert (await client.get("/api/openapi.json")).status == 401
        await log_in(client, "viewer1")
        document = await (await client.get("/api/openapi.json")).json()
        health = await (await client.get("/api/health")).json()
        validator(document, response_schema(document, "/api/health", "200")).validate(health)
        assert health["database"]["ok"] is True and health["quarantine"] == 0
        assert [link["link"] for link in health["links"]] == ["KZ/kz-uz-border-2024"]
        assert health["links"][0]["notice_sent"] == "2026-11-30T07:00:00.000000Z"  # n = 118
        assert health["broker"]["queues"][0] == {"role": "inbound", "name": "bgw.UZ.in", "messages": None}
        assert {c["held"] for c in health["certificates"]} == {"own", "anchor"}
        assert health["clocks"] == [
            {
                "peer": "KZ",
                "offset_s": None,
                "outbound_s": None,
                "inbound_s": None,
                "tolerated_s": 300.0,
                "within": None,
            }
        ]
        page = await (await client.get("/api/messages?direction=out")).json()
        validator(document, response_schema(document, "/api/messages", "200")).validate(page)
        assert page["items"][0]["link"] == "KZ/kz-uz-border-2024" and page["next"]

    run_with(store, scenario)


@pytest.mark.parametrize(
    "query",
    [
        "before=9999999999999999999999",
        "before=%D9%A3",  # an Arabic-Indic digit: str.isdigit() says yes
        "q=%00",
        "type=a%00b",
        "window=custom&from=0001-01-01T00:00",
        "window=custom&to=not-a-time",
        "state=nonsense",
    ],
)
def test_a_bad_parameter_is_a_400_refusal_the_document_declares(store: Any, query: str) -> None:
    async def scenario(client: Any, _: Context) -> None:
        await log_in(client, "viewer1")
        document = await (await client.get("/api/openapi.json")).json()
        response = await client.get(f"/api/messages?{query}")
        assert response.status == 400, await response.text()
        body = await response.json()
        validator(document, response_schema(document, "/api/messages", "400")).validate(body)
        assert body["error"]["reason"] == "usage-invalid"

    run_with(store, scenario)


def _refused(tx: Tx) -> None:
    refused = quarantine.Refused("peer", "schema-invalid", "detail", None, "KZ", b"<x/>")
    quarantine.add(tx, refused, NOW)


def test_metrics_count_the_store_for_a_bearer_token_or_a_viewer(store: Any) -> None:
    store[1].write(_refused)

    async def scenario(client: Any, _: Context) -> None:
        refused = await client.get("/metrics", headers={"Accept": "application/json"})
        assert refused.status == 401 and (await refused.json())["error"]["reason"] == "session-required"
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer wrong"})
        assert wrong.status == 401 and wrong.headers["WWW-Authenticate"].startswith("Bearer")
        scraped = await client.get("/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
        assert scraped.status == 200 and scraped.headers["Content-Type"].startswith(
            "text/plain; version=0.0.4"
        )
        text = await scraped.text()
        # _messages in test_app: 120 rows, even ones out, a third crossing-restriction
        sent = 'bgw_messages_sent_total{peer="KZ",profile="kz-uz-border-2024",type="crossing-restriction"} 20'
        assert sent in text
        assert (
            'bgw_messages_received_total{peer="KZ",profile="kz-uz-border-2024",type="marker-incident"} 40'
            in text
        )
        assert 'bgw_quarantine_messages{source="peer",reason="schema-invalid"} 1' in text
        assert "bgw_database_up 1" in text and "bgw_broker_up 1" in text
        names = metrics.families(text)
        assert len(names) == len(set(names))  # each family declared once
        assert {"bgw_receipt_latency_seconds", "bgw_obligations_overdue", "bgw_escalations"} <= set(names)
        await log_in(client, "viewer1")
        assert (await client.get("/metrics")).status == 200

    run_with(store, scenario, metrics_token=TOKEN)


def test_metrics_without_a_token_need_a_session(store: Any) -> None:
    async def scenario(client: Any, _: Context) -> None:
        assert (await client.get("/metrics", headers={"Authorization": "Bearer "})).status == 401
        await log_in(client, "viewer1")
        assert (await client.get("/metrics")).status == 200

    run_with(store, scenario)


def test_a_short_metrics_token_is_a_configuration_error(tmp_path: Path) -> None:
    path = _config(tmp_path, None)
    path.write_text(path.read_text(encoding="utf-8") + 'metrics_token = "short"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="metrics_token: must be at least 24"):
        load_config(path, PROFILES)
    path.write_text(path.read_text(encoding="utf-8").replace('"short"', f'"{TOKEN}"'), encoding="utf-8")
    config = load_config(path, PROFILES)
    assert config.console is not None and config.console.metrics_token == TOKEN
    assert TOKEN not in repr(config)


def _receipted(tx: Tx, n: int, after_s: float) -> None:
    """The peer's receipt of harness message *n* (ours: n even), *after_s* after its creation."""
    created = NOW - timedelta(hours=120 - n)
    ack = receipts.Acknowledged(
        f"{n:08d}-0000-4000-8000-000000000000",
        f"{n:08d}-0000-4000-8000-00000000000f",
        "accepted",
        (),
        True,
        MessageEvent.RECEIPTED,
        b"<receipt/>",
        created + timedelta(seconds=after_s),
        Duties(),
    )
    assert receipts.record(tx, ack, "KZ", NOW)


def test_receipt_latency_is_a_cumulative_histogram_and_the_clock_reads_it(store: Any) -> None:
    store[1].write(_receipted, 0, 3.0)  # crossing-restriction (n % 3 == 0)
    store[1].write(_receipted, 6, 120.0)

    async def scenario(client: Any, _: Context) -> None:
        await log_in(client, "viewer1")
        text = await (await client.get("/metrics")).text()
        labels = 'peer="KZ",profile="kz-uz-border-2024",type="crossing-restriction"'
        for bound, count in (("1", 0), ("5", 1), ("60", 1), ("300", 2), ("86400", 2), ("+Inf", 2)):
            assert f'bgw_receipt_latency_seconds_bucket{{{labels},le="{bound}"}} {count}' in text
        assert f"bgw_receipt_latency_seconds_count{{{labels}}} 2" in text
        assert f"bgw_receipt_latency_seconds_sum{{{labels}}} 123" in text
        health = await (await client.get("/api/health")).json()
        (clock,) = health["clocks"]
        assert clock["outbound_s"] == 120.0 and clock["offset_s"] is None  # nothing receipted inbound
        assert health["links"][0]["receipt_received"] == "2026-11-25T15:02:00.000000Z"

    run_with(store, scenario)


def test_the_apparent_clock_offset_is_halfway_between_the_one_way_differences() -> None:
    ahead = timedelta(seconds=40)  # the peer's clock runs 40 s ahead; transits of 2 s and 4 s
    ours = Exchange(NOW, NOW + timedelta(seconds=2) + ahead)
    theirs = Exchange(NOW + ahead, NOW + timedelta(seconds=4))
    clock = skew.apparent("KZ", ours, theirs, 30.0)
    assert (clock.outbound_s, clock.inbound_s, clock.offset_s) == (42.0, -36.0, 39.0)
    assert clock.within is False  # 39 s is beyond the 30 s tolerated
    assert skew.apparent("KZ", ours, None, 30.0).offset_s is None  # one way says nothing alone


def test_certificates_ending_within_30_days_are_flagged(tmp_path: Path) -> None:
    pki.init_side(tmp_path, "UZ")
    own = x509.load_pem_x509_certificates((tmp_path / "UZ" / "node.pem").read_bytes())[0]
    soon = own.not_valid_after_utc - timedelta(days=29, hours=23)
    found = certificates.own_and_anchors("UZ", tmp_path / "UZ" / "node.pem", tmp_path, soon)
    by_held = {entry.held: entry for entry in found}
    assert by_held[certificates.Held.OWN].expiring and by_held[certificates.Held.OWN].days_left == 29
    assert not by_held[certificates.Held.ANCHOR].expiring  # the CA lives longer
    later = own.not_valid_after_utc - timedelta(days=31)
    assert not any(
        e.expiring for e in certificates.own_and_anchors("UZ", tmp_path / "UZ" / "node.pem", tmp_path, later)
    )
