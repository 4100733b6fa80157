"""What a stream's client gets of usage: the usage it asked for (`stream_options.include_usage`), never the usage
LARouter asked the provider for on its behalf, wherever the provider put it; and when the provider sent none,
LARouter's estimate, marked so. Through raw HTTP and the openai SDK."""

from __future__ import annotations

import json
from typing import Any
from urllib.request import Request, urlopen

import openai

from tests.conftest import Router
from tests.support.servers import exported_rows

MSGS = [{"role": "user", "content": "one two three"}]
EXACT = {"prompt_tokens": 6, "completion_tokens": 5, "total_tokens": 11}  # the fake's: the prompt's words + 3, 5 out


def events(router: Router, body: dict[str, Any]) -> list[dict[str, Any]]:
    """The stream's data events as JSON, [DONE] left out (asserted last)."""
    req = Request(router.v1 + "/chat/completions", data=json.dumps(body).encode(),
                  headers={"Content-Type": "application/json"})
    with urlopen(req, timeout=30) as resp:
        raw = resp.read().decode()
    data = [e.removeprefix("data: ") for e in raw.split("\n\n") if e.startswith("data: ")]
    assert data[-1] == "[DONE]", raw
    return [json.loads(d) for d in data[:-1]]


def test_usage_on_an_answers_event_is_removed_for_a_client_that_did_not_ask(router: Router) -> None:
    """The provider puts the usage LARouter asked for on its finish event, beside `choices`: a client that did not
    ask gets that event without its `usage` (the finish kept); one that asked gets it as sent. Both are recorded
    exactly. Before, the usage reached the client that had not asked for it."""
    body = {"model": "fake-usage-on-finish", "messages": MSGS, "stream": True}
    for asked in (False, True):
        got = events(router, {**body, "stream_options": {"include_usage": True}} if asked else body)
        text = "".join(c["choices"][0]["delta"].get("content") or "" for c in got)
        finish = [c for c in got if c["choices"][0].get("finish_reason")]
        assert text == "echo done" and len(finish) == 1 and finish[0]["choices"][0]["finish_reason"] == "stop", got
        usage = [c["usage"] for c in got if isinstance(c.get("usage"), dict)]
        assert usage == ([EXACT] if asked else []) and ("usage" in finish[0]) is asked, got
    assert [(r["input_tokens"], r["output_tokens"], r["tokens_estimated"]) for r in exported_rows(router.url, 2)] == [
        ("6", "5", "false")] * 2


def test_a_client_that_asked_for_usage_gets_the_estimate_when_the_provider_sends_none(router: Router) -> None:
    """The provider reports no usage: a client that asked for it gets a last chunk before [DONE] with `choices: []`
    and the ledger's estimate, marked `x_larouter_estimated`, which the SDK parses; a client that did not ask gets no
    usage, and a provider's own usage comes unmarked. Before, the client that asked got no usage chunk at all."""
    sdk = openai.OpenAI(base_url=router.v1, api_key="unused-on-loopback", max_retries=0)
    asked = {"stream": True, "stream_options": {"include_usage": True}}
    chunks = list(sdk.chat.completions.create(model="fake-no-usage", messages=MSGS, **asked))
    plain = list(sdk.chat.completions.create(model="fake-no-usage", messages=MSGS, stream=True))
    exact = list(sdk.chat.completions.create(model="gpt-fake", messages=MSGS, **asked))
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None and last.usage.model_extra == {"x_larouter_estimated": True}
    assert all(c.usage is None for c in chunks[:-1]) and (last.id, last.model) == (chunks[0].id, chunks[0].model)
    estimated, _, reported = exported_rows(router.url, 3)
    assert estimated["tokens_estimated"] == "true" and reported["tokens_estimated"] == "false"
    inp, out = int(estimated["input_tokens"]), int(estimated["output_tokens"])
    assert (last.usage.prompt_tokens, last.usage.completion_tokens, last.usage.total_tokens) == (inp, out, inp + out)
    assert out > 1000  # 4,000 characters of text and some reasoning
    assert all(c.usage is None for c in plain)
    assert exact[-1].usage is not None and exact[-1].usage.model_extra == {}, exact[-1]
    assert (exact[-1].usage.prompt_tokens, exact[-1].usage.completion_tokens) == (6, 5)
