"""More of the fake provider's behaviours (`fake_openai` answers every request through `answer` first).

  fake-late        answers after LATE seconds, longer than the test config's read_timeout (2 s): not streamed,
                   nothing at all until then; streamed, its headers at once and its first event then (any model
                   whose last message contains LATE_MARK answers so)
  fake-content-error  streams some content, then an error event (a failure after the answer began), then ends
  fake-429-ms      answers 429 with `retry-after-ms: 7000` (and no Retry-After)
  fake-429-date    answers 429 with a Retry-After that is an HTTP-date 7 s from now
  fake-key-error   streams its role chunk, then an error event quoting the key it was sent (`Bearer sk-...`)
  fake-key-error-late  the same after one content chunk (mid-stream)
  fake-strict      refuses `stream_options` with a 422, as strict servers do (`fake_strict`)
  fake-404         answers 404 `model_not_found`, as OpenAI does for a model it does not have
  fake-400-model   answers 400 `invalid_model` (param `model`), as some OpenAI-compatible providers do
  fake-403-region  answers 403 for the account's region, naming no model (OpenAI's unsupported_country_region_territory)
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
MODELS = ("fake-late", "fake-content-error", "fake-429-ms", "fake-429-date", "fake-404", "fake-400-model",
          "fake-403-region")
REFUSALS = {  # model -> (status, error): refusals about the model (404, 400) and about the account (403)
    "fake-404": (404, {"message": "The model `fake-404` does not exist or you do not have access to it.",
                       "type": "invalid_request_error", "param": None, "code": "model_not_found"}),
    "fake-400-model": (400, {"message": "Invalid model name passed", "type": "invalid_request_error",
                             "param": "model", "code": "invalid_model"}),
    "fake-403-region": (403, {"message": "Country, region, or territory not supported", "type": "request_forbidden",
                              "param": None, "code": "unsupported_country_region_territory"}),
}
KEY_ERRORS = ("fake-key-error", "fake-key-error-late")
NO_STOP = re.compile(r"o3|o4-mini")
RATE_LIMITED = {"message": "Rate limit reached, try again in 7s", "type": "requests", "code": "rate_limit_exceeded"}


async def answer(request: web.Request, body: dict[str, Any]) -> web.StreamResponse | None:
    """This module's answer to the request, or None when the usual fake answers it."""
    from tests.support.fake_openai import _chunk, _completion

    model = str(body.get("model"))
    if model in fake_strict.MODELS and (refused := fake_strict.refusal(body)) is not None:
        return refused
    if model in KEY_ERRORS and body.get("stream"):
        return await _key_error(request, body)
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
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await resp.prepare(request)
    if late:
        await asyncio.sleep(LATE)
    await resp.write(_chunk(body, {"role": "assistant", "content": "partial "}))
    if model == "fake-content-error":
        await resp.write(b'data: {"error": {"message": "upstream exploded", "type": "server_error"}}\n\n')
        return resp
    await resp.write(_chunk(body, {"content": "answer"}, "stop") + b"data: [DONE]\n\n")
    return resp


async def _key_error(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """A stream whose error event quotes the key the request carried (after one content chunk for the late one)."""
    from tests.support.fake_openai import _chunk

    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream"})
    await resp.prepare(request)
    await resp.write(_chunk(body, {"role": "assistant", "content": ""}))
    if body["model"] == "fake-key-error-late":
        await resp.write(_chunk(body, {"content": "partial "}))
    quoted = json.dumps(f"quota for key {request.headers.get('Authorization', '')} exhausted")
    await resp.write(b'data: {"error": {"message": ' + quoted.encode() + b', "type": "insufficient_quota"}}\n\n')
    return resp
