"""The real larouterd under load: SIGTERM commits every usage record of every call that reached it."""

from __future__ import annotations

import json
import signal
import threading
from pathlib import Path
from urllib.request import Request, urlopen

import duckdb

from tests.conftest import FAKE_KEY, Fake, toml_config
from tests.support.proc import daemon_env, daemon_log, larouterd
from tests.support.servers import wait_until

# Buffer everything until shutdown, so the only way records reach the file is the SIGTERM flush.
LEDGER = '\n[usage]\nflush_interval = 3600.0\nbatch_rows = 1000000\n[providers.fake.prices."gpt-fake"]\ninput = 1.0\noutput = 1.0\n'


def _load(url: str, model: str, stream: bool, ok: list[int], stop: threading.Event) -> None:
    """Send requests back to back until the daemon stops answering."""
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "load"}], "stream": stream}).encode()
    while not stop.is_set():
        req = Request(url + "/v1/chat/completions", data=body, headers={"Content-Type": "application/json"})
        try:
            with urlopen(req, timeout=30) as resp:
                resp.read()
                ok.append(resp.status)
        except OSError:
            return


def test_sigterm_during_load_loses_no_record(home: Path, fake: Fake, tmp_path: Path) -> None:
    """Every call the provider saw, finished or drained at SIGTERM, is in the ledger after a clean stop."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url, LEDGER))
    ok: list[int] = []
    stop = threading.Event()
    with larouterd(home, "--config", str(cfg), env=daemon_env(home, FAKE_KEY=FAKE_KEY)) as (url, proc):
        plan = [("gpt-fake", False)] * 4 + [("gpt-fake", True)] * 2 + [("fake-delay", False)] * 2
        workers = [threading.Thread(target=_load, args=(url, m, s, ok, stop)) for m, s in plan]
        for w in workers:
            w.start()
        wait_until(lambda: len(ok) >= 200, 30, "200 calls under load")
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, daemon_log(home)[-3000:]
        stop.set()
        for w in workers:
            w.join(30)
    seen = len(fake.state.requests)
    with duckdb.connect(str(home / "usage.duckdb"), read_only=True) as con:
        recorded, delayed = con.execute(
            "SELECT count(*), count(*) FILTER (WHERE requested_model = 'fake-delay') FROM usage_calls").fetchone()
        assert con.execute("SELECT sum(calls) FROM usage_daily").fetchone() == (recorded,)
    counts = f"recorded={recorded} provider saw={seen} answered={len(ok)} delayed={delayed}"
    assert recorded == seen >= len(ok) >= 200, counts
    assert delayed >= 2, counts  # calls in flight at SIGTERM were drained and recorded too
