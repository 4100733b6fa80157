"""`routing.reasoning_hold_seconds`: an `auto` stream that sends only reasoning is held back (so a reasoning-only
answer can still fail over) for at most that long, then committed to: the client sees the reasoning live, and a
committed stream that never answers is relayed as it came, finished, and recorded as degraded."""

from __future__ import annotations

from typing import Any, Callable

import openai
import pytest

from tests.conftest import Fake
from tests.support import usage
from tests.support.servers import http_json, wait_until
from tests.support.usage import UsageRouter
from tests.test_answer_edges import MSGS, chain, events, outcome, raw_stream

start_router = usage.start_router  # the shared fixture
KEY = "routing.reasoning_hold_seconds"


def hold(router: UsageRouter, seconds: Any) -> tuple[int, dict]:
    """PATCH the hold (it applies to the next request)."""
    return http_json("PATCH", router.url + "/api/config", {"routing": {"reasoning_hold_seconds": seconds}})


def kinds(stream: Any, on_reasoning: Callable[[], None] = lambda: None) -> list[str]:
    """What each delta of an SDK stream carried, in order: "reasoning", "content" or a finish_reason."""
    out = []
    for chunk in stream:
        for choice in chunk.choices:
            if (choice.delta.model_extra or {}).get("reasoning_content"):
                out.append("reasoning")
                on_reasoning()
            if choice.delta.content:
                out.append("content")
            if choice.finish_reason:
                out.append(choice.finish_reason)
    return out


@pytest.mark.parametrize("seconds", [0, 0.2])
def test_reasoning_past_the_hold_reaches_the_client_before_the_answer(start_router: Callable[..., UsageRouter],
                                                                      fake: Fake, seconds: float) -> None:
    """A model that reasons until the client has seen its reasoning (the fake waits for that, up to 10 s): past the
    hold the held reasoning is flushed and the rest relayed live, the answer follows, and the call is a 200 from the
    one candidate tried."""
    router = start_router(chain("fake-think"))
    assert hold(router, seconds)[0] == 200
    raw = router.client().chat.completions.with_raw_response.create(model="auto", messages=MSGS, stream=True)
    got = kinds(raw.parse(), fake.state.gate.set)
    assert fake.state.gated == [True], "the client saw no reasoning until the answer came"
    first = got.index("content")
    assert got[0] == "reasoning" and set(got[:first]) == {"reasoning"} and got[-1] == "stop", got
    assert "content" in got[first:] and "reasoning" not in got[first:], got
    assert f"fake-think still reasoning after the {seconds:g} s hold: committed" in raw.headers["x-larouter-reason"]
    assert [r["model"] for r in fake.state.requests] == ["fake-think"]
    router.settle(1)
    assert outcome(router.rows()) == [("fake-think", "200", "")]


def test_a_client_that_leaves_while_the_stream_is_held_stops_the_provider(start_router: Callable[..., UsageRouter],
                                                                          fake: Fake) -> None:
    """A client that leaves (an SDK timeout) while its `auto` stream is held back (the model only reasons): the call to
    the provider is dropped too. It ran on to its end, billed by the provider for an answer nobody read, while the
    ledger recorded a 499 with no output (review AW; a named model's stream and JSON calls dropped it already)."""
    router = start_router(chain("fake-think"))
    assert hold(router, 30)[0] == 200
    client = openai.OpenAI(base_url=router.url + "/v1", api_key="sk-client", max_retries=0, timeout=0.5)
    with pytest.raises(openai.APITimeoutError):
        client.chat.completions.create(model="auto", messages=MSGS, stream=True)
    wait_until(lambda: fake.state.disconnects == ["fake-think"], 5.0, "the provider to see its call dropped")
    assert fake.state.gated == [], "the provider answered"
    router.settle(1)
    assert outcome(router.rows()) == [("fake-think", "499", "client_disconnected")]


def test_reasoning_only_within_the_hold_still_fails_over(start_router: Callable[..., UsageRouter], fake: Fake) -> None:
    """With a hold longer than the reasoning (2 s against 0.3 s), a stream of reasoning only is a degraded 200: the
    client gets the next candidate's answer alone, and the abandoned attempt has its own 502 `degraded` row."""
    router = start_router(chain("fake-think-only"))
    assert hold(router, 2.0)[0] == 200
    got = kinds(router.client().chat.completions.create(model="auto", messages=MSGS, stream=True))
    assert "reasoning" not in got and "content" in got, got
    assert [r["model"] for r in fake.state.requests] == ["fake-think-only", "gpt-fake"]
    router.settle(2)
    assert outcome(router.rows()) == [("fake-think-only", "502", "degraded"), ("gpt-fake", "200", "")]


def test_a_committed_stream_that_ends_with_reasoning_only(start_router: Callable[..., UsageRouter], fake: Fake) -> None:
    """Committed after 0.1 s of reasoning, a stream that never answers is relayed whole and finished (its
    finish_reason and [DONE], no error), no other candidate is tried, the ledger records it as 502 `degraded` with
    its tokens and says why, and the model cools down."""
    router = start_router(chain("fake-think-only"))
    assert hold(router, 0.1)[0] == 200
    got = kinds(router.client().chat.completions.create(model="auto", messages=MSGS, stream=True))
    assert got[0] == "reasoning" and got[-1] == "stop" and "content" not in got, got
    assert [r["model"] for r in fake.state.requests] == ["fake-think-only"]
    router.settle(1)
    (row,) = router.rows()
    assert outcome([row]) == [("fake-think-only", "502", "degraded")] and int(row["output_tokens"]) == 5, row
    assert "fake-think-only still reasoning after the 0.1 s hold: committed" in row["reason"], row["reason"]
    assert row["reason"].endswith("fake-think-only degraded (its stream ended with reasoning only)"), row["reason"]
    raw = raw_stream(router, {"model": "auto", "messages": MSGS})  # the model cools down: gpt-fake answers first
    assert raw.endswith(b"data: [DONE]\n\n") and b"reasoning_content" not in raw, events(raw)
    assert [r["model"] for r in fake.state.requests] == ["fake-think-only", "gpt-fake"]


@pytest.mark.parametrize(("value", "expected"), [
    (-1, f"{KEY}: must be >= 0, got -1.0"),
    ("soon", f"{KEY}: expected a number, got 'soon'"),
    (True, f"{KEY}: expected a number, got true"),
])
def test_a_bad_hold_names_the_key(start_router: Callable[..., UsageRouter], value: Any, expected: str) -> None:
    """A negative, non-number or boolean hold through PATCH /api/config is a 400 naming the key that changes nothing
    (in the file: test_config's test_bad_file_names_key_path_and_value)."""
    router = start_router()
    status, out = hold(router, value)
    assert status == 400 and expected in out["error"]["message"] and out["error"]["param"] == KEY, out
    assert router.get("/api/config")["routing"]["reasoning_hold_seconds"] == 5.0
