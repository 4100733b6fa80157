"""`model: "auto"` end to end with the openai SDK: tiers, policies, failover, explain."""

from __future__ import annotations

from typing import Any, Callable

import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.servers import exported_rows, http_json, wait_until

SYSTEM = ("You are an autonomous agent. Heartbeats arrive periodically: read HEARTBEAT.md and if nothing "
          "needs attention reply HEARTBEAT_OK. Use tools for file and shell access. " * 20)
TOOLS = [{"type": "function", "function": {"name": "shell", "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}}}}]
HEARTBEAT = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old "
             "tasks from prior chats. If nothing needs attention, reply HEARTBEAT_OK.\nCurrent time: Wednesday, November 25th, 2026 - 13:30 (UTC)")
CODING = ("Implement a thread-safe LRU cache in Python with O(1) get and put, generic types, TTL expiry, "
          "and write pytest unit tests covering eviction order and concurrency.")


def agent_conversation(last: str) -> list[dict[str, Any]]:
    return [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": "Refactor the billing module and run the tests."},
        {"role": "assistant", "content": None, "tool_calls": [{"id": "c1", "type": "function", "function": {"name": "shell", "arguments": "{\"cmd\": \"pytest\"}"}}]},
        {"role": "tool", "tool_call_id": "c1", "content": "12 passed"},
        {"role": "assistant", "content": "Done: all 12 tests pass."},
        {"role": "user", "content": last},
    ]


LOCAL = '\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\n'
DEAD_LOCAL = '\n[providers.cheap]\nbase_url = "http://127.0.0.1:9/v1"\nlocal = true\nmodels = ["local-fake"]\n'


@pytest.fixture
def routed(make_router: Callable[..., Router], fake: Fake) -> Callable[..., Router]:
    """A router whose OpenAI provider is the fake, plus optional extra TOML."""

    def _make(extra: str = LOCAL) -> Router:
        env = {"OPENAI_BASE_URL": fake.url + "/v1", "OPENAI_API_KEY": "sk-openai-fake-000000"}
        return make_router(extra_toml=extra.format(url=fake.url), env=env)

    return _make


def ask(router: Router, messages: list, token: str = "x", **kw: Any) -> Any:
    c = openai.OpenAI(base_url=router.v1, api_key=token, max_retries=0)
    return c.chat.completions.with_raw_response.create(model="auto", messages=messages, tools=TOOLS, **kw)


def test_heartbeat_in_agent_conversation_goes_local(routed: Callable[..., Router], fake: Fake) -> None:
    """An OpenClaw heartbeat inside a long tool-using conversation is served by the local model."""
    raw = ask(routed(), agent_conversation(HEARTBEAT))
    assert raw.headers["x-larouter-tier"] == "HEARTBEAT"
    assert fake.state.requests[-1]["model"] == "local-fake" and raw.headers["x-larouter-provider"] == "cheap"
    assert "HEARTBEAT" in raw.headers["x-larouter-reason"]


@pytest.mark.parametrize("stream", [False, True])
def test_coding_task_goes_to_cloud_chain(routed: Callable[..., Router], fake: Fake, stream: bool) -> None:
    """A real coding task is COMPLEX and goes to the first cloud model of the chain."""
    c = openai.OpenAI(base_url=routed().v1, api_key="x", max_retries=0)
    raw = c.chat.completions.with_raw_response.create(model="auto", messages=[{"role": "user", "content": CODING}], stream=stream)
    assert raw.headers["x-larouter-tier"] == "COMPLEX" and fake.state.requests[-1]["model"] == "gpt-4.1"
    if stream:
        assert "".join(ch.choices[0].delta.content or "" for ch in raw.parse() if ch.choices)


@pytest.mark.parametrize("stream", [False, True])
def test_local_down_fails_over_with_reason(routed: Callable[..., Router], fake: Fake, stream: bool) -> None:
    """With the local server unreachable, the heartbeat goes to the next candidate and the header says why."""
    c = openai.OpenAI(base_url=routed(DEAD_LOCAL).v1, api_key="x", max_retries=0)
    raw = c.chat.completions.with_raw_response.create(model="auto", messages=agent_conversation(HEARTBEAT), stream=stream)
    if stream:
        list(raw.parse())
    assert fake.state.requests[-1]["model"] == "gpt-4.1-nano"
    assert "local-fake failed" in raw.headers["x-larouter-reason"]


DEGRADED = '\n[routing.policies.cost-optimized]\nCOMPLEX = ["fake-empty", "gpt-fake"]\n'


@pytest.mark.parametrize("stream", [False, True])
def test_degraded_answer_fails_over(routed: Callable[..., Router], fake: Fake, stream: bool) -> None:
    """A 200 with no content and no tool calls moves on to the next candidate, before any byte reaches the client."""
    c = openai.OpenAI(base_url=routed(DEGRADED).v1, api_key="x", max_retries=0)
    raw = c.chat.completions.with_raw_response.create(model="auto", messages=[{"role": "user", "content": CODING}], stream=stream)
    text = "".join(ch.choices[0].delta.content or "" for ch in raw.parse() if ch.choices) if stream else raw.parse().choices[0].message.content
    assert text.startswith("echo:") and [r["model"] for r in fake.state.requests] == ["fake-empty", "gpt-fake"]
    assert "fake-empty degraded" in raw.headers["x-larouter-reason"]


def test_tool_call_answer_is_never_retried(routed: Callable[..., Router], fake: Fake) -> None:
    """A response carrying tool calls is returned as is, after exactly one upstream call."""
    router = routed('\n[routing.policies.cost-optimized]\nCOMPLEX = ["gpt-fake", "gpt-4.1"]\n')
    raw = ask(router, [{"role": "user", "content": CODING}])
    assert raw.parse().choices[0].message.tool_calls and len(fake.state.requests) == 1


def test_explicit_model_is_honoured(routed: Callable[..., Router], fake: Fake) -> None:
    """A named model is never replaced, even when it fails."""
    c = openai.OpenAI(base_url=routed().v1, api_key="x", max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        c.chat.completions.create(model="fake-500", messages=[{"role": "user", "content": HEARTBEAT}])
    assert info.value.status_code == 502 and [r["model"] for r in fake.state.requests] == ["fake-500"]


def test_budget_exhausted_downgrades_to_local(routed: Callable[..., Router], fake: Fake) -> None:
    """A cost-optimized project with no budget left gets the local model for a cloud-tier request."""
    router = routed()
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "broke", "budgetUsd": 0})
    raw = ask(router, [{"role": "user", "content": CODING}], token=proj["token"])
    assert fake.state.requests[-1]["model"] == "local-fake"
    reason = raw.headers["x-larouter-reason"]  # the routing notes are kept, the downgrade says why
    assert "policy cost-optimized" in reason and reason.endswith("budget spent -> downgraded to local model local-fake")


BROKEN_LOCAL = ('\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["fake-500"]\n'
                '[routing.policies.cost-optimized]\nCOMPLEX = ["gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"]\n')


@pytest.mark.parametrize("stream", [False, True])
def test_an_over_budget_call_tries_its_local_downgrade_once(routed: Callable[..., Router], fake: Fake,
                                                            stream: bool) -> None:
    """Over budget, each paid candidate would be downgraded to the same local model: when that fails, the others
    are not sent to it again (it took N times the read timeout); the client gets the 402 saying the downgrade
    failed, and the reason keeps the downgrade's note."""
    router = routed(BROKEN_LOCAL)
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "broke2", "budgetUsd": 0})
    c = openai.OpenAI(base_url=router.v1, api_key=proj["token"], max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        c.chat.completions.create(model="auto", messages=[{"role": "user", "content": CODING}], stream=stream)
    assert [r["model"] for r in fake.state.requests] == ["fake-500"]
    assert info.value.status_code == 402 and info.value.body["code"] == "budget_exceeded", info.value.body
    assert "the local model fake-500 it is downgraded to failed already" in info.value.body["message"]
    reason = info.value.response.headers["x-larouter-reason"]
    assert reason.count("budget spent -> downgraded to local model fake-500") == 1, reason
    assert reason.count("fake-500 failed") == 1, reason


def test_a_local_model_a_downgrade_tried_is_not_tried_again_from_the_chain(routed: Callable[..., Router],
                                                                            fake: Fake) -> None:
    """The chain also names `local` (the built-in chains do): the local model the over-budget downgrade tried, and
    that failed, is not called a second time for the chain's own entry (a hung one made the client wait twice)."""
    router = routed(BROKEN_LOCAL.replace('COMPLEX = ["gpt-4.1", "gpt-4.1-mini", "gpt-4.1-nano"]',
                                         'COMPLEX = ["gpt-4.1", "local", "gpt-4.1-mini"]'))
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "broke3", "budgetUsd": 0})
    c = openai.OpenAI(base_url=router.v1, api_key=proj["token"], max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        c.chat.completions.create(model="auto", messages=[{"role": "user", "content": CODING}])
    assert [r["model"] for r in fake.state.requests] == ["fake-500"], info.value.body
    assert "fake-500 not tried again" in info.value.response.headers["x-larouter-reason"]
    wait_until(lambda: http_json("GET", router.url + f"/api/usage?projectId={proj['id']}")[1]["totalCalls"] >= 1, 10,
               "the call's row")
    usage = http_json("GET", router.url + f"/api/usage?projectId={proj['id']}")[1]
    assert usage["totalCalls"] == 1, usage  # (one call, one row: no row for a candidate not tried)


def test_a_named_model_over_budget_is_402_never_replaced(routed: Callable[..., Router], fake: Fake) -> None:
    """The downgrade is for `auto`: a model the client named is honoured or refused, here with 402, and a call whose
    worst case does not fit says so rather than "spent"."""
    router = routed()
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "tight", "budgetUsd": 0.0001})
    c = openai.OpenAI(base_url=router.v1, api_key=proj["token"], max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        c.chat.completions.create(model="gpt-4.1-mini", messages=[{"role": "user", "content": CODING}], max_tokens=4000)
    assert info.value.status_code == 402 and info.value.body["code"] == "budget_exceeded" and not fake.state.requests
    raw = ask(router, [{"role": "user", "content": CODING}], token=proj["token"], max_tokens=4000)
    assert fake.state.requests[-1]["model"] == "local-fake"
    reason = raw.headers["x-larouter-reason"]
    assert "| budget worst case $0.0" in reason and reason.endswith("> $0.0001 left -> downgraded to local model local-fake")


def test_a_local_only_project_cannot_name_a_cloud_model(routed: Callable[..., Router], fake: Fake) -> None:
    """local-only never reaches a cloud provider, named models included: 403 naming the policy; a local one is fine."""
    router = routed()
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "lo3", "routingPolicy": "local-only"})
    c = openai.OpenAI(base_url=router.v1, api_key=proj["token"], max_retries=0)
    for stream in (False, True):
        with pytest.raises(openai.APIStatusError) as info:
            c.chat.completions.create(model="gpt-4.1-mini", messages=[{"role": "user", "content": "hi"}], stream=stream)
        assert info.value.status_code == 403 and info.value.body["code"] == "local_only_project"
        assert "local-only" in info.value.body["message"] and info.value.body["param"] == "model"
    assert not fake.state.requests
    answer = c.chat.completions.create(model="local-fake", messages=[{"role": "user", "content": "hi"}])
    assert answer.choices[0].message.content.startswith("echo:")
    assert [r["model"] for r in fake.state.requests] == ["local-fake"]


