"""What LARouter passes on from a provider's answer headers: its Retry-After on a 429 or 503 (sanitised, capped), so a
client waits as the provider asked, and its own request id as `x-upstream-request-id`, to quote to the provider."""

from __future__ import annotations

import email.utils
import openai
import pytest

from larouter.proxy.upstream import RETRY_AFTER_CAP, retry_after
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
