"""`/v1/chat/completions` and `/v1/models`."""

from __future__ import annotations

import asyncio
from typing import Any

import aiohttp
import attrs
from aiohttp import web

from larouter import appkeys, jsonx
from larouter.errors import LarouterError, no_such_endpoint, not_found, request_id_for, without_tokens
from larouter.models.catalog import CatalogModel
from larouter.models.supervisor import provider_name
from larouter.projects.budget import Reservation
from larouter.auth import principal
from larouter.proxy import billing, local, outbound, routed, upstream
from larouter.proxy.accesslog import log_call
from larouter.proxy.answer_headers import UPSTREAM_ID
from larouter.proxy.call import Call, header_safe
from larouter.proxy.early import EarlyStream
from larouter.proxy.estimate import answer_text_bytes, inline_media, prompt_bytes
from larouter.proxy.registry import AUTO, model_entry
from larouter.proxy.sse import SSE_HEADERS, BadStream, ClientGone, Relay, UpstreamErrorEvent
from larouter.proxy.upstream import describe_stream_error, upstream_body
from larouter.proxy.validate import check_model_name, parse_json_object, validate_chat
from larouter.reqbody import read_body
from larouter.routing.health import failure_kind
from larouter.usage.money import usd_text


def decision_headers(call: Call) -> dict[str, str]:
    """Response headers explaining where the call went."""
    assert call.target is not None
    headers = {"x-larouter-model": call.target.model, "x-larouter-provider": call.target.provider_name,
               "x-request-id": call.id}
    if call.tier:
        headers["x-larouter-tier"] = call.tier
    if call.reason:
        headers["x-larouter-reason"] = header_safe(call.reason)  # ASCII: the words are in the ledger
    if call.budget_remaining is not None:
        headers["x-larouter-budget-remaining"] = usd_text(call.budget_remaining)
    if call.upstream_id is not None:
        headers[UPSTREAM_ID] = call.upstream_id
    if call.upstream_headers:
        headers.update(call.upstream_headers)  # the provider's rate limits (`outbound`)
    return headers


def error_headers(call: Call, named: tuple[str, str | None] | None = None) -> dict[str, str]:
    """Headers of an error answer: the call's id; the model (and provider) whose error it is, once known: a named
    model's target, or under `auto` the last candidate tried, or `named` (`local.named_place`: where a named model
    that had no target yet goes); and for `auto` its tier and reason (which, when every candidate failed, lists each
    one's failure)."""
    headers = {"x-request-id": call.id}
    if call.tier:
        headers["x-larouter-tier"] = call.tier
    if call.target is not None:  # named as an answer's headers name it
        headers["x-larouter-model"] = call.target.model
        headers["x-larouter-provider"] = call.target.provider_name
    elif call.tried:  # a local model that did not start: it had no provider
        headers["x-larouter-model"] = call.tried
    elif named is not None:  # refused before it had a target: no key, a local model not downloaded or not running
        headers["x-larouter-model"] = named[0]
        if named[1] is not None:
            headers["x-larouter-provider"] = named[1]
    if call.reason:
        headers["x-larouter-reason"] = header_safe(call.reason)  # ASCII: the words are in the ledger
    return headers


