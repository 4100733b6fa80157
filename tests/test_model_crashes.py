"""A local model that keeps crashing is left crashed, and the log says so; crash counts, restarts far apart, a
request during a stop, health when nothing runs, a start that runs out of memory."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
from pathlib import Path
from typing import Any, Callable

import openai
import pytest

from tests.conftest import Router
from tests.support import cli
from tests.support.servers import http_json, router_call as call, start_model as start, wait_until

pytestmark = pytest.mark.llama


async def test_a_model_left_crashed_is_logged(local_router: Callable[..., Router],
                                              caplog: pytest.LogCaptureFixture) -> None:
    """After `local.max_restarts` crashes in a row the model is left crashed: the log said each crash and restart,
    then nothing, so an operator reading it could not tell that the model stays down. It says so, and how to start it."""
    caplog.set_level(logging.INFO, logger="larouter.models")
    router = local_router(restarts=0)
    started = await start(router)
    os.kill(started["pid"], signal.SIGKILL)
    await asyncio.to_thread(wait_until, lambda: "left crashed" in caplog.text, 10, "the give-up to be logged")
    line = next(r for r in caplog.records if "left crashed" in r.getMessage())
    assert line.levelno == logging.ERROR and "gave up after 0 restarts" in line.getMessage(), line.getMessage()
    assert "`larouter models start tiny`" in line.getMessage()
    assert http_json("GET", router.url + "/api/models/tiny/health")[1]["state"] == "crashed"


async def test_crashes_far_apart_are_each_restarted(local_router: Callable[..., Router]) -> None:
    """`local.max_restarts` bounds a crash loop, not the crashes of a daemon's life: a model that ran for
    `local.restart_window` since its last start counts from zero again (with max_restarts = 1, a second crash
    long after the first is restarted too)."""
    router = local_router(restarts=1, extra="restart_window = 0.5\n")
    _, first = await call(router, "POST", "/api/models/tiny/start")
    pid = first["pid"]
    for crash in range(2):
        os.kill(pid, signal.SIGKILL)

        def back() -> bool:
            _, h = http_json("GET", router.url + "/api/models/tiny/health")
            return h["state"] == "ready" and h["pid"] != pid and (h["uptime"] or 0) >= 0.6

        wait_until(back, 30, f"the model to be restarted after crash {crash + 1} and run for the window")
        pid = http_json("GET", router.url + "/api/models/tiny/health")[1]["pid"]
    _, health = await call(router, "GET", "/api/models/tiny/health")
    assert health["restarts"] == 1, health


async def test_a_request_during_stop_never_reaches_the_stopping_server(local_router: Callable[..., Router]) -> None:
    """A model is unrouted the moment its stop begins: a request that comes while llama-server winds down (here it
    cannot: it is frozen with SIGSTOP, so the stop waits local.stop_grace and kills it) is not sent to it (it would
    hang, then fail with a 502 when the process is killed); it waits for the stop and starts the model again."""
    router = local_router()
    _, first = await call(router, "POST", "/api/models/tiny/start")
    os.kill(first["pid"], signal.SIGSTOP)
    stopping = asyncio.ensure_future(call(router, "POST", "/api/models/tiny/stop"))
    try:
        await asyncio.to_thread(wait_until, lambda: http_json("GET", router.url + "/api/models/tiny/health")[1][
            "state"] == "stopping", 10, "the stop to begin")
        client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0, timeout=30)
        reply = await client.chat.completions.create(model="tiny", messages=[{"role": "user", "content": "hi"}],
                                                     max_tokens=2)
        await client.close()
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(first["pid"], signal.SIGCONT)
        status, _ = await stopping
    assert status == 200 and reply.choices
    _, health = await call(router, "GET", "/api/models/tiny/health")
    assert health["state"] == "ready" and health["pid"] != first["pid"], health


async def test_a_request_that_restarts_a_crashed_model_keeps_its_crash_count(local_router: Callable[..., Router]
                                                                             ) -> None:
    """A request for a model left crashed starts it (README), but its crashes are not counted from zero again: every
    autostart did that, so `local.max_restarts` never tripped under traffic (each crash said "restart 1 of 1") and
    health said `restarts: 0` (review AC). `larouter models start` counts from zero."""
    router = local_router(restarts=1)

    def health() -> dict[str, Any]:
        return http_json("GET", router.url + "/api/models/tiny/health")[1]

    def left_crashed() -> bool:
        h = health()
        return h["state"] == "crashed" and "gave up after 1 restarts" in (h["reason"] or "")

    def restarted() -> bool:
        h = health()
        return h["state"] == "ready" and h["pid"] not in (None, first["pid"])

    _, first = await call(router, "POST", "/api/models/tiny/start")
    os.kill(first["pid"], signal.SIGKILL)
    wait_until(restarted, 30, "the one restart")
    os.kill(health()["pid"], signal.SIGKILL)
    wait_until(left_crashed, 30, "the model to be left crashed")
    for _ in range(2):  # a client retries, as the crash's 503 says: its request starts the model
        status, out = await call(router, "POST", "/v1/chat/completions",
                                 {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2})
        assert status == 200, out
        now = health()
        assert (now["state"], now["restarts"]) == ("ready", 1), now
        os.kill(now["pid"], signal.SIGKILL)  # it crashes again at once: left crashed, not restarted
        wait_until(left_crashed, 30, "the model to be left crashed again")
    listed = await asyncio.to_thread(cli.on, router, "models", "list", env={"COLUMNS": "200"})
    assert listed.exit_code == 0 and "crashed (1 crash restart)" in listed.output, listed.output
    _, started = await call(router, "POST", "/api/models/tiny/start")
    assert (started["state"], started["restarts"]) == ("ready", 0), started


async def test_health_shows_no_port_when_nothing_runs(local_router: Callable[..., Router]) -> None:
    """A stopped or crashed model's health (and `larouter models health`) showed the port of its last process, where
    nothing listens (review AC): `port` is null whenever no process runs, as `pid` is."""
    router = local_router(restarts=0)
    _, first = await call(router, "POST", "/api/models/tiny/start")
    _, ready = await call(router, "GET", "/api/models/tiny/health")
    assert ready["port"] == first["port"] and ready["pid"] == first["pid"], ready
    await call(router, "POST", "/api/models/tiny/stop")
    _, stopped = await call(router, "GET", "/api/models/tiny/health")
    assert (stopped["state"], stopped["pid"], stopped["port"], stopped["baseUrl"]) == ("stopped", None, None, None)
    shown = await asyncio.to_thread(cli.on, router, "models", "health", "tiny")
    assert shown.exit_code == 0 and "port" not in shown.output and str(first["port"]) not in shown.output, shown.output
    _, again = await call(router, "POST", "/api/models/tiny/start")
    os.kill(again["pid"], signal.SIGKILL)
    wait_until(lambda: http_json("GET", router.url + "/api/models/tiny/health")[1]["state"] == "crashed", 15,
               "the model to be left crashed")
    _, crashed = await call(router, "GET", "/api/models/tiny/health")
    assert (crashed["pid"], crashed["port"]) == (None, None), crashed


OUT_OF_MEMORY = """#!/bin/sh
echo "llama_model_load: loading model '$3'"
echo "ggml_aligned_malloc: insufficient memory (attempted to allocate 24576.00 MB)"
echo "ggml_backend_cpu_buffer_type_alloc_buffer: failed to allocate buffer of size 25769803776"
echo "llama_init_from_model: failed to initialize the context: failed to allocate compute pp buffers"
exit 1
"""


async def test_a_model_that_runs_out_of_memory_says_so(local_router: Callable[..., Router], tmp_path: Path) -> None:
    """A start that fails because llama-server could not allocate its memory says so in plain words, in the chat
    error (which shows no output and no path), the admin API's 502 and health; the error's type is `server_error`,
    as every 5xx of LARouter's (it was `model_start_failed`: review AC)."""
    script = tmp_path / "llama-server-oom"
    script.write_text(OUT_OF_MEMORY)
    script.chmod(0o755)
    router = local_router(extra=f'llama_server = "{script}"\n')
    status, out = await call(router, "POST", "/v1/chat/completions",
                             {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 2})
    assert (status, out["error"]["type"], out["error"]["code"]) == (502, "server_error", "model_start_failed"), out
    message = out["error"]["message"]
    assert "llama-server exited with code 1 while starting: it ran out of memory" in message, message
    assert "--ctx-size" in message and "larouter models logs tiny" in message, message
    assert str(tmp_path) not in message and "allocate" not in message, message
    status, out = await call(router, "POST", "/api/models/tiny/start")
    assert (status, out["error"]["type"]) == (502, "server_error"), out
    assert "it ran out of memory" in out["error"]["message"] and "failed to allocate" in out["error"]["message"], out
    _, health = await call(router, "GET", "/api/models/tiny/health")
    assert health["state"] == "crashed" and "it ran out of memory" in health["reason"], health
