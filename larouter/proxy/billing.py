"""Admission for one proxied call: the project's policy (a `local-only` project never reaches a cloud model), then
its budget (reserve, downgrade a routed call to local or refuse with 402), then settle."""

from __future__ import annotations

from typing import Any, Collection

from aiohttp import web

from larouter import appkeys, jsonx
from larouter.auth import still_authorized
from larouter.errors import LarouterError
from larouter.projects.store import DEFAULT, Project
from larouter.projects.budget import DEFAULT_MAX_TOKENS, Reservation, budget_exceeded, held_text, usd_apart
from larouter.proxy.call import MAX_REASON, Call, one_line, shorten_reason
from larouter.proxy.estimate import content_parts
from larouter.proxy.registry import Target
from larouter.usage.pricing import Rate, Tokens
from larouter.usage.records import EPOCH, MICROSECOND

DOWNGRADE_POLICIES = ("cost-optimized", "local-only")
# Input tokens one image part may count whatever its size in the request: the most a listed vendor counts for one
# image (gpt-4.1-nano up to 1,536 patches x 2.46 = 3,779; gpt-4o high detail up to 1,445; Claude about 1,600).
IMAGE_TOKENS = 4_000
# An audio part carries its recording (base64, a token per byte already, far more than audio tokens: OpenAI counts
# about 10 a second, Gemini 32); this covers what its bytes may not, a short clip priced as audio.
AUDIO_TOKENS = 4_000
# A file part (a PDF) may be a few bytes naming an uploaded file: OpenAI reads up to 100 pages of one, each as its
# text plus an image of the page (up to about 1,000 tokens for both).
FILE_TOKENS = 100_000
PART_TOKENS = {"image_url": IMAGE_TOKENS, "input_image": IMAGE_TOKENS, "image": IMAGE_TOKENS,
               "input_audio": AUDIO_TOKENS, "audio": AUDIO_TOKENS, "file": FILE_TOKENS, "input_file": FILE_TOKENS}


def requested_output(body: dict[str, Any]) -> int | None:
    """The most output the request allows: the larger of `max_completion_tokens` and `max_tokens` when it sends
    both (the provider may honour either), else the one it sends, else None."""
    caps = [body.get(key) for key in ("max_completion_tokens", "max_tokens")]
    return max((int(cap) for cap in caps if cap), default=None)


def worst_case_tokens(body: dict[str, Any], call: Call, target: Target, rate: Rate | None = None) -> Tokens:
    """Upper bound of a call's tokens on this target, reserved against a budget before a paid call.

    Input: every request byte a token (a token covers at least one byte of text, and the JSON around the text is
    more bytes than the chat template adds tokens) plus PART_TOKENS per image, audio or file part, whose reference
    is a few bytes. Output, times `n`: `requested_output` (the larger of `max_completion_tokens` and `max_tokens`),
    else the model's `max_output` (price table or config), else the provider's `context_window`, else
    DEFAULT_MAX_TOKENS: an assumption, not a bound.
    """
    out = (requested_output(body) or (rate and rate.max_output) or target.provider.context_window
           or DEFAULT_MAX_TOKENS)
    parts = _media_tokens(body.get("messages"))
    return Tokens(input=max(call.request_bytes, 1) + parts, output=int(out) * int(body.get("n") or 1))


def _media_tokens(messages: Any) -> int:
    """The allowance (PART_TOKENS) of the image, audio and file parts the messages carry (content is a string or a
    list of parts)."""
    return sum(PART_TOKENS.get(kind, 0) for part in content_parts(messages)
               if isinstance(kind := part.get("type"), str))


def worst_case_cost(request: web.Request, target: Target, body: dict[str, Any], call: Call) -> float | None:
    """USD of the call's worst case on this target at its price (None when the price is unknown)."""
    rate = request.app[appkeys.LEDGER].pricer.rate(target.provider_name, target.provider, target.model)
    return None if rate is None else rate.cost(worst_case_tokens(body, call, target, rate))


def over_budget(amount: float | None, left: float | None, target: Target, held: tuple[float, int] = (0.0, 0)) -> str:
    """Why a call does not fit: `spent`, `worst case $0.03 > $0.0001 left` (with what calls in flight hold, `held`:
    it comes back when they end), or that the model has no price (a budget cannot cap what it cannot price, so an
    unpriced paid model is never admitted against one)."""
    if (left or 0.0) <= 0.0 and (amount is None or not held[1]):
        return "spent"
    if amount is None:
        return f"no price known for {target.model}"
    worst, shown = usd_apart(amount, left or 0.0)
    return f"worst case {worst} > {shown} left" + (f" ({held_text(held)})" if held[1] else "")


