"""`GET /health` tells an operator's monitor about its upstreams: `status` is "degraded" (still HTTP 200) while a
provider or a local model has failed its last 3 calls with no success since, and `upstreams` names each one called,
with its state, its run of failures and LARouter's code for its last error (never the provider's words)."""

from __future__ import annotations

import json
import random
from datetime import datetime
from pathlib import Path
from typing import Any, Callable

import openai
import pytest
from aiohttp import web

from tests.conftest import FAKE_KEY, LOCAL, Fake, Router
from tests.support.cli import ok_json, on
from tests.support.servers import BackgroundLoop, http_json, http_raw, wait_until
from tests.support.tiny_gguf import write_tiny_gguf

HELLO = [{"role": "user", "content": "hello there"}]
TIERS = ("HEARTBEAT", "SIMPLE", "MEDIUM", "COMPLEX", "REASONING")
# a second provider on the same fake (its models answer as the fake's do), and one nothing listens for
FLAKY = ('\n[providers.flaky]\nbase_url = "{url}/v1"\napi_key_env = "FAKE_KEY"\nmodels = ["flaky-model"]\n'
         '\n[providers.down]\nbase_url = "http://127.0.0.1:9/v1"\napi_key_env = "FAKE_KEY"\nmodels = ["down-model"]\n')


@pytest.fixture
def router(make_router: Callable[..., Router], fake: Fake) -> Router:
    """LARouter with the fake provider (`fake`), a second one on it (`flaky`) and an unreachable one (`down`)."""
    return make_router(extra_toml=FLAKY.format(url=fake.url))


def health(router: Router) -> dict[str, Any]:
    """`GET /health`, which answers 200 whatever the upstreams do."""
    status, body = http_json("GET", router.url + "/health")
    assert status == 200, body
    return body


def chat(router: Router, model: str, messages: list[dict[str, Any]] = HELLO, **extra: Any) -> int:
    """One chat call; its HTTP status."""
    return http_json("POST", router.v1 + "/chat/completions", {"model": model, "messages": messages, **extra})[0]


def test_three_failures_in_a_row_degrade_health_until_a_success(router: Router, fake: Fake) -> None:
    """A provider answering 500 twice is noted but the daemon is ok; the third makes /health `degraded`, naming it
    as failing with `upstream_error`; once it answers again, status is ok and its last error stays on record."""
    assert health(router)["upstreams"] == {}
    fake.state.failing.add("flaky-model")
    assert [chat(router, "flaky-model") for _ in range(2)] == [502, 502]
    body = health(router)
    assert body["status"] == "ok" and body["upstreams"]["flaky"]["consecutiveFailures"] == 2, body
    assert chat(router, "flaky-model") == 502
    body = health(router)
    flaky = body["upstreams"]["flaky"]
    assert body["status"] == "degraded" and body["uptime"] >= 0, body
    assert flaky["state"] == "failing" and flaky["consecutiveFailures"] == 3 and flaky["lastError"] == "upstream_error"
    assert flaky["lastOkAt"] is None and datetime.fromisoformat(flaky["lastErrorAt"]).tzinfo is not None, flaky
    assert "fake" not in body["upstreams"]  # never called
    fake.state.failing.clear()
    assert chat(router, "flaky-model") == 200
    wait_until(lambda: health(router)["status"] == "ok", 5, "the success to be noted")  # (booked once answered)
    flaky = health(router)["upstreams"]["flaky"]
    assert flaky["state"] == "ok" and flaky["consecutiveFailures"] == 0 and flaky["lastOkAt"] is not None, flaky
    assert flaky["lastError"] == "upstream_error" and flaky["lastErrorAt"] is not None, flaky


@pytest.mark.parametrize(("model", "kind"), [
    ("fake-401", "upstream_auth_failed"), ("fake-403-region", "upstream_forbidden"), ("fake-429", "rate_limited"),
    ("fake-hangup", "upstream_disconnected"), ("fake-notjson", "upstream_bad_response"),
    ("fake-200-error", "upstream_error"), ("down-model", "upstream_unreachable")])
def test_each_kind_of_upstream_failure_counts(router: Router, model: str, kind: str) -> None:
    """A refused key, an account refused (a 403 naming no model), a rate limit, a dropped connection, an answer that
    is not one, an error object in a 200 and a provider nothing listens for each count against the provider, under
    LARouter's own code for them."""
    for _ in range(3):
        assert chat(router, model) >= 429
    body = health(router)
    name = "down" if model == "down-model" else "fake"
    assert body["status"] == "degraded" and body["upstreams"][name]["lastError"] == kind, body
    assert body["upstreams"][name]["state"] == "failing" and body["upstreams"][name]["models"] == {}, body


