"""Cooldowns under `auto`: a candidate whose stream breaks after the client had its first byte cools down (and the
conversation stops sticking to it) as one that fails before does; a 429 or 503 with Retry-After cools it that long."""

from __future__ import annotations

import time
from typing import Any, Callable

import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.servers import http_json, wait_until

TIERS = ("HEARTBEAT", "SIMPLE", "MEDIUM", "COMPLEX", "REASONING")
FIRST = {"role": "user", "content": "Implement a thread-safe LRU cache in Python with TTL expiry and tests."}


def chained(make_router: Callable[..., Router], chain: list[str], **routing: Any) -> Router:
    """A router whose every tier walks `chain`, then gpt-fake (the default model)."""
    router = make_router()
    patch = {"routing": {"policies": {"cost-optimized": {tier: chain for tier in TIERS}}, **routing}}
    assert http_json("PATCH", router.url + "/api/config", patch)[0] == 200
    return router


def cooling(router: Router, messages: list[dict[str, Any]]) -> dict[str, float | None]:
    """Each candidate's `coolingDown` in explain's answer for this conversation."""
    status, out = http_json("POST", router.url + "/api/route/explain", {"model": "auto", "messages": messages})
    assert status == 200, out
    return {c["model"]: c["coolingDown"] for c in out["candidates"]}


def broken_stream(router: Router, messages: list[dict[str, Any]]) -> str:
    """Stream an `auto` turn that breaks after its first content; the model that sent it."""
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=messages, stream=True)
    with pytest.raises(openai.APIError):
        for _ in raw.parse():
            pass
    return raw.headers["x-larouter-model"]


@pytest.mark.parametrize("model", ["fake-drop", "fake-stall", "fake-content-error"])
def test_a_stream_that_breaks_after_its_first_byte_cools_its_model(make_router: Callable[..., Router], fake: Fake,
                                                                   model: str) -> None:
    """A dropped connection, a read timeout or an error event after content: the client's stream is lost (it was
    committed), but explain shows the model cooling down and the conversation's next turn goes to the next one. (A
    drop or a silence cools its provider as a whole too, gpt-fake's included, but gpt-fake is tried first.)"""
    router = chained(make_router, [model, "gpt-fake"])
    assert broken_stream(router, [FIRST]) == model
    turn = [FIRST, {"role": "assistant", "content": "partial"}, {"role": "user", "content": "go on"}]
    cool = cooling(router, turn)
    assert cool[model] is not None and 0 < cool[model] <= 30, cool
    assert list(cool) == ["gpt-fake", model] and (cool["gpt-fake"] is None) == (model == "fake-content-error"), cool
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=turn)
    assert raw.headers["x-larouter-model"] == "gpt-fake" and fake.state.requests[-1]["model"] == "gpt-fake"


def test_a_broken_stream_unsticks_its_conversation(make_router: Callable[..., Router], fake: Fake) -> None:
    """gpt-fake fails, fake-drop takes the conversation and breaks mid-stream: once both cooldowns are over, the
    conversation's next turn goes by the chain's order (gpt-fake) instead of sticking to fake-drop."""
    router = chained(make_router, ["gpt-fake", "fake-drop"], cooldown=1.0)
    fake.state.failing.add("gpt-fake")
    assert broken_stream(router, [FIRST]) == "fake-drop"
    fake.state.failing.clear()
    turn = [FIRST, {"role": "assistant", "content": "partial"}, {"role": "user", "content": "go on"}]
    wait_until(lambda: all(left is None for left in cooling(router, turn).values()), 5, "the cooldowns to end")
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=turn)
    assert raw.headers["x-larouter-model"] == "gpt-fake" and "sticky" not in raw.headers["x-larouter-reason"]


@pytest.mark.parametrize(("model", "low", "high"), [  # the cooldown's length when it was set (an HTTP-date: whole s)
    ("fake-429-retry", 7.0, 7.0), ("fake-429-ms", 7.0, 7.0), ("fake-429-date", 6.0, 7.0), ("fake-503-retry", 2.0, 2.0)])
def test_a_provider_that_asks_to_wait_cools_that_long(make_router: Callable[..., Router], fake: Fake, model: str,
                                                      low: float, high: float) -> None:
    """A 429 with `Retry-After: 7` (or `retry-after-ms: 7000`, or an HTTP-date 7 s ahead) cools its candidate for 7 s,
    not `routing.cooldown` (2 here); a 503's `Retry-After: 1` is shorter than the cooldown, which it keeps."""
    router = chained(make_router, [model, "gpt-fake"], cooldown=2.0)
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    started = time.monotonic()
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=[FIRST])
    assert raw.headers["x-larouter-model"] == "gpt-fake" and [r["model"] for r in fake.state.requests] == [model, "gpt-fake"]
    left = cooling(router, [FIRST])[model]
    # It has run down since it was set, by at most the time the call and explain took (a fixed allowance, 0.5 s for
    # the 503's, failed whenever the servers' loop stalled longer, as on a loaded CI machine); explain rounds to 0.1 s.
    ran = time.monotonic() - started
    assert left is not None and low - ran - 0.05 <= left <= high, (left, ran)


