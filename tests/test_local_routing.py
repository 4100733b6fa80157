"""Local models under `auto` routing, with the real llama-server: a policy may name a local model by its id (a
stopped one is started by the request), one that fails to start cools down like any failed candidate, and a stream
gets keep-alive comments while its local candidate loads, with failover all the same."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import logging
from pathlib import Path
from typing import Callable

import aiohttp
import openai
import pytest

from larouter.models.binary import find_llama_server
from tests.conftest import Fake, Router
from tests.test_local_models import call
from tests.support.tiny_gguf import write_tiny_gguf

pytestmark = pytest.mark.llama
HEARTBEAT = ("Read HEARTBEAT.md if it exists (workspace context). Follow it strictly. Do not infer or repeat old "
             "tasks from prior chats. If nothing needs attention, reply HEARTBEAT_OK.")


POLICY = "\n[routing.policies.cost-optimized]\n"


async def with_broken(router: Router, tmp_path: Path) -> Router:
    """The router with a model `broken` registered, whose file is truncated: llama-server cannot load it."""
    broken = tmp_path / "broken.gguf"
    write_tiny_gguf(broken)
    broken.write_bytes(broken.read_bytes()[:4096])
    status, out = await call(router, "POST", "/api/models", {"id": "broken", "path": str(broken), "contextLength": 2048},
                             admin=True)
    assert status == 201, out
    return router


async def test_a_policy_that_names_a_stopped_local_model_starts_it(local_router: Callable[..., Router]) -> None:
    """A routing policy may name a local model by its id, as chat may: stopped, it is a usable candidate that the
    request starts (before, "no configured provider serves it" sent every such heartbeat to the paid fallback)."""
    router = local_router(extra='\n[routing.policies.cost-optimized]\nHEARTBEAT = ["tiny", "gpt-fake"]\n')
    body = {"model": "auto", "messages": [{"role": "user", "content": HEARTBEAT}], "max_tokens": 3}
    status, plan = await call(router, "POST", "/api/route/explain", body)
    assert status == 200 and plan["tier"] == "HEARTBEAT", plan
    assert plan["candidates"][0] == {"model": "tiny", "provider": None, "local": True, "usable": True,
                                     "skipped": None, "coolingDown": None, "cooling": None}, plan
    raw = await openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions \
        .with_raw_response.create(**body)
    assert raw.headers["x-larouter-model"] == "tiny" and raw.headers["x-larouter-provider"] == "local:tiny", raw.headers
    _, health = await call(router, "GET", "/api/models/tiny/health")
    assert health["state"] == "ready", health


async def test_a_local_model_that_fails_to_start_cools_down_under_auto(local_router: Callable[..., Router],
                                                                       tmp_path: Path) -> None:
    """`auto` fails over from a local model that does not start, and that model then cools down like any failed
    candidate: listed last with its seconds left, not started again by every request. Before, its failure was put on
    no candidate (or on the one before it), so every heartbeat tried to start it again."""
    router = await with_broken(local_router(extra=f'{POLICY}HEARTBEAT = ["broken", "gpt-fake"]\n'), tmp_path)
    body = {"model": "auto", "messages": [{"role": "user", "content": HEARTBEAT}], "max_tokens": 3}
    client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = await client.chat.completions.with_raw_response.create(**body)
    assert raw.headers["x-larouter-model"] == "gpt-fake", raw.headers
    assert "broken failed (model_start_failed)" in raw.headers["x-larouter-reason"], raw.headers["x-larouter-reason"]
    _, plan = await call(router, "POST", "/api/route/explain", body)
    assert [c["model"] for c in plan["candidates"]][-1] == "broken" and plan["candidates"][-1]["coolingDown"] > 0, plan
    _, logs = await call(router, "GET", "/api/models/broken/logs")
    starts = sum("[larouter] starting" in line for line in logs["lines"])
    raw = await client.chat.completions.with_raw_response.create(**body)
    assert raw.headers["x-larouter-model"] == "gpt-fake"
    _, logs = await call(router, "GET", "/api/models/broken/logs")
    assert sum("[larouter] starting" in line for line in logs["lines"]) == starts  # not started again while cooling
    await client.close()


async def test_a_local_model_that_fails_to_start_last_is_named_on_the_error(local_router: Callable[..., Router],
                                                                            tmp_path: Path) -> None:
    """When the last candidate tried is a local model that did not start, the error says so: `x-larouter-model`
    names it (no provider: it never had a server), after the tier and each candidate's failure."""
    router = await with_broken(local_router(extra=f'{POLICY}HEARTBEAT = ["fake-500", "broken"]\n'), tmp_path)
    status, out = await call(router, "PATCH", "/api/config", {"routing": {"default_model": "fake-500"}})
    assert status == 200, out
    body = {"model": "auto", "messages": [{"role": "user", "content": HEARTBEAT}], "max_tokens": 3}
    client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0)
    with pytest.raises(openai.APIStatusError) as info:
        await client.chat.completions.create(**body)
    await client.close()
    headers = info.value.response.headers
    assert headers.get("x-larouter-tier") == "HEARTBEAT" and headers.get("x-larouter-model") == "broken", dict(headers)
    assert "x-larouter-provider" not in headers, dict(headers)
    assert headers["x-larouter-reason"].endswith("broken failed (model_start_failed)"), headers["x-larouter-reason"]


