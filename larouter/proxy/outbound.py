"""A call's request to its provider, and the provider's headers that cross the router unchanged.

Towards the provider go only the headers LARouter sets (`upstream.upstream_headers`: the provider's own key, never
the client's) plus FORWARDED: a few a client sends for a provider's own features (OpenRouter's app attribution,
Anthropic's and OpenAI's beta switches), which name nothing of the client's account. The client's `OpenAI-
Organization` and `OpenAI-Project` are not among them: they would have to match LARouter's key, not the client's.

Back to the client go the provider's rate-limit and processing-time headers (`upstream.RELAYED`), for the client's own
throttling: they describe the provider that answered (`x-larouter-provider`), on answers and on its errors alike.
Nothing else of the provider's (its organization and project ids are the operator's) crosses.
"""

from __future__ import annotations

from typing import Any

import aiohttp
from aiohttp import web

from larouter import appkeys
from larouter.proxy import local, loop, upstream
from larouter.proxy.call import Call

FORWARDED = ("HTTP-Referer", "X-Title", "OpenAI-Beta", "anthropic-beta")
MAX_FORWARDED = 2048  # characters of one forwarded header's value (a longer one is left out, not cut)

def forwarded(request: web.Request) -> dict[str, str]:
    """The client's FORWARDED headers (each value as sent, when not longer than MAX_FORWARDED)."""
    headers = request.headers
    return {name: value for name in FORWARDED if (value := headers.get(name)) is not None
            and len(value) <= MAX_FORWARDED}


async def post(request: web.Request, call: Call, body: dict[str, Any], stream: bool) -> aiohttp.ClientResponse:
    """Send the call's upstream body to its target (`upstream.send`: a 2xx response, else a LarouterError), with the
    loop guard's hops, the call's id and the client's FORWARDED headers; the answer's provider id and RELAYED headers
    are kept on the call for its response."""
    assert call.target is not None
    resp = await upstream.send(request.app[appkeys.HTTP], call.target, body, stream, hops=loop.outbound(request),
                               request_id=call.id, live=local.serving(request, call.target),
                               extra=forwarded(request))
    call.upstream_id = upstream.request_id_of(resp)
    call.upstream_headers = upstream.relayed(resp)
    return resp
