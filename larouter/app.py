"""`make_app(settings)`: the aiohttp application with every long-lived resource in cleanup_ctx."""

from __future__ import annotations

import time
from typing import AsyncIterator

import aiohttp
from aiohttp import web

from larouter import appkeys
from larouter.config import Settings
from larouter.errors import error_middleware
from larouter.models.attach import attach_models
from larouter.proxy import handlers as proxy
from larouter.proxy.call import Call
from larouter.proxy.registry import ModelRegistry


async def http_client(app: web.Application) -> AsyncIterator[None]:
    """One pooled client session for every upstream call."""
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, keepalive_timeout=60, ttl_dns_cache=300)
    async with aiohttp.ClientSession(connector=connector, auto_decompress=True, trust_env=False) as session:
        app[appkeys.HTTP] = session
        yield


async def health(request: web.Request) -> web.Response:
    """`{"status": "ok", "uptime": seconds}`."""
    uptime = time.monotonic() - request.app[appkeys.STARTED]
    return web.json_response({"status": "ok", "uptime": round(uptime, 3)})


def _no_recorder(call: Call) -> None:
    """Placeholder until the usage ledger is attached."""


def make_app(settings: Settings) -> web.Application:
    """Build the application for these settings."""
    app = web.Application(middlewares=[error_middleware], client_max_size=settings.server.max_body_bytes)
    app[appkeys.SETTINGS] = settings
    app[appkeys.STARTED] = time.monotonic()
    app[appkeys.REGISTRY] = ModelRegistry.from_settings(settings)
    app[appkeys.RECORDER] = _no_recorder
    app.cleanup_ctx.append(http_client)
    attach_models(app, settings)
    app.router.add_get("/health", health)
    app.add_routes(proxy.routes())
    return app