def test_budget_exhausted_balanced_is_402(routed: Callable[..., Router], fake: Fake) -> None:
    """A balanced project with no budget and a paid chain gets 402 budget_exceeded."""
    router = routed("")
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "strict", "budgetUsd": 0, "routingPolicy": "balanced"})
    with pytest.raises(openai.APIStatusError) as info:
        ask(router, [{"role": "user", "content": CODING}], token=proj["token"])
    assert info.value.status_code == 402 and info.value.body["code"] == "budget_exceeded" and not fake.state.requests


def test_local_only_never_reaches_cloud(routed: Callable[..., Router], fake: Fake) -> None:
    """local-only serves everything locally, and refuses rather than calling a cloud model."""
    router = routed()
    _, proj = http_json("POST", router.url + "/api/projects", {"name": "lo", "routingPolicy": "local-only"})
    ask(router, [{"role": "user", "content": CODING}], token=proj["token"])
    assert [r["model"] for r in fake.state.requests] == ["local-fake"]
    bare = routed("")
    _, proj2 = http_json("POST", bare.url + "/api/projects", {"name": "lo2", "routingPolicy": "local-only"})
    with pytest.raises(openai.APIStatusError) as info:
        ask(bare, [{"role": "user", "content": CODING}], token=proj2["token"])
    assert info.value.status_code == 503 and len(fake.state.requests) == 1
    assert "no local model is registered or downloaded: `larouter models download <id>`" in info.value.body["message"]
    reason = info.value.response.headers["x-larouter-reason"]  # the decision and why no candidate is left
    assert "policy local-only" in reason and reason.endswith("no candidate: no local model is registered or downloaded: "
                                                              "`larouter models download <id>`")


