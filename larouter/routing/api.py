"""`POST /api/route/explain`: the routing decision for a chat body, without calling any model."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from larouter import appkeys
from larouter.auth import principal
from larouter.errors import not_found, without_tokens
from larouter.projects.store import Project
from larouter.proxy import billing
from larouter.proxy.call import Call
from larouter.proxy.estimate import inline_media, prompt_bytes
from larouter.proxy.local import pending_local
from larouter.proxy.registry import AUTO
from larouter.proxy.routed import plan
from larouter.proxy.validate import parse_json_object, validate_chat
from larouter.queryargs import check_query
from larouter.reqbody import read_body
from larouter.routing.policy import Candidate
from larouter.usage.api import current_project, project_param
from larouter.usage.money import round_usd

EXPLICIT = "explicit model: sent as named, never routed or replaced"
REFUSED = "402 budget_exceeded"


def _entry(request: web.Request, cand: Candidate, routed: bool) -> dict[str, Any]:
    """A candidate's JSON, with the seconds left of its cooldown, or of its provider's, and why (routed chat tries a
    cooling model, and every model of a cooling provider, after the others; a named model is sent whatever its
    cooldown)."""
    out = cand.public()
    why = request.app[appkeys.COOLDOWNS].why(cand.label, cand.upstream) if routed and (
        cand.target or cand.local_model) else None
    out["coolingDown"], out["cooling"] = (None, None) if why is None else (round(why[0], 1), why[1])
    return out


def _explicit(request: web.Request, model: str) -> Candidate:
    """The one candidate of a named model, as the chat path picks it (a stopped local model it would start, else
    the registry's target): 404/503 exactly as a chat request for it would get."""
    pending = pending_local(request, model)
    if pending is not None:
        return Candidate(pending.id, None, local_model=pending.id)
    target = request.app[appkeys.REGISTRY].resolve(model)
    return Candidate(target.model, target)


async def _budget(request: web.Request, project: Project, cands: list[Candidate], entries: list[dict[str, Any]],
                  body: dict[str, Any], call: Call, routed: bool) -> dict[str, Any] | None:
    """Walk the usable candidates as chat's admission would: a paid one whose worst case does not fit (or that has
    no price) is skipped with the reason, also after the one that serves (it would be refused on failover); chat
    downgrades to a local model (routed, cost-optimized/local-only) or tries the next, and answers 402 when none
    is left. Returns `{remaining, action}` (None for a project without a budget)."""
    if project.budget_usd is None:
        return None
    action: str | None = None
    served = False  # a candidate before this one is admitted (or chat downgraded): the rest are failover only
    usable = [(c, e) for c, e in zip(cands, entries) if c.skipped is None]
    local = billing.downgrade_target(request, project, routed)
    for i, (cand, entry) in enumerate(usable):
        paid = cand.target if cand.target is not None and not cand.is_local else None
        why = None if paid is None else await billing.refusal(request, project, paid, body, call)
        if why is None:
            served = True  # chat is served by the first such one (a local model costs nothing)
            continue
        then = ("chat downgrades to local model " + local.model if local is not None
                else "chat tries the next candidate" if i + 1 < len(usable) else "chat answers " + REFUSED)
        entry.update(usable=False, skipped=f"budget {why} -> {then}")
        if not served and local is not None:
            action, served = f"downgrade to local model {local.model}", True
        elif not served and i + 1 == len(usable):
            action = REFUSED
    remaining = await request.app[appkeys.BUDGETS].remaining(project)
    return {"remaining": None if remaining is None else round_usd(remaining), "action": action}


def _project(request: web.Request) -> str:
    """The id of the project whose policy applies: `projectId` by id or by name, as `/api/usage` takes it (404 when
    no current project has it), else the caller's."""
    if "projectId" not in request.query:
        return principal(request).project_id
    given = project_param(request)
    project = current_project(request, given)
    if project is None:
        raise not_found(f"no project {given!r} (by id or name); GET /api/projects lists the projects",
                        "project_not_found", "projectId")
    return project


async def explain(request: web.Request) -> web.Response:
    """Tier, confidence, reasons, policy and the candidate chain for this request (model defaults to "auto")."""
    check_query(request, ("projectId",))
    raw = await read_body(request)
    body = parse_json_object(raw)
    body.setdefault("model", AUTO)
    validate_chat(body)
    project = _project(request)
    call = Call(requested_model=without_tokens(body["model"]), stream=bool(body.get("stream")), request_bytes=prompt_bytes(raw, body),
                media=inline_media(body), project=project)
    p = plan(request, body, project, call.prompt_estimate())  # reads the sticky store, never writes it
    reasons = [*p.decision.reasons, *([p.sticky_note] if p.sticky_note else []),
               *([p.policy_note] if p.undefined else [])]  # (the project's policy was dropped: say what applies)
    routed = body["model"] == AUTO
    cands = p.candidates if routed else [_explicit(request, body["model"])]
    if not routed:
        reasons = [EXPLICIT, *p.decision.reasons]
    entries = [_entry(request, c, routed) for c in cands]
    budget = await _budget(request, request.app[appkeys.PROJECTS].projects[project], cands, entries, body, call, routed)
    return web.json_response({
        "tier": p.decision.tier.value, "confidence": round(p.decision.confidence, 3), "reasons": reasons,
        "project": project, "policy": p.policy, "candidates": entries, "budget": budget,
    })


def routes() -> list[web.RouteDef]:
    """Routing routes."""
    return [web.post("/api/route/explain", explain)]
