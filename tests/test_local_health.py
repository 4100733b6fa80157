"""A local model's crashes and failed starts are its upstream's failures in /health and `larouter status`, whether
or not a call waited for them (review BA: a model left crashed, or one whose every `larouter models start` failed,
read `ok`, or was not listed); a deliberate stop is none. A start that fails is logged as the start it was (the
operator's or a request's), with what llama-server said."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from pathlib import Path
from typing import Any, Callable

import pytest

from tests.conftest import Router
from tests.support import cli
from tests.support.servers import http_json, router_call as call, wait_until
from tests.support.tiny_gguf import write_tiny_gguf

pytestmark = pytest.mark.llama
HELLO = [{"role": "user", "content": "hi"}]


def upstreams(router: Router) -> tuple[str, dict[str, Any]]:
    """`/health`'s status and upstreams."""
    status, body = http_json("GET", router.url + "/health")
    assert status == 200, body
    return body["status"], body["upstreams"]


def model_health(router: Router) -> dict[str, Any]:
    return http_json("GET", router.url + "/api/models/tiny/health")[1]


async def test_a_model_left_crashed_is_failing_until_started_again(local_router: Callable[..., Router]) -> None:
    """A model that answered, then crashed with no call in flight until larouterd gave up on it (3 crashes with
    `local.max_restarts = 2`), makes /health `degraded` and reads `failing` with `model_crashed` (it read `ok`, its
    crashes uncounted); `larouter status` says so. `larouter models start` ends the run (its crashes count from
    zero too), and a stop after it is no failure."""
    router = local_router(restarts=2)
    _, first = await call(router, "POST", "/api/models/tiny/start")
    status, out = await call(router, "POST", "/v1/chat/completions", {"model": "tiny", "messages": HELLO,
                                                                       "max_tokens": 2})
    assert status == 200, out
    pid = first["pid"]
    for crash in range(3):
        os.kill(pid, signal.SIGKILL)
        if crash < 2:
            wait_until(lambda: (h := model_health(router))["state"] == "ready" and h["pid"] not in (None, pid), 30,
                       f"restart {crash + 1}")
            pid = model_health(router)["pid"]
    wait_until(lambda: "gave up" in (model_health(router)["reason"] or ""), 30, "the model to be left crashed")
    state, ups = upstreams(router)
    tiny = ups["local:tiny"]
    assert state == "degraded" and tiny["state"] == "failing", ups
    assert tiny["consecutiveFailures"] == 3 and tiny["lastError"] == "model_crashed", tiny
    assert tiny["lastOkAt"] is not None and tiny["lastErrorAt"] is not None, tiny
    shown = await asyncio.to_thread(cli.on, router, "status", env={"COLUMNS": "200"})
    text = " ".join(shown.output.split())
    assert "local:tiny: failing (3 failures in a row, last model_crashed" in text, text
    await call(router, "POST", "/api/models/tiny/start")
    state, ups = upstreams(router)
    assert state == "ok" and ups["local:tiny"]["state"] == "ok", ups
    assert ups["local:tiny"]["consecutiveFailures"] == 0 and ups["local:tiny"]["lastError"] == "model_crashed", ups
    status, _ = await call(router, "POST", "/api/models/tiny/stop")
    assert status == 200
    state, ups = upstreams(router)
    assert state == "ok" and ups["local:tiny"]["consecutiveFailures"] == 0, ups


async def test_starts_that_fail_are_failures_counted_once_and_logged_with_their_reason(
        local_router: Callable[..., Router], tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """Three `larouter models start` of a model llama-server cannot load make /health `degraded` (it did not list the
    model at all); a request that autostarts it counts once more (not once for the start and once for the call).
    Each failure is logged as the start it was, with what llama-server said (it was "autostart of broken failed:
    ... Last output:", the reason cut off, for the operator's starts too)."""
    caplog.set_level(logging.INFO, logger="larouter.models")
    router = local_router()
    broken = tmp_path / "broken.gguf"
    write_tiny_gguf(broken)
    broken.write_bytes(broken.read_bytes()[:4096])  # truncated: llama-server cannot load it
    status, out = http_json("POST", router.url + "/api/models", {"id": "broken", "path": str(broken),
                                                                  "contextLength": 2048}, headers=router.admin)
    assert status == 201, out
    for _ in range(3):
        status, out = await call(router, "POST", "/api/models/broken/start")
        assert status == 502 and out["error"]["code"] == "model_start_failed", out
    state, ups = upstreams(router)
    assert state == "degraded" and ups["local:broken"]["state"] == "failing", ups
    assert ups["local:broken"]["consecutiveFailures"] == 3, ups
    assert ups["local:broken"]["lastError"] == "model_start_failed", ups
    status, out = await call(router, "POST", "/v1/chat/completions", {"model": "broken", "messages": HELLO,
                                                                       "max_tokens": 2})
    assert status == 502, out
    assert upstreams(router)[1]["local:broken"]["consecutiveFailures"] == 4
    lines = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING and "broken" in r.getMessage()]
    explicit = [line for line in lines if line.startswith("start of model broken (larouter models start) failed: ")]
    auto = [line for line in lines if line.startswith("autostart of model broken (for a request) failed: ")]
    assert len(explicit) == 3 and len(auto) == 1, lines
    for line in (*explicit, *auto):
        assert "llama-server exited with code 1 while starting; llama-server said: " in line, line
        said = line.split("llama-server said: ", 1)[1]
        assert said.strip() and not said.startswith("(") and "Last output" not in line, line
        assert "\n" not in line and line.endswith("(its output: `larouter models logs broken`)"), line


async def test_a_restart_that_fails_is_a_failure_and_says_why(local_router: Callable[..., Router], tmp_path: Path,
                                                              caplog: pytest.LogCaptureFixture) -> None:
    """A crashed model whose restart fails (its file was replaced by a broken one meanwhile) has both failures on
    record, and the restart's is logged with what this restart's llama-server said (not the output of the process
    that crashed), where the log said nothing of it before."""
    caplog.set_level(logging.INFO, logger="larouter.models")
    router = local_router(restarts=1)
    _, first = await call(router, "POST", "/api/models/tiny/start")
    model = tmp_path / "tiny.gguf"
    broken = tmp_path / "broken.gguf"
    broken.write_bytes(model.read_bytes()[:4096])
    os.replace(broken, model)  # (the running server keeps the file it opened)
    os.kill(first["pid"], signal.SIGKILL)
    wait_until(lambda: "gave up" in (model_health(router)["reason"] or ""), 30, "the model to be left crashed")
    tiny = upstreams(router)[1]["local:tiny"]
    assert (tiny["consecutiveFailures"], tiny["lastError"]) == (2, "model_start_failed"), tiny
    lines = [r.getMessage() for r in caplog.records if r.getMessage().startswith("restart of model tiny ")]
    assert len(lines) == 1 and lines[0].startswith("restart of model tiny (attempt 1/1) failed: llama-server exited "
                                                   "with code 1 while starting; llama-server said: "), lines
    said = lines[0].split("llama-server said: ", 1)[1].lower()
    assert not said.startswith("(") and not any(w in said for w in ("slot", "listening", "api key")), lines  # (earlier)
