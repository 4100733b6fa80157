"""Deeply nested JSON, in a body or inside a string of one, is a 400 naming the limit or plain text to the classifier:
never a 500 and a traceback (review AX 1)."""

from __future__ import annotations

import json
from typing import Any, Callable

import aiohttp
import pytest

from larouter import jsonx
from tests.conftest import Fake, Router

DEEP_ARRAY = "[" * 5000 + "]" * 5000
DEEP_OBJECT = '{"a": ' * 3000 + "1" + "}" * 3000
PAST_TEXT_DEPTH = '{"items": ' + "[" * 100 + '{"status": "failed"}' + "]" * 100 + "}"  # parses; deeper than read
DEEP_XML = "<a>" * 5000 + "</a>" * 5000
# Strings a client or a tool may put in a message: each looks like JSON or XML to one of the classifier's readers.
HOSTILE = [
    DEEP_ARRAY,
    DEEP_OBJECT,
    DEEP_ARRAY + "\n--- and then text",  # a tool result that opens with JSON
    '{"type": "user_message", "message": "hi", "x": ' + DEEP_ARRAY + "}",  # a Letta-style JSON user turn
    '{"type": "message", "x": ' + DEEP_ARRAY + "}",
    PAST_TEXT_DEPTH,
    DEEP_XML,
    '<report status="x">' + DEEP_XML + "</report>",
]
LIMIT = 255  # levels orjson writes: the most a body may nest (jsonx.WRITE_DEPTH)
LOCAL = '\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\n'


@pytest.fixture
def routed(make_router: Callable[..., Router], fake: Fake) -> Router:
    env = {"OPENAI_BASE_URL": fake.url + "/v1", "OPENAI_API_KEY": "sk-openai-fake-000000"}
    return make_router(extra_toml=LOCAL.format(url=fake.url), env=env)


async def send(router: Router, path: str, raw: bytes, method: str = "POST") -> tuple[int, dict[str, Any]]:
    async with aiohttp.ClientSession() as s:
        async with s.request(method, router.url + path, data=raw, headers={"Content-Type": "application/json"}) as r:
            return r.status, await r.json()


def conversations(text: str) -> list[list[dict[str, Any]]]:
    """`text` as a user turn, as a tool result after a check-in trigger (its lookups are read), as a scheduled
    report, and as a tool call's arguments."""
    call = {"id": "c1", "type": "function", "function": {"name": "read", "arguments": json.dumps(
        {"path": "HEARTBEAT.md", "x": text})}}
    return [
        [{"role": "user", "content": text}],
        [{"role": "user", "content": [{"type": "text", "text": text}]}],
        [{"role": "user", "content": "poll 1545Z"},
         {"role": "assistant", "content": None, "tool_calls": [{**call, "function": {"name": "f", "arguments": "{}"}}]},
         {"role": "tool", "tool_call_id": "c1", "content": text}],
        [{"role": "user", "content": "poll 1545Z"}, {"role": "assistant", "content": None, "tool_calls": [call]},
         {"role": "tool", "tool_call_id": "c1", "content": text}],
        [{"role": "system", "content": "Scheduled check. Reply HEARTBEAT_OK if nothing needs attention."},
         {"role": "user", "content": "[cron:nightly] System report:\n" + text}],
        [{"role": "user", "content": "System: [2026-03-10 09:12 UTC] Cron job finished\n\n" + text}],
    ]


@pytest.mark.parametrize("which", range(len(HOSTILE)))
async def test_nested_text_is_read_as_text_by_the_classifier(routed: Router, fake: Fake, which: int) -> None:
    """A message whose text is JSON or XML nested thousands of levels deep (a user turn, a tool result, a call's
    arguments) is routed, explained and sent on: the classifier never raises on a string."""
    for messages in conversations(HOSTILE[which]):
        raw = json.dumps({"model": "auto", "messages": messages}).encode()
        status, out = await send(routed, "/api/route/explain", raw)
        assert status == 200 and out.get("tier"), out
        status, out = await send(routed, "/v1/chat/completions", raw)
        assert status == 200 and out["choices"], out
        assert fake.state.requests[-1]["messages"] == messages  # sent on untouched


def nested(depth: int) -> str:
    """JSON of an object nested `depth` levels deep ({} is one level; built as text: json.dumps recurses)."""
    return '{"a": ' * (depth - 1) + "{}" + "}" * (depth - 1)


@pytest.mark.parametrize("depth", [LIMIT, LIMIT + 1, 500, 1000])
async def test_a_body_deeper_than_larouter_can_send_on_is_400(router: Router, fake: Fake, depth: int) -> None:
    """A body nested deeper than the daemon can write back (orjson writes 255 levels) is a 400 naming the limit; one
    at the limit goes to the provider intact. (1,000 levels of `metadata` used to be a 500: json.dumps recursed out.)"""
    raw = ('{"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}], "metadata": %s}'
           % nested(depth - 1)).encode()
    for path in ("/v1/chat/completions", "/api/route/explain"):
        status, out = await send(router, path, raw)
        if depth <= LIMIT:
            assert status == 200, out
        else:
            assert status == 400, out
            err = out["error"]
            assert err["code"] == "invalid_json" and err["type"] == "invalid_request_error", err
            assert "nested too deeply" in err["message"] and f"more than {LIMIT} levels" in err["message"]
    if depth <= LIMIT:
        assert fake.state.requests[-1]["metadata"] == jsonx.loads(nested(depth - 1))


@pytest.mark.parametrize("prefix", [("routing",), ("providers", "fake", "prices", "gpt-fake"), ("routing", "policies", "p"),
                                    ("local", "models", "m"), ("server",)])
@pytest.mark.parametrize("depth", [40, LIMIT, 1000])
async def test_a_deep_config_patch_is_400(router: Router, prefix: tuple[str, ...], depth: int) -> None:
    """PATCH /api/config nested deeply under any table is a 400 naming the problem (1,000 levels used to be a 500 in
    the walk of the patch's key paths); nothing is changed."""
    patch = nested(depth - len(prefix))
    for key in reversed(prefix):
        patch = '{"%s": %s}' % (key, patch)
    before = await send(router, "/api/config", b"", "GET")
    status, out = await send(router, "/api/config", patch.encode(), "PATCH")
    assert status == 400, out
    err = out["error"]
    assert err["type"] == "invalid_request_error" and err["code"] in ("invalid_json", "invalid_config"), err
    if depth > LIMIT:
        assert "nested too deeply" in err["message"], err
    assert await send(router, "/api/config", b"", "GET") == before
