"""Send requests for local models to their llama-server, starting a stopped one on demand."""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any, Awaitable, Callable

import attrs
from aiohttp import web

from larouter import appkeys
from larouter.errors import LarouterError
from larouter.models.catalog import CatalogModel
from larouter.models.download_api import not_on_disk
from larouter.models.process import Crash, StartFailed, State
from larouter.models.supervisor import provider_name
from larouter.proxy.call import Call
from larouter.proxy.registry import AUTO, Target
from larouter.routing.policy import local_cannot

if TYPE_CHECKING:
    from larouter.routing.policy import Candidate

KEEPALIVE_SECONDS = 2.0
# how a call finds a local model's server gone: no connection, or one closed or reset (`upstream.send`, `read_error`)
BROKEN_CONNECTION = frozenset({"upstream_unreachable", "upstream_disconnected"})
_HOLDS = "local_models_in_use"  # call.extra key: the ModelProcess objects the call holds


def pending_local(request: web.Request, model: str) -> CatalogModel | None:
    """The downloaded local model to autostart for this name, if the registry has no live target."""
    app = request.app
    name = app[appkeys.REGISTRY].default_model if model == AUTO else model
    if app[appkeys.REGISTRY].lookup(name) is not None:
        return None
    found = app[appkeys.CATALOG].find(name)
    if found is None:
        if model == AUTO:
            return None  # (the registry's error names the default model)
        catalog = app[appkeys.CATALOG].all()
        raise app[appkeys.REGISTRY].unknown_model(name, (n for m in catalog for n in (m.id, *m.aliases)))
    if app[appkeys.CATALOG].downloaded(found) is None:
        raise not_on_disk(app, found, "model")
    if not app[appkeys.RUNTIME].settings.local.autostart:
        raise LarouterError(
            f"local model {found.id!r} is not running and autostart is off; start it: `larouter models start "
            f"{found.id}` (POST /api/models/{found.id}/start)",
            503, "server_error", "model_not_running", "model")
    return found


def named_place(app: web.Application, model: str) -> tuple[str, str | None] | None:
    """Where a named model goes, for the headers of an error LARouter raised before the call had a target: the
    model and provider as its answer would name them (a provider with no key), or a local model's id with no
    provider (not downloaded, or not running with autostart off: it has no server, as under `auto`); None for a
    model nobody serves (its 404 names none). Reads state only, as `pending_local` does."""
    target = app[appkeys.REGISTRY].lookup(model)
    if target is not None:
        return target.model, target.provider_name
    found = app[appkeys.CATALOG].find(model)
    return (found.id, None) if found is not None else None


STOPPING = "local model being stopped (`larouter models stop`)"


def unless_stopping(app: web.Application, cands: list[Candidate]) -> list[Candidate]:
    """`auto`'s candidates, a local model being stopped skipped: from the stop on, `auto` takes the next candidate
    (its autostart waited for the stop, up to local.stop_grace, then started the model the operator had stopped)."""
    sup = app.get(appkeys.SUPERVISOR)
    stopping = {p.model_id for p in sup.procs.values() if p.state is State.STOPPING} if sup is not None else None
    if not stopping:
        return cands
    return [attrs.evolve(c, skipped=STOPPING) if c.local_model in stopping and c.skipped is None else c
            for c in cands]


def loading(app: web.Application) -> frozenset[str]:
    """The local models whose llama-server is starting (spawned, loading, not ready yet): `auto` judges them as it
    does running ones, not by the memory a start needs, which their load already took (`routing.policy.chain`)."""
    sup = app.get(appkeys.SUPERVISOR)
    if sup is None:
        return frozenset()
    return frozenset(p.model_id for p in sup.procs.values() if p.state is State.STARTING)


def warm(app: web.Application, name: str) -> bool:
    """Whether the model a conversation sticks to may be moved to the front: any model but a local one whose
    llama-server is neither running nor loading. A stopped server has no prompt cache to keep warm, and moving it
    first started it (perhaps against the operator's stop) ahead of a local model that runs (review T); one that is
    loading is waited for, rather than starting another (review X)."""
    model = app[appkeys.CATALOG].find(name)
    if model is None:
        return True
    sup = app.get(appkeys.SUPERVISOR)
    proc = sup.procs.get(model.id) if sup is not None else None
    return proc is not None and proc.state in (State.STARTING, State.READY)


