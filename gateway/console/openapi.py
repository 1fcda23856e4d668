"""The console API's OpenAPI 3.1 document, generated from the code's own models.

Every `/api/` route is declared with `api(path, handler, Model, *query, name=...)` in the route table
(gateway.console.app): its response model is a frozen dataclass, its query parameters `Param`s. The
document's schemas (JSON Schema 2020-12) are made from the dataclasses' annotations, its paths from
the route table, so the API and its description cannot drift: a route under /api/ without a model
stops the console from being built, and the handler renders its body with `plain(model instance)`.
"""

from __future__ import annotations

import dataclasses
import enum
import re
import types
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal, Union, get_args, get_origin, get_type_hints

from aiohttp import web

from gateway.console.access import Handler, viewer
from gateway.console.middlewares import SESSION_COOKIE
from gateway.reasons import Reason

_ATTRIBUTE = "bgw_api"
EVENT_STREAM = "text/event-stream"
SESSION_SCHEME = "session"
_PATH_PARAMETER = re.compile(r"\{(\w+)\}")
DOCUMENT = web.AppKey("openapi", dict[str, Any])  # built once with the application


@dataclass(frozen=True)
class Param:
    """A query parameter: its name, its JSON Schema, what it does (English: the document is for
    developers, not a page)."""

    name: str
    schema: Mapping[str, Any]
    text: str = ""


@dataclass(frozen=True)
class Declared:
    model: Any  # a frozen dataclass (or dict[str, Any]: a free-form object)
    query: tuple[Param, ...]
    media: str = "application/json"


def api(
    path: str, handler: Handler, model: Any, *query: Param, name: str, media: str = "application/json"
) -> web.RouteDef:
    """GET *path* answered by *handler* with a *model* (one line in the route table per endpoint)."""
    setattr(handler, _ATTRIBUTE, Declared(model, query, media))
    return web.get(path, handler, name=name)


def declared(handler: Any) -> Declared | None:
    found = getattr(handler, _ATTRIBUTE, None)
    return found if isinstance(found, Declared) else None


@dataclass(frozen=True)
class RefusalError:
    reason: Reason
    message: str  # in the viewer's language


@dataclass(frozen=True)
class Refusal:
    """Every refusal (gateway.console.refusals): a reason code and its text."""

    error: RefusalError


# -- JSON values of models ---------------------------------------------------------------------


