"""The ledger when its storage fails: requests are served, records kept in memory (bounded), the operator told,
everything flushed once writing works again.

How the fault is made: `RLIMIT_FSIZE`, the per-process file-size limit. Lowered on a running process (with
`resource.prlimit`, the prlimit(2) call: no root needed, only the same user), every write that would extend a
file past the limit fails with EFBIG ("File too large"; Python ignores SIGXFSZ, so the process is not killed),
exactly like a full disk fails with ENOSPC: the journal append (and DuckDB's write-ahead log append) fails.
Raising the limit again is "the operator freed some space". Unlike chmod (ignored by root) or a small mount
(needs privileges), this works for root and non-root alike, in CI too, and drives the production code path of
the real daemon. The daemon's log goes to a pipe (the limit does not apply to pipes), so it stays readable.

A full disk can also make DuckDB invalidate the database (a checkpoint that fails, even right after a durable
commit); that path runs the Ledger in a child process whose limit lets the write-ahead log grow but not the
database file, with checkpoints after every commit.
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import threading
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

import duckdb
import openai
import pytest

from tests.conftest import FAKE_KEY, Fake, toml_config
from tests.support.cli import ok_json, on
from tests.support.proc import daemon_env, free_port, wait_healthy
from tests.support.servers import http_json, wait_until

pytestmark = pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs Linux prlimit(2)")
REPO = Path(__file__).resolve().parent.parent
MSGS = [{"role": "user", "content": "hello"}]


class Daemon:
    """A running larouterd whose log lines are collected from a pipe."""

    def __init__(self, url: str, proc: subprocess.Popen) -> None:
        self.url, self.proc, self.lines = url, proc, []
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self) -> None:
        if self.proc.stdout is None:  # (its log goes to a file)
            return
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def log(self) -> str:
        return "\n".join(self.lines)

    def ledger(self) -> dict[str, Any]:
        return http_json("GET", self.url + "/health")[1]["ledger"]

    def chat(self) -> dict[str, Any]:
        status, body = http_json("POST", self.url + "/v1/chat/completions", {"model": "gpt-fake", "messages": MSGS})
        assert status == 200, body
        return body

    def file_limit(self, soft: int) -> None:
        """Set the daemon's file-size limit (the soft one; the hard one stays)."""
        hard = resource.prlimit(self.proc.pid, resource.RLIMIT_FSIZE)[1]
        resource.prlimit(self.proc.pid, resource.RLIMIT_FSIZE, (soft, hard))

    def stop(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        code = self.proc.wait(30)
        self.reader.join(10)
        return code


@contextmanager
def daemon(home: Path, cfg: Path, log_file: Path | None = None) -> Iterator[Daemon]:
    """larouterd with the fake provider and its log on a pipe (or appended to `log_file`); always stopped."""
    port = free_port()
    cmd = [sys.executable, "-m", "larouter.daemon", "--port", str(port), "--config", str(cfg)]
    out = subprocess.PIPE if log_file is None else open(log_file, "a")  # noqa: SIM115 - the child's (closed below)
    proc = subprocess.Popen(cmd, env=daemon_env(home, FAKE_KEY=FAKE_KEY), stdout=out,
                            stderr=subprocess.STDOUT, text=True)
    if log_file is not None:
        out.close()
    try:
        wait_healthy(f"http://127.0.0.1:{port}", proc)
        yield Daemon(f"http://127.0.0.1:{port}", proc)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(10)


@pytest.fixture
def cfg(fake: Fake, tmp_path: Path) -> Path:
    """Config with the fake provider and a small buffer (usage.queue_max = 6), to see the bound."""
    path = tmp_path / "c.toml"
    path.write_text(toml_config(fake.url, "\n[usage]\nqueue_max = 6\nflush_interval = 0.05\n"))
    return path


def ledger_rows(home: Path) -> list[int]:
    with duckdb.connect(str(home / "usage.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT seq FROM usage_calls ORDER BY seq").fetchall()]


def test_unwritable_ledger_keeps_serving_and_flushes_later(home: Path, cfg: Path) -> None:
    """Writes failing (EFBIG, as a full disk): every request is answered, 6 records are kept (the bound) and 2
    dropped, one rate-limited ERROR and /health say so (its status "degraded"); once writing works the kept records are committed. /health's
    lastError says when it happened (`lastErrorAt`, UTC), so the one kept after recovery reads as a past failure."""
    with daemon(home, cfg) as d:
        d.chat()
        wait_until(lambda: d.ledger()["written"] == 1, 10, "the first record to be written")
        assert (d.ledger()["lastError"], d.ledger()["lastErrorAt"]) == (None, None)
        before = datetime.now(timezone.utc)
        d.file_limit(0)
        for _ in range(8):
            assert d.chat()["choices"][0]["message"]["content"] == "echo: hello"
        wait_until(lambda: d.ledger()["failing"] and d.ledger()["retries"] >= 3, 15, "the writer to fail and retry")
        assert http_json("GET", d.url + "/health")[1]["status"] == "degraded"  # a monitor hears of it
        state = d.ledger()
        assert state["pending"] == 6 and state["dropped"] == 2 and state["written"] == 1 and state["failed"] == 0
        assert "File too large" in state["lastError"] and "usage.journal" in state["lastError"]  # names the file
        errors = [line for line in d.lines if " ERROR " in line and "cannot write" in line]
        assert len(errors) == 1, d.log  # told once, not once per retry
        assert "requests are still served" in errors[0] and "queue_max = 6" in errors[0]
        assert any("dropped a usage record" in line for line in d.lines)

        failed_at = datetime.fromisoformat(state["lastErrorAt"].replace("Z", "+00:00"))
        assert before <= failed_at <= datetime.now(timezone.utc), state

        d.file_limit(resource.RLIM_INFINITY)  # space again
        wait_until(lambda: not d.ledger()["failing"] and d.ledger()["written"] == 7, 20, "the kept records")
        assert http_json("GET", d.url + "/health")[1]["status"] == "ok"
        recovered = datetime.now(timezone.utc)
        state = d.ledger()
        assert state["pending"] == 0 and "writing works again" in d.log
        assert "File too large" in state["lastError"]  # kept for the record, dated before the recovery
        assert failed_at <= datetime.fromisoformat(state["lastErrorAt"].replace("Z", "+00:00")) <= recovered, state
        assert d.stop() == 0
    assert "Traceback" not in d.log
    assert ledger_rows(home) == list(range(1, 8))  # nothing lost beyond the bound, nothing written twice


def fail_after_one(d: Daemon) -> None:
    """One call's record written, then the file-size limit at 0 and three calls whose records cannot be."""
    d.chat()
    wait_until(lambda: d.ledger()["written"] == 1, 10, "the first record to be written")
    d.file_limit(0)
    for _ in range(3):
        d.chat()
    wait_until(lambda: d.ledger()["failing"] and d.ledger()["pending"] == 3, 15, "the writer to fail")


def test_stop_while_unwritable_reports_the_lost_records(home: Path, cfg: Path) -> None:
    """SIGTERM while writes still fail: a clean exit that counts and reports the records it could not keep; the
    ledger file is intact and opens again."""
    with daemon(home, cfg) as d:
        fail_after_one(d)
        assert d.stop() == 0
    assert "stopping with 3 usage records that could not be written" in d.log
    assert "3 failed" in d.log and "Traceback" not in d.log
    assert ledger_rows(home) == [1]
    with daemon(home, cfg) as again:  # starts normally on the same file and keeps numbering
        again.chat()
        wait_until(lambda: again.ledger()["written"] == 1, 10, "a record after the restart")
        again.stop()
    assert ledger_rows(home) == [1, 2]


def test_status_names_the_failing_ledger(home: Path, cfg: Path) -> None:
    """`larouter status` while the ledger cannot write says that is why the daemon is degraded (not an upstream), with
    the ledger's last error and the records it holds in memory, and that this month's spend leaves them out; once
    writing works the ledger is ok and the spend counts them."""
    with daemon(home, cfg) as d:
        fail_after_one(d)
        result = on(d.url, "status")
        assert result.exit_code == 0, result.output
        text = " ".join(result.stdout.split())
        assert "degraded (the usage ledger cannot write; the daemon itself is up)" in text, text
        assert "usage ledger failing: cannot write (OSError: [Errno 27] File too large" in text, text
        assert "3 usage records waiting (3 in memory only, lost if the daemon stops before writing works again)" \
            in text, text
        assert "over 1 call (all projects, deleted ones included); not counted yet: up to 3 calls whose usage records wait" in text, text
        assert "upstream" not in text.replace("upstreams fake: ok", ""), text  # no upstream is blamed
        assert ok_json(d.url, "status")["ledger"]["failing"] is True

        d.file_limit(resource.RLIM_INFINITY)
        wait_until(lambda: not d.ledger()["failing"] and d.ledger()["written"] == 4, 20, "the kept records")
        text = " ".join(on(d.url, "status").stdout.split())
        assert ": ok, up" in text and "usage ledger ok spend this month" in text, text
        assert "over 4 calls (all projects, deleted ones included)" in text and "not counted" not in text, text
        assert d.stop() == 0


def child(home: str) -> None:
    """Runs in a child process (its file-size limit must not reach pytest): the Ledger through two faults."""
    import logging

    from larouter.config import load_settings
    from larouter.proxy.call import Call
    from larouter.usage.ledger import Ledger

    logging.basicConfig(level=logging.INFO, stream=sys.stderr, format="%(levelname)s %(message)s")
    settings = load_settings(None, {"LAROUTER_HOME": home}, {"usage": {"flush_interval": 0.02}})
    ledger = Ledger.open(settings)
    writer, out = ledger.writer, {}
    writer.retry_max = 0.1
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]

    def record(n: int) -> None:
        for _ in range(n):
            call = Call(requested_model="gpt-4o", stream=False, usage={"prompt_tokens": 3, "completion_tokens": 2})
            call.finish(200)
            ledger.record(call)

    record(2)
    assert writer.wait_flushed(10)
    # 1. The write-ahead log may grow, the database file may not, and every commit checkpoints: the commit is
    #    durable but the checkpoint fails, and DuckDB invalidates the database. The writer reopens it and does
    #    not write the rows a second time.
    ledger.con.execute("SET checkpoint_threshold = '1KB'")
    resource.setrlimit(resource.RLIMIT_FSIZE, (os.path.getsize(ledger.path), hard))
    record(3)
    assert writer.wait_flushed(20)
    wait_until(lambda: not writer.describe()["failing"], 20, "recovery after the reopen")
    out["reopened"] = writer.describe()
    # 2. Nothing may grow: the commits are refused and the rows kept until the limit is lifted.
    resource.setrlimit(resource.RLIMIT_FSIZE, (0, hard))
    record(3)
    wait_until(lambda: writer.describe()["failing"] and writer.pending() == 3, 20, "the writer to fail")
    out["failing"] = writer.describe()
    resource.setrlimit(resource.RLIMIT_FSIZE, (hard, hard))
    assert writer.wait_flushed(20)
    wait_until(lambda: not writer.describe()["failing"], 20, "recovery")
    out["recovered"] = writer.describe()
    ledger.close()
    print(json.dumps(out))


