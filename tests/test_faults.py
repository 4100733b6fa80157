"""Fault injection: damaged files at start (the real daemon) and misbehaving upstreams (the fake provider).

Start-up: a damaged ledger or settings file stops larouterd with exit code 78 (EX_CONFIG) and a message naming the file and
the problem, without a traceback, and the file is left byte for byte as it was.

Upstream: an HTTP 200 whose body is an error object or an HTML page, a 429 with Retry-After, a stall mid-stream or
mid-body longer than the provider's read_timeout (2 s in the test config), and a slow first byte under it.
"""

from __future__ import annotations

import hashlib
import json
import random
import subprocess
import sys
import time
from pathlib import Path
from typing import Any, Callable

import aiohttp
import openai
import pytest

from larouter.config import load_settings
from larouter.usage.ledger import Ledger
from tests.conftest import FAKE_KEY, Fake, Router
from tests.support.proc import daemon_env, free_port
from tests.support.servers import exported_rows, http_json, router_call

MSGS = [{"role": "user", "content": "hi"}]
CODING = ("Implement a thread-safe LRU cache in Python with O(1) get and put, generic types, TTL expiry, "
          "and write pytest unit tests covering eviction order and concurrency.")


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def start_daemon(home: Path) -> subprocess.CompletedProcess:
    """Run larouterd on `home` until it exits (it should, at once)."""
    cmd = [sys.executable, "-m", "larouter.daemon", "--port", str(free_port())]
    return subprocess.run(cmd, env=daemon_env(home), capture_output=True, text=True, timeout=60)


def assert_refused_and_kept(home: Path, path: Path, *needles: str) -> str:
    """The daemon exits 78 naming the file and the problem, without a traceback; the file is unchanged."""
    before = digest(path)
    out = start_daemon(home)
    assert out.returncode == 78, out.stderr
    assert "Traceback" not in out.stderr and str(path) in out.stderr
    for needle in needles:
        assert needle in out.stderr, out.stderr
    assert digest(path) == before
    return out.stderr


def garbage(size: int = 64 * 1024) -> bytes:
    return random.Random(9).randbytes(size)


def real_ledger(home: Path) -> Path:
    """A ledger written by LARouter itself."""
    ledger = Ledger.open(load_settings(None, {"LAROUTER_HOME": str(home)}))
    ledger.close()
    return ledger.path


def test_garbage_ledger_file_stops_the_daemon(home: Path) -> None:
    """`usage.duckdb` full of random bytes: a clear error, the file kept as it is, no `.wal` created."""
    path = home / "usage.duckdb"
    path.write_bytes(garbage())
    assert_refused_and_kept(home, path, "not a valid DuckDB database file", "left untouched", "move usage.duckdb")
    assert sorted(p.name for p in home.glob("usage.duckdb*")) == ["usage.duckdb"]


def test_damaged_ledger_blocks_stop_the_daemon(home: Path) -> None:
    """A real ledger whose blocks after the file header are damaged (checksums fail): the same clear refusal."""
    path = real_ledger(home)
    data = path.read_bytes()
    path.write_bytes(data[:12288] + garbage(len(data) - 12288))
    stderr = assert_refused_and_kept(home, path, "Corrupt database file", "left untouched")
    assert "another larouterd" not in stderr  # not mistaken for a lock conflict


def project_entry(**field: Any) -> bytes:
    """projects.json holding one project with these fields changed."""
    return json.dumps([{"id": "proj_0123456789ab", "name": "app", "created_at": "2026-01-01T00:00:00Z", **field}]).encode()


ENTRY = "entry 0 (project 'proj_0123456789ab',"


