"""Every `web.AppKey` the application stores, in one place, typed."""

from __future__ import annotations

from typing import Callable

import aiohttp
from aiohttp import web

from larouter.auth import AdminToken
from larouter.config import Settings
from larouter.drain import Drain
from larouter.models.catalog import Catalog
from larouter.models.supervisor import Supervisor
from larouter.projects.budget import Budgets
from larouter.projects.store import ProjectStore
from larouter.proxy.call import Call
from larouter.proxy.registry import ModelRegistry
from larouter.routing.cooldowns import Cooldowns
from larouter.routing.health import UpstreamHealth
from larouter.routing.sticky import StickyRoutes
from larouter.routing.repeats import RepeatTracker
from larouter.routing.tiers import Tier
from larouter.runtime import Runtime
from larouter.usage.ledger import Ledger

SETTINGS = web.AppKey("settings", Settings)
HTTP = web.AppKey("http", aiohttp.ClientSession)
REGISTRY = web.AppKey("registry", ModelRegistry)
STARTED = web.AppKey("started", float)
RECORDER = web.AppKey("recorder", Callable[[Call], float | None])  # records a call, returns its cost
CATALOG = web.AppKey("catalog", Catalog)
SUPERVISOR = web.AppKey("supervisor", Supervisor)
RUNTIME = web.AppKey("runtime", Runtime)
PROJECTS = web.AppKey("projects", ProjectStore)
ADMIN_TOKEN = web.AppKey("admin_token", AdminToken)
BUDGETS = web.AppKey("budgets", Budgets)
LEDGER = web.AppKey("ledger", Ledger)
POLICIES = web.AppKey("policies", dict[str, dict[Tier, tuple[str, ...]]])
COOLDOWNS = web.AppKey("cooldowns", Cooldowns)
UPSTREAMS = web.AppKey("upstreams", UpstreamHealth)  # each upstream's recent outcomes, for /health
STICKY = web.AppKey("sticky", StickyRoutes)
REPEATS = web.AppKey("repeats", RepeatTracker)
DRAIN = web.AppKey("drain", Drain)
INSTANCE = web.AppKey("instance", str)  # this daemon's id in x-larouter-hop (proxy/loop.py)
