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

The servers and the CPU meter are in bench/overhead_servers.py, the load generators in
bench/overhead_load.py, the summary and the printed table in bench/overhead_report.py.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent))
from overhead_load import CHAT, DONE, RUNNING_WRK, request_body, run_aiohttp, run_wrk  # noqa: E402  (bench/ is not a package)
from overhead_report import ROUTERS, print_report, summarise  # noqa: E402
from overhead_servers import ROOT, Server, start_servers  # noqa: E402


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
