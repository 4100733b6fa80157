"""A local model that keeps crashing is left crashed, and the log says so."""

from __future__ import annotations

import asyncio
import logging
import os
import signal
from typing import Callable

import pytest

from tests.conftest import Router
from tests.support.servers import http_json, start_model as start, wait_until

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
