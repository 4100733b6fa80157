"""Reading a request's body: within `server.body_timeout` (408 otherwise), as bytes or as a JSON object."""

from __future__ import annotations

import asyncio
from typing import Any

from aiohttp import web

from larouter import appkeys
from larouter.errors import LarouterError
from larouter.proxy.validate import parse_json_object


async def read_body(request: web.Request) -> bytes:
    """The request body, or 408 when a slow client does not deliver it within server.body_timeout (every endpoint
    that takes a body: a stalled one would hold its handler and connection for as long as the client liked)."""
    if request.content.is_eof():  # the whole body came with the headers (small requests): no timer needed
        return await request.read()
    declared, most = request.content_length, request.app[appkeys.SETTINGS].server.max_body_bytes
    if declared is not None and declared > most:  # refused at once, not once that much has come (or the timer ran out)
        raise LarouterError(f"request body too large ({declared:,} bytes declared; server.max_body_bytes is "
                            f"{most:,})", 413, "invalid_request_error", "request_too_large")
    limit = request.app[appkeys.SETTINGS].server.body_timeout
    try:
        async with asyncio.timeout(limit):
            return await request.read()
    except TimeoutError:
        raise LarouterError(f"request body not received within {limit:g} s", 408, "invalid_request_error",
                            "request_timeout") from None


async def read_json_object(request: web.Request) -> dict[str, Any]:
    """The body as a JSON object (400 naming the problem otherwise), read within server.body_timeout."""
    return parse_json_object(await read_body(request))
