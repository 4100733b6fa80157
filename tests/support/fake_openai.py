"""A real aiohttp server on loopback that speaks the OpenAI chat API, and fails on demand.

Behaviour is chosen by the model name the proxy forwards:
  fake-hang        never answers
  fake-drop        streams two chunks, then drops the connection
  fake-slow        streams one chunk every 20 ms for 10 s (records client disconnects)
  fake-500 / fake-401 / fake-403 / fake-429   answer with that HTTP error (401 echoes the key, as OpenAI
                   does; 403 says the project may not use the model)
  fake-late-usage  sends [DONE] before the usage chunk
  fake-notjson     answers 200 with a non-JSON body
  fake-delay       answers after one second
  fake-empty       answers 200 with empty content (a degraded answer)
  fake-200-error   answers 200 whose JSON body is an error object (stream or not)
  fake-429-retry   answers 429 with `Retry-After: 7`
  fake-503-retry   answers 503 with `Retry-After: 1`
  fake-stall       sends part of the answer, then nothing for an hour (stream: one content chunk; JSON: a prefix)
  fake-slow-first  sends the headers at once and its first byte after one second
  fake-stall-first streams its role chunk, then nothing for an hour (no content ever comes)
  fake-refusal     refuses: `content: null` and a `refusal` (stream: `delta.refusal` chunks)
  fake-sse-error   streams its role chunk, then an error event (as llama-server does), then ends
  fake-sse-error-done  the same, then [DONE]
  fake-error-field the same as an `error:` field, then [DONE] (as some llama-server builds send a stream's error)
  fake-hangup      reads the request, then closes the connection without a word (a drop after delivery)
  fake-second-choice  answers two choices, the first empty (JSON only)
  fake-reset       reads the request, then resets the connection (TCP RST: "Connection reset by peer")
  fake-length      an empty answer cut by the request's max_completion_tokens (or max_tokens) while it reasoned, as
                   o-series models do: `content: ""`, reasoning text, finish_reason "length", usage = the cap spent
  fake-filtered    an answer the provider's content filter withheld: `content: null`, finish_reason "content_filter"
  fake-reasoning   reasoning text only, finish_reason "stop" (a degraded answer)
  fake-big-event   streams one content event of BIG_EVENT bytes, written in 64 KiB pieces, then the usual end;
                   not streamed, answers BIG_EVENT bytes of text (fake-big-chunked, fake-big-gzip: so sent)
  fake-malformed   streams its role chunk, then `data: {not json`, then an answer (the events are not JSON)
  fake-malformed-key  streams `data: {key <the key it was sent>`, an event that is not JSON quoting the key
  fake-event-names streams its answer with `event:` lines on each event, plus an event with no data (`event: ping`)
  fake-no-done     streams a complete answer (finish_reason, usage) and ends the body without `data: [DONE]`
  fake-open-after-done  a complete stream and its [DONE], then `: ping` every 0.2 s for an hour, never ending
  fake-drop-after-done  a complete stream and its [DONE], then half an event and the connection dropped
  fake-multiline-data  streams its answer with each event's JSON split over two `data:` lines
  fake-done-early  streams two words, [DONE], the rest of its words (no finish_reason), then drops the connection
  fake-n-cut       honours `n` (two choices, interleaved): choice 0 finishes, choice 1 is cut mid-answer (no
                   finish_reason), and the body ends cleanly without [DONE]
  fake-n-done-early  the same two choices, then [DONE], more of choice 1 (no finish_reason), then the connection dropped
  fake-odd-usage   answers with usage counts that are no numbers of tokens: "7", -5, true
  fake-partial-usage  answers with usage that gives the output's count alone (`completion_tokens: 5`)
  fake-cache-usage answers with Anthropic's usage naming: 10 input tokens, 5,000 read from the cache, 2,000 written
  fake-cache-usage-litellm  the same counts under `prompt_tokens`/`completion_tokens`, as some LiteLLM versions send
  fake-split-usage as fake-cache-usage, a stream's usage in two events: the input's counts, then the output's
  fake-no-finish   streams some content and ends the body cleanly with no finish_reason and no [DONE] (cut short)
  fake-tool-error  streams a tool call and an error event in one write, then ends
  fake-think, fake-think-only  reasoning models that think before (or instead of) answering (`fake_thinking`)
  fake-late, fake-content-error, fake-429-ms, fake-429-date, fake-key-error(-late), fake-key-echo, fake-key-in-fields, fake-no-usage, fake-strict: see
                   `fake_extra`
anything else      echoes the last user message; returns a tool call when tools are offered (a legacy
                   `function_call` when `functions` are)
`logprobs: true`   adds a logprob of -Infinity to the answer, as Python's json writes it (not strict JSON)
o1…o9, gpt-5 (OpenAI's reasoning models) answer 400 to `max_tokens` and to a temperature other than 1, as OpenAI does;
                 OpenAI's other gpt-* models answer 400 to `reasoning_effort` and a `verbosity` other than "medium"
Every answer carries `x-request-id: req_fake_<n>`, n counting the chat requests from 1 (the provider's own id).
A model named in `FakeState.failing` answers 500 until it is taken out again (a provider that recovers).
Usage reports 5 completion tokens, or VERBOSE_TOKENS when the last message contains VERBOSE (a long answer);
`fake-max-usage` reports MAX_TOKENS prompt and completion tokens (the most the ledger counts).
"""

