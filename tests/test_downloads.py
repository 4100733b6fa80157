"""Model downloads through the real HTTP API, with the real huggingface_hub against a fake hub on loopback."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Any, Awaitable, Callable

import aiohttp
import attrs
import pytest
import yarl
from aiohttp import web

from larouter.app import make_app
from larouter.models.catalog import Catalog, CatalogModel, Mmproj, Variant
from larouter.models.download_api import DOWNLOADS
from larouter.models.downloads import SHUT_DOWN
from larouter.runtime import load_runtime
from tests.support.fake_hub import HUB, HubState, make_fake_hub, random_bytes, sha256_hex
from tests.support.servers import BackgroundLoop

REPO = "fake-org/tiny-GGUF"
MAIN, MMPROJ = "tiny-q8_0.gguf", "mmproj-tiny-f16.gguf"
MAIN_DATA, MMPROJ_DATA = random_bytes(300_000, seed=1), random_bytes(120_000, seed=2)
TOTAL = len(MAIN_DATA) + len(MMPROJ_DATA)
DEADLINE = 20.0
Event = tuple[str, dict[str, Any]]


@attrs.frozen
class Hub:
    """The running fake hub."""

    url: str
    state: HubState


@attrs.frozen
class Daemon:
    """A running LARouter app (and its runner, so a test can stop it like a daemon shutdown)."""

    url: str
    app: web.Application
    runner: web.AppRunner
    home: Path

    @property
    def model_dir(self) -> Path:
        return self.home / "models" / "tiny-test"


@pytest.fixture
def hub(servers: BackgroundLoop) -> Hub:
    """A fake hub serving the tiny model and its projector."""
    app = make_fake_hub()
    app[HUB].add(REPO, MAIN, MAIN_DATA)
    app[HUB].add(REPO, MMPROJ, MMPROJ_DATA)
    return Hub(servers.start(app), app[HUB])


def tiny_model(model_id: str = "tiny-test", file: str = MAIN, **variant: Any) -> CatalogModel:
    """A user model on the fake hub, with catalog sizes and sha256 like the shipped entries."""
    fields: dict[str, Any] = {"size_bytes": len(MAIN_DATA), "sha256": sha256_hex(MAIN_DATA),
                              "mmproj": Mmproj(MMPROJ, len(MMPROJ_DATA), sha256_hex(MMPROJ_DATA))} | variant
    return CatalogModel(id=model_id, name="Tiny test", variants=(Variant("Q8_0", file, REPO, **fields),),
                        default_variant="Q8_0", user=True)


@pytest.fixture
def make_daemon(servers: BackgroundLoop, hub: Hub, home: Path, tmp_path: Path) -> Callable[..., Daemon]:
    """Start LARouter on `home` with HF_ENDPOINT at the fake hub (16 KiB huggingface_hub chunks)."""
    cfg = tmp_path / "config.toml"
    cfg.write_text("")
    Catalog.load(home).register(tiny_model())

    def _make(**overrides: Any) -> Daemon:
        runtime = load_runtime(cfg, env={"LAROUTER_HOME": str(home), "HF_ENDPOINT": hub.url}, cli=overrides or None)
        app = make_app(runtime)
        app[DOWNLOADS].chunk_bytes = 16 * 1024
        url = servers.start(app)
        return Daemon(url, app, servers.runners[-1], home)

    return _make


@pytest.fixture
def daemon(make_daemon: Callable[..., Daemon]) -> Daemon:
    """LARouter with default settings and a small disk reserve."""
    return make_daemon(local={"disk_reserve_bytes": 1024})


def stop(servers: BackgroundLoop, daemon: Daemon) -> float:
    """Shut a daemon down (cleanup contexts run); return how long it took."""
    t0 = time.monotonic()
    servers.run(daemon.runner.cleanup())
    servers.runners.remove(daemon.runner)
    return time.monotonic() - t0


async def request(method: str, url: str, body: Any = None, raw: bytes | None = None,
                  headers: dict[str, str] | None = None) -> tuple[int, dict[str, Any]]:
    """One JSON request (with these extra headers)."""
    data = raw if raw is not None else (json.dumps(body).encode() if body is not None else None)
    async with aiohttp.ClientSession() as s:
        async with s.request(method, yarl.URL(url, encoded=True), data=data, headers=headers) as r:
            return r.status, await r.json()


async def start(daemon: Daemon, **body: Any) -> tuple[int, dict[str, Any]]:
    """POST /api/models/download."""
    return await request("POST", daemon.url + "/api/models/download", {"modelId": "tiny-test", "format": "gguf", **body})


async def events(daemon: Daemon, download_id: str, stop_after: int | None = None,
                 each: Callable[[Event], None] | None = None) -> list[Event]:
    """Read the progress SSE stream to its final event (or stop_after events, each told to `each`), in a deadline."""
    out: list[Event] = []
    name = ""
    async with asyncio.timeout(DEADLINE), aiohttp.ClientSession() as s:
        async with s.get(f"{daemon.url}/api/models/download/{download_id}/progress") as r:
            assert r.status == 200 and r.headers["Content-Type"].startswith("text/event-stream")
            async for raw in r.content:
                line = raw.decode().rstrip("\n")
                if line.startswith("event: "):
                    name = line[7:]
                elif line.startswith("data: "):
                    out.append((name, json.loads(line[6:])))
                    if each is not None:
                        each(out[-1])
                    if name in ("done", "error") or len(out) == stop_after:
                        return out
    raise AssertionError(f"stream ended without a final event: {out}")


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Poll an async condition until it holds, or fail at the deadline."""
    deadline = time.monotonic() + DEADLINE
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.01)


