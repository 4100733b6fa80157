"""Load generators for bench/overhead.py: the request body (a small agent turn, JSON or SSE stream),
`run_aiohttp` (an aiohttp client with a pooled connector in this process, a fixed number of
requests) and `run_wrk` (wrk with a Lua script, a fixed duration; running wrk processes are kept in
`RUNNING_WRK` so a SIGTERM handler can stop them). Each measured run returns requests per second,
latency percentiles and, through `overhead_servers.Meter`, the CPU time per request of every
server. Moved out of bench/overhead.py, which imports what it needs from here.
"""

from __future__ import annotations

import asyncio
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from overhead_servers import MODEL, Meter, Server  # noqa: E402  (bench/ is not a package)

CHAT = "/v1/chat/completions"
DONE = b"data: [DONE]\n\n"


def request_body(stream: bool) -> bytes:
    """A typical small agent turn: a system prompt, one user message, a few options."""
    body: dict[str, Any] = {
        "model": MODEL,
        "messages": [
            {"role": "system", "content": "You are a careful, concise assistant. " * 12},
            {"role": "user", "content": "Summarise the plot of Hamlet in two sentences."},
        ],
        "temperature": 0.2,
        "max_tokens": 128,
    }
    if stream:
        body["stream"] = True
        body["stream_options"] = {"include_usage": True}
    return json.dumps(body).encode()


def percentile(sorted_values: list[float], q: float) -> float:
    """Linear-interpolated percentile of an already sorted list (q in 0..100)."""
    if not sorted_values:
        return float("nan")
    pos = (len(sorted_values) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(sorted_values) - 1)
    return sorted_values[lo] + (sorted_values[hi] - sorted_values[lo]) * (pos - lo)


class BadResponse(Exception):
    """A target answered something other than a complete 200."""


async def _phase(session: aiohttp.ClientSession, url: str, body: bytes, stream: bool, conc: int, count: int) -> list[float]:
    """Send `count` requests with `conc` workers; return each latency in seconds."""
    latencies: list[float] = []
    remaining = count
    clock = time.perf_counter

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            t0 = clock()
            async with session.post(url, data=body) as resp:
                data = await resp.read()
            latencies.append(clock() - t0)
            if resp.status != 200 or (stream and not data.endswith(DONE)):
                raise BadResponse(f"{url}: HTTP {resp.status}: {data[:300]!r}")

    await asyncio.gather(*(worker() for _ in range(conc)))
    return latencies


async def run_aiohttp(url: str, stream: bool, conc: int, count: int, warmup: int, servers: dict[str, Server]) -> dict[str, Any]:
    """One measured run with the aiohttp load generator (fixed number of requests)."""
    body = request_body(stream)
    connector = aiohttp.TCPConnector(limit=conc, limit_per_host=conc, keepalive_timeout=60)
    headers = {"Content-Type": "application/json", "Authorization": "Bearer sk-client-not-forwarded"}
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, headers=headers, timeout=timeout, auto_decompress=False) as session:
        await _phase(session, url + CHAT, body, stream, conc, warmup)
        meter = Meter(servers, resource.RUSAGE_SELF)
        t0 = time.perf_counter()
        lat = await _phase(session, url + CHAT, body, stream, conc, count)
        elapsed = time.perf_counter() - t0
        used = meter.stop(count)
    lat.sort()
    return {**used,
        "requests": count, "seconds": elapsed, "rps": count / elapsed,
        "p50_ms": percentile(lat, 50) * 1e3, "p90_ms": percentile(lat, 90) * 1e3, "p99_ms": percentile(lat, 99) * 1e3,
        "mean_ms": statistics.fmean(lat) * 1e3,
    }


RUNNING_WRK: list[subprocess.Popen] = []
WRK_SCRIPT = """
wrk.method = "POST"
wrk.body = [==[%s]==]
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer sk-client-not-forwarded"
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests": %%d, "duration_us": %%d, "p50_us": %%d, "p90_us": %%d, "p99_us": %%d, "mean_us": %%f, ' ..
    '"errors": %%d}\\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(90), latency:percentile(99),
    latency.mean, e.connect + e.read + e.write + e.status + e.timeout))
end
"""


def _wrk(url: str, script: Path, conc: int, seconds: float) -> dict[str, Any]:
    cmd = ["wrk", "-t1", f"-c{conc}", f"-d{max(1, round(seconds))}s", "--timeout", "10s", "-s", str(script), url + CHAT]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    RUNNING_WRK.append(proc)
    try:
        out = proc.communicate()[0]
    finally:
        RUNNING_WRK.remove(proc)
    if proc.returncode != 0:
        raise BadResponse(f"wrk exited with {proc.returncode}:\n{out}")
    line = next((ln for ln in out.splitlines() if ln.startswith("BENCH ")), None)
    if line is None:
        raise BadResponse(f"wrk printed no result:\n{out}")
    res = json.loads(line[6:])
    if res["errors"]:
        raise BadResponse(f"{url}: wrk saw {res['errors']} errors (non-2xx or socket errors):\n{out}")
    return res


async def run_wrk(url: str, stream: bool, conc: int, seconds: float, warmup: float, servers: dict[str, Server],
                  tmp: Path) -> dict[str, Any]:
    """One measured run with wrk (fixed duration; wrk rounds it to whole seconds)."""
    script = tmp / ("wrk-stream.lua" if stream else "wrk-json.lua")
    script.write_text(WRK_SCRIPT % request_body(stream).decode())
    if warmup > 0:
        await asyncio.to_thread(_wrk, url, script, conc, warmup)
    meter = Meter(servers, resource.RUSAGE_CHILDREN)
    res = await asyncio.to_thread(_wrk, url, script, conc, seconds)
    count = res["requests"]
    used = meter.stop(count)
    elapsed = res["duration_us"] / 1e6
    return {**used,
        "requests": count, "seconds": elapsed, "rps": count / elapsed, "p50_ms": res["p50_us"] / 1e3,
        "p90_ms": res["p90_us"] / 1e3, "p99_ms": res["p99_us"] / 1e3, "mean_ms": res["mean_us"] / 1e3,
    }
