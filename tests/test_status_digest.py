"""A stamped status digest that asks for nothing (CI, uptime, disk) is read, not engineered: its computing keywords
no longer make it COMPLEX (blind v33's repo digest and uptime summary went to the dearest tier)."""

from __future__ import annotations

import pytest

from larouter.routing import Tier
from tests.support.agents import envelope, tier

DIGEST = ("Repo digest — acme/tessellate — 2026-06-02 16:00 UTC\nCI on main: passing (last run 15:41, 312 tests)\n"
          "PRs awaiting your review: 0\nYour open PRs: 1 (#418 'faster BVH build') — approved, waiting on merge queue\n"
          "Dependabot alerts: 0 open\nNew issues: 1 (#421 'typo in README', assigned to a contributor)")
UPTIME = ("Uptime summary 2026-05-19 08:30 UTC\n- app.tinyledger.io — UP — 99.99% (24h) — p95 182 ms (SLO 400)\n"
          "- api.tinyledger.io — UP — p95 96 ms (SLO 250)\n- webhooks worker — UP — queue 3\n- Postgres primary — UP — "
          "replication lag 0.2 s\n- Stripe webhook endpoint — UP — last event 08:27")


@pytest.mark.parametrize("text", [DIGEST, UPTIME])
def test_a_status_digest_that_asks_nothing_is_not_complex(text: str) -> None:
    """Code words only, no question, no code: MEDIUM at most (it was COMPLEX)."""
    assert tier(envelope(text)).rank <= Tier.MEDIUM.rank


@pytest.mark.parametrize("text", [
    DIGEST + "\nWhy is the BVH build slower on ARM, and how do I fix the CI cache for it?",
    DIGEST + "\n```\nTraceback (most recent call last):\n  File \"bvh.py\", line 88\nIndexError: list index out of range\n```",
])
def test_a_digest_with_a_question_or_code_in_it_is_still_work(text: str) -> None:
    """A question about it, or a stack trace pasted in: engineering, as before."""
    assert tier(envelope(text)) is Tier.COMPLEX
