"""`model: "auto"`: classify, build the policy's chain, and fail over before the first byte."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import attrs
from aiohttp import web

from larouter import appkeys, jsonx
from larouter.errors import LarouterError
from larouter.proxy import billing, local, outbound, upstream
from larouter.proxy.answer_headers import wait_asked
from larouter.proxy.call import Call, one_line
from larouter.proxy.early import EarlyStream
from larouter.proxy.estimate import answer_text_bytes
from larouter.proxy.events import ANSWER_KEYS
from larouter.proxy.reasoning import for_model
from larouter.proxy.sse import STOP_REASONS, BadStream, Relay
from larouter.routing import repeats, sticky
from larouter.routing.classifier import classify
from larouter.routing.health import PROVIDER_FAILURES, failure_kind
from larouter.routing.policy import LOCAL, NO_LOCAL_MODEL, Candidate, chain
from larouter.routing.tiers import Decision, Tier
from larouter.usage.records import tokens_of

RETRYABLE = {429, 500, 502, 503, 504, 508}  # 508: a provider whose base_url leads back to LARouter (loop.py)


class Degraded(Exception):
    """A 200 with no content and no tool calls (or only reasoning): try the next candidate. `kind`, its health kind
    (`routing/health.py`): `degraded`, an empty answer, is its model's; an answer that was none at all is its
    provider's, as when it is not streamed: an error object or event (`upstream_error`), a body that is not a chat
    completion or a stream that is not one (`upstream_bad_response`)."""

    def __init__(self, why: str, kind: str = "degraded") -> None:
        super().__init__(why)
        self.kind = kind


@attrs.frozen
class Plan:
    """The routing decision for one request: tier, policy, ordered candidates, and its conversation."""

    decision: Decision
    policy: str
    candidates: list[Candidate]
    conversation: str | None = None  # sticky key; None when stickiness is off or there is no user message
    sticky_note: str | None = None  # set when the conversation's model was moved to the front
    repeat: str | None = None  # learned-heartbeat signature of the last user turn; None when that is off
    ids: str | None = None  # its amounts and record ids (`repeats.job_ids`), read only for a signature seen before
    undefined: str | None = None  # the project's routingPolicy when the settings no longer define it (then `policy`
    # is cost-optimized)

    @property
    def policy_note(self) -> str:
        """The policy part of the reason: `policy weekend (not defined) -> cost-optimized` for a project whose policy
        was dropped (review AT: it said `policy cost-optimized` and nothing of the fallback)."""
        if self.undefined is None:
            return f"policy {self.policy}"
        return f"policy {self.undefined} (not defined) -> {self.policy}"


def plan(request: web.Request, body: dict[str, Any], project_id: str, prompt_tokens: int = 0) -> Plan:
    """Classify the request and build the candidate chain for the caller's project policy (reads state only;
    `prompt_tokens`: the prompt's estimate, for the models' context windows)."""
    app = request.app
    settings = app[appkeys.RUNTIME].settings
    decision = classify(body, settings.routing.classifier)
    repeat = repeats.pattern_key(body, project_id, decision) if settings.routing.learn_heartbeats else None
    tracker = app[appkeys.REPEATS]
    ids = repeats.job_ids(body) if repeat is not None and tracker.known(repeat) else None
    if repeat is not None and decision.tier is not Tier.HEARTBEAT and (n := tracker.is_heartbeat(repeat, ids)):
        decision = Decision(Tier.HEARTBEAT, 0.9, (*decision.reasons, learned_reason(n, settings.routing.heartbeat_min_interval)))
    project = app[appkeys.PROJECTS].projects.get(project_id)
    named = project.routing_policy if project else "cost-optimized"
    policy = named if named in app[appkeys.POLICIES] else "cost-optimized"
    key = sticky.conversation_key(body, project_id) if settings.routing.sticky_seconds > 0 else None
    prefer = tuple(n for n in app[appkeys.STICKY].get(key) if local.warm(app, n)) if key is not None else ()
    cands = chain(policy, decision.tier, body, app[appkeys.REGISTRY], app[appkeys.CATALOG],
                  app[appkeys.POLICIES], settings.local, app[appkeys.COOLDOWNS],
                  fallback=app[appkeys.REGISTRY].default_model, prompt_tokens=prompt_tokens, prefer=prefer,
                  loading=local.loading(app))
    cands = local.unless_stopping(app, cands)
    note = sticky.note(cands[0].name, key) if key is not None and cands and cands[0].sticky else None
    return Plan(decision, policy, cands, key, note, repeat, ids, None if named == policy else named)


def learned_reason(n: int, gap: float) -> str:
    """Why a turn the rules did not recognise is routed as a heartbeat."""
    return f"learned heartbeat: the same turn came {n} times, at least {gap:g} s apart, each answered with a short ack"


def after_call(request: web.Request, call: Call) -> None:
    """When a routed call ends: its answer teaches the learned-heartbeat tracker (short ack or not)."""
    key = call.extra.get("repeat")
    if key is not None:
        request.app[appkeys.REPEATS].answered(key, tokens_of(call).output, call.status == 200, call.tool_calls)


def _hold(request: web.Request) -> float:
    """Seconds a routed stream's reasoning is held back before it is committed to (read live: PATCH applies)."""
    return request.app[appkeys.RUNTIME].settings.routing.reasoning_hold_seconds


