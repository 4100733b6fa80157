"""Server processes for bench/harness.py: start, pin to a core, wait until ready, read CPU and RSS, stop.

fake upstream (bench/fake_upstream.py), slow upstream (bench/harness_upstream.py), bare proxy
(bench/bare_proxy.py), larouterd (`python -m larouter.daemon`, everything on) and the LiteLLM proxy
(from PyPI, in its own virtual environment, created on first use and kept between runs).
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"
LISTENING = re.compile(r"listening on (http://127\.0\.0\.1:\d+)")
FAKE_KEY = "sk-bench-0123456789abcdef"
LITELLM_KEY = "sk-bench-master-0123456789abcdef0123456789"
# every tier of the default policy goes to a priced OpenAI model, served by the fake upstream
LAROUTER_CONFIG = """\
[routing.policies.cost-optimized]
HEARTBEAT = ["gpt-4.1-nano", "gpt-4o-mini"]
SIMPLE = ["gpt-4.1-mini", "gpt-4o-mini"]
MEDIUM = ["gpt-4.1-mini", "gpt-4o-mini"]
COMPLEX = ["gpt-4.1", "gpt-4o"]
REASONING = ["o4-mini", "o3"]
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def clean_env(**extra: str) -> dict[str, str]:
    """This environment less provider keys, LAROUTER_* settings and HTTP proxies, plus `extra`."""
    drop = ("_API_KEY", "_PROXY", "_proxy")
    env = {k: v for k, v in os.environ.items() if not k.endswith(drop) and not k.startswith("LAROUTER_")}
    env.update(extra)
    return env


def proc_status(pid: int, key: str) -> int:
    """A `kB` field of /proc/PID/status (VmRSS, VmHWM), 0 when the process is gone."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """pid and every process below it."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError):
                continue
            children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        cur = todo.pop()
        out.append(cur)
        todo += children.get(cur, [])
    return out


