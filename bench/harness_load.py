"""The harness's load generator: an aiohttp client in its own process (started by bench/harness.py).

One job per process, given as JSON on the command line; the result is one JSON line on stdout.

  kind "closed": `conc` workers send requests back to back (closed loop) for `warmup` seconds (and until
      every worker has finished one), then for `duration` seconds: the measured window. Only requests that
      end inside the window are counted. Per request: latency to the end of the body, and for streams the
      time to the first body byte (TTFB) and to the first event carrying content (TTFT). At the window's
      edges it reads, from /proc, the CPU time of each watched server and of the whole machine.
  kind "hold": opens `streams` streaming requests at once (ramped over `ramp` seconds) and reads them to
      the end: how many were answered, how many at most were open at the same time, their TTFB.

Pinned to `cpu` (a core number) when given. Not meant to be run by hand.
"""

from __future__ import annotations

import asyncio
import json
import os
import re
import resource
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import aiohttp

CLK_TCK = os.sysconf("SC_CLK_TCK")
CONTENT = re.compile(rb'"content":\s*"[^"]')  # a delta with text (the role chunk has "content": "")
DONE = b"data: [DONE]"
clock = time.perf_counter


def proc_cpu(pids: list[int]) -> float:
    """User + system CPU seconds of these processes (all threads)."""
    total = 0.0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (OSError, IndexError):
            pass
    return total


