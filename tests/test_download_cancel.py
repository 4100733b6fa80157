"""Cancelling a download before any byte arrives: while the hub does not answer, and while it keeps failing."""

from __future__ import annotations

import asyncio
import time
from typing import Awaitable, Callable

from larouter.models.downloads import CANCELLED
from tests.support.fake_hub import sha256_hex
from tests.test_downloads import (  # noqa: F401 - fixtures used by name
    MAIN, MAIN_DATA, Daemon, Hub, daemon, eventually, events, hub, make_daemon, parts, request, start, status_of,
    stop,
)
from tests.support.cli import on
from tests.support.servers import BackgroundLoop, home_admin

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


async def test_a_download_stopped_by_a_shutdown_says_so(servers: BackgroundLoop, daemon: Daemon,  # noqa: F811
                                                        hub: Hub) -> None:
    """The daemon stops while a download runs and a listener follows it: the listener gets `cancelled` with a
    message saying larouterd is shutting down and the partial file is kept (it read as if someone had cancelled it,
    and the CLI said "was cancelled", exit 1; it says "stopped: larouterd is shutting down ...", exit 2: review D)."""
    hub.state.trickle[MAIN] = (16 * 1024, 0.02)
    hub.state.slow_from[MAIN] = (32 * 1024, 0.25)  # (part-way for seconds, however long the stop takes to begin)
    code, body = await start(daemon)
    assert code == 202
    stopping: list[asyncio.Task[float]] = []

    def stop_once_bytes_came(event: tuple[str, dict]) -> None:  # (following it, some bytes in: stop the daemon)
        if not stopping and event[1].get("bytes"):
            stopping.append(asyncio.create_task(asyncio.to_thread(stop, servers, daemon)))

    seen = await events(daemon, body["id"], each=stop_once_bytes_came)
    assert stopping
    await stopping[0]
    final = seen[-1]
    assert final[0] == "error" and final[1]["status"] == "cancelled", final
    assert final[1]["message"].startswith("larouterd is shutting down") and "partial file is kept" in final[1]["message"]
    assert parts(daemon)  # (the partial file is kept)


async def test_a_model_being_downloaded_is_not_removed_or_registered_again(daemon: Daemon, hub: Hub) -> None:  # noqa: F811
    """While its download runs, removing the model or registering its id again is a 409 `model_downloading` naming
    the download and how to cancel it, as for a running model (the remove answered `deleted` and the download went
    on, finishing into the new registration's place, which then answered `done`, verified, with the old file's
    sha256: review AV); once it is cancelled, the model is registered again and its own file downloads."""
    hub.state.trickle[MAIN] = (16 * 1024, 0.02)
    hub.state.slow_from[MAIN] = (32 * 1024, 0.25)  # (still part-way when the model is removed)
    code, first = await start(daemon)
    assert code == 202
    other = b"GGUF" + bytes(50_000)
    hub.state.add("other-org/tiny-GGUF", "other.gguf", other)
    admin = home_admin(daemon.home)  # (changing the registry needs the admin token)
    again = {"id": "tiny-test", "repo": "other-org/tiny-GGUF", "file": "other.gguf", "quantization": "Q8_0"}
    for method, url, body in (("DELETE", f"{daemon.url}/api/models/tiny-test", None),
                              ("POST", daemon.url + "/api/models", again)):
        code, out = await request(method, url, body, headers=admin)
        assert (code, out["error"]["code"]) == (409, "model_downloading"), out
        assert f"larouter models cancel {first['id']}" in out["error"]["message"], out
    assert (await status_of(daemon, first["id"]))["status"] in ("downloading", "verifying")
    assert (await cancel(daemon, first["id"]))[0] == 200
    assert (await request("DELETE", f"{daemon.url}/api/models/tiny-test", headers=admin))[0] == 200
    code, out = await request("POST", daemon.url + "/api/models", again, headers=admin)
    assert code == 201, out
    code, second = await start(daemon)
    assert code == 202 and second["id"] != first["id"], second
    assert (await events(daemon, second["id"]))[-1][0] == "done"
    assert (daemon.model_dir / "other.gguf").read_bytes() == other


async def test_a_model_being_downloaded_says_so(daemon: Daemon, hub: Hub) -> None:  # noqa: F811
    """While its download runs, a chat naming the model and a start of it are a 409 `model_downloading` saying how
    far it is and where to follow it (they said "not downloaded; download it with `larouter models download`"),
    and the catalog shows the download (`models list`: "downloading N%"); once it is cancelled, "not downloaded"."""
    hub.state.trickle[MAIN] = (16 * 1024, 0.05)
    hub.state.slow_from[MAIN] = (32 * 1024, 0.5)  # (still part-way after the calls and the CLI's `models list`)
    code, body = await start(daemon, mmproj=False)
    assert code == 202

    async def has_bytes() -> bool:
        return (await status_of(daemon, body["id"]))["bytes"] > 0

    await eventually(has_bytes, "the download to receive its first bytes")
    chat = {"model": "tiny-test", "messages": [{"role": "user", "content": "hi"}]}
    for method, path, payload in (("POST", "/v1/chat/completions", chat), ("POST", "/api/models/tiny-test/start", None)):
        code, out = await request(method, daemon.url + path, payload)
        assert code == 409 and out["error"]["code"] == "model_downloading", (path, out)
        assert "is being downloaded (" in out["error"]["message"] and body["id"] in out["error"]["message"], out
    code, catalog = await request("GET", daemon.url + "/api/models/catalog")
    [entry] = [m for m in catalog["data"] if m["id"] == "tiny-test"]
    assert entry["download"]["id"] == body["id"] and entry["download"]["status"] == "downloading", entry
    listed = await asyncio.to_thread(on, daemon.url, "models", "list")
    assert listed.exit_code == 0 and "downloading" in listed.stdout and "%" in listed.stdout, listed.output
    token = home_admin(daemon.home)["Authorization"].removeprefix("Bearer ")
    removed = await asyncio.to_thread(on, daemon.url, "models", "remove", "tiny-test", "--token", token, input="y\n")
    assert removed.exit_code == 1 and "Remove model" not in removed.output, removed.output  # (refused before asking)
    assert f"being downloaded (download {body['id']}); cancel it first" in removed.output, removed.output
    assert (await cancel(daemon, body["id"]))[0] == 200
    code, out = await request("POST", daemon.url + "/api/models/tiny-test/start")
    assert code == 409 and out["error"]["code"] == "model_not_downloaded", out
