"""Answers at the edges of the contract, through the openai SDK and the usage ledger.

An empty answer the provider stopped on purpose (`finish_reason` "length" or "content_filter"), a stream that ends
without `data: [DONE]`, a tool call and an error event in the same read, events that are not JSON or carry `event:`
names, and one very large event: what the client gets, how many upstream calls were made, and the ledger's rows.
"""

from __future__ import annotations

import concurrent.futures
import json
from decimal import Decimal
from typing import Any, Callable
from urllib.request import Request, urlopen

import openai
import pytest

from tests.conftest import Fake
from tests.support import usage
from tests.support.fake_openai import BIG_EVENT
from tests.support.usage import HELLO, UsageRouter, fake_usage

start_router, router = usage.start_router, usage.router  # the shared fixtures

CODING = ("Implement a thread-safe LRU cache in Python with O(1) get and put, generic types, TTL expiry, "
          "and write pytest unit tests covering eviction order and concurrency.")
MSGS = [{"role": "user", "content": CODING}]
PROMPT = len(CODING.split()) + 3  # the fake's prompt_tokens for MSGS
TOOLS = [{"type": "function", "function": {"name": "shell", "parameters": {"type": "object"}}}]


def chain(first: str) -> str:
    """`auto` COMPLEX tries `first`, then gpt-fake; `first` is priced like gpt-fake."""
    return (f'\n[routing.policies.cost-optimized]\nCOMPLEX = ["{first}", "gpt-fake"]\n'
            f'\n[providers.fake.prices."{first}"]\ninput = 2.0\noutput = 8.0\n')


def cost(prompt: int, completion: int) -> Decimal:
    return (Decimal(prompt) * 2 + Decimal(completion) * 8) / 1_000_000


def outcome(rows: list[dict[str, str]]) -> list[tuple[str, str, str]]:
    return [(row["model"], row["status"], row["error_type"]) for row in rows]


def raw_stream(router: UsageRouter, body: dict[str, Any]) -> bytes:
    """The bytes of a streamed answer as they came on the wire."""
    req = Request(router.url + "/v1/chat/completions", data=json.dumps({**body, "stream": True}).encode(),
                  headers={"Content-Type": "application/json"})
    with urlopen(req, timeout=30) as resp:
        return resp.read()


def events(raw: bytes) -> list[str]:
    return [event for event in raw.decode().split("\n\n") if event]


def text_and_finish(stream: Any) -> tuple[str, list[str]]:
    chunks = [ch for ch in stream if ch.choices]
    return ("".join(ch.choices[0].delta.content or "" for ch in chunks),
            [ch.choices[0].finish_reason for ch in chunks if ch.choices[0].finish_reason])


# ---------------------------------------------------------------- large events


def test_a_large_event_is_relayed_whole(router: UsageRouter) -> None:
    """One 3 MiB event, arriving in 64 KiB pieces, reaches the client whole."""
    text, finishes = text_and_finish(router.client().chat.completions.create(model="fake-big-event", messages=HELLO,
                                                                             stream=True))
    assert text == "A" * BIG_EVENT and finishes == ["stop"]
    router.settle(1)
    assert [(row["status"], row["tokens_estimated"]) for row in router.rows()] == [("200", "false")]


def test_an_event_larger_than_a_request_may_be_ends_the_stream_with_an_error(
        start_router: Callable[..., UsageRouter]) -> None:
    """An event over `server.max_body_bytes` (an answer no client could send back) is not buffered whole: the client
    gets an error event saying so, and the call is recorded as failed."""
    router = start_router("\n[server]\nmax_body_bytes = 1048576\n")
    raw = raw_stream(router, {"model": "fake-big-event", "messages": HELLO})
    role, event = events(raw)  # the role chunk, then the error event: nothing of the big one
    err = json.loads(event.removeprefix("data: "))["error"]
    assert err["code"] == "upstream_bad_response" and "1,048,576 bytes" in err["message"], err
    assert json.loads(role.removeprefix("data: "))["choices"][0]["delta"]["role"] == "assistant"
    router.settle(1)
    assert [(row["status"], row["error_type"]) for row in router.rows()] == [("502", "upstream_bad_response")]


