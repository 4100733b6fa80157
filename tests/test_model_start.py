"""Starting a local model through the HTTP API: options per start, idempotence, failed starts, validation."""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.support.servers import router_call as call, wait_until
from tests.conftest import Router
from tests.support.tiny_gguf import write_tiny_gguf
from tests.test_local_crash_errors import request_waiting
from tests.test_model_stop import gated_llama_server, reap_if_left, state_of, tiny_router

pytestmark = pytest.mark.llama
CHAT = {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2}



async def threads_of_last_start(router: Router) -> str:
    """The `-t` value of the last llama-server command line the supervisor ran for `tiny`."""
    _, logs = await call(router, "GET", "/api/models/tiny/logs?lines=400")
    starts = [line for line in logs["lines"] if line.startswith("[larouter] starting:")]
    found = re.search(r" -t (\d+)", starts[-1])
    assert found, starts[-1]
    return found.group(1)


def swap_model_file(path: Path, broken: bool) -> None:
    """Replace the GGUF by a file llama-server cannot load (or put the good one back), as a new inode, so a
    running server's mapping of the old file is untouched."""
    tmp = path.with_name(path.name + ".new")
    if broken:
        tmp.write_bytes(b"GGUF" + b"\x00" * 64)
    else:
        write_tiny_gguf(tmp)
    os.replace(tmp, path)


def pid_alive(pid: int) -> bool:
    """True while the process exists and is not a zombie."""
    stat = Path(f"/proc/{pid}/stat")
    return stat.exists() and stat.read_text().split()[2] != "Z"


async def test_failed_restart_unregisters_the_model_and_plain_starts_use_the_configured_flags(
        local_router: Callable[..., Router], tmp_path: Path) -> None:
    """A restart that fails leaves nothing routed to the dead server: the model is not running, not listed as
    available without autostart, a chat asks to start it (503), autostart starts it again, and a plain start
    after a failed one uses the configured flags (-t 1), not the failed start's."""
    router = local_router()
    model = tmp_path / "tiny.gguf"
    status, first = await call(router, "POST", "/api/models/tiny/start")
    assert status == 200 and first["state"] == "ready"
    swap_model_file(model, broken=True)
    status, out = await call(router, "POST", "/api/models/tiny/start", {"threads": 2})
    assert (status, out["error"]["code"]) == (502, "model_start_failed"), out
    assert not pid_alive(first["pid"])
    assert (await call(router, "GET", "/api/models/running"))[1]["data"] == []
    status, _ = await call(router, "PATCH", "/api/config", {"local": {"autostart": False}})
    assert status == 200
    _, listed = await call(router, "GET", "/v1/models")
    assert [m["available"] for m in listed["data"] if m["id"] == "tiny"] == [False], listed
    status, out = await call(router, "POST", "/v1/chat/completions", CHAT)
    assert (status, out["error"]["code"]) == (503, "model_not_running"), out
    swap_model_file(model, broken=False)
    assert (await call(router, "PATCH", "/api/config", {"local": {"autostart": True}}))[0] == 200
    status, out = await call(router, "POST", "/v1/chat/completions", CHAT)
    assert status == 200 and out["choices"], out
    assert await threads_of_last_start(router) == "1"
    _, autostarted = await call(router, "GET", "/api/models/tiny/health")
    assert autostarted["state"] == "ready" and autostarted["healthy"] is True
    swap_model_file(model, broken=True)
    status, out = await call(router, "POST", "/api/models/tiny/start", {"threads": 2})
    assert status == 502, out
    swap_model_file(model, broken=False)
    status, plain = await call(router, "POST", "/api/models/tiny/start")
    assert status == 200 and plain["state"] == "ready", plain
    assert await threads_of_last_start(router) == "1"
    status, out = await call(router, "POST", "/v1/chat/completions", CHAT)
    assert status == 200, out


async def test_start_with_the_same_options_keeps_the_running_server(local_router: Callable[..., Router]) -> None:
    """The same options twice, or a plain start, return the running server (same pid); other options restart it
    on them, and chat follows the new server."""
    router = local_router()
    status, first = await call(router, "POST", "/api/models/tiny/start", {"threads": 2})
    assert status == 200 and first["state"] == "ready", first
    status, again = await call(router, "POST", "/api/models/tiny/start", {"threads": 2})
    assert status == 200 and again["pid"] == first["pid"] and again["port"] == first["port"], again
    status, plain = await call(router, "POST", "/api/models/tiny/start")
    assert status == 200 and plain["pid"] == first["pid"], plain
    assert await threads_of_last_start(router) == "2"
    status, other = await call(router, "POST", "/api/models/tiny/start", {"threads": 1})
    assert status == 200 and other["state"] == "ready" and other["pid"] != first["pid"], other
    assert not pid_alive(first["pid"]) and await threads_of_last_start(router) == "1"
    status, out = await call(router, "POST", "/v1/chat/completions", CHAT)
    assert status == 200, out
    _, running = await call(router, "GET", "/api/models/running")
    assert [(m["id"], m["pid"]) for m in running["data"]] == [("tiny", other["pid"])]


