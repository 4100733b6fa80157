"""Servers for bench/overhead.py: each target (the fake upstream, the bare proxy, larouterd and an
optional candidate larouterd) runs as its own subprocess on a loopback port it picks itself;
`Server` starts one, waits until it answers /health, reads its CPU time from /proc and stops it;
`start_servers` starts them all with an isolated environment and a one-provider larouterd config;
`Meter` reads, over a measured phase, the CPU each server, the load generator and the rest of the
machine used (host busy and steal time from /proc/stat). Moved out of bench/overhead.py, which
imports what it needs from here.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shlex
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness_servers import free_port  # noqa: E402  (bench/ is not a package)

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
MODEL = "bench-model"
CLK_TCK = os.sysconf("SC_CLK_TCK")


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
