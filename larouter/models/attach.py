"""Wire the catalog, downloads and the llama-server supervisor into the app."""

from __future__ import annotations

import asyncio
import logging
from typing import AsyncIterator

from aiohttp import web

from larouter import appkeys
from larouter.config import Settings
from larouter.models import api
from larouter.models.catalog import Catalog
from larouter.models.download_api import attach_downloads
from larouter.models.pidfiles import kill_orphans
from larouter.models.supervisor import Supervisor

log = logging.getLogger("larouter.models")


async def supervisor_ctx(app: web.Application) -> AsyncIterator[None]:
    """Kill orphans of a previous run, supervise children, stop them all on shutdown."""
    settings = app[appkeys.SETTINGS]
    sup = Supervisor(settings, app[appkeys.CATALOG], app[appkeys.REGISTRY], app[appkeys.HTTP],
                     health=app[appkeys.UPSTREAMS])  # (a model's crashes and failed starts: /health says them)
    await asyncio.to_thread(kill_orphans, sup.run_dir)  # reads /proc and signals: off the event loop
    catalog = app[appkeys.CATALOG]  # (the context each model's file was trained with, for `auto` to judge it by)
    await asyncio.to_thread(lambda: [catalog.learn_context(m) for m in catalog.all()])
    app[appkeys.SUPERVISOR] = sup
    app[appkeys.RUNTIME].listeners.append(sup.reconfigure)
    sup._spawn(sup.idle_loop(), "idle-unload")  # idles while local.idle_unload is 0
    try:
        yield
    finally:
        await sup.close()


def attach_models(app: web.Application, settings: Settings) -> None:
    """Catalog, downloads, supervisor: app keys, cleanup contexts and routes."""
    catalog = Catalog.load(settings.home)
    app[appkeys.CATALOG] = catalog
    app.cleanup_ctx.append(supervisor_ctx)
    app.add_routes(api.routes())
    attach_downloads(app, catalog)
