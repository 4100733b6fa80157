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


def saved_models(home: Path) -> list[str] | None:
    """The models of the calls `inflight.json` lists (None: no file yet). A call that ended is still listed until the
    writer's next flush (its row journaled first): a kill while it is would record it as interrupted."""
    try:
        return [entry["model"] for entry in json.loads((home / "inflight.json").read_bytes())]
    except (OSError, ValueError):  # (replaced whole, by a rename: never read half written)
        return None


@pytest.mark.parametrize("reused", [False, True], ids=["own-id", "id-reused"])
def test_a_call_in_flight_at_a_hard_kill_is_recorded_at_the_next_start(home: Path, fake: Fake, tmp_path: Path,
                                                                       reused: bool) -> None:
    """Also when the client gave the hung call the request id of a call that ended before (retries reuse ids): the
    ledger holding that id does not hide it (it did, review L)."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url, PRICES))
    env = daemon_env(home, FAKE_KEY=FAKE_KEY)
    with larouterd(home, "--config", str(cfg), env=env) as (url, proc):
        status, project = http_json("POST", url + "/api/projects", {"name": "capped", "budgetUsd": 100.0})
        assert status == 201
        chat(url, "gpt-fake", "req-done-before", project["token"])
        hung_id = "req-done-before" if reused else "req-in-flight"
        hung = threading.Thread(target=chat, args=(url, "fake-hang", hung_id, project["token"]), daemon=True)
        hung.start()
        wait_until(lambda: any(r["model"] == "fake-hang" for r in fake.state.requests), 10, "the provider to have it")
        wait_until(lambda: saved_models(home) == ["fake-hang"], 10, "the call in flight to be saved, alone")
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    with larouterd(home, "--config", str(cfg), env=env) as (url, _):
        with urlopen(url + "/api/usage/export?projectId=*&period=all") as resp:
            listed = list(csv.DictReader(io.StringIO(resp.read().decode())))
        budget = http_json("GET", url + f"/api/usage?projectId={project['id']}")[1]["budget"]
    assert sorted(r["request_id"] for r in listed) == sorted(["req-done-before", hung_id]), listed
    row = next(r for r in listed if r["model"] == "fake-hang")
    assert (row["status"], row["error_type"], row["tokens_estimated"], row["model"]) == (
        "502", "interrupted", "true", "fake-hang"), row
    assert int(row["input_tokens"]) > 500 and float(row["cost_usd"]) > 0.5, row  # (2.4 kB of prompt at $1,000/M)
    assert budget["spent"] >= float(row["cost_usd"]), budget
    assert not (home / "inflight.json").exists()


# "deep" is built in the test: as a parameter its 200 kB would become the test's id, and pytest puts the id in the
# environment of every process the test starts (PYTEST_CURRENT_TEST), past the kernel's 128 kB limit for one string.
@pytest.mark.parametrize("content", ["null", "42", "deep", "fifo", "directory"])
def test_a_damaged_calls_in_flight_file_never_stops_a_start(home: Path, content: str) -> None:
    """`inflight.json` hand-edited to something that is no list of calls, nested past the parser's depth, a FIFO or
    a directory: the start goes on, with a warning naming the file (it stopped with a traceback, or hung)."""
    import os

    from tests.support.proc import daemon_log

    home.mkdir(parents=True, exist_ok=True)
    path = home / "inflight.json"
    if content == "fifo":
        os.mkfifo(path)
    elif content == "directory":
        path.mkdir()
    else:
        path.write_text("[" * 100_000 + "]" * 100_000 if content == "deep" else content)
    with larouterd(home) as (url, _):
        assert http_json("GET", url + "/health")[0] == 200
    assert f"{path} cannot be read" in daemon_log(home), daemon_log(home)[-2000:]


def test_calls_in_flight_this_version_cannot_read_are_said_not_dropped_in_silence(home: Path) -> None:
    """An entry this version cannot read (a newer version's field renamed, or damage) beside a list that is fine:
    the start says how many were not recorded (they went without a word, and the file was removed: review Y)."""
    from tests.support.proc import daemon_log

    home.mkdir(parents=True, exist_ok=True)
    (home / "inflight.json").write_text('[{"id": "req-1", "requestBytes": 100}, 7]')
    with larouterd(home) as (url, _):
        assert http_json("GET", url + "/health")[0] == 200
    assert "2 of the 2 calls in flight at the last stop" in daemon_log(home), daemon_log(home)[-2000:]
