"""Savings name the baseline model(s) their rows were measured against, and an unpriced baseline is refused."""

from __future__ import annotations

import pytest

from larouter.usage import schema
from tests.support import usage
from tests.support.servers import http_json
from tests.support.usage import HELLO, UsageRouter, fake_usage

start_router, router = usage.start_router, usage.router  # the shared fixtures


def baseline_cost(per_million_in: float, per_million_out: float) -> float:
    """What one HELLO call costs at these prices."""
    prompt, completion = fake_usage(HELLO)
    return (prompt * per_million_in + completion * per_million_out) / 1_000_000


def test_savings_keep_the_baseline_their_rows_were_measured_against(router: UsageRouter) -> None:
    """Changing `usage.baseline_model` does not relabel the savings already recorded (the label followed the setting
    while the figures stayed the old baseline's); once calls of both baselines are in the window both are named,
    folded into the rollup or not."""
    c = router.client()
    c.chat.completions.create(model="gpt-fake", messages=HELLO)
    router.settle(1)
    before = router.get("/api/usage")["savings"]
    assert before["baselineModel"] == "gpt-4o" and before["baselineCost"] == pytest.approx(baseline_cost(2.5, 10.0))
    status, out = http_json("PATCH", router.url + "/api/config", {"usage": {"baseline_model": "gpt-4o-mini"}})
    assert status == 200, out
    assert router.get("/api/usage")["savings"] == before  # the rows were measured against gpt-4o: still said so
    c.chat.completions.create(model="gpt-fake", messages=HELLO)
    router.settle(2)
    both = router.get("/api/usage")["savings"]
    assert both["baselineModel"] == "gpt-4o, gpt-4o-mini", both
    assert both["baselineCost"] == pytest.approx(baseline_cost(2.5, 10.0) + baseline_cost(0.15, 0.6))
    router.ledger.query(lambda cur: schema.fold(cur, schema.last_seq(cur)))
    assert router.get("/api/usage")["savings"] == both
    assert [r["baseline_model"] for r in router.rows()] == ["gpt-4o", "gpt-4o-mini"]
    assert router.get("/api/usage?projectId=default&period=daily")["savings"] == both  # same day: same rows


def test_a_project_without_priced_calls_names_the_configured_baseline(router: UsageRouter) -> None:
    """With nothing measured in the window, the label is the baseline new calls will be measured against."""
    status, _ = http_json("PATCH", router.url + "/api/config", {"usage": {"baseline_model": "gpt-4o-mini"}})
    assert status == 200
    assert router.get("/api/usage")["savings"] == {"baselineModel": "gpt-4o-mini", "baselineCost": 0.0, "saved": 0.0}


@pytest.mark.parametrize("model", ["no-such-model", "gemma-fake"])
def test_an_unpriced_baseline_model_is_refused(router: UsageRouter, model: str) -> None:
    """A baseline with no known price (unknown, or a local model) is a 400 naming `usage.baseline_model`, and the
    baseline stays as it was (it was accepted, and every new row got an empty baseline cost)."""
    status, out = http_json("PATCH", router.url + "/api/config", {"usage": {"baseline_model": model}})
    assert status == 400, out
    assert out["error"]["param"] == "usage.baseline_model" and out["error"]["code"] == "invalid_config", out
    assert out["error"]["message"].startswith(f"usage.baseline_model: no price is known for {model!r}"), out
    assert router.get("/api/config")["usage"]["baseline_model"] == "gpt-4o"
    router.client().chat.completions.create(model="gpt-fake", messages=HELLO)
    router.settle(1)
    (row,) = router.rows()
    assert row["baseline_cost_usd"] and row["baseline_model"] == "gpt-4o"