@pytest.mark.parametrize("model", ["fake-big-event", "fake/fake-big-chunked", "fake/fake-big-gzip"])
def test_an_answer_larger_than_a_request_may_be_is_a_502_not_read_whole(start_router: Callable[..., UsageRouter],
                                                                        model: str) -> None:
    """A non-streamed answer over `server.max_body_bytes` (with its length, chunked, or a few KB of gzip that inflate
    to 3 MiB) is a 502 naming the limit, read no further than it, and recorded as failed; under the limit the same
    answers are relayed whole."""
    router = start_router("\n[server]\nmax_body_bytes = 1048576\n")
    with pytest.raises(openai.APIStatusError) as info:
        router.client().chat.completions.create(model=model, messages=HELLO)
    assert info.value.status_code == 502 and "more than 1,048,576 bytes" in info.value.message, info.value.message
    router.settle(1)
    assert [(row["status"], row["error_type"]) for row in router.rows()] == [("502", "upstream_bad_response")]
    roomy = start_router("\n[server]\nmax_body_bytes = 8388608\n")
    assert roomy.client().chat.completions.create(model=model, messages=HELLO).choices[0].message.content == "A" * BIG_EVENT


# ---------------------------------------------------------------- malformed events


def test_an_event_that_is_not_json_ends_the_stream_with_an_error(router: UsageRouter) -> None:
    """A `data:` payload that is neither JSON nor [DONE]: the client gets the events before it, then one well-formed
    error event (the SDK raises APIError, not JSONDecodeError), never the payload; the call is recorded as failed
    (it was relayed as is, and recorded as a 200)."""
    with pytest.raises(openai.APIError, match="not JSON"):
        list(router.client().chat.completions.create(model="fake-malformed", messages=HELLO, stream=True))
    raw = raw_stream(router, {"model": "fake-malformed", "messages": HELLO})
    got = [json.loads(event.removeprefix("data: ")) for event in events(raw)]  # every event is JSON
    assert got[-1]["error"]["code"] == "upstream_bad_response" and b"data: [DONE]" not in raw
    assert b"data: {not json" not in raw
    router.settle(2)
    assert {(row["status"], row["error_type"]) for row in router.rows()} == {("502", "upstream_bad_response")}


def test_an_event_that_is_not_json_before_the_answer_fails_over(start_router: Callable[..., UsageRouter],
                                                                fake: Fake) -> None:
    """`auto` streaming: a payload that is not JSON before any answer is a degraded candidate; the next one answers.
    The attempt's row says what it was, as for a named model (`upstream_bad_response`; it said `degraded`, the code
    of an empty answer)."""
    router = start_router(chain("fake-malformed"))
    text, _ = text_and_finish(router.client().chat.completions.create(model="auto", messages=MSGS, stream=True))
    assert text.startswith("echo:") and [r["model"] for r in fake.state.requests] == ["fake-malformed", "gpt-fake"]
    router.settle(2)
    assert outcome(router.rows()) == [("fake-malformed", "502", "upstream_bad_response"), ("gpt-fake", "200", "")]


def test_an_event_split_over_data_lines_is_an_answer(start_router: Callable[..., UsageRouter], fake: Fake) -> None:
    """`auto` streaming: events whose JSON is split over several `data:` lines (valid SSE, relayed as it is for a
    named model) are the answer, not a degraded 200 failed over to the next candidate (billed twice)."""
    router = start_router(chain("fake-multiline-data"))
    text, finishes = text_and_finish(router.client().chat.completions.create(model="auto", messages=MSGS,
                                                                           stream=True))
    assert text.startswith("echo:") and finishes == ["stop"]
    assert [r["model"] for r in fake.state.requests] == ["fake-multiline-data"]
    router.settle(1)
    assert outcome(router.rows()) == [("fake-multiline-data", "200", "")]


