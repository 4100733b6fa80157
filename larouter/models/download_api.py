"""Per-app download manager and its HTTP API: start (or join), SSE progress, cancel, list."""

from __future__ import annotations

import asyncio
import collections
import contextlib
import json
import logging
import os
import re
import secrets
import threading
from pathlib import Path
from typing import Any, AsyncIterator, Callable, Iterator, Mapping, TypeVar

import attrs
from aiohttp import web

from larouter import appkeys
from larouter.config import Settings
from larouter.errors import LarouterError, bad_request, not_found
from larouter.models.catalog import Catalog, CatalogModel, Variant, check_repo_file, free_disk, not_downloaded
from larouter.models.checked import all_on_disk, foreign, record_path
from larouter.models.downloads import (CANCELLED, SHUT_DOWN, TERMINAL, Cancelled, Download, DownloadError, FileFetch, FileJob,
                                       storage_message)
from larouter.models.hub_http import Backoff
from larouter.reqbody import read_json_object

T = TypeVar("T")
log = logging.getLogger("larouter.downloads")
DOWNLOAD_ID = re.compile(r"^dl_[0-9a-f]{16}$")
KEEP_FINISHED = 200
HEARTBEAT = 15.0
FIELDS = frozenset({"modelId", "format", "quantization", "mmproj"})


async def in_daemon_thread(fn: Callable[[], T], ended: Callable[[], None]) -> T:
    """Run fn on a daemon thread (never joined at exit); `ended` runs on the loop once fn returns."""
    loop = asyncio.get_running_loop()
    fut: asyncio.Future[T] = loop.create_future()

    def settle(ok: bool, value: Any) -> None:
        ended()
        if not fut.done():
            fut.set_result(value) if ok else fut.set_exception(value)

    def main() -> None:
        try:
            outcome: tuple[bool, Any] = (True, fn())
        except BaseException as exc:  # handed to the loop and raised there
            outcome = (False, exc)
        with contextlib.suppress(RuntimeError):  # loop closed: nobody waits any more
            loop.call_soon_threadsafe(settle, *outcome)

    threading.Thread(target=main, name="larouter-download", daemon=True).start()
    return await fut


def fetch_files(dl: Download, endpoint: str | None, reserve: int, chunk: int, backoff: Backoff,
                loop: asyncio.AbstractEventLoop) -> list[dict[str, Any]]:
    """Worker thread: fetch every file of dl in turn; progress goes to the loop."""

    def post(fn: Callable[..., None], *args: Any) -> None:
        try:
            loop.call_soon_threadsafe(fn, *args)
        except RuntimeError:  # the loop is gone: the daemon is exiting
            raise Cancelled() from None

    # huggingface_hub is imported here, on the worker thread, at the first download: the daemon does not
    # carry it (and its httpx, yaml, tqdm, filelock) in memory or start-up time until a model is fetched.
    from huggingface_hub import constants

    endpoint = (endpoint or constants.ENDPOINT).rstrip("/")
    out = []
    for index in range(len(dl.jobs)):
        if dl.cancel_flag.is_set():
            raise Cancelled()
        out.append(FileFetch(dl, index, endpoint, reserve, post, chunk, backoff).run())
    return out


