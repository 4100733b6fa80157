"""The official openai SDK against larouterd in front of a fake OpenAI-compatible provider."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable

import openai
import pytest

from tests.conftest import FAKE_KEY, Fake, Router
from tests.support.servers import http_json, register, wait_until
from tests.support.tiny_gguf import write_tiny_gguf

TOOLS = [{"type": "function", "function": {"name": "get_weather", "description": "Weather for a city",
          "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}]


def client(router: Router) -> openai.OpenAI:
    return openai.OpenAI(base_url=router.v1, api_key="client-secret-never-forwarded", max_retries=0)


def test_sync_json_completion(router: Router, fake: Fake) -> None:
    """A non-streaming call returns the provider's answer and usage."""
    resp = client(router).chat.completions.create(model="gpt-fake", messages=[{"role": "user", "content": "hi"}])
    assert resp.choices[0].message.content == "echo: hi"
    assert resp.usage is not None and resp.usage.prompt_tokens > 0


def test_provider_key_forwarded_client_key_not(router: Router, fake: Fake) -> None:
    """The upstream sees the provider's key and never the client's Authorization."""
    client(router).chat.completions.create(model="gpt-fake", messages=[{"role": "user", "content": "hi"}])
    headers = fake.state.headers[-1]
    assert headers["Authorization"] == f"Bearer {FAKE_KEY}"
    assert "client-secret-never-forwarded" not in json.dumps(headers)


def test_sync_stream_hides_usage_chunk_unless_asked(router: Router, fake: Fake) -> None:
    """Streaming relays every delta; the injected usage chunk is stripped for clients that did not ask."""
    chunks = list(client(router).chat.completions.create(
        model="gpt-fake", messages=[{"role": "user", "content": "one two three"}], stream=True))
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    assert text.strip() == "echo: one two three"
    assert all(c.choices for c in chunks)
    assert fake.state.requests[-1]["stream_options"] == {"include_usage": True}


async def test_async_stream_with_usage(router: Router) -> None:
    """An async client that asks for usage gets the final usage chunk."""
    aclient = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0)
    stream = await aclient.chat.completions.create(
        model="gpt-fake", messages=[{"role": "user", "content": "hello"}], stream=True,
        stream_options={"include_usage": True})
    chunks = [c async for c in stream]
    assert chunks[-1].usage is not None and chunks[-1].usage.completion_tokens == 5
    await aclient.close()


async def test_async_json(router: Router) -> None:
    """The async client works for plain completions too."""
    aclient = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0)
    resp = await aclient.chat.completions.create(model="gpt-fake", messages=[{"role": "user", "content": "yo"}])
    assert resp.choices[0].message.content == "echo: yo"
    await aclient.close()


def test_late_usage_after_done_is_delivered_before_done(router: Router) -> None:
    """A usage chunk that arrives after [DONE] still reaches a client that asked for it."""
    chunks = list(client(router).chat.completions.create(
        model="fake-late-usage", messages=[{"role": "user", "content": "x"}], stream=True,
        stream_options={"include_usage": True}))
    assert chunks[-1].usage is not None


@pytest.mark.parametrize("stream", [False, True])
def test_tool_call_round_trip(router: Router, fake: Fake, stream: bool) -> None:
    """Tools and tool_choice pass through; the tool call comes back and the tool result is answered."""
    c = client(router)
    messages: list = [{"role": "user", "content": "weather in Paris?"}]
    first = c.chat.completions.create(model="gpt-fake", messages=messages, tools=TOOLS, tool_choice="auto", stream=stream)
    if stream:
        calls = [tc for ch in first for tc in (ch.choices[0].delta.tool_calls or []) if ch.choices]
        call_id, name, args = calls[0].id, calls[0].function.name, calls[0].function.arguments
    else:
        tc = first.choices[0].message.tool_calls[0]
        call_id, name, args = tc.id, tc.function.name, tc.function.arguments
    assert name == "get_weather" and json.loads(args) == {"city": "Paris"}
    assert fake.state.requests[-1]["tools"] == TOOLS and fake.state.requests[-1]["tool_choice"] == "auto"
    messages += [{"role": "assistant", "content": None, "tool_calls": [
        {"id": call_id, "type": "function", "function": {"name": name, "arguments": args}}]},
        {"role": "tool", "tool_call_id": call_id, "content": "sunny"}]
    second = c.chat.completions.create(model="gpt-fake", messages=messages, tools=TOOLS)
    assert second.choices[0].message.content == "tool said: sunny"