def after_stream(request: web.Request, call: Call, relay: Relay) -> None:
    """A routed stream committed to while it sent only reasoning (its hold ran out) has ended: with an answer, the
    conversation stays with its model; without one, it was a degraded answer that could no longer fail over. The
    client had it as it came; the ledger records it as such (502 `degraded`) and the model cools down."""
    sticky_plan, name = call.extra.pop("sticky", (None, None))
    if not relay.reasoning_only:
        if sticky_plan is not None:
            assert call.target is not None
            _remember(request, sticky_plan, name, call.target.provider.local)
        return
    call.reason = one_line(f"{call.reason} | {name} degraded (its stream ended with reasoning only)")
    call.finish(502, "degraded")
    assert call.target is not None
    _cool(request, call.target.provider_name, call.target.label, "degraded", call.target.model)


def broke(request: web.Request, call: Call) -> None:
    """A stream failed after the client had its first byte (a dropped connection, a read timeout, an error event, a
    stream that is not one): its upstream failed the call (`call.error_type` says how). A routed one could no longer
    fail over, but its model cools down as one that fails before does, and the conversation no longer sticks to it."""
    sticky_plan, name = call.extra.pop("routed", (None, None))
    call.extra.pop("sticky", None)  # (committed on reasoning: never remembered now)
    if call.target is None:
        return
    if sticky_plan is None:  # a named model's stream: noted, no cooldown (named models are sent whatever theirs)
        request.app[appkeys.UPSTREAMS].failed(call.target.provider_name, call.error_type or "upstream_error",
                                              model=call.target.model)
        return
    _cool(request, call.target.provider_name, call.target.label, call.error_type or "upstream_error", call.target.model)
    if sticky_plan.conversation is not None:
        request.app[appkeys.STICKY].forget(sticky_plan.conversation, name)


def _cool(request: web.Request, upstream: str, label: str, kind: str | None, model: str,
          asked: float | None = None) -> None:
    """A candidate failed: it cools down (`label`: its cooldown key; `asked`: the seconds its provider asked for), and
    so does its provider as a whole when it failed so (no connection, a timeout, a dropped connection: its other
    models would be waited out the same way); and its upstream's health notes the failure when `kind` says it is one
    (`health.failure_kind`): against `model` when it is that model's, else against the upstream."""
    if kind is not None and kind in PROVIDER_FAILURES:
        request.app[appkeys.COOLDOWNS].fail_provider(upstream, label, kind)
    else:
        request.app[appkeys.COOLDOWNS].fail(label, asked, kind)
    if kind is not None:
        request.app[appkeys.UPSTREAMS].failed(upstream, kind, label, model)


def _remember(request: web.Request, plan: Plan, name: str, local: bool) -> None:
    """After a successful answer: this conversation prefers the model that gave it, among models of its kind."""
    seconds = request.app[appkeys.RUNTIME].settings.routing.sticky_seconds
    if plan.conversation is not None and seconds > 0:
        request.app[appkeys.STICKY].remember(plan.conversation, name, seconds, local)


