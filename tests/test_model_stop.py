"""A local model's stop racing a start: one llama-server at a time, never routed while it winds down."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
from pathlib import Path
from typing import Any, Awaitable, Callable
from urllib.parse import urlsplit

import aiohttp
import openai
import pytest

from larouter.models.binary import find_llama_server
from tests.conftest import LOCAL, Router
from tests.support.cli import on
from tests.support.servers import http_json, register, wait_until, router_call as call
from tests.support.tiny_gguf import write_tiny_gguf
from tests.test_local_routing import HEARTBEAT

pytestmark = pytest.mark.llama
HI = [{"role": "user", "content": "hi"}]

# Stands in for llama-server: waits until its gate file exists, then becomes the real llama-server (same pid, same
# process group). The first one it starts has SIGTERM blocked, so its stop lasts the whole local.stop_grace.
WRAPPER = """#!{python}
import os, signal, sys, time
while not os.path.exists({gate!r}):
    time.sleep(0.01)
if os.path.exists({block!r}):
    os.unlink({block!r})
    signal.pthread_sigmask(signal.SIG_BLOCK, {{signal.SIGTERM}})
os.execv({real!r}, [{real!r}, *sys.argv[1:]])
"""



def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


def state_of(router: Router) -> dict[str, Any]:
    """GET /api/models/tiny/health (blocking, for wait_until)."""
    return http_json("GET", router.url + "/api/models/tiny/health")[1]


def tiny_router(make_router: Callable[..., Router], tmp_path: Path, grace: float, extra: str = "") -> Router:
    """A router with the tiny GGUF registered as `tiny` and `local.stop_grace` set to `grace`."""
    local = LOCAL.format(restarts=3).replace("stop_grace = 3.0", f"stop_grace = {grace}")
    router = make_router(extra_toml=local + extra)
    status, out = register(router, {"id": "tiny", "path": str(write_tiny_gguf(tmp_path / "tiny.gguf")),
                                     "contextLength": 2048})
    assert status == 201, out
    return router


def reap_if_left(pid: int) -> None:
    """End a process a failing test may have left behind."""
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


async def test_a_start_during_a_stop_waits_for_it_and_runs_one_new_server(make_router: Callable[..., Router],
                                                                           tmp_path: Path) -> None:
    """A start that comes while the model is stopping (llama-server frozen: the stop waits out local.stop_grace)
    waits for the stop, then starts a new llama-server: the old one is gone by then, one model runs and answers."""
    router = tiny_router(make_router, tmp_path, grace=3.0)
    _, first = await call(router, "POST", "/api/models/tiny/start")
    os.kill(first["pid"], signal.SIGSTOP)
    stopping = asyncio.ensure_future(call(router, "POST", "/api/models/tiny/stop"))
    try:
        await asyncio.to_thread(wait_until, lambda: state_of(router)["state"] == "stopping", 10, "the stop to begin")
        status, started = await call(router, "POST", "/api/models/tiny/start")
        assert status == 200 and started["state"] == "ready" and started["pid"] != first["pid"], started
        assert not pid_alive(first["pid"])
        stop_status, stopped = await stopping
        assert stop_status == 200 and stopped["state"] == "stopped", stopped
    finally:
        reap_if_left(first["pid"])
    _, running = await call(router, "GET", "/api/models/running")
    assert [(m["id"], m["pid"]) for m in running["data"]] == [("tiny", started["pid"])], running
    client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0, timeout=30)
    reply = await client.chat.completions.create(model="tiny", messages=HI, max_tokens=2)
    await client.close()
    assert reply.choices


async def test_a_stop_whose_client_hangs_up_still_ends_the_server_before_a_start(make_router: Callable[..., Router],
                                                                                 tmp_path: Path) -> None:
    """A client that hangs up on its stop while llama-server winds down (frozen, so the stop would wait out a 30 s
    grace) does not leave it running: it is killed and reaped before a start may run, so the start that follows
    runs the only llama-server (it used to spawn a second one beside the old, which was never ended)."""
    router = tiny_router(make_router, tmp_path, grace=30.0)
    _, first = await call(router, "POST", "/api/models/tiny/start")
    os.kill(first["pid"], signal.SIGSTOP)
    url = urlsplit(router.url)
    try:
        reader, writer = await asyncio.open_connection(url.hostname, url.port)
        writer.write(f"POST /api/models/tiny/stop HTTP/1.1\r\nHost: {url.netloc}\r\nContent-Length: 0\r\n\r\n".encode())
        await writer.drain()
        await asyncio.to_thread(wait_until, lambda: state_of(router)["state"] == "stopping", 10, "the stop to begin")
        writer.close()  # the client gives up (Ctrl-C): larouterd cancels the stop's handler
        await writer.wait_closed()
        status, started = await call(router, "POST", "/api/models/tiny/start")
        assert status == 200 and started["state"] == "ready" and started["pid"] != first["pid"], started
        assert not pid_alive(first["pid"]), "the old llama-server is still running beside the new one"
    finally:
        reap_if_left(first["pid"])
    _, running = await call(router, "GET", "/api/models/running")
    assert [(m["id"], m["pid"]) for m in running["data"]] == [("tiny", started["pid"])], running


async def test_a_stop_that_waited_for_a_start_unroutes_the_model_it_started(
        make_router: Callable[..., Router], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A stop that comes while the model is starting waits for the start; the start routes the model when ready,
    and the stop unroutes it again before llama-server winds down: a request in that window (the server ignores
    SIGTERM and is frozen) is not sent to it (it hung, then failed with a 502) but waits and starts it anew."""
    caplog.set_level(logging.INFO, logger="larouter.models")
    block = tmp_path / "block-sigterm"
    block.touch()
    wrapper, gate = gated_llama_server(tmp_path, block)
    router = tiny_router(make_router, tmp_path, grace=3.0, extra=f'llama_server = "{wrapper}"\n')
    starting, stopping, first = await stop_during_start(router, caplog, gate,
                                                        call(router, "POST", "/api/models/tiny/start"))
    try:
        status, out = await starting
        assert (status, out["error"]["code"]) == (503, "model_stopped"), out  # (the stop that waited for it: review AV)
        await asyncio.to_thread(wait_until, lambda: state_of(router)["state"] == "stopping", 10, "the stop to begin")
        os.kill(first, signal.SIGSTOP)  # SIGTERM is blocked: it winds down for the whole grace, answering nothing
        client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0, timeout=30)
        reply = await client.chat.completions.create(model="tiny", messages=HI, max_tokens=2)
        await client.close()
    finally:
        reap_if_left(first)
        status, _ = await stopping
    assert status == 200 and reply.choices
    health = state_of(router)
    assert health["state"] == "ready" and health["pid"] != first, health