@pytest.mark.parametrize(("body", "param", "code", "says"), [
    ({"bogus": 1}, "bogus", "unknown_field", "unknown field 'bogus'"),
    ({"threads": 2, "ctx_size": 512}, "ctx_size", "unknown_field", "allowed: ctxSize, gpuLayers, threads"),
    ({"threads": 100000}, "threads", "invalid_value", "must be from 1 to"),
    ({"threads": 0}, "threads", "invalid_value", "must be from 1 to"),
    ({"threads": 2.5}, "threads", "invalid_type", "must be an integer"),
    ({"ctxSize": 999999999, "gpuLayers": 99999}, "ctxSize", "invalid_value", "must be from 256 to 2048"),
    ({"ctxSize": 4096}, "ctxSize", "invalid_value", "context length 2048"),
    ({"ctxSize": 16}, "ctxSize", "invalid_value", "must be from 256 to 2048"),
    ({"gpuLayers": 99999}, "gpuLayers", "invalid_value", "must be from 0 to 999"),
    ({"gpuLayers": -1}, "gpuLayers", "invalid_value", "must be from 0 to 999"),
])
async def test_start_options_are_checked_before_any_process_starts(
        local_router: Callable[..., Router], body: dict[str, Any], param: str, code: str, says: str) -> None:
    """An unknown field or an option out of its bounds is a 400 naming the field and the bounds; the running
    server is left as it is and no llama-server is started."""
    router = local_router()
    _, first = await call(router, "POST", "/api/models/tiny/start")
    _, logs = await call(router, "GET", "/api/models/tiny/logs?lines=400")
    status, out = await call(router, "POST", "/api/models/tiny/start", body)
    assert (status, out["error"]["param"], out["error"]["code"]) == (400, param, code), out
    assert says in out["error"]["message"], out
    _, health = await call(router, "GET", "/api/models/tiny/health")
    assert health["state"] == "ready" and health["pid"] == first["pid"]
    # no start was tried: the running server may log more meanwhile (its own health checks), but LARouter wrote no
    # new "starting:" line (comparing the whole log flaked when llama-server logged between the two reads)
    after = (await call(router, "GET", "/api/models/tiny/logs?lines=400"))[1]
    assert _starts(after) == _starts(logs), after


def _starts(logs: dict[str, Any]) -> list[str]:
    return [line for line in logs["lines"] if line.startswith("[larouter] starting:")]


async def test_start_options_at_their_bounds_are_used(local_router: Callable[..., Router]) -> None:
    """The largest context the model has, `gpuLayers: 0` (not the configured 99) and the most threads allowed
    reach llama-server's command line."""
    router = local_router(extra="gpu_layers = 99\n")
    most = 4 * (os.cpu_count() or 1)
    body = {"ctxSize": 2048, "gpuLayers": 0, "threads": most}
    status, out = await call(router, "POST", "/api/models/tiny/start", body)
    assert status == 200 and out["state"] == "ready", out
    _, logs = await call(router, "GET", "/api/models/tiny/logs?lines=400")
    command = [line for line in logs["lines"] if line.startswith("[larouter] starting:")][-1]
    assert " -c 2048 " in command and " -ngl 0 " in command and f" -t {most} " in command, command


async def test_a_restart_with_new_options_while_a_request_starts_the_model_serves_it(
        make_router: Callable[..., Router], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """A start with other options that comes while a request starts the model restarts it once that start is done;
    the request is sent to the restarted server. It was sent to the old one as it went (502 "dropped the connection
    ... and a second try failed: Cannot connect to host 127.0.0.1:...") or told the model was not served (review AC)."""
    caplog.set_level(logging.INFO, logger="larouter.models")
    wrapper, gate = gated_llama_server(tmp_path)
    router = tiny_router(make_router, tmp_path, grace=3.0, extra=f'llama_server = "{wrapper}"\n')
    asking = asyncio.ensure_future(call(router, "POST", "/v1/chat/completions", CHAT))
    await asyncio.to_thread(wait_until, lambda: state_of(router)["state"] == "starting", 10, "the request to start it")
    first = state_of(router)["pid"]
    restarting = asyncio.ensure_future(call(router, "POST", "/api/models/tiny/start", {"ctxSize": 1024}))
    try:
        await asyncio.to_thread(wait_until, lambda: "restart waits" in caplog.text, 10, "the restart to wait")
        gate.touch()
        status, out = await asyncio.wait_for(asking, 60)
        restarted = await restarting
    finally:
        reap_if_left(first)
    assert restarted[0] == 200 and restarted[1]["pid"] != first, restarted
    assert status == 200 and out["choices"], out
    health = state_of(router)
    assert health["state"] == "ready" and health["pid"] == restarted[1]["pid"], health
    assert not pid_alive(first)


async def test_a_call_cut_by_a_restart_with_new_options_says_so(local_router: Callable[..., Router]) -> None:
    """A call in flight when the model is restarted with other options gets one clear 503 `model_restarted` naming
    the restart (it got a 502 with aiohttp's words after a second try against the old server's closed port, or was
    told the model was stopped with `larouter models stop`, which nobody ran: review AC); the restarted server then
    answers."""
    router = local_router()
    status, out = await call(router, "PATCH", "/api/config", {"local": {"stop_grace": 0.5}})
    assert status == 200, out
    _, first = await call(router, "POST", "/api/models/tiny/start")
    os.kill(first["pid"], signal.SIGSTOP)  # (the call waits in its socket; the restart's SIGTERM waits too: SIGKILL)
    try:
        asking = asyncio.ensure_future(call(router, "POST", "/v1/chat/completions", CHAT))
        await asyncio.to_thread(wait_until, lambda: request_waiting(first["port"]), 10, "the call to reach the model")
        restarted = await call(router, "POST", "/api/models/tiny/start", {"ctxSize": 1024})
        status, out = await asyncio.wait_for(asking, 30)
    finally:
        reap_if_left(first["pid"])
    assert restarted[0] == 200 and restarted[1]["pid"] != first["pid"], restarted
    assert (status, out["error"]["code"], out["error"]["type"]) == (503, "model_restarted", "server_error"), out
    message = out["error"]["message"]
    assert "local model 'tiny' was restarted with new options while it answered" in message, message
    assert "127.0.0.1" not in message and "second try" not in message and "models stop" not in message, message
    status, out = await call(router, "POST", "/v1/chat/completions", CHAT)
    assert status == 200, out
