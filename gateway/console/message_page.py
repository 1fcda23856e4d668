"""The message page at /messages/{id} and its JSON twin /api/messages/{id}: one `MessageView` (see
message_model), drawn as the page or as JSON. Every view is recorded in the audit trail (who opened
which message) in the transaction that reads the message."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from datetime import datetime

from aiohttp import web
from yarl import URL

from gateway.console import access, i18n, openapi, pages, refusals, timeline
from gateway.console.board import answer_url
from gateway.console.context import SESSION, Context, context_of
from gateway.console.countdown import countdown
from gateway.console.message_model import LinkView, MessageView, ObligationView, Rendering
from gateway.console.signature import checked
from gateway.console.titles import in_language
from gateway.errors import GatewayError
from gateway.labels import LANGUAGES as LABEL_LANGUAGES
from gateway.lifecycle import Direction
from gateway.reasons import Reason
from gateway.render import render_form
from gateway.roles import Role
from gateway.rules.channels import chosen_channel
from gateway.store import cases
from gateway.wire.contract import Message

FORM_LANGUAGES = LABEL_LANGUAGES  # a notice's readable form exists in all five (gateway.render)
_REFERENCES = (("answers", "in_reply_to"), ("replaces", "supersedes"), ("cancels", "cancels"))


def _renderings(message: Message, lang: str) -> list[Rendering]:
    langs = ["ru"] + ([lang] if lang != "ru" and lang in FORM_LANGUAGES else [])
    return [Rendering(code, render_form(message, code)) for code in langs]


def _links(found: cases.Case, message: Message) -> list[LinkView]:
    links = [
        LinkView(r.role, r.message_id, f"/messages/{r.message_id}", r.type, r.created_at)
        for r in found.related
    ]
    for role, name in _REFERENCES:
        target = getattr(message.header, name)
        if target:
            links.append(LinkView(role, target, f"/messages/{target}", None, None))
    return links


def _obligations(found: cases.Case, now: datetime) -> list[ObligationView]:
    stored = found.message
    link = f"{stored.peer}/{stored.profile}"
    return [
        ObligationView(
            o.id, o.duty, o.item, o.owner, o.expects, o.article, o.source, o.basis, o.due_at, o.state,
            o.level, o.closed_by, o.closed_at, o.channel, o.state == "open" and o.due_at < now,
            answer_url(o.direction, link, o.expects, stored.message_id) if o.state == "open" else None,
        )
        for o in found.obligations
    ]  # fmt: skip


def actions(view: MessageView, role: Role) -> list[tuple[str, str]]:
    """(catalogue key, compose URL) of what an operator may write from this page: answer what we owe;
    for a notice we sent that nothing replaced or cancelled yet, supersede or cancel it."""
    if not role.allows(Role.OPERATOR):
        return []
    found = list(dict.fromkeys(("messageact.answer", o.answer) for o in view.obligations if o.answer))
    done = any(link.role in ("replacement", "cancellation") for link in view.links)
    if view.direction == Direction.OUT and not done:
        for key, name in (("messageact.supersede", "supersedes"), ("messageact.cancel", "cancels")):
            found.append((key, str(URL("/compose").with_query({name: view.message_id}))))
    return found


def build(context: Context, found: cases.Case, lang: str, now: datetime) -> MessageView:
    """The view of a stored case (CPU work: verifies and renders; call it in a worker thread)."""
    assert context.contract is not None and context.trust is not None
    stored = found.message
    message, _ = context.contract.unverified(stored.payload)  # its signature: checked apart, now
    assert message.type is not None and message.body is not None
    return MessageView(
        message_id=stored.message_id,
        direction=stored.direction,
        peer=stored.peer,
        profile=stored.profile,
        profile_title=in_language(message.profile.title, lang),
        type=stored.type,
        type_title=in_language(message.type.title, lang),
        article=message.type.article,
        channel=chosen_channel(message.type, message.body).value,
        state=stored.state,
        receipt_status=stored.receipt_status,
        created_at=stored.created_at,
        updated_at=stored.updated_at,
        attempts=stored.attempts,
        digest=stored.digest,
        renderings=_renderings(message, lang),
        raw_xml=stored.payload.decode("utf-8", errors="replace"),
        signature=checked(stored.payload, context.trust, now),
        timeline=timeline.events(stored.message_id, message.header.created, found.evidence.timeline),
        obligations=_obligations(found, now),
        links=_links(found, message),
        evidence_href=f"/messages/{stored.message_id}/evidence",
    )


async def message_view(request: web.Request) -> MessageView | web.Response:
    """The view of the message the path names, the view audited; or the refusal."""
    context = context_of(request)
    message_id = request.match_info["message_id"]
    now = context.clock()
    found = await context.write(cases.viewed, message_id, request[SESSION].user, now)
    if found is None:
        return refusals.refuse(request, 404, Reason.MESSAGE_UNKNOWN, detail=message_id)
    try:
        return await asyncio.to_thread(build, context, found, pages.language(request), now)
    except GatewayError as exc:  # a stored notice today's contract no longer reads
        return refusals.refuse(
            request, 409, Reason.MESSAGE_UNREADABLE, detail=f"{exc.reason.value}: {exc.message}"
        )


def _as_page(request: web.Request, view: MessageView) -> web.StreamResponse:
    context = context_of(request)
    t = i18n.catalogue(pages.language(request))
    diagram = timeline.diagram(
        view.timeline,
        lambda kind: t(f"timeline.{kind}"),
        lambda moment: moment.astimezone(context.zone).strftime("%d.%m %H:%M"),
    )
    now = context.clock()
    return pages.render(
        request,
        "message.html",
        view=view,
        diagram=diagram,
        countdown=lambda due: countdown(due, now, t)[1],
        now=now,
        timeline_limit=cases.TIMELINE_ENTRIES,
        actions=actions(view, request[SESSION].role),
    )


def _as_json(_: web.Request, view: MessageView) -> web.StreamResponse:
    return web.json_response(openapi.plain(view), dumps=lambda data: json.dumps(data, ensure_ascii=False))


def _rendering(render: Callable[[web.Request, MessageView], web.StreamResponse]) -> access.Handler:
    async def handler(request: web.Request) -> web.StreamResponse:
        view = await message_view(request)
        return view if isinstance(view, web.Response) else render(request, view)

    return handler


message_page = access.viewer(_rendering(_as_page))  # GET /messages/{message_id}
api_message = access.viewer(_rendering(_as_json))  # GET /api/messages/{message_id}
