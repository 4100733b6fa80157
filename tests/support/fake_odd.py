"""The fake provider's streams that break the event-stream conventions in one way each (`fake_openai`'s docstring
says how): one giant event, a malformed event, named events, no [DONE], no finish_reason, a body kept open after
[DONE], a tool call then an error, a second choice cut."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

MODELS = ("fake-big-event", "fake-malformed", "fake-event-names", "fake-no-done", "fake-no-finish",
               "fake-tool-error", "fake-open-after-done", "fake-drop-after-done", "fake-multiline-data",
          "fake-done-early", "fake-malformed-key", "fake-n-cut", "fake-n-done-early")


async def stream(resp: web.StreamResponse, body: dict[str, Any], request: web.Request) -> web.StreamResponse:
    """The stream of one of MODELS (see `fake_openai`'s docstring)."""
    from tests.support.fake_openai import BIG_EVENT, _chunk, _reply, _usage_chunk

    model = body["model"]
    words = [_chunk(body, {"content": word + " "}) for word in (_reply(body).get("content") or "echo").split(" ")]
    end = [_chunk(body, {}, "stop"), _usage_chunk(body) if (body.get("stream_options") or {}).get("include_usage") else b""]
    if model == "fake-big-event":  # one event of BIG_EVENT bytes, no blank line until its end
        event = _chunk(body, {"content": "A" * BIG_EVENT})
        for start in range(0, len(event), 65536):
            await resp.write(event[start:start + 65536])
        await resp.write(b"".join([*end, b"data: [DONE]\n\n"]))
    elif model == "fake-malformed":
        await resp.write(b"data: {not json\n\n")
        await resp.write(b"".join([*words, *end, b"data: [DONE]\n\n"]))
    elif model == "fake-malformed-key":  # an event that is not JSON, quoting the key it was sent
        key = request.headers.get("Authorization", "").removeprefix("Bearer ").encode()
        await resp.write(b"data: {key " + key + b"\n\n")
        await resp.write(b"".join([*words, *end, b"data: [DONE]\n\n"]))
    elif model == "fake-event-names":
        await resp.write(b"event: ping\n\n: keep-alive\n\nretry: 100\n\n")
        await resp.write(b"".join(b"event: delta\n" + event for event in [*words, *end] if event) + b"data: [DONE]\n\n")
    elif model == "fake-no-done":
        await resp.write(b"".join([*words, *end]))
    elif model == "fake-no-finish":
        await resp.write(b"".join(words))
    elif model == "fake-open-after-done":
        await resp.write(b"".join([*words, *end, b"data: [DONE]\n\n"]))
        for _ in range(18000):
            await resp.write(b": ping\n\n")
            await asyncio.sleep(0.2)
    elif model == "fake-drop-after-done":  # then half an event, and the connection dropped (no end of the body)
        await resp.write(b"".join([*words, *end, b"data: [DONE]\n\n", b'data: {"id": "x", "cho']))
        assert request.transport is not None
        request.transport.abort()
    elif model == "fake-done-early":  # [DONE] before the answer's end, more of it, then the connection dropped
        await resp.write(b"".join([*words[:2], b"data: [DONE]\n\n", *words[2:]]))
        assert request.transport is not None
        request.transport.abort()
    elif model in ("fake-n-cut", "fake-n-done-early"):  # n honoured: choice 1 still mid-answer when it stops
        second = [_chunk(body, {"content": word + " "}, index=1) for word in ("second", "choice", "cut")]
        await resp.write(b"".join([words[0], second[0], *words[1:], second[1], end[0]]))
        if model == "fake-n-done-early":
            await resp.write(b"data: [DONE]\n\n" + second[2])
            assert request.transport is not None
            request.transport.abort()
    elif model == "fake-multiline-data":  # each event's JSON split over two `data:` lines (valid SSE: joined by "\n")
        await resp.write(b"".join(event.replace(b', "choices"', b',\ndata: "choices"', 1) for event in [*words, *end])
                         + b"data: [DONE]\n\n")
    elif model == "fake-tool-error":
        call = {"index": 0, "id": "call_1", "type": "function", "function": {"name": "shell", "arguments": "{}"}}
        await resp.write(_chunk(body, {"tool_calls": [call]})
                         + b'data: {"error": {"message": "upstream exploded after the call", "type": "server_error"}}\n\n')
    return resp
