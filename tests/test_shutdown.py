"""The real larouterd at SIGINT or SIGTERM: requests that outlive the shutdown grace are cut with an error saying so,
recorded as the server's doing with what was streamed, and the daemon exits right after the grace. SIGHUP stops it
too, but a signal its caller ignored (`nohup`) stays ignored."""

from __future__ import annotations

import csv
import io
import json
import math
import signal
import threading
import time
from pathlib import Path
from typing import Any, Callable
from urllib.error import HTTPError, URLError
from urllib.request import Request, urlopen

import openai
import pytest

from tests.conftest import FAKE_KEY, Fake, toml_config
from tests.support.proc import daemon_env, daemon_log, default_stop_signals, larouterd
from tests.support.servers import home_admin, wait_until

GRACE = 3.0
# The daemon must exit within GRACE + MARGIN of the signal. It takes about 0.1 s beyond the grace; before the fix it
# took twice the grace (aiohttp waited its shutdown timeout again after cancelling), which this margin fails; the
# margin leaves a loaded CI machine 2.5 s for the ledger's last commit and the interpreter's exit.
MARGIN = 2.5
PRICES = '[providers.fake.prices."fake-slow"]\ninput = 2.0\noutput = 8.0\n'


class StreamClient(threading.Thread):
    """A streamed chat completion through the official SDK, remembering every chunk and how the stream ended."""

    def __init__(self, url: str) -> None:
        super().__init__(daemon=True)
        self.sdk = openai.OpenAI(base_url=url + "/v1", api_key="x", max_retries=0, timeout=30)
        self.chunks: list[Any] = []
        self.error: openai.APIError | None = None
        self.ended_at = 0.0

    def run(self) -> None:
        stream = self.sdk.chat.completions.create(
            model="fake-slow", messages=[{"role": "user", "content": "count"}], stream=True)
        try:
            for chunk in stream:
                self.chunks.append(chunk)
        except openai.APIError as exc:
            self.error = exc
        self.ended_at = time.monotonic()


def post_json(url: str, model: str, out: dict[str, Any]) -> threading.Thread:
    """Send a non-streamed chat completion on a thread; `out` gets its status and body."""

    def run() -> None:
        body = json.dumps({"model": model, "messages": [{"role": "user", "content": "hello"}]}).encode()
        req = Request(url + "/v1/chat/completions", data=body, headers={"Content-Type": "application/json"})
        try:
            with urlopen(req, timeout=30) as resp:
                out.update(status=resp.status, body=json.load(resp))
        except HTTPError as exc:
            out.update(status=exc.code, body=json.load(exc))

    worker = threading.Thread(target=run, daemon=True)
    worker.start()
    return worker


def refused(url: str) -> bool:
    """True when a new connection to the daemon is refused."""
    try:
        urlopen(url + "/health", timeout=5).close()
    except URLError as exc:
        return isinstance(exc.reason, ConnectionRefusedError)
    return False


