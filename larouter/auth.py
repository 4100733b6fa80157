"""Who is calling: admin (token or loopback without a header) or a project token; what each may reach."""

from __future__ import annotations

import functools
import hmac
import ipaddress
import re
import secrets
import socket
from pathlib import Path
from typing import Awaitable, Callable

import attrs
from aiohttp import web
from multidict import CIMultiDictProxy

from larouter.address import ADMIN_TOKEN_FILE, is_loopback
from larouter.config import Settings
from larouter.configerr import ConfigError
from larouter.configvalid import MIN_ADMIN_TOKEN, usable_admin_token
from larouter.errors import LarouterError
from larouter.fsutil import atomic_write
from larouter.projects.store import DEFAULT, ProjectStore, name_key

PUBLIC = frozenset({"/health", "/openapi.json"})
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@attrs.frozen
class Principal:
    """The authenticated caller."""

    admin: bool
    project_id: str = DEFAULT
    # False for an admin by loopback trust alone (no token, or an SDK placeholder): any local user is one, so the
    # settings that decide where a provider key goes or what runs stay out of its reach (`configguard`)
    by_token: bool = True


ADMIN = Principal(admin=True)
LOOPBACK_ADMIN = Principal(admin=True, by_token=False)
PRINCIPAL = web.RequestKey("principal", Principal)


@functools.lru_cache(maxsize=1024)
def admin_token(home: Path, bind_host: str) -> str:
    """The admin token in `<home>/admin_token` (generated 0600 on loopback binds), for when none is configured."""
    path = home / ADMIN_TOKEN_FILE
    if path.exists():
        try:
            token = path.read_text("utf-8").strip()
        except (OSError, UnicodeDecodeError) as exc:
            raise ConfigError(f"{path} cannot be read ({exc}); remove it to generate a new admin token") from None
        if not usable_admin_token(token):
            raise ConfigError(f"{path} holds no usable admin token: it must be at least {MIN_ADMIN_TOKEN} printable "
                              "ASCII characters with no spaces (value not shown); remove the file to have one "
                              "generated (on a loopback bind), or set LAROUTER_ADMIN_TOKEN")
        return token
    if not is_loopback(bind_host):
        raise ConfigError(
            f"binding {bind_host} (not loopback) needs an admin token: set LAROUTER_ADMIN_TOKEN or "
            f"server.admin_token, or start once on 127.0.0.1 to generate {path}")
    token = "lr_admin_" + secrets.token_urlsafe(32)
    atomic_write(path, (token + "\n").encode(), 0o600)
    return token


@attrs.define
class AdminToken:
    """The admin token the daemon accepts now: `server.admin_token` when set (a PATCH changes it at once: the old
    token is refused from the next request on), else the one in `<home>/admin_token`."""

    home: Path
    configured: str | None
    generated: str | None = None  # the file's token, read (or made) when no token is configured

    @classmethod
    def load(cls, settings: Settings) -> AdminToken:
        """The token of these start-up settings (blocking: may read or generate the file; ConfigError on a
        non-loopback bind without a token)."""
        configured = settings.server.admin_token
        generated = None if configured else admin_token(settings.home, settings.server.host)
        return cls(settings.home, configured, generated)

    @property
    def current(self) -> str:
        """The token an admin must present."""
        token = self.configured or self.generated
        assert token is not None  # load() and prepare() see to it
        return token

    def prepare(self, settings: Settings) -> None:
        """Before a settings change is persisted (blocking, on a worker thread): a change that drops the configured
        token falls back to the file's, generated on a loopback bind; with none to fall back to, a ConfigError. (A
        PATCHed token is not put in the file: the CLI reads it from runtime-config.json, and unsetting it brings
        the file's back.)"""
        if not settings.server.admin_token and self.generated is None:
            self.generated = admin_token(settings.home, settings.server.host)

    def reconfigure(self, settings: Settings) -> None:
        """Apply changed settings (runtime listener)."""
        self.configured = settings.server.admin_token


def unauthorized(message: str) -> LarouterError:
    """401 with the OpenAI auth error type."""
    return LarouterError(message, 401, "authentication_error", "invalid_api_key", None, {"WWW-Authenticate": "Bearer"})


def forbidden(message: str) -> LarouterError:
    """403 for a project token on an admin endpoint."""
    return LarouterError(message, 403, "permission_error", "forbidden")


@functools.lru_cache(maxsize=256)
def own_authority(value: str) -> bool:
    """Whether a Host header names this machine and cannot be a rebound DNS name: an IP literal, `localhost` or
    `*.localhost`, or this machine's host name ("127.0.0.1:18790", "[::1]:80", "myhost:18790"). A Host with userinfo
    ("evil@127.0.0.1") is not: no client sends one, and which side of the `@` counts is a guess."""
    if "@" in value:
        return False
    host = value
    if host.startswith("["):
        host = host[1 : host.find("]")] if "]" in host else ""
    elif host.count(":") == 1:
        host = host.partition(":")[0]
    host = host.lower().rstrip(".")  # "localhost.:18790" is the fully qualified spelling of a loopback name
    if _loopback_name(host):
        return True
    try:
        ipaddress.ip_address(host.split("%")[0])
        return True  # an address, not a name: nothing to rebind
    except ValueError:
        pass
    own = socket.gethostname().lower()
    return host in (own, own.partition(".")[0])


