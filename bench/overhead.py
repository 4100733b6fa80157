"""Proxy overhead benchmark: the same load, in the same run, against three targets.

  direct     the fake OpenAI-compatible upstream (bench/fake_upstream.py)
  bare       a bare aiohttp pass-through proxy in front of it (bench/bare_proxy.py): the floor
  larouterd  the real daemon (`python -m larouter.daemon --config ...`) in front of it
  candidate  optional: a second larouterd from another source tree (--candidate-src), for A/B

Each server runs in its own process on a loopback port it picks itself; this process is the
load generator (`wrk` when installed, else an aiohttp client with a pooled connector). Every
cell (JSON or SSE stream x concurrency) runs the targets back to back, in an order rotated on
each repetition, after a warm-up; figures are medians over the repetitions, and "added"
latency is the median of the per-repetition differences against `direct` (or `bare`). Stream
latency is the time to the end of the stream ([DONE] and the end of the body received). The
CPU time each server spends per request is read from /proc, and runs during which other
processes kept the machine busy are repeated.

Run by hand, from the repository root (never part of the test suite):

  python bench/overhead.py                   # full run, about 6 minutes on a quiet machine
  python bench/overhead.py --quick           # short run, about 1.5 minutes
  python bench/overhead.py --json out.json   # also write every run and the summary as JSON
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import re
import resource
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness_servers import free_port  # noqa: E402  (bench/ is not a package)

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
TARGETS = ("direct", "bare", "larouterd")  # + "candidate" with --candidate-src / --candidate-cmd
ROUTERS = ("larouterd", "candidate")
MODEL = "bench-model"
CHAT = "/v1/chat/completions"
DONE = b"data: [DONE]\n\n"
CLK_TCK = os.sysconf("SC_CLK_TCK")
TARGET_RATIO = 0.75
TARGET_ADDED_P50_MS = 0.3


# ----------------------------------------------------------------------------- servers


def host_cpu() -> tuple[float, float]:
    """Busy and steal CPU seconds of the whole machine so far (all cores, from /proc/stat)."""
    fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (fields + [0] * 8)[:8]
    return (user + nice + system + irq + softirq) / CLK_TCK, steal / CLK_TCK


class Meter:
    """CPU used during a measured phase: per server, by the load generator, and by anything else."""

    def __init__(self, servers: dict[str, "Server"], who: int) -> None:
        self.servers = servers
        self.who = who  # resource.RUSAGE_SELF (aiohttp load generator) or RUSAGE_CHILDREN (wrk)
        self.start = self._snap()

    def _snap(self) -> dict[str, float]:
        use = resource.getrusage(self.who)
        snap = {name: srv.cpu_seconds() for name, srv in self.servers.items()}
        snap["loadgen"] = use.ru_utime + use.ru_stime
        snap["_host"], snap["_steal"] = host_cpu()
        snap["_t"] = time.perf_counter()
        return snap

    def stop(self, count: int) -> dict[str, Any]:
        """CPU microseconds per request for each process, and the cores other processes kept busy."""
        end = self._snap()
        delta = {k: end[k] - self.start[k] for k in end}
        ours = sum(v for k, v in delta.items() if not k.startswith("_"))
        return {
            "cpu_us_per_req": {k: v / count * 1e6 for k, v in delta.items() if not k.startswith("_")},
            "foreign_cores": max(0.0, delta["_host"] - ours) / delta["_t"],
            "steal_cores": delta["_steal"] / delta["_t"],
        }


LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")


class Server:
    """One server subprocess, started with `--port 0`: it binds a free port itself and logs the address."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], log: Path, cwd: Path = ROOT,
                 url: str = "") -> None:
        self.name = name
        self.url = url  # known up front when the server logs no address (larouterd above --log-level info)
        self.log = log
        self._log_fh = log.open("wb")
        self.proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=self._log_fh, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout: float = 30.0) -> None:
        """Wait for the logged address (no port race with other processes), then for /health to answer 200."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.proc.returncode}; log:\n{self.log.read_text()}")
            if not self.url:
                found = LISTENING.search(self.log.read_text(errors="replace"))
                if found is None:
                    time.sleep(0.05)
                    continue
                self.url = found.group(1)
            try:
                with urllib.request.urlopen(self.url + "/health", timeout=1) as resp:
                    if resp.status == 200:
                        return
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"{self.name} did not become ready in {timeout} s; log:\n{self.log.read_text()}")

    def cpu_seconds(self) -> float:
        """User + system CPU time the process has used so far (from /proc)."""
        try:
            stat = Path(f"/proc/{self.proc.pid}/stat").read_text()
        except OSError:
            return float("nan")
        fields = stat.rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / CLK_TCK

    def stop(self) -> None:
        """SIGTERM, a grace period, then SIGKILL; always reaped."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)
        self._log_fh.close()


