"""The ledger's journal: rows are durable once journaled (every flush_interval), committed to DuckDB every
commit_interval; a hard kill between the two loses nothing; a damaged or foreign journal is never trusted."""

from __future__ import annotations

import json
import pickle
import resource
import signal
import struct
import subprocess
import sys
import time
import zlib
from pathlib import Path

import duckdb
import pytest

from larouter.config import load_settings
from larouter.proxy.call import Call
from larouter.usage import journal
from larouter.usage.ledger import Ledger, build_pricer
from larouter.usage.records import COLUMNS, to_row
from tests.conftest import FAKE_KEY, Fake, toml_config
from tests.support.proc import daemon_env, daemon_log, larouterd
from tests.support.servers import http_json, wait_until

MSGS = [{"role": "user", "content": "hello"}]


def _ledger(home: Path, **usage: object) -> Ledger:
    return Ledger.open(load_settings(None, {"LAROUTER_HOME": str(home)}, {"usage": usage}))


def _record(ledger: Ledger, n: int, model: str = "gpt-4o") -> None:
    for _ in range(n):
        call = Call(requested_model=model, stream=False, usage={"prompt_tokens": 3, "completion_tokens": 2})
        call.finish(200)
        ledger.record(call)


def _committed(home: Path) -> list[int]:
    with duckdb.connect(str(home / "usage.duckdb"), read_only=True) as con:
        return [r[0] for r in con.execute("SELECT seq FROM usage_calls ORDER BY seq").fetchall()]


def _row(seq: int) -> tuple:
    """A numbered ledger row as the writer journals it."""
    settings = load_settings(None, {"LAROUTER_HOME": "/nonexistent"})
    call = Call(requested_model="gpt-4o", stream=False, usage={"prompt_tokens": 3, "completion_tokens": 2})
    call.finish(200)
    return (seq, *to_row(call, build_pricer(settings)))


def _frame(rows: list[tuple], first: int, payload: bytes | None = None) -> bytes:
    body = pickle.dumps(rows, protocol=5) if payload is None else payload
    return journal.HEADER.pack(journal.MAGIC, len(body), zlib.crc32(body), first) + body


