"""The compose page (operators): choose a link and a type, fill the form generated from the type's
schema, check it as the national interface would (live, or with the Check button), preview the
rendered form, send. Everything goes through the node's one submission path
(`Submissions.check` / `Submissions.submit`): the same checks and the same refusals as over AMQP.

    GET  /compose?link=UZ/kz-uz-border-2024&type=…&in_reply_to=ID | supersedes=ID | cancels=ID
    POST /compose/check    the form again with the verdict (JSON {"ready", "refusal", "html"} for fetch)
    POST /compose/preview  the form again with the rendered notice (Russian and the viewer's language)
    POST /compose/send     sent: 303 to /messages/{id}; waiting for a second approval: 303 to /drafts
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from aiohttp import web

from gateway.console import i18n, pages, refusals
from gateway.console.access import operator
from gateway.console.composing import (
    PREFILL,
    Composed,
    lead_facts,
    needs_second_approval,
    prefilled,
    read_form,
    refusal_text,
    replacing,
)
from gateway.console.context import SESSION, Context, context_of
from gateway.forms.header_fields import render_header
from gateway.forms.model import form_of
from gateway.forms.widgets import Wording, render_body
from gateway.labels import LANGUAGES as LABEL_LANGUAGES
from gateway.labels import load_labels
from gateway.lifecycle import Direction
from gateway.node.submission import Verdict
from gateway.reasons import Reason
from gateway.render import render_form
from gateway.store import audit, drafts, views
from gateway.wire.codec import Codec
from gateway.wire.parsing import parse

RENDERED = LABEL_LANGUAGES  # the languages gateway.render writes: all five the console speaks


@operator
async def compose_page(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    asked = {name: request.query[name] for name in PREFILL if request.query.get(name)}
    composed = read_form(await _opened(context, asked), context.config.links, context.profiles)
    return _page(request, composed, None, shown_problems=False)


async def _opened(context: Context, asked: dict[str, str]) -> list[tuple[str, str]]:
    """The pairs a form opens with; a notice we sent, when the form supersedes or cancels it."""
    earlier = replacing(asked)
    found = await context.read(views.earlier, earlier) if earlier else []
    sent = next((item for item in found if item.direction == Direction.OUT.value), None)
    if sent is None or sent.profile not in context.profiles:
        return prefilled(asked, None, None, None)
    body = Codec(context.profiles).to_json(parse(sent.payload))["body"]
    form = form_of(context.profiles[sent.profile], sent.type)
    return prefilled(asked, (sent.peer, sent.profile, sent.type), body, form)


@operator
async def compose_check(request: web.Request) -> web.StreamResponse:
    composed = await _posted(request)
    verdict = await _verdict(context_of(request), composed)
    if refusals.wants_json(request):
        html = pages.fragment(request, "compose_verdict.html", **_verdict_values(composed, verdict))
        refusal = refusal_text(verdict.refusal) if verdict else None
        return web.json_response({"ready": composed.ready, "refusal": refusal, "html": html})
    return _page(request, composed, verdict)


@operator
async def compose_preview(request: web.Request) -> web.StreamResponse:
    composed = await _posted(request)
    verdict = await _verdict(context_of(request), composed)
    previews: list[tuple[str, str]] = []
    if verdict is not None and verdict.message is not None and verdict.message.type is not None:
        lang = pages.language(request)
        for shown in dict.fromkeys(["ru", lang if lang in RENDERED else "ru"]):
            previews.append((shown, render_form(verdict.message, shown, unsent=True)))
    return _page(request, composed, verdict, previews=previews)


@operator
async def compose_send(request: web.Request) -> web.StreamResponse:
    context = context_of(request)
    composed = await _posted(request)
    verdict = await _verdict(context, composed)
    if verdict is None or composed.document is None:
        if refusals.wants_json(request):
            return refusals.refuse(request, 422, Reason.FORM_INVALID)
        return _page(request, composed, None, status=422)
    if not verdict.ok:
        return _refused(request, composed, verdict, verdict.refusal)
    user = request[SESSION].user
    if needs_second_approval(composed.link, verdict.channel):
        await _draft(context, composed, user)
        raise web.HTTPSeeOther("/drafts")
    key = f"console:{composed.key}" if composed.key else None
    answer = await context_submissions(context).submit(composed.document, key)
    if answer.payload.get("status") != "accepted":
        return _refused(request, composed, verdict, answer.payload)
    message_id = str(answer.payload["message_id"])
    detail = {"type": composed.document["type"], "profile": composed.document["profile"]}
    peer = composed.link.peer if composed.link else None
    await context.write(audit.record, context.clock(), user, "console-sent", message_id, peer, detail)
    if refusals.wants_json(request):
        return web.json_response(answer.payload)
    raise web.HTTPSeeOther(f"/messages/{message_id}")


def context_submissions(context: Context) -> Any:
    if context.submissions is None:
        raise web.HTTPServiceUnavailable(text="this console runs without its node")
    return context.submissions


async def _posted(request: web.Request) -> Composed:
    form = await request.post()
    pairs = [(name, value) for name, value in form.items() if isinstance(value, str)]
    context = context_of(request)
    return read_form(pairs, context.config.links, context.profiles)


async def _verdict(context: Context, composed: Composed) -> Verdict | None:
    """The node's verdict on a form without problems (None: the form must be completed first)."""
    if composed.document is None or composed.add:
        return None
    verdict: Verdict = await context_submissions(context).check(composed.document)
    return verdict


async def _draft(context: Context, composed: Composed, user: str) -> int:
    document = composed.document or {}
    link = composed.link
    assert link is not None
    draft_id: int = await context.write(
        drafts.add,
        peer=link.peer,
        profile=link.profile,
        message_type=str(document["type"]),
        document=json.dumps(document, ensure_ascii=False),
        by=user,
        at=context.clock(),
    )
    context.changes.changed()
    return draft_id


def _refused(
    request: web.Request, composed: Composed, verdict: Verdict, refusal: dict[str, Any] | None
) -> web.StreamResponse:
    if refusals.wants_json(request):
        return web.json_response(refusal, status=422)
    shown = Verdict(refusal, verdict.message, verdict.lead, verdict.channel, verdict.late)
    return _page(request, composed, shown, status=422)


def _verdict_values(composed: Composed, verdict: Verdict | None) -> dict[str, Any]:
    second = verdict is not None and needs_second_approval(composed.link, verdict.channel)
    return {
        "verdict": verdict,
        "problems": composed.problems,
        "refusal": refusal_text(verdict.refusal) if verdict else None,
        "lead": lead_facts(verdict.lead) if verdict else None,
        "second": second,
        "ready": composed.ready,
    }


def _page(
    request: web.Request,
    composed: Composed,
    verdict: Verdict | None,
    *,
    status: int = 200,
    shown_problems: bool = True,
    previews: list[tuple[str, str]] | None = None,
) -> web.Response:
    context = context_of(request)
    lang = pages.language(request)
    say = Wording(lang, i18n.catalogue(lang), load_labels())
    problems = composed.problems if shown_problems else ()
    header = render_header(context.config.links, context.profiles, composed.values, say, problems)
    body = None
    if composed.form is not None:
        body = render_body(composed.form, composed.values, say, problems, composed.add)
    values = _verdict_values(composed, verdict)
    if not shown_problems:
        values["problems"] = ()
    key = composed.key or uuid.uuid4().hex
    return pages.render(
        request,
        "compose.html",
        status=status,
        active="compose",
        header_html=header,
        body_html=body,
        key=key,
        previews=previews or [],
        **values,
    )