@pytest.mark.parametrize(("name", "content", "problem"), [
    ("projects.json", b"\xff\x00\x13garbage", "not valid JSON"),
    ("projects.json", b'{"default": {}}', "expected a JSON array of projects, got object"),
    ("projects.json", b'[{"id": "p", "name": 5, "created_at": "2026-01-01T00:00:00Z"}]',
     "entry 0 is not a valid project: name: expected a string"),
    ("projects.json", project_entry(budget_usd=-5),
     f"{ENTRY} 'app'): budget_usd: must be a number from 0 to 1,000,000,000 (USD) or null, got -5.0"),
    ("projects.json", project_entry(budget_usd=1e10), f"{ENTRY} 'app'): budget_usd: must be a number from 0 to"),
    ("projects.json", project_entry(budget_window="yearly"),
     f"{ENTRY} 'app'): budget_window: must be one of daily, weekly, monthly; got 'yearly'"),
    ("projects.json", project_entry(name=" spaced "), f"{ENTRY} ' spaced '): name: must be 1-64 ASCII letters"),
    # a copied entry (same id) and a second project of the same name in another case (review B)
    ("projects.json", json.dumps([json.loads(project_entry(budget_usd=5))[0], json.loads(project_entry(budget_usd=1))[0]]
                                 ).encode(), "entry 1 (project 'proj_0123456789ab', 'app') has the id of an earlier"),
    ("projects.json", json.dumps([json.loads(project_entry())[0], json.loads(project_entry(id="proj_ba9876543210",
                                                                                          name="APP"))[0]]).encode(),
     "entry 1 (project 'proj_ba9876543210', 'APP') has the name of an earlier entry (project 'proj_0123456789ab', "
     "'app'); ids and names are unique (names are compared ignoring case and runs of spaces; LARouter before 0b721e8 "
     "took names differing only so): give one of them another \"name\" in the file"),
    ("runtime-config.json", b'{"server": ', "not valid JSON"),
    ("runtime-config.json", b"[1, 2]", "expected a JSON object of settings, got array"),
    ("runtime-config.json", b'{"routing": {"nonsense": true}}', "invalid settings: routing: unknown key(s): nonsense"),
    ("models/registered.json", garbage(4096), "not valid JSON"),
    ("models/registered.json", b'[{"id": "x"}]', "entry 0 is not a valid model"),
])
def test_damaged_settings_file_stops_the_daemon(home: Path, name: str, content: bytes, problem: str) -> None:
    """A damaged projects, runtime-config or registered-models file, or a project the API would refuse (a negative
    budget, an unknown window): exit 78, the file, project and field named, the file never rewritten. (A policy no
    config defines is no damage: the project routes by cost-optimized, as the README says; values an older version
    took are carried over: test_upgrades.py.)"""
    path = home / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content)
    assert_refused_and_kept(home, path, problem, "left untouched")
    assert path.read_bytes() == content


async def post(router: Router, body: dict[str, Any]) -> tuple[int, dict[str, str], bytes]:
    async with aiohttp.ClientSession() as s:
        async with s.post(router.v1 + "/chat/completions", json=body) as r:
            return r.status, dict(r.headers), await r.read()


def openai_error(raw: bytes, code: str | None) -> dict[str, Any]:
    err = json.loads(raw)["error"]
    assert set(err) == {"message", "type", "param", "code"} and err["code"] == code, err
    assert FAKE_KEY.encode() not in raw and b"Traceback" not in raw
    return err


@pytest.mark.parametrize("stream", [False, True])
async def test_error_body_in_a_200_is_a_502_naming_the_provider(router: Router, stream: bool) -> None:
    """An explicit model whose provider answers 200 with `{"error": ...}` gets a 502, not a 200 carrying an error."""
    status, _, raw = await post(router, {"model": "fake-200-error", "messages": MSGS, "stream": stream})
    assert status == 502
    err = openai_error(raw, "upstream_error")
    assert "provider 'fake'" in err["message"] and "overloaded" in err["message"]


POLICY = '\n[routing.policies.cost-optimized]\nCOMPLEX = ["{first}", "gpt-fake"]\n'


