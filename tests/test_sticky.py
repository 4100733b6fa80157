"""Sticky routing per conversation: an `auto` conversation keeps the model that served it, within its tier's chain."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

import openai
import pytest

from larouter.config import ConfigError, load_settings
from larouter.routing.sticky import CAP, StickyRoutes, conversation_key
from tests.conftest import Fake, Router
from tests.support.servers import http_json, wait_until

SYSTEM = "You are a coding agent. Use tools for file and shell access; answer tersely. " * 40
CODING = ("Implement a thread-safe LRU cache in Python with O(1) get and put, generic types, TTL expiry, "
          "and write pytest unit tests covering eviction order and concurrency.")
FOLLOW_UP = ("Refactor the eviction logic into a separate class, add type hints, and write unit tests covering "
             "the TTL edge cases.")
HEARTBEAT = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old "
             "tasks from prior chats. If nothing needs attention, reply HEARTBEAT_OK.\nCurrent time: Wednesday, "
             "November 25th, 2026 - 13:30 (UTC)")
A, B, FALLBACK = "gpt-4.1", "gpt-4o", "gpt-fake"  # COMPLEX chain: A, B, then routing.default_model
CHAIN = '\n[routing.policies.cost-optimized]\nCOMPLEX = ["gpt-4.1", "gpt-4o"]\n'
LOCAL = '\n[providers.cheap]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake"]\n'


@pytest.fixture
def make(make_router: Callable[..., Router], fake: Fake) -> Callable[..., Router]:
    """A router whose OpenAI provider is the fake, with a two-model COMPLEX chain and routing overrides."""

    def _make(extra: str = CHAIN, **routing: Any) -> Router:
        env = {"OPENAI_BASE_URL": fake.url + "/v1", "OPENAI_API_KEY": "sk-openai-fake-000000"}
        return make_router(extra_toml=extra.format(url=fake.url), env=env, routing=routing)

    return _make


def conversation(task: str, *later: str) -> list[dict[str, Any]]:
    """A conversation opened by `task`, with each of `later` as a further user turn."""
    msgs: list[dict[str, Any]] = [{"role": "system", "content": SYSTEM}, {"role": "user", "content": task}]
    for turn in later:
        msgs += [{"role": "assistant", "content": "Done; the tests pass."}, {"role": "user", "content": turn}]
    return msgs


def ask(router: Router, messages: list[dict[str, Any]], stream: bool = False, model: str = "auto") -> tuple[Any, str]:
    """One chat call through the SDK: (response headers, answer text)."""
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = c.chat.completions.with_raw_response.create(model=model, messages=messages, stream=stream)
    if stream:
        text = "".join(ch.choices[0].delta.content or "" for ch in raw.parse() if ch.choices)
    else:
        text = raw.parse().choices[0].message.content or ""
    return raw.headers, text


def explain(router: Router, messages: list[dict[str, Any]]) -> dict[str, Any]:
    status, out = http_json("POST", router.url + "/api/route/explain", {"messages": messages})
    assert status == 200, out
    return out


def first(router: Router, messages: list[dict[str, Any]]) -> str:
    return explain(router, messages)["candidates"][0]["model"]


def note(messages: list[dict[str, Any]], model: str) -> str:
    return f"sticky: {model} (conversation {conversation_key({'messages': messages}, 'default')[:8]})"


def fail_over_to_b(router: Router, fake: Fake, stream: bool = False) -> list[dict[str, Any]]:
    """Turn 1 of a conversation while A fails: B answers it. Returns the conversation."""
    conv = conversation(CODING)
    fake.state.failing.add(A)
    headers, text = ask(router, conv, stream)
    assert headers["x-larouter-model"] == B and text.startswith("echo:")
    assert f"{A} failed" in headers["x-larouter-reason"] and "sticky" not in headers["x-larouter-reason"]
    return conv


def wait_for_a(router: Router, fake: Fake) -> None:
    """A works again and its cooldown is over (a fresh conversation would be sent to it)."""
    fake.state.failing.discard(A)
    probe = conversation("Hello, I am the probe conversation.", FOLLOW_UP)
    wait_until(lambda: first(router, probe) == A, 10, f"{A}'s cooldown to end")


@pytest.mark.parametrize("stream", [False, True])
def test_conversation_stays_on_the_model_that_served_it(make: Callable[..., Router], fake: Fake, stream: bool) -> None:
    """After failing over to B, the conversation keeps B once A has recovered; another conversation gets A."""
    router = make(cooldown=0.2)
    conv = fail_over_to_b(router, fake, stream)
    wait_for_a(router, fake)
    turn2 = conversation(CODING, FOLLOW_UP)
    headers, text = ask(router, turn2, stream)
    assert headers["x-larouter-tier"] == "COMPLEX" and headers["x-larouter-model"] == B and text.startswith("echo:")
    assert note(conv, B) in headers["x-larouter-reason"] and note(turn2, B) == note(conv, B)
    other, _ = ask(router, conversation("Another task, another conversation.", FOLLOW_UP), stream)
    assert other["x-larouter-model"] == A and "sticky" not in other["x-larouter-reason"]


def test_named_model_is_not_affected(make: Callable[..., Router], fake: Fake) -> None:
    """A request naming a model goes to that model even in a conversation stuck to another one."""
    router = make(cooldown=0.2)
    fail_over_to_b(router, fake)
    wait_for_a(router, fake)
    headers, _ = ask(router, conversation(CODING, FOLLOW_UP), model=A)
    assert headers["x-larouter-model"] == A and "x-larouter-reason" not in headers
    assert first(router, conversation(CODING, FOLLOW_UP)) == B  # and it did not change what the conversation sticks to


def test_zero_disables_stickiness(make: Callable[..., Router], fake: Fake) -> None:
    """With routing.sticky_seconds = 0 the next turn follows the chain order again."""
    router = make(cooldown=0.2, sticky_seconds=0)
    fail_over_to_b(router, fake)
    wait_for_a(router, fake)
    headers, _ = ask(router, conversation(CODING, FOLLOW_UP))
    assert headers["x-larouter-model"] == A and "sticky" not in headers["x-larouter-reason"]


def test_stickiness_expires(make: Callable[..., Router], fake: Fake) -> None:
    """A conversation idle for longer than routing.sticky_seconds goes back to the chain order."""
    router = make(cooldown=0.05, sticky_seconds=2.0)
    fail_over_to_b(router, fake)
    wait_for_a(router, fake)
    turn2 = conversation(CODING, FOLLOW_UP)
    assert first(router, turn2) == B  # still stuck right after A's cooldown
    wait_until(lambda: first(router, turn2) == A, 10, "the sticky entry to expire")
    headers, _ = ask(router, turn2)
    assert headers["x-larouter-model"] == A and "sticky" not in headers["x-larouter-reason"]


def test_no_stickiness_across_tiers(make: Callable[..., Router], fake: Fake) -> None:
    """A heartbeat in a conversation stuck to a cloud model stays local; a complex turn after it goes to the cloud."""
    router = make(CHAIN + LOCAL)
    headers, _ = ask(router, conversation(CODING))
    assert headers["x-larouter-model"] == A
    beat, _ = ask(router, conversation(CODING, HEARTBEAT))
    assert beat["x-larouter-tier"] == "HEARTBEAT" and beat["x-larouter-model"] == "local-fake"
    assert "sticky" not in beat["x-larouter-reason"]
    work, _ = ask(router, conversation(CODING, HEARTBEAT, FOLLOW_UP))
    assert work["x-larouter-tier"] == "COMPLEX" and work["x-larouter-model"] == A


def test_catch_all_default_model_is_not_sticky_across_tiers(make: Callable[..., Router], fake: Fake) -> None:
    """A conversation served by routing.default_model (every chain's last resort) is not pulled there on a heartbeat."""
    router = make('\n[routing.policies.cost-optimized]\nCOMPLEX = ["gpt-4.1"]\n' + LOCAL)
    fake.state.failing.add(A)
    headers, _ = ask(router, conversation(CODING))
    assert headers["x-larouter-model"] == FALLBACK
    beat, _ = ask(router, conversation(CODING, HEARTBEAT))
    assert beat["x-larouter-model"] == "local-fake" and "sticky" not in beat["x-larouter-reason"]


def test_stickiness_never_changes_local_or_cloud(make: Callable[..., Router], fake: Fake) -> None:
    """Stuck to a cloud model the heartbeat chain also lists, heartbeats stay local; stuck locally, work stays in the cloud."""
    router = make('\n[routing.policies.cost-optimized]\nCOMPLEX = ["gpt-4.1", "gpt-4o-mini", "local"]\n' + LOCAL)
    fake.state.failing.add(A)
    headers, _ = ask(router, conversation(CODING))
    assert headers["x-larouter-model"] == "gpt-4o-mini"  # also third in the HEARTBEAT chain
    beat, _ = ask(router, conversation(CODING, HEARTBEAT))
    assert beat["x-larouter-model"] == "local-fake" and "sticky" not in beat["x-larouter-reason"]
    work, _ = ask(router, conversation(CODING, HEARTBEAT, FOLLOW_UP))  # A cools down; local-fake is in this chain
    assert work["x-larouter-model"] == "gpt-4o-mini", work  # (the conversation's cloud model, not its local one)
    assert "sticky: local-fake" not in work["x-larouter-reason"]


def test_local_models_are_sticky_among_themselves(make: Callable[..., Router], fake: Fake) -> None:
    """A conversation served by the second local model keeps it (its llama-server cache is warm)."""
    router = make(LOCAL + '\n[providers.cheap2]\nbase_url = "{url}/v1"\nlocal = true\nmodels = ["local-fake-2"]\n',
                  cooldown=0.2)
    fake.state.failing.add("local-fake")
    headers, _ = ask(router, conversation(HEARTBEAT))
    assert headers["x-larouter-tier"] == "HEARTBEAT" and headers["x-larouter-model"] == "local-fake-2"
    fake.state.failing.clear()
    probe = conversation("Hello, I am the probe conversation.", HEARTBEAT)
    wait_until(lambda: first(router, probe) == "local-fake", 10, "local-fake's cooldown to end")
    again, _ = ask(router, conversation(HEARTBEAT, HEARTBEAT))
    assert again["x-larouter-model"] == "local-fake-2" and note(conversation(HEARTBEAT), "local-fake-2") in again["x-larouter-reason"]


@pytest.mark.parametrize("stream", [False, True])
def test_sticky_model_failing_fails_over(make: Callable[..., Router], fake: Fake, stream: bool) -> None:
    """When the conversation's model fails, the walk goes on to the next candidate and the answer succeeds."""
    router = make()
    conv = fail_over_to_b(router, fake, stream)
    fake.state.failing.add(B)
    headers, text = ask(router, conversation(CODING, FOLLOW_UP), stream)
    assert headers["x-larouter-model"] == FALLBACK and text.startswith("echo:")
    reason = headers["x-larouter-reason"]
    assert note(conv, B) in reason and f"{B} failed" in reason
    assert [r["model"] for r in fake.state.requests][-2:] == [B, FALLBACK]


def test_explain_shows_sticky_order_without_storing(make: Callable[..., Router], fake: Fake) -> None:
    """`/api/route/explain` orders and explains like the proxy, and never remembers a conversation itself."""
    router = make(cooldown=0.2)
    conv = fail_over_to_b(router, fake)
    calls = len(fake.state.requests)
    out = explain(router, conversation(CODING, FOLLOW_UP))
    assert out["candidates"][0]["model"] == B and note(conv, B) in out["reasons"]
    fresh = conversation("A conversation only ever explained.", FOLLOW_UP)
    assert first(router, fresh) == B  # A is cooling down; explaining this must not make it stick to B
    wait_for_a(router, fake)
    out = explain(router, fresh)
    assert out["candidates"][0]["model"] == A and not any(r.startswith("sticky") for r in out["reasons"])
    assert first(router, conversation(CODING, FOLLOW_UP)) == B and len(fake.state.requests) == calls


def test_patch_to_zero_turns_it_off_live(make: Callable[..., Router], fake: Fake) -> None:
    """Setting routing.sticky_seconds to 0 at runtime stops stickiness without a restart; a bad value is a 400."""
    router = make(cooldown=0.2)
    fail_over_to_b(router, fake)
    wait_for_a(router, fake)
    assert first(router, conversation(CODING, FOLLOW_UP)) == B
    status, out = http_json("PATCH", router.url + "/api/config", {"routing": {"sticky_seconds": -1}})
    assert status == 400 and "routing.sticky_seconds: must be >= 0" in out["error"]["message"]
    status, _ = http_json("PATCH", router.url + "/api/config", {"routing": {"sticky_seconds": 0}})
    assert status == 200 and first(router, conversation(CODING, FOLLOW_UP)) == A


@pytest.mark.parametrize(("value", "expected"), [
    ("-1", "routing.sticky_seconds: must be >= 0, got -1.0"),
    ('"soon"', "routing.sticky_seconds: expected a number, got 'soon'"),
])
def test_bad_value_names_the_key(tmp_path: Path, value: str, expected: str) -> None:
    """A bad sticky_seconds in the file is reported with its key path and value."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(f"[routing]\nsticky_seconds = {value}\n")
    with pytest.raises(ConfigError) as info:
        load_settings(cfg, env={"LAROUTER_HOME": str(tmp_path)})
    assert expected in str(info.value)
    assert load_settings(env={"LAROUTER_HOME": str(tmp_path)}).routing.sticky_seconds == 300.0


def key(*msgs: tuple[str, Any], project: str = "default") -> str | None:
    return conversation_key({"messages": [{"role": r, "content": c} for r, c in msgs]}, project)


def test_key_is_the_stable_prefix() -> None:
    """Later turns, and system messages after the first user turn, keep the key; the prefix and project change it."""
    base = key(("system", "s"), ("user", "u"))
    assert base is not None and len(base) == 32
    assert key(("system", "s"), ("user", "u"), ("assistant", "a"), ("system", "now 13:31"), ("user", "v")) == base
    assert key(("developer", "s"), ("user", "u")) == base  # developer is the newer name of system
    assert key(("system", "s2"), ("user", "u")) != base and key(("system", "s"), ("user", "u2")) != base
    assert key(("user", "u")) != key(("system", ""), ("user", "u")) != key(("system", None), ("user", "u"))
    assert key(("system", "s"), ("user", "u"), project="proj_other") != base
    assert key(("system", "s")) is None and key(("assistant", "a")) is None


def test_key_of_parts_is_canonical_and_bounded() -> None:
    """Content parts hash by value (not key order); huge prompts hash only their first CAP bytes, quickly."""
    part = [{"type": "text", "text": "hi"}, {"type": "image_url", "image_url": {"url": "data:,x", "detail": "low"}}]
    reordered = [{"text": "hi", "type": "text"}, {"image_url": {"detail": "low", "url": "data:,x"}, "type": "image_url"}]
    assert key(("user", part)) == key(("user", reordered)) != key(("user", part[::-1]))
    assert key(("user", "hi")) != key(("user", [{"type": "text", "text": "hi"}])) != key(("user", ["hi"]))
    huge = "x" * (100 * CAP)
    assert key(("user", huge + "a")) == key(("user", huge + "b"))
    started = time.perf_counter()
    key(("system", huge), ("user", huge))
    key(("system", "\ud800 lone surrogate"), ("user", [huge] * 1000))
    nested: Any = "deep"
    for _ in range(100_000):
        nested = [nested]
    assert key(("user", nested)) is not None and time.perf_counter() - started < 5.0  # (~0.4 s; unbounded: minutes)


def test_store_is_a_bounded_lru_with_expiry() -> None:
    """The least recently served conversation goes first when full; entries end after their seconds; get only reads.
    A conversation keeps its local and its cloud model apart: serving one kind leaves the other preferred."""
    now = [0.0]
    store = StickyRoutes(max_entries=3, clock=lambda: now[0])
    for k in "abc":
        store.remember(k, f"m-{k}", 10, False)
    assert store.get("a") == ("m-a",)  # a read does not make "a" recent
    now[0] = 5.0
    store.remember("b", "m-b2", 10, False)
    store.remember("d", "m-d", 10, False)
    assert len(store) == 3 and store.get("a") == () and store.get("b") == ("m-b2",) and store.get("d") == ("m-d",)
    now[0] = 9.9
    assert store.get("c") == ("m-c",)
    now[0] = 10.0
    assert store.get("c") == () and store.get("b") == ("m-b2",)
    store.remember("e", "m-e", 10, False)  # expired entries are dropped as new ones arrive
    assert len(store) == 3 and [store.get(k) for k in "bcde"] == [("m-b2",), (), ("m-d",), ("m-e",)]
    store.remember("e", "local-e", 2, True)  # a local model serves "e" too: its cloud model stays preferred
    assert store.get("e") == ("local-e", "m-e")
    now[0] = 12.0
    assert store.get("e") == ("m-e",)  # each kind ends after its own seconds
    store.remember("e", "m-e2", 10, False)
    store.forget("e", "local-e")
    assert store.get("e") == ("m-e2",) and len(store) == 3
    store.forget("e", "m-e2")
    assert store.get("e") == () and len(store) == 2


def test_a_heartbeat_served_locally_keeps_the_cloud_model_of_the_conversation(make: Callable[..., Router],
                                                                              fake: Fake) -> None:
    """A conversation stuck to B (A failed on its first turn) has a heartbeat served by the local model between two
    pieces of work: the next piece of work goes back to B, its prompt cache warm, not to A (the local answer replaced
    B as the conversation's model: review AW)."""
    router = make(CHAIN + LOCAL, cooldown=0.2)
    conv = fail_over_to_b(router, fake)
    beat, _ = ask(router, conversation(CODING, HEARTBEAT))
    assert beat["x-larouter-model"] == "local-fake" and "sticky" not in beat["x-larouter-reason"]
    wait_for_a(router, fake)
    work, _ = ask(router, conversation(CODING, HEARTBEAT, FOLLOW_UP))
    assert work["x-larouter-tier"] == "COMPLEX" and work["x-larouter-model"] == B, work
    assert note(conv, B) in work["x-larouter-reason"]


def test_a_budget_downgrade_is_remembered_and_named_as_the_local_model(make: Callable[..., Router], fake: Fake) -> None:
    """A conversation a spent budget sent to the local model is remembered with that model, not with the cloud
    candidate it stood in for: once the budget allows the cloud again, the next turn follows the chain with no
    sticky note naming a model that never served it. And when the stand-in fails, the failure names it."""
    router = make(CHAIN + LOCAL)
    status, proj = http_json("POST", router.url + "/api/projects", {"name": "broke", "budgetUsd": 0})
    assert status == 201, proj
    client = openai.OpenAI(base_url=router.v1, api_key=proj["token"], max_retries=0)
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=conversation(CODING))
    assert raw.headers["x-larouter-model"] == "local-fake"
    assert raw.headers["x-larouter-reason"].endswith("budget spent -> downgraded to local model local-fake")
    assert http_json("PUT", router.url + f"/api/projects/{proj['id']}", {"budgetUsd": 100})[0] == 200
    raw = client.chat.completions.with_raw_response.create(model="auto", messages=conversation(CODING, FOLLOW_UP))
    assert raw.headers["x-larouter-model"] == A and "sticky" not in raw.headers["x-larouter-reason"], raw.headers
    assert http_json("PUT", router.url + f"/api/projects/{proj['id']}", {"budgetUsd": 0})[0] == 200
    fake.state.failing.add("local-fake")
    with pytest.raises(openai.APIStatusError) as info:
        client.chat.completions.create(model="auto", messages=conversation("Another task: " + CODING))
    reason = info.value.response.headers["x-larouter-reason"]
    assert "local-fake failed" in reason and f"{A} failed" not in reason, reason
