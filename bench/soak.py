"""Bounded load test (default 10 minutes) of larouterd with everything on; stops by itself.

    python bench/soak.py [--duration 600] [--concurrency 16] [--keep]

Starts bench/fake_upstream.py and a real larouterd (its own LAROUTER_HOME, a project with a
token and a budget, `model: "auto"` routed to a priced cloud chain, the DuckDB ledger) as
separate processes, drives a mix of JSON and streaming requests for --duration seconds,
samples larouterd's RSS, then stops it with SIGTERM, restarts it on the same home and counts
the ledger's records. Prints: requests served, errors by kind, records lost (target 0), RSS at
start and end (target: flat within 5%). --duration must cover the 60 s warm-up and three RSS
samples after it (90 s at least). The temp LAROUTER_HOME is removed at the end (kept with --keep,
or when the run fails).
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import shutil
import subprocess
import sys
import tempfile
import statistics
import time
import urllib.request
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
SAMPLE_EVERY = 10.0  # seconds between RSS samples
WARMUP = 60.0  # seconds of load before RSS counts as warm
MIN_DURATION = WARMUP + 3 * SAMPLE_EVERY  # the report compares thirds of the warm samples: at least 3 of them
from larouter.models.process import free_port  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
CODING = "Write a Python function that merges overlapping intervals and explain its complexity."




def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def wait_http(url: str, deadline: float = 30.0) -> None:
    end = time.monotonic() + deadline
    while time.monotonic() < end:
        try:
            urllib.request.urlopen(url, timeout=1).read()
            return
        except OSError:
            time.sleep(0.05)
    raise SystemExit(f"{url} did not come up")


def start_daemon(home: Path, cfg: Path, port: int, env: dict[str, str]) -> subprocess.Popen:
    log = open(home / "larouterd.log", "a")  # noqa: SIM115
    proc = subprocess.Popen([sys.executable, "-m", "larouter.daemon", "--port", str(port), "--config", str(cfg),
                             "--log-level", "warning"], env=env, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT)
    wait_http(f"http://127.0.0.1:{port}/health")
    return proc


async def worker(session: aiohttp.ClientSession, url: str, token: str, stop: float, stats: collections.Counter) -> None:
    i = 0
    while time.monotonic() < stop:
        i += 1
        stream = i % 2 == 0
        body = {"model": "auto", "messages": [{"role": "user", "content": CODING}], "stream": stream}
        try:
            async with session.post(url, json=body, headers={"Authorization": f"Bearer {token}"}) as r:
                data = await r.read()
                if r.status != 200:
                    stats[f"http_{r.status}"] += 1
                elif stream and not data.rstrip().endswith(b"data: [DONE]"):
                    stats["truncated_stream"] += 1
                else:
                    stats["ok"] += 1
        except (aiohttp.ClientError, asyncio.TimeoutError) as exc:
            stats[type(exc).__name__] += 1


async def load(url: str, token: str, duration: float, concurrency: int, pid: int) -> tuple[collections.Counter, list[float]]:
    stats: collections.Counter = collections.Counter()
    samples = [rss_mb(pid)]
    stop = time.monotonic() + duration
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=30)) as s:
        tasks = [asyncio.create_task(worker(s, url, token, stop, stats)) for _ in range(concurrency)]
        try:
            while time.monotonic() < stop:
                await asyncio.sleep(min(SAMPLE_EVERY, max(stop - time.monotonic(), 0.01)))
                samples.append(rss_mb(pid))
                print(f"  t={duration - (stop - time.monotonic()):6.0f}s served={stats['ok']} rss={samples[-1]:.1f} MB",
                      flush=True)
            await asyncio.gather(*tasks)
        finally:  # Ctrl-C: the workers end before their session closes
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
    return stats, samples


def stop(proc: subprocess.Popen | None, timeout: float = 30.0) -> bool:
    """SIGTERM (larouterd flushes its ledger), SIGKILL only if it has not exited after `timeout` s; True if killed."""
    if proc is None or proc.poll() is not None:
        return False
    proc.terminate()
    try:
        proc.wait(timeout)
        return False
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
        return True


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--duration", type=float, default=600.0, help=f"seconds of load (at least {MIN_DURATION:.0f})")
    ap.add_argument("--concurrency", type=int, default=16)
    ap.add_argument("--keep", action="store_true", help="keep the temp LAROUTER_HOME (ledger, larouterd.log); "
                    "a run that fails keeps it anyway")
    args = ap.parse_args()
    if args.duration < MIN_DURATION:
        ap.error(f"--duration {args.duration:g} is too short: RSS counts as warm after {WARMUP:.0f} s of load, and the "
                 f"report compares the first and last thirds of the warm samples (one every {SAMPLE_EVERY:.0f} s): "
                 f"at least {MIN_DURATION:.0f} s")
    home = Path(tempfile.mkdtemp(prefix="lr-soak-"))
    upstream = daemon = None
    done = False
    try:
        up_port, port = free_port(), free_port()
        upstream = subprocess.Popen([sys.executable, str(ROOT / "bench" / "fake_upstream.py"), "--port", str(up_port)])
        wait_http(f"http://127.0.0.1:{up_port}/health")
        cfg = home / "config.toml"
        chain = '["gpt-4.1", "gpt-4o"]'
        cfg.write_text(f'[routing.policies.cost-optimized]\nMEDIUM = {chain}\nCOMPLEX = {chain}\nREASONING = {chain}\n')
        env = {**os.environ, "LAROUTER_HOME": str(home), "XDG_CONFIG_HOME": str(home),
               "OPENAI_BASE_URL": f"http://127.0.0.1:{up_port}/v1", "OPENAI_API_KEY": "sk-soak-000000000000"}
        daemon = start_daemon(home, cfg, port, env)
        base = f"http://127.0.0.1:{port}"
        req = urllib.request.Request(base + "/api/projects", data=json.dumps({"name": "soak", "budgetUsd": 1e6}).encode(),
                                     headers={"Content-Type": "application/json"})
        project = json.loads(urllib.request.urlopen(req).read())
        stats, samples = asyncio.run(load(base + "/v1/chat/completions", project["token"], args.duration,
                                          args.concurrency, daemon.pid))
        if daemon.poll() is not None:
            raise SystemExit(f"larouterd exited during the load (status {daemon.returncode}); see {home}/larouterd.log")
        if stop(daemon, 60):
            print("larouterd did not exit within 60 s of SIGTERM: killed (its last records may be lost)")
        daemon = start_daemon(home, cfg, port, env)
        usage = json.loads(urllib.request.urlopen(f"{base}/api/usage?period=all&projectId={project['id']}").read())
        done = True
    except KeyboardInterrupt:
        print("\nsoak: interrupted (Ctrl-C); larouterd and the fake upstream are stopped", file=sys.stderr)
        return 130
    finally:
        stop(daemon)
        stop(upstream)
        if done and not args.keep:
            shutil.rmtree(home, ignore_errors=True)
        else:
            print(f"LAROUTER_HOME kept: {home}", file=sys.stderr)
    served = stats["ok"]
    recorded = usage["totalCalls"]
    attempted = sum(stats.values())
    print(f"\nduration {args.duration:.0f} s, concurrency {args.concurrency}, half streaming")
    print(f"requests served: {served} ({served / args.duration:.0f}/s); errors: {dict((k, v) for k, v in stats.items() if k != 'ok') or 'none'}")
    print(f"records in the ledger: {recorded}; answered requests: {attempted}; records lost: {max(attempted - recorded, 0)}")
    print(rss_report(samples))
    return 0


def rss_report(samples: list[float]) -> str:
    """Flatness of RSS once warm: the allocator and DuckDB's buffers make single samples swing by several MB, so
    compare the median of the first third of the warm samples with the median of the last third, and fit a slope."""
    warm = samples[1 + int(WARMUP / SAMPLE_EVERY):]
    if len(warm) < 3:  # (main refuses a --duration that short)
        return f"larouterd RSS: start {samples[0]:.1f} MB, end {samples[-1]:.1f} MB; too few warm samples to judge"
    third = max(len(warm) // 3, 1)
    first, last = statistics.median(warm[:third]), statistics.median(warm[-third:])
    xs = [i * SAMPLE_EVERY / 60 for i in range(len(warm))]
    slope = statistics.linear_regression(xs, warm).slope if len(warm) > 1 else 0.0
    return (f"larouterd RSS: start {samples[0]:.1f} MB; warm (after {WARMUP:.0f} s): min {min(warm):.1f}, max "
            f"{max(warm):.1f} MB; median of the first third {first:.1f} MB, of the last third {last:.1f} MB "
            f"(last / first = {last / first:.3f}); trend {slope:+.2f} MB/min")


if __name__ == "__main__":
    sys.exit(main())
