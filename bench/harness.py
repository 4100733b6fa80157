"""Issue #8 harness: larouterd (everything on) vs a bare aiohttp proxy vs the LiteLLM proxy, one run, one command.

    python bench/harness.py --quick     # ~3 minutes: 1 repetition x 2 s per cell; prints, writes a temp report
    python bench/harness.py             # ~15 minutes: 4 repetitions x 5 s per cell; writes bench/RESULTS.md

Only a run with every default (targets, modes, concurrency, streams, reps, duration, warm-up, ...; no candidate)
replaces bench/RESULTS.md; any other run writes its report to a temp file (path printed), as --quick does.

Starts, each in its own process and pinned (2 cores: every server on core 1, the load generator on core 0):
the fake upstream (bench/fake_upstream.py), the bare proxy (bench/bare_proxy.py), larouterd (auth with a
project token, `model: "auto"` routing to a priced chain on the fake, budgets, the DuckDB ledger, log level
warning) and the LiteLLM proxy (PyPI, own venv, 1 worker). One load generator (bench/harness_load.py, an
aiohttp client in its own process) drives each at concurrency 1, 32 and 256, JSON and streaming; then
larouterd's RSS is read idle and with 1,000 open streams (bench/harness_upstream.py holds them open).
See bench/README.md for the method. Run by hand from the repository root; never part of the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform
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
import harness_report as report  # noqa: E402  (bench/ is not a package)
import harness_servers as hs  # noqa: E402
from harness_hold import hold_phase, profile_target  # noqa: E402

TARGETS = ("direct", "bare", "larouterd", "candidate", "litellm")
CHAT = "/v1/chat/completions"


def request_body(stream: bool) -> str:
    """A small agent turn (system prompt + user message), the same bytes for every target."""
    body: dict[str, Any] = {"model": "auto", "messages": [
        {"role": "system", "content": "You are a careful, concise assistant. " * 12},
        {"role": "user", "content": "Summarise the plot of Hamlet in two sentences."}], "temperature": 0.2, "max_tokens": 128}
    if stream:
        body.update(stream=True, stream_options={"include_usage": True})
    return json.dumps(body)


def run_load(job: dict[str, Any], timeout: float) -> dict[str, Any]:
    """One job in a fresh load-generator process; its JSON result."""
    cmd = [sys.executable, str(hs.BENCH / "harness_load.py"), json.dumps(job)]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"load generator failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def layout(names: list[str]) -> tuple[int | None, dict[str, int | None], str]:
    """Cores: the load generator on the first allowed core, the servers on the others."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    if len(cores) < 2:
        return None, {n: None for n in names}, f"not pinned ({len(cores) or '?'} core(s) available)"
    rest = cores[1:]
    pins = {n: rest[0] if len(rest) == 1 or n.startswith(("fake", "slow")) else rest[1 + i % (len(rest) - 1)]
            for i, n in enumerate(names)}
    os.sched_setaffinity(0, {cores[0]})
    return cores[0], pins, ""


