"""`POST /api/route/explain`: the routing decision for a chat body, without calling any model."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from larouter import appkeys
from larouter.auth import principal
from larouter.errors import not_found
from larouter.proxy.local import pending_local
from larouter.proxy.registry import AUTO
from larouter.proxy.routed import plan
from larouter.proxy.validate import parse_json_object, validate_chat
from larouter.routing.policy import Candidate
from larouter.usage.api import project_param

EXPLICIT = "explicit model: sent as named, never routed or replaced"


def _explicit(request: web.Request, model: str) -> dict[str, Any]:
    """The one candidate of a named model, as the chat path picks it (a stopped local model it would start, else
    the registry's target): 404/503 exactly as a chat request for it would get."""
    pending = pending_local(request, model)
    if pending is not None:
        return Candidate(pending.id, None, local_model=pending.id).public()
    target = request.app[appkeys.REGISTRY].resolve(model)
    return Candidate(target.model, target).public()


async def explain(request: web.Request) -> web.Response:
    """Tier, confidence, reasons, policy and the candidate chain for this request (model defaults to "auto")."""
    raw = await request.read()
    body = parse_json_object(raw)
    body.setdefault("model", AUTO)
    validate_chat(body)
    project = project_param(request) if "projectId" in request.query else principal(request).project_id
    if project not in request.app[appkeys.PROJECTS].projects:
        raise not_found(f"no project {project!r}", "project_not_found", "projectId")
    p = plan(request, body, project, len(raw))  # reads the sticky store, never writes it
    reasons = [*p.decision.reasons, *([p.sticky_note] if p.sticky_note else [])]
    candidates = [c.public() for c in p.candidates]
    if body["model"] != AUTO:
        candidates, reasons = [_explicit(request, body["model"])], [EXPLICIT, *p.decision.reasons]
    return web.json_response({
        "tier": p.decision.tier.value, "confidence": round(p.decision.confidence, 3), "reasons": reasons,
        "project": project, "policy": p.policy, "candidates": candidates,
    })


def routes() -> list[web.RouteDef]:
    """Routing routes."""
    return [web.post("/api/route/explain", explain)]
