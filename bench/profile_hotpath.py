"""Profile a proxy's hot path under the overhead benchmark's load (run by hand, never a test).

Starts the same three servers as bench/overhead.py, drives one proxy (larouterd or the bare
proxy) with wrk (or the aiohttp load generator) at a fixed concurrency, samples it with
py-spy (`pip install py-spy`) and prints where the CPU goes per request: by layer (larouter
code, JSON, aiohttp server, aiohttp client, asyncio and sockets) and the top functions by
own and inclusive time. Raw collapsed stacks are kept for flamegraph tools.

  python bench/profile_hotpath.py                        # larouterd and bare, JSON and stream
  python bench/profile_hotpath.py --targets larouterd --modes stream --seconds 20 --out /tmp/prof
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import overhead  # noqa: E402  (bench/ is not a package)

LAYERS = (  # first match on the innermost frame that is not a generic helper decides the layer
    ("larouter", re.compile(r"\(larouter/")),
    ("json", re.compile(r"\(json/")),
    ("aiohttp client", re.compile(r"\(aiohttp/(client|connector|client_proto|client_reqrep|tracing)")),
    ("aiohttp server", re.compile(r"\(aiohttp/(web|http_parser|http_writer|abc|helpers|payload|streams|typedefs)")),
    ("asyncio+sockets", re.compile(r"\((asyncio|selectors|socket|ssl)")),
)


def classify(frames: list[str]) -> str:
    """The layer of a sample: larouter if any larouter frame calls the leaf through json/attrs/stdlib."""
    leaf = frames[-1]
    for name, pattern in LAYERS:
        if pattern.search(leaf):
            if name == "json" and any("(larouter/" in f for f in frames):
                return "json (from larouter)"
            return name
    # a stdlib or third-party helper: attribute it to the nearest caller we know
    for frame in reversed(frames[:-1]):
        for name, pattern in LAYERS:
            if pattern.search(frame):
                return name
    return "other"


def summarise(raw: Path, cpu_us_per_req: float, top: int) -> str:
    """Per-request CPU by layer, plus the top functions by own and inclusive time."""
    layers: collections.Counter[str] = collections.Counter()
    own: collections.Counter[str] = collections.Counter()
    incl: collections.Counter[str] = collections.Counter()
    total = 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        n = int(count)
        frames = [re.sub(r":\d+\)$", ")", f) for f in stack.split(";")]
        total += n
        layers[classify(frames)] += n
        own[frames[-1]] += n
        for frame in set(frames):
            incl[frame] += n
    out = [f"{total} samples; process CPU {cpu_us_per_req:.0f} us/request during profiling", "by layer (us/request):"]
    for name, n in layers.most_common():
        out.append(f"  {100 * n / total:5.1f}%  {cpu_us_per_req * n / total:6.1f} us  {name}")
    out.append("own time (leaf frame):")
    out += [f"  {100 * n / total:5.1f}%  {cpu_us_per_req * n / total:6.1f} us  {f}" for f, n in own.most_common(top)]
    out.append("inclusive, larouter and json frames:")
    mine = [(f, n) for f, n in incl.most_common() if "(larouter/" in f or "(json/" in f]
    out += [f"  {100 * n / total:5.1f}%  {cpu_us_per_req * n / total:6.1f} us  {f}" for f, n in mine[:top]]
    return "\n".join(out)


async def profile_one(args: argparse.Namespace, servers: dict[str, overhead.Server], target: str, mode: str,
                      tmp: Path) -> str:
    """Warm up, then load `target` while py-spy samples it; return the summary text."""
    srv = servers[target]
    stream = mode == "stream"
    raw = args.out / f"{target}-{mode}.txt"
    await overhead.run_aiohttp(srv.url, stream, args.concurrency, 500, 100, {})  # warm-up (and JIT-free caches)
    spy = subprocess.Popen(
        ["py-spy", "record", "--pid", str(srv.proc.pid), "--rate", str(args.rate), "--format", "raw",
         "--duration", str(int(args.seconds)), "--output", str(raw)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    await asyncio.sleep(0.5)  # let py-spy attach
    watch = {target: srv}
    if args.loadgen == "wrk":
        res = await overhead.run_wrk(srv.url, stream, args.concurrency, args.seconds - 1, 0, watch, tmp)
    else:
        res = await overhead.run_aiohttp(srv.url, stream, args.concurrency, args.requests, 0, watch)
    _, err = await asyncio.to_thread(spy.communicate)
    if spy.returncode != 0 or not raw.exists():
        raise SystemExit(f"py-spy failed ({spy.returncode}): {err.strip()}")
    head = f"== {target} {mode} c={args.concurrency}: {res['rps']:.0f} req/s under the profiler"
    return head + "\n" + summarise(raw, res["cpu_us_per_req"][target], args.top)


def main() -> int:
    parser = argparse.ArgumentParser(description="Profile larouterd's (and the bare proxy's) hot path with py-spy.")
    parser.add_argument("--targets", default="larouterd,bare", help="comma-separated: larouterd, bare")
    parser.add_argument("--modes", default="json,stream", help="comma-separated: json, stream")
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=10.0, help="sampling time per profile")
    parser.add_argument("--requests", type=int, default=20000, help="aiohttp load generator: requests per profile")
    parser.add_argument("--rate", type=int, default=250, help="py-spy samples per second")
    parser.add_argument("--loadgen", choices=("aiohttp", "wrk"), default="wrk" if shutil.which("wrk") else "aiohttp")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--out", type=Path, help="where to keep the raw stacks (default: a temporary directory)")
    parser.add_argument("--chunks", type=int, default=8)
    parser.add_argument("--larouterd-cmd", default="{python} -m larouter.daemon")
    parser.add_argument("--larouterd-log-level", choices=("debug", "info", "warning", "error"))
    parser.add_argument("--larouter-src", type=Path, metavar="DIR", help="run larouterd from this source tree")
    args = parser.parse_args()
    if not shutil.which("py-spy"):
        raise SystemExit("py-spy is not installed: pip install py-spy")
    tmp = Path(tempfile.mkdtemp(prefix="larouter-prof-"))
    args.out = args.out or tmp
    args.out.mkdir(parents=True, exist_ok=True)
    servers = overhead.start_servers(tmp, args)
    try:
        for target in (t.strip() for t in args.targets.split(",")):
            for mode in (m.strip() for m in args.modes.split(",")):
                print(asyncio.run(profile_one(args, servers, target, mode, tmp)), flush=True)
                print()
    finally:
        for srv in servers.values():
            srv.stop()
    print(f"raw stacks in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