async def start_local(
    request: web.Request, model: CatalogModel, keepalive: Callable[[], Awaitable[None]] | None = None,
    again: bool = True,
) -> None:
    """Start the model, calling `keepalive` every few seconds while it loads; on return it is routed. A client that
    leaves meanwhile does not stop the start (`Supervisor.autostart`): the model is ready for the next request.
    A stop, or a restart with new options, that came while it loaded runs once the start is done: the model is then
    started again (`again`, a request naming it: it waits for the stop, as for a model stopped before it came, or is
    sent to the restarted server), once; else (`auto`: the next candidate) or a second time, a 503 saying so."""
    sup = request.app[appkeys.SUPERVISOR]
    attempts = 2 if again else 1
    for attempt in range(1, attempts + 1):
        await _started(sup.autostart(model.id), model, keepalive)
        proc = sup.procs.get(model.id)
        routed = provider_name(model.id) in request.app[appkeys.REGISTRY].providers
        if routed and (attempt == 2 or proc is None or not proc.changes.total()):
            return  # (the last try's server is used even when a change waits: its calls are told if it cuts them)
    if proc is not None and proc.changes["restart"] and not proc.changes["stop"]:
        raise LarouterError(f"local model {model.id!r} is being restarted with new options (`larouter models start "
                            f"{model.id}` with --ctx-size, --gpu-layers or --threads): try again in a moment", 503,
                            "server_error", "model_restarted")
    raise LarouterError(f"local model {model.id!r} was stopped (`larouter models stop {model.id}`) as this request "
                        "started it: try again to start it anew", 503, "server_error", "model_stopped")


async def _started(task: asyncio.Task[Any], model: CatalogModel,
                   keepalive: Callable[[], Awaitable[None]] | None) -> None:
    """Wait for an autostart, calling `keepalive` every few seconds; its failure is raised without llama-server's
    output (which names files on this machine: for the admin API only)."""
    while True:
        done, _ = await asyncio.wait({task}, timeout=KEEPALIVE_SECONDS)
        if done:
            try:
                task.result()
            except StartFailed as err:  # (llama-server's output, file paths and all, is for `models logs` only)
                raise attrs.evolve(err, message=f"model {model.id!r} failed to start: {err.reason}. Its output: "
                                   f"`larouter models logs {model.id}`.", tail="") from None
            return
        if keepalive is not None:
            await keepalive()


def touch(request: web.Request, call: Call) -> None:
    """Note that the call's local model is in use from now until `release(call)` (for idle unload: a model that
    serves a long answer is in use, however long ago the answer began)."""
    target = call.target
    if target is not None and target.provider.local and target.provider_name.startswith("local:"):
        proc = request.app[appkeys.SUPERVISOR].procs.get(target.provider_name[6:])
        if proc is not None:
            proc.last_used = time.monotonic()
            proc.in_use += 1
            call.extra.setdefault(_HOLDS, []).append(proc)


def release(call: Call) -> None:
    """The call is over: each local model it used is idle from now on, unless other calls still use it."""
    for proc in call.extra.pop(_HOLDS, ()):
        proc.in_use -= 1
        proc.last_used = time.monotonic()


def serving(request: web.Request, target: Target) -> Callable[[], bool]:
    """Whether the registry still routes to `target`'s server (`upstream.send`: a local model stopped or restarted on
    purpose is unrouted before its server goes, and a call it cut makes no second try against its closed port). A
    cloud provider's call is never sent twice: nothing to look up for it (this is on every request's path)."""
    if not target.provider.local:
        return _always
    registry = request.app[appkeys.REGISTRY]
    return lambda: registry.providers.get(target.provider_name) is target.provider


def _always() -> bool:
    return True


async def crash_of(request: web.Request, call: Call) -> Crash | None:
    """How the call's local model's llama-server crashed, when it did (`Supervisor.crash`); None for other targets."""
    target = call.target
    if target is None or not target.provider.local or not target.provider_name.startswith("local:"):
        return None
    return await request.app[appkeys.SUPERVISOR].crash(target.provider_name[6:], target.provider.base_url)


async def explain_crash(request: web.Request, call: Call, err: LarouterError) -> LarouterError:
    """`err`, unless it is the broken connection of a local model whose llama-server died: then the 503
    `model_crashed` that says so, what killed it and whether it is being restarted (not aiohttp's words about a
    connection reset on 127.0.0.1)."""
    if err.code not in BROKEN_CONNECTION or (crash := await crash_of(request, call)) is None:
        return err
    return LarouterError(crash.message, 503, "server_error", crash.code, headers=err.headers,
                         delivered=err.delivered, note=crash.note)


def refuse_unfit(body: dict[str, Any], model: CatalogModel | Target | None) -> None:
    """A named local model (a stopped one's catalog entry, or a running one's target) sent an image or audio part it
    takes no such input for: a 400 naming why (llama-server answered 500, relayed as a 502 that the SDKs retried and
    that turned /health degraded: a client's mistake, review AL). A named model gets the rest of the body as written."""
    if isinstance(model, CatalogModel):
        name, why = model.id, local_cannot(body, "image" in model.modalities, "audio" in model.modalities, llama=False)
    elif model is not None and model.provider.local:
        name, why = model.model, local_cannot(body, model.provider.vision, model.provider.audio, llama=False)
    else:
        return
    if why is not None:
        raise LarouterError(f"local model {name!r} cannot take this request ({why}); send it to a model that can, "
                            "or as `auto`, which chooses one", 400, "invalid_request_error", "unsupported_content",
                            "messages")
