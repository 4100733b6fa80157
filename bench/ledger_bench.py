"""Usage-ledger benchmark: ingestion, writer CPU, /api/usage latency, CSV export memory, proxy throughput on/off.

Run by hand from the repository root (never part of the test suite):
  python bench/ledger_bench.py            # full: 10M-row ledger, 1M-row export, 10 proxy rounds (~6 minutes)
  python bench/ledger_bench.py --quick    # 1M-row ledger, 100k-row export, 3 short proxy rounds

Every figure has a same-run baseline (RATIO_* lines): ingest = Ledger.record() until committed vs a naive
executemany; writer = the writer thread's CPU per row at 4,700 rows/s with the journal vs committing every
batch; /api/usage = p50/p95 over HTTP on the N-row ledger vs GET /health and vs the same summary scanned
from usage_calls; export = peak server RSS above a warmed baseline, 10x more rows vs fewer (flat: same peak);
proxy = requests/s and router CPU per request, recorder on vs a no-op, alternating bursts in one process.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import traceback
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path
from typing import Callable

import aiohttp
import duckdb
from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from larouter import appkeys  # noqa: E402
from larouter.app import make_app  # noqa: E402
from larouter.config import Settings, load_settings  # noqa: E402
from larouter.daemon import loop_factory, serve as run_app  # noqa: E402
from larouter.proxy.call import Call  # noqa: E402
from larouter.proxy.registry import ModelRegistry  # noqa: E402
from larouter.runtime import load_runtime  # noqa: E402
from larouter.usage import schema  # noqa: E402
from larouter.usage.ledger import Ledger  # noqa: E402
from larouter.usage.records import COLUMNS, TS, to_row  # noqa: E402
from ledger_synthetic import synthetic_insert  # noqa: E402  (bench/ is not a package)

MODEL = "bench-model"
CONFIG = ('[routing]\ndefault_model = "bench-model"\n[providers.bench]\nbase_url = "{url}/v1"\napi_key = "sk-bench-0000"\n'
          'models = ["bench-model", "gpt-4o"]\n[providers.bench.prices."bench-model"]\ninput = 0.5\noutput = 1.5\n'
          '[usage]\nqueue_max = 2000000\n')
def settings_for(home: Path, url: str = "http://127.0.0.1:9") -> Settings:
    """A config in `home` with the bench provider at `url`, loaded."""
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text(CONFIG.format(url=url))
    return load_settings(home / "config.toml", env={"LAROUTER_HOME": str(home)})


def bench_ingest(tmp: Path, n: int) -> dict[str, float]:
    """Records/s through Ledger.record() until committed, and a naive executemany baseline."""
    settings = settings_for(tmp / "ingest")
    target = ModelRegistry.from_settings(settings).resolve(MODEL)
    calls = [Call(requested_model="auto", stream=i % 2 == 0, target=target, first_byte=time.perf_counter(),
                  usage={"prompt_tokens": 100 + i % 50, "completion_tokens": 20}) for i in range(n)]
    for call in calls:
        call.finish(200)
    ledger = Ledger.open(settings)
    rate = n / timed(lambda: [ledger.record(c) for c in calls] and ledger.writer.wait_flushed(600)) * 1000
    assert ledger.writer.stats.written == n and ledger.writer.stats.dropped == 0
    rows = [(i + 1, *to_row(c, ledger.pricer)) for i, c in enumerate(calls[:5000])]
    ledger.close()
    with duckdb.connect(str(tmp / "naive.duckdb")) as con:
        schema.migrate(con)
        values = ["?"] * (1 + len(COLUMNS))
        values[1 + TS] = "make_timestamp(?)"  # a row's ts is microseconds since the epoch
        sql = f"INSERT INTO usage_calls (seq, {', '.join(COLUMNS)}) VALUES ({', '.join(values)})"
        naive = len(rows) / timed(lambda: con.executemany(sql, rows)) * 1000
    return {"records_per_s": rate, "naive_executemany_per_s": naive, "RATIO_vs_target_50k": rate / 50_000,
            "RATIO_vs_naive": rate / naive}


def writer_cpu_us_per_row(tmp: Path, journaled: bool, rate: int, seconds: float) -> float:
    """CPU of the ledger's writer thread per row, rows arriving at `rate`/s in 100 ms bursts; without the
    journal every batch is committed to DuckDB (the writer before the journal)."""
    settings = settings_for(tmp / ("journal" if journaled else "commit"))
    target = ModelRegistry.from_settings(settings).resolve(MODEL)
    burst = rate // 10
    calls = [Call(requested_model="auto", stream=i % 2 == 0, target=target, first_byte=time.perf_counter(),
                  usage={"prompt_tokens": 100 + i % 50, "completion_tokens": 20}) for i in range(burst)]
    for call in calls:
        call.finish(200)
    ledger = Ledger.open(settings)
    if not journaled:
        ledger.writer.journal = None
    rows = [to_row(c, ledger.pricer) for c in calls]
    assert ledger.writer._thread is not None
    stat = Path(f"/proc/self/task/{ledger.writer._thread.native_id}/stat")

    def cpu() -> float:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    before, sent, start = cpu(), 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        for row in rows:
            ledger.writer.submit(row)
        sent += burst
        time.sleep(max(0.0, start + sent / rate - time.perf_counter()))
    assert ledger.writer.wait_flushed(30)
    used = cpu() - before
    ledger.close()
    return used / sent * 1e6


def bench_writer(tmp: Path, rate: int = 4700, seconds: float = 5.0, rounds: int = 3) -> dict[str, float]:
    """Writer-thread CPU per row with the journal (commits every usage.commit_interval) vs committing every
    batch, alternating; medians."""
    runs: dict[str, list[float]] = {"journal": [], "commit_every_batch": []}
    for rnd in range(rounds):
        for mode in (("journal", "commit_every_batch") if rnd % 2 == 0 else ("commit_every_batch", "journal")):
            runs[mode].append(writer_cpu_us_per_row(tmp / f"w{rnd}", mode == "journal", rate, seconds))
    out = {f"writer_{k}_cpu_us_per_row": statistics.median(v) for k, v in runs.items()}
    out["rows_per_s"] = rate
    out["RATIO_writer_cpu_journal_vs_commit_every_batch"] = (out["writer_journal_cpu_us_per_row"]
                                                             / out["writer_commit_every_batch_cpu_us_per_row"])
    return out


RAW_SUMMARY = """SELECT model, tier, ts::DATE, count(*), sum(input_tokens), sum(output_tokens), sum(cost)
FROM usage_calls WHERE project = 'default' AND ts >= ? GROUP BY GROUPING SETS ((), (model), (tier), (ts::DATE))"""


def build_ledger(home: Path, n: int) -> float:
    """An n-row ledger over the last 365 days (10% project 'big', 1% 'small'), rollup rebuilt; returns how long
    the /api/usage summary takes by scanning usage_calls instead of the rollup (best of 3, ms)."""
    settings = settings_for(home)
    Ledger.open(settings).close()
    start = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(days=365)
    with duckdb.connect(str(home / "usage.duckdb")) as con:
        con.execute(synthetic_insert(con, start, n))
        schema.rebuild_daily(con)
        con.execute("CHECKPOINT")
        return min(timed(lambda: con.execute(RAW_SUMMARY, [start]).fetchall()) for _ in range(3))


def timed(fn: Callable[[], object]) -> float:
    """Milliseconds one call of fn takes."""
    start = time.perf_counter()
    fn()
    return (time.perf_counter() - start) * 1000


class Server:
    """`bench/ledger_bench.py _serve` (or the fake upstream) in a subprocess on a free port."""

    def __init__(self, args: list[str], home: Path) -> None:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAROUTER_") and not k.endswith("_API_KEY")}
        env.update(LAROUTER_HOME=str(home), XDG_CONFIG_HOME=str(home / "xdg"), PYTHONPATH=str(ROOT))
        self.url = f"http://127.0.0.1:{port}"
        self.log = home / f"server-{port}.log"
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen([sys.executable, *args, "--port", str(port)], env=env, cwd=ROOT,
                                         stdout=log, stderr=subprocess.STDOUT)
        for _ in range(1200):  # up to a minute
            if self.proc.poll() is not None:
                break
            try:
                return urllib.request.urlopen(self.url + "/health", timeout=1).close()
            except OSError:
                time.sleep(0.05)
        raise SystemExit(f"server {args} did not start; see {self.log}")

    def rss_mb(self) -> float:
        """Resident memory of the server process."""
        return int(Path(f"/proc/{self.proc.pid}/status").read_text().split("VmRSS:")[1].split()[0]) / 1024

    def cpu_s(self) -> float:
        """User + system CPU seconds the server process has used."""
        fields = Path(f"/proc/{self.proc.pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def stop(self) -> None:
        """SIGTERM and wait (the ledger flushes and closes)."""
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(60)


async def latency_ms(url: str, count: int) -> tuple[float, float]:
    """p50 and p95 of sequential GETs (after two warm-ups)."""
    times = []
    async with aiohttp.ClientSession() as s:
        for i in range(count + 2):
            start = time.perf_counter()
            async with s.get(url) as r:
                assert r.status == 200 and await r.read(), r.status
            times.append((time.perf_counter() - start) * 1000)
    times = sorted(times[2:])
    return statistics.median(times), times[int(len(times) * 0.95) - 1]


async def export(url: str, server: Server) -> tuple[int, float, float]:
    """Stream one export to nowhere; (rows, seconds, peak RSS MB sampled every 5 ms)."""
    peak, rows, start = server.rss_mb(), 0, time.perf_counter()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=None)) as s:
        async with s.get(url) as r:
            assert r.status == 200
            last = 0.0
            async for chunk in r.content.iter_any():
                rows += chunk.count(b"\r\n")
                if time.perf_counter() - last > 0.005:
                    peak, last = max(peak, server.rss_mb()), time.perf_counter()
    return rows - 1, time.perf_counter() - start, max(peak, server.rss_mb())


def bench_queries_and_export(tmp: Path, n: int) -> dict[str, float]:
    home = tmp / "big"
    start = time.perf_counter()
    raw_ms = build_ledger(home, n)
    out: dict[str, float] = {"rows": n, "generate_s": time.perf_counter() - start, "raw_scan_summary_ms": raw_ms}
    server = Server(["bench/ledger_bench.py", "_serve", "--config", str(home / "config.toml")], home)
    try:
        for period in ("monthly", "all"):
            p50, p95 = asyncio.run(latency_ms(f"{server.url}/api/usage?period={period}", 50))
            out[f"usage_{period}_p50_ms"], out[f"usage_{period}_p95_ms"] = p50, p95
        out["health_p50_ms"], _ = asyncio.run(latency_ms(server.url + "/health", 50))
        # Warm DuckDB's block cache: 'small' rows sit in every row group, so this reads every block once.
        asyncio.run(export(f"{server.url}/api/usage/export?period=all&projectId=small", server))
        out["rss_warm_mb"] = server.rss_mb()
        for name in ("small", "big"):
            rows, secs, peak = asyncio.run(export(f"{server.url}/api/usage/export?period=all&projectId={name}", server))
            out[f"export_{name}_rows"], out[f"export_{name}_s"] = rows, secs
            out[f"export_{name}_peak_rss_over_warm_mb"] = peak - out["rss_warm_mb"]
    finally:
        server.stop()
    out["RATIO_usage_all_p95_vs_target_150ms"] = out["usage_all_p95_ms"] / 150
    out["RATIO_usage_all_p50_vs_health_p50"] = out["usage_all_p50_ms"] / out["health_p50_ms"]
    out["RATIO_raw_scan_vs_usage_all_p50"] = out["raw_scan_summary_ms"] / out["usage_all_p50_ms"]
    out["RATIO_export_rss_big_minus_small_mb"] = (out["export_big_peak_rss_over_warm_mb"]
                                                  - out["export_small_peak_rss_over_warm_mb"])
    return out


async def load(url: str, stream: bool, requests: int, concurrency: int) -> float:
    """Requests/s for `requests` chat calls with `concurrency` in flight."""
    body = {"model": MODEL, "messages": [{"role": "user", "content": "bench"}], "stream": stream}
    todo = iter(range(requests))

    async def worker(s: aiohttp.ClientSession) -> None:
        for _ in todo:
            async with s.post(url + "/v1/chat/completions", json=body) as r:
                await r.read()
                assert r.status == 200

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as s:
        start = time.perf_counter()
        await asyncio.gather(*(worker(s) for _ in range(concurrency)))
        return requests / (time.perf_counter() - start)


def bench_proxy(tmp: Path, rounds: int, requests: int, concurrency: int = 32) -> dict[str, float]:
    """One router, its recorder switched between the ledger ("on") and a no-op ("off") in alternating bursts,
    so both modes share the process and whatever else runs on the machine; medians of requests/s, of the
    per-pair on/off ratios and of the router's CPU time per request (the steadier measure on a shared host)."""
    fake = Server(["bench/fake_upstream.py"], tmp)
    home = tmp / "proxy"
    settings_for(home, fake.url)
    srv = Server(["bench/ledger_bench.py", "_serve", "--config", str(home / "config.toml")], home)
    runs: dict[str, list[float]] = {}
    try:
        asyncio.run(load(srv.url, False, 500, concurrency))  # warm-up
        for rnd in range(rounds):
            for kind in ("json", "stream"):
                got = {}
                for mode in (("on", "off") if rnd % 2 == 0 else ("off", "on")):
                    urllib.request.urlopen(urllib.request.Request(f"{srv.url}/_bench/recorder/{mode}", b"")).close()
                    before = srv.cpu_s()
                    got[mode] = asyncio.run(load(srv.url, kind == "stream", requests, concurrency))
                    runs.setdefault(f"{kind}_{mode}_cpu_us_per_request", []).append(
                        (srv.cpu_s() - before) / requests * 1e6)
                    runs.setdefault(f"{kind}_{mode}_rps", []).append(got[mode])
                runs.setdefault(f"{kind}_on_over_off_rps", []).append(got["on"] / got["off"])
    finally:
        srv.stop()
        fake.stop()
    out = {k: statistics.median(v) for k, v in runs.items()}
    for kind in ("json", "stream"):
        out[f"RATIO_{kind}_rps_on_vs_off"] = out.pop(f"{kind}_on_over_off_rps")
        out[f"RATIO_{kind}_cpu_per_request_on_vs_off"] = (out[f"{kind}_on_cpu_us_per_request"]
                                                          / out[f"{kind}_off_cpu_us_per_request"])
    return out


