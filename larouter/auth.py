"""Who is calling: admin (token or loopback without a header) or a project token; what each may reach."""

from __future__ import annotations

import functools
import hmac
import ipaddress
import secrets
from pathlib import Path
from typing import Awaitable, Callable

import attrs
from aiohttp import web

from larouter.configerr import ConfigError
from larouter.errors import LarouterError
from larouter.fsutil import atomic_write
from larouter.projects.store import DEFAULT, ProjectStore

PUBLIC = frozenset({"/health", "/openapi.json"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.frozen
class Principal:
    """The authenticated caller."""

    admin: bool
    project_id: str = DEFAULT


ADMIN = Principal(admin=True)
PRINCIPAL = web.RequestKey("principal", Principal)


@functools.lru_cache(maxsize=1024)
def is_loopback(host: str | None) -> bool:
    """True for 127.0.0.0/8, ::1 and localhost."""
    if not host:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def admin_token(home: Path, configured: str | None, bind_host: str) -> str:
    """The configured admin token, else the one in `<home>/admin_token` (generated 0600 on loopback binds)."""
    if configured:
        return configured
    path = home / "admin_token"
    if path.exists():
        return path.read_text("utf-8").strip()
    if not is_loopback(bind_host):
        raise ConfigError(
            f"binding {bind_host} (not loopback) needs an admin token: set LAROUTER_ADMIN_TOKEN or "
            f"server.admin_token, or start once on 127.0.0.1 to generate {path}")
    token = "lr_admin_" + secrets.token_urlsafe(32)
    atomic_write(path, (token + "\n").encode(), 0o600)
    return token


def unauthorized(message: str) -> LarouterError:
    """401 with the OpenAI auth error type."""
    return LarouterError(message, 401, "authentication_error", "invalid_api_key", None, {"WWW-Authenticate": "Bearer"})


def forbidden(message: str) -> LarouterError:
    """403 for a project token on an admin endpoint."""
    return LarouterError(message, 403, "permission_error", "forbidden")


def identify(request: web.Request, store: ProjectStore, admin: str, loopback_bind: bool) -> Principal:
    """Map the Authorization header (or its absence on loopback) to a principal; 401 otherwise."""
    header = request.headers.get("Authorization")
    if header is None:
        if loopback_bind and is_loopback(request.remote):
            return ADMIN
        raise unauthorized("missing Authorization: Bearer <token> (required on non-loopback binds)")
    scheme, _, token = header.partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise unauthorized("malformed Authorization header; expected 'Bearer <token>'")
    if hmac.compare_digest(token.encode(), admin.encode()):
        return ADMIN
    if loopback_bind and not token.startswith("lr_") and is_loopback(request.remote):
        return ADMIN  # SDKs insist on some api_key: a non-LARouter value on loopback counts as none
    project = store.by_token(token)
    if project is None:
        raise unauthorized("invalid or revoked token")
    return Principal(admin=False, project_id=project.id)


def check_access(request: web.Request, who: Principal) -> web.Request:
    """Project tokens reach the proxy and their own usage; everything else is admin-only."""
    path = request.path
    if who.admin or path.startswith("/v1/"):
        return request
    if path.startswith("/api/usage"):
        wanted = request.query.get("projectId")
        if wanted not in (None, who.project_id):
            raise forbidden("a project token can only read its own usage")
        return request.clone(rel_url=request.rel_url.update_query(projectId=who.project_id))
    raise forbidden(f"{path} needs the admin token; project tokens reach /v1/* and their own /api/usage")


def auth_middleware(store_of: Callable[[web.Application], ProjectStore], admin_of: Callable[[web.Application], str],
                    loopback_bind: bool) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Build the middleware (placed after the error middleware so failures are OpenAI-shaped)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in PUBLIC:
            return await handler(request)
        who = identify(request, store_of(request.app), admin_of(request.app), loopback_bind)
        request = check_access(request, who)
        request[PRINCIPAL] = who
        return await handler(request)

    return middleware


def principal(request: web.Request) -> Principal:
    """The caller of this request (admin when auth did not run, e.g. in unit apps)."""
    return request.get(PRINCIPAL, ADMIN)
