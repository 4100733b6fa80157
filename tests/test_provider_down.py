"""`auto` after a provider fails as a whole (silent past its read timeout, a dropped connection): its other models in
the chain are tried after the other providers' candidates, not waited out one after another, and stay a last resort;
and for the next calls too, while the provider cools down as a whole."""

from __future__ import annotations

import asyncio
import json
import time
from typing import Any, Callable

import aiohttp
import pytest

from tests.conftest import Fake, Router
from tests.support.servers import http_json, wait_until

TIERS = ("HEARTBEAT", "SIMPLE", "MEDIUM", "COMPLEX", "REASONING")
# a second provider on the same fake: its model answers as the fake's do
OTHER = '\n[providers.other]\nbase_url = "{url}/v1"\napi_key_env = "FAKE_KEY"\nmodels = ["other-model"]\n'
HELLO = [{"role": "user", "content": "hello there"}]


def routed(make_router: Callable[..., Router], fake: Fake, *chain: str) -> Router:
    """A router whose every tier tries `chain` (then the default, gpt-fake), with the `other` provider."""
    policy = "".join(f"{tier} = {json.dumps(list(chain))}\n" for tier in TIERS)
    return make_router(extra_toml=OTHER.format(url=fake.url) + "\n[routing.policies.cost-optimized]\n" + policy)