@attrs.define
class DownloadManager:
    """Starts, joins, lists and cancels the downloads of one app (no module-level state)."""

    catalog: Catalog
    reserve_bytes: int
    env: Mapping[str, str] = os.environ  # HF_ENDPOINT is read from here when a download starts
    chunk_bytes: int = 1024 * 1024  # a transfer reports progress once per chunk
    backoff: Backoff = Backoff()  # how a failing hub is retried (tests shorten the waits)
    stop_grace: float = 2.0
    downloads: dict[str, Download] = attrs.Factory(dict)
    latest: dict[tuple[str, str], Download] = attrs.Factory(dict)
    closing: bool = False  # shutting down: a download ended now was stopped by it, not cancelled by anyone
    changing: collections.Counter[str] = attrs.Factory(collections.Counter)  # ids being removed or registered anew

    async def start(self, model: CatalogModel, variant: Variant, mmproj: bool = True) -> Download:
        """Start a download, join the running one for the same model+quant, or report it already on disk (with what
        was checked when it was downloaded: `checked.py`)."""
        jobs = self.jobs(model, variant, mmproj)
        present = await asyncio.to_thread(all_on_disk, [(j.dest, j.sha256, j.source) for j in jobs])
        key = (model.id, variant.quant)
        prev = self.latest.get(key)  # after the await (one may have started meanwhile); no await from here on
        if prev is not None and prev.status not in TERMINAL:
            if prev.jobs == jobs:
                return prev
            raise LarouterError(  # (a model removed and registered again from elsewhere while it downloaded)
                f"a download of another registration of {model.id!r} ({prev.jobs[0].repo}/{prev.jobs[0].file}) is "
                f"still running: cancel it first (`larouter models cancel {prev.id}`)", 409, "invalid_request_error",
                "download_conflict", "modelId")
        if self.changing[model.id] or self.catalog.find(model.id) is not model:  # (during this request's await)
            raise LarouterError(f"model {model.id!r} was removed or registered again as its download was asked for: "
                                "ask for it again", 409, "invalid_request_error", "download_conflict", "modelId")
        dl = Download("dl_" + secrets.token_hex(8), model.id, variant.quant, jobs)
        if present is not None:
            dl.sizes, files = present
            dl.have = list(dl.sizes)
            dl.finish("done", files=files)
            return self._remember(dl)
        self.check_disk(jobs)
        self._remember(dl)
        self.latest[key] = dl
        dl.task = asyncio.get_running_loop().create_task(self._run(dl, prev), name=f"download {dl.id}")
        return dl

    def jobs(self, model: CatalogModel, variant: Variant, mmproj: bool) -> tuple[FileJob, ...]:
        """The files to fetch, validated: a hub repo, relative .gguf names, destinations inside models_dir."""
        if model.local_path:
            raise bad_request(f"model {model.id!r} is a local file; there is nothing to download", "modelId")
        if not variant.repo:
            raise bad_request(f"model {model.id!r} has no Hugging Face repo for {variant.quant}", "modelId")
        rev = variant.revision or "main"
        jobs = [FileJob(variant.repo, variant.file, rev, self.catalog.file_path(model, variant),
                        variant.size_bytes, variant.sha256)]
        mm, mm_path = variant.mmproj, self.catalog.mmproj_path(model, variant)
        if mmproj and mm is not None and mm_path is not None:
            jobs.append(FileJob(variant.repo, mm.file, mm.revision or rev, mm_path, mm.size_bytes, mm.sha256))
        root = self.catalog.models_dir.resolve()
        for job in jobs:
            check_repo_file(job.repo, job.file)
            if not job.dest.resolve().is_relative_to(root):
                raise bad_request(f"model {model.id!r} would be written outside {root}", "modelId")
        return tuple(jobs)

    @contextlib.contextmanager
    def registration_change(self, model_id: str, then: str) -> Iterator[None]:
        """Hold a model's id while its registration is removed or replaced: a 409 `model_downloading` while its
        download runs (cancel it first, as a running model is stopped first: it went on, and finished into the new
        registration's place), and no download of it starts until the change is done."""
        if (dl := self.under_way(model_id)) is not None:
            raise LarouterError(f"model {model_id!r} is being downloaded (download {dl.id}); cancel it first: "
                                f"`larouter models cancel {dl.id}` (DELETE /api/models/download/{dl.id}), then {then}",
                                409, "invalid_request_error", "model_downloading")
        self.changing[model_id] += 1
        try:
            yield
        finally:
            self.changing[model_id] -= 1

    def drop_foreign(self, model: CatalogModel) -> list[Path]:
        """Delete the files in a newly registered model's place that came, by their records, from another source
        (it was removed and registered again from another repo, same file name), and their records: they would be
        served as this registration's. The deleted paths. Blocking: run it in a thread."""
        gone = []
        for variant in model.variants if not model.local_path else ():
            for job in self.jobs(model, variant, True) if variant.repo else ():
                if foreign(job.dest, job.source):
                    job.dest.unlink(missing_ok=True)
                    record_path(job.dest).unlink(missing_ok=True)
                    gone.append(job.dest)
        return gone

    def check_disk(self, jobs: tuple[FileJob, ...]) -> None:
        """Refuse with 507 when the known sizes would leave less than the reserve free."""
        missing = [j for j in jobs if not j.dest.is_file()]
        needed = sum(max(j.size - j.partial_bytes(), 0) for j in missing)
        where = jobs[0].dest.parent
        free = free_disk(where)
        if free - needed < self.reserve_bytes:  # a file of unknown size (0) is checked again once the hub says it
            unknown = ", ".join(j.file for j in missing if not j.size) or None
            msg = storage_message(needed, free, self.reserve_bytes, where, unknown)
            raise LarouterError(msg, 507, "insufficient_storage", "insufficient_storage")

    def reconfigure(self, settings: Settings) -> None:
        """Runtime listener: the disk reserve may be PATCHed live."""
        self.reserve_bytes = settings.local.disk_reserve_bytes

    def under_way(self, model_id: str) -> Download | None:
        """The download of this model still running (or queued, or waiting to try again), if any."""
        return next((d for (mid, _), d in self.latest.items() if mid == model_id and d.status not in TERMINAL), None)

    def get(self, download_id: str) -> Download:
        """A download by id: 400 when malformed, 404 when unknown."""
        if not DOWNLOAD_ID.match(download_id):
            raise bad_request(f"invalid download id {download_id[:80]!r}: expected dl_ and 16 hex digits", "id")
        found = self.downloads.get(download_id)
        if found is None:
            raise not_found(f"unknown download {download_id!r}; `larouter models downloads` (GET /api/models/downloads) "
                            "lists this daemon's downloads", "download_not_found", "id")
        return found

    async def cancel(self, dl: Download, wait: float = 1.0) -> Download:
        """Stop a download (the partial file is kept) in any phase: ask the worker, give it `wait` seconds to
        acknowledge, and else (a request to the hub that hangs, a download queued behind another) end it as
        cancelled without it. Its files stay locked to it until its thread returns (`idle`): a later download of
        the same model waits for that, and the worker checks the flag before it writes anything."""
        if dl.status not in TERMINAL and dl.task is not None:
            dl.cancel_flag.set()
            await asyncio.wait({dl.task}, timeout=wait)
            if not dl.task.done():
                dl.task.cancel()
                await asyncio.gather(dl.task, return_exceptions=True)
        return dl

    async def close(self) -> None:
        """Shutdown: cancel every running download, waiting at most stop_grace for worker threads."""
        self.closing = True
        running = [d for d in self.downloads.values() if d.status not in TERMINAL and d.task is not None]
        for dl in running:
            dl.cancel_flag.set()
        if tasks := {d.task for d in running if d.task is not None}:
            _, pending = await asyncio.wait(tasks, timeout=self.stop_grace)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    async def _run(self, dl: Download, prev: Download | None) -> None:
        try:
            if prev is not None:
                await prev.idle.wait()  # a cancelled predecessor's thread may still hold the partial file
            dl.set_status("downloading")
            dl.thread_alive = True
            endpoint = self.env.get("HF_ENDPOINT")
            loop = asyncio.get_running_loop()
            work = lambda: fetch_files(dl, endpoint, self.reserve_bytes, self.chunk_bytes, self.backoff, loop)  # noqa: E731
            files = await in_daemon_thread(work, dl.thread_ended)
            if (model := self.catalog.find(dl.model_id)) is not None:  # (the trained context of the file it fetched)
                await asyncio.to_thread(self.catalog.learn_context, model)
            dl.finish("done", files=files)
        except Cancelled:
            dl.finish("cancelled", SHUT_DOWN if self.closing else CANCELLED)
        except DownloadError as exc:
            dl.finish("error", str(exc))
        except asyncio.CancelledError:
            dl.finish("cancelled", SHUT_DOWN if self.closing else CANCELLED)
            raise
        except Exception:
            log.exception("download %s failed", dl.id)
            dl.finish("error", "internal error while downloading; see the daemon log")

    def _remember(self, dl: Download) -> Download:
        finished = [k for k, d in self.downloads.items() if d.status in TERMINAL]
        for key in finished[: max(len(finished) - KEEP_FINISHED + 1, 0)]:
            del self.downloads[key]
        self.downloads[dl.id] = dl
        return dl