def test_event_names_and_events_without_data_are_dropped(router: UsageRouter) -> None:
    """`event:` and `retry:` lines, and events with no data (`event: ping`), are not OpenAI chat events: they are
    dropped (an event with no data made the SDK raise JSONDecodeError); comments and the answer pass, recorded
    as a 200 with exact usage."""
    text, _ = text_and_finish(router.client().chat.completions.create(model="fake-event-names", messages=HELLO,
                                                                      stream=True))
    assert text.strip() == "echo: one two three four"
    raw = raw_stream(router, {"model": "fake-event-names", "messages": HELLO})
    assert all(event.startswith(("data: ", ":")) for event in events(raw)), events(raw)
    assert b"event:" not in raw and b"retry:" not in raw and raw.endswith(b"data: [DONE]\n\n")
    router.settle(2)
    for row in router.rows():
        assert (row["status"], row["error_type"], row["tokens_estimated"]) == ("200", "", "false")


def test_an_error_field_is_relayed_as_an_error_event(router: UsageRouter) -> None:
    """An `error:` field (some llama-server builds send a stream's error so) reaches the client as the OpenAI error
    event `data: {"error": ...}` (the SDK raises with its message) and the call is recorded as failed; it was
    invisible to the SDK, and the call a 200."""
    with pytest.raises(openai.APIError, match="upstream exploded"):
        list(router.client().chat.completions.create(model="fake-error-field", messages=HELLO, stream=True))
    router.settle(1)
    assert [(row["status"], row["error_type"]) for row in router.rows()] == [("502", "upstream_error")]


# ---------------------------------------------------------------- empty answers with a reason


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize(("model", "finish", "spent"), [("fake-length", "length", 50),
                                                         ("fake-filtered", "content_filter", 5)])
def test_an_empty_answer_stopped_on_purpose_is_relayed_after_one_call(start_router: Callable[..., UsageRouter],
                                                                      fake: Fake, model: str, finish: str,
                                                                      spent: int, stream: bool) -> None:
    """`auto`: an empty answer whose finish_reason says why (the client's max_completion_tokens ran out while the model
    reasoned; the provider's content filter) is the answer: the client gets it with that finish_reason after one
    upstream call, and the ledger has one 200 row with the tokens spent (it was retried on every candidate, each
    attempt billed, and the client got a 502)."""
    router = start_router(chain(model))
    c = router.client()
    if stream:
        text, finishes = text_and_finish(c.chat.completions.create(model="auto", messages=MSGS, stream=True,
                                                                   max_completion_tokens=50))
    else:
        answer = c.chat.completions.create(model="auto", messages=MSGS, max_completion_tokens=50)
        text, finishes = answer.choices[0].message.content or "", [answer.choices[0].finish_reason]
    assert (text, finishes) == ("", [finish])
    assert [r["model"] for r in fake.state.requests] == [model]
    router.settle(1)
    (row,) = router.rows()
    assert outcome([row]) == [(model, "200", "")]
    assert (int(row["input_tokens"]), int(row["output_tokens"]), row["tokens_estimated"]) == (PROMPT, spent, "false")
    assert Decimal(row["cost_usd"]) == cost(PROMPT, spent)


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("model", ["fake-reasoning", "fake-empty"])
def test_an_empty_answer_that_says_it_is_done_still_fails_over(start_router: Callable[..., UsageRouter], fake: Fake,
                                                               model: str, stream: bool) -> None:
    """`auto`: reasoning alone or nothing, with finish_reason "stop" (or none), is a degraded 200: the next candidate
    answers, and the abandoned attempt has its own 502 `degraded` row."""
    router = start_router(chain(model))
    c = router.client()
    if stream:
        text, _ = text_and_finish(c.chat.completions.create(model="auto", messages=MSGS, stream=True))
    else:
        text = c.chat.completions.create(model="auto", messages=MSGS).choices[0].message.content
    assert text.startswith("echo:") and [r["model"] for r in fake.state.requests] == [model, "gpt-fake"]
    router.settle(2)
    assert outcome(router.rows()) == [(model, "502", "degraded"), ("gpt-fake", "200", "")]


# ---------------------------------------------------------------- streams without [DONE]