@pytest.mark.parametrize(("model", "status", "kind"), [
    ("fake-403", 502, "model_forbidden"), ("fake-404", 404, "model_not_found"), ("fake-400-model", 400, "model_refused")])
def test_a_model_the_provider_refuses_fails_on_its_own(router: Router, model: str, status: int, kind: str) -> None:
    """Three calls to one model the provider refuses (a 403 naming it, a 404 `model_not_found`, a 400 about the
    model) leave /health ok and the provider ok: the model is failing under it, with LARouter's code; the provider's
    other model answers and stays ok; `larouter status` shows the model failing under a provider that is ok."""
    assert [chat(router, model) for _ in range(3)] == [status] * 3
    body = health(router)
    up = body["upstreams"]["fake"]
    assert body["status"] == "ok" and up["state"] == "ok" and up["consecutiveFailures"] == 0, body
    assert up["lastError"] is None and list(up["models"]) == [model], body
    own = up["models"][model]
    assert own["state"] == "failing" and own["consecutiveFailures"] == 3 and own["lastError"] == kind, own
    assert own["lastOkAt"] is None and datetime.fromisoformat(own["lastErrorAt"]).tzinfo is not None, own
    assert chat(router, "gpt-fake") == 200
    wait_until(lambda: health(router)["upstreams"]["fake"]["lastOkAt"] is not None, 5, "the answer to be noted")
    body = health(router)
    assert body["status"] == "ok" and body["upstreams"]["fake"]["state"] == "ok", body
    assert body["upstreams"]["fake"]["models"][model]["state"] == "failing", body
    assert "gpt-fake" not in body["upstreams"]["fake"]["models"], body
    text = " ".join(on(router, "status").output.split())
    assert "ok, up" in text and "fake: ok" in text, text
    assert f"fake/{model}: failing (3 failures in a row, last {kind}" in text, text


@pytest.mark.parametrize(("model", "kind"), [("fake-403", "model_forbidden"), ("fake-404", "model_not_found")])
def test_auto_cools_a_refused_model_not_its_provider(router: Router, fake: Fake, model: str, kind: str) -> None:
    """Under `auto`, a model the provider refuses is passed by for its other model, which answers: the refused one
    cools down (explain shows it, tried after the other), its provider is ok, and the next call skips the refused
    model until its cooldown ends."""
    patch = {"routing": {"policies": {"cost-optimized": {tier: [model, "gpt-fake"] for tier in TIERS}}}}
    assert http_json("PATCH", router.url + "/api/config", patch)[0] == 200
    raw = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions.with_raw_response.create(
        model="auto", messages=HELLO)
    assert raw.http_response.status_code == 200
    assert f"{model} failed ({kind})" in raw.headers["x-larouter-reason"], raw.headers  # the code /health shows
    assert [r["model"] for r in fake.state.requests] == [model, "gpt-fake"]
    wait_until(lambda: health(router)["upstreams"]["fake"]["lastOkAt"] is not None, 5, "the answer to be noted")
    up = health(router)["upstreams"]["fake"]
    assert up["state"] == "ok" and up["lastError"] is None, up
    assert up["models"][model] == {**up["models"][model], "state": "cooling", "consecutiveFailures": 1,
                                   "lastError": kind}, up
    status, out = http_json("POST", router.url + "/api/route/explain", {"messages": HELLO})
    assert status == 200, out
    cooling = {c["model"]: c["coolingDown"] for c in out["candidates"]}
    assert [c["model"] for c in out["candidates"]] == ["gpt-fake", model], out
    assert cooling["gpt-fake"] is None and 0 < cooling[model] <= 30, out
    assert chat(router, "auto", [{"role": "user", "content": "hello again"}]) == 200
    assert [r["model"] for r in fake.state.requests] == [model, "gpt-fake", "gpt-fake"]