@pytest.mark.parametrize("stream", [False, True])
async def test_error_body_in_a_200_fails_over_for_auto(make_router: Callable[..., Router], fake: Fake,
                                                       stream: bool) -> None:
    """`auto` treats a 200 error body as a failed candidate and answers from the next one; as any error answer it
    bills nothing, streamed or not (the JSON one was a row of its own, its prompt estimated and charged: review AI)."""
    router = make_router(extra_toml=POLICY.format(first="fake-200-error"))
    body = {"model": "auto", "messages": [{"role": "user", "content": CODING}], "stream": stream}
    status, headers, raw = await post(router, body)
    assert status == 200 and b"echo: " in raw
    assert [r["model"] for r in fake.state.requests] == ["fake-200-error", "gpt-fake"]
    reason = headers["x-larouter-reason"]
    assert FAKE_KEY not in reason
    assert "fake-200-error failed (upstream_error)" in reason  # (the upstream's own message is in the 502 it became)
    status, usage = await router_call(router, "GET", "/api/usage")
    assert status == 200 and usage["totalCalls"] == 1 and list(usage["byModel"]) == ["gpt-fake"], usage


@pytest.mark.parametrize("stream", [False, True])
async def test_429_passes_retry_after_through(router: Router, stream: bool) -> None:
    """A provider's 429 for an explicit model reaches the client as a 429 with the provider's Retry-After."""
    status, headers, raw = await post(router, {"model": "fake-429-retry", "messages": MSGS, "stream": stream})
    assert status == 429 and headers["Retry-After"] == "7"
    assert "rate limiting" in openai_error(raw, "rate_limit_exceeded")["message"]


async def test_429_fails_over_for_auto(make_router: Callable[..., Router], fake: Fake) -> None:
    """`auto` moves on from a rate-limited candidate (and does not pass its Retry-After on with the answer)."""
    router = make_router(extra_toml=POLICY.format(first="fake-429-retry"))
    status, headers, raw = await post(router, {"model": "auto", "messages": [{"role": "user", "content": CODING}]})
    assert status == 200 and "Retry-After" not in headers and b"echo: " in raw
    assert [r["model"] for r in fake.state.requests] == ["fake-429-retry", "gpt-fake"]
    assert "fake-429-retry failed (rate_limit_exceeded)" in headers["x-larouter-reason"]


async def test_stall_mid_stream_ends_with_an_sse_error_event(router: Router) -> None:
    """A stream that goes silent for longer than read_timeout: what arrived, then one error event, no [DONE]."""
    started = time.monotonic()
    status, _, raw = await post(router, {"model": "fake-stall", "messages": MSGS, "stream": True})
    assert status == 200 and 2.0 <= time.monotonic() - started < 15
    events = [e for e in raw.decode().split("\n\n") if e]
    assert all(e.startswith("data: ") for e in events) and "partial" in events[-2]
    err = openai_error(events[-1].removeprefix("data: ").encode(), "upstream_timeout")
    assert "provider 'fake' stopped sending mid-stream: nothing for 2 s (its read_timeout)" == err["message"], err
    assert b"[DONE]" not in raw


async def test_stall_mid_body_is_a_504(router: Router) -> None:
    """A JSON answer that stops half-way for longer than read_timeout: a 504 upstream_timeout naming the provider
    and its read_timeout (2 s), as README promises for read timeouts, and no talk of a stream."""
    status, _, raw = await post(router, {"model": "fake-stall", "messages": MSGS})
    err = openai_error(raw, "upstream_timeout")
    assert status == 504 and "provider 'fake'" in err["message"] and "2 s" in err["message"], err
    assert "stream" not in err["message"], err


