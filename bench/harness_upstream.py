"""bench/fake_upstream.py with a configurable delay, for the harness's open-streams phase.

bench/fake_upstream.py answers at once (no delay option); holding 1,000 streams open needs a slow
upstream. This wrapper reuses its precomputed bodies and events unchanged and adds:

  --delay-ms N        wait N ms before answering (JSON or the stream's headers)
  --chunk-delay-ms N  wait N ms before each SSE event after the first
  GET /bench/stats    {"open": streams being sent now, "max_open": the most at once, "served": requests};
                      `?reset=1` first sets max_open to open and served to 0

Run: python bench/harness_upstream.py --port 0 --chunk-delay-ms 1500   (prints "listening on ...")
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fake_upstream  # noqa: E402  (bench/ is not a package)


def make_app(chunks: int, delay_ms: float, chunk_delay_ms: float) -> web.Application:
    """fake_upstream's app, with delays and an open-stream counter."""
    body = fake_upstream.completion_bytes(chunks)
    with_usage = fake_upstream.stream_events(chunks, True)
    without_usage = fake_upstream.stream_events(chunks, False)
    delay, gap = delay_ms / 1000.0, chunk_delay_ms / 1000.0
    stats = {"open": 0, "max_open": 0, "served": 0}

    async def chat(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        stats["served"] += 1
        if delay:
            await asyncio.sleep(delay)
        if not fake_upstream._flag(raw, b"stream"):
            return web.Response(body=body, content_type="application/json")
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        stats["open"] += 1
        stats["max_open"] = max(stats["max_open"], stats["open"])
        try:
            events = with_usage if fake_upstream._flag(raw, b"include_usage") else without_usage
            for i, event in enumerate(events):
                if i and gap:
                    await asyncio.sleep(gap)
                await resp.write(event)
        finally:
            stats["open"] -= 1
        return resp

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    async def bench_stats(request: web.Request) -> web.Response:
        if request.query.get("reset"):
            stats.update(max_open=stats["open"], served=0)
        return web.json_response(stats)

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/health", health)
    app.router.add_get("/bench/stats", bench_stats)
    return app


def main() -> None:
    """Serve on 127.0.0.1 until SIGTERM."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="0: a free port, printed on stdout")
    parser.add_argument("--chunks", type=int, default=8, help="content chunks per streamed answer")
    parser.add_argument("--delay-ms", type=float, default=0.0, help="delay before answering")
    parser.add_argument("--chunk-delay-ms", type=float, default=0.0, help="delay before each SSE event but the first")
    args = parser.parse_args()
    asyncio.run(fake_upstream.serve(make_app(args.chunks, args.delay_ms, args.chunk_delay_ms), args.host, args.port))


if __name__ == "__main__":
    main()
