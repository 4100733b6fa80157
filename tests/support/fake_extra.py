"""More of the fake provider's behaviours (`fake_openai` answers every request through `answer` first).

  fake-late        answers after LATE seconds, longer than the test config's read_timeout (2 s): not streamed,
                   nothing at all until then; streamed, its headers at once and its first event then (any model
                   whose last message contains LATE_MARK answers so)
  fake-content-error  streams some content, then an error event (a failure after the answer began), then ends
  fake-content-error-done  the same, then [DONE] 0.5 s later (an SDK has hung up by then: it raised on the error)
  fake-429-ms      answers 429 with `retry-after-ms: 7000` (and no Retry-After)
  fake-429-date    answers 429 with a Retry-After that is an HTTP-date 7 s from now
  fake-key-error   streams its role chunk, then an error event quoting the key it was sent (`Bearer sk-...`)
  fake-key-error-late  the same after one content chunk (mid-stream)
  fake-no-usage    reports no usage, streamed or not (not even when asked): reasoning text, then a text of 4,000
                   characters (one event when streamed) or, when tools are offered, a tool call whose arguments
                   stream in pieces of 7 characters (`no_usage_message`)
  fake-usage-on-finish  streams its usage (when asked) on its finish event, beside `choices`, as several
                   OpenAI-compatible servers do, and sends no usage chunk of its own (streams only)
  fake-strict      refuses `stream_options` with a 422, as strict servers do (`fake_strict`)
  fake-404         answers 404 `model_not_found`, as OpenAI does for a model it does not have
  fake-400-model   answers 400 `invalid_model` (param `model`), as some OpenAI-compatible providers do
  fake-403-region  answers 403 for the account's region, naming no model (OpenAI's unsupported_country_region_territory)
  fake-filtered-400  answers 400 `content_filter`, as Azure OpenAI does for a prompt its filter refuses
  fake-flagged-403  answers 403 "... Your input was flagged ...", naming the model, as OpenRouter's moderation does
  fake-bearer-400  answers 400 quoting the placeholder `'Bearer <token>'` and a bearer token (a JWT) it was not sent
OpenAI's o3 and o4-mini answer 400 to `stop`, as OpenAI documents ("not supported with o3 and o4-mini").
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import re
import time
from typing import Any

from aiohttp import web

from tests.support import fake_strict

LATE, LATE_MARK = 3.0, "[late]"
MODELS = ("fake-late", "fake-no-usage", "fake-usage-on-finish", "fake-content-error", "fake-content-error-done", "fake-429-ms", "fake-429-date", "fake-404", "fake-400-model",
          "fake-403-region", "fake-filtered-400", "fake-flagged-403")
REFUSALS = {  # model -> (status, error): refusals about the model (404, 400) and about the account (403)
    "fake-404": (404, {"message": "The model `fake-404` does not exist or you do not have access to it.",
                       "type": "invalid_request_error", "param": None, "code": "model_not_found"}),
    "fake-400-model": (400, {"message": "Invalid model name passed", "type": "invalid_request_error",
                             "param": "model", "code": "invalid_model"}),
    "fake-403-region": (403, {"message": "Country, region, or territory not supported", "type": "request_forbidden",
                              "param": None, "code": "unsupported_country_region_territory"}),
    "fake-filtered-400": (400, {"message": "The response was filtered due to the prompt triggering the content "
                                "management policy.", "type": None, "param": "prompt", "code": "content_filter"}),
    "fake-flagged-403": (403, {"message": "fake-flagged-403 requires moderation on OpenAI. Your input was flagged for "
                               "\"violence\".", "code": 403}),
    "fake-bearer-400": (400, {"message": "Authorization header is malformed: expected 'Bearer <token>', got 'Bearer "
                              "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiI0MiJ9.Xq3_vT9-kL0'.", "type": "invalid_request_error"}),
}
KEY_ERRORS = ("fake-key-error", "fake-key-error-late")
NO_STOP = re.compile(r"o3|o4-mini")
RATE_LIMITED = {"message": "Rate limit reached, try again in 7s", "type": "requests", "code": "rate_limit_exceeded"}


async def event_stream(request: web.Request) -> web.StreamResponse:
    """An event stream's response to `request`, its headers sent."""
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await resp.prepare(request)
    return resp