def host_busy() -> float:
    """Busy CPU seconds of the whole machine (all cores)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq = (fields + [0] * 7)[:7]
    return (user + nice + system + irq + softirq) / CLK_TCK


def snapshot(watch: dict[str, list[int]]) -> dict[str, float]:
    use = resource.getrusage(resource.RUSAGE_SELF)
    snap = {name: proc_cpu(pids) for name, pids in watch.items()}
    snap["_loadgen"] = use.ru_utime + use.ru_stime
    snap["_host"] = host_busy()
    snap["_t"] = clock()
    return snap


def pct(values: list[float], q: float) -> float | None:
    """Nearest-rank-interpolated percentile of a sorted list, in ms."""
    if not values:
        return None
    pos = (len(values) - 1) * q / 100.0
    lo = int(pos)
    hi = min(lo + 1, len(values) - 1)
    return (values[lo] + (values[hi] - values[lo]) * (pos - lo)) * 1e3


def dist(values: list[float]) -> dict[str, float | None]:
    values.sort()
    return {"p50": pct(values, 50), "p90": pct(values, 90), "p99": pct(values, 99), "p999": pct(values, 99.9),
            "max": values[-1] * 1e3 if values else None, "mean": sum(values) / len(values) * 1e3 if values else None}


async def one(session: aiohttp.ClientSession, url: str, body: bytes, stream: bool) -> tuple[float, float | None, float | None, str | None]:
    """One request: (latency, ttfb, ttft, error kind or None), times in seconds."""
    t0 = clock()
    ttfb = ttft = None
    async with session.post(url, data=body) as resp:
        if stream:
            chunks = []
            while True:
                chunk = await resp.content.readany()
                if not chunk:
                    break
                now = clock()
                if ttfb is None:
                    ttfb = now - t0
                if ttft is None and CONTENT.search(chunk):
                    ttft = now - t0
                chunks.append(chunk)
            data = b"".join(chunks)
        else:
            data = await resp.read()
        status = resp.status
    latency = clock() - t0
    if status != 200:
        return latency, ttfb, ttft, f"http_{status}"
    if stream and not data.rstrip().endswith(DONE):
        return latency, ttfb, ttft, "stream_without_done"
    if not stream and b'"choices"' not in data:
        return latency, ttfb, ttft, "json_without_choices"
    return latency, ttfb, ttft, None


def make_session(job: dict[str, Any], limit: int) -> aiohttp.ClientSession:
    connector = aiohttp.TCPConnector(limit=limit, limit_per_host=limit, keepalive_timeout=60)
    headers = {"Content-Type": "application/json", **job.get("headers", {})}
    timeout = aiohttp.ClientTimeout(total=job.get("timeout", 120))
    return aiohttp.ClientSession(connector=connector, headers=headers, timeout=timeout, auto_decompress=False)


async def closed(job: dict[str, Any]) -> dict[str, Any]:
    """Closed-loop load for warm-up + the measured window."""
    url, body, stream, conc = job["url"], job["body"].encode(), job["stream"], job["conc"]
    watch = {k: list(v) for k, v in job.get("watch", {}).items()}
    samples: list[tuple[float, float, float | None, float | None]] = []
    errors: list[tuple[float, str]] = []
    stop = False
    completed = 0

    async def worker() -> None:
        nonlocal completed
        while not stop:
            try:
                lat, ttfb, ttft, err = await one(session, url, body, stream)
            except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
                errors.append((clock(), type(exc).__name__))
                await asyncio.sleep(0.01)
                continue
            completed += 1
            if err:
                errors.append((clock(), err))
            else:
                samples.append((clock(), lat, ttfb, ttft))

    async with make_session(job, conc) as session:
        t_begin = clock()
        tasks = [asyncio.create_task(worker()) for _ in range(conc)]
        await asyncio.sleep(job["warmup"])
        while completed < conc and clock() - t_begin < job["warmup"] + 60:
            await asyncio.sleep(0.02)
        first = snapshot(watch)
        await asyncio.sleep(job["duration"])
        last = snapshot(watch)
        stop = True
        done, pending = await asyncio.wait(tasks, timeout=job.get("drain", 60))
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)
    t0, t1 = first["_t"], last["_t"]
    window = [s for s in samples if t0 <= s[0] <= t1]
    errs = Counter(kind for t, kind in errors if t0 <= t <= t1)
    elapsed = t1 - t0
    count = len(window)
    cpu = {k: (last[k] - first[k]) for k in last if k != "_t"}
    servers = sum(v for k, v in cpu.items() if not k.startswith("_"))
    return {
        "requests": count, "seconds": elapsed, "rps": count / elapsed, "errors": dict(errs),
        "all_completed": completed, "drain_cancelled": len(pending),
        "latency": dist([s[1] for s in window]),
        "ttfb": dist([s[2] for s in window if s[2] is not None]) if stream else None,
        "ttft": dist([s[3] for s in window if s[3] is not None]) if stream else None,
        "cpu_us_per_req": {k: v / count * 1e6 if count else None for k, v in cpu.items() if not k.startswith("_")},
        "server_cores": {k: v / elapsed for k, v in cpu.items() if not k.startswith("_")},
        "loadgen_cores": cpu["_loadgen"] / elapsed,
        "foreign_cores": max(0.0, cpu["_host"] - servers - cpu["_loadgen"]) / elapsed,
    }


async def hold(job: dict[str, Any]) -> dict[str, Any]:
    """Open `streams` streams together; count answers, the most open at once, TTFB."""
    url, body, n = job["url"], job["body"].encode(), job["streams"]
    state = {"open": 0, "max_open": 0}
    results: list[tuple[float, float | None, float | None, str | None]] = []
    errors: Counter[str] = Counter()

    async def stream_one(delay: float) -> None:
        await asyncio.sleep(delay)
        state["open"] += 1
        state["max_open"] = max(state["max_open"], state["open"])
        try:
            results.append(await one(session, url, body, True))
        except (aiohttp.ClientError, asyncio.TimeoutError, OSError) as exc:
            errors[type(exc).__name__] += 1
        finally:
            state["open"] -= 1

    async with make_session(job, 0) as session:
        t0 = clock()
        await asyncio.gather(*(stream_one(job["ramp"] * i / n) for i in range(n)))
        elapsed = clock() - t0
    errors.update(err for *_, err in results if err)
    ok = [r for r in results if r[3] is None]
    return {"streams": n, "ok": len(ok), "errors": dict(errors), "client_max_open": state["max_open"],
            "seconds": elapsed, "ttfb": dist([r[1] for r in ok if r[1] is not None]),
            "latency": dist([r[0] for r in ok])}


def main() -> None:
    job = json.loads(sys.argv[1])
    if job.get("cpu") is not None and hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {job["cpu"]})
    result = asyncio.run(closed(job) if job["kind"] == "closed" else hold(job))
    print(json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