def test_explain_returns_tier_reasons_and_chain(routed: Callable[..., Router], fake: Fake) -> None:
    """`/api/route/explain` decides without calling any model."""
    status, out = http_json("POST", routed().url + "/api/route/explain", {"messages": agent_conversation(HEARTBEAT)})
    assert status == 200 and out["tier"] == "HEARTBEAT" and out["reasons"] and out["policy"] == "cost-optimized"
    assert out["candidates"][0]["model"] == "local-fake" and out["candidates"][0]["usable"]
    assert not fake.state.requests
    status, bad = http_json("POST", routed().url + "/api/route/explain", {"messages": "hi"})
    assert status == 400 and bad["error"]["param"] == "messages"


def test_explain_checks_what_chat_would_check(routed: Callable[..., Router], fake: Fake) -> None:
    """A named model is explained as the one candidate chat would use (unknown: 404 as chat); projectId is
    validated (400) and must exist (404); nothing is called."""
    router = routed()
    msgs = agent_conversation(HEARTBEAT)
    status, out = http_json("POST", router.url + "/api/route/explain", {"model": "gpt-fake", "messages": msgs})
    assert status == 200 and [c["model"] for c in out["candidates"]] == ["gpt-fake"], out
    assert out["reasons"][0].startswith("explicit model") and out["candidates"][0]["provider"] == "fake"
    status, out = http_json("POST", router.url + "/api/route/explain", {"model": "no-such-model", "messages": msgs})
    assert status == 404 and out["error"]["code"] == "model_not_found" and out["error"]["param"] == "model"
    status, out = http_json("POST", router.url + "/api/route/explain?projectId=..%2Fx", {"messages": msgs})
    assert status == 400 and out["error"]["param"] == "projectId"
    status, out = http_json("POST", router.url + "/api/route/explain?projectId=proj_nope", {"messages": msgs})
    assert status == 404 and out["error"]["param"] == "projectId"
    assert not fake.state.requests


