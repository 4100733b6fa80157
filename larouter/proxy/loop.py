"""Loop guard: a provider whose `base_url` leads back to this larouterd (say `OPENAI_BASE_URL` set to LARouter's own
address, which the shipped `openai` provider reads) would make one request proxy itself until the file descriptors
ran out. Every upstream request carries `x-larouter-hop`: the ids of the daemons it passed through, this one's last.
A request that arrives naming this daemon (or more than MAX_HOPS of them) is refused at once with a 508
`provider_loop`; the daemon that sent it turns that answer into a 508 naming its provider."""

from __future__ import annotations

import logging
import re
import secrets
from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from larouter import appkeys
from larouter.address import is_loopback
from larouter.config import Settings
from larouter.configshipped import BASE_URL_ENV  # (the SDKs' variables: the usual way a loop is made)
from larouter.errors import Handler, LarouterError

log = logging.getLogger("larouter.proxy")

HOP_HEADER = "x-larouter-hop"  # sent upstream: `id1, id2, ...` (random per-process ids, nothing else)
LOOP_HEADER = "x-larouter-loop"  # on a loop's 508: the id found in its hops (`hops`: too many; `relayed`: further on)
PROVIDER_LOOP = "provider_loop"
MAX_HOPS = 8  # a chain of more LARouter daemons than this is taken for a loop
_ID = re.compile(r"[0-9a-f]{16}")


def new_instance_id() -> str:
    """This daemon's mark in `x-larouter-hop` (random: it says nothing about the machine)."""
    return secrets.token_hex(8)


def hops_of(request: web.Request) -> list[str]:
    """The daemon ids an incoming request has passed through (well-formed ones only, at most MAX_HOPS + 1)."""
    out: list[str] = []
    for value in request.headers.getall(HOP_HEADER, ()):
        out += [hop for hop in (part.strip().lower() for part in value.split(",")) if _ID.fullmatch(hop)]
    return out[-(MAX_HOPS + 1):]


def outbound(request: web.Request) -> str:
    """The `x-larouter-hop` value of the upstream requests made for this one: its hops, then this daemon's id."""
    return ", ".join([*hops_of(request), request.app[appkeys.INSTANCE]])


@web.middleware
async def loop_guard(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Refuse a proxy request that has already passed through this daemon (508 `provider_loop`), before anything else
    (authentication included: the looping request carries the provider's key, not a token)."""
    if request.path.startswith("/v1/") and HOP_HEADER in request.headers:
        hops, own = hops_of(request), request.app[appkeys.INSTANCE]
        if own in hops or len(hops) > MAX_HOPS:
            back = own in hops
            log.warning("refused %s %s: it came back to this larouterd after %d hop(s); a provider's base_url leads "
                        "here (the daemon that sent it names the provider)", request.method, request.path, len(hops))
            what = ("it came back to the larouterd that sent it" if back
                    else f"it has passed through {len(hops)} LARouter daemons")
            raise LarouterError(f"request refused: {what} (x-larouter-hop), so a provider's base_url leads back to "
                                "LARouter: a loop", 508, "upstream_error", PROVIDER_LOOP,
                                headers={LOOP_HEADER: own if back else "hops"})
    return await handler(request)


def loop_error(target: Any, sent_hops: str, found: str) -> LarouterError:
    """Our answer when the provider's answer was another (or this) daemon's loop refusal: a 508 naming the provider
    and where its base_url comes from. Under `auto` the next candidate is tried."""
    prov, name = target.provider, target.provider_name
    url = prov.base_url  # no user name, password or query: the settings refuse them
    own = sent_hops.rsplit(",", 1)[-1].strip()
    where = ("points back at this larouterd: the request came straight back here" if found == own
             else "leads to a LARouter daemon that sends it on in a loop (through this one or others)")
    hint = f"set providers.{name}.base_url to the provider's own API"
    if name in BASE_URL_ENV:
        hint += (f" (the shipped {name} provider reads {BASE_URL_ENV[name]}, which the SDKs read too: is it set to "
                 "LARouter's address in larouterd's environment?)")
    return LarouterError(f"provider {name!r} (base_url {url}) {where}, so it was not sent round again; {hint}", 508,
                         "upstream_error", PROVIDER_LOOP, headers={LOOP_HEADER: "relayed"})


def _authority(host: str | None) -> str:
    host = (host or "").lower().strip("[]")
    return "loopback" if is_loopback(host) else host


def pointing_here(settings: Settings, listening: list[tuple[Any, ...]]) -> list[str]:
    """Providers whose base_url is an address this daemon listens on (`listening`: (host, port, ...) of its sockets;
    a wildcard bind matches loopback and its own host names)."""
    out = []
    for name, prov in settings.providers.items():
        parts = urlsplit(prov.base_url)
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            continue
        there = _authority(parts.hostname)
        for sock in listening:
            here = _authority(str(sock[0]))
            if port == sock[1] and (there == here or (here in ("0.0.0.0", "::") and there == "loopback")):
                out.append(name)
                break
    return out


def warn_if_pointing_here(settings: Settings, listening: list[tuple[Any, ...]]) -> None:
    """Log a warning for each provider whose base_url is this daemon's own address (at start, and when a PATCH of
    the settings leaves one so): its requests will be refused, each with a 508 naming it."""
    for name in pointing_here(settings, listening):
        prov = settings.providers[name]
        env = f" ({BASE_URL_ENV[name]} in larouterd's environment?)" if name in BASE_URL_ENV else ""
        log.warning("provider %r has base_url %s, the address larouterd listens on%s: its requests would come back "
                    "here and are refused (508 provider_loop); set providers.%s.base_url to the provider's own API",
                    name, prov.base_url, env, name)
