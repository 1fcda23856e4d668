"""The evidence download: one click on the message page gives a signed XML file (gateway.wire.evidence)
that `bgw verify FILE --trust DIR` checks offline — the notice, its receipts, replies, replacements
and cancellations as they travelled, and the log from the message's first entry to the head. The
export is recorded in the audit trail first, in a short write transaction that fixes the span of
the log the file proves (so the file carries the entry of its own export); the entries are read
afterwards on a read connection, the log being append-only."""

from __future__ import annotations

import asyncio

from aiohttp import web

from gateway.chain import Entry
from gateway.console import access, refusals
from gateway.console.context import SESSION, Context, context_of
from gateway.errors import InputError
from gateway.reasons import Reason
from gateway.store import cases
from gateway.wire.embedded import Document
from gateway.wire.envelope import EVIDENCE_TYPE, Header, Party, new_message_id
from gateway.wire.evidence import MAX_CHAIN_ENTRIES, build_evidence
from gateway.wire.signing import sign


def documents(found: cases.Case) -> list[Document]:
    """The signed messages of the case: the notice, its receipts and reminders, then the messages
    that replied to, replaced or cancelled it."""
    held = [Document(role, message_id, payload) for role, message_id, payload in found.evidence.documents]
    return held + [Document(r.role, r.message_id, r.payload) for r in found.related]


def signed(context: Context, export: cases.Export, entries: list[Entry]) -> bytes:
    """The evidence file, checked against the wire contract and signed by the node (CPU work)."""
    assert context.signer is not None and context.contract is not None
    stored = export.case.message
    config = context.config
    link = config.link_for(stored.peer, stored.profile)
    peer_unit = link.peer_unit if link else f"Gateway node {stored.peer}"
    header = Header(
        new_message_id(),
        stored.profile,
        EVIDENCE_TYPE,
        Party(config.side, config.unit),
        Party(stored.peer, peer_unit),
        context.clock(),
        in_reply_to=stored.message_id,
    )
    root = build_evidence(header, documents(export.case), entries)
    context.contract.check(root)
    return sign(root, context.signer)


@access.viewer
async def download(request: web.Request) -> web.StreamResponse:
    """GET /messages/{message_id}/evidence: the file, as an attachment named evidence-<id>.xml."""
    context = context_of(request)
    message_id = request.match_info["message_id"]
    try:
        export = await context.write(
            cases.export, message_id, request[SESSION].user, context.clock(), MAX_CHAIN_ENTRIES
        )
    except InputError as exc:
        return refusals.refuse(request, 413, Reason.EVIDENCE_TOO_LARGE, detail=exc.message)
    if export is None:
        return refusals.refuse(request, 404, Reason.MESSAGE_UNKNOWN, detail=message_id)
    entries = await context.read(cases.segment, export.first, export.head)
    body = await asyncio.to_thread(signed, context, export, entries)
    return web.Response(
        body=body,
        content_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="evidence-{message_id}.xml"'},
    )
