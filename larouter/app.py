"""`make_app(settings)`: the aiohttp application with every long-lived resource in cleanup_ctx."""

from __future__ import annotations

import functools
import os
import time
from types import MappingProxyType
from typing import AsyncIterator

import aiohttp
from aiohttp import HttpVersion11, web

from larouter import VERSION_HEADER, __version__, appkeys
from larouter.config import Settings
from larouter.drain import Drain
from larouter.address import is_loopback
from larouter.auth import AdminToken, auth_middleware
from larouter.errors import PARSER_LIMITS, error_middleware
from larouter.openapi import openapi_json
from larouter.projects import api as projects_api
from larouter.routing import api as routing_api
from larouter.projects.store import ProjectStore
from larouter.routing.cooldowns import Cooldowns
from larouter.routing.health import UpstreamHealth
from larouter.routing.chains import merged_policies
from larouter.routing.policy import apply_routing
from larouter.routing.repeats import RepeatTracker
from larouter.routing.sticky import StickyRoutes
from larouter.routing.unserved import warn_unserved
from larouter.runtime import Runtime
from larouter.usage.attach import attach_usage
from larouter.models.api import still_local
from larouter.models.attach import attach_models
from larouter.proxy import handlers as proxy
from larouter.proxy import loop
from larouter.proxy.registry import ModelRegistry

# How the app must be served (`web.AppRunner(app, **RUNNER_OPTIONS)`, by larouterd and by the tests alike): a handler
# is cancelled when its client goes (a cut stream stops its upstream call), and request bodies reach the handlers as
# sent, decoded by `larouter.reqbody` (aiohttp's parser refused br and zstd with a plain-text 400).
# A connection idle between two requests is closed after KEEPALIVE seconds (aiohttp's own default is now 3,630 s:
# an idle connection holds a file descriptor; clients' pools let theirs go after 5 to 15 s).
KEEPALIVE = 75.0
RUNNER_OPTIONS = MappingProxyType({"handler_cancellation": True, "auto_decompress": False,
                                   "keepalive_timeout": KEEPALIVE})


async def http_client(app: web.Application) -> AsyncIterator[None]:
    """One pooled client session for every upstream call."""
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, keepalive_timeout=60, ttl_dns_cache=300)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=True, trust_env=False) as session:
        app[appkeys.HTTP] = session
        yield


async def prepared(request: web.Request, response: web.StreamResponse) -> None:
    """Name larouterd, and its version, in every answer. An HTTP/1.0 answer of unknown length (a stream, an export)
    ends the connection: its body ends only when the connection closes, and aiohttp kept a keep-alive one open after
    it (the client waited for the keep-alive timeout at the end of every stream, review AQ)."""
    response.headers[VERSION_HEADER] = __version__
    if request.version < HttpVersion11 and response.content_length is None:
        response.force_close()


async def health(request: web.Request) -> web.Response:
    """`{"status": "ok", "uptime": seconds}`, plus the ledger writer's counters, the routing memory's sizes and each
    upstream's recent outcomes. `status` is "degraded" (still HTTP 200: the daemon itself is up) while an upstream
    has failed its last `DEGRADED_AFTER` calls or more (`routing/health.py`), or while the ledger's storage refuses
    writes (calls are served, their records kept in memory up to `usage.queue_max`)."""
    uptime = time.monotonic() - request.app[appkeys.STARTED]
    upstreams = request.app[appkeys.UPSTREAMS]
    upstreams.keep_local(functools.partial(still_local, request.app))  # a local model whose file is gone: forgotten
    body: dict[str, object] = {"status": "degraded" if upstreams.degraded() else "ok", "uptime": round(uptime, 3)}
    ledger = request.app.get(appkeys.LEDGER)
    if ledger is not None:
        body["ledger"] = described = ledger.writer.describe()
        if described["failing"]:
            body["status"] = "degraded"
    repeats = request.app[appkeys.REPEATS]
    body["routing"] = {"stickyConversations": len(request.app[appkeys.STICKY]), "trackedTurns": len(repeats),
                       "learnedHeartbeats": repeats.learned}
    body["upstreams"] = upstreams.describe(request.app[appkeys.COOLDOWNS])
    return web.json_response(body)


async def drain_requests(app: web.Application) -> None:
    """on_shutdown: requests in flight finish within the grace period, or are cut with an error saying why."""
    await app[appkeys.DRAIN].run()


def providers_changed(upstreams: UpstreamHealth, cooldowns: Cooldowns, settings: Settings) -> None:
    """Runtime listener: a provider a PATCH changes starts with a clean record and no cooldown (its models' neither)."""
    for name in upstreams.reconfigure(settings):
        cooldowns.forget_provider(name)


def make_app(config: Settings | Runtime) -> web.Application:
    """Build the application for these settings (or a Runtime that can be PATCHed live)."""
    runtime = config if isinstance(config, Runtime) else Runtime(config, config.config_path, os.environ, {})
    settings = runtime.settings
    policies = merged_policies(settings.routing.policies)
    store = ProjectStore.load(settings.home, policies, settings.routing.policy)
    token = AdminToken.load(settings)
    runtime.checks.append(token.prepare)
    runtime.listeners.append(token.reconfigure)  # a PATCHed admin token applies from the next request on
    auth = auth_middleware(lambda a: a[appkeys.PROJECTS], lambda a: a[appkeys.ADMIN_TOKEN].current,
                           is_loopback(settings.server.host) and settings.server.trust_loopback)
    drain = Drain(runtime)
    app = web.Application(middlewares=[drain.middleware(), error_middleware, loop.loop_guard, auth],
                          client_max_size=settings.server.max_body_bytes,
                          handler_args=PARSER_LIMITS)  # room to answer an over-long request in JSON (errors.py)
    app[appkeys.DRAIN] = drain
    app[appkeys.SETTINGS] = settings
    app[appkeys.RUNTIME] = runtime
    app[appkeys.PROJECTS] = store
    app[appkeys.ADMIN_TOKEN] = token
    app[appkeys.STARTED] = time.monotonic()
    app[appkeys.INSTANCE] = loop.new_instance_id()  # requests that come back here carry it: refused (a loop)
    app[appkeys.POLICIES] = policies  # the store's too: PATCHed chains and policies apply to both at once
    cooldowns = app[appkeys.COOLDOWNS] = Cooldowns(settings.routing.cooldown)
    runtime.listeners.append(functools.partial(apply_routing, policies, cooldowns))
    app[appkeys.UPSTREAMS] = upstreams = UpstreamHealth.from_settings(settings)
    runtime.listeners.append(functools.partial(providers_changed, upstreams, cooldowns))
    store.reconfigure(settings)
    runtime.listeners.append(store.reconfigure)
    app[appkeys.STICKY] = StickyRoutes()  # conversation -> the model that served it last
    app[appkeys.REPEATS] = RepeatTracker()  # turns that keep coming back with short answers: learned heartbeats
    app[appkeys.REGISTRY] = registry = ModelRegistry.from_settings(settings)
    runtime.listeners.append(registry.reconfigure)
    app.cleanup_ctx.append(http_client)
    attach_usage(app, settings)
    attach_models(app, settings)
    warn_unserved(settings, app[appkeys.CATALOG], runtime.variables(), at_start=True)  # typos; nothing at all
    app.router.add_get("/health", health)
    app.router.add_get("/openapi.json", openapi_json)
    app.add_routes(proxy.routes())
    app.add_routes(projects_api.routes())
    app.add_routes(routing_api.routes())
    app.on_response_prepare.append(prepared)
    app.on_shutdown.append(drain_requests)  # last: open download progress streams got their final event first
    return app
