"""Bad input and failing upstreams give OpenAI-shaped errors with the right status, never a key."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import socket
from typing import Any

import aiohttp
import openai
import pytest

from tests.conftest import FAKE_KEY, Fake, Router
from tests.support.servers import wait_until


MSGS = [{"role": "user", "content": "hi"}]
TOOL = {"type": "function", "function": {"name": "get_weather", "parameters": {"type": "object"}}}


async def post(router: Router, body: Any, raw: bytes | None = None, path: str = "/v1/chat/completions") -> tuple[int, dict]:
    data = raw if raw is not None else json.dumps(body).encode()
    async with aiohttp.ClientSession() as s:
        async with s.post(router.url + path, data=data, headers={"Content-Type": "application/json"}) as r:
            return r.status, await r.json()


def assert_openai_error(body: dict, code: str | None = None, param: str | None = None) -> dict:
    err = body["error"]
    assert set(err) == {"message", "type", "param", "code"} and err["message"]
    if code:
        assert err["code"] == code, err
    if param:
        assert err["param"] == param, err
    assert FAKE_KEY not in json.dumps(body) and "Traceback" not in json.dumps(body)
    return err


@pytest.mark.parametrize(
    ("body", "param", "code"),
    [
        ({"model": "gpt-fake"}, "messages", "missing_field"),
        ({"messages": MSGS}, "model", "missing_field"),
        ({"model": 3, "messages": MSGS}, "model", "invalid_type"),
        ({"model": "  ", "messages": MSGS}, "model", "invalid_value"),
        ({"model": "m" * 257, "messages": MSGS}, "model", "invalid_value"),
        ({"model": "gpt-fake\u0000", "messages": MSGS}, "model", "invalid_value"),
        ({"model": "gpt-fake\nFORGED 200", "messages": MSGS}, "model", "invalid_value"),
        ({"model": "gpt-fake", "messages": "hi"}, "messages", "invalid_type"),
        ({"model": "gpt-fake", "messages": []}, "messages", None),
        ({"model": "gpt-fake", "messages": [{"content": "x"}]}, "messages[0].role", "invalid_type"),
        ({"model": "gpt-fake", "messages": [{"role": "wizard", "content": "x"}]}, "messages[0].role", None),
        ({"model": "gpt-fake", "messages": [{"role": "user", "content": 5}]}, "messages[0].content", "invalid_type"),
        ({"model": "gpt-fake", "messages": MSGS, "stream": "yes"}, "stream", "invalid_type"),
        ({"model": "gpt-fake", "messages": MSGS, "temperature": "hot"}, "temperature", "invalid_type"),
        ({"model": "gpt-fake", "messages": MSGS, "max_tokens": 0}, "max_tokens", "invalid_type"),
        ({"model": "gpt-fake", "messages": MSGS, "max_tokens": 2**31}, "max_tokens", "invalid_value"),
        ({"model": "gpt-fake", "messages": MSGS, "n": 10**24}, "n", "invalid_value"),
        ({"model": "gpt-fake", "messages": MSGS, "tools": {}}, "tools", "invalid_type"),
        ({"model": "gpt-fake", "messages": MSGS, "tools": [None]}, "tools[0]", "invalid_type"),
        ({"model": "gpt-fake", "messages": MSGS, "tools": [TOOL, "get_weather"]}, "tools[1]", "invalid_type"),
        ({"model": "gpt-fake", "messages": MSGS, "tools": [{}]}, "tools[0].function", "missing_field"),
        ({"model": "gpt-fake", "messages": MSGS, "tools": [{"type": "function", "function": None}]},
         "tools[0].function", "invalid_type"),
        ({"model": "gpt-fake", "messages": MSGS, "tools": [{"type": "function", "function": {"parameters": {}}}]},
         "tools[0].function.name", "missing_field"),
        ({"model": "gpt-fake", "messages": MSGS, "tools": [{"type": "function", "function": {"name": " "}}]},
         "tools[0].function.name", "invalid_value"),
        ({"model": "gpt-fake", "messages": MSGS, "tools": [{"type": ["function"]}]}, "tools[0].type", "invalid_type"),
        ({"model": "gpt-fake", "messages": MSGS, "tools": [TOOL], "tool_choice": 1}, "tool_choice", "invalid_type"),
        ({"model": "gpt-fake", "messages": MSGS, "tools": [TOOL], "tool_choice": {"type": "function"}},
         "tool_choice.function", "missing_field"),
        ({"model": "gpt-fake", "messages": MSGS, "tools": [TOOL], "tool_choice": {"type": "function", "function": {}}},
         "tool_choice.function.name", "missing_field"),
        ({"model": "gpt-fake", "messages": MSGS, "functions": [None]}, "functions[0]", "invalid_type"),
        ({"model": "gpt-fake", "messages": MSGS, "stream_options": {"include_usage": 1}},
         "stream_options.include_usage", "invalid_type"),
    ],
)
async def test_bad_fields_are_400_naming_the_field(router: Router, body: dict, param: str, code: str | None) -> None:
    """Each malformed field gets a 400 whose param names it."""
    status, out = await post(router, body)
    assert status == 400
    err = assert_openai_error(out, code, param)
    assert param.split(".")[0].split("[")[0] in err["message"]
    if code == "invalid_value" and param in ("max_tokens", "n"):  # a positive integer, too large: said so
        assert "too large" in err["message"] and "2,147,483,647" in err["message"], err


async def test_tools_pass_through_untouched(router: Router, fake: Fake) -> None:
    """Tools are checked for shape only: unknown fields, a tool type LARouter does not know and a string tool_choice
    a provider may take reach the provider exactly as sent."""
    tools = [{**TOOL, "x-extra": {"kept": True}, "function": {**TOOL["function"], "strict": True, "x-vendor": 1}},
             {"type": "custom", "custom": {"name": "grammar", "format": {"type": "text"}}},
             {"type": "web_search_preview"}]
    body = {"model": "gpt-fake", "messages": MSGS, "tools": tools, "tool_choice": "any"}
    status, out = await post(router, body)
    assert status == 200, out
    assert fake.state.requests[-1]["tools"] == tools and fake.state.requests[-1]["tool_choice"] == "any"


def test_a_malformed_tool_is_a_400_through_the_sdk(router: Router, fake: Fake) -> None:
    """The openai SDK sending `tools: [null]` gets BadRequestError naming tools[0]; the provider sees nothing."""
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    with pytest.raises(openai.BadRequestError) as caught:
        client.chat.completions.create(model="gpt-fake", messages=MSGS, tools=[None])  # type: ignore[list-item]
    assert caught.value.param == "tools[0]" and "tools[0]" in caught.value.message
    assert fake.state.requests == []


@pytest.mark.parametrize("raw", [b"{not json", b"", b"[1, 2]", b"\xff\xfe"])
async def test_malformed_json_is_400(router: Router, raw: bytes) -> None:
    """Bodies that are not a JSON object are rejected with invalid_json."""
    status, out = await post(router, None, raw)
    assert status == 400
    assert_openai_error(out, "invalid_json")


@pytest.mark.parametrize("path", ["/v1/chat/completions", "/api/route/explain", "/api/projects", "/api/config"])
@pytest.mark.parametrize("depth", [1100, 5000])
async def test_deeply_nested_json_is_400(router: Router, path: str, depth: int) -> None:
    """JSON nested past what the parsers take is a 400 naming the nesting on every JSON endpoint, not a 500."""
    raw = b'{"model": "auto", "messages": [{"role": "user", "content": "hi"}], "x": ' + b"[" * depth + b"]" * depth + b"}"
    async with aiohttp.ClientSession() as s:
        method = s.patch if path == "/api/config" else s.post
        async with method(router.url + path, data=raw, headers={"Content-Type": "application/json"}) as r:
            status, out = r.status, await r.json()
    assert status == 400, out
    assert "nested too deeply" in assert_openai_error(out, "invalid_json")["message"]



@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
async def test_non_finite_numbers_are_400(router: Router, fake: Fake, constant: str) -> None:
    """NaN and Infinity are not JSON (RFC 8259): refused by name, never forwarded to a provider."""
    raw = b'{"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}], "temperature": %s}' % constant.encode()
    status, out = await post(router, None, raw)
    assert status == 400
    assert constant.lstrip("-") in assert_openai_error(out, "invalid_json")["message"]
    assert fake.state.requests == []


async def test_body_text_reaches_the_provider_unchanged(router: Router, fake: Fake) -> None:
    """Non-ASCII text, a lone surrogate (an emoji cut in half by the client) and a large integer seed reach the
    provider exactly as the client sent them."""
    raw = (b'{"model": "gpt-fake", "seed": 9007199254740993, "messages": [{"role": "user", "content": '
           b'"\\u65e5\\u672c\\u8a9e \\u2713 caf\\u00e9 \\ud83d end"}, {"role": "user", "content": "\\u00e9\\ud83d\\ude00"}]}')
    status, out = await post(router, None, raw)
    assert status == 200, out
    sent = json.loads(raw)
    got = fake.state.requests[-1]
    assert got["messages"] == sent["messages"] and got["seed"] == sent["seed"]

async def test_unknown_model_is_404(router: Router) -> None:
    """A model nobody serves is a 404 model_not_found."""
    status, out = await post(router, {"model": "gpt-nonexistent", "messages": MSGS})
    assert status == 404
    assert "gpt-nonexistent" in assert_openai_error(out, "model_not_found", "model")["message"]


async def test_keyless_provider_is_503_with_hint(router: Router) -> None:
    """A model whose provider has no key explains which variable to set."""
    status, out = await post(router, {"model": "claude-sonnet-4-5", "messages": MSGS})
    assert status == 503
    assert "ANTHROPIC_API_KEY" in assert_openai_error(out, "provider_unavailable")["message"]


async def test_unknown_route_and_method_are_openai_shaped(router: Router) -> None:
    """Routing errors use the same error shape."""
    async with aiohttp.ClientSession() as s:
        async with s.get(router.url + "/v1/nope") as r:
            assert r.status == 404
            assert_openai_error(await r.json(), "not_found")
        async with s.get(router.url + "/v1/chat/completions") as r:
            assert r.status == 405 and r.headers["Allow"] == "POST"  # (RFC 9110: a 405 names the methods allowed)
            out = await r.json()
            assert_openai_error(out, "method_not_allowed")
            assert "allowed: POST" in out["error"]["message"]
        async with s.post(router.url + "/health") as r:
            assert r.status == 405 and set(r.headers["Allow"].split(",")) >= {"GET"}, r.headers


@pytest.mark.parametrize("call", ["embeddings", "responses", "completions"])
def test_an_openai_endpoint_larouter_does_not_proxy_says_so(router: Router, call: str) -> None:
    """The SDK pointed at LARouter for embeddings (or the Responses API, or legacy completions) gets a 404 that says
    what LARouter serves and that the provider is the place for the rest, not a bare "no such endpoint"."""
    client = openai.OpenAI(base_url=router.url + "/v1", api_key="x", max_retries=0)
    calls = {"embeddings": lambda: client.embeddings.create(model="text-embedding-3-small", input="hi"),
             "responses": lambda: client.responses.create(model="gpt-fake", input="hi"),
             "completions": lambda: client.completions.create(model="gpt-fake", prompt="hi")}
    with pytest.raises(openai.NotFoundError) as caught:
        calls[call]()
    message = caught.value.body["message"]
    assert f"/v1/{call}" in message and "proxies POST /v1/chat/completions" in message, message
    assert "call the provider for those" in message, message


async def test_unreachable_provider_is_502_naming_it(make_router: Any) -> None:
    """A provider nobody listens for gives 502 with the provider named."""
    extra = '\n[providers.dead]\nbase_url = "http://127.0.0.1:9/v1"\napi_key = "sk-dead-key-123456"\nmodels = ["dead-model"]\n'
    router = make_router(extra_toml=extra)
    status, out = await post(router, {"model": "dead-model", "messages": MSGS})
    assert status == 502
    err = assert_openai_error(out, "upstream_unreachable")
    assert "'dead'" in err["message"] and "sk-dead" not in json.dumps(out)


@pytest.mark.parametrize("stream", [False, True])
async def test_hanging_provider_is_504(router: Router, stream: bool) -> None:
    """A provider that never answers times out with 504 after its read_timeout."""
    status, out = await post(router, {"model": "fake-hang", "messages": MSGS, "stream": stream})
    assert status == 504
    assert "'fake'" in assert_openai_error(out, "upstream_timeout")["message"]


async def test_a_provider_that_cannot_be_reached_in_time_is_no_read_timeout(make_router: Any) -> None:
    """A provider whose listen queue is full (the connection is never made) times out after its connect_timeout:
    the 504 says so, not "did not answer within" its read_timeout, and the row bills nothing (nothing was sent),
    while a provider that had the request and went silent (fake-hang) may have billed it: estimated prompt."""
    with socket.socket() as tarpit:
        tarpit.bind(("127.0.0.1", 0))
        tarpit.listen(0)
        queued = [socket.create_connection(tarpit.getsockname(), timeout=2)]  # fills the queue of a backlog of 0
        try:
            extra = (f'\n[providers.tarpit]\nbase_url = "http://127.0.0.1:{tarpit.getsockname()[1]}/v1"\n'
                     'models = ["tarpit-model"]\napi_key = "sk-tarpit-key-123456"\nconnect_timeout = 0.3\n')
            router = make_router(extra_toml=extra)
            status, out = await post(router, {"model": "tarpit-model", "messages": MSGS})
        finally:
            for conn in queued:
                conn.close()
    err = assert_openai_error(out, "upstream_timeout")
    assert status == 504 and "no connection within 0.3 s (its connect_timeout)" in err["message"], err
    status, _ = await post(router, {"model": "fake-hang", "messages": MSGS})
    assert status == 504
    async with aiohttp.ClientSession() as s:
        async def rows() -> list[dict[str, str]]:
            async with s.get(router.url + "/api/usage/export?period=all") as r:
                return list(csv.DictReader(io.StringIO(await r.text())))
        deadline = asyncio.get_running_loop().time() + 10
        while len(got := await rows()) < 2 and asyncio.get_running_loop().time() < deadline:
            await asyncio.sleep(0.05)
    by_model = {row["requested_model"]: row for row in got}
    assert (by_model["tarpit-model"]["input_tokens"], by_model["tarpit-model"]["tokens_estimated"]) == ("0", "false")
    hang = by_model["fake-hang"]
    assert int(hang["input_tokens"]) > 0 and hang["tokens_estimated"] == "true", hang


@pytest.mark.parametrize(("model", "status", "code"),
                         [("fake-401", 502, "upstream_auth_failed"), ("fake-403", 502, "upstream_forbidden"),
                          ("fake-500", 502, "upstream_error"),
                          ("fake-429", 429, None), ("fake-notjson", 502, "upstream_bad_response")])
async def test_provider_errors_are_mapped_without_keys(router: Router, model: str, status: int, code: str | None) -> None:
    """Upstream failures become our errors; a 401 that echoes the key never leaks it; a 403 keeps the provider's
    words (a model the account may not use is not a bad key)."""
    got, out = await post(router, {"model": model, "messages": MSGS})
    assert got == status
    assert_openai_error(out, code)
    assert "sk-fake" not in json.dumps(out)
    if model == "fake-403":
        assert "refused access (HTTP 403): Project does not have access to model" in out["error"]["message"], out


def test_drop_mid_stream_gives_sse_error_event(router: Router) -> None:
    """The client sees the partial answer, then a well-formed error event, then the end."""
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    got = []
    with pytest.raises(openai.APIError) as info:
        for chunk in c.chat.completions.create(model="fake-drop", messages=MSGS, stream=True):
            got.append(chunk.choices[0].delta.content)
    assert "partial" in got
    assert info.value.message == ("provider 'fake' dropped the connection mid-stream: its answer ended before it was "
                                  "complete"), info.value.message  # in words: no aiohttp exception


async def test_drop_mid_stream_raw_events(router: Router) -> None:
    """On the wire: data events, then one `data: {"error": ...}` event, and no [DONE]."""
    async with aiohttp.ClientSession() as s:
        async with s.post(router.v1 + "/chat/completions", json={"model": "fake-drop", "messages": MSGS, "stream": True}) as r:
            text = (await r.read()).decode()
    events = [e for e in text.split("\n\n") if e]
    last = json.loads(events[-1].removeprefix("data: "))
    assert_openai_error(last, "upstream_disconnected")
    assert "[DONE]" not in text


async def test_client_disconnect_cancels_upstream(router: Router, fake: Fake) -> None:
    """Closing the client connection mid-stream closes the upstream request too."""
    async with aiohttp.ClientSession() as s:
        r = await s.post(router.v1 + "/chat/completions", json={"model": "fake-slow", "messages": MSGS, "stream": True})
        await r.content.readline()
        await r.content.readline()
        r.close()
    wait_until(lambda: fake.state.disconnects == ["fake-slow"], 5.0, "upstream to see the disconnect")
