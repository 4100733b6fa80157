"""`/api/route/explain` says what chat does: budget refusals (downgrade or 402) and cooldowns, checked against chat."""

from __future__ import annotations

import json
from typing import Any, Callable
from urllib.error import HTTPError
from urllib.request import Request, urlopen

from tests.conftest import Fake, Router
from tests.support.servers import http_json
from tests.test_routing import CODING, DEAD_LOCAL, HEARTBEAT, agent_conversation, routed  # noqa: F401 (fixture)

BODY = {"model": "auto", "messages": [{"role": "user", "content": CODING}], "max_tokens": 4000}


def post(url: str, body: dict[str, Any], token: str | None = None) -> tuple[int, dict[str, str], dict]:
    """POST the exact same JSON bytes chat and explain get; returns (status, headers, body)."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    req = Request(url, data=json.dumps(body).encode(), method="POST", headers=headers)
    try:
        with urlopen(req, timeout=30) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, json.loads(resp.read())
    except HTTPError as exc:
        return exc.code, {k.lower(): v for k, v in exc.headers.items()}, json.loads(exc.read())


def project(router: Router, **fields: Any) -> dict:
    status, proj = http_json("POST", router.url + "/api/projects", fields)
    assert status == 201, proj
    return proj


def test_explain_shows_the_budget_downgrade_chat_makes(routed: Callable[..., Router], fake: Fake) -> None:
    """With $0.000089 left, a cost-optimized project's paid first choice is skipped for its worst case and explain
    says chat downgrades to the local model, which chat then does."""
    router = routed()
    proj = project(router, name="nearly-broke", budgetUsd=0.000089)
    status, _, out = post(router.url + f"/api/route/explain?projectId={proj['id']}", BODY)
    assert status == 200 and out["tier"] == "COMPLEX", out
    first = out["candidates"][0]
    assert first["model"] == "gpt-4.1" and first["usable"] is False, out
    assert first["skipped"].startswith("budget worst case $0.0") and first["skipped"].endswith(
        "> $0.000089 left -> chat downgrades to local model local-fake"), first
    assert out["budget"] == {"remaining": 0.000089, "action": "downgrade to local model local-fake"}, out
    status, headers, _ = post(router.v1 + "/chat/completions", BODY, proj["token"])
    assert status == 200 and headers["x-larouter-model"] == "local-fake"
    assert headers["x-larouter-reason"].endswith(first["skipped"].split(" -> ")[0] + " -> downgraded to local model local-fake")


CHEAP_FAKE = '\n[providers.fake.prices."gpt-fake"]\ninput = 0.001\noutput = 0.001\n'


def test_explain_shows_budget_skips_and_the_402(routed: Callable[..., Router], fake: Fake) -> None:
    """Without a local model to downgrade to, a balanced project's paid candidates that do not fit are skipped (chat
    tries the next), a cheap one that fits serves, and with none left explain says 402."""
    router = routed(CHEAP_FAKE)
    proj = project(router, name="tight", budgetUsd=0.000089, routingPolicy="balanced")
    status, _, out = post(router.url + f"/api/route/explain?projectId={proj['id']}", BODY)
    by_name = {c["model"]: c for c in out["candidates"]}
    assert status == 200 and by_name["gpt-fake"]["usable"] and out["budget"]["action"] is None, out
    for name in ("gpt-4.1", "gpt-5"):
        assert not by_name[name]["usable"] and by_name[name]["skipped"].startswith("budget worst case $0.0"), out
        assert by_name[name]["skipped"].endswith(" > $0.000089 left -> chat tries the next candidate"), out
    status, headers, _ = post(router.v1 + "/chat/completions", BODY, proj["token"])
    assert status == 200 and headers["x-larouter-model"] == "gpt-fake"
    broke = project(router, name="broke", budgetUsd=0, routingPolicy="balanced")
    status, _, out = post(router.url + f"/api/route/explain?projectId={broke['id']}", BODY)
    paid = [c for c in out["candidates"] if c["skipped"] is None or c["skipped"].startswith("budget")]
    assert paid and all(c["skipped"].startswith("budget spent -> chat ") for c in paid), out
    assert paid[-1]["skipped"] == "budget spent -> chat answers 402 budget_exceeded", out
    assert out["budget"] == {"remaining": 0, "action": "402 budget_exceeded"}, out
    status, _, err = post(router.v1 + "/chat/completions", BODY, broke["token"])
    assert status == 402 and err["error"]["code"] == "budget_exceeded"
    named = post(router.url + f"/api/route/explain?projectId={broke['id']}", {**BODY, "model": "gpt-4.1"})[2]
    assert named["candidates"][0]["skipped"] == "budget spent -> chat answers 402 budget_exceeded", named


def test_a_budget_never_admits_a_model_without_a_price(routed: Callable[..., Router], fake: Fake) -> None:
    """A budget is a cap, and a cost that cannot be priced cannot be capped: with money left, a budgeted project's
    call to a paid model without a price is a 402 naming the missing price (named), or skipped for the next
    candidate (routed), and explain says so; a project without a budget still calls it, its cost unknown."""
    router = routed("")
    proj = project(router, name="capped", budgetUsd=100, routingPolicy="balanced")
    named = {**BODY, "model": "gpt-fake"}
    status, _, out = post(router.url + f"/api/route/explain?projectId={proj['id']}", named)
    assert status == 200 and out["candidates"][0]["skipped"] == (
        "budget no price known for gpt-fake -> chat answers 402 budget_exceeded"), out
    status, _, err = post(router.v1 + "/chat/completions", named, proj["token"])
    assert status == 402 and (err["error"]["type"], err["error"]["code"]) == ("budget_exceeded", "model_unpriced"), err
    assert "'gpt-fake' (provider 'fake') has no known price" in err["error"]["message"], err
    assert '[providers.fake.prices."gpt-fake"]' in err["error"]["message"], err
    sent = len(fake.state.requests)
    status, _, out = post(router.url + f"/api/route/explain?projectId={proj['id']}", BODY)
    by_name = {c["model"]: c for c in out["candidates"]}
    assert by_name["gpt-fake"]["skipped"].startswith("budget no price known for gpt-fake -> chat "), out
    status, headers, _ = post(router.v1 + "/chat/completions", BODY, proj["token"])
    assert status == 200 and headers["x-larouter-model"] == out["candidates"][0]["model"] != "gpt-fake", headers
    assert all(req["model"] != "gpt-fake" for req in fake.state.requests[sent:])
    free = project(router, name="uncapped")
    status, headers, _ = post(router.v1 + "/chat/completions", named, free["token"])
    assert status == 200 and headers["x-larouter-model"] == "gpt-fake"


def test_explain_shows_a_cooling_model_last_with_its_seconds(routed: Callable[..., Router], fake: Fake) -> None:
    """After the local model failed, explain lists it after the others with the cooldown it has left, and chat's
    next call goes to explain's first candidate."""
    router = routed(DEAD_LOCAL)
    body = {"model": "auto", "messages": agent_conversation(HEARTBEAT)}
    status, headers, _ = post(router.v1 + "/chat/completions", body)
    assert status == 200 and "local-fake failed" in headers["x-larouter-reason"]
    status, _, out = post(router.url + "/api/route/explain", body)
    usable = [c for c in out["candidates"] if c["usable"]]
    assert usable[-1]["model"] == "local-fake" and usable[-1]["skipped"] is None, out
    assert 0 < usable[-1]["coolingDown"] <= router.settings.routing.cooldown, out
    assert all(c["coolingDown"] is None for c in out["candidates"][:-1] if c["model"] != "local-fake"), out
    assert out["budget"] is None
    post(router.v1 + "/chat/completions", body)
    assert fake.state.requests[-1]["model"] == out["candidates"][0]["model"]