def test_a_configured_policy_can_be_chosen_by_a_project(routed: Callable[..., Router], fake: Fake) -> None:
    """A policy defined under [routing.policies] is accepted as a project's routingPolicy and routes its calls;
    a name that is neither built in nor configured is a 400 listing the choices."""
    router = routed(LOCAL + '\n[routing.policies.nightly]\nCOMPLEX = ["local-fake", "gpt-fake"]\n')
    status, proj = http_json("POST", router.url + "/api/projects", {"name": "batch", "routingPolicy": "nightly"})
    assert status == 201 and proj["routingPolicy"] == "nightly", proj
    status, out = http_json("POST", router.url + f"/api/route/explain?projectId={proj['id']}",
                            {"messages": [{"role": "user", "content": CODING}]})
    assert status == 200 and out["policy"] == "nightly" and out["tier"] == "COMPLEX", out
    assert [c["model"] for c in out["candidates"]][:2] == ["local-fake", "gpt-fake"]
    raw = ask(router, [{"role": "user", "content": CODING}], token=proj["token"])
    assert raw.headers["x-larouter-model"] == "local-fake" and fake.state.requests[-1]["model"] == "local-fake"
    status, bad = http_json("POST", router.url + "/api/projects", {"name": "other", "routingPolicy": "cheapest"})
    assert status == 400 and bad["error"]["param"] == "routingPolicy" and "nightly" in bad["error"]["message"]


