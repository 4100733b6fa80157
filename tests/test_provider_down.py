"""`auto` after a provider fails as a whole (silent past its read timeout, a dropped connection): its other models in
the chain are tried after the other providers' candidates, not waited out one after another, and stay a last resort."""

from __future__ import annotations

import json
import time
from typing import Any, Callable

import aiohttp
import pytest

from tests.conftest import Fake, Router
from tests.support.servers import http_json

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
    other = [{"role": "user", "content": "hello again"}]  # (another conversation: none sticks to other-model)
    status, out = http_json("POST", router.url + "/api/route/explain", {"messages": other})
    assert status == 200 and "tried last" not in json.dumps(out), out  # explain calls no model: its chain as before
    assert [c["model"] for c in out["candidates"]][:3] == ["fake-stall", "other-model", "gpt-fake"], out


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