async def test_stall_mid_body_fails_over_for_auto(make_router: Callable[..., Router], fake: Fake) -> None:
    """`auto` treats a JSON answer that stalls past read_timeout as a failed candidate and answers from the next."""
    router = make_router(extra_toml=POLICY.format(first="fake-stall"))
    status, headers, raw = await post(router, {"model": "auto", "messages": [{"role": "user", "content": CODING}]})
    assert status == 200 and b"echo: " in raw, raw[:500]
    assert [r["model"] for r in fake.state.requests] == ["fake-stall", "gpt-fake"]
    assert "fake-stall failed (upstream_timeout)" in headers["x-larouter-reason"]


async def test_a_stream_that_stalls_before_its_first_token_fails_over_for_auto(make_router: Callable[..., Router],
                                                                                fake: Fake) -> None:
    """`auto` streaming: a candidate that sends its headers and role chunk, then nothing for longer than read_timeout,
    is a failed candidate (504 upstream_timeout in the reason); the client gets the next one's stream."""
    router = make_router(extra_toml=POLICY.format(first="fake-stall-first"))
    body = {"model": "auto", "messages": [{"role": "user", "content": CODING}], "stream": True}
    status, headers, raw = await post(router, body)
    assert status == 200 and b"echo:" in raw and raw.rstrip().endswith(b"data: [DONE]"), raw[:500]
    assert [r["model"] for r in fake.state.requests] == ["fake-stall-first", "gpt-fake"]
    assert "fake-stall-first failed (upstream_timeout)" in headers["x-larouter-reason"]


async def test_an_answer_with_one_empty_choice_of_two_is_not_degraded(make_router: Callable[..., Router],
                                                                      fake: Fake) -> None:
    """`auto` with n=2: an answer whose first choice is empty but whose second has text is an answer, relayed as it
    is; it used to be "degraded", retried on the next candidate and billed twice."""
    router = make_router(extra_toml=POLICY.format(first="fake-second-choice"))
    status, headers, raw = await post(router, {"model": "auto", "n": 2, "messages": [{"role": "user", "content": CODING}]})
    assert status == 200 and headers["x-larouter-model"] == "fake-second-choice", (headers, raw[:300])
    assert [c["message"]["content"] for c in json.loads(raw)["choices"]] == ["", "second"]
    assert [r["model"] for r in fake.state.requests] == ["fake-second-choice"]


@pytest.mark.parametrize("stream", [False, True])
async def test_a_200_in_the_wrong_format_is_a_502_before_the_first_byte(router: Router, stream: bool) -> None:
    """An explicit model whose provider answers 200 with an HTML page gets a 502 upstream_bad_response naming the
    provider, stream or not, and none of the page reaches the client."""
    status, headers, raw = await post(router, {"model": "fake-notjson", "messages": MSGS, "stream": stream})
    assert status == 502 and headers["Content-Type"].startswith("application/json"), (status, headers, raw[:200])
    err = openai_error(raw, "upstream_bad_response")
    assert "provider 'fake'" in err["message"] and b"oops" not in raw
    if stream:
        assert "text/html" in err["message"] and "event stream" in err["message"], err


@pytest.mark.parametrize("model", ["fake-slow-first", "fake-delay"])
@pytest.mark.parametrize("stream", [False, True])
async def test_slow_first_byte_under_read_timeout_succeeds(router: Router, model: str, stream: bool) -> None:
    """A first byte after 1 s (headers at once, or nothing at all until then) is within read_timeout = 2 s."""
    status, _, raw = await post(router, {"model": model, "messages": MSGS, "stream": stream})
    assert status == 200
    if stream:
        chunks = [json.loads(e.removeprefix("data: ")) for e in raw.decode().split("\n\n") if e and "[DONE]" not in e]
        assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]).strip() == "echo: hi"
        assert raw.endswith(b"data: [DONE]\n\n")
    else:
        assert json.loads(raw)["choices"][0]["message"]["content"] == "echo: hi"