def test_chain_filters_by_context_and_vision(routed: Callable[..., Router], fake: Fake) -> None:
    """A prompt over the local context window, or with images for a text-only model, skips it with a reason; the
    heartbeat then paid for says why in its reason header and ledger row (only route explain said: review AI)."""
    router = routed('\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\ncontext_window = 50\nvision = false\n')
    status, out = http_json("POST", router.url + "/api/route/explain", {"messages": agent_conversation(HEARTBEAT)})
    local = next(c for c in out["candidates"] if c["model"] == "local-fake")
    assert status == 200 and not local["usable"] and "context" in local["skipped"]
    raw = ask(router, agent_conversation(HEARTBEAT))
    reason = raw.headers["x-larouter-reason"]
    assert raw.headers["x-larouter-tier"] == "HEARTBEAT" and raw.headers["x-larouter-provider"] != "cheap", reason
    assert "local skipped: local-fake: prompt (~" in reason and "exceeds its 50-token context" in reason, reason
    image = [{"role": "user", "content": [{"type": "text", "text": HEARTBEAT},
                                          {"type": "image_url", "image_url": {"url": "data:,"}}]}]
    router2 = routed('\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\nvision = false\n')
    _, out2 = http_json("POST", router2.url + "/api/route/explain", {"messages": image})
    local2 = next(c for c in out2["candidates"] if c["model"] == "local-fake")
    assert "images" in local2["skipped"]
    raw = ask(router2, image)
    assert "local skipped: local-fake: request has images" in raw.headers["x-larouter-reason"], raw.headers
    # Both routers share the test's home, so the export may also hold the first router's heartbeat row.
    wait_until(lambda: any("local skipped: local-fake: request has images" in row["reason"]
                           for row in exported_rows(router2.url, 1)), what="the image call's ledger row")


def test_decision_lands_in_the_usage_record(routed: Callable[..., Router]) -> None:
    """Routed calls fill byTier, so the bill shows what the heartbeats cost (nothing, locally)."""
    from tests.support.servers import wait_until

    router = routed()
    ask(router, agent_conversation(HEARTBEAT))
    ask(router, [{"role": "user", "content": CODING}])

    def tiers() -> dict:
        return http_json("GET", router.url + "/api/usage")[1]["byTier"]

    wait_until(lambda: {"HEARTBEAT", "COMPLEX"} <= set(tiers()), 10, "both calls in the ledger")
    assert tiers()["HEARTBEAT"]["cost"] == 0 and tiers()["HEARTBEAT"]["calls"] == 1


PROOF = "Prove that there are infinitely many primes of the form 4k+3."


@pytest.mark.parametrize("stream", [False, True])
def test_a_reasoning_model_chosen_by_auto_gets_a_body_it_accepts(routed: Callable[..., Router], fake: Fake,
                                                                 stream: bool) -> None:
    """The reference's example body (temperature 0.7, max_tokens 2048) classified REASONING goes to o4-mini, which
    (like OpenAI's o-series and gpt-5) refuses max_tokens and a temperature: under `auto` it is sent
    max_completion_tokens and no temperature, and the reason header says so. A client naming o4-mini gets its body
    as written, and the model's 400."""
    client = openai.OpenAI(base_url=routed().v1, api_key="x", max_retries=0)
    msgs = [{"role": "user", "content": PROOF}]
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=msgs, temperature=0.7,
                                                           max_tokens=2048, stream=stream)
    text = ("".join(ch.choices[0].delta.content or "" for ch in raw.parse() if ch.choices) if stream
            else raw.parse().choices[0].message.content)
    assert raw.headers["x-larouter-tier"] == "REASONING" and raw.headers["x-larouter-model"] == "o4-mini" and text
    assert raw.headers["x-larouter-reason"].endswith(
        "o4-mini is a reasoning model: max_tokens sent as max_completion_tokens; without temperature"), raw.headers
    sent = fake.state.requests[-1]
    assert sent["max_completion_tokens"] == 2048 and "max_tokens" not in sent and "temperature" not in sent, sent
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="o4-mini", messages=msgs, temperature=0.7, max_tokens=2048, stream=stream)
    assert info.value.code == "unsupported_parameter" and fake.state.requests[-1]["max_tokens"] == 2048


