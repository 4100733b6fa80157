"""What a budget's 402 (and a refused candidate's reason) says: the request's worst case and how to lower it, amounts
with the digits that compare them, the budget as set, and money held for calls in flight."""

from __future__ import annotations

import asyncio
import json
import re
from typing import Callable
from urllib.request import urlopen

import aiohttp

from tests.conftest import Router
from tests.support.servers import http_json, wait_until
from tests.test_budget_bounds import PRICED, RATE, post, project


def test_a_402_says_the_worst_case_and_how_to_lower_it(make_router: Callable[..., Router]) -> None:
    """Money is left but the request's worst case (no max_tokens: the model's max_output) does not fit: the 402
    names that worst case and says max_tokens reserves less; with max_tokens the same request is served."""
    router = make_router(extra_toml='\n[providers.fake.prices."gpt-fake"]\ninput = 1000.0\noutput = 1000.0\n'
                                    'max_output = 700\n')
    proj = project(router, 0.5)
    body = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}
    status, _, err = post(router, body, proj["token"])
    worst = (len(json.dumps(body).encode()) + 700) * RATE
    message = err["error"]["message"]
    assert status == 402 and f"its worst case is ${format(worst.normalize(), 'f')}" in message, message
    assert "set max_tokens to reserve less" in message, message
    status, _, answer = post(router, {**body, "max_tokens": 5}, proj["token"])
    assert status == 200, answer


def test_a_402_in_the_cent_range_shows_the_digits_that_compare(make_router: Callable[..., Router]) -> None:
    """A budget of $0.0241 and a worst case of ~$0.0245: the 402 reads them with the digits that show one is more
    than the other, and the budget as set ("$0.02 left ... worst case is $0.02" contradicted itself, review AR)."""
    router = make_router(extra_toml='\n[providers.fake.prices."gpt-fake"]\ninput = 100.0\noutput = 100.0\n')
    proj = project(router, 0.0241)
    body = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}]}
    body["max_tokens"] = 245 - len(json.dumps({**body, "max_tokens": 100}).encode())  # worst case 245 tokens
    status, _, err = post(router, body, proj["token"])
    message = err["error"]["message"]
    found = re.search(r"has \$([\d.]+) of its monthly budget \(\$([\d.]+)\) left, not enough for this request: its "
                      r"worst case is \$([\d.]+)$", message)
    assert status == 402 and found, message
    left, budget, worst = found.groups()
    assert (left, budget, worst) == ("0.0241", "0.0241", "0.0245"), message


async def test_a_402_says_what_calls_in_flight_hold(make_router: Callable[..., Router]) -> None:
    """A call in flight holds most of a budget: a second call that does not fit is told that the money is held for a
    call in flight, not spent (it said "$0.000054 left" alone, and /api/usage a moment later showed most of the
    budget left, review AR); explain's reason for skipping a paid candidate says it too."""
    router = make_router(extra_toml=PRICED + '\n[providers.fake.prices."fake-hang"]\ninput = 1000.0\noutput = 1000.0\n')
    proj = project(router, 0.5)
    hang = {"model": "fake-hang", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 400}
    held = (len(json.dumps(hang).encode()) + 400) * RATE
    async with aiohttp.ClientSession(headers={"Authorization": f"Bearer {proj['token']}"}) as s:
        hanging = asyncio.create_task(s.post(router.v1 + "/chat/completions", json=hang))
        try:
            def reserved() -> float:
                with urlopen(router.url + f"/api/usage?projectId={proj['id']}", timeout=30) as resp:
                    return json.loads(resp.read())["budget"]["reserved"]
            await asyncio.to_thread(wait_until, lambda: reserved() > 0, 10, "the hanging call to hold its worst case")
            body = {"model": "gpt-fake", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 200}
            status, _, err = await asyncio.to_thread(post, router, body, proj["token"])
            message = err["error"]["message"]
            assert status == 402 and f"left after ${format(held.normalize(), 'f')} held for 1 call in flight, not " \
                "enough for this request" in message, message
            explain = {**body, "model": "auto"}
            _, out = await asyncio.to_thread(http_json, "POST", router.url + f"/api/route/explain?projectId={proj['id']}",
                                             explain)
            skipped = [c["skipped"] for c in out["candidates"] if c["model"] == "gpt-fake"]
            assert skipped and all("held for 1 call in flight) -> " in s for s in skipped), out
        finally:
            hanging.cancel()