from __future__ import annotations

import asyncio
import gzip
import json
import socket
import struct
import threading
import time
from typing import Any

import attrs
from aiohttp import web

from tests.support import fake_extra, fake_odd, fake_thinking


@attrs.define
class FakeState:
    """What the fake saw, for assertions."""

    requests: list[dict[str, Any]] = attrs.Factory(list)
    headers: list[dict[str, str]] = attrs.Factory(list)
    disconnects: list[str] = attrs.Factory(list)
    failing: set[str] = attrs.Factory(set)  # models that answer 500 for now
    gate: threading.Event = attrs.Factory(threading.Event)  # fake-think reasons until the test opens it
    gated: list[bool] = attrs.Factory(list)  # each fake-think stream: whether the test opened the gate


STATE = web.AppKey("state", FakeState)
VERBOSE, VERBOSE_TOKENS = "[verbose]", 400  # a last turn containing VERBOSE is "answered" with a long text
MAX_TOKENS = 2**31 - 1
BIG_EVENT = 3 * 1024 * 1024
REASONING = "Let me think about this step by step."


def _usage(body: dict[str, Any]) -> dict[str, Any]:
    if body["model"] == "fake-odd-usage":  # counts no reader can take for numbers
        return {"prompt_tokens": "7", "completion_tokens": -5, "total_tokens": True}
    if body["model"] == "fake-partial-usage":  # the output's count alone
        return {"completion_tokens": 5}
    if body["model"] in ("fake-cache-usage", "fake-split-usage"):  # Anthropic's naming: the cache's reads and
        return {"input_tokens": 10, "output_tokens": 5, "cache_read_input_tokens": 5000,  # writes apart from the input
                "cache_creation_input_tokens": 2000}
    if body["model"] == "fake-cache-usage-litellm":  # as some LiteLLM versions pass Anthropic's counts on
        return {"prompt_tokens": 10, "completion_tokens": 5, "cache_read_input_tokens": 5000,
                "cache_creation_input_tokens": 2000}
    if body["model"] == "fake-max-usage":
        return {"prompt_tokens": MAX_TOKENS, "completion_tokens": MAX_TOKENS, "total_tokens": 2 * MAX_TOKENS}
    prompt = sum(len(str(m.get("content") or "").split()) for m in body["messages"]) + 3
    out = VERBOSE_TOKENS if VERBOSE in str(body["messages"][-1].get("content")) else 5
    if body["model"] == "fake-length":  # the whole cap went on reasoning
        out = body.get("max_completion_tokens") or body.get("max_tokens") or 16
        return {"prompt_tokens": prompt, "completion_tokens": out, "total_tokens": prompt + out,
                "completion_tokens_details": {"reasoning_tokens": out}}
    return {"prompt_tokens": prompt, "completion_tokens": out, "total_tokens": prompt + out}