DOWNLOADS = web.AppKey("downloads", DownloadManager)


def _request_fields(body: dict[str, Any]) -> tuple[str, str | None, bool]:
    """modelId, quantization and mmproj from a POST body; 400 naming the field otherwise."""
    for name in body:
        if name not in FIELDS:
            raise bad_request(f"unknown field {name!r} (allowed: {', '.join(sorted(FIELDS))})", name, "unknown_field")
    model_id, fmt, quant = body.get("modelId"), body.get("format", "gguf"), body.get("quantization")
    if model_id is None:
        raise bad_request("'modelId' is required (see GET /api/models/catalog)", "modelId", "missing_field")
    if not isinstance(model_id, str):
        raise bad_request("'modelId' must be a string", "modelId", "invalid_type")
    if not isinstance(fmt, str) or fmt.lower() != "gguf":
        raise bad_request(f"'format' must be \"gguf\" (the only format LARouter serves), got {fmt!r}", "format")
    if quant is not None and not isinstance(quant, str):
        raise bad_request("'quantization' must be a string such as \"Q4_K_M\"", "quantization", "invalid_type")
    mmproj = body.get("mmproj", True)
    if not isinstance(mmproj, bool):
        raise bad_request("'mmproj' must be true or false", "mmproj", "invalid_type")
    return model_id, quant, mmproj


