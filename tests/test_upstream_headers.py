"""What LARouter passes on from a provider's answer headers: its Retry-After on a 429 or 503 (sanitised, capped), so a
client waits as the provider asked, and its own request id as `x-upstream-request-id`, to quote to the provider."""

from __future__ import annotations

import email.utils
import openai
import pytest

from larouter.proxy.answer_headers import RETRY_AFTER_CAP, retry_after
from tests.support.fake_openai import OPERATOR_HEADERS, RATE_LIMITS
from tests.conftest import Fake, Router
from tests.test_explain_agrees import post

HI = [{"role": "user", "content": "hi"}]


@pytest.mark.parametrize("stream", [False, True])
def test_a_providers_503_retry_after_is_relayed(router: Router, fake: Fake, stream: bool) -> None:
    """The provider's 503 with `Retry-After: 1` is our 502 with `Retry-After: 1` and its request id."""
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="fake-503-retry", messages=HI, stream=stream)
    headers = info.value.response.headers
    assert info.value.status_code == 502 and headers.get("retry-after") == "1", dict(headers)
    assert headers.get("x-upstream-request-id") == "req_fake_1", dict(headers)
    assert "x-should-retry" not in headers


def test_the_sdk_waits_as_the_provider_asked(router: Router, fake: Fake) -> None:
    """With retries on, the SDK retries the 503 after the relayed Retry-After (1 s), not its own 0.5 s backoff."""
    import time

    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=1)
    started = time.monotonic()
    with pytest.raises(openai.APIStatusError):
        client.chat.completions.create(model="fake-503-retry", messages=HI)
    assert time.monotonic() - started >= 1.0 and len(fake.state.requests) == 2


def test_a_routed_call_keeps_the_last_failures_retry_after(router: Router, fake: Fake) -> None:
    """`auto`: a candidate that answers after a 503 gives a 200 without Retry-After, with its own request id; when
    every candidate failed and the last said 503 with Retry-After, the answer carries it."""
    from tests.support.servers import http_json

    def chains(*models: str) -> dict:
        return {tier: list(models) for tier in ("SIMPLE", "MEDIUM")}

    patch = {"routing": {"cooldown": 0.001, "policies": {"cost-optimized": chains("fake-503-retry", "gpt-fake")}}}
    assert http_json("PATCH", router.url + "/api/config", patch)[0] == 200
    status, headers, _ = post(router.v1 + "/chat/completions", {"model": "auto", "messages": HI})
    assert status == 200 and "retry-after" not in headers and headers["x-upstream-request-id"] == "req_fake_2", \
        (status, headers)
    patch = {"routing": {"default_model": "fake-503-retry",
                         "policies": {"cost-optimized": chains("fake-500", "fake-503-retry")}}}
    assert http_json("PATCH", router.url + "/api/config", patch)[0] == 200
    status, headers, out = post(router.v1 + "/chat/completions", {"model": "auto", "messages": HI})
    assert status == 502 and headers.get("retry-after") == "1", (status, headers, out)
    assert headers["x-upstream-request-id"] == "req_fake_4", headers


@pytest.mark.parametrize("stream", [False, True])
def test_a_successful_answer_names_the_providers_request_id(router: Router, stream: bool) -> None:
    raw = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions.with_raw_response.create(
        model="gpt-fake", messages=HI, stream=stream)
    assert raw.headers.get("x-upstream-request-id") == "req_fake_1", dict(raw.headers)


def test_a_429_retry_after_and_request_id_are_relayed(router: Router) -> None:
    status, headers, _ = post(router.v1 + "/chat/completions", {"model": "fake-429-retry", "messages": HI})
    assert status == 429 and headers["retry-after"] == "7" and headers["x-upstream-request-id"] == "req_fake_1"


def test_retry_after_is_sanitised() -> None:
    """Whole seconds, an HTTP-date as the seconds until then; capped; anything else dropped."""
    now = 1_800_000_000.0
    assert retry_after("7", now) == "7" and retry_after(" 30 ", now) == "30"
    assert retry_after("99999999", now) == str(RETRY_AFTER_CAP)
    assert retry_after(email.utils.formatdate(now + 42, usegmt=True), now) == "42"
    assert retry_after(email.utils.formatdate(now - 42, usegmt=True), now) == "0"
    for bad in ("", None, "1.5", "-3", "soon", "7\r\nX-Evil: 1", "Wed, 99 Foo 2026"):
        assert retry_after(bad, now) is None, bad


def test_at_debug_level_each_answer_names_its_provider_request_id(router: Router, fake: Fake,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    """The debug line is built only when debug is on (its arguments cost a few µs a request), and then it is there."""
    import logging

    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    with caplog.at_level(logging.INFO, logger="larouter.proxy"):
        client.chat.completions.create(model="gpt-fake", messages=HI)
    assert "answered HTTP" not in caplog.text
    with caplog.at_level(logging.DEBUG, logger="larouter.proxy"):
        client.chat.completions.create(model="gpt-fake", messages=HI)
    assert "answered HTTP 200 (its request id: req_fake_2)" in caplog.text, caplog.text


@pytest.mark.parametrize("model, stream", [("gpt-fake", False), ("gpt-fake", True), ("auto", False), ("auto", True)])
def test_the_providers_rate_limits_reach_the_client(router: Router, fake: Fake, model: str, stream: bool) -> None:
    """The provider's `x-ratelimit-*` and `openai-processing-ms` reach the client as it sent them, named or routed,
    JSON or stream (a client throttling on them read None, review AQ); its organization and project ids (the
    operator's account) do not."""
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    with client.chat.completions.with_streaming_response.create(model=model, messages=HI, stream=stream) as resp:
        resp.read()
        headers = resp.headers
    assert headers["x-larouter-provider"] == "fake", dict(headers)
    assert {name: headers.get(name) for name in RATE_LIMITS} == RATE_LIMITS, dict(headers)
    assert not any(name in headers for name in OPERATOR_HEADERS), dict(headers)


def test_a_providers_429_brings_its_rate_limits(router: Router, fake: Fake) -> None:
    """A 429 relayed to the client carries the provider's rate-limit headers beside its Retry-After."""
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    with pytest.raises(openai.RateLimitError) as info:
        client.chat.completions.create(model="fake-429-retry", messages=HI)
    headers = info.value.response.headers
    assert headers.get("retry-after") == "7" and headers.get("x-ratelimit-remaining-requests") == "99", dict(headers)


def test_headers_for_a_providers_own_features_are_passed_on(router: Router, fake: Fake) -> None:
    """OpenRouter's attribution (`HTTP-Referer`, `X-Title`) and the beta switches (`anthropic-beta`, `OpenAI-Beta`)
    reach the provider (they were dropped without a word, review AQ); the client's organization and project (its own
    account: they would have to match LARouter's key), its key and other headers do not."""
    sent = {"HTTP-Referer": "https://app.example", "X-Title": "My App", "anthropic-beta": "prompt-caching-2024-07-31",
            "OpenAI-Beta": "assistants=v2"}
    client = openai.OpenAI(base_url=router.v1, api_key="client-key", max_retries=0, organization="org-client",
                           project="proj_client", default_headers={**sent, "X-Other": "no"})
    client.chat.completions.create(model="gpt-fake", messages=HI)
    (got,) = fake.state.headers
    assert {name: got.get(name) for name in sent} == sent, got
    lowered = {name.lower() for name in got}
    assert not lowered & {"openai-organization", "openai-project", "x-other"}, got
    assert got["Authorization"] != "Bearer client-key", got