def _reply(body: dict[str, Any]) -> dict[str, Any]:
    last = body["messages"][-1]
    if body["model"] == "fake-empty":
        return {"role": "assistant", "content": ""}
    if body["model"] == "fake-refusal":
        return {"role": "assistant", "content": None, "refusal": "I can't help with that."}
    if body["model"] in ("fake-length", "fake-reasoning"):
        return {"role": "assistant", "content": "", "reasoning_content": REASONING}
    if body["model"] == "fake-filtered":
        return {"role": "assistant", "content": None}
    if body.get("functions") and last.get("role") != "function":
        name = body["functions"][0]["name"]
        return {"role": "assistant", "content": None,
                "function_call": {"name": name, "arguments": json.dumps({"city": "Paris"})}}
    if body.get("tools") and last.get("role") != "tool":
        tool = body["tools"][0]["function"]["name"]
        return {"role": "assistant", "content": None, "tool_calls": [
            {"id": "call_1", "type": "function", "function": {"name": tool, "arguments": json.dumps({"city": "Paris"})}}
        ]}
    if last.get("role") == "tool":
        return {"role": "assistant", "content": f"tool said: {last.get('content')}"}
    content = last.get("content")
    text = content if isinstance(content, str) else json.dumps(content)
    return {"role": "assistant", "content": f"echo: {text}"}


def _completion(body: dict[str, Any]) -> dict[str, Any]:
    msg = _reply(body)
    finish = "tool_calls" if msg.get("tool_calls") else "function_call" if msg.get("function_call") else "stop"
    finish = {"fake-length": "length", "fake-filtered": "content_filter"}.get(body["model"], finish)
    choice = {"index": 0, "message": msg, "finish_reason": finish}
    if body.get("logprobs"):  # as Python's json writes it: a token the model could not have picked is -Infinity
        choice["logprobs"] = {"content": [{"token": "echo", "logprob": float("-inf"), "bytes": None, "top_logprobs": []}]}
    return {
        "id": "chatcmpl-fake", "object": "chat.completion", "created": int(time.time()), "model": body["model"],
        "choices": [choice], "usage": _usage(body),
    }


def _chunk(body: dict[str, Any], delta: dict[str, Any], finish: str | None = None, index: int = 0) -> bytes:
    data = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
            "choices": [{"index": index, "delta": delta, "finish_reason": finish}]}
    if (body.get("stream_options") or {}).get("include_usage"):
        data["usage"] = None
    return b"data: " + json.dumps(data).encode() + b"\n\n"


def _usage_chunk(body: dict[str, Any]) -> bytes:
    data = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": body["model"],
            "choices": [], "usage": _usage(body)}
    return b"data: " + json.dumps(data).encode() + b"\n\n"