def usage_rows(home: Path, cfg: Path, env: dict[str, str]) -> dict[str, dict[str, str]]:
    """The ledger's rows by requested model, read from a restarted daemon's CSV export."""
    with larouterd(home, "--config", str(cfg), env=env) as (url, _proc):
        with urlopen(url + "/api/usage/export?period=all", timeout=30) as resp:
            rows = list(csv.DictReader(io.StringIO(resp.read().decode("utf-8"), newline="")))
    return {row["requested_model"]: row for row in rows}


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_requests_outliving_the_grace_are_cut_with_an_error(home: Path, fake: Fake, tmp_path: Path,
                                                            sig: signal.Signals) -> None:
    """A stream still running when the grace ends gets an SSE error naming the shutdown (no [DONE]) and a
    non-streamed call a 503; both are recorded as 503 `server_shutdown` (the stream with the text it sent), a call
    that ends within the grace completes normally, new connections are refused, and the daemon exits promptly."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url, PRICES))
    env = daemon_env(home, FAKE_KEY=FAKE_KEY, LAROUTER_SERVER__SHUTDOWN_GRACE=str(GRACE),
                     LAROUTER_PROVIDERS__FAKE__READ_TIMEOUT="60")  # fake-hang waits on the provider, not a timeout
    with larouterd(home, "--config", str(cfg), env=env) as (url, proc):
        stream = StreamClient(url)
        stream.start()
        hung: dict[str, Any] = {}
        quick: dict[str, Any] = {}
        workers = [post_json(url, "fake-hang", hung), post_json(url, "fake-delay", quick)]  # fake-delay: 1 s
        wait_until(lambda: len(stream.chunks) >= 5 and len(fake.state.requests) == 3, 15, "three calls in flight")
        signalled = time.monotonic()
        proc.send_signal(sig)
        wait_until(lambda: "shutting down" in daemon_log(home), 10, "the drain to start")
        assert refused(url) and proc.poll() is None  # draining: new connections are refused
        try:
            code = proc.wait(GRACE + 30)
        finally:
            exited = time.monotonic() - signalled
        stream.join(10)
        for worker in workers:
            worker.join(10)
    assert code == 0
    assert exited < GRACE + MARGIN, f"exited {exited:.2f} s after the signal (grace {GRACE} s)"
    assert quick["status"] == 200 and quick["body"]["choices"][0]["message"]["content"] == "echo: hello"

    assert stream.error is not None, f"the stream ended without an error after {len(stream.chunks)} chunks"
    assert stream.error.code == "server_shutdown" and "larouterd is shutting down" in stream.error.message
    assert stream.ended_at - signalled >= GRACE - 0.05  # it was streamed for the whole grace, then cut
    assert hung["status"] == 503 and hung["body"]["error"]["code"] == "server_shutdown", hung

    rows = usage_rows(home, cfg, env)
    cut, waited, done = rows["fake-slow"], rows["fake-hang"], rows["fake-delay"]
    assert (cut["status"], cut["error_type"]) == ("503", "server_shutdown"), cut
    text = "".join(c.choices[0].delta.content or "" for c in stream.chunks if c.choices)
    assert int(cut["output_tokens"]) == math.ceil(len(text) / 4) and cut["tokens_estimated"] == "true", cut
    assert float(cut["cost_usd"]) > 0, cut
    assert (waited["status"], waited["error_type"]) == ("503", "server_shutdown"), waited
    assert int(waited["input_tokens"]) > 0, waited  # the provider had the request: its prompt may be billed
    assert (done["status"], done["error_type"]) == ("200", ""), done


def test_stream_cut_on_the_wire_ends_cleanly(home: Path, fake: Fake, tmp_path: Path) -> None:
    """On the wire, a cut stream is its data events, then one `data: {"error": ...}` event, and a cleanly ended
    chunked body: no [DONE], since the answer is not complete."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url, PRICES))
    env = daemon_env(home, FAKE_KEY=FAKE_KEY, LAROUTER_SERVER__SHUTDOWN_GRACE="0.5")
    with larouterd(home, "--config", str(cfg), env=env) as (url, proc):
        body = json.dumps({"model": "fake-slow", "messages": [{"role": "user", "content": "hi"}], "stream": True})
        req = Request(url + "/v1/chat/completions", data=body.encode(), headers={"Content-Type": "application/json"})
        with urlopen(req, timeout=30) as resp:
            first = resp.readline()
            proc.send_signal(signal.SIGINT)
            raw = first + resp.read()  # raises IncompleteRead if the body is cut rather than ended
        assert proc.wait(30) == 0
    events = [e for e in raw.decode().split("\n\n") if e]
    assert all(e.startswith("data: {") for e in events) and "[DONE]" not in raw.decode(), raw[-500:]
    error = json.loads(events[-1].removeprefix("data: "))["error"]
    assert error["type"] == "server_error" and error["code"] == "server_shutdown", error
    assert "0.5 s shutdown grace" in error["message"] and all('"choices"' in e for e in events[:-1])