SLOW_LOAD = 3.0  # seconds before llama-server runs: past the first keep-alive (local.KEEPALIVE_SECONDS)


def slow_llama_server(tmp_path: Path, loads: bool = True, seconds: float = SLOW_LOAD) -> str:
    """`[local]` lines: a `llama_server` that waits `seconds`, then runs the real one (or, `loads` False, exits 1); and
    a HEARTBEAT chain of `tiny`, then the model to be formatted in as `last`."""
    script = tmp_path / ("slow-llama-server" if loads else "failing-llama-server")
    then = f'exec "{find_llama_server()}" "$@"' if loads else "exit 1"
    script.write_text(f"#!/bin/sh\nsleep {seconds}\n{then}\n")
    script.chmod(0o755)
    return f'llama_server = "{script}"\n[routing.policies.cost-optimized]\nHEARTBEAT = ["tiny", "{{last}}"]\n'


async def stream_raw(router: Router, on_first: Callable[[], object] | None = None) -> tuple[aiohttp.ClientResponse, str]:
    """POST a streamed `auto` heartbeat; the response and its whole body (`on_first` is awaited after the first read)."""
    body = {"model": "auto", "messages": [{"role": "user", "content": HEARTBEAT}], "max_tokens": 3, "stream": True}
    async with aiohttp.ClientSession() as s:
        async with s.post(router.v1 + "/chat/completions", json=body) as r:
            text = (await r.content.readany()).decode()
            if on_first is not None:
                await on_first()  # type: ignore[misc]
            return r, text + (await r.read()).decode()


def data_events(text: str) -> list[dict]:
    return [json.loads(event[6:]) for event in text.split("\n\n") if event.startswith("data: {")]


async def test_an_auto_stream_gets_keepalives_while_its_local_model_loads(local_router: Callable[..., Router],
                                                                          tmp_path: Path) -> None:
    """A stream whose local candidate loads for longer than a keep-alive interval gets `: starting tiny` comments
    while it loads (the headers go out then, with the tier and without the model, not chosen yet); once the model
    answers, its model and provider follow as comments before the answer."""
    router = local_router(extra=slow_llama_server(tmp_path).format(last="gpt-fake"))
    states = []

    async def health() -> None:
        states.append((await call(router, "GET", "/api/models/tiny/health"))[1]["state"])

    resp, text = await stream_raw(router, health)
    assert states == ["starting"] and text.startswith(": starting tiny\n\n"), (states, text[:200])
    assert resp.status == 200 and resp.headers["x-larouter-tier"] == "HEARTBEAT", resp.headers
    assert "x-larouter-model" not in resp.headers and resp.headers["x-larouter-reason"].endswith(
        "starting local model tiny"), resp.headers
    head, answer = text.split("\ndata: ", 1)
    assert ": x-larouter-model: tiny\n" in head and ": x-larouter-provider: local:tiny\n" in head, head
    assert answer.rstrip().endswith("data: [DONE]") and data_events(text), text[-300:]