def test_a_cooldown_a_provider_asks_for_is_capped() -> None:
    from larouter.routing.cooldowns import MAX_COOLDOWN, Cooldowns

    cooldowns = Cooldowns(seconds=30.0)
    cooldowns.fail("p/a", 10 * MAX_COOLDOWN)
    cooldowns.fail("p/b", None)
    left_a, left_b = cooldowns.left("p/a"), cooldowns.left("p/b")
    assert left_a is not None and MAX_COOLDOWN - 5 < left_a <= MAX_COOLDOWN
    assert left_b is not None and 25 < left_b <= 30


def test_a_lower_cooldown_shortens_the_running_ones(make_router: Callable[..., Router], fake: Fake) -> None:
    """Review 12: lowering `routing.cooldown` by PATCH left a running cooldown counting down from the old length;
    it ends when the new length would now, except one the provider asked for (Retry-After), which it keeps."""
    router = chained(make_router, ["fake-500", "fake-429-retry", "gpt-fake"], cooldown=5.0)
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    started = time.monotonic()
    assert client.chat.completions.with_raw_response.create(model="auto", messages=[FIRST]).headers[
        "x-larouter-model"] == "gpt-fake"
    before = cooling(router, [FIRST])
    ran = time.monotonic() - started + 0.05  # what they may have run down since they were set (and explain's rounding)
    assert before["fake-500"] is not None and before["fake-500"] >= 5 - ran and before["fake-429-retry"] >= 7 - ran, \
        (before, ran)
    assert http_json("PATCH", router.url + "/api/config", {"routing": {"cooldown": 2.0}})[0] == 200
    after = cooling(router, [FIRST])
    ran = time.monotonic() - started + 0.05
    assert after["fake-500"] is not None and after["fake-500"] <= 2, after
    assert after["fake-429-retry"] >= 7 - ran, (before, after, ran)  # (its Retry-After: 7 s)


def test_explain_says_the_seconds_left_as_its_number_does(monkeypatch: pytest.MonkeyPatch) -> None:
    """Review 12: `coolingDown` 1.0 stood beside "2 s left" (one rounded, the other rounded up); both say the same,
    for a target's own cooldown and its provider's."""
    from larouter.routing import cooldowns as module

    now = [1000.0]
    monkeypatch.setattr(module.time, "monotonic", lambda: now[0])
    cooldowns = module.Cooldowns(seconds=30.0)
    cooldowns.until["p/a"] = (now[0] + 1.04, "upstream_error")
    cooldowns.providers["q"] = (now[0] + 22.96, "upstream_timeout")
    for label, provider in (("p/a", "p"), ("q/b", "q")):
        left, text = cooldowns.why(label, provider)
        assert text.endswith(f", {round(left, 1):g} s left"), (left, text)


def test_an_answer_ends_the_models_cooldown(make_router: Callable[..., Router], fake: Fake) -> None:
    """A model that failed (cooling for an hour-long cooldown) answers a call that names it: its cooldown ends at
    once, and `auto` tries it first again (it stayed at the back of every chain while it was answering)."""
    router = chained(make_router, ["gpt-fake", "fake-drop"], cooldown=3600.0)
    fake.state.failing.add("gpt-fake")
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=[FIRST])
    assert raw.headers["x-larouter-model"] == "fake-drop" and cooling(router, [FIRST])["gpt-fake"] is not None
    fake.state.failing.clear()
    client.chat.completions.create(model="gpt-fake", messages=[FIRST])
    assert cooling(router, [FIRST])["gpt-fake"] is None
    other = {"role": "user", "content": "Another conversation: summarise the release notes."}  # (not sticky)
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=[other])
    assert raw.headers["x-larouter-model"] == "gpt-fake", raw.headers["x-larouter-reason"]


def test_a_provider_a_patch_changes_starts_without_a_cooldown(make_router: Callable[..., Router], fake: Fake) -> None:
    """The provider dropped a connection (it cools down as a whole, its models with it); a PATCH changes its settings
    (fixes its URL, say): its cooldown and its models' end at once (`auto` kept avoiding it, while /health showed no
    record of it)."""
    router = chained(make_router, ["fake-drop", "gpt-fake"], cooldown=3600.0)
    broken_stream(router, [FIRST])
    assert cooling(router, [FIRST])["gpt-fake"] is not None
    status, _ = http_json("PATCH", router.url + "/api/config", {"providers": {"fake": {"read_timeout": 99.0}}},
                          headers=router.admin)
    assert status == 200
    assert cooling(router, [FIRST])["gpt-fake"] is None and cooling(router, [FIRST])["fake-drop"] is None


def test_the_reason_says_which_candidates_were_put_last_for_cooling(make_router: Callable[..., Router],
                                                                  fake: Fake) -> None:
    """A chain's first model cooling down: the next call goes to the second, and `x-larouter-reason` says why the
    first was passed over (it said only the tier and the policy; explain alone told)."""
    router = chained(make_router, ["gpt-fake", "fake-delay"], cooldown=3600.0)
    fake.state.failing.add("gpt-fake")
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    client.chat.completions.create(model="auto", messages=[FIRST])
    fake.state.failing.clear()
    other = {"role": "user", "content": "Another conversation: summarise the release notes."}
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=[other])
    assert raw.headers["x-larouter-model"] == "fake-delay"
    assert "cooling down, tried last: gpt-fake" in raw.headers["x-larouter-reason"], raw.headers["x-larouter-reason"]
