"""The OpenAI SDK retries 408, 409, 429 and 5xx answers twice by default: an error no retry can cure (a provider key
missing or refused, a model not downloaded, no candidate) says `x-should-retry: false`, so the SDK gives up at once
instead of hitting the provider three times with a rejected key; a transient failure stays retryable."""

from __future__ import annotations

from typing import Any, Callable

import httpx2
import openai
import pytest

from tests.conftest import Fake, Router
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


def test_no_candidate_is_sent_once(make_router: Callable[..., Router]) -> None:
    """`auto` with no usable candidate (every model of the chain, the default included, lacks a key): 503
    no_candidate, one attempt."""
    router = make_router(NOKEY)
    chains = {tier: ["nokey-model"] for tier in ("HEARTBEAT", "SIMPLE", "MEDIUM", "COMPLEX", "REASONING")}
    patch = {"routing": {"default_model": "nokey-model", "policies": {"cost-optimized": chains}}}
    assert http_json("PATCH", router.url + "/api/config", patch)[0] == 200
    client, sent = _sdk(router)
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