def test_requests_the_provider_refuses_or_the_client_drops_do_not_count(router: Router, fake: Fake) -> None:
    """Between two failures and a third, a provider's 400 for a bad request (named, or passed by under `auto`), a
    request LARouter itself refuses and a client that leaves mid-stream neither count as failures nor reset the run:
    the status stays ok until the third real failure."""
    assert [chat(router, "fake-500") for _ in range(2)] == [502, 502]
    assert chat(router, "fake-400") == 400
    assert chat(router, "fake-500", []) == 400  # no messages: LARouter's own 400, nothing sent
    only = {"default_model": "fake-400", "policies": {"cost-optimized": {tier: ["fake-400"] for tier in TIERS}}}
    assert http_json("PATCH", router.url + "/api/config", {"routing": only})[0] == 200
    assert chat(router, "auto") == 400  # the only candidate refused it: its own 400, no failure of fake's
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    with client.chat.completions.create(model="fake-slow", messages=HELLO, stream=True) as stream:
        next(iter(stream))  # then the client leaves: a 499
    wait_until(lambda: "fake-slow" in fake.state.disconnects, 10, "LARouter to drop the upstream stream")
    body = health(router)
    assert body["status"] == "ok" and body["upstreams"]["fake"]["consecutiveFailures"] == 2, body
    assert chat(router, "fake-500") == 502
    assert health(router)["status"] == "degraded"


def test_a_cooling_upstream_shows_cooling(make_router: Callable[..., Router], fake: Fake) -> None:
    """`auto` passes a failing candidate by and cools it down: /health shows its upstream `cooling` (ok overall: one
    failure), the provider that answered `ok`, and once the cooldown is over, `ok` again."""
    router = make_router(extra_toml=FLAKY.format(url=fake.url))
    chains = {tier: ["flaky-model", "gpt-fake"] for tier in TIERS}
    patch = {"routing": {"cooldown": 2.0, "policies": {"cost-optimized": chains}}}
    assert http_json("PATCH", router.url + "/api/config", patch)[0] == 200
    fake.state.failing.add("flaky-model")
    assert chat(router, "auto") == 200
    wait_until(lambda: "fake" in health(router)["upstreams"], 5, "the answer to be noted")
    body = health(router)
    assert body["status"] == "ok", body
    assert body["upstreams"]["flaky"] == {**body["upstreams"]["flaky"], "state": "cooling", "consecutiveFailures": 1,
                                          "lastError": "upstream_error", "lastOkAt": None}, body
    assert body["upstreams"]["fake"]["state"] == "ok" and body["upstreams"]["fake"]["lastError"] is None, body
    wait_until(lambda: health(router)["upstreams"]["flaky"]["state"] == "ok", 10, "the cooldown to end")


@pytest.mark.parametrize(("model", "stream", "kind"), [
    ("fake-empty", False, "degraded"), ("fake-empty", True, "degraded"), ("fake-200-error", False, "upstream_error"),
    ("fake-sse-error", True, "upstream_error"), ("fake-malformed", True, "upstream_bad_response")])
def test_a_degraded_answer_under_auto_counts_as_a_failure(router: Router, model: str, stream: bool,
                                                          kind: str) -> None:
    """An empty 200 that `auto` fails over from is its model's failure (`degraded`), which cools down, even when the
    next candidate, on the same provider, answers; the provider, which answered, is ok. A 200 that is no answer at
    all (an error object or event, a stream that is not one) is the provider's, as it is for a named model."""
    patch = {"routing": {"policies": {"cost-optimized": {tier: [model, "gpt-fake"] for tier in TIERS}}}}
    assert http_json("PATCH", router.url + "/api/config", patch)[0] == 200
    body = {"model": "auto", "messages": HELLO, "stream": stream}
    status, raw = http_raw("POST", router.v1 + "/chat/completions", body)
    assert status == 200 and b"echo" in raw, raw  # (gpt-fake's answer)
    wait_until(lambda: health(router)["upstreams"].get("fake", {}).get("lastOkAt") is not None, 5, "the answer")
    fake = health(router)["upstreams"]["fake"]
    own = fake["models"].get(model) if kind == "degraded" else fake
    assert own is not None and own["lastError"] == kind and own["state"] == "cooling", fake
    assert own["consecutiveFailures"] == (1 if kind == "degraded" else 0), fake  # (the provider answered next)
    if kind == "degraded":
        assert fake["lastError"] is None and fake["state"] == "ok", fake
    else:
        assert fake["models"] == {}, fake