def test_hard_kill_after_journaling_loses_nothing(home: Path, fake: Fake, tmp_path: Path) -> None:
    """Calls journaled but not yet committed to DuckDB (commit_interval is an hour) survive a SIGKILL: the next
    start commits them, numbered as before, and /api/usage counts every one. Its /health counts them as recovered,
    not as submitted (it said `submitted: 7` before this run's first call), and a call of this run as submitted."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url, "\n[usage]\nflush_interval = 0.02\ncommit_interval = 3600.0\n"))
    env = daemon_env(home, FAKE_KEY=FAKE_KEY)
    with larouterd(home, "--config", str(cfg), env=env) as (url, proc):
        for _ in range(7):
            assert http_json("POST", url + "/v1/chat/completions", {"model": "gpt-fake", "messages": MSGS})[0] == 200
        wait_until(lambda: http_json("GET", url + "/health")[1]["ledger"]["journaled"] == 7, 10, "7 rows journaled")
        assert http_json("GET", url + "/health")[1]["ledger"]["written"] == 0  # none committed to DuckDB yet
        assert (home / journal.FILENAME).stat().st_size > 0
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
    assert _committed(home) == []
    with larouterd(home, "--config", str(cfg), env=env) as (url, proc):
        ledger = http_json("GET", url + "/health")[1]["ledger"]
        assert (ledger["recovered"], ledger["submitted"], ledger["written"], ledger["pending"]) == (7, 0, 7, 0), ledger
        assert http_json("GET", url + "/api/usage?period=all")[1]["totalCalls"] == 7
        assert http_json("POST", url + "/v1/chat/completions", {"model": "gpt-fake", "messages": MSGS})[0] == 200
        wait_until(lambda: http_json("GET", url + "/api/usage?period=all")[1]["totalCalls"] == 8, 10, "the new call")
        ledger = http_json("GET", url + "/health")[1]["ledger"]
        assert (ledger["recovered"], ledger["submitted"], ledger["written"]) == (7, 1, 8), ledger
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
    assert _committed(home) == list(range(1, 9))  # the 7 recovered, then the new call
    assert "committing 7 usage records from the journal" in daemon_log(home)
    assert (home / journal.FILENAME).stat().st_size == 0  # emptied once committed


def test_queries_see_every_recorded_call(home: Path, fake: Fake, tmp_path: Path) -> None:
    """With commits an hour apart, /api/usage and the CSV export still count the call just answered: a query
    first commits what was recorded before it (waiting at most CATCH_UP_TIMEOUT for it: on a loaded disk a later query
    may be the first to see it, but without that commit no query would within the hour)."""
    cfg = tmp_path / "c.toml"
    cfg.write_text(toml_config(fake.url, "\n[usage]\ncommit_interval = 3600.0\n"))
    with larouterd(home, "--config", str(cfg), env=daemon_env(home, FAKE_KEY=FAKE_KEY)) as (url, _):
        for n in (1, 2, 3):
            assert http_json("POST", url + "/v1/chat/completions", {"model": "gpt-fake", "messages": MSGS})[0] == 200
            wait_until(lambda: http_json("GET", url + "/health")[1]["ledger"]["submitted"] == n, 10, "the record")
            wait_until(lambda: http_json("GET", url + "/api/usage?period=all")[1]["totalCalls"] == n, 10,
                       f"the query to count call {n}")


def test_rows_are_committed_every_commit_interval(home: Path) -> None:
    """Journaled every flush_interval, committed once commit_interval has passed, in one batch."""
    ledger = _ledger(home, flush_interval=0.01, commit_interval=3.0)  # (long enough for a loaded machine's journal
    try:  # write and fdatasync to be seen before the commit)
        _record(ledger, 5)
        writer = ledger.writer
        wait_until(lambda: writer.describe()["journaled"] == 5, 5, "5 rows journaled")
        assert writer.stats.written == 0 and (home / journal.FILENAME).stat().st_size > 0
        wait_until(lambda: writer.stats.written == 5, 10, "the commit")
        assert writer.stats.batches == 1 and writer.describe()["journaled"] == 0
        assert (home / journal.FILENAME).stat().st_size == 0
    finally:
        ledger.close()


def test_rows_already_committed_are_not_written_twice(home: Path) -> None:
    """A crash between the DuckDB commit and emptying the journal: the journal's rows the ledger holds are
    skipped by their seq, the others committed after them."""
    ledger = _ledger(home)
    _record(ledger, 3)
    ledger.close()
    (home / journal.FILENAME).write_bytes(_frame([_row(1), _row(2), _row(3)], 1) + _frame([_row(4), _row(5)], 4))
    ledger = _ledger(home)
    ledger.close()
    assert _committed(home) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("damage", ["torn", "crc", "foreign", "shape"])
def test_damaged_journal_tail_is_cut_off(home: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    """The intact frames before a torn, damaged or foreign one are committed; the rest is ignored with a
    warning, never unpickled into anything but rows (a pickled callable is refused, not run)."""
    ledger = _ledger(home)
    _record(ledger, 1)
    ledger.close()
    marker = home / "ran"
    evil = b"cposix\nsystem\n(S'touch " + str(marker).encode() + b"'\ntR."  # runs os.system if unpickled plainly
    bad = {
        "torn": _frame([_row(3)], 3)[:-5],
        "crc": _frame([_row(3)], 3)[:-1] + b"\x00",
        "foreign": _frame([], 3, evil),
        "shape": _frame([(3, "not", "a", "row")], 3),
    }[damage]
    (home / journal.FILENAME).write_bytes(_frame([_row(2)], 2) + bad)
    with caplog.at_level("WARNING", "larouter.usage"):
        ledger = _ledger(home)
        ledger.close()
    assert _committed(home) == [1, 2]
    assert "ignored the last" in caplog.text and not marker.exists()


@pytest.mark.parametrize("damage", ["crc", "foreign", "shape", "header"])
def test_a_damaged_frame_loses_only_its_own_rows(home: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    """Damage in the middle of the journal (a bad sector, a stray write) costs the rows of that frame only: the
    intact frames after it are found again and committed, and the loss is logged with its place."""
    ledger = _ledger(home)
    _record(ledger, 1)
    ledger.close()
    frame = _frame([_row(3), _row(4)], 3)
    bad = {
        "crc": frame[:-1] + b"\x00",
        "foreign": _frame([], 3, b"cposix\nsystem\n(S'true'\ntR."),
        "shape": _frame([(3, "not", "a", "row")], 3),
        "header": b"LRJ1" + struct.pack("<IIQ", 1 << 30, 0, 3) + frame[journal.HEADER.size:],  # length field hit
    }[damage]
    (home / journal.FILENAME).write_bytes(_frame([_row(2)], 2) + bad + _frame([_row(5), _row(6)], 5) + _frame([_row(7)], 7))
    with caplog.at_level("WARNING", "larouter.usage"):
        ledger = _ledger(home)
        _record(ledger, 1)  # numbering goes on after the last row read back
        ledger.close()
    assert _committed(home) == [1, 2, 5, 6, 7, 8]
    assert f"skipped {len(bad)} damaged bytes at offset {len(_frame([_row(2)], 2))}" in caplog.text
    assert "ignored the last" not in caplog.text


def test_journal_rows_have_the_ledger_shape() -> None:
    """read_frames accepts exactly numbered rows of the ledger's width, consecutive from the frame's seq."""
    row = (1, *range(len(COLUMNS)))
    good = _frame([row, (2, *row[1:])], 1)
    assert journal.read_frames(good) == ([row, (2, *row[1:])], len(good), [])
    wrong = _frame([row], 2)
    assert journal.read_frames(wrong) == ([], 0, [(0, len(wrong))])  # numbering does not match the header
    # Journaled by earlier versions: before rows recorded their request ids (the last two columns), and before that
    # their baseline model too; the columns they lack read back as None. No version journaled any other width.
    assert (COLUMNS[-3:], journal.WIDTH) == (("baseline_model", "request_id", "upstream_request_id"), len(row))
    no_ids, oldest = row[:-2], row[:-3]
    assert journal.read_frames(_frame([no_ids, (2, *oldest[1:])], 1))[0] == [(*no_ids, None, None),
                                                                            (2, *oldest[1:], None, None, None)]
    for width in (len(row) - 1, len(row) - 4):
        odd = _frame([(1, *range(width - 1))], 1)
        assert journal.read_frames(odd) == ([], 0, [(0, len(odd))]), width
    with pytest.raises(journal.NewerJournal):  # wider: a newer version's rows, never cut off as damage (review Y)
        journal.read_frames(_frame([(1, *range(len(row)))], 1))
    absurd = b"LRJ1" + struct.pack("<IIQ", 1 << 31, 0, 1)
    assert journal.read_frames(absurd) == ([], 0, [(0, len(absurd))])


def test_recovered_rows_do_not_count_for_new_ones(home: Path) -> None:
    """After a start that recovered rows from the journal, waiting for new rows still waits for those rows."""
    (home / journal.FILENAME).parent.mkdir(parents=True, exist_ok=True)
    (home / journal.FILENAME).write_bytes(_frame([_row(i) for i in range(1, 6)], 1))
    ledger = _ledger(home, flush_interval=3600.0, commit_interval=3600.0)
    try:
        assert ledger.writer.stats.recovered == 5 and ledger.writer.stats.written == 5
        _record(ledger, 2)
        assert ledger.writer.wait_flushed(10)
        assert ledger.query(lambda cur: cur.execute("SELECT max(seq) FROM usage_calls").fetchall()) == [(7,)]
    finally:
        ledger.close()


def refusing_child(home: str) -> None:
    """Runs in a child process (its file-size limit must not reach pytest): DuckDB's write-ahead log may not grow,
    the small journal may; rows are journaled, DuckDB refuses them, the ledger stops."""
    ledger = _ledger(Path(home), flush_interval=0.02, commit_interval=0.05)
    writer = ledger.writer
    writer.retry_max = 0.1
    _record(ledger, 2)
    assert writer.wait_flushed(10)
    hard = resource.getrlimit(resource.RLIMIT_FSIZE)[1]
    resource.setrlimit(resource.RLIMIT_FSIZE, ((Path(home) / "usage.duckdb.wal").stat().st_size, hard))
    _record(ledger, 3)
    deadline = time.monotonic() + 20
    while not (writer.describe()["failing"] and writer.describe()["journaled"] == 3):
        assert time.monotonic() < deadline, writer.describe()
        time.sleep(0.01)
    state = writer.describe()
    ledger.close()
    print(json.dumps(state))


@pytest.mark.skipif(not hasattr(resource, "prlimit"), reason="needs Linux prlimit(2)")
def test_rows_duckdb_refuses_at_stop_are_committed_at_the_next_start(home: Path,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    """DuckDB refuses the commit (its write-ahead log cannot grow, as on a full disk) but the journal took the rows:
    a clean stop keeps them in the journal, says so, and the next start commits them, none lost or doubled."""
    out = subprocess.run([sys.executable, "-c", "import sys; from tests.test_usage_journal import refusing_child; "
                          "refusing_child(sys.argv[1])", str(home)], cwd=Path(__file__).resolve().parent.parent,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    state = json.loads(out.stdout)
    assert state["written"] == 2 and state["journaled"] == 3 and "File too large" in state["lastError"]
    assert "they stay in" in out.stderr and "usage.journal" in out.stderr and "Traceback" not in out.stderr
    with caplog.at_level("INFO", "larouter.usage"):
        ledger = _ledger(home)
        ledger.close()
    assert "committing 3 usage records from the journal" in caplog.text
    assert _committed(home) == [1, 2, 3, 4, 5]