def sanity(servers: dict[str, hs.Proc], headers: dict[str, dict[str, str]]) -> None:
    """Every target answers both modes; larouterd routed `auto` through the priced chain with a budget."""
    for target, proc in servers.items():
        for stream in (False, True):
            req = urllib.request.Request(proc.url + CHAT, data=request_body(stream).encode(),
                                         headers={"Content-Type": "application/json", **headers[target]})
            with urllib.request.urlopen(req, timeout=30) as resp:
                data = resp.read()
                if stream and not data.rstrip().endswith(b"data: [DONE]"):
                    raise SystemExit(f"sanity check: {target} stream did not end with [DONE]: {data[-300:]!r}")
                if target in ("larouterd", "candidate"):
                    h = resp.headers
                    if h.get("x-larouter-provider") != "openai" or not h.get("x-larouter-tier") \
                            or h.get("x-larouter-budget-remaining") is None:
                        raise SystemExit(f"sanity check: larouterd did not route auto with a budget: {dict(h)}")
                    print(f"  {target}: tier {h['x-larouter-tier']} -> {h['x-larouter-model']} via openai (fake), "
                          f"budget remaining {h['x-larouter-budget-remaining']}", file=sys.stderr)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true", help="1 repetition x 2 s per cell (~3 min)")
    p.add_argument("--reps", type=int, help="interleaved repetitions per cell (default 4, quick 1)")
    p.add_argument("--duration", type=float, help="measured seconds per run (default 5, quick 2)")
    p.add_argument("--warmup", type=float, help="warm-up seconds per run (default 1, quick 0.5)")
    p.add_argument("--concurrency", default="1,32,256")
    p.add_argument("--modes", default="json,stream")
    p.add_argument("--targets", default="direct,bare,larouterd,litellm",
                   help="subset of " + ",".join(TARGETS) + " (candidate: added by --candidate-src)")
    p.add_argument("--chunks", type=int, default=8, help="content chunks per streamed answer")
    p.add_argument("--streams", type=int, default=1000, help="concurrent streams for the open-streams RSS phase (0: skip it)")
    p.add_argument("--stream-gap-ms", type=float, default=1500, help="upstream delay between events in that phase")
    p.add_argument("--max-foreign", type=float, default=0.3, metavar="CORES",
                   help="repeat a run when other processes kept more than this many cores busy")
    p.add_argument("--retries", type=int, help="repeats of a disturbed run (default 1, quick 0)")
    p.add_argument("--larouterd-log-level", default="warning")
    p.add_argument("--larouter-src", type=Path, default=hs.ROOT, metavar="DIR",
                   help="run larouterd from this source tree (e.g. a patched copy) instead of the checkout")
    p.add_argument("--candidate-src", type=Path, metavar="DIR",
                   help="also measure a second larouterd (target 'candidate') from this tree, interleaved with the rest")
    p.add_argument("--litellm-venv", type=Path, default=Path("/tmp/larouter-bench-litellm"))
    p.add_argument("--litellm-spec", default="litellm[proxy]", help="what pip installs into that venv")
    p.add_argument("--profile", type=float, default=0.0, metavar="SECONDS",
                   help="also sample larouterd (and bare) with py-spy under the c=32 load of each mode for this long "
                        "(needs py-spy on PATH: refused before anything starts without it)")
    p.add_argument("--results", type=Path, help="Markdown report (default: bench/RESULTS.md for a full run, one with the "
                   "default targets, modes, concurrency, streams, reps, duration, warm-up, chunks, stream gap, log level "
                   "and source tree and no candidate; any other run, --quick included: a temp file, path printed)")
    p.add_argument("--json", type=Path, help="also write every run as JSON")
    p.add_argument("--keep", action="store_true", help="keep the temp directory (server logs)")
    args = p.parse_args(argv)
    if args.profile and not shutil.which("py-spy"):
        raise SystemExit("harness.py: --profile needs py-spy on PATH (pip install py-spy); no server was started")
    args.reps = args.reps or (1 if args.quick else 4)
    args.duration = args.duration or (2.0 if args.quick else 5.0)
    args.warmup = args.warmup if args.warmup is not None else (0.5 if args.quick else 1.0)
    args.retries = args.retries if args.retries is not None else (0 if args.quick else 1)
    full = p.parse_args([])  # every default: the only run that replaces bench/RESULTS.md
    full.reps, full.duration, full.warmup = 4, 5.0, 1.0
    args.partial = args.quick or args.candidate_src is not None or any(getattr(args, k) != getattr(full, k) for k in (
        "concurrency", "modes", "targets", "streams", "reps", "duration", "warmup", "chunks", "stream_gap_ms",
        "larouterd_log_level", "larouter_src"))
    return args