@pytest.mark.parametrize("stream", [False, True])
def test_health_never_shows_a_key_the_provider_quoted(router: Router, stream: bool) -> None:
    """The fake's 401 echoes the key it was sent, and its error events quote it (before and after the answer
    began): /health keeps LARouter's code for each failure, never the provider's words."""
    models = ["fake-401", "fake-key-error", "fake-key-error-late"] if stream else ["fake-401", "fake-401", "fake-401"]
    client = openai.OpenAI(base_url=router.v1, api_key="x", max_retries=0)
    for model in models:
        with pytest.raises(openai.APIError):
            answer = client.chat.completions.create(model=model, messages=HELLO, stream=stream)
            for _ in answer if stream else ():
                pass
    status, raw = http_raw("GET", router.url + "/health")
    body = json.loads(raw)
    assert status == 200 and body["status"] == "degraded", body
    assert body["upstreams"]["fake"]["lastError"] == ("upstream_error" if stream else "upstream_auth_failed"), body
    assert FAKE_KEY.encode() not in raw and b"sk-" not in raw and b"Bearer" not in raw, raw


def test_a_provider_the_config_changes_starts_afresh(router: Router, fake: Fake) -> None:
    """Fixing a failing provider's settings at runtime (a new key, say) clears its record: what the old settings did
    says nothing of the new ones; the other upstreams keep theirs."""
    fake.state.failing.add("flaky-model")
    for model in ("flaky-model",) * 3 + ("fake-500",):
        assert chat(router, model) == 502
    assert health(router)["status"] == "degraded"
    status, out = http_json("PATCH", router.url + "/api/config", {"providers": {"flaky": {"read_timeout": 5.0}}},
                            headers=router.admin)
    assert status == 200, out
    body = health(router)
    assert body["status"] == "ok" and list(body["upstreams"]) == ["fake"], body


def test_status_shows_the_failing_upstreams(router: Router, fake: Fake) -> None:
    """`larouter status` says the daemon is degraded because of which upstream, how often and how it fails (and the
    ledger is ok); `--json` has /health's `upstreams` as they are; the exit is 0 (the daemon is up)."""
    fake.state.failing.add("flaky-model")
    for _ in range(3):
        chat(router, "flaky-model")
    assert chat(router, "gpt-fake") == 200
    wait_until(lambda: "fake" in health(router)["upstreams"], 5, "the answer to be noted")
    data = ok_json(router, "status")
    assert data["status"] == "degraded" and data["upstreams"]["flaky"]["state"] == "failing", data
    result = on(router, "status")
    assert result.exit_code == 0, result.output
    text = " ".join(result.output.split())
    assert "degraded (upstream flaky failing; the daemon itself is up)" in text, text
    assert "flaky: failing (3 failures in a row, last upstream_error" in text and "usage ledger ok" in text, text
    assert "fake: ok" in text and text.index("flaky: failing") < text.index("fake: ok"), text


async def test_a_local_model_that_does_not_start_is_its_own_upstream(local_router: Callable[..., Router],
                                                                     tmp_path: Path) -> None:
    """A local model is an upstream of its own (`local:<id>`): one that fails to start three times (twice for a JSON
    answer, once for a stream) degrades /health with `model_start_failed`, while the one that answers is ok."""
    import aiohttp

    router = local_router()
    broken = tmp_path / "broken.gguf"
    write_tiny_gguf(broken)
    broken.write_bytes(broken.read_bytes()[:4096])  # truncated: llama-server cannot load it
    async with aiohttp.ClientSession() as session:
        async with session.post(router.url + "/api/models", json={"id": "broken", "path": str(broken),
                                                                  "contextLength": 2048}, headers=router.admin) as resp:
            assert resp.status == 201, await resp.text()
        for model, stream in (("broken", False), ("broken", True), ("broken", False), ("tiny", False)):
            body = {"model": model, "messages": HELLO, "max_tokens": 2, "stream": stream}
            async with session.post(router.v1 + "/chat/completions", json=body) as resp:
                text = await resp.text()  # (a stream's failure to start is its one error event)
                assert resp.status == (200 if stream or model == "tiny" else 502), text
                assert ("model_start_failed" in text) == (model == "broken"), text
        async with session.get(router.url + "/health") as resp:
            out = await resp.json()
    assert out["status"] == "degraded", out
    assert out["upstreams"]["local:broken"]["state"] == "failing", out
    assert out["upstreams"]["local:broken"]["lastError"] == "model_start_failed", out
    assert out["upstreams"]["local:tiny"]["state"] == "ok", out