async def test_a_local_model_that_fails_to_load_after_keepalives_still_fails_over(
        local_router: Callable[..., Router], tmp_path: Path, fake: Fake) -> None:
    """The headers went out with the keep-alives, then the local model failed to load: the next candidate is tried
    and its answer follows, named in comments (model, provider, and the reason with the local model's failure)."""
    router = local_router(extra=slow_llama_server(tmp_path, loads=False).format(last="gpt-fake"))
    resp, text = await stream_raw(router)
    assert resp.status == 200 and text.startswith(": starting tiny\n\n"), text[:200]
    head = text.split("\ndata: ", 1)[0]
    assert ": x-larouter-model: gpt-fake\n" in head and ": x-larouter-provider: fake\n" in head, head
    assert "tiny failed (model_start_failed) -> next" in head, head
    content = "".join(e["choices"][0]["delta"].get("content") or "" for e in data_events(text) if e.get("choices"))
    assert content.startswith("echo:") and [r["model"] for r in fake.state.requests] == ["gpt-fake"], text
    assert text.rstrip().endswith("data: [DONE]")


async def test_every_candidate_failing_after_keepalives_ends_with_one_error_event(
        local_router: Callable[..., Router], tmp_path: Path) -> None:
    """When every candidate fails after the headers went out, the stream ends with one OpenAI error event (the SDK
    raises it; no [DONE]), and the call is recorded with the error's status and code."""
    router = local_router(extra=slow_llama_server(tmp_path, loads=False).format(last="fake-500"))
    status, out = await call(router, "PATCH", "/api/config", {"routing": {"default_model": "fake-500"}})
    assert status == 200, out
    client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0)
    raw = await client.chat.completions.with_raw_response.create(
        model="auto", messages=[{"role": "user", "content": HEARTBEAT}], max_tokens=3, stream=True)
    assert raw.http_response.status_code == 200 and raw.headers["x-larouter-tier"] == "HEARTBEAT"
    with pytest.raises(openai.APIError, match="every candidate failed") as info:
        [c async for c in raw.parse()]
    await client.close()
    assert "tiny failed (model_start_failed)" in str(info.value) and "fake-500 failed" in str(info.value), info.value
    async with aiohttp.ClientSession() as s:
        async with s.get(router.url + "/api/usage/export?period=all") as r:
            rows = list(csv.DictReader(io.StringIO(await r.text())))
    assert [(row["status"], row["error_type"]) for row in rows if row["requested_model"] == "auto"] == [
        ("502", "upstream_error")], rows


async def test_a_client_that_leaves_during_the_keepalives_is_recorded_as_gone(local_router: Callable[..., Router],
                                                                             tmp_path: Path,
                                                                             caplog: pytest.LogCaptureFixture) -> None:
    """A client that hangs up after the first keep-alive: the call is recorded as 499 `client_disconnected` (no
    error reaches the log as a crash), and the model it started still becomes ready for the next request."""
    from tests.support.servers import wait_until

    router = local_router(extra=slow_llama_server(tmp_path).format(last="gpt-fake"))
    body = {"model": "auto", "messages": [{"role": "user", "content": HEARTBEAT}], "max_tokens": 3, "stream": True}
    async with aiohttp.ClientSession() as s:
        async with s.post(router.v1 + "/chat/completions", json=body) as r:
            assert (await r.content.readany()).startswith(b": starting tiny")
    # (the router notices at its next keep-alive)

    def recorded() -> list[tuple[str, str]]:
        from urllib.request import urlopen

        with urlopen(router.url + "/api/usage/export?period=all", timeout=30) as resp:
            rows = list(csv.DictReader(io.StringIO(resp.read().decode())))
        return [(row["status"], row["error_type"]) for row in rows]

    wait_until(lambda: recorded() == [("499", "client_disconnected")], timeout=30, what="the 499 row")
    wait_until(lambda: http_state(router) == "ready", timeout=30, what="tiny ready")
    assert not [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]