def _abandon(request: web.Request, call: Call, why: str, status: int, code: str) -> float:
    """Failover leaves a candidate: when its upstream answered (and so billed: a degraded 200, a stream that broke
    off, a timeout or a dropped connection after it had the request), record that attempt as its own usage row with
    what it reported (else an estimate), and return its cost for the budget; then clear the call's answer so the next
    candidate starts afresh. 0.0 when the upstream did no work."""
    cost = 0.0
    if call.target is not None and (call.usage is not None or call.first_byte is not None or call.chunks
                                    or call.delivered):
        # its row carries the call's request id (its client's, sent to every candidate) and this provider's own
        attempt = attrs.evolve(call, extra={}, reason=one_line(f"{call.reason} | {why}" if call.reason else why))
        attempt.finish(status, code)
        cost = request.app[appkeys.RECORDER](attempt) or 0.0
    call.clear_answer()
    return cost


async def _target(request: web.Request, cand: Candidate, early: EarlyStream | None) -> None:
    """Start the candidate's local model if it is not running (a stream's client gets keep-alives meanwhile)."""
    if cand.local_model is not None:
        keepalive = early.keepalive(cand.local_model) if early is not None else None
        # (stopped or restarted as it loaded: the next candidate, as for a model being stopped when the call came)
        await local.start_local(request, request.app[appkeys.CATALOG].get(cand.local_model), keepalive, again=False)


async def _try_json(request: web.Request, call: Call, body: dict[str, Any]) -> web.Response:
    assert call.target is not None
    resp = await outbound.post(request, call, _body(body, call), False)
    try:
        raw = await upstream.read_answer(call.target, resp, request.app[appkeys.SETTINGS].server.max_body_bytes)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:  # 504 on a stall: the next candidate is tried
        raise upstream.read_error(call, exc) from None
    finally:
        resp.release()
    error = upstream.error_in_ok(call.target, raw)
    if error is not None:  # an error object in a 200 is an error answer: billed nothing, as in a stream (review AI)
        raise error
    call.mark_first_byte()
    try:
        parsed = jsonx.loads(raw)
        messages = [choice["message"] for choice in parsed["choices"]]  # n > 1: one per choice
        usage = parsed.get("usage")
        if not messages or not all(isinstance(msg, dict) for msg in messages):
            raise TypeError
    except (ValueError, KeyError, IndexError, TypeError, AttributeError):  # (a page: the prompt may have been read)
        raise Degraded("answer is not a chat completion", "upstream_bad_response") from None  # its bytes are no measure
    call.answer_bytes = answer_text_bytes(parsed)
    call.usage = usage if isinstance(usage, dict) else None  # billed even when the answer is abandoned below
    call.tool_calls = any(msg.get("tool_calls") or msg.get("function_call") for msg in messages)
    # text, tool calls, a refusal, audio; or an empty answer the provider ended on purpose: the client's max tokens ran
    # out (while the model reasoned) or its content filter withheld the text. That is billed, and the client can act on
    # its finish_reason (raise its cap); another candidate would bill again, and go round the filter.
    if not any(msg.get(key) for msg in messages for key in ANSWER_KEYS) and not any(
            choice.get("finish_reason") in STOP_REASONS for choice in parsed["choices"]):
        raise Degraded("empty answer (no content, no tool calls)")
    call.finish(resp.status)
    return web.Response(body=raw, status=resp.status, content_type="application/json")


async def _try_stream(request: web.Request, call: Call, body: dict[str, Any]) -> tuple[aiohttp.ClientResponse, Relay]:
    assert call.target is not None
    hold_until = asyncio.get_running_loop().time() + _hold(request)  # reasoning is held this long from the request
    resp = await outbound.post(request, call, _body(body, call), True)
    if resp.content_type != "text/event-stream":  # an error object or a page: its own words say why (502: next)
        raise await upstream.not_an_event_stream(call.target, resp)
    relay = Relay.for_call(request, call, web.StreamResponse())
    try:
        ok = await relay.prime(resp, hold_until)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:  # 504 on a stall, 502 on a drop: the next is tried
        resp.close()
        raise upstream.read_error(call, exc) from None
    except BadStream as exc:  # a payload that is not JSON, an event over the cap: nothing reached the client yet
        resp.close()
        raise Degraded(str(exc), "upstream_bad_response") from None
    except BaseException:  # cancelled while held (the client left, the shutdown cut it): the provider stops too
        resp.close()
        raise
    if not ok:
        resp.close()
        if relay.upstream_error is not None:
            raise Degraded(f"stream error: {relay.upstream_error}", "upstream_error")
        raise Degraded("stream ended without content or tool calls")
    return resp, relay


