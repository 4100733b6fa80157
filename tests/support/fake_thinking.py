"""The fake provider's reasoning models: streams that think for a while before answering, or instead of it.

  fake-think       streams its role chunk, then a `reasoning_content` delta every STEP seconds until the test opens
                   `FakeState.gate` (at most GATE_SECONDS; `FakeState.gated` records whether it was opened), then
                   its answer (the echo), finish_reason "stop", usage and [DONE]; a call dropped while it thinks is
                   recorded in `FakeState.disconnects`
  fake-think-only  streams reasoning deltas for THINK_SECONDS, then finish_reason "stop", usage and [DONE]: no answer

And OpenAI's 400s for its reasoning models' and other models' settings sent to the wrong kind (`reasoning_refusal`).
"""

from __future__ import annotations

import asyncio
import re
from typing import Any

from aiohttp import web

from tests.support.fake_extra import event_stream

MODELS = ("fake-think", "fake-think-only")
STEP = 0.05
GATE_SECONDS = 10.0
THINK_SECONDS = 0.3


async def think(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """Answer a stream request for one of MODELS (a request that is not a stream gets reasoning only)."""
    from tests.support.fake_openai import STATE, _chunk, _usage_chunk

    if not body.get("stream"):
        return web.json_response({"error": {"message": "fake-think streams only"}}, status=400)
    state = request.app[STATE]
    resp = await event_stream(request)
    await resp.write(_chunk(body, {"role": "assistant", "content": ""}))
    loop = asyncio.get_running_loop()
    until = loop.time() + (GATE_SECONDS if body["model"] == "fake-think" else THINK_SECONDS)
    step = 0
    try:
        while loop.time() < until and not (body["model"] == "fake-think" and state.gate.is_set()):
            await resp.write(_chunk(body, {"reasoning_content": f"thought {step}. "}))
            step += 1
            await asyncio.sleep(STEP)
    except (ConnectionError, asyncio.CancelledError):
        state.disconnects.append(body["model"])  # (LARouter dropped the call while it thought)
        raise
    if body["model"] == "fake-think":
        state.gated.append(state.gate.is_set())
        for word in f"echo: {body['messages'][-1]['content']}".split(" "):
            await resp.write(_chunk(body, {"content": word + " "}))
    await resp.write(_chunk(body, {}, "stop"))
    if (body.get("stream_options") or {}).get("include_usage"):
        await resp.write(_usage_chunk(body))
    await resp.write(b"data: [DONE]\n\n")
    return resp


REASONING_MODEL = re.compile(r"o[1-9](?:-mini|-pro)?|gpt-5(?:\.\d+)?(?:-mini|-nano|-pro)?")


def reasoning_refusal(body: dict[str, Any]) -> dict[str, Any] | None:
    """OpenAI's 400 for a reasoning model (o-series, gpt-5) sent `max_tokens` or a temperature other than 1."""
    if not REASONING_MODEL.fullmatch(str(body.get("model"))):
        return non_reasoning_refusal(body)
    if "max_tokens" in body:
        return {"message": "Unsupported parameter: 'max_tokens' is not supported with this model. Use "
                           "'max_completion_tokens' instead.", "type": "invalid_request_error", "param": "max_tokens",
                "code": "unsupported_parameter"}
    if body.get("temperature", 1) != 1:
        return {"message": "Unsupported value: 'temperature' does not support 0.7 with this model. Only the default "
                           "(1) value is supported.", "type": "invalid_request_error", "param": "temperature",
                "code": "unsupported_value"}
    return None


def non_reasoning_refusal(body: dict[str, Any]) -> dict[str, Any] | None:
    """OpenAI's 400 for one of its other models (gpt-4o, gpt-4.1, ...) sent a reasoning model's own settings."""
    if not str(body.get("model")).startswith("gpt-"):
        return None
    if "reasoning_effort" in body:
        return {"message": "Unsupported parameter: 'reasoning_effort' is not supported with this model.",
                "type": "invalid_request_error", "param": "reasoning_effort", "code": "unsupported_parameter"}
    if body.get("verbosity", "medium") != "medium":
        return {"message": f"Unsupported value: 'verbosity' does not support {body['verbosity']!r} with this model. "
                           "Supported values are: 'medium'.", "type": "invalid_request_error", "param": "verbosity",
                "code": "unsupported_value"}
    return None
