"""A local model's crashes and failed starts are its upstream's failures in /health and `larouter status`, whether
or not a call waited for them (review BA: a model left crashed, or one whose every `larouter models start` failed,
read `ok`, or was not listed); a deliberate stop is none."""

from __future__ import annotations

import asyncio
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


async def test_starts_that_fail_are_failures_counted_once(local_router: Callable[..., Router], tmp_path: Path
                                                         ) -> None:
    """Three `larouter models start` of a model llama-server cannot load make /health `degraded` (it did not list the
    model at all); a request that autostarts it counts once more (not once for the start and once for the call)."""
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
