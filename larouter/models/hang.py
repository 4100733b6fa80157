"""Find a ready llama-server that hangs (no `/health` answer, no CPU used) and kill it, so it is restarted."""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any, Callable

import aiohttp

from larouter.models.process import ModelProcess, State
from larouter.models.sockets import family_cpu

log = logging.getLogger("larouter.models")


async def probe(hang_timeout: Callable[[], float], session: aiohttp.ClientSession, proc: ModelProcess,
                child: Any) -> None:
    """Kill the ready process when for `local.hang_timeout` seconds its `/health` has answered nothing and it has
    used no CPU (stopped, deadlocked): it stayed routed, and the calls sent to it waited for the read timeout
    (600 s) with no failover. Its watch then sees a crash: the calls it held fail (over, under `auto`) and it is
    restarted. A server busy with more calls than it has HTTP threads leaves `/health` waiting too, but works.
    `hang_timeout()` reads the setting at every turn: a PATCH applies from the next probe."""
    answered, cpu = time.monotonic(), None
    while True:
        limit = hang_timeout()
        step = limit / 3 if limit > 0 else 10.0
        await asyncio.sleep(step)
        if proc.proc is not child or proc.state is not State.READY or child.returncode is not None:
            return
        if limit <= 0:
            continue
        try:
            async with session.get(proc.base_url.removesuffix("/v1") + "/health",
                                   timeout=aiohttp.ClientTimeout(total=step)):
                answered, cpu = time.monotonic(), None  # (any answer: the server is there)
                continue
        except (aiohttp.ClientError, TimeoutError):
            pass
        used, cpu = cpu, await asyncio.to_thread(family_cpu, child.pid)
        if used is not None and cpu is not None and cpu != used:  # working: busy, its HTTP threads all taken
            answered = time.monotonic()
        elif 0 < limit <= time.monotonic() - answered:
            proc.hung = f"its /health answered nothing and it used no CPU for {limit:g} s (local.hang_timeout)"
            log.error("model %s: %s; killing it (it is restarted as after a crash)", proc.model_id, proc.hung)
            await proc.kill()
            return