async def test_a_client_that_gives_up_on_an_autostart_does_not_stop_it(make_router: Callable[..., Router],
                                                                        tmp_path: Path) -> None:
    """A request that starts a stopped model and gives up before the model is ready (an agent's timeout shorter than
    the model's load) does not end the start: the model becomes ready and the next request is served by it. Before,
    the start was cancelled with the request and llama-server killed, so a model slower to load than the client's
    timeout never became ready."""
    gate = tmp_path / "gate"
    wrapper = tmp_path / "llama-server-gated"
    wrapper.write_text(WRAPPER.format(python=sys.executable, gate=str(gate), block=str(tmp_path / "no-block"),
                                      real=str(find_llama_server())))
    wrapper.chmod(0o755)
    router = tiny_router(make_router, tmp_path, grace=3.0, extra=f'llama_server = "{wrapper}"\n')
    body = {"model": "tiny", "messages": HI, "max_tokens": 2}
    async with aiohttp.ClientSession() as s:

        async def ask() -> None:
            async with s.post(router.v1 + "/chat/completions", json=body) as resp:
                await resp.read()

        asking = asyncio.create_task(ask())
        await asyncio.to_thread(wait_until, lambda: state_of(router)["state"] == "starting", 10, "the autostart")
        asking.cancel()  # the client gives up while the model loads (once its request began the start: a timeout of
        with contextlib.suppress(asyncio.CancelledError):  # 1 s could end before the request got that far)
            await asking
    assert state_of(router)["state"] == "starting", state_of(router)  # the client left; the start goes on
    pid = state_of(router)["pid"]
    try:
        gate.touch()  # the model finishes loading
        await asyncio.to_thread(wait_until, lambda: state_of(router)["state"] == "ready", 30, "the model to be ready")
        assert state_of(router)["pid"] == pid
        answer = await openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0).chat.completions.create(**body)
        assert answer.choices[0].message is not None
    finally:
        if pid:
            reap_if_left(pid)