async def answer(request: web.Request, body: dict[str, Any]) -> web.StreamResponse | None:
    """This module's answer to the request, or None when the usual fake answers it."""
    from tests.support.fake_openai import _chunk, _completion

    model = str(body.get("model"))
    if model in fake_strict.MODELS and (refused := fake_strict.refusal(body)) is not None:
        return refused
    if model in KEY_ERRORS and body.get("stream"):
        return await _key_error(request, body)
    if model == "fake-no-usage":
        return await _no_usage(request, body)
    if model == "fake-usage-on-finish" and body.get("stream"):
        return await _usage_on_finish(request, body)
    if NO_STOP.fullmatch(model) and "stop" in body:
        error = {"message": "Unsupported parameter: 'stop' is not supported with this model.",
                 "type": "invalid_request_error", "param": "stop", "code": "unsupported_parameter"}
        return web.json_response({"error": error}, status=400)
    if model in REFUSALS:
        status, error = REFUSALS[model]
        return web.json_response({"error": error}, status=status)
    if model == "fake-429-ms":
        return web.json_response({"error": RATE_LIMITED}, status=429, headers={"retry-after-ms": "7000"})
    if model == "fake-429-date":
        when = email.utils.formatdate(time.time() + 7, usegmt=True)
        return web.json_response({"error": RATE_LIMITED}, status=429, headers={"Retry-After": when})
    late = model == "fake-late" or LATE_MARK in str(body["messages"][-1].get("content"))
    if late and not body.get("stream"):
        await asyncio.sleep(LATE)
        return web.json_response(_completion(body))
    if model not in MODELS and not late:
        return None
    resp = await event_stream(request)
    if late:
        await asyncio.sleep(LATE)
    await resp.write(_chunk(body, {"role": "assistant", "content": "partial "}))
    if model in ("fake-content-error", "fake-content-error-done"):
        await resp.write(b'data: {"error": {"message": "upstream exploded", "type": "server_error"}}\n\n')
        if model == "fake-content-error-done":
            await asyncio.sleep(0.5)
            await resp.write(b"data: [DONE]\n\n")
        return resp
    await resp.write(_chunk(body, {"content": "answer"}, "stop") + b"data: [DONE]\n\n")
    return resp


async def _key_error(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """A stream whose error event quotes the key the request carried (after one content chunk for the late one)."""
    from tests.support.fake_openai import _chunk

    resp = await event_stream(request)
    await resp.write(_chunk(body, {"role": "assistant", "content": ""}))
    if body["model"] == "fake-key-error-late":
        await resp.write(_chunk(body, {"content": "partial "}))
    quoted = json.dumps(f"quota for key {request.headers.get('Authorization', '')} exhausted")
    await resp.write(b'data: {"error": {"message": ' + quoted.encode() + b', "type": "insufficient_quota"}}\n\n')
    return resp


NO_USAGE_REASONING = 'Weighing "both" options:\nünïcödé, 中文. '


def no_usage_message(body: dict[str, Any]) -> dict[str, Any]:
    """fake-no-usage's answer: reasoning, then 4,000 characters of text or (tools offered) a call of the first tool
    with arguments that JSON escapes (quotes, line breaks, accents)."""
    msg: dict[str, Any] = {"role": "assistant", "content": "x" * 4000, "reasoning_content": NO_USAGE_REASONING}
    if body.get("tools"):
        args = json.dumps({"city": "Paris, Île-de-France", "note": 'say "hi"\n' * 20}, ensure_ascii=False)
        function = {"name": body["tools"][0]["function"]["name"], "arguments": args}
        msg.update(content=None, tool_calls=[{"id": "call_1", "type": "function", "function": function}])
    return msg


async def _no_usage(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """fake-no-usage: its answer with no usage, as JSON or as a stream."""
    from tests.support.fake_openai import _chunk, _completion

    msg = no_usage_message(body)
    finish = "tool_calls" if msg.get("tool_calls") else "stop"
    if not body.get("stream"):
        answer = _completion(body)
        del answer["usage"]
        answer["choices"][0].update(message=msg, finish_reason=finish)
        return web.json_response(answer)
    events = [_chunk(body, {"role": "assistant", "content": ""}),
              _chunk(body, {"reasoning_content": msg["reasoning_content"]})]
    if msg.get("tool_calls"):
        function = msg["tool_calls"][0]["function"]
        start = {"index": 0, "id": "call_1", "type": "function", "function": {**function, "arguments": ""}}
        events.append(_chunk(body, {"tool_calls": [start]}))
        args = function["arguments"]
        events += [_chunk(body, {"tool_calls": [{"index": 0, "function": {"arguments": args[i:i + 7]}}]})
                   for i in range(0, len(args), 7)]
    else:
        events.append(_chunk(body, {"content": msg["content"]}))
    resp = await event_stream(request)
    for event in [*events, _chunk(body, {}, finish), b"data: [DONE]\n\n"]:
        await resp.write(event)
    return resp


async def _usage_on_finish(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """fake-usage-on-finish: two content events, then the finish event with the usage (when asked), then [DONE]."""
    from tests.support.fake_openai import _chunk, _usage

    resp = await event_stream(request)
    for word in ("echo ", "done"):
        await resp.write(_chunk(body, {"content": word}))
    finish = json.loads(_chunk(body, {}, "stop").removeprefix(b"data: "))
    if (body.get("stream_options") or {}).get("include_usage"):
        finish["usage"] = _usage(body)
    await resp.write(b"data: " + json.dumps(finish).encode() + b"\n\ndata: [DONE]\n\n")
    return resp