@pytest.mark.parametrize("stream", [False, True])
def test_a_providers_400_reaches_the_sdk_with_its_param(router: Router, stream: bool) -> None:
    """A provider's own 400 is relayed as the SDK's BadRequestError with its status, code and param."""
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    with pytest.raises(openai.BadRequestError) as err:
        client.chat.completions.create(model="fake-400", messages=MSGS, stream=stream, temperature=7)
    assert err.value.status_code == 400 and err.value.param == "temperature" and err.value.code == "invalid_value"
    assert "expected at most 2" in err.value.message


@pytest.mark.parametrize("stream", [False, True])
def test_a_refusal_or_a_legacy_function_call_is_an_answer_for_auto(make_router: Callable[..., Router], fake: Fake,
                                                                  stream: bool) -> None:
    """A refusal (`content: null`, `refusal`) and a legacy `function_call` are answers: relayed as they came from the
    first candidate, never taken for a degraded 200 and retried down the chain."""
    router = make_router(extra_toml=POLICY.format(first="fake-refusal"))
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    msgs = [{"role": "user", "content": CODING}]
    if stream:
        chunks = list(c.chat.completions.create(model="auto", messages=msgs, stream=True))
        assert "".join(ch.choices[0].delta.refusal or "" for ch in chunks if ch.choices).strip() == "I can't help with that."
    else:
        answer = c.chat.completions.create(model="auto", messages=msgs)
        assert answer.choices[0].message.refusal == "I can't help with that." and answer.choices[0].message.content is None
    assert [r["model"] for r in fake.state.requests] == ["fake-refusal"]
    functions = [{"name": "weather", "parameters": {"type": "object", "properties": {"city": {"type": "string"}}}}]
    raw = c.chat.completions.with_raw_response.create(model="auto", messages=[{"role": "user", "content": "weather?"}],
                                                      functions=functions, stream=stream)
    if stream:
        calls = [ch.choices[0].delta.function_call for ch in raw.parse() if ch.choices and ch.choices[0].delta.function_call]
        assert calls and calls[0].name == "weather"
    else:
        assert raw.parse().choices[0].message.function_call.name == "weather"
    assert len(fake.state.requests) == 2  # one call each: nothing retried


PRICED_EMPTY = POLICY.format(first="fake-empty") + (
    '\n[providers.fake.prices."fake-empty"]\ninput = 1000.0\noutput = 1000.0\n'
    '\n[providers.fake.prices."gpt-fake"]\ninput = 2000.0\noutput = 2000.0\n')


@pytest.mark.parametrize("stream", [False, True])
def test_an_abandoned_attempt_is_recorded_and_charged(make_router: Callable[..., Router], fake: Fake,
                                                      stream: bool) -> None:
    """The first candidate answers (and bills) an empty 200, failover answers from the next: the ledger holds both
    calls, each with its own model, tokens and cost, and the budget is charged for both; the answered call's row
    carries nothing of the abandoned attempt."""
    router = make_router(extra_toml=PRICED_EMPTY)
    status, proj = http_json("POST", router.url + "/api/projects", {"name": "payer", "budgetUsd": 10.0})
    c = openai.OpenAI(base_url=router.v1, api_key=proj["token"], max_retries=0)
    msgs = [{"role": "user", "content": CODING}]
    if stream:
        list(c.chat.completions.create(model="auto", messages=msgs, stream=True))
    else:
        c.chat.completions.create(model="auto", messages=msgs)
    assert [r["model"] for r in fake.state.requests] == ["fake-empty", "gpt-fake"]
    prompt = len(CODING.split()) + 3
    status, usage = http_json("GET", router.url + f"/api/usage?projectId={proj['id']}")
    assert status == 200 and usage["totalCalls"] == 2 and usage["succeededCalls"] == 1
    empty, answered = usage["byModel"]["fake-empty"], usage["byModel"]["gpt-fake"]
    assert empty["calls"] == 1 and empty["tokens"] == prompt + 5
    assert empty["cost"] == pytest.approx((prompt + 5) * 1000 / 1e6)
    assert answered["calls"] == 1 and answered["tokens"] == prompt + 5
    assert answered["cost"] == pytest.approx((prompt + 5) * 2000 / 1e6)
    assert usage["budget"]["spent"] == pytest.approx((prompt + 5) * 3000 / 1e6)