def test_invalidated_database_is_reopened_without_duplicates(tmp_path: Path) -> None:
    """A checkpoint failing on a full disk invalidates the DuckDB database: the writer opens it again, keeps every
    record and writes none twice, even the one whose commit was reported failed but was durable."""
    home = tmp_path / "home"
    out = subprocess.run([sys.executable, "-c", "import sys; from tests.test_ledger_faults import child; child(sys.argv[1])",
                          str(home)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    states = json.loads(out.stdout)
    assert states["reopened"]["written"] == 5 and states["reopened"]["failed"] == 0
    assert "invalidated" in states["reopened"]["lastError"] or "autocheckpoint" in states["reopened"]["lastError"]
    assert states["failing"]["pending"] == 3 and "File too large" in states["failing"]["lastError"]
    assert states["recovered"]["written"] == 8 and states["recovered"]["pending"] == 0
    assert "opened the database again after DuckDB invalidated it" in out.stderr
    assert "Traceback" not in out.stderr
    assert ledger_rows(home) == list(range(1, 9))


def test_a_full_disk_refuses_settings_and_project_changes_clearly(home: Path, cfg: Path) -> None:
    """With the data directory's disk full (EFBIG, as ENOSPC), `PATCH /api/config` and `POST /api/projects` are a 507
    saying so (they were an opaque 500), and nothing changed: no project was added in memory either; once there is
    room, both work."""
    with daemon(home, cfg) as d:
        d.file_limit(0)
        status, out = http_json("PATCH", d.url + "/api/config", {"routing": {"cooldown": 99}})
        assert status == 507 and out["error"]["code"] == "insufficient_storage", out
        assert "disk holding the data directory is full" in out["error"]["message"], out
        status, out = http_json("POST", d.url + "/api/projects", {"name": "full"})
        assert status == 507 and "nothing was changed" in out["error"]["message"], out
        assert [p["name"] for p in http_json("GET", d.url + "/api/projects")[1]["data"]] == ["default"]
        assert http_json("GET", d.url + "/api/config")[1]["routing"]["cooldown"] != 99
        d.file_limit(resource.RLIM_INFINITY)
        assert http_json("POST", d.url + "/api/projects", {"name": "full"})[0] == 201
        assert http_json("PATCH", d.url + "/api/config", {"routing": {"cooldown": 99}})[0] == 200
        assert d.stop() == 0


def test_a_log_on_the_full_disk_loses_lines_not_records(home: Path, cfg: Path, tmp_path: Path) -> None:
    """The daemon's log is a file on the disk that fills (`larouterd >> larouterd.log 2>&1`): its lines are lost, but
    the writer (whose "cannot write" line raised, and killed its thread: 1,941 of 2,760 records lost) keeps its
    records and commits them once writing works; a stream the provider cuts still ends, recorded as a 502."""
    log_file = tmp_path / "larouterd.log"
    with daemon(home, cfg, log_file) as d:
        d.chat()
        wait_until(lambda: d.ledger()["written"] == 1, 10, "the first record to be written")
        d.file_limit(1)  # the log file is past it already: every log write fails too
        for _ in range(5):
            d.chat()
        wait_until(lambda: d.ledger()["failing"] and d.ledger()["retries"] >= 2, 15, "the writer to fail and retry")
        client = openai.OpenAI(base_url=d.url + "/v1", api_key="x", max_retries=0, timeout=20)
        with pytest.raises(openai.APIError):
            for _ in client.chat.completions.create(model="fake-drop", messages=MSGS, stream=True):
                pass
        d.file_limit(resource.RLIM_INFINITY)
        wait_until(lambda: not d.ledger()["failing"] and d.ledger()["written"] == 7, 20, "the kept records")
        rows = http_json("GET", d.url + "/api/usage?period=all")[1]
        assert rows["totalCalls"] == 7 and rows["succeededCalls"] == 6, rows
        assert d.stop() == 0