async def stop_during_start(router: Router, caplog: pytest.LogCaptureFixture, gate: Path,
                            start: Awaitable[Any]) -> tuple[asyncio.Future[Any], asyncio.Future[Any], int]:
    """Run `start` (of tiny, gated), and once its llama-server runs, a stop; once the stop waits for the start, open
    the gate: (the start, the stop, the pid of the llama-server the start ran)."""
    starting = asyncio.ensure_future(start)
    await asyncio.to_thread(wait_until, lambda: state_of(router)["state"] == "starting", 10, "the start to begin")
    first = state_of(router)["pid"]
    stopping = asyncio.ensure_future(call(router, "POST", "/api/models/tiny/stop"))
    try:
        await asyncio.to_thread(wait_until, lambda: "stop waits" in caplog.text, 10, "the stop to wait for the start")
    except BaseException:
        reap_if_left(first)
        raise
    gate.touch()
    return starting, stopping, first


def gated_llama_server(tmp_path: Path, block: Path | None = None) -> tuple[Path, Path]:
    """A llama-server that loads only once its gate file exists (and ignores SIGTERM while `block` exists): (the
    program, the gate)."""
    gate = tmp_path / "gate"
    wrapper = tmp_path / "llama-server-gated"
    wrapper.write_text(WRAPPER.format(python=sys.executable, gate=str(gate), block=str(block or tmp_path / "no-block"),
                                      real=str(find_llama_server())))
    wrapper.chmod(0o755)
    return wrapper, gate


@pytest.mark.parametrize(("model", "stream"), [("tiny", False), ("tiny", True), ("auto", False)])
async def test_a_stop_while_a_request_starts_the_model(make_router: Callable[..., Router], tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture, model: str,
                                                       stream: bool) -> None:
    """A stop that comes while a request starts the model runs once the start is done. The request was answered 404
    `model_not_found` ("not served by any configured provider", `x-should-retry: false`; a stream: that error event)
    for a registered, downloaded model (review AC). Naming the model, it waits for the stop and starts the model
    again, as README says of a request that comes after a stop; `auto` takes the next candidate."""
    caplog.set_level(logging.INFO, logger="larouter.models")
    wrapper, gate = gated_llama_server(tmp_path)
    router = tiny_router(make_router, tmp_path, grace=3.0, extra=f'llama_server = "{wrapper}"\n'
                         '[routing.policies.cost-optimized]\nHEARTBEAT = ["tiny", "gpt-fake"]\n')
    body = {"model": model, "messages": [{"role": "user", "content": HEARTBEAT}], "max_tokens": 2, "stream": stream}

    async def ask() -> tuple[int, Any, str]:
        async with aiohttp.ClientSession() as s, s.post(router.v1 + "/chat/completions", json=body) as r:
            return r.status, r.headers, await r.text()

    asking = asyncio.ensure_future(ask())
    await asyncio.to_thread(wait_until, lambda: state_of(router)["state"] == "starting", 10, "the request to start it")
    first = state_of(router)["pid"]
    stopping = asyncio.ensure_future(call(router, "POST", "/api/models/tiny/stop"))
    try:
        await asyncio.to_thread(wait_until, lambda: "stop waits" in caplog.text, 10, "the stop to wait for the start")
        gate.touch()  # the model loads; the stop runs once it is ready
        status, headers, text = await asyncio.wait_for(asking, 60)
        assert (await stopping)[0] == 200
    finally:
        reap_if_left(first)
    assert status == 200, text
    assert "model_not_found" not in text and "error" not in text, text
    if model == "auto":  # (it was stopped: the next candidate, as for a model being stopped when the call came)
        assert headers["x-larouter-model"] == "gpt-fake", headers
        assert "tiny failed (model_stopped) -> next" in headers["x-larouter-reason"], headers["x-larouter-reason"]
        assert state_of(router)["state"] == "stopped"
        return
    assert headers["x-larouter-model"] == "tiny", headers
    assert text.rstrip().endswith("data: [DONE]") if stream else json.loads(text)["choices"], text
    health = state_of(router)
    assert health["state"] == "ready" and health["pid"] != first, health  # started again after the stop


