"""Learned heartbeats under a team's traffic (review T and its re-reviews): a long answer resets a pattern however
soon it comes, a job runner's next job is not the pattern, go-aheads have no pattern of their own."""

from __future__ import annotations

from typing import Any, Callable

import openai
import pytest

from larouter.routing import Tier, classify
from larouter.routing.repeats import RepeatTracker
from tests.conftest import Router
from tests.support.servers import http_json
from tests import test_learned_heartbeats as learned
from tests.test_learned_heartbeats import SYSTEM, TICK, ask, turn

make = learned.make  # the shared fixture


def test_a_long_answer_resets_a_learned_pattern_however_soon_it_comes() -> None:
    """With many conversations in a project the same turn comes again within the interval: its long answer (work)
    resets the pattern all the same; only a short answer needs a sighting of its own to count (review T)."""
    now = [0.0]
    tracker = RepeatTracker(clock=lambda: now[0])
    for _ in range(2):
        now[0] += 120
        tracker.arrived("k", 60)
        tracker.answered("k", 3, ok=True)
    assert tracker.is_heartbeat("k") == 2
    now[0] += 1  # another conversation, a second later: a short answer there counts nothing more
    tracker.arrived("k", 60)
    tracker.answered("k", 3, ok=True)
    assert tracker.is_heartbeat("k") == 2
    now[0] += 1
    tracker.arrived("k", 60)
    tracker.answered("k", 300, ok=True)  # answered at length: work, not a check-in
    assert tracker.is_heartbeat("k") == 0 and tracker.learned == 0


def test_a_job_runners_new_job_is_not_the_learned_pattern(make: Callable[..., Router]) -> None:
    """One job per request, each answered "Done": a job naming another order, customer or amount is another job,
    though the signature blanks its digits alike (the third refund went to the local model as a learned heartbeat,
    review T); the same job again, and a check-in whose counter moves on, are still learned."""
    router = make(heartbeat_min_interval=0)
    job = "Refund order {o} for customer {c}: ${a}"
    for o, c, a in ((1001, 77, 12), (1002, 78, 19)):
        assert ask(router, job.format(o=o, c=c, a=a))["x-larouter-model"] == "gpt-fake"
    status, health = http_json("GET", router.url + "/health")
    assert health["routing"]["learnedHeartbeats"] == 1  # (the first two taught the pattern, as a check-in's would)
    new = ask(router, job.format(o=9876, c=31, a=95))
    assert new["x-larouter-tier"] != "HEARTBEAT" and new["x-larouter-model"] == "gpt-fake", new
    for _ in range(2):  # the same job twice more: learned again, with its own ids
        ask(router, job.format(o=9876, c=31, a=95))
    assert ask(router, job.format(o=9876, c=31, a=95))["x-larouter-tier"] == "HEARTBEAT"
    for n in (1, 2):  # a check-in's own counter ("#3") and clock are no job
        ask(router, TICK.format(n=n))
    assert ask(router, TICK.format(n=3))["x-larouter-tier"] == "HEARTBEAT"
    from larouter.routing.repeats import job_ids  # a time before a time zone is no amount ("15 Eur" in "Europe")

    assert job_ids({"messages": turn("Check-in 13:15 Europe/Berlin: invoice INV-7 due, 40 EUR")}) == "invoice inv-7|40 eur"
    # a check-in's counts are no job either: they move on while it stays the same check-in (review Z1)
    assert job_ids({"messages": turn("Queue sweep: orders: 14, tickets: 0, ticket: 3; 12 audits, 3 cadences")}) == ""
    # and ids after a plural or a colon are ids (review Z3)
    assert job_ids({"messages": turn("Refund orders 1007 and 2007, Total:1007 USD")}) == "orders 1007|1007 usd"
    assert job_ids({"messages": turn("Quiet. Last order 123 min ago, last ticket 12 hours ago")}) == ""  # (ages)


@pytest.mark.parametrize("yes", ["yes", "Yes, do that.", "Yes — go ahead.", "sure thing", "Yes; please do", "go on",
                                 "Let's do it!", "ok, go ahead"])
def test_go_aheads_have_no_learned_pattern(yes: str) -> None:
    """A go-ahead in its usual variants continues the proposal before it: no pattern of its own ("Yes, do that.",
    "Yes — go ahead." and "sure thing" were learned, review X)."""
    from larouter.routing.repeats import pattern_key

    talk = [{"role": "user", "content": "Implement a thread-safe LRU cache in Python with O(1) get and put."},
            {"role": "assistant", "content": "Plan: a dict and a linked list under one lock. Shall I start?"},
            {"role": "user", "content": yes}]
    decision = classify({"messages": talk})
    assert decision.continued and decision.tier is Tier.COMPLEX and pattern_key({"messages": talk}, "p", decision) is None


def test_a_go_ahead_is_never_learned(make: Callable[..., Router]) -> None:
    """"yes" after a proposal, answered briefly twice, is no check-in: the third "yes" in another conversation keeps
    the tier of what it agrees to (it sent a go-ahead for COMPLEX work to the local model as a learned heartbeat,
    review T)."""
    router = make(heartbeat_min_interval=0)
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)

    def go_ahead(asked: str, proposal: str) -> Any:
        talk = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": asked},
                {"role": "assistant", "content": proposal}, {"role": "user", "content": "yes"}]
        return c.chat.completions.with_raw_response.create(model="auto", messages=talk).headers

    for name in ("alpha", "beta"):
        go_ahead(f"Rename the {name} branch?", f"I can rename {name} to {name}-old. Shall I?")
    heavy = go_ahead("Implement a thread-safe LRU cache in Python with O(1) get and put, and write unit tests for "
                     "the eviction and concurrency paths.",
                     "Plan: a dict plus a doubly linked list under one lock, then the tests. Shall I start?")
    assert heavy["x-larouter-tier"] == "COMPLEX" and heavy["x-larouter-model"] == "gpt-fake", heavy
    assert "learned heartbeat" not in heavy["x-larouter-reason"]
    status, health = http_json("GET", router.url + "/health")
    assert status == 200 and health["routing"]["learnedHeartbeats"] == 0
