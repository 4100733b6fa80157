"""A provider that had the request and then sent nothing for its read timeout may still be running it, and bills it:
its 504 says `x-should-retry: false`, so the OpenAI SDK (which retries a 5xx twice by default) does not send it again
and have it billed three times. OpenAI's reasoning models get longer to think before their first byte."""

from __future__ import annotations

from typing import Any, Callable

import httpx2
import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.fake_extra import LATE_MARK
from tests.support.servers import http_json

HI = [{"role": "user", "content": "hi"}]


def _sdk(router: Router) -> tuple[openai.OpenAI, list[Any]]:
    """A client with the SDK's default retries that counts every attempt it sends."""
    sent: list[Any] = []
    http = httpx2.Client(event_hooks={"request": [sent.append]})
    return openai.OpenAI(base_url=router.v1, api_key="x", max_retries=2, http_client=http), sent


def test_a_named_model_that_answers_after_its_read_timeout_is_called_once(router: Router, fake: Fake) -> None:
    client, sent = _sdk(router)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="fake-late", messages=HI)
    assert info.value.status_code == 504 and info.value.code == "upstream_timeout", info.value.body
    assert info.value.response.headers.get("x-should-retry") == "false"
    assert len(sent) == 1 and len(fake.state.requests) == 1, (len(sent), len(fake.state.requests))
    assert "did not answer within 2 s (its read_timeout)" in info.value.message


def test_auto_does_not_invite_a_retry_after_a_candidate_timed_out(make_router: Callable[..., Router],
                                                                  fake: Fake) -> None:
    """Every candidate failed, the last with a 500 a retry might cure; but the first timed out with the request, and
    a retry would walk the chain again and have it bill the request once more: `x-should-retry: false`."""
    router = make_router()
    chains = {tier: ["fake-late"] for tier in ("HEARTBEAT", "SIMPLE", "MEDIUM", "COMPLEX", "REASONING")}
    patch = {"routing": {"default_model": "fake-500", "policies": {"cost-optimized": chains}}}
    assert http_json("PATCH", router.url + "/api/config", patch)[0] == 200
    client, sent = _sdk(router)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="auto", messages=HI)
    assert info.value.status_code == 502 and "fake-late failed (upstream_timeout)" in info.value.message
    assert info.value.response.headers.get("x-should-retry") == "false", info.value.response.headers
    assert len(sent) == 1 and [r["model"] for r in fake.state.requests] == ["fake-late", "fake-500"]


@pytest.mark.parametrize("stream", [False, True])
def test_a_reasoning_model_may_think_past_read_timeout(make_router: Callable[..., Router], fake: Fake,
                                                       stream: bool) -> None:
    """With read_timeout 2 and reasoning_read_timeout 4, o4-mini answering after 3 s is waited for; gpt-4.1 on the
    same provider is given up after 2 s, and its 504 names the setting."""
    env = {"OPENAI_BASE_URL": fake.url + "/v1", "OPENAI_API_KEY": "sk-openai-fake-000000",
           "LAROUTER_PROVIDERS__OPENAI__READ_TIMEOUT": "2", "LAROUTER_PROVIDERS__OPENAI__REASONING_READ_TIMEOUT": "4"}
    client = openai.OpenAI(base_url=make_router(env=env).v1, api_key="x", max_retries=0)
    late = [{"role": "user", "content": f"think {LATE_MARK}"}]
    answer = client.chat.completions.create(model="o4-mini", messages=late, stream=stream)
    text = "".join(ch.choices[0].delta.content or "" for ch in answer if ch.choices) if stream else (
        answer.choices[0].message.content)
    assert text
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="gpt-4.1", messages=late)
    assert info.value.status_code == 504 and "within 2 s (its read_timeout)" in info.value.message


def test_a_named_stream_that_sends_nothing_within_its_read_timeout_is_a_504(router: Router, fake: Fake) -> None:
    """A named stream whose provider sends its headers and then nothing for its read timeout: the response's headers
    wait for the provider's first byte, so the client gets the JSON path's 504 (`x-should-retry: false`, sent once)
    saying that nothing came, not a 200 and an error event about a stream that stopped "mid-stream"."""
    client, sent = _sdk(router)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="fake-late", messages=HI, stream=True)
    assert info.value.status_code == 504 and info.value.code == "upstream_timeout", info.value.body
    assert info.value.response.headers.get("x-should-retry") == "false" and len(sent) == 1
    assert info.value.message.endswith("sent its headers, then nothing of its answer within 2 s (its read_timeout)")
