"""Drafts awaiting a second approval (operators): a diplomatic-channel notice composed for a link with
`second_approval` waits here; another operator approves it — only then is it submitted through the
node's one submission path (signed, sent) — or it is withdrawn. Both acts go into the audit trail.

    GET  /drafts                      the drafts awaiting approval, each with its rendered form
    POST /drafts/{id}/approve         by an operator other than the drafter: submitted, then approved
    POST /drafts/{id}/withdraw
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from aiohttp import web

from gateway.console import pages, refusals
from gateway.console.access import operator
from gateway.console.compose import RENDERED, context_submissions
from gateway.console.composing import refusal_text
from gateway.console.context import SESSION, Context, context_of
from gateway.console.titles import type_title
from gateway.errors import GatewayError
from gateway.lifecycle import DraftEvent, DraftState
from gateway.reasons import Reason
from gateway.render import render_form
from gateway.store import drafts
from gateway.store.drafts import Draft

Refusal = tuple[str, str | None, str]  # reason code, field, message: as the node answers


@dataclass(frozen=True)
class Shown:
    draft: Draft
    rendered: str | None  # the notice's readable form, as it would be sent now
    refusal: tuple[str, str | None, str] | None  # what the node would answer now, if it refuses
    own: bool  # drafted by the viewer: another operator approves it
    title: str  # the type's title in the viewer's language (Russian for the languages profiles lack)


def approval_refusal(draft: Draft, user: str) -> Reason | None:
    """Why *user* may not approve *draft* now (None: they may)."""
    if draft.state is not DraftState.DRAFTED:
        return Reason.DRAFT_TRANSITION_INVALID
    if draft.drafted_by == user:
        return Reason.APPROVER_IS_DRAFTER
    return None


@operator
async def drafts_list(request: web.Request) -> web.StreamResponse:
    return await _listing(request)


async def _listing(request: web.Request, refused: Refusal | None = None) -> web.Response:
    context = context_of(request)
    lang = pages.language(request)
    user = request[SESSION].user
    shown = [await _shown(context, draft, user, lang) for draft in await context.read(drafts.listed)]
    status = 422 if refused else 200
    return pages.render(request, "drafts.html", status=status, active="drafts", shown=shown, refused=refused)


async def _shown(context: Context, draft: Draft, user: str, lang: str) -> Shown:
    """A draft as its approver sees it: checked now, through the node's submission path."""
    verdict = await context_submissions(context).check(json.loads(draft.document))
    message = verdict.message
    rendered = None
    if message is not None and message.type is not None:
        rendered = render_form(message, lang if lang in RENDERED else "ru", unsent=True)
    title = type_title(context.profiles, draft.profile, draft.type, lang)
    return Shown(draft, rendered, refusal_text(verdict.refusal), draft.drafted_by == user, title)


@operator
async def draft_approve(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    draft = await _draft(request)
    user = request[SESSION].user
    reason = approval_refusal(draft, user)
    if reason is not None:
        status = 403 if reason is Reason.APPROVER_IS_DRAFTER else 409
        return refusals.refuse(request, status, reason)
    answer = await context_submissions(context).submit(json.loads(draft.document), f"draft:{draft.id}")
    if answer.payload.get("status") != "accepted":
        if refusals.wants_json(request):
            return web.json_response(answer.payload, status=422)
        return await _listing(request, refusal_text(answer.payload))
    message_id = str(answer.payload["message_id"])
    await _act(request, draft, DraftEvent.APPROVE, message_id)
    raise web.HTTPSeeOther(f"/messages/{message_id}")


@operator
async def draft_withdraw(request: web.Request) -> web.StreamResponse:
    draft = await _draft(request)
    if draft.state is not DraftState.DRAFTED:
        return refusals.refuse(request, 409, Reason.DRAFT_TRANSITION_INVALID)
    await _act(request, draft, DraftEvent.WITHDRAW, None)
    raise web.HTTPSeeOther("/drafts")


async def _draft(request: web.Request) -> Draft:
    number = request.match_info["draft_id"]
    if not number.isdigit():
        raise web.HTTPNotFound()
    try:
        found: Draft = await context_of(request).read(drafts.one, int(number))
    except GatewayError as missing:
        raise web.HTTPNotFound() from missing
    return found


async def _act(request: web.Request, draft: Draft, event: DraftEvent, message_id: str | None) -> None:
    context = context_of(request)
    user = request[SESSION].user
    await context.write(drafts.act, draft.id, event, user, context.clock(), message_id)
    context.changes.changed()
