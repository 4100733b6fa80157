"""Wire the usage ledger into the app: open it at startup, record every call, flush and close at shutdown."""

from __future__ import annotations

import asyncio
from typing import AsyncIterator

from aiohttp import web

from larouter import appkeys
from larouter.config import Settings
from larouter.projects.budget import Budgets
from larouter.usage import api
from larouter.usage.ledger import Ledger


async def ledger_context(app: web.Application) -> AsyncIterator[None]:
    """cleanup_ctx: open the ledger on a worker thread and install it; on cleanup commit everything and close it.

    Installs the ledger's non-blocking recorder and the budgets (spend read from the ledger), and follows runtime config
    changes (prices, baseline model). Cleanup runs after the server stopped accepting and in-flight requests
    finished (or were cancelled, and recorded), so a clean stop (SIGTERM) commits every record.
    """
    loop = asyncio.get_running_loop()
    runtime = app[appkeys.RUNTIME]
    ledger = await loop.run_in_executor(None, Ledger.open, runtime.settings)
    app[appkeys.LEDGER] = ledger
    app[appkeys.RECORDER] = ledger.record
    app[appkeys.BUDGETS] = Budgets(ledger.spent_since, clock=ledger.now)
    runtime.checks.append(ledger.stage_prices)  # (the price file is read off the event loop)
    runtime.listeners.append(ledger.reconfigure)
    try:
        yield
    finally:
        if ledger.stage_prices in runtime.checks:
            runtime.checks.remove(ledger.stage_prices)
        if ledger.reconfigure in runtime.listeners:
            runtime.listeners.remove(ledger.reconfigure)
        await loop.run_in_executor(None, ledger.close)


def attach_usage(app: web.Application, settings: Settings) -> None:
    """Add the ledger's lifecycle and the `/api/usage*` routes to the app."""
    del settings  # read from the app's runtime at startup, so persisted runtime overrides apply
    app.cleanup_ctx.append(ledger_context)
    app.add_routes(api.routes())