async def test_a_cli_start_cut_short_by_a_stop_says_so(make_router: Callable[..., Router], tmp_path: Path,
                                                       caplog: pytest.LogCaptureFixture) -> None:
    """`larouter models start` while a `models stop` comes as the model loads: the start says the stop came while
    it loaded (it answered 200 `{"state": "stopping"}` and the CLI said "tiny is stopping: see `larouter models logs
    tiny`", where nothing said so: review AV), as a chat that starts the model does (503 `model_stopped`)."""
    caplog.set_level(logging.INFO, logger="larouter.models")
    wrapper, gate = gated_llama_server(tmp_path)
    router = tiny_router(make_router, tmp_path, grace=3.0, extra=f'llama_server = "{wrapper}"\n')
    starting, stopping, first = await stop_during_start(router, caplog, gate,
                                                        asyncio.to_thread(on, router, "models", "start", "tiny"))
    try:
        started = await asyncio.wait_for(starting, 60)
        assert (await stopping)[0] == 200
    finally:
        reap_if_left(first)
    assert started.exit_code == 1, started.output
    assert "'tiny' was stopped (`larouter models stop tiny`) while this start loaded it" in started.output, started.output
    assert state_of(router)["state"] == "stopped"


async def test_starts_and_stops_asked_through_the_api_are_logged(make_router: Callable[..., Router], tmp_path: Path,
                                                                  caplog: pytest.LogCaptureFixture) -> None:
    """`larouter models stop` (POST /api/models/{id}/stop) left no line in larouterd's log, so a model that vanished
    had no recorded cause (idle unloads, crashes and restarts are logged: review BI): a start, a restart with new
    options and a stop asked through the API each say so, as they begin; a start of a running model (nothing to do)
    and a refused stop (409: not running) say nothing."""
    caplog.set_level(logging.INFO, logger="larouter.models")
    router = tiny_router(make_router, tmp_path, grace=3.0)

    def asked() -> list[str]:
        return [r.getMessage() for r in caplog.records if "asked through the API" in r.getMessage()]

    api = "asked through the API (POST /api/models/tiny/{0}: `larouter models {0}`)"
    assert (await call(router, "POST", "/api/models/tiny/start"))[0] == 200
    assert (await call(router, "POST", "/api/models/tiny/start"))[0] == 200  # already running: nothing happens
    assert (await call(router, "POST", "/api/models/tiny/start", {"ctxSize": 1024}))[0] == 200
    assert (await call(router, "POST", "/api/models/TINY/stop"))[0] == 200
    assert (await call(router, "POST", "/api/models/tiny/stop"))[0] == 409
    assert asked() == [f"model tiny: starting, {api.format('start')}",
                       f"model tiny: restarting with new options, {api.format('start')}",
                       f"model tiny: stopping, {api.format('stop')}"], caplog.text