@pytest.mark.parametrize("include_usage", [False, True])
def test_a_complete_stream_without_done_is_a_complete_answer(router: UsageRouter, include_usage: bool) -> None:
    """A provider that ends a finished answer (finish_reason and usage sent) without `data: [DONE]`: the client gets the
    answer and a [DONE] of ours, no error, and the call is a 200 with exact usage (it was an `upstream_disconnected`
    error event after the whole text, and a 502 row)."""
    options = {"stream_options": {"include_usage": True}} if include_usage else {}
    text, finishes = text_and_finish(router.client().chat.completions.create(
        model="fake-no-done", messages=HELLO, stream=True, **options))
    assert (text.strip(), finishes) == ("echo: one two three four", ["stop"])
    raw = raw_stream(router, {"model": "fake-no-done", "messages": HELLO, **options})
    assert raw.endswith(b"}\n\ndata: [DONE]\n\n") and b'"error"' not in raw, raw[-300:]
    router.settle(2)
    for row in router.rows():
        assert (row["status"], row["error_type"], row["tokens_estimated"]) == ("200", "", "false")
        assert (int(row["input_tokens"]), int(row["output_tokens"])) == fake_usage(HELLO)


@pytest.mark.parametrize("include_usage", [False, True])
def test_a_stream_whose_body_stays_open_after_done_ends_at_once(router: UsageRouter, include_usage: bool) -> None:
    """A provider (or a gateway before it) that sends its [DONE] and keeps the response open, pinging: the client's
    stream ends about a second after [DONE] (a late usage chunk is waited for that long), not when the provider
    closes or its read timeout fires, and the call is a 200 (it was an error event at the read timeout, a 502 row
    and a provider cooling down, for an answer the client had whole)."""
    options = {"stream_options": {"include_usage": True}} if include_usage else {}
    pool = concurrent.futures.ThreadPoolExecutor(1)  # (a deadline on the whole stream: the provider pings for an hour,
    try:  # so no read timeout would fire; the thread ends when the fixtures close the connections)
        text, finishes = pool.submit(lambda: text_and_finish(router.client().chat.completions.create(
            model="fake-open-after-done", messages=HELLO, stream=True, **options))).result(timeout=10)
    finally:
        pool.shutdown(wait=False)
    assert (text.strip(), finishes) == ("echo: one two three four", ["stop"])
    router.settle(1)
    row, = router.rows()
    assert (row["status"], row["error_type"], row["tokens_estimated"]) == ("200", "", "false")


def test_a_stream_dropped_after_its_done_is_complete(router: UsageRouter) -> None:
    """A provider that drops the connection after its [DONE] (and half an event), with no end of the chunked body: the
    client has the whole answer and its [DONE], the call is a 200 with the provider's usage (it was an error event
    after the answer, a 502 row and a model cooling down: an agent retried the turn, billed twice)."""
    stream = router.client().chat.completions.create(model="fake-drop-after-done", messages=HELLO, stream=True,
                                                     stream_options={"include_usage": True})
    text, finishes = text_and_finish(stream)
    assert (text.strip(), finishes) == ("echo: one two three four", ["stop"])
    router.settle(1)
    row, = router.rows()
    assert (row["status"], row["error_type"], row["tokens_estimated"]) == ("200", "", "false"), row
    fake = router.get("/health")["upstreams"]["fake"]  # nothing counted against the provider or its model
    assert (fake["consecutiveFailures"], fake.get("models", {})) == (0, {}), fake


def test_a_drop_after_an_early_done_is_still_a_cut(router: UsageRouter) -> None:
    """A [DONE] sent before the answer's end (more of it after, then the connection dropped, no finish_reason): the
    answer was cut, an error event and a 502 row, not a complete stream (review S)."""
    with pytest.raises(openai.APIError):
        list(router.client().chat.completions.create(model="fake-done-early", messages=HELLO, stream=True))
    router.settle(1)
    row, = router.rows()
    assert (row["status"], row["error_type"]) == ("502", "upstream_disconnected"), row


def test_a_stream_cut_before_its_finish_reason_is_still_an_error(router: UsageRouter) -> None:
    """A stream that ends cleanly but before any finish_reason (and without [DONE]) is cut short: the SDK raises on
    our error event, no [DONE] is sent, and the call is recorded as failed."""
    with pytest.raises(openai.APIError, match="before the answer was complete"):
        list(router.client().chat.completions.create(model="fake-no-finish", messages=HELLO, stream=True))
    raw = raw_stream(router, {"model": "fake-no-finish", "messages": HELLO})
    last = json.loads(events(raw)[-1].removeprefix("data: "))
    assert last["error"]["code"] == "upstream_disconnected" and b"data: [DONE]" not in raw
    router.settle(2)
    assert {(row["status"], row["error_type"]) for row in router.rows()} == {("502", "upstream_disconnected")}


