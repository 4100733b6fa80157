"""`/api/projects` and `/api/config` (admin only; the auth middleware enforces it)."""

from __future__ import annotations

from aiohttp import web

from larouter import appkeys
from larouter.auth import principal
from larouter.projects.store import undefined_policy
from larouter.proxy import loop
from larouter.reqbody import read_json_object
from larouter.routing.unserved import warn_unserved


async def list_projects(request: web.Request) -> web.Response:
    """GET /api/projects."""
    store = request.app[appkeys.PROJECTS]
    return web.json_response({"object": "list", "data": [p.public() for p in store.projects.values()]})


async def create_project(request: web.Request) -> web.Response:
    """POST /api/projects: returns the token once."""
    project, token = await request.app[appkeys.PROJECTS].create(await read_json_object(request))
    return web.json_response({**project.public(), "token": token}, status=201)


async def get_project(request: web.Request) -> web.Response:
    """GET /api/projects/{id}."""
    return web.json_response(request.app[appkeys.PROJECTS].get(request.match_info["id"]).public())


async def update_project(request: web.Request) -> web.Response:
    """PUT /api/projects/{id}: name, description, budgetUsd, budgetWindow, routingPolicy."""
    body = await read_json_object(request)
    project = await request.app[appkeys.PROJECTS].update(request.match_info["id"], body)
    return web.json_response(project.public())


async def rotate_token(request: web.Request) -> web.Response:
    """POST /api/projects/{id}/rotate: a new token; the old one is revoked at once."""
    project, token = await request.app[appkeys.PROJECTS].rotate(request.match_info["id"])
    return web.json_response({**project.public(), "token": token})


async def delete_project(request: web.Request) -> web.Response:
    """DELETE /api/projects/{id}: revoke the token; usage history stays."""
    await request.app[appkeys.PROJECTS].delete(request.match_info["id"])
    return web.json_response({"id": request.match_info["id"], "deleted": True})


async def get_config(request: web.Request) -> web.Response:
    """GET /api/config: effective settings, secrets masked."""
    return web.json_response(request.app[appkeys.RUNTIME].view())


def _orphans(request: web.Request) -> list[str]:
    """The projects whose routingPolicy the settings no longer define (a PATCH dropped it): they route by
    cost-optimized until it is defined again, which the PATCH's answer says (review AT: only the next start's log
    did)."""
    policies = request.app[appkeys.POLICIES]
    return [undefined_policy(p) for p in request.app[appkeys.PROJECTS].projects.values()
            if p.routing_policy not in policies]


async def patch_config(request: web.Request) -> web.Response:
    """PATCH /api/config: JSON merge patch, validated, persisted atomically, applied live."""
    runtime = request.app[appkeys.RUNTIME]
    body = await read_json_object(request)
    notes: list[str] = []  # (loopback trust is not enough for every key: `by_token`)
    restart = await runtime.patch(body, by_token=principal(request).by_token, notes=notes)
    sock = request.transport.get_extra_info("sockname") if request.transport is not None else None
    listening = [(runtime.settings.server.host, sock[1]), sock] if isinstance(sock, tuple) else []
    loop.warn_if_pointing_here(runtime.settings, listening)  # a provider base_url that is this daemon: a loop
    warnings = notes + warn_unserved(runtime.settings, request.app[appkeys.CATALOG], runtime.variables())
    warnings += _orphans(request)
    return web.json_response({**runtime.view(), "restartRequired": restart, "warnings": warnings})


def routes() -> list[web.RouteDef]:
    """Project and config routes."""
    return [
        web.get("/api/projects", list_projects),
        web.post("/api/projects", create_project),
        web.get("/api/projects/{id}", get_project),
        web.put("/api/projects/{id}", update_project),
        web.post("/api/projects/{id}/rotate", rotate_token),
        web.delete("/api/projects/{id}", delete_project),
        web.get("/api/config", get_config),
        web.patch("/api/config", patch_config),
    ]
