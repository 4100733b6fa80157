"""An idle larouterd does not wake (review BF: 14 times a second for ever, the ledger writer polling every
usage.flush_interval and the log flusher every 0.25 s with nothing to do), and what wakes it still gets written as
soon as before: a usage row is journaled, a call in flight saved and an INFO line written within their flush
windows."""

from __future__ import annotations

import json
import os
import threading
import time
from pathlib import Path
from urllib.request import Request, urlopen

from tests.conftest import FAKE_KEY, Fake, toml_config
from tests.support.proc import daemon_env, daemon_log, larouterd
from tests.support.servers import wait_until


def switches(pid: int) -> int:
    """The context switches of every thread of `pid` so far (voluntary and not): each is a wake-up."""
    total = 0
    for tid in os.listdir(f"/proc/{pid}/task"):
        try:
            with open(f"/proc/{pid}/task/{tid}/status", encoding="ascii") as status:
                total += sum(int(line.split()[1]) for line in status if "ctxt_switches" in line)
        except OSError:  # (a thread that ended)
            continue
    return total


def chat(url: str, model: str, request_id: str) -> None:
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hello"}]}).encode()
    headers = {"Content-Type": "application/json", "X-Request-ID": request_id}
    try:
        with urlopen(Request(url + "/v1/chat/completions", data=body, headers=headers), timeout=30) as resp:
            resp.read()
    except OSError:
        pass  # (fake-hang: the daemon is stopped under it)


def ledger(url: str) -> dict[str, int]:
    with urlopen(url + "/health", timeout=10) as resp:
        return json.loads(resp.read())["ledger"]  # type: ignore[no-any-return]


def quiet(pid: int, seconds: float) -> int:
    """How many times `pid`'s threads woke in the next `seconds`."""
    before = switches(pid)
    time.sleep(seconds)  # (the window measured)
    return switches(pid) - before


def test_an_idle_daemon_does_not_wake(home: Path) -> None:
    """Once the start's work is done (DuckDB's threads wake a few times in the first second), larouterd's threads
    wake at most twice in 3 s of idle in all: they woke 42 times (the ledger writer 30, the log flusher 12)."""
    with larouterd(home) as (_url, proc):
        wait_until(lambda: quiet(proc.pid, 0.5) == 0, 15, "the start's work to end (a quiet half second)")
        woke = quiet(proc.pid, 3.0)
    assert woke <= 2, woke


def test_what_wakes_an_idle_daemon_is_written_in_its_flush_window(home: Path, fake: Fake, tmp_path: Path) -> None:
    """On a daemon idle since its start: a call that starts is saved as in flight (`inflight.json`), and one that
    ends is journaled and its access line written, each within about its flush window (usage.flush_interval 0.1 s,
    logs 0.25 s), with no other request to wake the daemon."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url))
    with larouterd(home, "--config", str(cfg), env=daemon_env(home, FAKE_KEY=FAKE_KEY)) as (url, proc):
        wait_until(lambda: "listening on" in daemon_log(home), 10, "the start's lines to be written")
        wait_until(lambda: quiet(proc.pid, 0.5) == 0, 15, "the writer and the log flusher to wait for work")
        hung = threading.Thread(target=chat, args=(url, "fake-hang", "req-hung"), daemon=True)
        hung.start()
        wait_until(lambda: (home / "inflight.json").exists(), 3, "the call in flight to be saved")
        assert [entry["id"] for entry in json.loads((home / "inflight.json").read_bytes())] == ["req-hung"]
        chat(url, "gpt-fake", "req-done")
        wait_until(lambda: ledger(url)["journaled"] + ledger(url)["written"] >= 1, 3, "the row to be journaled")
        wait_until(lambda: "id=req-done" in daemon_log(home), 3, "its access line to be written")