def machine(src: Path) -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo").read_text()
    model = next((ln.split(":", 1)[1].strip() for ln in cpuinfo.splitlines() if ln.startswith("model name")), "?")
    mem = int(next(ln.split()[1] for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal")))
    git = subprocess.run(["git", "-C", str(src), "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(src), "status", "--porcelain", "--", "larouter"], capture_output=True,
                           text=True).stdout.strip()
    if src != hs.ROOT:
        git = subprocess.CompletedProcess([], 0, f"{src} (not the checkout)")
    sys.path.insert(0, str(src))
    import larouter
    return {"cores": os.cpu_count(), "cpu_model": model, "mem_gb": mem / 2**20, "kernel": platform.release(),
            "python": platform.python_version(), "aiohttp": aiohttp.__version__, "larouter": larouter.__version__,
            "git": f"commit {git.stdout.strip() or '?'}" + (" + uncommitted larouter/ changes" if dirty else ""),
            "load_start": os.getloadavg()[0]}


def matrix(args: argparse.Namespace, servers: dict[str, hs.Proc], headers: dict[str, dict[str, str]],
           cpu: int | None, watch: dict[str, list[int]]) -> list[dict[str, Any]]:
    """Every (mode, concurrency) cell on every target, interleaved, `reps` times."""
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    concs = [int(c) for c in args.concurrency.split(",")]
    targets = [t for t in TARGETS if t in servers]
    cells = [(mode, conc) for mode in modes for conc in concs]
    runs, n, total = [], 0, args.reps * len(cells) * len(targets)
    for rep in range(args.reps):
        for k, (mode, conc) in enumerate(cells):
            shift = (rep + k) % len(targets)
            for target in targets[shift:] + targets[:shift]:
                job = {"kind": "closed", "url": servers[target].url + CHAT, "body": request_body(mode == "stream"),
                       "headers": headers[target], "stream": mode == "stream", "conc": conc, "warmup": args.warmup,
                       "duration": args.duration, "watch": watch, "cpu": cpu}
                answered = 0  # every answer of every attempt (the ledger records them all)
                for attempt in range(args.retries + 1):
                    for proc in servers.values():
                        proc.reset_hwm()
                    res = run_load(job, timeout=args.warmup + args.duration + 240)
                    answered += res["all_completed"]
                    if res["foreign_cores"] <= args.max_foreign or attempt == args.retries:
                        break
                    print(f"      others kept {res['foreign_cores']:.2f} cores busy: repeating", file=sys.stderr)
                    time.sleep(2)
                hwm = {name: proc.hwm_mb() for name, proc in servers.items()}
                runs.append({"rep": rep, "mode": mode, "conc": conc, "target": target, "attempts": attempt + 1,
                             "answered": answered, "result": res, "hwm_mb": {hs_name(name): v for name, v in hwm.items()}})
                n += 1
                lat = res["latency"]
                print(f"[{n:>3}/{total}] {mode:<6} c={conc:<3} {target:<9} {res['rps']:8.0f} req/s  p50 "
                      f"{report._f(lat['p50'], '.3f')}  p99 {report._f(lat['p99'], '.3f')} ms  errors "
                      f"{sum(res['errors'].values())}  loadgen {res['loadgen_cores']:.2f} cores  others "
                      f"{res['foreign_cores']:.2f}" + ("  TOO FEW requests in the window (shorter than its latency): "
                                                       "not a measurement" if report.too_few(runs[-1]) else ""),
                      file=sys.stderr, flush=True)
    return runs


def hs_name(target: str) -> str:
    return report.SERVER_OF.get(target, target)


class Stopped(SystemExit):
    """SIGTERM (`kill`, `timeout`) or SIGHUP (the terminal closed): the run unwinds, stopping every server it started
    (they run in sessions of their own, so no signal of the terminal reaches them)."""


def on_signal(signum: int, _frame: Any) -> None:
    raise Stopped(128 + signum)


def stop_all(procs: list[hs.Proc]) -> None:
    """Stop every process; a second Ctrl-C or signal meanwhile is ignored, so none is left running."""
    held = {sig: signal.signal(sig, signal.SIG_IGN) for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        for proc in procs:
            proc.stop()
    finally:
        for sig, handler in held.items():
            signal.signal(sig, handler)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(sig, on_signal)
    tmp = Path(tempfile.mkdtemp(prefix="larouter-harness-"))
    try:
        return run(args, argv, tmp)
    except (KeyboardInterrupt, Stopped) as exc:
        signum = int(exc.code) - 128 if isinstance(exc, Stopped) else signal.SIGINT  # type: ignore[arg-type]
        code, why = 128 + signum, ("interrupted (Ctrl-C)" if signum == signal.SIGINT
                                   else f"stopped by {signal.Signals(signum).name}")
        kept = f"; logs kept in {tmp}" if args.keep else ""
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        try:
            print(f"harness: {why}; every process it started is stopped{kept}", file=sys.stderr)
        except OSError:  # the terminal is gone (SIGHUP)
            pass
        return code
    except BaseException:  # an error (its message or traceback follows): the temp dir holds no report
        if not args.keep:
            shutil.rmtree(tmp, ignore_errors=True)
        raise


def run(args: argparse.Namespace, argv: list[str] | None, tmp: Path) -> int:
    """The whole run, its logs and (for a quick or narrowed run) its report in `tmp`."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 1,000 streams: 2-3 sockets each; children inherit
    meta = {**machine(args.larouter_src.resolve()), "started": time.strftime("%Y-%m-%d %H:%M:%S %Z"), "quick": args.quick,
            "command": "python bench/harness.py" + ("".join(" " + shlex.quote(a) for a in sys.argv[1:]) if argv is None else "")}
    wanted = [t.strip() for t in args.targets.split(",")] + (["candidate"] if args.candidate_src else [])
    meta["litellm"] = hs.ensure_litellm(args.litellm_venv, args.litellm_spec) if "litellm" in wanted else "not run"
    cpu, pins, unpinned = layout(["fake", "bare", "larouterd", "candidate", "litellm", "slow-upstream", "bare-slow"])
    print(f"logs in {tmp}", file=sys.stderr)
    servers: dict[str, hs.Proc] = {}
    extra: list[hs.Proc] = []
    try:
        servers["direct"] = hs.start_fake(tmp, pins["fake"], args.chunks)
        fake = servers["direct"].url
        if "bare" in wanted:
            servers["bare"] = hs.start_bare(tmp, pins["bare"], fake)
        servers["larouterd"], project = hs.start_larouterd(tmp, pins["larouterd"], fake, args.larouterd_log_level,
                                                          args.larouter_src.resolve())
        headers = {"litellm": {"Authorization": f"Bearer {hs.LITELLM_KEY}"}}
        if args.candidate_src:
            servers["candidate"], cand = hs.start_larouterd(tmp, pins["candidate"], fake, args.larouterd_log_level,
                                                            args.candidate_src.resolve(), name="candidate")
            headers["candidate"] = {"Authorization": f"Bearer {cand['token']}"}
        if "litellm" in wanted:
            servers["litellm"] = hs.start_litellm(tmp, pins["litellm"], args.litellm_venv, fake)
        token = {"Authorization": f"Bearer {project['token']}"}
        headers.update(direct=token, bare=token, larouterd=token)
        time.sleep(2)
        rss: dict[str, Any] = {"servers": {hs_name(t): {"idle_cold": p.rss_mb(), "detail": p.mem_detail()}
                                           for t, p in servers.items()}}
        meta["pinning"] = unpinned or (f"load generator and this script on core {cpu}; " + "; ".join(
            f"{hs_name(t)} on core {p.affinity()}" for t, p in servers.items()) + " (from each thread's Cpus_allowed_list)")
        sanity(servers, headers)
        watch = {hs_name(t): p.pids for t, p in servers.items()}
        warmed = 2  # the sanity check's two requests
        for target, proc in servers.items():  # warm every target (LiteLLM's first requests are slow)
            for stream in (False, True):
                done = run_load({"kind": "closed", "url": proc.url + CHAT, "body": request_body(stream), "headers": headers[target],
                          "stream": stream, "conc": 32, "warmup": 0.5, "duration": 1.0, "watch": {}, "cpu": cpu}, 300)
                warmed += done["all_completed"] if target == "larouterd" else 0
        runs = matrix(args, {t: servers[t] for t in TARGETS if t in servers and t in wanted}, headers, cpu, watch)
        time.sleep(3)
        for t, p in servers.items():
            rss["servers"][hs_name(t)].update(idle_warm=p.rss_mb(), peak=max(
                (r["hwm_mb"].get(hs_name(t), 0.0) for r in runs), default=0.0))
        rss["idle_cold_mb"] = rss["servers"]["larouterd"]["idle_cold"]
        rss["idle_warm_mb"] = rss["servers"]["larouterd"]["idle_warm"]
        lar = servers["larouterd"]
        usage = json.loads(urllib.request.urlopen(f"{lar.url}/api/usage?period=all&projectId={project['id']}").read())
        sent = warmed + sum(r["answered"] for r in runs if r["target"] == "larouterd")
        meta["ledger"] = (f"{usage['totalCalls']:,} calls recorded in DuckDB for the bench project; the load generator "
                          f"had {sent:,} answers from larouterd (a request cut off at the end of a run would be recorded too, "
                          f"as a 499); {usage.get('succeededCalls', 0):,} succeeded; spend ${usage.get('totalCost', 0):.4f}")
        profile = None
        if args.profile:
            profile = "\n\n".join(
                profile_target(hs_name(t), servers[t], servers["direct"], request_body(stream), token, args.profile, cpu,
                               watch, tmp, run_load, stream)
                for t in ("larouterd", "bare") if t in servers
                for stream in (False, True) if ("stream" if stream else "json") in args.modes.split(","))
        if args.streams > 0:
            rss.update(asyncio.run(hold_phase(args, lar, tmp, pins, cpu, token, extra)))
    finally:
        stop_all([*extra, *reversed(list(servers.values()))])
    foreign = [r["result"]["foreign_cores"] for r in runs]
    meta.update(load_end=os.getloadavg()[0], foreign_median=statistics.median(foreign), foreign_max=max(foreign),
                repeated=sum(r["attempts"] - 1 for r in runs),
                disturbed_kept=sum(r["result"]["foreign_cores"] > args.max_foreign for r in runs),
                loadgen=f"bench/harness_load.py: an aiohttp {aiohttp.__version__} client in its own process, closed loop "
                        f"(each of `c` connections sends its next request when the previous answer has ended)",
                method=f"{args.reps} interleaved repetition(s) per cell, target order rotated; {args.warmup:g} s warm-up, "
                       f"then a {args.duration:g} s measured window; figures are medians over repetitions, added latency "
                       f"the median of per-repetition differences; stream latency is to the end of the stream, TTFB to "
                       f"the first body byte")
    summary = report.summarise(runs)
    print("\n" + report.terminal(summary, rss))
    block = report.markdown(meta, summary, rss, profile)
    partial = args.partial  # only a run with every default replaces bench/RESULTS.md
    out = args.results or (tmp / "RESULTS-partial.md" if partial else hs.BENCH / "RESULTS.md")
    report.write_results(out, block)
    print(f"\nreport written to {out}")
    if args.json:
        args.json.write_text(json.dumps({"meta": meta, "rss": rss, "runs": runs}, indent=1, default=str))
    if not args.keep and out.resolve().parent != tmp.resolve():  # (a quick or narrowed run's report is in it)
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