async def chat_completions(request: web.Request) -> web.StreamResponse:
    """Proxy one chat completion, streaming or not, and record it."""
    raw = await read_body(request)
    body = parse_json_object(raw, check_depth=False)  # (its depth is checked as it is sent: `upstream.send`)
    validate_chat(body)
    stream = bool(body.get("stream"))
    call = Call(requested_model=without_tokens(body["model"]), stream=stream, request_bytes=prompt_bytes(raw, body),
                media=inline_media(body), project=principal(request).project_id,
                id=request_id_for(request))
    request.app[appkeys.LEDGER].begin(call)  # in flight until recorded (a hard kill then leaves it to the next start)
    call.client_wants_usage = bool((body.get("stream_options") or {}).get("include_usage"))
    call.choices = body.get("n") or 1  # validated: a positive int
    cap = billing.requested_output(body)
    if cap:  # validated: positive ints, the larger if both; an estimate of the answer's tokens never exceeds it
        call.output_cap = cap * call.choices
    reservation = pending = None
    try:
        if body["model"] == AUTO:
            return await _auto(request, call, body)  # (its candidate's reservation is settled below)
        pending = local.pending_local(request, body["model"])
        call.tried = pending.id if pending is not None else None  # (its error names it, started or not)
        local.refuse_unfit(body, pending)
        if pending is not None and not stream:
            await local.start_local(request, pending)
        if pending is None or not stream:
            call.target = request.app[appkeys.REGISTRY].resolve(body["model"])
            local.refuse_unfit(body, call.target)
            reservation = await billing.admit(request, call, body, routed=False)
            local.touch(request, call)
        if stream:
            return await _stream(request, call, body, pending)
        return await _json(request, call, body)
    except LarouterError as err:
        if body["model"] != AUTO:  # (`auto` explains each candidate's failure as it moves on: routed.py)
            err = await local.explain_crash(request, call, err)
        call.delivered = call.delivered or err.delivered
        call.finish(err.status, err.code or err.type)
        if body["model"] != AUTO:  # (`auto` notes each candidate's failure as it moves on: routed.py)
            _failed(request, call, err, pending)
        named = local.named_place(request.app, body["model"]) if body["model"] != AUTO else None
        headers = {**(err.headers or {}), **error_headers(call, named)}
        if call.upstream_id is not None:  # the provider answered, then its answer failed (the error names its own)
            headers.setdefault(UPSTREAM_ID, call.upstream_id)
        call.upstream_id = headers.get(UPSTREAM_ID)  # the row names the provider's id the error carries
        raise attrs.evolve(err, headers=headers) from None
    except asyncio.CancelledError:
        drain = request.app[appkeys.DRAIN]
        if not drain.cut_short():
            if call.ended is None:  # (a stream its provider failed is that failure, though its client left then)
                call.finish(499, "client_disconnected")
            raise
        err = drain.error()  # cut by the shutdown before the answer began: a 503 saying so
        call.finish(err.status, err.code)
        named = local.named_place(request.app, body["model"]) if body["model"] != AUTO else None
        raise attrs.evolve(err, headers=error_headers(call, named)) from None
    finally:
        local.release(call)  # the answer is complete (or failed): its local model may idle from now on
        if reservation is None:  # an `auto` call: its candidate's reservation
            reservation = call.extra.pop("reservation", None)
        if call.stream or call.status != 200:
            _book(request, call, reservation)
        else:  # a JSON answer is sent once this handler returns: book it right after, not in the client's wait
            asyncio.get_running_loop().call_soon(_book, request, call, reservation)


async def _auto(request: web.Request, call: Call, body: dict[str, Any]) -> web.StreamResponse:
    """`auto`: walk the chain; then the JSON answer, or the primed stream relayed (to the response a local candidate
    opened while it loaded, if one did: `early`, whose failures end it with an error event)."""
    early = EarlyStream(request, call) if call.stream else None
    try:
        result, relay = await routed.route(request, call, body, early)
    except (LarouterError, ConnectionError, asyncio.CancelledError) as exc:
        if early is None or early.client is None:  # no response began: the caller's usual error answer
            raise
        return await early.fail(exc)
    if relay is None:
        result.headers.update(decision_headers(call))
        return result
    if early is not None and early.client is not None:
        early.hand_over(relay, decision_headers(call))
    else:
        relay.client = web.StreamResponse(status=200, headers={**SSE_HEADERS, **decision_headers(call)})
    return await _relay(request, call, result, relay)


def _failed(request: web.Request, call: Call, err: LarouterError, model: CatalogModel | None) -> None:
    """A named model's call failed: its upstream's health notes it, when the failure is the upstream's or its model's
    (`model`: the local model the call started, which has no target when it did not start)."""
    kind = failure_kind(err)
    name = call.target.provider_name if call.target is not None else provider_name(model.id) if model else None
    if kind is not None and name is not None:
        request.app[appkeys.UPSTREAMS].failed(name, kind, model=call.target.model if call.target is not None else None)


def _book(request: web.Request, call: Call, reservation: Reservation | None) -> None:
    """Record a finished call: learned heartbeats, its upstream's health when it answered, the ledger row (which
    prices it), budget, access line."""
    routed.after_call(request, call)  # learned heartbeats: no-op unless the call was routed
    if call.status == 200 and call.target is not None:  # (failures are noted where they happen)
        request.app[appkeys.UPSTREAMS].ok(call.target.provider_name, call.target.model)
        request.app[appkeys.COOLDOWNS].succeeded(call.target.label, call.target.provider_name)
    cost = request.app[appkeys.RECORDER](call)  # priced once, by the ledger; budgets and the access log reuse it
    billing.settle(request, call, reservation, cost)
    log_call(call, cost)


async def _json(request: web.Request, call: Call, body: dict[str, Any]) -> web.Response:
    assert call.target is not None
    resp = await outbound.post(request, call, upstream_body(body, call.target, False), False)
    try:
        raw = await upstream.read_answer(call.target, resp, request.app[appkeys.SETTINGS].server.max_body_bytes)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        raise upstream.read_error(call, exc) from None
    finally:
        resp.release()
    error = upstream.error_in_ok(call.target, raw)
    if error is not None:
        raise error
    call.mark_first_byte()
    try:
        parsed = jsonx.loads(raw)
        call.usage = parsed.get("usage") if isinstance(parsed.get("usage"), dict) else None
    except (ValueError, AttributeError):  # a page or an event stream: its bytes are no measure of tokens generated
        raise LarouterError(
            f"provider {call.target.provider_name!r} returned a body that is not JSON", 502, "upstream_error", "upstream_bad_response"
        ) from None
    call.answer_bytes = answer_text_bytes(parsed)
    call.finish(resp.status)
    headers = decision_headers(call)
    return web.Response(body=raw, status=resp.status, content_type="application/json", headers=headers)