async def _stream(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    resp = await fake_extra.event_stream(request)
    model = body["model"]
    msg = _reply(body)
    if model == "fake-slow-first":
        await asyncio.sleep(1.0)
    await resp.write(_chunk(body, {"role": "assistant", "content": ""}))
    if model == "fake-stall-first":
        await asyncio.sleep(3600)
    if model in ("fake-sse-error", "fake-sse-error-done", "fake-error-field"):
        error = b'{"message": "upstream exploded", "type": "server_error"}'
        await resp.write(b"error: " + error + b"\n\n" if model == "fake-error-field"
                         else b'data: {"error": ' + error + b"}\n\n")
        if model != "fake-sse-error":
            await resp.write(b"data: [DONE]\n\n")
        return resp
    if model == "fake-stall":
        await resp.write(_chunk(body, {"content": "partial"}))
        await asyncio.sleep(3600)
    if model == "fake-drop":
        await resp.write(_chunk(body, {"content": "partial"}))
        assert request.transport is not None
        request.transport.abort()
        return resp
    if model == "fake-slow":
        try:
            for i in range(500):
                await resp.write(_chunk(body, {"content": f"w{i} "}))
                await asyncio.sleep(0.02)
        except (ConnectionError, asyncio.CancelledError):
            request.app[STATE].disconnects.append(model)
            raise
        return resp
    if model in fake_odd.MODELS:
        return await fake_odd.stream(resp, body, request)
    if msg.get("reasoning_content"):
        await resp.write(_chunk(body, {"reasoning_content": msg["reasoning_content"]}))
        finish = _completion(body)["choices"][0]["finish_reason"]
        await resp.write(_chunk(body, {}, finish))
    elif model == "fake-filtered":
        await resp.write(_chunk(body, {}, "content_filter"))
    elif msg.get("tool_calls"):
        call = msg["tool_calls"][0]
        await resp.write(_chunk(body, {"tool_calls": [{"index": 0, **call}]}))
        await resp.write(_chunk(body, {}, "tool_calls"))
    elif msg.get("function_call"):
        await resp.write(_chunk(body, {"function_call": msg["function_call"]}))
        await resp.write(_chunk(body, {}, "function_call"))
    elif msg.get("refusal"):
        for word in msg["refusal"].split(" "):
            await resp.write(_chunk(body, {"refusal": word + " "}))
        await resp.write(_chunk(body, {}, "stop"))
    elif msg["content"]:
        for word in msg["content"].split(" "):
            await resp.write(_chunk(body, {"content": word + " "}))
        await resp.write(_chunk(body, {}, "stop"))
    wants_usage = (body.get("stream_options") or {}).get("include_usage")
    if model == "fake-late-usage":
        await resp.write(b"data: [DONE]\n\n")
        if wants_usage:
            await resp.write(_usage_chunk(body))
    elif model == "fake-split-usage" and wants_usage:  # the input's counts, then the output's, in two events
        usage = _usage(body)
        for part in ({k: v for k, v in usage.items() if k != "output_tokens"}, {"output_tokens": usage["output_tokens"]}):
            data = {"id": "chatcmpl-fake", "object": "chat.completion.chunk", "created": 0, "model": model,
                    "choices": [], "usage": part}
            await resp.write(b"data: " + json.dumps(data).encode() + b"\n\n")
        await resp.write(b"data: [DONE]\n\n")
    else:
        if wants_usage:
            await resp.write(_usage_chunk(body))
        await resp.write(b"data: [DONE]\n\n")
    return resp


async def _partial_json(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """Headers at once; then (fake-stall) a prefix of the body and silence, or (fake-slow-first) the body later."""
    resp = web.StreamResponse(headers={"Content-Type": "application/json"})
    await resp.prepare(request)
    if body["model"] == "fake-stall":
        await resp.write(b'{"id": "chatcmpl-fake", ')
        await asyncio.sleep(3600)
    await asyncio.sleep(1.0)
    await resp.write(json.dumps(_completion(body)).encode())
    await resp.write_eof()
    return resp


async def chat(request: web.Request) -> web.StreamResponse:
    """The fake `/v1/chat/completions`."""
    body = await request.json()
    state = request.app[STATE]
    state.requests.append(body)
    state.headers.append(dict(request.headers))
    if (extra := await fake_extra.answer(request, body)) is not None:
        return extra
    model = body["model"]
    if model == "fake-hang":
        await asyncio.sleep(3600)
    if model in fake_thinking.MODELS:
        return await fake_thinking.think(request, body)
    if model == "fake-delay":
        await asyncio.sleep(1.0)
    status = 500 if model in state.failing else {"fake-500": 500, "fake-401": 401, "fake-403": 403,
                                                 "fake-429": 429}.get(model)
    if status is not None:
        auth = request.headers.get("Authorization", "")
        msg = (f"Incorrect API key provided: {auth.removeprefix('Bearer ')}" if status == 401
               else "Project does not have access to model fake-403" if status == 403 else "upstream trouble")
        return web.json_response({"error": {"message": msg, "type": "server_error", "code": None}}, status=status)
    if (refused := fake_thinking.reasoning_refusal(body)) is not None:
        return web.json_response({"error": refused}, status=400)
    if model == "fake-key-in-fields":  # a 400 with the key in its code, param and type (not its message)
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        error = {"message": "key disabled", "type": f"key {key}", "param": key, "code": f"key_{key}_disabled"}
        return web.json_response({"error": error}, status=400)
    if model == "fake-key-echo":  # a 400 quoting the key cut short, and a run of it in capitals
        key = request.headers.get("Authorization", "").removeprefix("Bearer ")
        error = {"message": f"Invalid API Key provided: {key[:30]}... (account {key[4:20].upper()})",
                 "type": "invalid_request_error", "code": "invalid_api_key"}
        return web.json_response({"error": error}, status=400)
    if model == "fake-400":
        error = {"message": "Invalid 'temperature': expected at most 2, got 7.", "type": "invalid_request_error",
                 "param": "temperature", "code": "invalid_value"}
        return web.json_response({"error": error}, status=400)
    if model == "fake-notjson":
        return web.Response(text="<html>oops</html>", content_type="text/html")
    if model in ("fake-hangup", "fake-reset"):
        assert request.transport is not None
        if model == "fake-reset":  # a TCP reset, not a close: the client sees "Connection reset by peer"
            sock = request.transport.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        request.transport.abort()
        return web.Response()
    if model == "fake-second-choice" and not body.get("stream"):  # n=2, the first choice empty, the second not
        answer = _completion(body)
        first = answer["choices"][0]
        answer["choices"] = [{**first, "message": {"role": "assistant", "content": ""}},
                             {**first, "index": 1, "message": {"role": "assistant", "content": "second"}}]
        return web.json_response(answer)
    if model == "fake-429-retry":
        error = {"message": "Rate limit reached, try again in 7s", "type": "requests", "code": "rate_limit_exceeded"}
        return web.json_response({"error": error}, status=429, headers={"Retry-After": "7"})
    if model == "fake-503-retry":
        error = {"message": "The server is overloaded", "type": "server_error", "code": None}
        return web.json_response({"error": error}, status=503, headers={"Retry-After": "1"})
    if model == "fake-200-error":
        auth = request.headers.get("Authorization", "")
        error = {"message": f"The model is overloaded (key {auth.removeprefix('Bearer ')})", "type": "server_error",
                 "code": "overloaded"}
        return web.json_response({"error": error})
    if model in ("fake-stall", "fake-slow-first") and not body.get("stream"):
        return await _partial_json(request, body)
    if model in ("fake-big-event", "fake-big-chunked", "fake-big-gzip") and not body.get("stream"):
        return await _big_answer(request, body)
    if body.get("stream"):
        return await _stream(request, body)
    return web.json_response(_completion(body))


async def _big_answer(request: web.Request, body: dict[str, Any]) -> web.StreamResponse:
    """A JSON answer of BIG_EVENT bytes of text, sent with its length, chunked (fake-big-chunked), or gzip-compressed
    (fake-big-gzip: a few KB on the wire)."""
    answer = _completion(body)
    answer["choices"][0]["message"]["content"] = "A" * BIG_EVENT
    raw = json.dumps(answer).encode()
    how = body["model"].removeprefix("fake-big-")
    if how == "gzip":
        return web.Response(body=gzip.compress(raw), content_type="application/json",
                            headers={"Content-Encoding": "gzip"})
    if how == "chunked":
        resp = web.StreamResponse(headers={"Content-Type": "application/json"})
        resp.enable_chunked_encoding()
        await resp.prepare(request)
        for start in range(0, len(raw), 65536):
            await resp.write(raw[start:start + 65536])
        await resp.write_eof()
        return resp
    return web.Response(body=raw, content_type="application/json")


RATE_LIMITS = {"x-ratelimit-limit-requests": "100", "x-ratelimit-remaining-requests": "99",
               "x-ratelimit-reset-tokens": "6ms", "openai-processing-ms": "12"}
OPERATOR_HEADERS = {"openai-organization": "org-operator", "openai-project": "proj_operator"}  # never relayed


async def _provider_request_id(request: web.Request, resp: web.StreamResponse) -> None:
    """`x-request-id: req_fake_<n>` on every answer (n: the chat requests so far), as OpenAI sends its own, and
    OpenAI's rate-limit, processing-time and account headers."""
    resp.headers.setdefault("x-request-id", f"req_fake_{len(request.app[STATE].requests)}")
    for name, value in {**RATE_LIMITS, **OPERATOR_HEADERS}.items():
        resp.headers.setdefault(name, value)


def make_fake_openai() -> web.Application:
    """Build the fake provider app."""
    app = web.Application()
    app.on_response_prepare.append(_provider_request_id)
    app[STATE] = FakeState()
    app.router.add_post("/v1/chat/completions", chat)
    return app