class Proc:
    """One server subprocess, pinned to `cpu` (all its threads: taskset is applied before exec)."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str], logdir: Path, cpu: int | None,
                 url: str = "", cwd: Path = ROOT) -> None:
        self.name, self.url, self.cpu = name, url, cpu
        self.home: Path | None = None  # a larouterd's LAROUTER_HOME
        self.log = logdir / f"{name}.log"
        self._fh = self.log.open("wb")
        if cpu is not None and shutil.which("taskset"):
            cmd = ["taskset", "-c", str(cpu), *cmd]
        pre = (lambda: os.sched_setaffinity(0, {cpu})) if cpu is not None and cmd[0] != "taskset" else None
        self.proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=self._fh, stderr=subprocess.STDOUT,
                                     preexec_fn=pre, start_new_session=True)
        self.pids = [self.proc.pid]

    def wait_ready(self, health: str = "/health", timeout: float = 60.0) -> "Proc":
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self.proc.returncode}; log:\n{self.log.read_text()[-3000:]}")
            if not self.url:
                found = LISTENING.search(self.log.read_text(errors="replace"))
                if found:
                    self.url = found.group(1)
            if self.url:
                try:
                    with urllib.request.urlopen(self.url + health, timeout=2) as resp:
                        if resp.status == 200:
                            self.pids = descendants(self.proc.pid)
                            return self
                except OSError:
                    pass
            time.sleep(0.1)
        raise SystemExit(f"{self.name} not ready in {timeout:.0f} s; log:\n{self.log.read_text()[-3000:]}")

    def rss_mb(self) -> float:
        return sum(proc_status(p, "VmRSS") for p in self.pids) / 1024

    def mem_detail(self) -> dict[str, float]:
        """RSS split from /proc/PID/smaps_rollup: anonymous (heaps), file-backed (mapped libraries), PSS; MB."""
        out = {"rss": 0.0, "anon": 0.0, "file": 0.0, "pss": 0.0}
        for pid in self.pids:
            try:
                rows = {ln.split(":")[0]: int(ln.split()[1]) for ln in
                        Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]}
            except (OSError, ValueError, IndexError):
                continue
            out["rss"] += rows.get("Rss", 0) / 1024
            out["anon"] += rows.get("Anonymous", 0) / 1024
            out["file"] += (rows.get("Rss", 0) - rows.get("Anonymous", 0)) / 1024
            out["pss"] += rows.get("Pss", 0) / 1024
        return out

    def hwm_mb(self) -> float:
        """Peak RSS since start or since the last reset_hwm()."""
        return sum(proc_status(p, "VmHWM") for p in self.pids) / 1024

    def reset_hwm(self) -> bool:
        try:
            for pid in self.pids:
                Path(f"/proc/{pid}/clear_refs").write_text("5")
            return True
        except OSError:
            return False

    def affinity(self) -> str:
        """The cores every thread of the process may run on (from /proc), e.g. "1"."""
        seen = set()
        for pid in self.pids:
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    seen.add(next(ln.split(":")[1].strip() for ln in (task / "status").read_text().splitlines()
                                  if ln.startswith("Cpus_allowed_list")))
                except (OSError, StopIteration):
                    pass
        return ",".join(sorted(seen)) or "?"

    def move_to(self, cpu: int | None) -> None:
        """Re-pin every thread of the process (None: leave as is)."""
        if cpu is None or not hasattr(os, "sched_setaffinity"):
            return
        for pid in self.pids:
            for task in Path(f"/proc/{pid}/task").glob("*"):
                try:
                    os.sched_setaffinity(int(task.name), {cpu})
                except OSError:
                    pass

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self._fh.close()


def start_fake(logdir: Path, cpu: int | None, chunks: int) -> Proc:
    cmd = [sys.executable, str(BENCH / "fake_upstream.py"), "--port", "0", "--chunks", str(chunks)]
    return Proc("fake", cmd, clean_env(), logdir, cpu).wait_ready()


def start_slow(logdir: Path, cpu: int | None, chunks: int, chunk_delay_ms: float) -> Proc:
    cmd = [sys.executable, str(BENCH / "harness_upstream.py"), "--port", "0", "--chunks", str(chunks),
           "--chunk-delay-ms", str(chunk_delay_ms)]
    return Proc("slow-upstream", cmd, clean_env(), logdir, cpu).wait_ready()


def start_bare(logdir: Path, cpu: int | None, upstream: str, name: str = "bare") -> Proc:
    cmd = [sys.executable, str(BENCH / "bare_proxy.py"), "--port", "0", "--upstream", upstream]
    return Proc(name, cmd, clean_env(), logdir, cpu).wait_ready()


def post_json(url: str, payload: dict[str, Any], method: str = "POST", token: str | None = None) -> dict[str, Any]:
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    req = urllib.request.Request(url, data=json.dumps(payload).encode(), method=method, headers=headers)
    with urllib.request.urlopen(req, timeout=10) as resp:
        return json.loads(resp.read())


def start_larouterd(workdir: Path, cpu: int | None, upstream: str, log_level: str, src: Path = ROOT,
                    name: str = "larouterd") -> tuple[Proc, dict[str, Any]]:
    """larouterd with auth, `auto` routing, budgets and the DuckDB ledger; returns it and a budgeted project."""
    home = workdir / f"{name}-home"
    home.mkdir()
    cfg = workdir / f"{name}.toml"
    cfg.write_text(LAROUTER_CONFIG)
    port = free_port()
    env = clean_env(LAROUTER_HOME=str(home), XDG_CONFIG_HOME=str(workdir / f"{name}-xdg"), OPENAI_BASE_URL=upstream + "/v1",
                    OPENAI_API_KEY=FAKE_KEY, PYTHONPATH=str(src))
    cmd = [sys.executable, "-m", "larouter.daemon", "--host", "127.0.0.1", "--port", str(port), "--config", str(cfg),
           "--log-level", log_level]
    proc = Proc(name, cmd, env, workdir, cpu, url=f"http://127.0.0.1:{port}", cwd=src).wait_ready()
    proc.home = home  # its admin token (home/admin_token) changes guarded settings such as a provider's base_url
    project = post_json(proc.url + "/api/projects", {"name": "bench", "budgetUsd": 1e6, "routingPolicy": "cost-optimized"})
    return proc, project


def venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def ensure_litellm(venv: Path, spec: str) -> str:
    """Create the venv and `pip install spec` unless it already imports litellm; return litellm's version. A failure
    ends the run with one line naming it (and removes the venv when this call made it)."""
    probe = [str(venv_python(venv)), "-c", "import importlib.metadata as m; print(m.version('litellm'))"]
    if venv_python(venv).exists():
        done = subprocess.run(probe, capture_output=True, text=True)
        if done.returncode == 0 and (venv / "bin" / "litellm").exists():
            return done.stdout.strip()
    print(f"installing {spec} into {venv} (once; about 1-3 minutes)...", file=sys.stderr, flush=True)
    made = not venv.exists()
    steps = ((f"python -m venv {venv}", [sys.executable, "-m", "venv", str(venv)]),
             (f"pip install '{spec}'", [str(venv_python(venv)), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                                        spec]),
             ("import litellm", probe))
    try:
        for what, cmd in steps:
            done = subprocess.run(cmd, capture_output=True, text=True)
            if done.returncode != 0:
                lines = [ln.strip() for ln in (done.stderr or done.stdout).splitlines() if ln.strip()]
                cause = next((ln for ln in reversed(lines) if ln.startswith("ERROR:")), lines[-1] if lines else "no output")
                raise SystemExit(f"harness.py: LiteLLM could not be installed: `{what}` failed ({cause}); run without it "
                                 f"with --targets direct,bare,larouterd, or point --litellm-venv at a venv where {spec} "
                                 "is installed")
        return done.stdout.strip()
    except BaseException:
        if made:  # a half-made venv would only be retried from scratch
            shutil.rmtree(venv, ignore_errors=True)
        raise


def start_litellm(workdir: Path, cpu: int | None, venv: Path, upstream: str) -> Proc:
    """The LiteLLM proxy, 1 worker, `auto` routed to the fake upstream (bench/litellm_config.yaml)."""
    port = free_port()
    env = clean_env(BENCH_FAKE_BASE=upstream + "/v1", BENCH_FAKE_KEY=FAKE_KEY, LITELLM_MASTER_KEY=LITELLM_KEY,
                    LITELLM_LOCAL_MODEL_COST_MAP="True", LITELLM_LOG="ERROR", LITELLM_TELEMETRY="False")
    cmd = [str(venv_python(venv)), str(venv / "bin" / "litellm"), "--config", str(BENCH / "litellm_config.yaml"),
           "--host", "127.0.0.1", "--port", str(port), "--num_workers", "1"]
    return Proc("litellm", cmd, env, workdir, cpu, url=f"http://127.0.0.1:{port}", cwd=workdir).wait_ready(
        "/health/liveliness", timeout=180)