def _body(body: dict[str, Any], call: Call) -> dict[str, Any]:
    assert call.target is not None
    return upstream.upstream_body(body, call.target, call.stream)


def provider_last(queue: list[Candidate], provider: str) -> tuple[list[Candidate], list[str]]:
    """`queue` with this provider's candidates moved behind the other providers' (each group in its order), after
    the provider failed as a whole (unreachable, silent, a dropped connection): they stay as a last resort. Also
    the names of those moved, none when the order is unchanged (no other provider's candidate was left)."""
    theirs = [c for c in queue if c.upstream == provider]
    moved = [*(c for c in queue if c.upstream != provider), *theirs]
    if all(a is b for a, b in zip(moved, queue)):
        return queue, []
    return moved, [c.name for c in theirs]


def _skip(cand: Candidate) -> str:
    """A skipped candidate and why, for a reason (the `local` placeholder's reason names no model: it had none)."""
    return (cand.skipped or "") if cand.name == LOCAL else f"{cand.name}: {cand.skipped}"


async def route(request: web.Request, call: Call, body: dict[str, Any],
                early: EarlyStream | None = None) -> tuple[Any, Any]:
    """Walk the chain; return (JSON response) or (upstream stream, primed relay). Raises when all fail. `early`: a
    stream's response, which a local model that loads long enough opens (`early`), keep-alives and all."""
    p = plan(request, body, call.project, call.prompt_estimate())
    decision, policy, cands = p.decision, p.policy, p.candidates
    if p.repeat is not None:
        gap = request.app[appkeys.RUNTIME].settings.routing.heartbeat_min_interval
        request.app[appkeys.REPEATS].arrived(p.repeat, gap, p.ids)
        call.extra["repeat"] = p.repeat
    call.tier = decision.tier.value
    notes = [f"{decision.tier.value}: {'; '.join(decision.reasons)}", p.policy_note]
    if p.sticky_note:
        notes.append(p.sticky_note)
    usable = [c for c in cands if c.skipped is None]
    if usable and not usable[0].is_local and (passed := [c for c in cands if c.skipped is not None and (
            c.is_local or c.name == LOCAL)]):  # a paid model answers what the chain had a free one for: say why not
        notes.append("local skipped: " + "; ".join(_skip(c) for c in passed))  # (review AI: only explain said)
    cooldowns = request.app[appkeys.COOLDOWNS]
    if cooldowns.busy() and (cooled := [c.name for c in usable if (c.target is not None or c.local_model) and (
            cooldowns.cooling(c.label) or cooldowns.provider_cooling(c.upstream))]):
        notes.append(f"cooling down, tried last: {', '.join(cooled)}")  # (explain says for how long)
    if not usable:
        skipped = "; ".join(_skip(c) for c in cands) or (
            NO_LOCAL_MODEL if policy == "local-only" else "the policy lists no model for this tier")
        call.reason = one_line(" | ".join([*notes, f"no candidate: {skipped}"]))  # (the error's headers say it too)
        raise LarouterError(f"no model can serve tier {decision.tier.value} under policy {policy!r} ({skipped})",
                            503, "server_error", "no_candidate")
    last: LarouterError | None = None
    failures: list[str] = []
    billed_timeout = False  # a candidate had the request and timed out: it may still run it, and bill it
    queue = list(usable)  # the candidates not tried yet, in the order they will be
    local_failed: list[str] = []  # local models that failed this request (tried, or an over-budget one's downgrade)
    # (a downgrade of a later candidate to one of them is a 402; the chain's own entry for one is dropped)
    while queue:
        cand = queue.pop(0)
        downgraded = cand.label if cand.is_local else None
        call.target = None  # a candidate that fails before it has one (a local model that does not start) is its own
        call.upstream_id = None  # and before a provider answers, it has no provider's request id (not the last one's)
        name = call.tried = cand.name  # the model tried: the local one when the budget downgraded this candidate
        call.reason = one_line(" | ".join(notes))
        try:
            await _target(request, cand, early)
            call.target = chosen = cand.target or request.app[appkeys.REGISTRY].resolve(cand.name)
            reservation = await billing.admit(request, call, body, failed=local_failed)
            call.extra["reservation"] = reservation
            name = cand.name if call.target is chosen else call.target.model
            if call.target is not chosen:  # over budget: downgraded to a local model (the note stays in the reason)
                notes.append(call.extra.pop("downgrade"))
                downgraded = call.target.label
            sent, note = for_model(body, call.target.model)
            if note is not None:
                call.reason = one_line(f"{call.reason} | {note}")
            local.touch(request, call)
            result: tuple[Any, Any] = (await _try_stream(request, call, sent) if call.stream
                                       else (await _try_json(request, call, sent), None))
            if result[1] is not None:
                call.extra["routed"] = (p, name)  # a failure once the client has the stream cools it (`broke`)
            if result[1] is not None and result[1].held:  # still reasoning when its hold ran out: no failover now
                held = f"{name} still reasoning after the {_hold(request):g} s hold: committed"
                call.reason = one_line(f"{call.reason} | {held}")
                call.extra["sticky"] = (p, name)  # remembered if an answer follows (`after_stream`)
            elif result[0].status == 200:  # answered (or stream primed with content): the conversation stays here
                _remember(request, p, name, call.target.provider.local)
            return result
        except Degraded as exc:
            # (recorded by its kind: an empty answer is `degraded`, one that was none at all says what it was, as
            # for a named model: `upstream_error`, `upstream_bad_response`)
            why, status, code = f"{name} degraded ({exc})", 502, exc.kind
            last = LarouterError(f"{name}: {exc}", 502, "upstream_error", "all_candidates_failed")
            kind: str | None = exc.kind
        except LarouterError as exc:
            err = await local.explain_crash(request, call, exc)  # a local model whose llama-server died: say so
            # A candidate that refused this request (a 4xx of its own: a parameter it does not take, a prompt past
            # its context, a model the provider does not have) is passed by, like one that failed: the client named
            # no model, LARouter chose it. Such a refusal is not billed; one about the request says nothing of the
            # model's health, one about the model (`err.model_failure`) is that model's failure, and cools it.
            if (err.status not in RETRYABLE and err.type != "budget_exceeded" and not err.rejected
                    or err.code == upstream.LOCAL_LIMIT):  # (out of fds: no candidate is to blame, none would do)
                raise
            shown = err.model_failure or err.code or err.status  # (a 403 naming the model: model_forbidden, as
            shown = f"{shown}: {err.note}" if err.note else shown  # /health says it; a crash, what killed it)
            why, status, code = f"{name} failed ({shown})", err.status, err.code or err.type
            call.delivered = err.delivered
            billed_timeout = billed_timeout or (err.code == "upstream_timeout" and err.delivered)
            last, kind = err, failure_kind(err)
        where, label, model = (call.target.provider_name, call.target.label, call.target.model) if call.target else (
            cand.upstream, cand.label, cand.name)  # (a local model that did not start has no target)
        moved: list[str] = []
        if kind in PROVIDER_FAILURES:  # the provider itself failed: its other models would wait it out again
            queue, moved = provider_last(queue, where)
        again: list[str] = []
        if downgraded is not None:  # the chain's own entry for the local model that failed is not tried again
            local_failed.append(downgraded)
            again = [c.name for c in queue if c.is_local and c.label in local_failed]
            queue = [c for c in queue if not (c.is_local and c.label in local_failed)]
        notes.append(f"{why} -> next" if queue else why)
        if moved:
            notes.append(f"{where}'s other models tried last ({', '.join(moved)})")
        if again:
            notes.append(f"{', '.join(again)} not tried again (it failed above)")
        failures.append(why)
        if queue:  # the last candidate's attempt is the call's own row (its tokens, cost and reservation): see below
            cost = _abandon(request, call, why, status, code)
            billing.settle(request, call, call.extra.pop("reservation", None), cost)
        if kind is not None or (last.type != "budget_exceeded" and not last.rejected):  # (not a refused request)
            _cool(request, where, label, kind, model, wait_asked(last))
    call.reason = one_line(" | ".join(notes))
    assert last is not None
    # the last failure keeps its status and code (a 429's Retry-After, a 402); the message names every attempt. Each
    # earlier attempt the providers may have billed has its row already (`_abandon`); the last one's is the call's own
    # row, which bills what it reported (or its estimate) and settles its reservation, so each candidate tried counts
    # once. After a timeout, a client's retry would walk the chain again and have that candidate bill the request once
    # more.
    headers = {**(last.headers or {}), **upstream.NO_RETRY} if billed_timeout else last.headers
    raise attrs.evolve(last, message=f"every candidate failed ({'; '.join(failures)}); the last said: {last.message}",
                       delivered=False, headers=headers)
