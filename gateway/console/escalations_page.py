"""The escalations page: the open and acknowledged escalations grouped by level, each with its
obligation and case; an operator acknowledges one or resolves it with a note (the same store
function as `bgw escalations ack|resolve`, the same audited acts with the console user as actor);
a diplomatic rung's dossier is downloaded, or verified in place with the node's trust store (the
lines `bgw verify` prints). The page at `/escalations`, its JSON twin at `/api/escalations`; both read
the same `EscalationsView`, and `?verify=<id>` asks either for that dossier verified. The page is live
(gateway.console.live): the node's changes reach it, and it reads its view again when shown again."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from aiohttp import web
from yarl import URL

from gateway.cli import verify_report
from gateway.console import access, i18n, openapi, pages, refusals
from gateway.console.context import SESSION, Context, context_of
from gateway.console.openapi import Param
from gateway.console.queries import BadQuery, rendering
from gateway.errors import GatewayError
from gateway.lifecycle import EscalationEvent, EscalationState
from gateway.profiles.model import LEVELS
from gateway.reasons import Reason
from gateway.roles import Role
from gateway.store import escalations
from gateway.store.escalations import Listed

LIMIT = 500  # the open and acknowledged escalations shown, newest first within a level
NOTE_MAX = 1000  # characters
ID_DIGITS = 18
SHOWN = (EscalationState.OPEN.value, EscalationState.ACKNOWLEDGED.value)
DONE = {EscalationEvent.ACKNOWLEDGE: "acknowledged", EscalationEvent.RESOLVE: "resolved"}


@dataclass(frozen=True)
class Verification:
    escalation_id: int
    lines: list[str]
    ok: bool


@dataclass(frozen=True)
class Level:
    """The escalations at one level of the ladders, newest first."""

    level: str
    escalations: list[Listed]


@dataclass(frozen=True)
class EscalationsView:
    """The open and acknowledged escalations (at most *limit*) by level, in the ladders' order; *at*:
    the node's time they were read at; *verification*: the dossier `?verify=<id>` asked for, checked
    now (null: none asked, or that escalation has no dossier)."""

    at: datetime
    levels: list[Level]
    limit: int
    verification: Verification | None


def grouped(items: list[Listed]) -> list[Level]:
    """The escalations by level, in the ladder's order (a level no ladder names: after them)."""
    levels = [*LEVELS, *sorted({item.level for item in items} - set(LEVELS))]
    groups = [Level(level, [item for item in items if item.level == level]) for level in levels]
    return [group for group in groups if group.escalations]


def _id(request: web.Request) -> int | None:
    text = request.match_info.get("id", "") or request.query.get("verify", "")
    return int(text) if text.isascii() and text.isdigit() and len(text) <= ID_DIGITS else None


async def verification(context: Context, escalation_id: int) -> Verification | None:
    """The dossier of *escalation_id* verified now with the node's trust store (off the event loop),
    as `bgw verify` words it; None when the escalation has no dossier."""
    found = await context.read(escalations.dossier, str(escalation_id))
    if found is None:
        return None
    trust = context.trust
    if trust is None:
        return Verification(escalation_id, ["FAILED: no trust store"], False)
    at = context.clock()

    def work() -> Verification:
        try:
            result = verify_report.report(found[1], trust, at)
        except GatewayError as exc:
            return Verification(escalation_id, [f"FAILED: {exc.reason.value}: {exc.message}"], False)
        return Verification(escalation_id, result.lines, not result.failed)

    return await asyncio.to_thread(work)


def _verify(request: web.Request) -> int | None:
    """The escalation whose dossier `?verify=` names (GET only); raises BadQuery when it names none."""
    if request.method != "GET" or "verify" not in request.query:
        return None
    wanted = _id(request)
    if wanted is None:
        raise BadQuery("verify")
    return wanted


