"""A fast fake OpenAI-compatible upstream for the overhead benchmark (not a test fixture).

`tests/support/fake_openai.py` records every request and header and builds each chunk with
`json.dumps`; that per-request work would share the benchmark's two CPU cores with the proxy
under test. This trimmed variant answers from precomputed bytes, with no artificial delay:

  POST /v1/chat/completions  JSON completion, or (when the body has `"stream": true`) an SSE
                             stream: a role chunk, N content chunks, a finish chunk, a usage
                             chunk when `stream_options.include_usage` is asked for, `[DONE]`.
                             Each event is a separate write, as a real provider sends them.
  GET  /health               readiness probe.

Run: python bench/fake_upstream.py --port 8001 [--chunks 8]   (--port 0: a free port, printed)
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal

from aiohttp import web

MODEL = "bench-model"
USAGE = {"prompt_tokens": 42, "completion_tokens": 9, "total_tokens": 51}


def completion_bytes(chunks: int) -> bytes:
    """A chat.completion body with `chunks` words of content."""
    text = " ".join(f"word{i}" for i in range(chunks))
    return json.dumps({
        "id": "chatcmpl-bench", "object": "chat.completion", "created": 1700000000, "model": MODEL,
        "system_fingerprint": "fp_bench",
        "choices": [{"index": 0, "message": {"role": "assistant", "content": text, "refusal": None},
                     "logprobs": None, "finish_reason": "stop"}],
        "usage": USAGE,
    }).encode()


def _event(delta: dict, finish: str | None, with_usage_field: bool) -> bytes:
    data = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000, "model": MODEL,
            "system_fingerprint": "fp_bench",
            "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}]}
    if with_usage_field:  # OpenAI sends "usage": null on every chunk when include_usage is set
        data["usage"] = None
    return b"data: " + json.dumps(data).encode() + b"\n\n"


def stream_events(chunks: int, include_usage: bool) -> list[bytes]:
    """The SSE events of one streamed answer, each a separate write."""
    events = [_event({"role": "assistant", "content": ""}, None, include_usage)]
    events += [_event({"content": f"word{i} "}, None, include_usage) for i in range(chunks)]
    events.append(_event({}, "stop", include_usage))
    if include_usage:
        usage = {"id": "chatcmpl-bench", "object": "chat.completion.chunk", "created": 1700000000,
                 "model": MODEL, "system_fingerprint": "fp_bench", "choices": [], "usage": USAGE}
        events.append(b"data: " + json.dumps(usage).encode() + b"\n\n")
    events.append(b"data: [DONE]\n\n")
    return events


def _flag(raw: bytes, name: bytes) -> bool:
    """Cheap test for `"name": true` in a JSON body (compact or spaced separators)."""
    return b'"' + name + b'": true' in raw or b'"' + name + b'":true' in raw


def make_app(chunks: int) -> web.Application:
    """The fake provider app."""
    body = completion_bytes(chunks)
    with_usage = stream_events(chunks, True)
    without_usage = stream_events(chunks, False)

    async def chat(request: web.Request) -> web.StreamResponse:
        raw = await request.read()
        if not _flag(raw, b"stream"):
            return web.Response(body=body, content_type="application/json")
        resp = web.StreamResponse(headers={"Content-Type": "text/event-stream", "Cache-Control": "no-cache"})
        await resp.prepare(request)
        for event in with_usage if _flag(raw, b"include_usage") else without_usage:
            await resp.write(event)
        return resp

    async def health(_request: web.Request) -> web.Response:
        return web.json_response({"status": "ok"})

    app = web.Application()
    app.router.add_post("/v1/chat/completions", chat)
    app.router.add_get("/health", health)
    return app


async def serve(app: web.Application, host: str, port: int, **runner_kw: object) -> None:
    """Listen (port 0: the kernel picks), print the real address, run until SIGTERM or SIGINT."""
    runner = web.AppRunner(app, access_log=None, shutdown_timeout=2.0, **runner_kw)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        print(f"listening on http://{host}:{runner.addresses[0][1]}", flush=True)
        stop = asyncio.Event()
        for sig in (signal.SIGINT, signal.SIGTERM):
            asyncio.get_running_loop().add_signal_handler(sig, stop.set)
        await stop.wait()
    finally:
        await runner.cleanup()


def main() -> None:
    """Serve on 127.0.0.1."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, required=True, help="0: a free port, printed on stdout")
    parser.add_argument("--chunks", type=int, default=8, help="content chunks per streamed answer")
    args = parser.parse_args()
    asyncio.run(serve(make_app(args.chunks), args.host, args.port))


if __name__ == "__main__":
    main()