async def status_of(daemon: Daemon, download_id: str) -> dict[str, Any]:
    """This download's entry in GET /api/models/downloads."""
    code, body = await request("GET", daemon.url + "/api/models/downloads")
    assert code == 200
    return next(d for d in body["data"] if d["id"] == download_id)


def parts(daemon: Daemon) -> list[Path]:
    """Partial files left in the model directory."""
    return sorted(daemon.model_dir.glob(".*.part"))


def assert_progress_in_order(evs: list[Event], final: str) -> None:
    """Progress events only, bytes never going down, then exactly one final event, last."""
    names = [n for n, _ in evs]
    assert names[-1] == final and names[:-1] == ["progress"] * (len(evs) - 1), names
    seen = [d["bytes"] for n, d in evs if n == "progress"]
    assert seen == sorted(seen), seen
    for _, d in evs[:-1]:
        assert set(d) == {"bytes", "total", "bytesPerSecond", "eta", "status", "retry"} and d["bytes"] <= d["total"]


async def test_full_download_with_projector(daemon: Daemon, hub: Hub) -> None:
    """A download returns 202, streams ordered progress, ends with done, and leaves verified files only."""
    hub.state.trickle[MAIN] = (32 * 1024, 0.005)
    code, body = await start(daemon)
    assert code == 202 and body["id"].startswith("dl_") and body["modelId"] == "tiny-test"
    assert body["quantization"] == "Q8_0" and body["progressUrl"] == f"/api/models/download/{body['id']}/progress"
    evs = await events(daemon, body["id"])
    assert_progress_in_order(evs, "done")
    assert len(evs) > 4, evs
    done = evs[-1][1]
    assert done["sha256"] == sha256_hex(MAIN_DATA) and done["verified"] is True
    assert Path(done["path"]).read_bytes() == MAIN_DATA
    assert done["mmproj"]["sha256"] == sha256_hex(MMPROJ_DATA)
    assert (daemon.model_dir / MMPROJ).read_bytes() == MMPROJ_DATA
    assert done["bytes"] == done["total"] == TOTAL and parts(daemon) == []
    assert (await status_of(daemon, body["id"]))["status"] == "done"
    code, again = await start(daemon)
    assert code == 200 and again["status"] == "done" and again["id"] != body["id"]


async def test_projector_can_be_skipped(daemon: Daemon) -> None:
    """`mmproj: false` fetches the GGUF alone."""
    code, body = await start(daemon, mmproj=False)
    assert code == 202
    assert (await events(daemon, body["id"]))[-1][0] == "done"
    assert (daemon.model_dir / MAIN).is_file() and not (daemon.model_dir / MMPROJ).exists()


async def test_listeners_share_one_download(daemon: Daemon, hub: Hub) -> None:
    """A second request joins the running download; every listener, early or late, sees it through to done."""
    hub.state.trickle[MAIN] = (16 * 1024, 0.01)
    _, first = await start(daemon)
    code, second = await start(daemon)
    assert code == 202 and second["id"] == first["id"]
    early = [asyncio.create_task(events(daemon, first["id"])) for _ in range(2)]
    await eventually(lambda: _bytes_over(daemon, first["id"], 64 * 1024), "some progress")
    late = await events(daemon, first["id"], stop_after=1)
    assert late[0][0] == "progress" and late[0][1]["bytes"] >= 64 * 1024, late
    results = await asyncio.gather(*early)
    for evs in results:
        assert_progress_in_order(evs, "done")
        assert evs[0][1]["bytes"] < evs[-2][1]["bytes"] == TOTAL
    assert results[0][-1] == results[1][-1]
    after = await events(daemon, first["id"])
    assert [n for n, _ in after] == ["progress", "done"] and after[0][1]["bytes"] == TOTAL
    assert len(hub.state.gets(MAIN)) == 1