async def _send_after_start(request: web.Request, call: Call, body: dict[str, Any], model: CatalogModel) -> tuple[web.StreamResponse, Relay, Any]:
    """Open the SSE response early, keep it alive with comments while the local model loads, then send."""
    # The headers go out before the model runs: the ones the normal stream path sends, from what the start will give.
    headers = {"x-larouter-model": model.id, "x-larouter-provider": provider_name(model.id), "x-request-id": call.id}
    client = web.StreamResponse(status=200, headers={**SSE_HEADERS, **headers})
    relay = Relay.for_call(request, call, client)
    await client.prepare(request)
    try:
        await local.start_local(request, model, lambda: client.write(f": starting {model.id}\n\n".encode()))
        call.target = request.app[appkeys.REGISTRY].resolve(model.id)
        local.touch(request, call)
        resp = await outbound.post(request, call, upstream_body(body, call.target, True), True)
    except LarouterError as err:
        err = await local.explain_crash(request, call, err)
        _failed(request, call, err, model)
        await relay.fail(err.message, err.code or "upstream_error",  # (LARouter's own: a crash, a start that failed)
                         "server_error" if err.type == "server_error" else "upstream_error")
        call.delivered = err.delivered
        call.finish(err.status, err.code)
        return client, relay, None
    except ConnectionError:  # the client left while the model was loading
        call.finish(499, "client_disconnected")
        return client, relay, None
    except asyncio.CancelledError:
        if not await _cut(request, call, relay):
            raise
        return client, relay, None
    return client, relay, resp


async def _stream(request: web.Request, call: Call, body: dict[str, Any], pending: CatalogModel | None) -> web.StreamResponse:
    if pending is not None:
        client, relay, resp = await _send_after_start(request, call, body, pending)
        if resp is None:
            return client
    else:
        assert call.target is not None
        resp = await outbound.post(request, call, upstream_body(body, call.target, True), True)
        if resp.content_type != "text/event-stream":
            raise await upstream.not_an_event_stream(call.target, resp)
        relay = Relay.for_call(request, call, web.StreamResponse(status=200, headers={**SSE_HEADERS,
                                                                                      **decision_headers(call)}))
        await _first_byte(call, resp, relay)
    assert call.target is not None
    return await _relay(request, call, resp, relay)


async def _first_byte(call: Call, resp: Any, relay: Relay) -> None:
    """A named stream's response goes out with the provider's first byte, not before (a healthy provider sends it at
    once): one that sends nothing for its read timeout gets the 504 a JSON call gets, `x-should-retry: false` and all;
    one that drops the connection first, a 502."""
    assert call.target is not None
    try:
        await relay.first(resp)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        resp.close()
        raise upstream.read_error(call, exc, started=False) from None
    except BadStream as exc:
        resp.close()
        raise LarouterError(f"provider {call.target.provider_name!r} {exc}", 502, "upstream_error",
                            "upstream_bad_response", delivered=True) from None
    except BaseException:  # cancelled: the client left, or the shutdown cut it
        resp.close()
        raise


async def _relay(request: web.Request, call: Call, resp: Any, relay: Relay) -> web.StreamResponse:
    """Stream upstream to the client; an upstream failure mid-way becomes one SSE error event."""
    assert call.target is not None
    client = relay.client
    try:
        if not client.prepared:
            try:
                await client.prepare(request)
            except ConnectionError as exc:  # the client left before the headers went out
                raise ClientGone() from exc
        await relay.run(resp)
        call.finish(200)
        if relay.held:  # a routed stream committed to while it sent only reasoning: did an answer follow?
            routed.after_stream(request, call, relay)
        resp.release()  # clean end: the connection goes back to the pool
    except (ClientGone, UpstreamErrorEvent):
        if relay.upstream_error is None:
            call.finish(499, "client_disconnected")
        else:
            _error_event(request, call, relay)
    except BadStream as exc:  # what came before it was relayed; the rest is not read
        msg = f"provider {call.target.provider_name!r} {exc}"
        call.log.warning("%s", msg)
        await relay.fail(msg, "upstream_bad_response")
        call.finish(502, "upstream_bad_response")
        routed.broke(request, call)
    except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
        msg, code = describe_stream_error(exc, call.target, call.first_byte is not None)
        call.log.warning("%s (%s: %s)", msg, type(exc).__name__, upstream.redact(str(exc), call.target.provider.api_key))
        crash = await local.crash_of(request, call) if code in local.BROKEN_CONNECTION else None
        if crash is not None:  # its llama-server died under it: say that, not how the connection broke
            msg, code = crash.message, crash.code
        await relay.fail(msg, code, "server_error" if crash else "upstream_error")
        call.finish(503 if crash else 502, code)
        routed.broke(request, call)
    except asyncio.CancelledError:
        if not await _cut(request, call, relay):
            if relay.upstream_error is not None:
                _error_event(request, call, relay)
            raise
    finally:
        resp.close()  # no-op after release; otherwise tears the connection down so the provider stops
    return client


