"""`local.idle_unload` stops a model nobody uses, never one that is serving a call."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from typing import Any, Callable

import openai
import pytest

from tests.conftest import Router
from tests.support.servers import http_json, wait_until, router_call as call
from tests.test_local_crash_errors import request_waiting

pytestmark = pytest.mark.llama
IDLE = 0.4
WATCH_S = 6 * IDLE  # the idle loop looks every IDLE / 4 seconds: several looks, each of which could have unloaded it



def health(router: Router) -> dict[str, Any]:
    """GET /api/models/tiny/health (blocking, for wait_until)."""
    return http_json("GET", router.url + "/api/models/tiny/health")[1]


async def test_a_model_serving_a_long_call_is_not_unloaded(local_router: Callable[..., Router]) -> None:
    """A call that outlasts `local.idle_unload` (llama-server frozen with SIGSTOP stands for a long answer on a slow
    machine) keeps its model running: it used to be stopped mid-answer, since the model was last "used" when the call
    began, and the client got a 502. Once the call is over, the idle clock starts and the model is unloaded."""
    router = local_router()  # (idle unload on only once the call holds the model: the call had to arrive within
    # IDLE of the start, ~250 ms of it spent here on an idle machine, so a loaded one unloaded the model first)
    _, started = await call(router, "POST", "/api/models/tiny/start")
    pid, port = started["pid"], started["port"]
    client = openai.AsyncOpenAI(base_url=router.v1, api_key="x", max_retries=0, timeout=60)
    os.kill(pid, signal.SIGSTOP)
    try:
        answer = asyncio.ensure_future(client.chat.completions.create(
            model="tiny", messages=[{"role": "user", "content": "hi"}], max_tokens=2))
        await asyncio.to_thread(wait_until, lambda: request_waiting(port), 10, "the call to reach the model")
        status, body = await call(router, "PATCH", "/api/config", {"local": {"idle_unload": IDLE}})
        assert status == 200, body
        deadline = time.monotonic() + WATCH_S
        while time.monotonic() < deadline:
            state = await asyncio.to_thread(health, router)
            assert state["state"] == "ready" and state["pid"] == pid, f"unloaded while serving a call: {state}"
            await asyncio.sleep(0.05)
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGCONT)
    reply = await answer
    await client.close()
    assert reply.choices
    await asyncio.to_thread(wait_until, lambda: health(router)["state"] == "stopped", 10,
                            "the model to be unloaded once its call is over")