@pytest.mark.parametrize("stream", [False, True])
def test_a_plain_model_chosen_by_auto_gets_no_reasoning_settings(routed: Callable[..., Router], fake: Fake,
                                                                 stream: bool) -> None:
    """An agent's body with `reasoning_effort` and `verbosity` classified COMPLEX goes to gpt-4.1, which (like
    OpenAI's other non-reasoning models) refuses them: under `auto` they are left out and the reason header says so.
    A REASONING turn keeps them for o4-mini, and a client naming gpt-4.1 gets its body as written, and the 400."""
    client = openai.OpenAI(base_url=routed().v1, api_key="x", max_retries=0)

    def text(raw: Any) -> str:
        return ("".join(ch.choices[0].delta.content or "" for ch in raw.parse() if ch.choices) if stream
                else raw.parse().choices[0].message.content)

    msgs = [{"role": "user", "content": CODING}]
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=msgs, reasoning_effort="low",
                                                           verbosity="low", stream=stream)
    assert text(raw) and raw.headers["x-larouter-tier"] == "COMPLEX" and raw.headers["x-larouter-model"] == "gpt-4.1"
    assert raw.headers["x-larouter-reason"].endswith(
        "gpt-4.1 is not a reasoning model: without reasoning_effort, verbosity"), raw.headers
    assert len(fake.state.requests) == 1, [r["model"] for r in fake.state.requests]
    sent = fake.state.requests[-1]
    assert "reasoning_effort" not in sent and "verbosity" not in sent, sent
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=[{"role": "user", "content": PROOF}],
                                                           reasoning_effort="high", stream=stream)
    assert text(raw) and raw.headers["x-larouter-model"] == "o4-mini"
    assert fake.state.requests[-1]["reasoning_effort"] == "high" and "not a reasoning" not in raw.headers["x-larouter-reason"]
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="gpt-4.1", messages=msgs, reasoning_effort="low", stream=stream)
    assert info.value.code == "unsupported_parameter" and fake.state.requests[-1]["reasoning_effort"] == "low"


@pytest.mark.parametrize("stream", [False, True])
def test_a_react_agents_stop_is_left_out_for_a_reasoning_model_auto_chose(routed: Callable[..., Router], fake: Fake,
                                                                         stream: bool) -> None:
    """A ReAct agent's `stop` (LangChain's, crewAI's) on a REASONING turn: o4-mini, which (like OpenAI's o3 and
    o4-mini) refuses `stop`, is sent the body without it and answers, and the reason header says so; before, each
    reasoning model of the chain refused it and the cheap fallback answered. A client naming o4-mini gets its stop,
    and the model's 400."""
    client = openai.OpenAI(base_url=routed().v1, api_key="x", max_retries=0)
    msgs = [{"role": "user", "content": PROOF}]
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=msgs, stop=["\nObservation:"],
                                                           stream=stream)
    assert raw.headers["x-larouter-model"] == "o4-mini", raw.headers
    assert raw.headers["x-larouter-reason"].endswith("o4-mini is a reasoning model: without stop"), raw.headers
    assert len(fake.state.requests) == 1 and "stop" not in fake.state.requests[-1], fake.state.requests
    with pytest.raises(openai.BadRequestError) as info:
        client.chat.completions.create(model="o4-mini", messages=msgs, stop=["\nObservation:"], stream=stream)
    assert info.value.param == "stop" and fake.state.requests[-1]["stop"] == ["\nObservation:"]


def test_explain_says_why_the_local_models_are_left_out(routed: Callable[..., Router]) -> None:
    """With no local model registered or downloaded, the chain's `local` entry is shown skipped with why and what to
    do, as every other skipped candidate is (it was silently left out: the tenth review)."""
    status, out = http_json("POST", routed("").url + "/api/route/explain", {"messages": agent_conversation(HEARTBEAT)})
    assert status == 200 and out["tier"] == "HEARTBEAT", out
    local = [c for c in out["candidates"] if c["model"] == "local"]
    assert local == [{"model": "local", "provider": None, "local": False, "usable": False, "coolingDown": None,
                      "cooling": None, "skipped": "no local model is registered or downloaded: `larouter models download <id>`"}], out
