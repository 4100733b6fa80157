"""A crashed model's pending restart, an admin start whose client leaves, a model registered anew while it runs
(review P and Q of the thirty-second session)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from pathlib import Path
from typing import Callable

import aiohttp
import openai
import pytest

from tests.conftest import Fake, Router
from tests.support.servers import http_json, router_call, start_model as start, wait_until
from tests.support.tiny_gguf import write_tiny_gguf
from tests.test_local_routing import HEARTBEAT, slow_llama_server

pytestmark = pytest.mark.llama
BACKOFF = 2.0  # local.restart_backoff: the time the tests have to act on a crashed model (a busy machine's included)
SETTLE = 1.0  # past the backoff, time for a restart that was not undone to show (its spawn says "starting" at once)


async def crashed(router: Router) -> float:
    """Start tiny, kill its llama-server, and wait for the supervisor to see the crash (a restart is then pending, due
    BACKOFF after the crash); return the loop time it was seen."""
    status, out = await router_call(router, "PATCH", "/api/config", {"local": {"restart_backoff": BACKOFF}})
    assert status == 200, out
    os.kill((await start(router))["pid"], signal.SIGKILL)
    await asyncio.to_thread(wait_until, lambda: http_json("GET", router.url + "/api/models/tiny/health")[1]["state"]
                            == "crashed", 10, "the crash to be seen")
    return asyncio.get_running_loop().time()


async def stays_down(router: Router, seen: float) -> None:
    """Past the time the pending restart of the crash `seen` then would have run (its backoff, and SETTLE more),
    nothing runs tiny."""
    # (an absence: there is no event to wait for; the restart was due at most BACKOFF after the crash was seen)
    await asyncio.sleep(max(0.0, seen + BACKOFF + SETTLE - asyncio.get_running_loop().time()))
    running = (await router_call(router, "GET", "/api/models/running"))[1]
    assert [m["id"] for m in running["data"] if m["state"] != "stopped"] == [], running


async def test_a_stop_during_the_crash_backoff_keeps_the_model_down(local_router: Callable[..., Router]) -> None:
    """A stop of a crashed model waiting for its restart cancels the restart (it was a 409 "not running" and the
    model came back seconds later: a crash-looping model could not be kept down)."""
    router = local_router(restarts=3)
    seen = await crashed(router)
    status, out = await router_call(router, "POST", "/api/models/tiny/stop")
    assert status == 200 and out["state"] == "stopped", out
    await stays_down(router, seen)
    assert http_json("GET", router.url + "/api/models/tiny/health")[1]["state"] == "stopped"


async def test_a_model_removed_during_the_crash_backoff_never_comes_back(local_router: Callable[..., Router],
                                                                         tmp_path: Path) -> None:
    """Removing a crashed model cancels its pending restart (which ran the removed model, routed under an id the
    catalog no longer had, that no stop could reach); registered anew during the backoff, it is not run from the old
    file either."""
    router = local_router(restarts=3)
    seen = await crashed(router)
    status, out = await router_call(router, "DELETE", "/api/models/tiny", admin=True)
    assert status == 200 and out["deleted"] is True, out
    await stays_down(router, seen)
    listed = (await router_call(router, "GET", "/v1/models"))[1]
    assert "tiny" not in [m["id"] for m in listed["data"]], listed
    status, out = await router_call(router, "POST", "/v1/chat/completions",
                                    {"model": "tiny", "messages": [{"role": "user", "content": "hi"}]})
    assert status == 404, out

    status, out = await router_call(router, "POST", "/api/models", {"id": "tiny", "path": str(
        write_tiny_gguf(tmp_path / "tiny.gguf")), "contextLength": 2048}, admin=True)
    assert status == 201, out
    seen = await crashed(router)
    other = write_tiny_gguf(tmp_path / "other.gguf")
    status, out = await router_call(router, "POST", "/api/models", {"id": "tiny", "path": str(other),
                                                                   "contextLength": 1024}, admin=True)
    assert status == 200, out  # registered anew: its pending restart (of tiny.gguf) is cancelled
    await stays_down(router, seen)
    pid = (await start(router))["pid"]
    assert str(other) in Path(f"/proc/{pid}/cmdline").read_text(), "the new registration's file runs"


async def test_registering_a_running_model_again_is_refused(local_router: Callable[..., Router],
                                                            tmp_path: Path) -> None:
    """A new registration of a running model's id is a 409 like its removal (the catalog then disagreed with the
    server it ran); once stopped, it replaces the registration, answered 200 (201 is for a new id)."""
    router = local_router()
    await start(router)
    other = {"id": "TINY", "path": str(write_tiny_gguf(tmp_path / "other.gguf")), "contextLength": 1024}
    status, out = await router_call(router, "POST", "/api/models", other, admin=True)
    assert status == 409 and out["error"]["code"] == "model_running", out
    assert "larouter models stop tiny" in out["error"]["message"] and "register it again" in out["error"]["message"]
    assert (await router_call(router, "POST", "/api/models/tiny/stop"))[0] == 200
    status, out = await router_call(router, "POST", "/api/models", other, admin=True)
    assert status == 200 and out["localPath"] == other["path"], out


async def test_a_start_whose_client_leaves_goes_on(local_router: Callable[..., Router], tmp_path: Path) -> None:
    """`POST /api/models/{id}/start` from a client that gives up (Ctrl-C on `larouter models start`, `curl -m`)
    goes on in the daemon: the llama-server it was loading was killed and the model left crashed."""
    router = local_router(extra=slow_llama_server(tmp_path, seconds=2.0).format(last="gpt-fake"))
    async with aiohttp.ClientSession() as session:
        with pytest.raises(asyncio.TimeoutError):
            async with session.post(router.url + "/api/models/tiny/start", timeout=aiohttp.ClientTimeout(total=0.5)):
                pass
    await asyncio.to_thread(wait_until, lambda: http_json("GET", router.url + "/api/models/tiny/health")[1]["state"]
                            == "ready", 20, "the start the client left to finish")


async def test_a_hung_model_is_killed_failed_over_and_restarted(local_router: Callable[..., Router],
                                                                fake: Fake) -> None:
    """A llama-server that stops answering (here SIGSTOP; a deadlock or swapping look the same) stayed `ready` and
    routed: calls waited for the 600 s read timeout, `auto` never failed over. Once its /health has answered nothing
    for `local.hang_timeout` seconds it is killed: the call it held fails over, and it is restarted."""
    router = local_router(extra='hang_timeout = 3\n[routing.policies.cost-optimized]\nHEARTBEAT = ["tiny", "gpt-fake"]\n')
    pid = (await start(router))["pid"]
    os.kill(pid, signal.SIGSTOP)
    try:
        client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0, timeout=30)
        raw = await client.chat.completions.with_raw_response.create(
            model="auto", messages=[{"role": "user", "content": HEARTBEAT}], max_tokens=3)
        await client.close()
        reason = raw.headers["x-larouter-reason"]
        assert raw.headers["x-larouter-model"] == "gpt-fake" and "hung" in reason and "tiny failed" in reason, reason
        assert [r["model"] for r in fake.state.requests] == ["gpt-fake"]

        def restarted() -> bool:
            health = http_json("GET", router.url + "/api/models/tiny/health")[1]
            return health["state"] == "ready" and health["pid"] != pid and health["restarts"] == 1
        await asyncio.to_thread(wait_until, restarted, 20, "the hung model to be restarted")
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)


async def test_auto_takes_the_next_candidate_while_a_model_is_being_stopped(local_router: Callable[..., Router],
                                                                            fake: Fake) -> None:
    """An `auto` request during a slow stop (a server that ignores SIGTERM: the stop waits local.stop_grace) goes to
    the next candidate at once, as the README says (it waited for the stop, then started the model just stopped)."""
    router = local_router(extra='[routing.policies.cost-optimized]\nHEARTBEAT = ["tiny", "gpt-fake"]\n')
    # A stop as slow as a busy machine could make the calls below: they must end while it lasts
    status, out = await router_call(router, "PATCH", "/api/config", {"local": {"stop_grace": 15}})
    assert status == 200, out
    pid = (await start(router))["pid"]
    os.kill(pid, signal.SIGSTOP)  # (SIGTERM waits for the SIGCONT below: until then the stop waits its grace)
    stop = asyncio.create_task(router_call(router, "POST", "/api/models/tiny/stop"))
    await asyncio.to_thread(wait_until, lambda: http_json("GET", router.url + "/api/models/tiny/health")[1]["state"]
                            == "stopping", 5, "the stop to begin")
    messages = [{"role": "user", "content": HEARTBEAT}]
    explained = (await router_call(router, "POST", "/api/route/explain", {"messages": messages}))[1]
    assert {c["model"]: c.get("skipped") for c in explained["candidates"]}["tiny"].startswith("local model being stopped"), explained
    client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0, timeout=30)
    raw = await client.chat.completions.with_raw_response.create(model="auto", messages=messages, max_tokens=3)
    await client.close()
    assert not stop.done(), "answered before the stop ended (it waited for it)"
    assert raw.headers["x-larouter-model"] == "gpt-fake", raw.headers
    os.kill(pid, signal.SIGCONT)  # the pending SIGTERM ends it: the stop need not wait out its grace
    assert (await stop)[0] == 200
    assert http_json("GET", router.url + "/api/models/tiny/health")[1]["state"] == "stopped"


async def test_a_registered_file_gone_is_said_so(local_router: Callable[..., Router], tmp_path: Path) -> None:
    """A model registered with a path whose file was moved or deleted: chat and start say the file is missing and
    how to register it again (they said to download it, which answers "nothing to download": review P)."""
    router = local_router()
    (tmp_path / "tiny.gguf").unlink()
    for method, path, body in [("POST", "/v1/chat/completions", {"model": "tiny", "messages": [
            {"role": "user", "content": "hi"}]}), ("POST", "/api/models/tiny/start", None)]:
        status, out = await router_call(router, method, path, body)
        message = out["error"]["message"]
        assert status == 409 and out["error"]["code"] == "model_not_downloaded", out
        assert f"{tmp_path / 'tiny.gguf'}, is missing" in message and "larouter models add tiny --path" in message
        assert "download" not in message, message


@pytest.mark.parametrize("change", ["remove", "register"])
async def test_a_start_queued_behind_a_removal_reads_the_catalog_it_left(local_router: Callable[..., Router],
                                                                        tmp_path: Path, change: str,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    """A remove (or a new registration) and then a start, both queued behind a slow stop: the start runs after the
    catalog changed, so a removed model is a 404 (it was run, routed under an id the catalog no longer had, beyond
    any stop) and a model registered anew runs its new file (the old one ran: review R)."""
    caplog.set_level(logging.INFO, logger="larouter.models")
    router = local_router()
    pid = (await start(router))["pid"]
    os.kill(pid, signal.SIGSTOP)  # the stop holds the model's lock for local.stop_grace (3 s), then kills it
    other = write_tiny_gguf(tmp_path / "other.gguf")
    stop = asyncio.create_task(router_call(router, "POST", "/api/models/tiny/stop"))
    await asyncio.to_thread(wait_until, lambda: http_json("GET", router.url + "/api/models/tiny/health")[1]["state"]
                            == "stopping", 5, "the stop to begin")
    changed = asyncio.create_task(router_call(router, "DELETE", "/api/models/tiny", admin=True) if change == "remove"
                                  else router_call(router, "POST", "/api/models", {"id": "tiny", "path": str(other),
                                                                                   "contextLength": 1024}, admin=True))
    # The change is queued first (it says so in the log), then the start behind it: the stop holds the lock 3 s
    await asyncio.to_thread(wait_until, lambda: "a change of its registration waits" in caplog.text, 3,
                            "the change to wait for the stop")
    started = await router_call(router, "POST", "/api/models/tiny/start")
    assert (await stop)[0] == 200 and (await changed)[0] == 200, changed.result()
    if change == "remove":
        assert started[0] == 404, started
        running = (await router_call(router, "GET", "/api/models/running"))[1]["data"]
        assert [m["id"] for m in running if m["state"] != "stopped"] == [], running
    else:
        assert started[0] == 200, started
        assert str(other) in Path(f"/proc/{started[1]['pid']}/cmdline").read_text(), "the new file runs"


@pytest.mark.slow
async def test_a_busy_model_is_not_taken_for_hung(local_router: Callable[..., Router]) -> None:
    """More concurrent streams than llama-server has HTTP threads leave its /health waiting for seconds (6 s seen
    with 24 streams) while it works: it uses CPU, so it is not killed as hung (it was, twice in 20 s, failing 120 of
    130 calls: review R)."""
    router = local_router(extra="hang_timeout = 3\n")
    pid = (await start(router))["pid"]
    body = {"model": "tiny", "stream": True, "max_tokens": 600, "messages": [{"role": "user", "content": "word " * 250}]}
    end = asyncio.get_running_loop().time() + 15
    outcomes: list[bool] = []

    async def worker(session: aiohttp.ClientSession) -> None:
        while asyncio.get_running_loop().time() < end:
            async with session.post(router.v1 + "/chat/completions", json=body) as resp:
                text = await resp.text()
                outcomes.append(resp.status == 200 and text.rstrip().endswith("data: [DONE]"))

    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        await asyncio.gather(*(worker(session) for _ in range(24)))
    health = http_json("GET", router.url + "/api/models/tiny/health")[1]
    assert (health["state"], health["pid"], health["restarts"]) == ("ready", pid, 0), health
    assert outcomes and all(outcomes), outcomes
