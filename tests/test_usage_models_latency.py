"""`/api/usage/models`: a model's average latency is over the calls a provider answered, as its TTFT is."""

from __future__ import annotations

import openai
import pytest

from tests.support import usage
from tests.support.servers import http_json
from tests.support.usage import HELLO, UsageRouter

start_router, router = usage.start_router, usage.router  # the shared fixtures


def test_calls_refused_before_any_provider_do_not_lower_the_average_latency(router: UsageRouter) -> None:
    """Calls refused with 402 (over budget: no provider saw them) are counted as calls but left out of avgLatencyMs,
    which averages the answered calls as avgTtftMs does (it was latency_ms_sum / calls: 35 ms against a 40 ms
    TTFT)."""
    status, project = http_json("POST", router.url + "/api/projects", {"name": "tight", "budgetUsd": 0.001})
    assert status == 201, project
    client = openai.OpenAI(base_url=router.url + "/v1", api_key=project["token"], max_retries=0)
    client.chat.completions.create(model="gpt-fake", messages=HELLO, max_tokens=5)  # its worst case fits
    router.settle(1)
    for _ in range(3):
        with pytest.raises(openai.APIStatusError) as refused:
            client.chat.completions.create(model="gpt-fake", messages=HELLO)  # worst case: 4,096 tokens out
        assert refused.value.status_code == 402
    router.settle(4)
    rows = router.rows(f"?projectId={project['id']}")
    answered = [float(r["latency_ms"]) for r in rows if r["ttft_ms"]]
    assert len(rows) == 4 and len(answered) == 1, rows
    (entry,) = router.get(f"/api/usage/models?projectId={project['id']}")["data"]
    assert (entry["calls"], entry["succeededCalls"]) == (4, 1), entry
    assert entry["avgLatencyMs"] == pytest.approx(answered[0], abs=0.001), entry
    assert entry["avgLatencyMs"] >= entry["avgTtftMs"], entry
