"""Run the real larouterd as a subprocess on a port it binds itself."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterator
from contextlib import contextmanager
from urllib.parse import urlsplit
from urllib.request import urlopen

from larouter.address import ADDRESS_FILE
from larouter.models.process import free_port  # noqa: F401  (re-exported: callers that write a port into a config)


def default_sigint() -> None:
    """A child's `preexec_fn`: SIGINT as a terminal's Ctrl-C delivers it. A suite started in the background (`pytest &`,
    a CI runner's job) hands its children SIGINT ignored, and Python keeps an inherited SIG_IGN: a CLI under test then
    never sees the Ctrl-C it is sent."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def default_stop_signals() -> None:
    """larouterd's `preexec_fn`: SIGINT and SIGHUP as a terminal delivers them. larouterd keeps either one ignored
    when its caller ignored it (`nohup`, a script's `&`), so a suite run under `nohup` or in the background would
    hand its daemons signals they may not act on; a test of that ignores them itself."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGHUP, signal.SIG_DFL)


ROOT = Path(__file__).resolve().parents[2]  # this checkout


def daemon_env(home: Path, **extra: str) -> dict[str, str]:
    """Environment with an isolated home and config dir, and no provider keys from the host."""
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY") and not k.startswith("LAROUTER_")}
    env.update(LAROUTER_HOME=str(home), XDG_CONFIG_HOME=str(home / "xdg"), PYTHONUNBUFFERED="1", **extra)
    # the code under test, whatever the working directory (an editable install may point at another checkout)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    return env


def wait_healthy(url: str, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    """Poll /health until it answers or the process dies."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"larouterd exited early with {proc.returncode}")
        try:
            with urlopen(url + "/health", timeout=1):
                return
        except OSError:
            time.sleep(0.05)
    raise AssertionError("larouterd did not become healthy")


def bound_url(home: Path, proc: subprocess.Popen, timeout: float = 30.0) -> str:
    """The URL of the daemon `proc` started with `--port 0` on this home: the port it bound, read from the address
    record it writes once it listens (`larouter.address`; a record left by an earlier daemon names another pid)."""
    record = home / ADDRESS_FILE
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            written = json.loads(record.read_bytes())
        except (OSError, ValueError):  # not written yet (its writes are atomic: never half a record)
            written = {}
        if written.get("pid") == proc.pid:
            return f"http://127.0.0.1:{urlsplit(written['url']).port}"
        if proc.poll() is not None:
            raise AssertionError(f"larouterd exited early with {proc.returncode}")
        time.sleep(0.02)
    raise AssertionError(f"larouterd recorded no address in {record} within {timeout:g} s")


@contextmanager
def larouterd(home: Path, *args: str, env: dict[str, str] | None = None,
              preexec: Callable[[], None] = default_stop_signals) -> Iterator[tuple[str, subprocess.Popen]]:
    """Start `python -m larouter.daemon` on a port of its own (`preexec` run in the child before it: the signals it
    is started with); yield its URL and process; always stop it. The daemon binds port 0 and the URL is read back
    from what it recorded: a port picked here and bound later by the child could be taken by another program in
    between ("larouterd exited early with 1" on a busy machine)."""
    env = env or daemon_env(home)
    cmd = [sys.executable, "-m", "larouter.daemon", "--port", "0", *args]
    # Output goes to a file, not a pipe: under load nobody would drain a pipe and logging would block the daemon.
    log = open(home / "larouterd.log", "a", encoding="utf-8")  # noqa: SIM115 - closed below
    proc = subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT, text=True, preexec_fn=preexec)
    try:
        url = bound_url(Path(env["LAROUTER_HOME"]), proc)
        wait_healthy(url, proc)
        yield url, proc
    finally:
        if proc.poll() is None:  # SIGTERM first: the daemon stops the llama-servers it started (SIGKILL orphans them)
            proc.terminate()
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()
        proc.wait(10)
        log.close()


def daemon_log(home: Path) -> str:
    """Everything the daemons run on this home printed."""
    return (home / "larouterd.log").read_text(encoding="utf-8")