async def escalations_view(request: web.Request) -> EscalationsView:
    context = context_of(request)
    wanted = _verify(request)
    at = context.clock()
    items = await context.read(escalations.listing, list(SHOWN), LIMIT)
    checked = await verification(context, wanted) if wanted is not None else None
    return EscalationsView(at, grouped(items), LIMIT, checked)


def _as_page(
    request: web.Request, view: EscalationsView, status: int = 200, errors: Mapping[int, str] | None = None
) -> web.Response:
    done = request.query.get("done") if request.method == "GET" else None
    verify = view.verification.escalation_id if view.verification else None
    return pages.render(
        request,
        "escalations.html",
        status=status,
        view=view,
        view_url=str(URL("/escalations").with_query({"verify": str(verify)} if verify is not None else {})),
        errors=errors or {},
        done=done if done in DONE.values() else None,
        done_id=request.query.get("id", "") if done else "",
        note_max=NOTE_MAX,
        can_act=bool((session := request.get(SESSION)) and session.role.allows(Role.OPERATOR)),
    )


def _as_json(_: web.Request, view: EscalationsView) -> web.StreamResponse:
    return web.json_response(openapi.plain(view))


QUERY = (
    Param(
        "verify",
        {"type": "string", "pattern": f"^[0-9]{{1,{ID_DIGITS}}}$"},
        "an escalation id: its dossier verified now with the node's trust store",
    ),
)
escalations_page = access.viewer(rendering(escalations_view, _as_page))  # GET /escalations
api_escalations = access.viewer(rendering(escalations_view, _as_json))  # GET /api/escalations


@access.viewer
async def dossier_download(request: web.Request) -> web.StreamResponse:
    """GET /escalations/{id}/dossier: the signed dossier, as `bgw escalations dossier` writes it."""
    escalation_id = _id(request)
    found = (
        None
        if escalation_id is None
        else await context_of(request).read(escalations.dossier, str(escalation_id))
    )
    if found is None:
        return refusals.refuse(request, 404, Reason.ESCALATION_UNKNOWN)
    dossier_id, payload = found
    return web.Response(
        body=payload,
        content_type="application/xml",
        headers={"Content-Disposition": f'attachment; filename="dossier-{dossier_id}.xml"'},
    )


def _note_problem(note: str | None, event: EscalationEvent, t: i18n.Catalogue) -> str | None:
    if note is not None and len(note) > NOTE_MAX:
        return t("escalations.note_too_long", n=NOTE_MAX)
    if event is EscalationEvent.RESOLVE and note is None:
        return t("escalations.note_required")
    return None


async def _act(request: web.Request, event: EscalationEvent) -> web.StreamResponse:
    context = context_of(request)
    escalation_id = _id(request)
    if escalation_id is None:
        return refusals.refuse(request, 404, Reason.ESCALATION_UNKNOWN)
    form = await request.post()
    note = str(form.get("note", "")).strip() or None
    problem = _note_problem(note, event, i18n.catalogue(pages.language(request)))
    if problem is not None:
        if refusals.wants_json(request):
            return refusals.refuse(request, 400, Reason.USAGE_INVALID, detail="note")
        return _as_page(request, await escalations_view(request), 400, {escalation_id: problem})
    actor = request[SESSION].user
    try:
        await context.write(escalations.act, escalation_id, event, note, actor, context.clock())
    except GatewayError as exc:
        status = 404 if exc.reason is Reason.ESCALATION_UNKNOWN else 409
        return refusals.refuse(request, status, exc.reason)
    context.changes.changed()
    target = URL("/escalations").with_query(done=DONE[event], id=str(escalation_id))
    raise web.HTTPSeeOther(str(target))


@access.operator
async def escalation_ack(request: web.Request) -> web.StreamResponse:
    """POST /escalations/{id}/ack (an optional note)."""
    return await _act(request, EscalationEvent.ACKNOWLEDGE)


@access.operator
async def escalation_resolve(request: web.Request) -> web.StreamResponse:
    """POST /escalations/{id}/resolve (a note: what was done)."""
    return await _act(request, EscalationEvent.RESOLVE)