def unpriced(project: Project, target: Target) -> LarouterError:
    """HTTP 402: a project with a budget named a paid model that has no known price."""
    model = target.model
    return LarouterError(
        f"project {project.name!r} has a budget, and {model!r} (provider {target.provider_name!r}) has no known "
        f"price, so its cost could not be held to the budget: give it one ([providers.{target.provider_name}.prices."
        f"{jsonx.dumps(model).decode()}] in config.toml, or usage.prices_file) or name a priced model",
        402, "budget_exceeded", "model_unpriced", "model")


def downgrade_target(request: web.Request, project: Project, routed: bool = True) -> Target | None:
    """The local model an over-budget call is sent to instead (routed calls of DOWNGRADE_POLICIES), else None."""
    return local_target(request) if routed and project.routing_policy in DOWNGRADE_POLICIES else None


async def refusal(request: web.Request, project: Project, target: Target, body: dict[str, Any], call: Call) -> str | None:
    """Why `admit` would refuse this target's worst case right now (`spent`, `worst case ... left`), else None.
    Reserves nothing: for `/api/route/explain`."""
    if project.budget_usd is None or target.provider.local:
        return None
    budgets = request.app[appkeys.BUDGETS]
    cost = worst_case_cost(request, target, body, call)
    if cost is not None and await budgets.fits(project, cost):
        return None
    return over_budget(cost, await budgets.remaining(project), target, budgets.holding(project))


def local_target(request: web.Request) -> Target | None:
    """A local model that can serve right now (first registered)."""
    registry = request.app[appkeys.REGISTRY]
    for name, prov in registry.providers.items():
        if prov.local and prov.models:
            return Target(name, prov, prov.models[0])
    return None


async def admit(request: web.Request, call: Call, body: dict[str, Any], routed: bool = True,
                failed: Collection[str] = ()) -> Reservation | None:
    """Reserve the worst case for a paid call (with or without a budget: one set while it runs counts it); when over
    budget, downgrade a routed call to local (policies in
    DOWNGRADE_POLICIES; not to a local model in `failed`, which this request tried already) or raise 402. A model
    the client named is never replaced: 403 when the project is `local-only` and the model is not local, 402 when it
    does not fit the budget. A downgrade's note is added to the call's reason and kept in `call.extra["downgrade"]`."""
    assert call.target is not None
    store = request.app[appkeys.PROJECTS]
    still_authorized(request, store)
    project = store.projects.get(call.project)
    if project is None or call.target.provider.local:
        return None
    if not routed and project.routing_policy == "local-only":
        raise LarouterError(
            f"project {project.name!r} uses the local-only policy: {call.target.model!r} is a cloud model; name a "
            "local model or use model 'auto'", 403, "permission_error", "local_only_project", "model")
    budgets = request.app[appkeys.BUDGETS]
    cost = worst_case_cost(request, call.target, body, call)
    res = None if cost is None else await budgets.reserve(project, cost)  # no price: nothing the budget could cap
    # (held without a budget too: one set while the call runs counts it; review AY)
    if res is not None or project.budget_usd is None:
        call.budget_remaining = None if res is None else res.remaining
        return res
    left = await budgets.remaining(project)
    local = downgrade_target(request, project, routed)
    if local is None or local.label in failed:
        if cost is None and (left or 0.0) > 0.0:
            raise unpriced(project, call.target)
        tried = f"; the local model {local.model} it is downgraded to failed already" if local is not None else ""
        raise budget_exceeded(project, left, _why_not(body, cost, left) + tried, budgets.holding(project),
                              cost)
    note = f"budget {over_budget(cost, left, call.target, budgets.holding(project))} -> downgraded to local model {local.model}"
    note = one_line(note)  # (model names come from the config; the header's ASCII form is made where it is set)
    # the note is what the client most needs to read: the reason before it gives way (header and ledger alike)
    call.reason = f"{shorten_reason(call.reason, MAX_REASON - len(note) - 3)} | {note}" if call.reason else note
    call.target = local
    call.budget_remaining = left
    call.extra["downgrade"] = note
    return None


def _why_not(body: dict[str, Any], cost: float | None, left: float | None) -> str:
    """`: its worst case is $0.78 (...)` when money is left but this request's worst case does not fit."""
    if cost is None or (left or 0.0) <= 0.0:
        return ""
    worst = usd_apart(cost, left or 0.0)[0]  # (the digits that show it is more than what is left)
    if requested_output(body):
        return f": its worst case is {worst}"
    return f": its worst case is {worst}, with the model's longest answer assumed (set max_tokens to reserve less)"


def settle(request: web.Request, call: Call, res: Reservation | None, cost: float | None) -> None:
    """Book the actual cost (to the project's budget whether it has one now or not, so one set later starts from the
    truth) and release the reservation; the cost is counted in the windows that hold the call's start, as the ledger
    files it."""
    project_id = call.project or DEFAULT
    project = request.app[appkeys.PROJECTS].projects.get(project_id)
    model = call.target.label if call.target is not None else ""
    request.app[appkeys.BUDGETS].settle(res, cost, project_id, EPOCH + call.created_us * MICROSECOND, model,
                                        project.name if project is not None else project_id)