@pytest.mark.parametrize("model", ["fake-no-done", "fake-drop-after-done"])
def test_one_choice_for_n_choices_is_a_complete_answer(router: UsageRouter, model: str) -> None:
    """`n: 2` to a provider that ignores `n` (the fake answers one choice), ending its finished stream without [DONE],
    or dropping the connection after its [DONE]: the client gets the answer and a [DONE], no error, and the call is a
    200 that counts nothing against the model (review AQ: an error event followed the whole answer, the SDK raised,
    a 502 row, as a choice the provider never opened counted as unfinished). Not streamed, the one choice is relayed
    as the provider gave it."""
    text, finishes = text_and_finish(router.client().chat.completions.create(
        model=model, messages=HELLO, stream=True, n=2))
    assert (text.strip(), finishes) == ("echo: one two three four", ["stop"])
    raw = raw_stream(router, {"model": model, "messages": HELLO, "n": 2})
    assert raw.endswith(b"}\n\ndata: [DONE]\n\n") and b'"error"' not in raw, raw[-300:]
    answer = router.client().chat.completions.create(model=model, messages=HELLO, n=2)
    assert [(c.index, c.message.content, c.finish_reason) for c in answer.choices] == [
        (0, "echo: one two three four", "stop")]
    router.settle(3)
    assert {(row["status"], row["error_type"]) for row in router.rows()} == {("200", "")}
    fake = router.get("/health")["upstreams"]["fake"]
    assert (fake["consecutiveFailures"], fake.get("models", {})) == (0, {}), fake


@pytest.mark.parametrize("model", ["fake-n-cut", "fake-n-done-early"])
def test_a_stream_cut_while_a_second_choice_is_unfinished_is_still_an_error(router: UsageRouter, model: str) -> None:
    """A provider that honours `n: 2` and stops while choice 1 is mid-answer (choice 0 finished), ending its body
    without [DONE], or sending an early [DONE] and more of choice 1 before dropping the connection: the answer was
    cut (an error event naming the unfinished choice, no [DONE] of ours, a 502 row), not complete because one of the
    choices finished."""
    stream = router.client().chat.completions.create(model=model, messages=HELLO, stream=True, n=2)
    got: list[tuple[int, str | None]] = []
    with pytest.raises(openai.APIError) as raised:
        for chunk in stream:
            got += [(choice.index, choice.finish_reason) for choice in chunk.choices]
    assert (0, "stop") in got and (1, None) in got and (1, "stop") not in got, got
    if model == "fake-n-cut":
        assert "before the answer was complete (no finish_reason for choice 1, no [DONE])" in str(raised.value)
    raw = raw_stream(router, {"model": model, "messages": HELLO, "n": 2})
    last = json.loads(events(raw)[-1].removeprefix("data: "))
    assert last["error"]["code"] == "upstream_disconnected" and b"data: [DONE]" not in raw, raw[-300:]
    router.settle(2)
    assert {(row["status"], row["error_type"]) for row in router.rows()} == {("502", "upstream_disconnected")}


# ---------------------------------------------------------------- tool calls are never retried


def test_a_tool_call_and_an_error_in_one_read_is_never_retried(start_router: Callable[..., UsageRouter],
                                                               fake: Fake) -> None:
    """`auto` streaming: a tool call followed by an error event in the same read reaches the client (then the error),
    after one upstream call, recorded as failed; it was retried on the next model, unlike the same two events read
    apart."""
    router = start_router(chain("fake-tool-error"))
    calls = []
    with pytest.raises(openai.APIError, match="exploded after the call"):
        for ch in router.client().chat.completions.create(model="auto", messages=MSGS, tools=TOOLS, stream=True):
            calls += ch.choices[0].delta.tool_calls or [] if ch.choices else []
    assert [call.function.name for call in calls] == ["shell"]
    assert [r["model"] for r in fake.state.requests] == ["fake-tool-error"]
    router.settle(1)
    assert outcome(router.rows()) == [("fake-tool-error", "502", "upstream_error")]