def _loopback_name(host: str) -> bool:
    """A loopback address, `localhost` or a `*.localhost` name (lower case, as written: no trailing dot stripped)."""
    return is_loopback(host) or host.endswith(".localhost")


# An Origin as browsers serialize it (RFC 6454): scheme "://" host [":" port], nothing else (no userinfo, path,
# query or spaces); the host a bracketed IPv6 address or letters, digits, dots and hyphens (IDNs come as punycode)
_ORIGIN = re.compile(r"https?://(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::([0-9]{1,5}))?", re.IGNORECASE)


@functools.lru_cache(maxsize=256)
def loopback_origin(origin: str) -> bool:
    """Whether an Origin header is a page served from this machine's loopback ("http://localhost:3000",
    "http://127.0.0.1:18790", "http://[::1]", "http://app.localhost"). Anything a browser would not send is not
    ("http://evil@127.0.0.1", "http://127.0.0.1/x"), and a trailing dot makes another origin and another name
    ("http://localhost." is not "http://localhost")."""
    match = _ORIGIN.fullmatch(origin)
    if match is None or (match[2] is not None and not 0 < int(match[2]) < 65536):
        return False
    host = match[1].lower()
    return _loopback_name(host[1:-1] if host.startswith("[") else host)


def browser_refusal(request: web.Request) -> str | None:
    """Why a request may not use loopback trust because a web page may have sent it, or None.

    Loopback trust (no token needed on a loopback bind) is for the programs of this machine's user. A web page the
    user visits can make the browser send requests to 127.0.0.1 too: a form or a `text/plain` POST needs no CORS
    preflight (cross-site request forgery), and a page whose DNS name is rebound to 127.0.0.1 is same-origin with the
    daemon (DNS rebinding). Browsers say where a request comes from (`Origin`, `Sec-Fetch-Site`) and which name
    they connected to (`Host`); SDKs and the CLI send no Origin and a loopback Host. A header sent twice is refused
    rather than one of the two believed.
    """
    headers = request.headers
    for name in ("Origin", "Sec-Fetch-Site"):  # (a second Host is a 400 from aiohttp's parser already)
        if len(headers.getall(name, ())) > 1:
            return f"a request with more than one {name} header may not use the loopback trust"
    host = headers.get("Host")
    if host is not None and not own_authority(host):
        return f"Host {host[:80]!r} is not a name of this machine (a DNS-rebinding page?)"
    origin = headers.get("Origin")
    if origin is not None and not loopback_origin(origin):
        return f"a web page at Origin {origin[:80]!r} may not use the loopback trust"
    if headers.get("Sec-Fetch-Site") in ("cross-site", "same-site"):
        return "a cross-site browser request may not use the loopback trust"
    return None


FORWARDING_HEADERS = ("Forwarded", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "X-Forwarded-Port",
                      "X-Forwarded-Server", "X-Real-IP", "X-Client-IP", "X-Cluster-Client-IP",
                      "X-Original-Forwarded-For", "CF-Connecting-IP", "True-Client-IP", "Fastly-Client-IP", "Via")


def _loopback_admin(request: web.Request) -> Principal:
    """Admin by loopback trust, unless a proxy forwarded the request (its client is elsewhere: a reverse proxy on
    this host would make the whole network admin) or a web page may have sent it."""
    headers = request.headers
    proxied = next((name for name in FORWARDING_HEADERS if name in headers), None)
    if proxied is not None:
        raise unauthorized(f"a request forwarded by a proxy (it carries {proxied}) gets no loopback trust: send "
                           "Authorization: Bearer <admin or project token>")
    why = browser_refusal(request)
    if why is not None:
        raise LarouterError(f"{why}; send Authorization: Bearer <admin or project token>", 403, "permission_error",
                            "browser_request_refused")
    return LOOPBACK_ADMIN


KEY_HEADERS = ("X-Api-Key", "api-key")  # where clients other than OpenAI's put the key (api-key: Azure's SDK)


def presented_token(request: web.Request) -> str | None:
    """The token the request presents in `Authorization: Bearer`, `X-Api-Key` or `api-key`; None without any.
    A malformed or empty one is a 401; different tokens in two of them a 400 (never a guess: one of them could be a
    placeholder an SDK insists on). Tokens are never put in a message."""
    headers = request.headers
    token, where = None, ""
    value = _one(headers, "Authorization")
    if value is not None:
        scheme, _, token = value.partition(" ")
        token, where = token.strip(), "Authorization"
        if scheme.lower() != "bearer" or not token:
            raise unauthorized("malformed Authorization header; expected 'Bearer <token>'")
    for name in KEY_HEADERS:
        value = _one(headers, name)
        if value is None:
            continue
        key = value.strip()
        if key[:7].lower() == "bearer ":  # `X-Api-Key: Bearer lr_sk_...`: the token all the same
            key = key[7:].strip()
        if not key:
            raise unauthorized(f"empty {name} header; send the token in it, or leave it out")
        if token is None:
            token, where = key, name
        elif key != token:
            raise LarouterError(f"the request carries different tokens in {where} and {name}; send one token, in "
                                "Authorization: Bearer, X-Api-Key or api-key (or the same token in each)",
                                400, "invalid_request_error", "conflicting_credentials", name)
    if token is not None and not (token.isascii() and token.isprintable()):  # undecodable bytes: a 500 before
        raise unauthorized(f"invalid token in {where}: tokens are printable ASCII")
    return token