async def start_download(request: web.Request) -> web.Response:
    """POST /api/models/download → 202 (started or joined) or 200 (already downloaded)."""
    model_id, quant, mmproj = _request_fields(await read_json_object(request))
    model = request.app[appkeys.CATALOG].get(model_id)
    dl = await request.app[DOWNLOADS].start(model, model.variant(quant), mmproj)
    return web.json_response(dl.snapshot(), status=200 if dl.status == "done" else 202)


def _event(name: str, data: dict[str, Any]) -> bytes:
    return f"event: {name}\ndata: {json.dumps(data)}\n\n".encode()


def _final(snap: dict[str, Any]) -> bytes:
    if snap["status"] == "done":
        main, *extra = snap["files"] or [{}]
        return _event("done", {"path": main.get("path"), "sha256": main.get("sha256"), "verified": main.get("verified"),
                               "checkedAt": main.get("checkedAt"), "mmproj": extra[0] if extra else None,
                               "bytes": snap["bytes"], "total": snap["total"]})
    return _event("error", {"message": snap["error"] or snap["status"], "status": snap["status"]})


async def progress(request: web.Request) -> web.StreamResponse:
    """GET /api/models/download/{id}/progress → SSE: current state, `progress` events, then `done` or `error`."""
    dl = request.app[DOWNLOADS].get(request.match_info["id"])
    resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache",
                                       "X-Accel-Buffering": "no"})
    await resp.prepare(request)
    events: AsyncIterator[dict[str, Any] | None] = dl.watch(HEARTBEAT)
    try:
        async with contextlib.aclosing(events):  # type: ignore[type-var]
            async for snap in events:
                if snap is None:
                    await resp.write(b": keep-alive\n\n")
                    continue
                fields = ("bytes", "total", "bytesPerSecond", "eta", "status", "retry")
                await resp.write(_event("progress", {k: snap[k] for k in fields}))
                if snap["status"] in TERMINAL:
                    await resp.write(_final(snap))
        await resp.write_eof()
    except ConnectionError:
        pass  # the listener went away; the download goes on
    return resp


async def cancel_download(request: web.Request) -> web.Response:
    """DELETE /api/models/download/{id} → 200 once stopped (or already finished), 202 while stopping."""
    manager = request.app[DOWNLOADS]
    dl = await manager.cancel(manager.get(request.match_info["id"]))
    return web.json_response(dl.snapshot(), status=200 if dl.status in TERMINAL else 202)


async def list_downloads(request: web.Request) -> web.Response:
    """GET /api/models/downloads → every download this daemon remembers, oldest first."""
    return web.json_response({"object": "list", "data": [d.snapshot() for d in request.app[DOWNLOADS].downloads.values()]})


def routes() -> list[web.RouteDef]:
    """The download endpoints."""
    return [
        web.post("/api/models/download", start_download),
        web.get("/api/models/download/{id}/progress", progress, allow_head=False),
        web.delete("/api/models/download/{id}", cancel_download),
        web.get("/api/models/downloads", list_downloads),
    ]


def attach_downloads(app: web.Application, catalog: Catalog) -> None:
    """Create the app's DownloadManager, cancel its downloads at shutdown, add the routes."""
    runtime = app[appkeys.RUNTIME]
    manager = DownloadManager(catalog, runtime.settings.local.disk_reserve_bytes, runtime.env)
    runtime.listeners.append(manager.reconfigure)
    app[DOWNLOADS] = manager

    async def lifecycle(_app: web.Application) -> AsyncIterator[None]:
        yield
        await manager.close()

    async def on_shutdown(_app: web.Application) -> None:
        await manager.close()  # before aiohttp waits for handlers: open progress streams get their final event

    app.on_shutdown.append(on_shutdown)
    app.cleanup_ctx.append(lifecycle)
    app.add_routes(routes())


def not_on_disk(app: web.Application, model: CatalogModel, param: str | None = None) -> LarouterError:
    """The 409 for a model whose file is not on disk: being downloaded (`model_downloading`: how far, and where to
    follow it), else `not_downloaded`'s (it said "download it with `larouter models download`" during that very
    download: review AC)."""
    manager = app.get(DOWNLOADS)
    dl = manager.under_way(model.id) if manager is not None else None
    if dl is None:
        return not_downloaded(model, param)
    now = dl.snapshot()
    done, total = now["bytes"], now["total"]
    got = f"{100 * done / total:.0f}% of {total / 1e9:.1f} GB" if total else f"{done / 1e6:.0f} MB so far"
    return LarouterError(f"local model {model.id!r} is being downloaded ({got}; `larouter models downloads` follows "
                         f"it, download {dl.id}): try again when it is done", 409, "invalid_request_error",
                         "model_downloading", param)