def plain(value: Any) -> Any:
    """A model instance as JSON data: dataclasses as objects, datetimes as UTC RFC 3339 strings,
    calendar dates as YYYY-MM-DD."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, date):
        return _moment(value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, list | tuple):
        return [plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): plain(item) for key, item in value.items()}
    return value


def _moment(value: date) -> str:
    """A datetime as a UTC RFC 3339 string, a calendar date (a date but not a datetime) as it is."""
    if isinstance(value, datetime):
        return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    return value.isoformat()


# -- JSON Schema of models ---------------------------------------------------------------------

_SCALARS: dict[Any, dict[str, Any]] = {
    str: {"type": "string"},
    int: {"type": "integer"},
    float: {"type": "number"},
    bool: {"type": "boolean"},
    type(None): {"type": "null"},
    datetime: {"type": "string", "format": "date-time"},
    date: {"type": "string", "format": "date"},
    Any: {},
}


@dataclass
class Schemas:
    """The components/schemas being built: one entry per dataclass, by its name."""

    found: dict[str, dict[str, Any]] = field(default_factory=dict)
    models: dict[str, type] = field(default_factory=dict)  # which class each name is

    def of(self, annotation: Any) -> dict[str, Any]:
        if annotation in _SCALARS:
            return dict(_SCALARS[annotation])
        origin, args = get_origin(annotation), get_args(annotation)
        if origin in (Union, types.UnionType):
            return {"anyOf": [self.of(arg) for arg in args]}
        if origin is Literal:
            return {"enum": list(args)}
        if origin in (list, tuple, dict):
            return self._container(origin, args)
        if isinstance(annotation, type) and issubclass(annotation, enum.Enum):
            return {"type": "string", "enum": [member.value for member in annotation]}
        if dataclasses.is_dataclass(annotation) and isinstance(annotation, type):
            return self._model(annotation)
        raise TypeError(f"no JSON Schema for {annotation!r}")

    def _container(self, origin: Any, args: tuple[Any, ...]) -> dict[str, Any]:
        if origin is dict:
            return {"type": "object", "additionalProperties": self.of(args[1])}
        return {"type": "array", "items": self.of(args[0])}

    def _model(self, model: type) -> dict[str, Any]:
        name = model.__name__
        if self.models.setdefault(name, model) is not model:  # one name would describe two shapes
            other = self.models[name]
            raise TypeError(f"two API models named {name}: {other.__module__} and {model.__module__}")
        if name not in self.found:
            self.found[name] = {}  # a model that refers to itself ends here
            hints = get_type_hints(model)
            fields = [f.name for f in dataclasses.fields(model)]
            self.found[name] = {
                "type": "object",
                "properties": {name: self.of(hints[name]) for name in fields},
                "required": fields,
                "additionalProperties": False,
                **({"description": _doc(model)} if _doc(model) else {}),
            }
        return {"$ref": f"#/components/schemas/{name}"}


def _doc(model: type) -> str:
    text = model.__doc__ or ""
    return "" if text.startswith(f"{model.__name__}(") else " ".join(text.split())


# -- the document ------------------------------------------------------------------------------


def _json(schema: Mapping[str, Any], media: str = "application/json") -> dict[str, Any]:
    return {"content": {media: {"schema": dict(schema)}}}


def _operation(path: str, name: str, found: Declared, schemas: Schemas) -> dict[str, Any]:
    refusal = schemas.of(Refusal)
    body = {"type": "string"} if found.media == EVENT_STREAM else schemas.of(found.model)
    parameters = [
        {
            "name": p.name,
            "in": "query",
            "required": False,
            "schema": dict(p.schema),
            "description": p.text,
        }
        for p in found.query
    ]
    parameters += [
        {"name": p, "in": "path", "required": True, "schema": {"type": "string"}}
        for p in _PATH_PARAMETER.findall(path)
    ]
    responses: dict[str, Any] = {
        "200": {"description": "OK", **_json(body, found.media)},
        "401": {"description": "Nobody is logged in (session-required)", **_json(refusal)},
        "403": {"description": "The role does not allow it (role-insufficient)", **_json(refusal)},
    }
    if parameters:
        responses["400"] = {"description": "A parameter is invalid (usage-invalid)", **_json(refusal)}
    if _PATH_PARAMETER.search(path):
        responses["404"] = {"description": "Nothing by that name", **_json(refusal)}
    return {"operationId": name, "parameters": parameters, "responses": responses}


def document(routes: Iterable[web.RouteDef], title: str, version: str) -> dict[str, Any]:
    """The OpenAPI 3.1 document of every GET route under /api/ in *routes*; a route there without a
    declared model is a defect (TypeError)."""
    schemas, paths = Schemas(), {}
    for route in routes:
        if not route.path.startswith("/api/"):
            continue
        found = declared(route.handler)
        if found is None or route.method != "GET":
            raise TypeError(f"{route.method} {route.path}: an API route needs openapi.api(..., Model)")
        paths[route.path] = {"get": _operation(route.path, str(route.kwargs.get("name")), found, schemas)}
    return {
        "openapi": "3.1.0",
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": schemas.found,
            "securitySchemes": {SESSION_SCHEME: {"type": "apiKey", "in": "cookie", "name": SESSION_COOKIE}},
        },
        "security": [{SESSION_SCHEME: []}],
    }


@viewer
async def openapi_json(request: web.Request) -> web.StreamResponse:
    """GET /api/openapi.json: this document (for a logged-in viewer: it names the side's links)."""
    return web.json_response(request.app[DOCUMENT])