def test_unknown_fields_images_and_response_format_pass_through(router: Router, fake: Fake) -> None:
    """Everything LARouter does not own reaches the provider untouched."""
    content = [{"type": "text", "text": "what is this"},
               {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}]
    fmt = {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "object"}}}
    client(router).chat.completions.create(
        model="gpt-fake", messages=[{"role": "user", "content": content}], response_format=fmt,
        extra_body={"vendor_knob": {"deep": [1, 2, {"x": None}]}}, temperature=0.3, seed=7)
    sent = fake.state.requests[-1]
    assert sent["messages"][0]["content"] == content
    assert sent["response_format"] == fmt and sent["vendor_knob"] == {"deep": [1, 2, {"x": None}]}
    assert sent["temperature"] == 0.3 and sent["seed"] == 7


def test_auto_falls_back_to_default_model(router: Router, fake: Fake) -> None:
    """When no model of the policy chain can serve, `auto` ends at routing.default_model."""
    resp = client(router).chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": "hi"}])
    assert fake.state.requests[-1]["model"] == "gpt-fake"
    assert resp.headers["x-larouter-model"] == "gpt-fake" and resp.headers["x-larouter-provider"] == "fake"


def test_provider_prefix_selects_provider(router: Router, fake: Fake) -> None:
    """`provider/model` reaches that provider with the bare model name."""
    client(router).chat.completions.create(model="fake/some-new-model", messages=[{"role": "user", "content": "hi"}])
    assert fake.state.requests[-1]["model"] == "some-new-model"


def test_models_list(router: Router) -> None:
    """`/v1/models` has `auto`, the configured models, and marks keyless providers unavailable."""
    models = {m.id: m for m in client(router).models.list()}
    assert "auto" in models and "gpt-fake" in models
    assert models["gpt-fake"].model_extra["available"] is True
    assert models["claude-sonnet-4-5"].model_extra["available"] is False


HUB = '\n[providers.hub]\nbase_url = "http://127.0.0.1:9/v1"\napi_key = "sk-hub-0123456789"\nmodels = ["meta-llama/llama-x"]\n'


def test_models_retrieve_gives_each_listed_model(make_router: Callable[..., Router], tmp_path: Path) -> None:
    """`client.models.retrieve(id)` gives OpenAI's model object, the very entry `/v1/models` lists, for every id
    listed: `auto`, provider models (one with a slash in its name) and a local model that is not running."""
    router = make_router(extra_toml=HUB)
    gguf = write_tiny_gguf(tmp_path / "tiny.gguf")
    status, out = register(router, {"id": "tiny", "path": str(gguf), "contextLength": 2048})
    assert status == 201, out
    c = client(router)
    listed = list(c.models.list())
    assert {"auto", "gpt-fake", "claude-sonnet-4-5", "meta-llama/llama-x", "tiny"} <= {m.id for m in listed}
    for model in listed:
        got = c.models.retrieve(model.id)
        assert got == model and got.object == "model" and isinstance(got.created, int) and got.owned_by
    assert http_json("GET", router.v1 + "/models/meta-llama/llama-x")[1]["owned_by"] == "hub"  # slash unescaped


def test_models_retrieve_takes_a_provider_slash_model_name(router: Router) -> None:
    """`provider/model`, a name a chat request may use, is retrieved too (it was a 404 while chat took it: a client
    that checks a model before using it refused a valid name; review O); an unknown provider's prefix is a 404."""
    got = client(router).models.retrieve("fake/gpt-fake")
    assert (got.id, got.owned_by, got.model_extra["available"]) == ("fake/gpt-fake", "fake", True)
    with pytest.raises(openai.NotFoundError):
        client(router).models.retrieve("nobody/gpt-fake")