async def post(router: Router, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as s:
        async with s.post(router.v1 + "/chat/completions", json=body) as r:
            return r.status, dict(r.headers), await r.read()


async def test_a_silent_provider_is_waited_out_once(make_router: Callable[..., Router], fake: Fake) -> None:
    """fake-hang (provider fake, read_timeout 2 s) times out: fake's fake-stall is not waited out next, other-model
    answers at once after the one timeout, and the reason says fake's other models were moved back."""
    router = routed(make_router, fake, "fake-hang", "fake-stall", "other-model")
    started = time.monotonic()
    status, headers, raw = await post(router, {"model": "auto", "messages": HELLO})
    elapsed = time.monotonic() - started
    assert status == 200 and headers["x-larouter-model"] == "other-model", (status, headers, raw[:300])
    assert [r["model"] for r in fake.state.requests] == ["fake-hang", "other-model"]
    assert elapsed < 3.5, elapsed  # one read timeout (2 s), well short of two
    reason = headers["x-larouter-reason"]
    assert "fake-hang failed (upstream_timeout) -> next | fake's other models tried last (fake-stall, gpt-fake)" \
        in reason, reason



@pytest.mark.parametrize("stream", [False, True])
async def test_a_dropped_provider_s_other_models_stay_a_last_resort(make_router: Callable[..., Router], fake: Fake,
                                                                   stream: bool) -> None:
    """fake-hangup drops the connection: other-model (failing 500) is tried before fake's gpt-fake, which then
    answers, as the last resort it still is."""
    router = routed(make_router, fake, "fake-hangup", "gpt-fake", "other-model")
    fake.state.failing.add("other-model")
    status, headers, raw = await post(router, {"model": "auto", "messages": HELLO, "stream": stream})
    assert status == 200 and headers["x-larouter-model"] == "gpt-fake", (status, headers, raw[:300])
    assert [r["model"] for r in fake.state.requests] == ["fake-hangup", "other-model", "gpt-fake"]
    reason = headers["x-larouter-reason"]
    assert ("fake-hangup failed (upstream_disconnected) -> next | fake's other models tried last (gpt-fake) | "
            "other-model failed (upstream_error) -> next") in reason, reason


def explain(router: Router, content: str, model: str = "auto") -> dict[str, Any]:
    """`POST /api/route/explain` for a one-turn conversation."""
    status, out = http_json("POST", router.url + "/api/route/explain",
                            {"model": model, "messages": [{"role": "user", "content": content}]})
    assert status == 200, out
    return out


async def test_a_provider_that_timed_out_cools_down_as_a_whole(make_router: Callable[..., Router], fake: Fake) -> None:
    """fake-hang times out: the next `auto` call (another conversation) goes to other-model at once, not to fake's
    fake-stall, which would be waited out too; explain shows fake's candidates after other-model with the provider's
    cooldown in words, /health shows fake cooling; a fake model the client names is still sent to fake."""
    router = routed(make_router, fake, "fake-hang", "fake-stall", "other-model")
    status, headers, raw = await post(router, {"model": "auto", "messages": HELLO})
    assert status == 200 and headers["x-larouter-model"] == "other-model", (status, headers, raw[:300])
    del fake.state.requests[:]
    started = time.monotonic()
    status, headers, raw = await asyncio.wait_for(
        post(router, {"model": "auto", "messages": [{"role": "user", "content": "hello again"}]}), 1.5)
    assert status == 200 and headers["x-larouter-model"] == "other-model", (status, headers, raw[:300])
    assert [r["model"] for r in fake.state.requests] == ["other-model"] and time.monotonic() - started < 1.5
    out = explain(router, "one more thing")
    chain = {c["model"]: c for c in out["candidates"]}
    assert list(chain) == ["other-model", "fake-stall", "gpt-fake", "fake-hang"], out  # the one that failed last
    assert chain["other-model"]["cooling"] is None and chain["other-model"]["coolingDown"] is None, out
    for model in ("fake-stall", "gpt-fake"):
        assert chain[model]["usable"] and chain[model]["skipped"] is None and 0 < chain[model]["coolingDown"] <= 30, out
        assert chain[model]["cooling"].startswith("provider fake cooling down after a timeout, "), out
        assert chain[model]["cooling"].endswith(" s left"), out
    assert chain["fake-hang"]["cooling"].startswith("cooling down after it failed (upstream_timeout), "), out
    status, health = http_json("GET", router.url + "/health")
    assert health["upstreams"]["fake"]["state"] == "cooling", health
    assert health["upstreams"]["fake"]["lastError"] == "upstream_timeout", health
    status, headers, raw = await post(router, {"model": "gpt-fake", "messages": HELLO})  # named: sent as named
    assert status == 200 and headers["x-larouter-provider"] == "fake", (status, headers, raw[:300])
    assert fake.state.requests[-1]["model"] == "gpt-fake"
    named = explain(router, "hello again", "gpt-fake")["candidates"]
    assert named == [{**named[0], "model": "gpt-fake", "coolingDown": None, "cooling": None}], named


async def test_a_provider_is_tried_again_once_its_cooldown_ends(make_router: Callable[..., Router],
                                                                fake: Fake) -> None:
    """fake-hangup drops the connection: while fake cools down (routing.cooldown 3 s), the next `auto` call goes to
    other-model, not to fake's gpt-fake; once the cooldown is over, fake's candidates come first again."""
    router = routed(make_router, fake, "fake-hangup", "gpt-fake", "other-model")
    assert http_json("PATCH", router.url + "/api/config", {"routing": {"cooldown": 3.0}})[0] == 200
    status, headers, raw = await post(router, {"model": "auto", "messages": HELLO})
    assert status == 200 and headers["x-larouter-model"] == "other-model", (status, headers, raw[:300])
    del fake.state.requests[:]
    status, headers, raw = await post(router, {"model": "auto", "messages": [{"role": "user", "content": "again"}]})
    assert status == 200 and headers["x-larouter-model"] == "other-model", (status, headers, raw[:300])
    assert [r["model"] for r in fake.state.requests] == ["other-model"]
    wait_until(lambda: all(c["coolingDown"] is None for c in explain(router, "once more")["candidates"]), 10,
               "fake's cooldown to end")
    assert [c["model"] for c in explain(router, "once more")["candidates"]][:3] == ["fake-hangup", "gpt-fake",
                                                                                   "other-model"]
    del fake.state.requests[:]
    status, headers, raw = await post(router, {"model": "auto", "messages": [{"role": "user", "content": "once more"}]})
    assert status == 200 and fake.state.requests[0]["model"] == "fake-hangup", [r["model"] for r in fake.state.requests]
