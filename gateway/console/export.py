"""Export of the log's filtered view, streamed: `/export.csv` and `/export.json` take the query string
of the log (`messages_log.parse_filter`; `before` is ignored: an export is the whole view).

The rows are read a keyset page at a time (`listing.page`, newest first, `seq` below the last one
sent) and written to the response as they come: no row cap, no OFFSET, and memory bounded by one
page whatever the number of rows. A row written to the log after the export started is not in it;
every row that matched when it started is in it exactly once. Each export is an entry of the audit
trail (who, which format, which filter), committed before the first byte is sent.

CSV: UTF-8 with a byte-order mark, because Excel, which most operators open it with, reads a CSV
without one in the Windows code page (cp1251 in Russian) and garbles the Cyrillic type titles; with
it, Excel, LibreOffice and Python's `utf-8-sig` all read UTF-8. A header row of the same field names
as the JSON; times in UTC, ISO 8601 with a `Z`.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from aiohttp import web

from gateway.console import access, refusals
from gateway.console.context import SESSION, context_of
from gateway.console.messages_log import parse_filter
from gateway.console.middlewares import HEADERS
from gateway.console.pages import language
from gateway.console.queries import BadQuery
from gateway.console.titles import type_title
from gateway.reasons import Reason
from gateway.store import audit, listing

CHUNK = listing.MAX_PAGE  # rows read and written at a time
FILTER_KEYS = ("link", "direction", "type", "state", "window", "from", "to", "q")
FIELDS = (
    "seq",
    "created_at",
    "direction",
    "link",
    "type",
    "type_title",
    "state",
    "receipt_status",
    "updated_at",
    "message_id",
)
ACTION = "console-exported"
_TYPES = {"csv": "text/csv", "json": "application/json"}


def utc(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def fields(row: listing.Listed, title: str) -> dict[str, Any]:
    """One exported row: the JSON object, and the CSV line in FIELDS order."""
    return {
        "seq": row.seq,
        "created_at": utc(row.created_at),
        "direction": row.direction,
        "link": f"{row.peer}/{row.profile}",
        "type": row.type,
        "type_title": title,
        "state": row.state,
        "receipt_status": row.receipt_status,
        "updated_at": utc(row.updated_at),
        "message_id": row.message_id,
    }


def csv_chunk(items: list[dict[str, Any]], first: bool) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    if first:
        out.write("\ufeff")
        writer.writerow(FIELDS)
    writer.writerows([[item[name] if item[name] is not None else "" for name in FIELDS] for item in items])
    return out.getvalue().encode("utf-8")


def json_chunk(items: list[dict[str, Any]], first: bool) -> bytes:
    """Part of one JSON array: '[' before the first row, ',' between rows (the handler ends it)."""
    text = ",\n".join(json.dumps(item, ensure_ascii=False) for item in items)
    lead = "[\n" if first else (",\n" if items else "")
    return (lead + text).encode("utf-8")


Chunk = Callable[[list[dict[str, Any]], bool], bytes]
_WRITERS: dict[str, tuple[Chunk, bytes]] = {"csv": (csv_chunk, b""), "json": (json_chunk, b"\n]\n")}


def asked(query: Mapping[str, str]) -> dict[str, str]:
    """The filter parameters a query gave (what the audit entry records)."""
    return {name: query[name] for name in FILTER_KEYS if query.get(name)}


async def _stream(request: web.Request, kind: str, wanted: listing.Filter) -> web.StreamResponse:
    context = context_of(request)
    stamp = context.clock().strftime("%Y%m%dT%H%M%SZ")
    response = web.StreamResponse(headers={**HEADERS, "Cache-Control": "no-store"})
    response.content_type, response.charset = _TYPES[kind], "utf-8"
    response.headers["Content-Disposition"] = (
        f'attachment; filename="messages-{context.config.side}-{stamp}.{kind}"'
    )
    await response.prepare(request)
    chunk, tail = _WRITERS[kind]
    lang = language(request)
    before, first = None, True
    try:
        while True:
            page = await context.read(listing.page, wanted, before, CHUNK)
            items = [
                fields(row, type_title(context.profiles, row.profile, row.type, lang)) for row in page.rows
            ]
            await response.write(chunk(items, first))
            first, before = False, page.after
            if before is None:
                break
        await response.write(tail)
        await response.write_eof()
    except ConnectionResetError:  # the client went away: nothing more to send
        pass
    return response


def _exporting(kind: str) -> access.Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        context = context_of(request)
        links = [link.name for link in context.config.links]
        try:
            wanted = parse_filter(request.query, context.clock(), context.zone, links)
        except BadQuery as exc:
            return refusals.refuse(request, 400, Reason.USAGE_INVALID, detail=str(exc))
        detail = {"format": kind, "filter": asked(request.query)}
        await context.write(audit.record, context.clock(), request[SESSION].user, ACTION, detail=detail)
        return await _stream(request, kind, wanted)

    return handler


export_csv = access.viewer(_exporting("csv"))  # GET /export.csv
export_json = access.viewer(_exporting("json"))  # GET /export.json
