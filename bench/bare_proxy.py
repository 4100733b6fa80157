"""The floor for this stack: a bare aiohttp pass-through proxy (for the overhead benchmark).

One aiohttp server, one pooled `ClientSession` (the same connector settings as larouterd).
`POST /v1/chat/completions` forwards the body as is to the upstream and relays the answer:
JSON read whole and returned, SSE relayed chunk by chunk as it arrives. No parsing, no
validation, no header rewriting beyond Content-Type: whatever larouterd does on top of this
is its overhead.

Run: python bench/bare_proxy.py --port 8002 --upstream http://127.0.0.1:8001
"""

from __future__ import annotations

import argparse
import asyncio
from typing import AsyncIterator

import aiohttp
from aiohttp import web

from fake_upstream import serve  # same runner loop as the fake upstream (bench/ is on sys.path)

HTTP = web.AppKey("http", aiohttp.ClientSession)
UPSTREAM = web.AppKey("upstream", str)
SSE_HEADERS = {"Content-Type": "text/event-stream", "Cache-Control": "no-cache"}


async def http_client(app: web.Application) -> AsyncIterator[None]:
    """One pooled client session, configured like larouterd's."""
    connector = aiohttp.TCPConnector(limit=0, limit_per_host=0, keepalive_timeout=60, ttl_dns_cache=300)
    timeout = aiohttp.ClientTimeout(total=None, connect=10, sock_read=120)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout, trust_env=False) as session:
        app[HTTP] = session
        yield


async def chat(request: web.Request) -> web.StreamResponse:
    """Forward the body; relay the JSON answer or the SSE stream chunk by chunk."""
    body = await request.read()
    async with request.app[HTTP].post(
        request.app[UPSTREAM], data=body, headers={"Content-Type": "application/json"}
    ) as up:
        if up.content_type == "text/event-stream":
            resp = web.StreamResponse(status=up.status, headers=SSE_HEADERS)
            await resp.prepare(request)
            async for chunk in up.content.iter_any():
                await resp.write(chunk)
            return resp
        return web.Response(body=await up.read(), status=up.status, content_type="application/json")


async def health(_request: web.Request) -> web.Response:
    """Readiness probe."""
    return web.json_response({"status": "ok"})


def make_app(upstream: str) -> web.Application:
    """The bare proxy app forwarding to `upstream` (a base URL like http://127.0.0.1:8001)."""
    app = web.Application()
    app[UPSTREAM] = upstream.rstrip("/") + "/v1/chat/completions"
    app.cleanup_ctx.append(http_client)
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/health", health)
    return app


def main() -> None:
    """Serve on 127.0.0.1 (same AppRunner options as larouterd: no access log, handler cancellation)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="0: a free port, printed on stdout")
    parser.add_argument("--upstream", required=True, help="upstream base URL, e.g. http://127.0.0.1:8001")
    args = parser.parse_args()
    asyncio.run(serve(make_app(args.upstream), args.host, args.port, handler_cancellation=True))


if __name__ == "__main__":
    main()