async def test_an_error_event_before_the_first_token_fails_over_with_its_message(make_router: Callable[..., Router],
                                                                                fake: Fake) -> None:
    """`auto` streaming: an upstream error event before any content is a degraded candidate, and the reason quotes
    the upstream's own message (it said "stream ended without content or tool calls")."""
    router = make_router(extra_toml=POLICY.format(first="fake-sse-error"))
    body = {"model": "auto", "messages": [{"role": "user", "content": CODING}], "stream": True}
    status, headers, raw = await post(router, body)
    assert status == 200 and b"echo:" in raw
    assert [r["model"] for r in fake.state.requests] == ["fake-sse-error", "gpt-fake"]
    assert "fake-sse-error degraded (stream error: upstream exploded)" in headers["x-larouter-reason"]


@pytest.mark.parametrize("model", ["fake-sse-error", "fake-sse-error-done"])
async def test_an_upstream_error_event_mid_stream_is_relayed_once_and_recorded_as_a_failure(router: Router,
                                                                                           model: str) -> None:
    """A named model's stream carrying an error event: the client gets exactly the upstream's event (no second one
    of ours), then [DONE] only if the upstream sent it; the call is recorded as failed (502), not as a success."""
    status, _, raw = await post(router, {"model": model, "messages": MSGS, "stream": True})
    events = [e for e in raw.decode().split("\n\n") if e]
    errors = [e for e in events if '"error"' in e]
    assert status == 200 and len(errors) == 1 and "upstream exploded" in errors[0], events
    assert json.loads(errors[0].removeprefix("data: "))["error"] == {  # the four keys of every error (review O)
        "message": "upstream exploded", "type": "server_error", "param": None, "code": None}
    assert (events[-1] == "data: [DONE]") is (model == "fake-sse-error-done")
    status, usage = http_json("GET", router.url + "/api/usage")
    assert status == 200 and usage["totalCalls"] == 1 and usage["succeededCalls"] == 0


def test_a_client_that_hangs_up_after_the_error_event_leaves_a_failed_call(router: Router) -> None:
    """The SDK raises on the provider's error event and closes the stream; the provider's [DONE] comes after: the
    call was recorded as the client's disconnect (499), not as the provider's failure it was (review AI)."""
    c = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    with pytest.raises(openai.APIError, match="upstream exploded"):
        with c.chat.completions.create(model="fake-content-error-done", messages=MSGS, stream=True) as stream:
            for _ in stream:
                pass
    row, = exported_rows(router.url, 1)
    assert (row["status"], row["error_type"]) == ("502", "upstream_error"), row


async def test_when_every_candidate_fails_the_error_names_each_attempt(make_router: Callable[..., Router],
                                                                      fake: Fake) -> None:
    """All candidates failed: the last failure's status and code reach the client, and the message lists every
    attempt (it named only the last)."""
    router = make_router(extra_toml='\n[routing.policies.cost-optimized]\nCOMPLEX = ["fake-empty", "fake-500"]\n',
                         env={"LAROUTER_DEFAULT_MODEL": "fake-500"})  # (the catch-all fails too)
    status, _, raw = await post(router, {"model": "auto", "messages": [{"role": "user", "content": CODING}]})
    err = json.loads(raw)["error"]
    assert status == 502 and err["code"] == "upstream_error", raw  # fake-500's failure, as it was
    assert err["message"].startswith("every candidate failed (fake-empty degraded (empty answer"), err
    assert "; fake-500 failed (" in err["message"] and "the last said: " in err["message"]
    assert [r["model"] for r in fake.state.requests] == ["fake-empty", "fake-500"]
