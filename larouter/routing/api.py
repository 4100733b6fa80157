"""`POST /api/route/explain`: the routing decision for a chat body, without calling any model."""

from __future__ import annotations

from aiohttp import web

from larouter.auth import principal
from larouter.proxy.routed import plan
from larouter.proxy.validate import parse_json_object, validate_chat


async def explain(request: web.Request) -> web.Response:
    """Tier, confidence, reasons, policy and the candidate chain for this request."""
    raw = await request.read()
    body = parse_json_object(raw)
    body.setdefault("model", "auto")
    validate_chat(body)
    project = request.query.get("projectId") or principal(request).project_id
    p = plan(request, body, project, len(raw))  # reads the sticky store, never writes it
    reasons = [*p.decision.reasons, *([p.sticky_note] if p.sticky_note else [])]
    return web.json_response({
        "tier": p.decision.tier.value, "confidence": round(p.decision.confidence, 3), "reasons": reasons,
        "project": project, "policy": p.policy, "candidates": [c.public() for c in p.candidates],
    })


def routes() -> list[web.RouteDef]:
    """Routing routes."""
    return [web.post("/api/route/explain", explain)]
