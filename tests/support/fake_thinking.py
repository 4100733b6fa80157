"""The fake provider's reasoning models: streams that think for a while before answering, or instead of it.

  fake-think       streams its role chunk, then a `reasoning_content` delta every STEP seconds until the test opens
                   `FakeState.gate` (at most GATE_SECONDS; `FakeState.gated` records whether it was opened), then
                   its answer (the echo), finish_reason "stop", usage and [DONE]
  fake-think-only  streams reasoning deltas for THINK_SECONDS, then finish_reason "stop", usage and [DONE]: no answer
"""

from __future__ import annotations

import asyncio
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
    while loop.time() < until and not (body["model"] == "fake-think" and state.gate.is_set()):
        await resp.write(_chunk(body, {"reasoning_content": f"thought {step}. "}))
        step += 1
        await asyncio.sleep(STEP)
    if body["model"] == "fake-think":
        state.gated.append(state.gate.is_set())
        for word in f"echo: {body['messages'][-1]['content']}".split(" "):
            await resp.write(_chunk(body, {"content": word + " "}))
    await resp.write(_chunk(body, {}, "stop"))
    if (body.get("stream_options") or {}).get("include_usage"):
        await resp.write(_usage_chunk(body))
    await resp.write(b"data: [DONE]\n\n")
    return resp
