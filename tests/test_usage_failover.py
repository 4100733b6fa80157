"""`auto` failover in the ledger: each candidate tried counts once, in its model's calls, when every one fails as when
one answers. Through the openai SDK and the usage API."""

from __future__ import annotations

from typing import Callable

import openai
import pytest

from tests.conftest import Router
from tests.support.servers import exported_rows, http_json

CODING = ("Implement a thread-safe LRU cache in Python with O(1) get and put, generic types, TTL expiry, "
          "and write pytest unit tests covering eviction order and concurrency.")  # a COMPLEX turn
BOTH_DEGRADED = ('\n[routing.policies.cost-optimized]\nCOMPLEX = ["fake-empty", "fake-reasoning"]\n'
                 '\n[providers.fake.prices."fake-empty"]\ninput = 1000.0\noutput = 1000.0\n'
                 '\n[providers.fake.prices."fake-reasoning"]\ninput = 2000.0\noutput = 2000.0\n')


@pytest.mark.parametrize("stream", [False, True])
def test_when_every_candidate_fails_each_counts_once(make_router: Callable[..., Router], stream: bool) -> None:
    """Both candidates answer (and bill) an empty 200, so the call fails: one row each, the last being the call's
    own (its status and code, the last candidate's tokens and cost), and the budget is charged for both. Before, the
    last candidate had an attempt row and the call's row as well: `calls` 2 for one attempt, `totalCalls` 3."""
    router = make_router(extra_toml=BOTH_DEGRADED, env={"LAROUTER_DEFAULT_MODEL": "fake-reasoning"})
    status, proj = http_json("POST", router.url + "/api/projects", {"name": "payer", "budgetUsd": 10.0})
    assert status == 201, proj
    sdk = openai.OpenAI(base_url=router.v1, api_key=proj["token"], max_retries=0)
    with pytest.raises(openai.APIStatusError) as caught:
        answer = sdk.chat.completions.create(model="auto", messages=[{"role": "user", "content": CODING}],
                                             stream=stream)
        list(answer) if stream else None
    assert caught.value.status_code == 502
    tokens = len(CODING.split()) + 3 + 5  # the fake's usage: prompt words + 3, and 5 out
    got = [(r["model"], r["status"], r["error_type"], int(r["input_tokens"]) + int(r["output_tokens"]))
           for r in exported_rows(router.url, 2, proj["id"])]
    assert got == [("fake-empty", "502", "degraded", tokens),
                   ("fake-reasoning", "502", "all_candidates_failed", tokens)], got
    status, usage = http_json("GET", router.url + f"/api/usage?projectId={proj['id']}")
    assert status == 200 and (usage["totalCalls"], usage["succeededCalls"]) == (2, 0), usage
    assert {model: m["calls"] for model, m in usage["byModel"].items()} == {"fake-empty": 1, "fake-reasoning": 1}
    assert usage["byTier"]["COMPLEX"]["calls"] == 2, usage["byTier"]
    assert usage["byModel"]["fake-reasoning"]["cost"] == pytest.approx(tokens * 2000 / 1e6)
    assert usage["budget"]["spent"] == pytest.approx(tokens * 3000 / 1e6)
    assert usage["budget"]["reserved"] == 0
