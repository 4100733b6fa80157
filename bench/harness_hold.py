"""bench/harness.py phases beyond the load matrix: 1,000 open streams (RSS), and an optional py-spy profile."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import subprocess
import sys
import urllib.request
from pathlib import Path
from typing import Any, Callable

import harness_servers as hs

CHAT = "/v1/chat/completions"
CLK_TCK = os.sysconf("SC_CLK_TCK")
STREAM_BODY = json.dumps({"model": "auto", "stream": True, "stream_options": {"include_usage": True}, "max_tokens": 128,
                          "messages": [{"role": "user", "content": "Summarise the plot of Hamlet in two sentences."}]})


def upstream_stats(slow: hs.Proc, reset: bool = False) -> dict[str, int]:
    with urllib.request.urlopen(slow.url + "/bench/stats" + ("?reset=1" if reset else ""), timeout=5) as resp:
        return json.loads(resp.read())


async def hold_one(name: str, proxy: hs.Proc, slow: hs.Proc, streams: int, headers: dict[str, str], cpu: int | None,
                   stream_seconds: float) -> dict[str, Any]:
    """Open `streams` streams through `proxy` while sampling its RSS and the upstream's open-stream count."""
    upstream_stats(slow, reset=True)
    proxy.reset_hwm()
    job = {"kind": "hold", "url": proxy.url + CHAT, "body": STREAM_BODY, "headers": headers, "streams": streams,
           "ramp": 1.0, "timeout": stream_seconds + 120, "cpu": cpu}
    gen = await asyncio.create_subprocess_exec(sys.executable, str(hs.BENCH / "harness_load.py"), json.dumps(job),
                                               stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    wait = asyncio.ensure_future(gen.communicate())
    samples: list[tuple[int, float]] = []
    try:
        while not wait.done():
            stats = await asyncio.to_thread(upstream_stats, slow)
            samples.append((stats["open"], proxy.rss_mb()))
            await asyncio.wait([wait], timeout=0.1)
        out, err = wait.result()
    finally:  # Ctrl-C or a signal: the load generator goes too, before the event loop closes
        if gen.returncode is None:
            gen.kill()
            await gen.wait()
    if gen.returncode != 0:
        raise SystemExit(f"load generator failed in the open-streams phase:\n{err.decode()[-3000:]}")
    res = json.loads(out.decode().strip().splitlines()[-1])
    peak = proxy.hwm_mb()
    await asyncio.sleep(3)
    most = max((n for n, _ in samples), default=0)
    res.update(name=name, upstream_max_open=upstream_stats(slow)["max_open"], peak=peak, after=proxy.rss_mb(),
               rss_all_open=max((rss for n, rss in samples if n == most), default=0.0))
    print(f"  {name}: {res['ok']}/{streams} streams answered, {res['upstream_max_open']} open at once upstream, RSS "
          f"{res['rss_all_open']:.1f} MB with them open, peak {peak:.1f} MB, {res['after']:.1f} MB after",
          file=sys.stderr, flush=True)
    return res


async def hold_phase(args: argparse.Namespace, lar: hs.Proc, tmp: Path, pins: dict[str, int | None], cpu: int | None,
                     token: dict[str, str], extra: list[hs.Proc]) -> dict[str, Any]:
    """Point larouterd (runtime config) and a second bare proxy at a slow upstream; hold `streams` streams open."""
    slow = hs.start_slow(tmp, pins["slow-upstream"], args.chunks, args.stream_gap_ms)
    extra.append(slow)
    bare = hs.start_bare(tmp, pins["bare-slow"], slow.url, name="bare-slow")
    extra.append(bare)
    admin = (lar.home / "admin_token").read_text().strip() if lar.home is not None else None  # (a guarded setting)
    hs.post_json(lar.url + "/api/config", {"providers": {"openai": {"base_url": slow.url + "/v1"}}}, method="PATCH",
                 token=admin)
    events = args.chunks + 4  # role, content chunks, finish, usage, [DONE]
    seconds = (events - 1) * args.stream_gap_ms / 1000
    print(f"open-streams phase: {args.streams} streams, one event every {args.stream_gap_ms:.0f} ms (~{seconds:.0f} s each)",
          file=sys.stderr, flush=True)
    hold = [await hold_one("larouterd", lar, slow, args.streams, token, cpu, seconds),
            await hold_one("bare proxy", bare, slow, args.streams, {}, cpu, seconds)]
    lar_row = hold[0]
    return {"streams": args.streams, "chunk_delay_ms": args.stream_gap_ms, "stream_seconds": seconds, "hold": hold,
            "streams_peak_mb": lar_row["peak"], "streams_ok": lar_row["ok"], "upstream_max_open": lar_row["upstream_max_open"]}


def thread_cpu(pid: int) -> dict[str, float]:
    """CPU seconds of each thread of a process (user + system), by thread id, from /proc."""
    out = {}
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            fields = (task / "stat").read_text().rsplit(")", 1)[1].split()
            out[task.name] = (int(fields[11]) + int(fields[12])) / CLK_TCK
        except (OSError, IndexError):
            pass
    return out


def profile_target(name: str, proc: hs.Proc, fake: hs.Proc, body: str, headers: dict[str, str], seconds: float,
                   cpu: int | None, watch: dict[str, list[int]], tmp: Path,
                   run_load: Callable[[dict[str, Any], float], dict[str, Any]], stream: bool = False) -> str:
    """py-spy (non-blocking, pinned with the load generator) on one proxy under the c=32 load (JSON or `stream`).

    The fake upstream moves to the load generator's core meanwhile: py-spy samples wall-clock "running" threads,
    and a proxy preempted by the upstream it just woke on the same core would be charged the upstream's time.
    py-spy also counts a thread waiting in a system call it does not know as idle (the ledger writer's fdatasync) as
    running, so the threads' real CPU per request is read from /proc in the same window and printed above the profile.
    """
    import profile_hotpath  # the other bench script's per-layer and per-function summary

    if not shutil.which("py-spy"):  # (harness.py refuses --profile without it before starting anything)
        return "py-spy is not installed (pip install py-spy): no profile"
    mode = "stream" if stream else "json"
    raw = tmp / f"{name}-{mode}-c32.txt"
    cmd = ["py-spy", "record", "--pid", str(proc.proc.pid), "--rate", "250", "--format", "raw", "--nonblocking",
           "--duration", str(int(seconds)), "--output", str(raw)]
    if cpu is not None and shutil.which("taskset"):
        cmd = ["taskset", "-c", str(cpu), *cmd]
    home = fake.cpu
    fake.move_to(cpu)
    spy = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    job = {"kind": "closed", "url": proc.url + CHAT, "body": body, "headers": headers, "stream": stream, "conc": 32,
           "warmup": 0.5, "duration": max(seconds - 1.5, 1.0), "watch": watch, "cpu": cpu}
    before = thread_cpu(proc.proc.pid)
    try:
        res = run_load(job, seconds + 120)
        after = thread_cpu(proc.proc.pid)
        _, err = spy.communicate(timeout=seconds + 60)
    finally:
        if spy.poll() is None:  # stopped early (Ctrl-C, a signal, an error)
            spy.kill()
            spy.wait()
        fake.move_to(home)
    if spy.returncode != 0 or not raw.exists():
        return f"py-spy failed ({spy.returncode}): {err.strip()[-500:]}"
    answered = max(res["all_completed"], 1)  # (the warm-up's answers too: the thread times span it)
    main = after.get(str(proc.proc.pid), 0.0) - before.get(str(proc.proc.pid), 0.0)
    others = sum(v - before.get(t, 0.0) for t, v in after.items() if t != str(proc.proc.pid))
    head = (f"== {name} {mode}: {res['rps']:.0f} req/s under the profiler (py-spy 250 Hz, --nonblocking; the fake upstream "
            f"moved to core {cpu} meanwhile); thread CPU from /proc: event loop's {main / answered * 1e6:.0f} µs/request, "
            f"other threads' {others / answered * 1e6:.0f}; raw stacks: {raw} (kept with --keep)")
    return head + "\n" + profile_hotpath.summarise(raw, res["cpu_us_per_req"][name], 30)