def _one(headers: CIMultiDictProxy[str], name: str) -> str | None:
    """The header's value; a 400 when it comes twice with different values (a proxy in front that adds its own
    `Authorization` would otherwise decide, by the order, whom the request runs as)."""
    values = headers.getall(name, ())
    if len(values) > 1 and len(set(values)) > 1:
        raise LarouterError(f"the request carries the {name} header {len(values)} times with different values; send "
                            "one token, once", 400, "invalid_request_error", "conflicting_credentials", name)
    return values[0] if values else None


def identify(request: web.Request, store: ProjectStore, admin: str, loopback_bind: bool) -> Principal:
    """Map the token the request presents (or none, on loopback) to a principal; 401 otherwise."""
    token = presented_token(request)
    if token is None:
        if loopback_bind and is_loopback(request.remote):
            return _loopback_admin(request)
        raise unauthorized("missing Authorization: Bearer <token> (required on non-loopback binds and with "
                           "server.trust_loopback = false; X-Api-Key or api-key work too)")
    if hmac.compare_digest(token.encode(), admin.encode()):
        return ADMIN
    if loopback_bind and not token.startswith("lr_") and is_loopback(request.remote):
        return _loopback_admin(request)  # SDKs insist on some api_key: a non-LARouter value on loopback counts as none
    project = store.by_token(token)
    if project is None:
        raise unauthorized("invalid or revoked token")
    return Principal(admin=False, project_id=project.id)


def check_access(request: web.Request, who: Principal, store: ProjectStore) -> web.Request:
    """Project tokens reach the proxy and their own usage; everything else is admin-only."""
    path = request.path
    if who.admin or path.startswith("/v1/"):
        return request
    if path.startswith("/api/usage"):
        others = [w for w in request.query.getall("projectId", []) if not names_own_project(w, who, store)]
        if others:
            own = store.projects.get(who.project_id)
            mine = f"{own.name!r} ({own.id})" if own is not None else repr(who.project_id)
            if others[0] == "*":
                raise forbidden(f"every project's usage (projectId=*) needs the admin token; this project "
                                f"token (project {mine}) reads only its own project's usage")
            raise forbidden(f"a project token reads only its own project's usage: this one is project {mine}, not "
                            f"{others[0][:64]!r}")
        return request.clone(rel_url=request.rel_url.update_query(projectId=who.project_id))
    if request.match_info.http_exception is not None:  # no such endpoint (or not with this method): its 404 / 405
        return request
    raise forbidden(f"{path} needs the admin token; project tokens reach /v1/* and their own /api/usage")


def names_own_project(wanted: str, who: Principal, store: ProjectStore) -> bool:
    """Whether a project token's `projectId` names its own project: by its id, or by its name (compared as names
    are: case and runs of spaces aside) unless that is another project's id. The CLI's `--project NAME` sends the
    name as it is: a project token may not list the projects to look its id up."""
    if wanted == who.project_id:
        return True
    own = store.projects.get(who.project_id)
    return own is not None and wanted not in store.projects and name_key(wanted) == name_key(own.name)


def auth_middleware(store_of: Callable[[web.Application], ProjectStore], admin_of: Callable[[web.Application], str],
                    loopback_bind: bool) -> Callable[[web.Request, Handler], Awaitable[web.StreamResponse]]:
    """Build the middleware (placed after the error middleware so failures are OpenAI-shaped)."""

    @web.middleware
    async def middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path in PUBLIC:
            return await handler(request)
        store = store_of(request.app)
        who = identify(request, store, admin_of(request.app), loopback_bind)
        request = check_access(request, who, store)
        request[PRINCIPAL] = who
        return await handler(request)

    return middleware


def still_authorized(request: web.Request, store: ProjectStore) -> None:
    """401 when the project token the request was let in with no longer opens its project: the project was deleted or
    its token rotated while the request ran (its body still coming, a local model loading). Checked again when the call
    is admitted: a deleted project's call was served and billed with no budget, an old token's after its rotation
    (review AA)."""
    who = request.get(PRINCIPAL)
    if who is None or who.admin:
        return
    token = presented_token(request)
    project = store.by_token(token) if token is not None else None
    if project is None or project.id != who.project_id:
        raise unauthorized("invalid or revoked token (its project was deleted or its token rotated during the request)")


def principal(request: web.Request) -> Principal:
    """The caller of this request (admin when auth did not run, e.g. in unit apps)."""
    return request.get(PRINCIPAL, ADMIN)
