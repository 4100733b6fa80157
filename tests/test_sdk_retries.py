"""The OpenAI SDK retries 408, 409, 429 and 5xx answers twice by default: an error no retry can cure (a provider key
missing or refused, a model not downloaded, no candidate) says `x-should-retry: false`, so the SDK gives up at once
instead of hitting the provider three times with a rejected key; a transient failure stays retryable. So does a
provider's read timeout after it had the request: it may still be running it, and bills it. OpenAI's reasoning models
get longer to think before their first byte."""

from __future__ import annotations

from typing import Any, Callable

import httpx2
import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.fake_extra import LATE_MARK
from tests.support.servers import http_json

HI = [{"role": "user", "content": "hi"}]
NOKEY = '\n[providers.nokey]\nbase_url = "http://127.0.0.1:9/v1"\napi_key_env = "LAROUTER_TEST_NO_SUCH_KEY"\nmodels = ["nokey-model"]\n'


def _sdk(router: Router) -> tuple[openai.OpenAI, list[Any]]:
    """A client with the SDK's default retries that counts every attempt it sends."""
    sent: list[Any] = []
    http = httpx2.Client(event_hooks={"request": [sent.append]})
    return openai.OpenAI(base_url=router.v1, api_key="x", max_retries=2, http_client=http), sent


@pytest.mark.parametrize(("model", "status", "code", "upstream"), [
    ("fake-401", 502, "upstream_auth_failed", 1), ("fake-403", 502, "upstream_forbidden", 1),
    ("nokey-model", 503, "provider_unavailable", 0), ("gemma-4-e2b", 409, "model_not_downloaded", 0)])
def test_errors_a_retry_cannot_cure_are_sent_once(make_router: Callable[..., Router], fake: Fake, model: str,
                                                  status: int, code: str, upstream: int) -> None:
    client, sent = _sdk(make_router(NOKEY))
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model=model, messages=HI)
    assert info.value.status_code == status and info.value.code == code, info.value.body
    assert info.value.response.headers.get("x-should-retry") == "false"
    assert len(sent) == 1 and len(fake.state.requests) == upstream, (len(sent), len(fake.state.requests))


def _only(router: Router, model: str, default: str) -> Router:
    """Every tier's chain is `model`, then `default` (the default model)."""
    chains = {tier: [model] for tier in ("HEARTBEAT", "SIMPLE", "MEDIUM", "COMPLEX", "REASONING")}
    patch = {"routing": {"default_model": default, "policies": {"cost-optimized": chains}}}
    assert http_json("PATCH", router.url + "/api/config", patch)[0] == 200
    return router


def test_no_candidate_is_sent_once(make_router: Callable[..., Router]) -> None:
    """`auto` with no usable candidate (every model of the chain, the default included, lacks a key): 503
    no_candidate, one attempt."""
    client, sent = _sdk(_only(make_router(NOKEY), "nokey-model", "nokey-model"))
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="auto", messages=HI)
    assert info.value.status_code == 503 and info.value.code == "no_candidate", info.value.body
    assert len(sent) == 1


def test_a_transient_failure_is_still_retried(router: Router, fake: Fake) -> None:
    """A provider's 500 (502 upstream_error) and 429 carry no `x-should-retry`: the SDK retries the 500 as usual."""
    client, sent = _sdk(router)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="fake-500", messages=HI)
    assert info.value.status_code == 502 and "x-should-retry" not in info.value.response.headers
    assert len(sent) == 3 and len(fake.state.requests) == 3
    with pytest.raises(openai.RateLimitError) as limited:
        openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions.create(model="fake-429",
                                                                                              messages=HI)
    assert "x-should-retry" not in limited.value.response.headers


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
    client, sent = _sdk(_only(make_router(), "fake-late", "fake-500"))
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
