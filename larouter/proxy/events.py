"""Reading one server-sent event of a chat completion stream: its data, what an OpenAI client reads of it, and
whether its delta begins an answer or carries reasoning; and the usage event LARouter writes when the provider sent
none."""

from __future__ import annotations

import time
from typing import Any

from larouter import jsonx
from larouter.proxy.call import Call
from larouter.usage.records import tokens_of

DONE = b"data: [DONE]"
ESTIMATED = "x_larouter_estimated"  # marks the usage of `usage_event`: an extra key, which OpenAI's SDKs keep


def parts(event: bytes) -> tuple[bytes | None, bytes]:
    """(the event's data payload, or None without a data line; the event with only the lines an OpenAI client reads:
    data, id and comments). `event:` names, `retry:` and unknown fields are dropped: chat completion events have no
    names, and an `event:` line hides the event from a browser's `onmessage`. An `error:` field (some llama-server
    builds send a stream's error so) becomes the OpenAI error event `data: {"error": ...}`."""
    if event.startswith(b"data: ") and b"\n" not in event:  # the usual: one data line
        return event[6:], event
    kept, data = [], []
    for line in event.split(b"\n"):
        if line.startswith(b"error:"):
            line = b'data: {"error": ' + line[6:].strip() + b"}"
        if line.startswith(b"data:"):
            data.append(line[6:] if line.startswith(b"data: ") else line[5:])
        elif not line.startswith((b":", b"id:")):
            continue
        kept.append(line)
    if not data:  # nothing to deliver (the SDK would parse "" and raise): only comments are kept, as keep-alives
        return None, b"\n".join(line for line in kept if line.startswith(b":"))
    return b"\n".join(data), b"\n".join(kept)


def event_data(event: bytes) -> Any:
    """The event's data as JSON (its `data:` lines joined, as a client reads them: a provider may split one event's
    JSON over several), or None (no data, `[DONE]`, not JSON)."""
    data, _ = parts(event)
    if data is None or data.strip() == b"[DONE]":
        return None
    try:
        return jsonx.loads(data)
    except ValueError:
        return None


ANSWER_KEYS = ("content", "tool_calls", "function_call", "refusal", "audio")  # what makes an answer (not role or
# reasoning alone): text, tool calls (and the legacy function_call), a refusal, audio
ANSWER_MARKS = tuple(f'"{key}"'.encode() for key in ANSWER_KEYS)
REASONING_KEYS = ("reasoning_content", "reasoning")  # a reasoning model's thinking (llama-server, DeepSeek; OpenRouter)
_REASONING_MARKS = tuple(f'"{key}"'.encode() for key in REASONING_KEYS)


def _delta_has(event: bytes, keys: tuple[str, ...], marks: tuple[bytes, ...]) -> bool:
    """True when the event's (first choice's) delta carries a non-empty value under one of `keys`."""
    if not any(map(event.__contains__, marks)):
        return False
    data = event_data(event)
    try:
        delta = data["choices"][0]["delta"]
    except (TypeError, KeyError, IndexError):
        return False
    return isinstance(delta, dict) and any(delta.get(key) for key in keys)


def has_answer(event: bytes) -> bool:
    """True when the event's delta carries an answer (`ANSWER_KEYS`), not just a role or reasoning."""
    return _delta_has(event, ANSWER_KEYS, ANSWER_MARKS)


def has_reasoning(event: bytes) -> bool:
    """True when the event's delta carries reasoning text (`REASONING_KEYS`)."""
    return _delta_has(event, REASONING_KEYS, _REASONING_MARKS)


def usage_event(call: Call, seen: dict[str, Any] | None) -> bytes:
    """The usage chunk a stream's client that asked for usage (`stream_options.include_usage`) gets before [DONE] when
    the provider sent none: `choices: []` and LARouter's estimate, as the ledger records it, marked by
    `"x_larouter_estimated": true` in `usage`. Its id, created and model are those of the last event read with choices
    (`seen`), else LARouter's own."""
    tokens = tokens_of(call)
    seen = seen or {}
    created = seen.get("created")
    chunk = {"id": seen.get("id") or f"chatcmpl-{call.id}", "object": "chat.completion.chunk",
             "created": created if type(created) is int else int(time.time()),
             "model": seen.get("model") or (call.target.model if call.target is not None else call.requested_model),
             "choices": [], "usage": {"prompt_tokens": tokens.input, "completion_tokens": tokens.output,
                                      "total_tokens": tokens.input + tokens.output, ESTIMATED: True}}
    return b"data: " + jsonx.dumps(chunk) + b"\n\n"
