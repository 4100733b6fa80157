"""A local model that keeps crashing is left crashed, and the log says so."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import Any, Callable

import aiohttp
import pytest

from tests.conftest import Router
from tests.support.servers import http_json, wait_until

pytestmark = pytest.mark.llama


async def start(router: Router) -> dict[str, Any]:
    """POST /api/models/tiny/start."""
    async with aiohttp.ClientSession() as s:
        async with s.post(router.url + "/api/models/tiny/start") as r:
            assert r.status == 200
            return await r.json()


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