@pytest.mark.parametrize("how", ["remove", "delete the file"])
def test_a_local_model_removed_is_forgotten(make_router: Callable[..., Router], tmp_path: Path, how: str) -> None:
    """A registered GGUF of random bytes (after the magic) fails to start 3 times (/health degraded, `local:bogus` failing); once
    `larouter models remove bogus` forgets it, or its file is deleted, /health is ok and no longer names it."""
    router = make_router(extra_toml=LOCAL.format(restarts=0))
    bogus = tmp_path / "file.gguf"
    bogus.write_bytes(b"GGUF" + random.Random(7).randbytes(64 * 1024))  # the magic (checked at add), then garbage
    assert ok_json(router, "models", "add", "bogus", "--path", str(bogus), admin=True)["id"] == "bogus"
    assert [chat(router, "bogus") for _ in range(3)] == [502, 502, 502]
    body = health(router)
    assert body["status"] == "degraded" and body["upstreams"]["local:bogus"]["state"] == "failing", body
    if how == "remove":
        assert ok_json(router, "models", "remove", "bogus", "--yes", admin=True) == {"id": "bogus", "deleted": True}
    else:
        bogus.unlink()
    body = health(router)
    assert body["status"] == "ok" and "local:bogus" not in body["upstreams"], body


def test_a_model_cooling_on_its_own_does_not_show_its_provider_cooling() -> None:
    """Review 12: a provider's model that once failed the provider's way (a 5xx, its cooldown since over), then was
    refused on its own (a 404 for it), showed the provider `cooling` beside that stale provider error; the cooldown
    is the model's: the provider is ok, the model cooling."""
    from larouter.routing.cooldowns import Cooldowns
    from larouter.routing.health import UpstreamHealth

    book, cooldowns = UpstreamHealth(), Cooldowns(seconds=30.0)
    book.failed("openai", "upstream_error", "openai/gpt-x", "gpt-x")  # the provider's failure; its cooldown ends
    book.ok("openai", "gpt-4o")  # (another of its models answered since)
    cooldowns.fail("openai/gpt-x", None, "model_not_found")  # later: refused on its own, cooling now
    book.failed("openai", "model_not_found", "openai/gpt-x", "gpt-x")
    shown = book.describe(cooldowns)["openai"]
    assert shown["state"] != "cooling" and shown["models"]["gpt-x"]["state"] == "cooling", shown


def test_a_model_that_answered_before_failing_on_its_own_keeps_its_last_answer(
        make_router: Callable[..., Router], servers: BackgroundLoop) -> None:
    """Review BA: a model that answered, then gave an empty answer under `auto` (its own failure), showed `"lastOkAt":
    null` under its provider, as if it had never answered: its record, made at that failure, starts with its last
    answer. A model that never answered still shows none (its provider's other models' answers are not its own)."""
    empty: set[str] = set()  # models that answer an empty 200 for now

    async def answer(request: web.Request) -> web.Response:
        model = (await request.json())["model"]
        text = "" if model in empty else "hello"
        return web.json_response({"id": "x", "object": "chat.completion", "created": 1, "model": model, "choices": [
            {"index": 0, "message": {"role": "assistant", "content": text}, "finish_reason": None}]})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", answer)
    url = servers.start(app)
    tiers = "\n".join(f'{tier} = ["a-model", "b-model"]' for tier in TIERS)
    router = make_router(extra_toml=f'\n[providers.alpha]\nbase_url = "{url}/v1"\napi_key_env = "FAKE_KEY"\n'
                                    f'models = ["a-model", "b-model", "c-model"]\n'
                                    f"\n[routing.policies.cost-optimized]\n{tiers}\n")
    assert chat(router, "auto") == 200
    wait_until(lambda: health(router)["upstreams"].get("alpha", {}).get("lastOkAt") is not None, 5, "the answers")
    answered = datetime.fromisoformat(health(router)["upstreams"]["alpha"]["lastOkAt"])
    empty.update({"a-model", "c-model"})
    assert chat(router, "auto", [{"role": "user", "content": "hello again"}]) == 200  # (b-model's answer)
    wait_until(lambda: "a-model" in health(router)["upstreams"]["alpha"]["models"], 5, "the empty answer")
    own = health(router)["upstreams"]["alpha"]["models"]["a-model"]
    assert own["state"] == "cooling" and own["lastError"] == "degraded", own
    assert own["lastOkAt"] is not None and datetime.fromisoformat(own["lastOkAt"]) <= answered, own
    patch = {"routing": {"policies": {"cost-optimized": {tier: ["c-model", "b-model"] for tier in TIERS}}}}
    assert http_json("PATCH", router.url + "/api/config", patch)[0] == 200
    assert chat(router, "auto", [{"role": "user", "content": "and again"}]) == 200
    wait_until(lambda: "c-model" in health(router)["upstreams"]["alpha"]["models"], 5, "c-model's empty answer")
    assert health(router)["upstreams"]["alpha"]["models"]["c-model"]["lastOkAt"] is None  # (never answered)