async def _has_listener(daemon: Daemon, download_id: str) -> bool:
    return bool(daemon.app[DOWNLOADS].get(download_id).listeners)


async def _bytes_over(daemon: Daemon, download_id: str, n: int) -> bool:
    return (await status_of(daemon, download_id))["bytes"] >= n


async def test_dropped_connection_resumes_with_range(daemon: Daemon, hub: Hub) -> None:
    """A transfer cut mid-file is resumed with a Range request and still verifies."""
    hub.state.drop_after[MAIN] = 100_000
    _, body = await start(daemon, mmproj=False)
    evs = await events(daemon, body["id"])
    assert evs[-1][0] == "done" and evs[-1][1]["sha256"] == sha256_hex(MAIN_DATA)
    gets = hub.state.gets(MAIN)
    assert len(gets) == 2 and gets[0].range is None
    assert gets[1].range is not None and gets[1].range.startswith("bytes=") and gets[1].range != "bytes=0-"


async def test_lfs_redirect_to_cdn_keeps_the_token_on_the_hub(daemon: Daemon, hub: Hub,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    """Like the real hub, resolve redirects LFS files to a CDN host; the bytes come from there, without the token."""
    monkeypatch.setenv("HF_TOKEN", "hf_test_token_for_the_fake_hub")
    hub.state.cdn = hub.url.replace("127.0.0.1", "localhost")
    _, body = await start(daemon)
    evs = await events(daemon, body["id"])
    assert evs[-1][0] == "done" and evs[-1][1]["verified"] is True
    heads = [h for h in hub.state.hits if h.method == "HEAD"]
    cdn_gets = [h for h in hub.state.hits if h.method == "GET" and h.path.startswith("/cdn/")]
    assert len(heads) == 2 and all(h.auth for h in heads)
    assert len(cdn_gets) == 2 and not any(h.auth for h in cdn_gets)
    assert not [h for h in hub.state.hits if h.method == "GET" and "/resolve/" in h.path]


async def test_restart_resumes_the_partial_file(servers: BackgroundLoop, make_daemon: Callable[..., Daemon],
                                                hub: Hub) -> None:
    """A daemon shut down mid-download keeps the partial; the next daemon asks only for the rest."""
    hub.state.trickle[MAIN] = (16 * 1024, 0.02)
    hub.state.slow_from[MAIN] = (64 * 1024, 0.25)  # (still part-way seconds after 48 KiB, for the stop to catch)
    first = make_daemon(local={"disk_reserve_bytes": 1024})
    _, body = await start(first, mmproj=False)
    await eventually(lambda: _bytes_over(first, body["id"], 48 * 1024), "some progress")
    listener = asyncio.create_task(events(first, body["id"]))
    await eventually(lambda: _has_listener(first, body["id"]), "the listener to connect")
    assert await asyncio.to_thread(stop, servers, first) < 5.0
    assert (await listener)[-1] == ("error", {"message": SHUT_DOWN, "status": "cancelled"})  # (a shutdown, said so)
    [part] = parts(first)
    kept = part.stat().st_size
    assert 0 < kept < len(MAIN_DATA)
    hub.state.trickle.clear()
    hub.state.slow_from.clear()
    second = make_daemon(local={"disk_reserve_bytes": 1024})
    code, again = await start(second, mmproj=False)
    assert code == 202
    assert (await events(second, again["id"]))[-1][0] == "done"
    assert hub.state.gets(MAIN)[-1].range == f"bytes={kept}-"
    assert (second.model_dir / MAIN).read_bytes() == MAIN_DATA and parts(second) == []


async def test_a_file_on_disk_reports_the_check_of_its_download(servers: BackgroundLoop,
                                                                 make_daemon: Callable[..., Daemon]) -> None:
    """Asked for again once downloaded (by this daemon or the next), a model's files report the sha256 their download
    verified and when (they said `"sha256": null, "verified": false`); a file changed since reads as not checked."""
    first = make_daemon(local={"disk_reserve_bytes": 1024})
    _, body = await start(first)
    done = (await events(first, body["id"]))[-1][1]
    assert done["verified"] is True and done["sha256"] == sha256_hex(MAIN_DATA) and done["checkedAt"], done
    code, again = await start(first)
    assert code == 200 and again["status"] == "done", again
    main, mmproj = again["files"]
    assert main == {"path": done["path"], "sha256": sha256_hex(MAIN_DATA), "verified": True,
                    "checkedAt": done["checkedAt"]}, again
    assert mmproj["sha256"] == sha256_hex(MMPROJ_DATA) and mmproj["verified"] is True, again
    final = (await events(first, again["id"]))[-1]
    assert final[0] == "done" and final[1]["verified"] is True and final[1]["sha256"] == sha256_hex(MAIN_DATA), final
    await asyncio.to_thread(stop, servers, first)

    second = make_daemon(local={"disk_reserve_bytes": 1024})  # the record outlives the daemon
    code, again = await start(second)
    assert code == 200 and again["files"][0]["verified"] is True and again["files"][0]["checkedAt"] == done["checkedAt"]
    with (second.model_dir / MAIN).open("ab") as fh:  # changed by hand since
        fh.write(b"!")
    code, again = await start(second)
    assert code == 200 and again["files"][0] == {"path": done["path"], "sha256": None, "verified": False,
                                                 "checkedAt": None}, again
    assert again["files"][1]["verified"] is True  # the projector was not touched


async def test_checksum_mismatch_is_rejected_and_removed(daemon: Daemon, hub: Hub) -> None:
    """Content that does not match the LFS sha256 ends in an error and leaves no file behind."""
    hub.state.corrupt.add(MAIN)
    _, body = await start(daemon)
    evs = await events(daemon, body["id"])
    assert evs[-1][0] == "error" and "sha256 mismatch" in evs[-1][1]["message"]
    assert evs[-1][1]["status"] == "error"
    assert not (daemon.model_dir / MAIN).exists() and parts(daemon) == []


async def test_catalog_and_hub_sha_disagree(make_daemon: Callable[..., Daemon], home: Path, hub: Hub) -> None:
    """A catalog sha256 that differs from the hub's LFS sha256 stops the download before any byte is fetched."""
    Catalog.load(home).register(tiny_model("tiny-bad", sha256="0" * 64, mmproj=None))
    daemon = make_daemon()
    code, body = await request("POST", daemon.url + "/api/models/download", {"modelId": "tiny-bad"})
    assert code == 202
    evs = await events(daemon, body["id"])
    assert evs[-1][0] == "error" and "differs from the hub" in evs[-1][1]["message"]
    assert hub.state.gets(MAIN) == []


async def test_cancel_keeps_partial_and_next_request_resumes(daemon: Daemon, hub: Hub) -> None:
    """DELETE stops the transfer, listeners get an error event, and a new request resumes the kept partial."""
    hub.state.trickle[MAIN] = (16 * 1024, 0.02)
    hub.state.slow_from[MAIN] = (64 * 1024, 0.25)  # (still part-way seconds after 32 KiB, for the DELETE to catch)
    _, body = await start(daemon)
    listener = asyncio.create_task(events(daemon, body["id"]))
    await eventually(lambda: _bytes_over(daemon, body["id"], 32 * 1024), "some progress")
    code, out = await request("DELETE", f"{daemon.url}/api/models/download/{body['id']}")
    assert code == 200 and out["status"] == "cancelled"
    evs = await listener
    assert evs[-1] == ("error", {"message": out["error"], "status": "cancelled"})
    [part] = parts(daemon)
    kept = part.stat().st_size
    assert kept > 0 and not (daemon.model_dir / MAIN).exists()
    assert (await request("DELETE", f"{daemon.url}/api/models/download/{body['id']}"))[0] == 200
    hub.state.trickle.clear()
    hub.state.slow_from.clear()
    code, again = await start(daemon)
    assert code == 202 and again["id"] != body["id"]
    assert (await events(daemon, again["id"]))[-1][0] == "done"
    assert hub.state.gets(MAIN)[-1].range == f"bytes={kept}-"


async def test_file_missing_on_hub_is_an_error_event(make_daemon: Callable[..., Daemon], home: Path) -> None:
    """A file the hub does not have ends the download with a clear error."""
    Catalog.load(home).register(tiny_model("tiny-gone", file="gone.gguf", mmproj=None))
    daemon = make_daemon()
    _, body = await request("POST", daemon.url + "/api/models/download", {"modelId": "tiny-gone"})
    evs = await events(daemon, body["id"])
    assert evs[-1] == ("error", {"message": f"file gone.gguf was not found in {REPO}@main", "status": "error"})