def serve(args: argparse.Namespace) -> None:
    """Child mode: larouterd's app; POST /_bench/recorder/on|off swaps the ledger's recorder for a no-op."""
    runtime = load_runtime(Path(args.config), cli={"server": {"port": args.port}})
    app = make_app(runtime)
    ledger_on = [True]

    async def switch(request: web.Request) -> web.Response:
        ledger_on[0] = request.match_info["mode"] == "on"
        return web.json_response({"ledger": ledger_on[0]})

    async def recorder(app_: web.Application) -> None:
        record = app_[appkeys.LEDGER].record
        app_[appkeys.RECORDER] = lambda call: record(call) if ledger_on[0] else None  # off: no row, no pricing

    app.router.add_post("/_bench/recorder/{mode}", switch)
    app.on_startup.append(recorder)
    with asyncio.Runner(loop_factory=loop_factory(runtime.settings.server.event_loop)) as runner:  # as larouterd
        runner.run(run_app(app, runtime.settings))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", nargs="?", default="all", choices=["all", "_serve"])
    parser.add_argument("--quick", action="store_true", help="1M rows, 100k export, short proxy rounds")
    parser.add_argument("--only", choices=["ingest", "writer", "queries_export", "proxy"], help="run one section only")
    parser.add_argument("--rounds", type=int, help="proxy: on/off burst pairs per mode (default 10, quick 3)")
    parser.add_argument("--requests", type=int, help="proxy: requests per burst (default 6,000, quick 1,000)")
    parser.add_argument("--config")
    parser.add_argument("--port", type=int)
    args = parser.parse_args()
    if args.mode == "_serve":
        serve(args)
        return 0
    rows, rounds, requests = (1_000_000, 3, 1000) if args.quick else (10_000_000, 10, 6000)
    rounds, requests = args.rounds or rounds, args.requests or requests
    report: dict[str, dict[str, float]] = {}
    failed: dict[str, str] = {}  # section -> its traceback
    with tempfile.TemporaryDirectory(prefix="ledger-bench-") as tmp:
        sections: dict[str, Callable[[], dict[str, float]]] = {
            "ingest": lambda: bench_ingest(Path(tmp), 200_000),
            "writer": lambda: bench_writer(Path(tmp), seconds=2.0 if args.quick else 5.0),
            "queries_export": lambda: bench_queries_and_export(Path(tmp), rows),
            "proxy": lambda: bench_proxy(Path(tmp), rounds, requests)}
        for name, run in sections.items():
            if args.only not in (None, name):
                continue
            try:  # a section that fails does not throw away the others' figures
                report[name] = run()
            except (Exception, SystemExit) as exc:
                failed[name] = traceback.format_exc()
                print(f"[{name}] failed ({type(exc).__name__}); the other sections go on", file=sys.stderr, flush=True)
    print(f"duckdb {duckdb.__version__}, python {sys.version.split()[0]}, {os.cpu_count()} CPUs")
    for section, figures in report.items():
        print(f"\n[{section}]\n" + "\n".join(f"  {k:42s} {v:14.3f}" for k, v in figures.items()))
    for section, trace in failed.items():
        print(f"\n[{section}] FAILED, no figures:\n{trace}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