def http_state(router: Router) -> str:
    from tests.support.servers import http_json

    return http_json("GET", router.url + "/api/models/tiny/health")[1]["state"]


async def alice_served(router: Router, tmp_path: Path) -> tuple[openai.AsyncOpenAI, list[dict], str, str]:
    """A second local model `tiny2` registered, and Alice's conversation's first heartbeat answered: the client, the
    conversation so far, the model that served it and the other one."""
    status, out = await call(router, "POST", "/api/models", {"id": "tiny2", "path": str(write_tiny_gguf(
        tmp_path / "tiny2.gguf")), "contextLength": 2048}, admin=True)
    assert status == 201, out
    client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0)
    talk = [{"role": "system", "content": "You are Alice's assistant."}, {"role": "user", "content": HEARTBEAT}]
    first = await client.chat.completions.with_raw_response.create(model="auto", messages=talk, max_tokens=3)
    served = first.headers["x-larouter-model"]
    assert first.headers["x-larouter-tier"] == "HEARTBEAT" and served in ("tiny", "tiny2"), first.headers
    return client, talk, served, "tiny2" if served == "tiny" else "tiny"


async def test_a_conversation_does_not_stick_to_a_local_model_the_operator_stopped(
        local_router: Callable[..., Router], tmp_path: Path) -> None:
    """A conversation served by `tiny`, which the operator then stopped with `tiny2` running, goes to `tiny2`: it
    restarted the stopped model ahead of the running one (review T), for a prompt cache a stopped server no longer
    has."""
    router = local_router(extra=POLICY + 'HEARTBEAT = ["local"]\n')
    client, talk, served, other = await alice_served(router, tmp_path)
    assert (await call(router, "POST", f"/api/models/{other}/start"))[0] == 200
    assert (await call(router, "POST", f"/api/models/{served}/stop"))[0] == 200
    talk += [{"role": "assistant", "content": "HEARTBEAT_OK"}, {"role": "user", "content": HEARTBEAT}]
    again = await client.chat.completions.with_raw_response.create(model="auto", messages=talk, max_tokens=3)
    assert again.headers["x-larouter-model"] == other and "sticky" not in again.headers["x-larouter-reason"], \
        again.headers
    _, health = await call(router, "GET", f"/api/models/{served}/health")
    assert health["state"] == "stopped", health


async def test_a_conversation_waits_for_its_local_model_while_it_loads(local_router: Callable[..., Router],
                                                                       tmp_path: Path) -> None:
    """A conversation whose local model is loading again (stopped, then started by the operator) waits for it: it
    started the other, stopped model instead, and both ended up loaded (review X)."""
    script = tmp_path / "slow-llama-server"
    script.write_text(f'#!/bin/sh\nsleep {SLOW_LOAD}\nexec "{find_llama_server()}" "$@"\n')
    script.chmod(0o755)
    router = local_router(extra=f'llama_server = "{script}"\n' + POLICY + 'HEARTBEAT = ["local"]\n')
    client, talk, served, other = await alice_served(router, tmp_path)
    assert (await call(router, "POST", f"/api/models/{served}/stop"))[0] == 200
    restart = asyncio.ensure_future(call(router, "POST", f"/api/models/{served}/start"))
    deadline = asyncio.get_running_loop().time() + 10
    while (await call(router, "GET", f"/api/models/{served}/health"))[1]["state"] != "starting":
        assert asyncio.get_running_loop().time() < deadline, "the restart did not begin"
        await asyncio.sleep(0.05)
    talk += [{"role": "assistant", "content": "HEARTBEAT_OK"}, {"role": "user", "content": HEARTBEAT}]
    again = await client.chat.completions.with_raw_response.create(model="auto", messages=talk, max_tokens=3)
    assert again.headers["x-larouter-model"] == served and "sticky" in again.headers["x-larouter-reason"], \
        again.headers
    assert (await restart)[0] == 200
    _, health = await call(router, "GET", f"/api/models/{other}/health")
    assert health["state"] == "stopped", health
