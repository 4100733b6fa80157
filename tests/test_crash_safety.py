"""Crash safety of the ledger: SIGTERM under load loses nothing; kill -9 loses at most the flush window."""

from __future__ import annotations

import csv
import io
import json
import signal
import threading
import time
from pathlib import Path
from urllib.error import URLError
from urllib.request import Request, urlopen

import pytest

from tests.conftest import FAKE_KEY, Fake, toml_config
from tests.support.proc import daemon_env, daemon_log, larouterd
from tests.support.servers import wait_until

pytestmark = pytest.mark.slow
FLUSH = 0.1


def _load(url: str, stop: threading.Event, done: list[float]) -> None:
    body = json.dumps({"model": "gpt-fake", "messages": [{"role": "user", "content": "x"}]}).encode()
    while not stop.is_set():
        try:
            with urlopen(Request(url + "/v1/chat/completions", data=body, headers={"Content-Type": "application/json"}), timeout=10) as r:
                r.read()
                done.append(time.monotonic())
        except (URLError, OSError):
            return


def _run_load(url: str, seconds: float, threads: int = 4) -> tuple[threading.Event, list[float], list[threading.Thread]]:
    stop, done = threading.Event(), []
    workers = [threading.Thread(target=_load, args=(url, stop, done)) for _ in range(threads)]
    for w in workers:
        w.start()
    wait_until(lambda: len(done) > 50, 20, "load to get going")
    time.sleep(seconds)  # let the load run for a while: the point is to stop it mid-flight
    return stop, done, workers


def _recorded(home: Path, cfg: Path, env: dict[str, str]) -> int:
    return _rows(home, cfg, env)[0]


def _rows(home: Path, cfg: Path, env: dict[str, str]) -> tuple[int, int]:
    """(rows, rows of calls interrupted by a hard kill) after a restart."""
    with larouterd(home, "--config", str(cfg), env=env) as (url, _):
        with urlopen(url + "/api/usage/export?period=all") as resp:
            rows = list(csv.DictReader(io.StringIO(resp.read().decode())))
    return len(rows), sum(1 for row in rows if row["error_type"] == "interrupted")


@pytest.fixture
def setup(home: Path, fake: Fake, tmp_path: Path) -> tuple[Path, dict[str, str]]:
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url, f"\n[usage]\nflush_interval = {FLUSH}\n"))
    return cfg, daemon_env(home, FAKE_KEY=FAKE_KEY)


def test_sigterm_under_load_loses_nothing(home: Path, setup: tuple[Path, dict[str, str]]) -> None:
    """Every request answered before a SIGTERM is in the ledger after the restart."""
    cfg, env = setup
    with larouterd(home, "--config", str(cfg), env=env) as (url, proc):
        stop, done, workers = _run_load(url, 0.5)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        stop.set()
        for w in workers:
            w.join(10)
    recorded = _recorded(home, cfg, env)
    assert recorded == len(done), (recorded, len(done), daemon_log(home)[-4000:])  # (the log: seen failing once)


def test_kill_9_under_load_loses_at_most_the_flush_window(home: Path, setup: tuple[Path, dict[str, str]]) -> None:
    """After SIGKILL the ledger opens cleanly and holds every call answered before the last flush window."""
    cfg, env = setup
    with larouterd(home, "--config", str(cfg), env=env) as (url, proc):
        stop, done, workers = _run_load(url, 0.5)
        proc.send_signal(signal.SIGKILL)
        killed = time.monotonic()
        proc.wait(10)
        stop.set()
        for w in workers:
            w.join(10)
    safe = sum(1 for t in done if t < killed - 2 * FLUSH - 0.05)
    recorded, interrupted = _rows(home, cfg, env)
    # (the calls in flight at the kill, at most one per load thread, are recorded as interrupted: their provider had
    # them; one answered just before the kill whose own row was not journaled yet may be among them)
    assert safe <= recorded - interrupted <= len(done) and interrupted <= 4, (safe, recorded, interrupted, len(done))
