"""Policies changed at runtime (PATCH /api/config): what is refused, and what a project whose policy is dropped is
told (explain, the chat call's reason, the PATCH's warnings)."""

from __future__ import annotations

import openai
import pytest

from tests.conftest import Router
from tests.support.servers import http_json


def test_a_project_whose_policy_is_patched_away_is_told_in_the_warnings_explain_and_the_reason(router: Router) -> None:
    """The PATCH that drops a policy a project uses names the project in `warnings`, and explain and a chat call's
    `x-larouter-reason` say `policy weekend (not defined) -> cost-optimized` (review AT: `warnings: []`, and both
    said `policy cost-optimized`, as for a project that chose it)."""
    weekend = {"routing": {"policies": {"weekend": {"SIMPLE": ["gpt-fake"]}}}}
    status, out = http_json("PATCH", router.url + "/api/config", weekend)
    assert status == 200 and out["warnings"] == [], out
    status, proj = http_json("POST", router.url + "/api/projects", {"name": "weekend jobs", "routingPolicy": "weekend"})
    assert status == 201, proj
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"policies": {"weekend": None}}})
    assert status == 200, out
    assert [w for w in out["warnings"] if "weekend" in w] == [
        f"project {proj['id']} ('weekend jobs') uses routing policy 'weekend', which the settings do not define: it "
        f"routes by cost-optimized until that policy is defined again (or PUT /api/projects/{proj['id']} another "
        "routingPolicy)"], out
    hello = [{"role": "user", "content": "What's the capital of France?"}]
    status, out = http_json("POST", router.url + f"/api/route/explain?projectId={proj['id']}", {"messages": hello})
    assert status == 200 and out["policy"] == "cost-optimized", out
    assert "policy weekend (not defined) -> cost-optimized" in out["reasons"], out
    client = openai.OpenAI(base_url=router.v1, api_key=proj["token"], max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=hello)
    assert "| policy weekend (not defined) -> cost-optimized" in raw.headers["x-larouter-reason"], raw.headers
    status, out = http_json("POST", router.url + "/api/route/explain", {"messages": hello})  # (the default project)
    assert status == 200 and not any("not defined" in r for r in out["reasons"]), out
    raw = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions.with_raw_response.create(
        model="auto", messages=hello)
    assert "| policy cost-optimized" in raw.headers["x-larouter-reason"], raw.headers


@pytest.mark.parametrize("tier", ["HEARTBEAT", "simple"])
def test_an_empty_chain_is_a_400_saying_to_leave_the_tier_out(router: Router, tier: str) -> None:
    """`HEARTBEAT = []` sent every heartbeat to the paid default_model, silently (review AT): it is refused like
    `[""]`, naming the key and saying how to get the policy's chain, and the chains stay as they were."""
    for policy, whose in (("cost-optimized", "cost-optimized's built-in"), ("weekend", "cost-optimized's")):
        patch = {"routing": {"policies": {policy: {tier: []}}}}
        status, out = http_json("PATCH", router.url + "/api/config", patch)
        assert status == 400 and out["error"]["code"] == "invalid_config", out
        assert out["error"]["param"] == f"routing.policies.{policy}.{tier}", out
        assert f"an empty chain; leave the tier out (unset it) to use {whose} chain" in out["error"]["message"], out
    assert http_json("GET", router.url + "/api/config", None)[1]["routing"]["policies"] == {}
    status, out = http_json("POST", router.url + "/api/route/explain",
                            {"messages": [{"role": "user", "content": "HEARTBEAT"}]})
    assert status == 200 and out["candidates"], out
