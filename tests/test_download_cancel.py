"""Cancelling a download before any byte arrives: while the hub does not answer, and while it keeps failing."""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable

from larouter.models.downloads import CANCELLED
from tests.support.fake_hub import sha256_hex
from tests.test_downloads import (  # noqa: F401 - fixtures used by name
    MAIN, MAIN_DATA, Daemon, Hub, daemon, eventually, events, hub, make_daemon, parts, request, start, status_of,
)

PROMPT = 3.0  # seconds a cancel may take to be answered as cancelled (it waits 1 s for the worker)


def heads(hub: Hub) -> int:  # noqa: F811
    """HEAD requests the hub saw for the main file (the metadata step before any byte is fetched)."""
    return sum(1 for h in hub.state.hits if h.method == "HEAD" and h.path.endswith("/" + MAIN))


def seen_heads(hub: Hub, n: int) -> Callable[[], Awaitable[bool]]:  # noqa: F811
    """A check for `eventually`: the hub saw at least n metadata requests for the main file."""

    async def check() -> bool:
        return heads(hub) >= n

    return check


async def cancel(daemon: Daemon, download_id: str) -> tuple[int, dict, float]:  # noqa: F811
    """DELETE the download; its answer and how long it took."""
    t0 = time.monotonic()
    code, out = await request("DELETE", f"{daemon.url}/api/models/download/{download_id}")
    return code, out, time.monotonic() - t0


async def test_cancel_while_the_hub_does_not_answer(daemon: Daemon, hub: Hub) -> None:  # noqa: F811
    """A cancel while the metadata request hangs is answered at once as cancelled, listeners get the cancelled
    event, and once the hub answers the cancelled worker fetches nothing: the next download is the only GET."""
    hub.state.stall.add(MAIN)
    code, body = await start(daemon, mmproj=False)
    assert code == 202
    listener = asyncio.create_task(events(daemon, body["id"]))
    await eventually(seen_heads(hub, 1), "the metadata request to reach the hub")
    code, out, took = await cancel(daemon, body["id"])
    assert (code, out["status"], out["error"]) == (200, "cancelled", CANCELLED), out
    assert took < PROMPT, took
    assert (await listener)[-1] == ("error", {"message": CANCELLED, "status": "cancelled"})
    assert (await status_of(daemon, body["id"]))["status"] == "cancelled"
    assert parts(daemon) == [] and not (daemon.model_dir / MAIN).exists()
    hub.state.stall.clear()
    code, again = await start(daemon, mmproj=False)
    assert code == 202 and again["id"] != body["id"]
    done = (await events(daemon, again["id"]))[-1]
    assert done[0] == "done" and done[1]["sha256"] == sha256_hex(MAIN_DATA), done
    assert len(hub.state.gets(MAIN)) == 1 and parts(daemon) == []
    assert (await status_of(daemon, body["id"]))["status"] == "cancelled"


async def test_cancel_while_the_hub_keeps_failing(daemon: Daemon, hub: Hub) -> None:  # noqa: F811
    """A cancel between the retries of a failing hub (503) is answered at once as cancelled, the retries stop,
    nothing is left on disk, and the next download starts at once and completes."""
    hub.state.refuse[MAIN] = 1_000
    code, body = await start(daemon, mmproj=False)
    assert code == 202
    await eventually(seen_heads(hub, 1), "the first refused metadata request")
    code, out, took = await cancel(daemon, body["id"])
    assert (code, out["status"]) == (200, "cancelled") and took < PROMPT, (out, took)
    assert parts(daemon) == [] and not (daemon.model_dir / MAIN).exists()
    tried = heads(hub)
    hub.state.refuse.clear()
    t0 = time.monotonic()
    code, again = await start(daemon, mmproj=False)
    assert code == 202
    assert (await events(daemon, again["id"]))[-1][0] == "done"
    assert time.monotonic() - t0 < 5.0, "the next download waited for the cancelled one's retries"
    assert heads(hub) == tried + 1 and (daemon.model_dir / MAIN).read_bytes() == MAIN_DATA