def test_an_auto_stream_cut_while_its_local_model_loads(home: Path, fake: Fake, tmp_path: Path) -> None:
    """An `auto` stream whose local model is still loading has had its headers and `: starting` comments: the
    shutdown cuts it with one error event naming the shutdown (no [DONE]), records it as 503 `server_shutdown`, and
    stops the loading llama-server with the daemon."""
    from tests.support.tiny_gguf import write_tiny_gguf
    from tests.test_local_routing import HEARTBEAT, slow_llama_server

    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url, "[local]\n" + slow_llama_server(tmp_path, seconds=60).format(last="gpt-fake")))
    env = daemon_env(home, FAKE_KEY=FAKE_KEY, LAROUTER_SERVER__SHUTDOWN_GRACE="0.5")
    with larouterd(home, "--config", str(cfg), env=env) as (url, proc):
        model = {"id": "tiny", "path": str(write_tiny_gguf(tmp_path / "tiny.gguf")), "contextLength": 2048}
        req = Request(url + "/api/models", data=json.dumps(model).encode(),
                      headers={"Content-Type": "application/json", **home_admin(home)})
        with urlopen(req, timeout=30) as resp:
            assert resp.status == 201
        body = {"model": "auto", "messages": [{"role": "user", "content": HEARTBEAT}], "stream": True}
        req = Request(url + "/v1/chat/completions", data=json.dumps(body).encode(),
                      headers={"Content-Type": "application/json"})
        with urlopen(req, timeout=30) as resp:
            first = resp.readline()
            assert first == b": starting tiny\n", first
            proc.send_signal(signal.SIGINT)
            raw = first + resp.read()
        assert proc.wait(30) == 0
    script = str(tmp_path / "slow-llama-server").encode()
    assert not [p for p in Path("/proc").glob("[0-9]*/cmdline") if script in _read(p)], "the loading server was left"
    events = [e for e in raw.decode().split("\n\n") if e]
    assert events[-1].startswith("data: {") and "[DONE]" not in raw.decode(), raw[-500:]
    assert all(e.startswith(": starting tiny") for e in events[:-1]), events
    assert json.loads(events[-1].removeprefix("data: "))["error"]["code"] == "server_shutdown", events[-1]
    row = usage_rows(home, cfg, env)["auto"]
    assert (row["status"], row["error_type"]) == ("503", "server_shutdown"), row


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError:  # the process ended meanwhile
        return b""


def ignored_signals(pid: int) -> int:
    """The process's mask of ignored signals (`SigIgn` in /proc/PID/status: bit N-1 is signal N)."""
    status = Path(f"/proc/{pid}/status").read_text()
    return int(next(line for line in status.splitlines() if line.startswith("SigIgn:")).split()[1], 16)


def ignoring(sig: signal.Signals) -> Callable[[], None]:
    """A `preexec_fn` that starts larouterd as `nohup` (SIGHUP) or a script's `&` (SIGINT) does: that signal ignored."""
    def preexec() -> None:
        default_stop_signals()
        signal.signal(sig, signal.SIG_IGN)
    return preexec


@pytest.mark.parametrize("sig", [signal.SIGHUP, signal.SIGINT], ids=["SIGHUP", "SIGINT"])
def test_a_signal_the_caller_ignored_stays_ignored(home: Path, fake: Fake, tmp_path: Path,
                                                   sig: signal.Signals) -> None:
    """`nohup larouterd &`: the hang-up when the terminal closes (or a logrotate `kill -HUP`) leaves it serving; it
    drained and exited 0 on it, which systemd's Restart=on-failure does not restart (review AS). Its /proc status
    keeps the signal ignored; SIGTERM still drains and stops it, and the log names the signal that did."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url))
    with larouterd(home, "--config", str(cfg), env=daemon_env(home, FAKE_KEY=FAKE_KEY), preexec=ignoring(sig)) as (
            url, proc):
        assert ignored_signals(proc.pid) & (1 << (sig - 1)), "larouterd handles a signal its caller ignored"
        proc.send_signal(sig)
        sdk = openai.OpenAI(base_url=url + "/v1", api_key="x", max_retries=0, timeout=30)
        answer = sdk.chat.completions.create(model="gpt-fake", messages=[{"role": "user", "content": "still there?"}])
        assert answer.choices[0].message.content == "echo: still there?"
        assert proc.poll() is None and ignored_signals(proc.pid) & (1 << (sig - 1))
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(20) == 0
    log = daemon_log(home)
    assert f"{sig.name} is ignored, as larouterd's caller" in log, log
    assert "shutting down on SIGTERM: draining" in log and f"on {sig.name}" not in log, log


def test_sighup_not_ignored_drains_and_names_itself(home: Path) -> None:
    """Started from a terminal (SIGHUP not ignored), a hang-up stops larouterd as before: drained, exit 0, and the
    log says which signal began it (it said only "shutting down", the same for a HUP and a `systemctl stop`)."""
    with larouterd(home) as (_url, proc):
        assert not ignored_signals(proc.pid) & (1 << (signal.SIGHUP - 1))
        proc.send_signal(signal.SIGHUP)
        assert proc.wait(20) == 0
    log = daemon_log(home)
    assert "shutting down on SIGHUP: draining in-flight requests" in log and "is ignored" not in log, log