def larouterd_config(fake_url: str) -> str:
    """A config with one provider, `bench`, serving `bench-model` from the fake upstream."""
    return (
        f'[routing]\ndefault_model = "{MODEL}"\n\n'
        f'[providers.bench]\nbase_url = "{fake_url}/v1"\napi_key_env = "BENCH_FAKE_KEY"\nmodels = ["{MODEL}"]\n'
    )


def server_env(tmp: Path, src: Path = ROOT) -> dict[str, str]:
    """The environment less provider keys and LAROUTER_* settings, with an isolated home; `src` first on the path."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.startswith("LAROUTER_")}
    env.update(
        LAROUTER_HOME=str(tmp / "home"), XDG_CONFIG_HOME=str(tmp / "xdg"), BENCH_FAKE_KEY="sk-bench-0123456789abcdef",
        PYTHONPATH=os.pathsep.join(p for p in (str(src), env.get("PYTHONPATH", "")) if p),
    )
    return env


def start_servers(tmp: Path, args: argparse.Namespace) -> dict[str, Server]:
    """Start the fake upstream, the bare proxy and larouterd; wait until each answers."""
    env = server_env(tmp)
    py = sys.executable
    servers: dict[str, Server] = {}
    try:
        servers["fake"] = Server("fake", [py, str(BENCH / "fake_upstream.py"), "--port", "0",
                                          "--chunks", str(args.chunks)], env, tmp / "fake.log")
        servers["fake"].wait_ready()
        fake_url = servers["fake"].url
        servers["bare"] = Server("bare", [py, str(BENCH / "bare_proxy.py"), "--port", "0",
                                          "--upstream", fake_url], env, tmp / "bare.log")
        cfg = tmp / "larouter.toml"
        cfg.write_text(larouterd_config(fake_url))
        routers = {"larouterd": (args.larouterd_cmd, getattr(args, "larouter_src", None))}
        if getattr(args, "candidate_src", None) or getattr(args, "candidate_cmd", None):
            routers["candidate"] = (args.candidate_cmd or args.larouterd_cmd, args.candidate_src)
        for name, (template, src_dir) in routers.items():
            cmd = shlex.split(template.replace("{python}", shlex.quote(py)))
            quiet = getattr(args, "larouterd_log_level", None) in ("warning", "error") or "--log-level" in template
            port = free_port() if quiet else 0  # a quiet larouterd does not log its address: choose the port here
            cmd += ["--host", "127.0.0.1", "--port", str(port), "--config", str(cfg)]
            if getattr(args, "larouterd_log_level", None):
                cmd += ["--log-level", args.larouterd_log_level]
            src = Path(src_dir or ROOT).resolve()
            (tmp / name).mkdir()
            servers[name] = Server(name, cmd, server_env(tmp / name, src), tmp / f"{name}.log", cwd=src,
                                   url=f"http://127.0.0.1:{port}" if port else "")
        for name in ("bare", *routers):
            servers[name].wait_ready()
    except BaseException:
        for srv in servers.values():
            srv.stop()
        raise
    return servers


# ----------------------------------------------------------------------------- load


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


# ----------------------------------------------------------------------------- checks


def target_urls(servers: dict[str, Server]) -> dict[str, str]:
    """Base URL of each target, in TARGETS order (direct = the fake upstream itself)."""
    urls = {"direct": servers["fake"].url}
    urls.update((name, srv.url) for name, srv in servers.items() if name != "fake")
    return urls


async def sanity_check(servers: dict[str, Server]) -> None:
    """Each target answers JSON and a complete stream with the same content; larouterd adds its headers."""
    urls = target_urls(servers)
    async with aiohttp.ClientSession(headers={"Content-Type": "application/json"}) as session:
        for stream in (False, True):
            bodies = {}
            for target, url in urls.items():
                async with session.post(url + CHAT, data=request_body(stream)) as resp:
                    data = await resp.read()
                    if resp.status != 200 or (stream and not data.endswith(DONE)):
                        raise SystemExit(f"sanity check failed: {target} answered HTTP {resp.status}: {data[:500]!r}")
                    if target in ROUTERS and resp.headers.get("x-larouter-provider") != "bench":
                        raise SystemExit(f"sanity check failed: {target} did not route to the bench provider")
                bodies[target] = data
            if len(set(bodies.values())) != 1:
                print(f"warning: the targets' {'stream' if stream else 'JSON'} bodies differ "
                      f"({ {t: len(b) for t, b in bodies.items()} } bytes)", file=sys.stderr)


# ----------------------------------------------------------------------------- report


def summarise(runs: list[dict[str, Any]], cells: list[tuple[str, int]]) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    """Medians over repetitions, paired added latencies, and the two target ratios."""
    by = {(r["mode"], r["conc"], r["target"], r["rep"]): r for r in runs}
    reps = sorted({r["rep"] for r in runs})
    targets = [t for t in (*TARGETS, "candidate") if any(r["target"] == t for r in runs)]
    rows = []
    for mode, conc in cells:
        for target in targets:
            mine = [by[(mode, conc, target, rep)] for rep in reps]
            row: dict[str, Any] = {"mode": mode, "conc": conc, "target": target, "reps": len(mine)}
            for key in ("rps", "p50_ms", "p90_ms", "p99_ms", "mean_ms"):
                row[key] = statistics.median(r[key] for r in mine)
            row["rps_min"] = min(r["rps"] for r in mine)
            row["rps_max"] = max(r["rps"] for r in mine)
            for base in ("direct", "bare"):
                if target == base or (base == "bare" and target == "direct"):
                    continue
                for key in ("p50_ms", "p99_ms"):
                    diffs = [by[(mode, conc, target, rep)][key] - by[(mode, conc, base, rep)][key] for rep in reps]
                    row[f"added_{key}_vs_{base}"] = statistics.median(diffs)
            row["cpu_us_per_req"] = {
                name: statistics.median(r["cpu_us_per_req"][name] for r in mine) for name in mine[0]["cpu_us_per_req"]
            }
            rows.append(row)
    ratios: dict[str, Any] = {}
    find = {(r["mode"], r["conc"], r["target"]): r for r in rows}
    for router in (t for t in ROUTERS if t in targets):
        prefix = "" if router == "larouterd" else f"{router}_"
        for mode, conc in cells:
            bare, lar = find[(mode, conc, "bare")], find[(mode, conc, router)]
            ratios[f"{prefix}throughput_ratio_{mode}_c{conc}"] = lar["rps"] / bare["rps"]
            ratios[f"{prefix}added_p50_ms_over_bare_{mode}_c{conc}"] = lar["added_p50_ms_vs_bare"]
            ratios[f"{prefix}proxy_cpu_us_per_req_{mode}_c{conc}"] = {
                "bare": bare["cpu_us_per_req"]["bare"], router: lar["cpu_us_per_req"][router]}
    return rows, ratios


def _fmt(value: float | None, spec: str) -> str:
    return "" if value is None else format(value, spec)


def print_report(rows: list[dict[str, Any]], ratios: dict[str, Any], cells: list[tuple[str, int]], meta: dict[str, Any]) -> None:
    """The table, then the two target ratios with a verdict."""
    print(f"\n{meta['reps']} interleaved repetitions per cell, loadgen={meta['loadgen']}, {meta['per_run']}; "
          f"medians over repetitions; added = median of per-repetition differences.")
    print(f"larouter from {meta['larouter_src']} ({meta['git']}); load average {meta['loadavg_start'][0]:.2f} at start, "
          f"{meta['loadavg_end'][0]:.2f} at end; other processes busy during runs: median {meta['foreign_median']:.2f} "
          f"cores, max {meta['foreign_max']:.2f}; {meta['disturbed_runs']} run(s) kept although disturbed, "
          f"{meta['repeated_runs']} repeated.")
    head = (f"{'mode':<6} {'conc':>4} {'target':<10} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} "
            f"{'+p50 vs direct':>14} {'+p99 vs direct':>14} {'+p50 vs bare':>12} {'+p99 vs bare':>12} "
            f"{'proxy CPU us/req':>16}")
    print(head)
    print("-" * len(head))
    for row in rows:
        proxy_cpu = row["cpu_us_per_req"].get(row["target"]) if row["target"] != "direct" else None
        print(f"{row['mode']:<6} {row['conc']:>4} {row['target']:<10} {row['rps']:>8.0f} {row['p50_ms']:>7.3f} "
              f"{row['p99_ms']:>7.3f} {_fmt(row.get('added_p50_ms_vs_direct'), '+14.3f'):>14} "
              f"{_fmt(row.get('added_p99_ms_vs_direct'), '+14.3f'):>14} {_fmt(row.get('added_p50_ms_vs_bare'), '+12.3f'):>12} "
              f"{_fmt(row.get('added_p99_ms_vs_bare'), '+12.3f'):>12} {_fmt(proxy_cpu, '16.0f'):>16}")
    for router in ROUTERS:
        prefix = "" if router == "larouterd" else f"{router}_"
        if f"{prefix}throughput_ratio_{cells[0][0]}_c{cells[0][1]}" not in ratios:
            continue
        print()
        for mode, conc in cells:
            ratio = ratios[f"{prefix}throughput_ratio_{mode}_c{conc}"]
            mark = "meets" if ratio >= TARGET_RATIO else "misses"
            cpu = ratios[f"{prefix}proxy_cpu_us_per_req_{mode}_c{conc}"]
            print(f"throughput {router}/bare  {mode:<6} c={conc:<3} {ratio:5.2f}  ({mark} target >= {TARGET_RATIO}); "
                  f"CPU per request bare/{router} {cpu['bare']:.0f}/{cpu[router]:.0f} us = {cpu['bare'] / cpu[router]:.2f}")
        for mode, conc in cells:
            if conc != 1:
                continue
            added = ratios[f"{prefix}added_p50_ms_over_bare_{mode}_c{conc}"]
            mark = "meets" if added < TARGET_ADDED_P50_MS else "misses"
            print(f"added p50 {router}-bare   {mode:<6} c={conc:<3} {added:5.3f} ms  ({mark} target < {TARGET_ADDED_P50_MS} ms)")


# ----------------------------------------------------------------------------- main


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="LARouter proxy overhead benchmark (direct vs bare proxy vs larouterd).")
    parser.add_argument("--quick", action="store_true", help="short run (2 repetitions, fewer requests)")
    parser.add_argument("--json", metavar="FILE", help="also write every run and the summary as JSON ('-' for stdout)")
    parser.add_argument("--loadgen", choices=("auto", "aiohttp", "wrk"), default="auto",
                        help="wrk (fixed duration; C, so the load generator takes little of the 2 cores), or the "
                             "aiohttp client in this process (fixed request count); auto = wrk when installed")
    parser.add_argument("--reps", type=int, help="repetitions per cell (default 5, quick 2)")
    parser.add_argument("--concurrency", default="1,32", help="comma-separated concurrency levels")
    parser.add_argument("--modes", default="json,stream", help="comma-separated: json, stream")
    parser.add_argument("--requests", type=int, help="aiohttp: measured requests per run at concurrency 1 "
                        "(x4 at higher concurrency; default 1500, quick 300)")
    parser.add_argument("--duration", type=float, help="wrk: seconds per measured run (default 5, quick 2)")
    parser.add_argument("--max-foreign", type=float, default=0.25, metavar="CORES",
                        help="repeat a run when other processes kept more than this many cores busy (default 0.25)")
    parser.add_argument("--retries", type=int, default=2, help="how often to repeat a disturbed run (default 2)")
    parser.add_argument("--chunks", type=int, default=8, help="content chunks per streamed answer (default 8)")
    parser.add_argument("--larouterd-cmd", default="{python} -m larouter.daemon",
                        help="command that starts larouterd ({python} = this interpreter); --host/--port/--config are appended")
    parser.add_argument("--larouterd-log-level", choices=("debug", "info", "warning", "error"),
                        help="larouterd --log-level (default: the daemon's own default, which logs one access line "
                             "per request)")
    parser.add_argument("--larouter-src", type=Path, metavar="DIR",
                        help="run larouterd from this source tree (e.g. an unpacked `git archive`) instead of the checkout")
    parser.add_argument("--candidate-src", type=Path, metavar="DIR",
                        help="also measure a second larouterd (target 'candidate') from this source tree, e.g. a "
                             "patched copy, interleaved with the others in the same run")
    parser.add_argument("--candidate-cmd", metavar="CMD", help="command for the candidate (default: --larouterd-cmd)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory with the server logs")
    return parser.parse_args(argv)


async def measure(args: argparse.Namespace, servers: dict[str, Server], tmp: Path) -> tuple[list[dict[str, Any]], list[tuple[str, int]]]:
    """Run every cell on every target, interleaved, `reps` times."""
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    concs = [int(c) for c in args.concurrency.split(",")]
    cells = [(mode, conc) for mode in modes for conc in concs]
    urls = target_urls(servers)
    targets = tuple(urls)
    base_n = args.requests or (300 if args.quick else 1500)
    seconds = args.duration or (2.0 if args.quick else 5.0)
    runs = []
    total = args.reps * len(cells) * len(targets)
    done = 0
    for rep in range(args.reps):
        for mode, conc in cells:
            order = targets[rep % len(targets):] + targets[:rep % len(targets)]
            for target in order:
                stream = mode == "stream"
                for attempt in range(args.retries + 1):
                    if args.loadgen == "wrk":
                        res = await run_wrk(urls[target], stream, conc, seconds, 1.0, servers, tmp)
                    else:
                        n = base_n if conc == 1 else base_n * 4
                        res = await run_aiohttp(urls[target], stream, conc, n, max(50, n // 5), servers)
                    if res["foreign_cores"] <= args.max_foreign:
                        break
                    print(f"      other processes kept {res['foreign_cores']:.2f} cores busy during that run: "
                          f"{'repeating it' if attempt < args.retries else 'keeping it'}", file=sys.stderr, flush=True)
                    if attempt < args.retries:
                        await asyncio.sleep(2.0)
                res.update(target=target, mode=mode, conc=conc, rep=rep, attempts=attempt + 1)
                runs.append(res)
                done += 1
                print(f"[{done:>3}/{total}] rep {rep} {mode:<6} c={conc:<3} {target:<10} {res['rps']:8.0f} req/s  "
                      f"p50 {res['p50_ms']:.3f} ms  p99 {res['p99_ms']:.3f} ms  (others: {res['foreign_cores']:.2f} cores)",
                      file=sys.stderr, flush=True)
    return runs, cells


def git_state(src: Path) -> str:
    """The commit larouter runs from, and whether its larouter/ has uncommitted changes."""
    try:
        head = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
        dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "--", "larouter"],
                               capture_output=True, text=True).stdout
    except OSError:
        return "unknown"
    if head.returncode != 0 or Path(src).resolve() != Path(
            subprocess.run(["git", "-C", str(src), "rev-parse", "--show-toplevel"], capture_output=True, text=True).stdout.strip()
    ).resolve():
        return "not a git checkout"
    return head.stdout.strip() + (" + uncommitted larouter/ changes" if dirty.strip() else "")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.reps is None:
        args.reps = 2 if args.quick else 5
    if args.loadgen == "auto":
        args.loadgen = "wrk" if shutil.which("wrk") else "aiohttp"
    if args.loadgen == "wrk" and not shutil.which("wrk"):
        raise SystemExit("wrk is not installed (apt-get install wrk), or use --loadgen aiohttp")
    tmp = Path(tempfile.mkdtemp(prefix="larouter-bench-"))
    meta = {
        "python": platform.python_version(), "aiohttp": aiohttp.__version__, "cpus": os.cpu_count(),
        "loadavg_start": os.getloadavg(), "loadgen": args.loadgen, "reps": args.reps, "chunks": args.chunks,
        "larouterd_cmd": args.larouterd_cmd, "larouter_src": str(args.larouter_src or ROOT), "git": git_state(args.larouter_src or ROOT),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "per_run": (f"{args.duration or (2.0 if args.quick else 5.0):g} s per run after 1 s warm-up" if args.loadgen == "wrk"
                    else f"{args.requests or (300 if args.quick else 1500)} requests per run at c=1 (x4 above), "
                         f"warm-up 1/5 of that"),
    }
    print(f"python {meta['python']}, aiohttp {meta['aiohttp']}, {meta['cpus']} CPUs, load average "
          f"{meta['loadavg_start'][0]:.2f}; larouter from {meta['larouter_src']} ({meta['git']}); logs in {tmp}",
          file=sys.stderr)
    servers = start_servers(tmp, args)

    def on_term(*_: Any) -> None:  # `kill` / `timeout`: never leave servers or wrk behind
        for proc in [*(srv.proc for srv in servers.values()), *RUNNING_WRK]:
            proc.terminate()
        raise SystemExit(143)

    signal.signal(signal.SIGTERM, on_term)
    try:
        asyncio.run(sanity_check(servers))
        runs, cells = asyncio.run(measure(args, servers, tmp))
    finally:
        for srv in reversed(list(servers.values())):
            srv.stop()
    meta["loadavg_end"] = os.getloadavg()
    foreign = [r["foreign_cores"] for r in runs]
    meta.update(foreign_median=statistics.median(foreign), foreign_max=max(foreign),
                disturbed_runs=sum(r["foreign_cores"] > args.max_foreign for r in runs),
                repeated_runs=sum(r["attempts"] - 1 for r in runs))
    rows, ratios = summarise(runs, cells)
    print_report(rows, ratios, cells, meta)
    if args.json:
        payload = json.dumps({"meta": meta, "summary": rows, "ratios": ratios, "runs": runs}, indent=2)
        if args.json == "-":
            print(payload)
        else:
            Path(args.json).write_text(payload + "\n")
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