def _error_event(request: web.Request, call: Call, relay: Relay) -> None:
    """The provider sent an error event mid-stream (relayed as it sent it): the call failed, its model's health notes
    it; whether the client then stayed to the end or hung up, as the SDKs do once they raise on it (a 499 then was
    the client's, though the call had failed: review AI)."""
    assert call.target is not None
    call.log.warning("provider %r sent an error event mid-stream: %s", call.target.provider_name, relay.upstream_error)
    call.finish(502, "upstream_error")
    routed.broke(request, call)


async def _cut(request: web.Request, call: Call, relay: Relay) -> bool:
    """A stream the shutdown cut (its grace ran out) ends with one SSE error event saying so, like any other failure
    mid-stream, and its call is recorded as such (503 `server_shutdown`, with what was streamed); False when the
    cancellation is not the shutdown's (the client left): the caller re-raises."""
    drain = request.app[appkeys.DRAIN]
    if not drain.cut_short():
        return False
    err = drain.error()
    if not relay.client.prepared:  # no answer began: a plain 503 (the handler's error path records it)
        raise err
    await relay.fail(err.message, err.code or err.type, err.type)
    call.finish(err.status, err.code)
    return True


async def _stopped_local(app: web.Application, listed: set[str]) -> list[dict[str, Any]]:
    """Entries of the downloaded local models that are not running (a request would start them)."""
    catalog = app[appkeys.CATALOG]
    stopped = await asyncio.to_thread(
        lambda: [m.id for m in catalog.all() if m.id not in listed and catalog.downloaded(m) is not None])
    autostart = app[appkeys.RUNTIME].settings.local.autostart
    return [{"id": model_id, "object": "model", "created": 0, "owned_by": f"local:{model_id}",
             "available": autostart, "local": True} for model_id in stopped]


async def list_models(request: web.Request) -> web.Response:
    """OpenAI list of models: `auto`, every provider's, the running local models and the downloaded ones that a
    request would start (available while local.autostart is on)."""
    data = await _listing(request.app)
    return web.json_response({"object": "list", "data": data}, headers={"x-request-id": request_id_for(request)})


async def _listing(app: web.Application) -> list[dict[str, Any]]:
    """Every `/v1/models` entry; `auto` is available when some listed model is (a key, a local server, or a
    downloaded model autostart would start): which one serves depends on the request's tier and project's policy."""
    data = app[appkeys.REGISTRY].listing()
    data += await _stopped_local(app, {entry["id"] for entry in data})
    data[0]["available"] = any(entry["available"] for entry in data[1:])  # data[0] is auto
    return data


async def get_model(request: web.Request) -> web.Response:
    """OpenAI model object for one id: the entry `GET /v1/models` lists for it, else 404."""
    model_id = request.match_info["id"]
    if model_id.rstrip("/") not in ("", model_id):  # `ID/`, or `ID%2F` as the SDK sends it: the hint any path gets
        raise not_found(no_such_endpoint(request, "/v1/models/" + model_id.rstrip("/")))
    check_model_name(model_id)
    for entry in await _listing(request.app):
        if entry["id"] == model_id:
            return web.json_response(entry, headers={"x-request-id": request_id_for(request)})
    target = request.app[appkeys.REGISTRY].lookup(model_id) if "/" in model_id else None
    if target is not None:  # `provider/model`, which a chat request may name (sent to that provider as it is)
        return web.json_response(model_entry(model_id, target), headers={"x-request-id": request_id_for(request)})
    raise not_found(f"model {model_id!r} does not exist here; GET /v1/models lists the models LARouter serves",
                    "model_not_found", "model")


def routes() -> list[web.RouteDef]:
    """Proxy routes (a model id may contain `/`, as in `meta-llama/llama-x`)."""
    return [web.post("/v1/chat/completions", chat_completions), web.get("/v1/models", list_models),
            web.get(r"/v1/models/{id:[\s\S]+}", get_model)]
