"""Budget admission for one proxied call: reserve, downgrade to local or refuse with 402, then settle."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from larouter import appkeys
from larouter.projects.budget import DEFAULT_MAX_TOKENS, Reservation, budget_exceeded
from larouter.proxy.call import Call
from larouter.proxy.registry import Target
from larouter.usage.pricing import Tokens

DOWNGRADE_POLICIES = ("cost-optimized", "local-only")


def worst_case_tokens(body: dict[str, Any], call: Call) -> Tokens:
    """Upper bound of a call's tokens: every request byte a token (generous), plus max_tokens out."""
    out = body.get("max_completion_tokens") or body.get("max_tokens") or DEFAULT_MAX_TOKENS
    return Tokens(input=max(call.request_bytes // 3, 1), output=int(out) * int(body.get("n") or 1))


def local_target(request: web.Request) -> Target | None:
    """A local model that can serve right now (first registered)."""
    registry = request.app[appkeys.REGISTRY]
    for name, prov in registry.providers.items():
        if prov.local and prov.models:
            return Target(name, prov, prov.models[0])
    return None


async def admit(request: web.Request, call: Call, body: dict[str, Any]) -> Reservation | None:
    """Reserve the worst case for a paid call; downgrade to local or raise 402 when over budget."""
    assert call.target is not None
    project = request.app[appkeys.PROJECTS].projects.get(call.project)
    if project is None or project.budget_usd is None or call.target.provider.local:
        return None
    budgets = request.app[appkeys.BUDGETS]
    rate = request.app[appkeys.LEDGER].pricer.rate(call.target.provider_name, call.target.provider, call.target.model)
    amount = 0.0 if rate is None else rate.cost(worst_case_tokens(body, call))
    # An unpriced paid model costs an unknown amount: allowed while budget remains, never once it is spent.
    exhausted = rate is None and (await budgets.remaining(project) or 0.0) <= 0.0
    res = None if exhausted else await budgets.reserve(project, amount)
    if res is not None:
        call.budget_remaining = await budgets.remaining(project)
        return res
    local = local_target(request) if project.routing_policy in DOWNGRADE_POLICIES else None
    if local is None:
        raise budget_exceeded(project, await budgets.remaining(project))
    call.target = local
    call.reason = "budget exhausted: downgraded to local model"
    call.budget_remaining = await budgets.remaining(project)
    return None


def settle(request: web.Request, call: Call, res: Reservation | None, cost: float | None) -> None:
    """Book the actual cost and release the reservation."""
    if res is not None:
        request.app[appkeys.BUDGETS].settle(res, cost)