def test_models_retrieve_unknown_is_an_openai_404(router: Router) -> None:
    """An id `/v1/models` does not list is the SDK's NotFoundError with code model_not_found naming the id."""
    with pytest.raises(openai.NotFoundError) as info:
        client(router).models.retrieve("gpt-unheard-of")
    err = info.value
    assert (err.status_code, err.code, err.param) == (404, "model_not_found", "model")
    assert "gpt-unheard-of" in err.message and err.body["type"] == "invalid_request_error"


@pytest.mark.parametrize("model_id", ["m" * 257, "gpt-fake\u0000", "gpt-fake\nX-Forged: 1", " "])
def test_models_retrieve_refuses_a_malformed_id(router: Router, model_id: str) -> None:
    """An id no model could have (too long, control characters, blank) is a 400 naming `model`."""
    with pytest.raises(openai.BadRequestError) as info:
        client(router).models.retrieve(model_id)
    assert (info.value.code, info.value.param) == ("invalid_value", "model")


def test_one_structured_log_line_per_request_without_keys(router: Router, caplog: pytest.LogCaptureFixture) -> None:
    """Each call logs id, project, model, status, tokens and latency; no key appears."""
    import logging

    caplog.set_level(logging.INFO, logger="larouter.access")
    raw = client(router).chat.completions.with_raw_response.create(model="gpt-fake", messages=[{"role": "user", "content": "hi"}])

    def lines() -> list[str]:
        return [r.getMessage() for r in caplog.records if r.name == "larouter.access"]

    # A JSON answer is booked (and logged) right after it is sent: the server's loop may not have done it yet.
    wait_until(lambda: len(lines()) >= 1, 10, "the access line")
    assert len(lines()) == 1
    line = lines()[0]
    assert f"id={raw.headers['x-request-id']}" in line and "project=default" in line and "model=gpt-fake" in line
    assert "status=200" in line and "in=4" in line and "out=5" in line and " ms=" in line
    assert FAKE_KEY not in caplog.text and "client-secret" not in caplog.text


def test_access_line_cannot_be_forged_by_a_model_name(router: Router, caplog: pytest.LogCaptureFixture) -> None:
    """A client-chosen model name with a line break is refused (400 naming `model`); one with a fake field stays
    inside one quoted, escaped value of the access line."""
    import logging

    caplog.set_level(logging.INFO, logger="larouter.access")
    with pytest.raises(openai.BadRequestError) as info:
        client(router).chat.completions.create(model="gpt-nope\n2026-01-01 INFO larouter.access: id=forged",
                                               messages=[{"role": "user", "content": "hi"}])
    assert info.value.param == "model" and "control characters" in info.value.message
    forged = 'gpt-nope" id=forged status=200 cost=0'
    with pytest.raises(openai.NotFoundError):
        client(router).chat.completions.create(model=forged, messages=[{"role": "user", "content": "hi"}])
    lines = [r.getMessage() for r in caplog.records if r.name == "larouter.access"]
    assert all("\n" not in line and "id=forged" not in line.split('requested="')[0] for line in lines)
    assert 'requested="gpt-nope\\" id=forged status=200 cost=0"' in lines[-1]
    assert " status=404 " in lines[-1] and "error=model_not_found" in lines[-1]


def test_a_provider_answer_with_infinity_passes_through(router: Router) -> None:
    """A provider may write a logprob of -Infinity (not strict JSON): the answer is relayed and billed, not a 502."""
    out = client(router).chat.completions.create(model="gpt-fake", messages=[{"role": "user", "content": "hi"}], logprobs=True)
    assert out.choices[0].message.content.startswith("echo:")
    assert out.choices[0].logprobs.content[0].logprob == float("-inf") and out.usage.completion_tokens == 5
