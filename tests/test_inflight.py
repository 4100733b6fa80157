"""Calls in flight at a hard kill: the provider had them and bills them, so the next start records each as an
interrupted call (502 `interrupted`, its prompt estimated and priced) and the budget counts it; a call that ended
before the kill is recorded once, never twice."""

from __future__ import annotations

import csv
import io
import json
import signal
import threading
from pathlib import Path
from urllib.request import Request, urlopen

import pytest

from tests.conftest import FAKE_KEY, Fake, toml_config
from tests.support.proc import daemon_env, larouterd
from tests.support.servers import http_json, wait_until

pytestmark = pytest.mark.slow
PRICES = '\n[providers.fake.prices."fake-hang"]\ninput = 1000.0\noutput = 1000.0\n'


def chat(url: str, model: str, request_id: str, token: str) -> None:
    body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hello " * 400}]}).encode()
    headers = {"Content-Type": "application/json", "X-Request-ID": request_id, "Authorization": f"Bearer {token}"}
    try:
        with urlopen(Request(url + "/v1/chat/completions", data=body, headers=headers), timeout=60) as resp:
            resp.read()
    except OSError:
        pass  # (the daemon is killed under it)


def test_a_call_in_flight_at_a_hard_kill_is_recorded_at_the_next_start(home: Path, fake: Fake,
                                                                       tmp_path: Path) -> None:
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url, PRICES))
    env = daemon_env(home, FAKE_KEY=FAKE_KEY)
    with larouterd(home, "--config", str(cfg), env=env) as (url, proc):
        status, project = http_json("POST", url + "/api/projects", {"name": "capped", "budgetUsd": 100.0})
        assert status == 201
        chat(url, "gpt-fake", "req-done-before", project["token"])
        hung = threading.Thread(target=chat, args=(url, "fake-hang", "req-in-flight", project["token"]), daemon=True)
        hung.start()
        wait_until(lambda: any(r["model"] == "fake-hang" for r in fake.state.requests), 10, "the provider to have it")
        wait_until(lambda: (home / "inflight.json").exists(), 10, "the call in flight to be saved")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    with larouterd(home, "--config", str(cfg), env=env) as (url, _):
        with urlopen(url + "/api/usage/export?projectId=*&period=all") as resp:
            rows = {r["request_id"]: r for r in csv.DictReader(io.StringIO(resp.read().decode()))}
        budget = http_json("GET", url + f"/api/usage?projectId={project['id']}")[1]["budget"]
    assert set(rows) == {"req-done-before", "req-in-flight"}, rows
    row = rows["req-in-flight"]
    assert (row["status"], row["error_type"], row["tokens_estimated"], row["model"]) == (
        "502", "interrupted", "true", "fake-hang"), row
    assert int(row["input_tokens"]) > 500 and float(row["cost_usd"]) > 0.5, row  # (2.4 kB of prompt at $1,000/M)
    assert budget["spent"] >= float(row["cost_usd"]), budget
    assert not (home / "inflight.json").exists()
