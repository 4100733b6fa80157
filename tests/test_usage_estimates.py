"""A call whose provider reports no usage is estimated from its answer's text (content, reasoning, tool calls' names
and arguments), the same way streamed or not, through the openai SDK: streaming is no way around a budget."""

from __future__ import annotations

import math
from typing import Any

import openai
import pytest

from tests.conftest import Router
from tests.support.servers import exported_rows

MSGS = [{"role": "user", "content": "write at length"}]
TOOLS = [{"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object", "properties": {}}}}]


def client(router: Router) -> openai.OpenAI:
    return openai.OpenAI(base_url=router.v1, api_key="unused-on-loopback", max_retries=0)


def text_of(message: Any) -> str:
    """What a message (or a delta) says: its reasoning, content, and tool calls' names and arguments."""
    extra = message.model_extra or {}
    calls = [c.function for c in message.tool_calls or [] if c.function is not None]
    return "".join([extra.get("reasoning_content") or "", message.content or "",
                    *(f"{f.name or ''}{f.arguments or ''}" for f in calls)])


def answer(router: Router, stream: bool, tools: bool) -> str:
    """The answer's text as the client got it."""
    extra = {"tools": TOOLS} if tools else {}
    if not stream:
        return text_of(client(router).chat.completions.create(model="fake-no-usage", messages=MSGS,
                                                                **extra).choices[0].message)
    chunks = client(router).chat.completions.create(model="fake-no-usage", messages=MSGS, stream=True, **extra)
    return "".join(text_of(c.choices[0].delta) for c in chunks if c.choices)


@pytest.mark.parametrize("tools", [False, True], ids=["text", "tool-call"])
def test_an_answer_without_usage_is_estimated_alike_streamed_or_not(router: Router, tools: bool) -> None:
    """The same answer, its text sent in one event when streamed: both rows estimate a token per 4 bytes of its
    text (UTF-8), marked estimated. Before, the stream was billed a token per event (4) and the JSON answer a token per
    4 bytes of its whole body, envelope and escapes included."""
    texts = [answer(router, stream, tools) for stream in (False, True)]
    assert texts[0] == texts[1] and len(texts[0]) > 300, texts
    expected = math.ceil(len(texts[0].encode()) / 4)
    got = [(r["streamed"], r["output_tokens"], r["tokens_estimated"]) for r in exported_rows(router.url, 2)]
    assert got == [("false", str(expected), "true"), ("true", str(expected), "true")], (got, expected)


@pytest.mark.parametrize("stream", [False, True])
def test_a_usage_without_the_prompts_count_estimates_the_prompt(router: Router, stream: bool) -> None:
    """A provider's usage that gives only `completion_tokens`: the prompt is estimated (a token per 4 bytes of a
    48 kB request), the output's count kept, and the row marked estimated; it was billed as an exact 0-token prompt."""
    prompt = [{"role": "user", "content": "lorem ipsum " * 4_000}]
    reply = client(router).chat.completions.create(model="fake-partial-usage", messages=prompt, stream=stream)
    if stream:
        list(reply)
    [row] = exported_rows(router.url, 1)
    assert row["tokens_estimated"] == "true" and row["output_tokens"] == "5", row
    assert 12_000 <= int(row["input_tokens"]) <= 12_100, row
