"""The ledger when something goes wrong around it: an error the writer did not expect, a start that cannot commit
what the journal holds (budgets must still count it), calls stamped ahead of today, and the file deleted or replaced
under a running daemon."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from pathlib import Path

import duckdb
import pytest

from larouter.config import Settings, load_settings
from larouter.usage.ledger import Ledger
from larouter.usage.prices import shipped_price_table
from larouter.usage.pricing import Pricer
from larouter.usage.records import COST, epoch_us, to_row
from larouter.usage.writer import Writer
from tests.support.servers import wait_until
from tests.test_usage_ledger import finished_call, settings_for


def test_an_unexpected_error_does_not_end_the_writer(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """An error the writer did not expect (a bug) is logged and retried like a storage failure: the thread lives on
    and the record is committed (a dead writer thread would keep every later record waiting for ever, unsaid)."""
    settings = settings_for(tmp_path)
    ledger = Ledger.open(settings)
    real, raised = Writer._drain, []

    def flaky(self: Writer, count: int) -> None:
        if not raised:
            raised.append(1)
            raise RuntimeError("a bug")
        real(self, count)

    monkeypatch.setattr(Writer, "_drain", flaky)
    try:
        ledger.record(finished_call(settings, "acme-1", {"prompt_tokens": 1, "completion_tokens": 1}))
        assert ledger.writer.wait_flushed(10)
        assert raised and ledger.writer.stats.written == 1 and ledger.writer.stats.retries == 1
        wait_until(lambda: not ledger.writer.failing, 5, "the writer to say it writes again")
    finally:
        ledger.close()


def test_budget_spend_counts_journaled_rows_the_start_could_not_commit(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """The last run left 3 priced rows in the journal and the start cannot commit them (the disk is still full): the
    budgets' spend counts them all the same (it read DuckDB alone, once, and a $0.05 budget let $0.057 through), and
    counts them once when they are committed."""
    from larouter.usage import journal

    settings = settings_for(tmp_path)
    settings.home.mkdir(parents=True)
    pricer = Pricer.build(settings, shipped_price_table())
    rows = [to_row(finished_call(settings, "acme-1", {"prompt_tokens": 1000, "completion_tokens": 1000}), pricer)
            for _ in range(3)]
    held, _ = journal.Journal.open(settings.home / journal.FILENAME)
    held.append([(seq, *row) for seq, row in enumerate(rows, 1)])
    held.close()
    refused = full_disk(monkeypatch, once=True)
    ledger = Ledger.open(settings)
    try:
        since = datetime.now(timezone.utc) - timedelta(days=1)
        expected = sum(row[COST] for row in rows)
        assert refused and expected > 0
        until = since + timedelta(days=2)
        assert asyncio.run(ledger.spent_since("default", since, until)) == pytest.approx(expected)
        assert ledger.writer.wait_flushed(10)
        assert asyncio.run(ledger.spent_since("default", since, until)) == pytest.approx(expected)
        assert asyncio.run(ledger.spent_since("other", since, until)) == 0.0
        assert asyncio.run(ledger.spent_since("default", until, until + timedelta(days=1))) == 0.0
    finally:
        ledger.close()


def test_a_report_holds_the_days_its_total_counts(tmp_path: Path) -> None:
    """A call stamped 3 days ahead (a clock that ran fast): `/api/usage`'s dailyCosts and `/api/usage/daily` run to
    that day, so the parts add up to the total (they stopped at today)."""
    from larouter.usage import queries
    from larouter.usage.periods import window

    settings = settings_for(tmp_path)
    ledger = Ledger.open(settings)
    try:
        now = datetime.now(timezone.utc)
        for days in (0, 3):
            ledger.record(finished_call(settings, "acme-1", {"prompt_tokens": 1_000_000, "completion_tokens": 0},
                                        created_us=epoch_us(now + timedelta(days=days))))
        assert ledger.writer.wait_flushed(10)
        win = window("all", ledger.today())
        summary = ledger.query(lambda cur: queries.summary(cur, "default", win, "gpt-4o"))
        daily = ledger.query(lambda cur: queries.daily(cur, "default", win))
    finally:
        ledger.close()
    ahead = (now + timedelta(days=3)).date().isoformat()
    assert summary["totalCost"] == 2.0 and sum(d["cost"] for d in summary["dailyCosts"]) == 2.0, summary
    assert summary["dailyCosts"][-1]["date"] == ahead and daily["end"] == ahead
    assert sum(d["cost"] for d in daily["data"]) == 2.0


def test_a_ledger_file_deleted_while_running_is_made_again(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """`usage.duckdb` deleted under the running ledger (a clean-up of the data directory): the next commit says so
    (ERROR) and goes to a new file at the same path, which a restart reads (records went to the deleted file,
    and a restart started empty, without a word)."""
    settings = settings_for(tmp_path)
    ledger = Ledger.open(settings)
    try:
        ledger.record(finished_call(settings, "acme-1", {"prompt_tokens": 1, "completion_tokens": 1}))
        assert ledger.writer.wait_flushed(10)
        for name in ("usage.duckdb", "usage.duckdb.wal"):
            (settings.home / name).unlink(missing_ok=True)
        with caplog.at_level(logging.ERROR, logger="larouter.usage"):
            ledger.record(finished_call(settings, "acme-1", {"prompt_tokens": 2, "completion_tokens": 2}))
            assert ledger.writer.wait_flushed(10)
        assert any("was deleted while larouterd runs" in r.getMessage() for r in caplog.records), caplog.text
    finally:
        ledger.close()
    again = Ledger.open(settings)
    try:
        assert again.query(lambda cur: cur.execute("SELECT input_tokens FROM usage_calls").fetchall()) == [(2,)]
    finally:
        again.close()


def test_a_ledger_file_replaced_by_another_keeps_the_records_waiting(tmp_path: Path) -> None:
    """`usage.duckdb` replaced under the running ledger by another ledger whose rows number higher: the records
    waiting go to it, numbered after its last (they were dropped as if it held them already, counted written)."""
    settings = settings_for(tmp_path)
    other_home = tmp_path / "other"
    other = Ledger.open(load_settings(tmp_path / "config.toml", env={"LAROUTER_HOME": str(other_home)}))
    try:
        _record(other, settings, 7, 7, 7, 7, 7)
    finally:
        other.close()
    ledger = Ledger.open(settings)
    try:
        _record(ledger, settings, 1)
        (settings.home / "usage.duckdb").unlink()
        (other_home / "usage.duckdb").rename(settings.home / "usage.duckdb")
        _record(ledger, settings, 2)
    finally:
        ledger.close()
    again = Ledger.open(settings)
    try:
        rows = again.query(lambda cur: cur.execute("SELECT seq, input_tokens FROM usage_calls ORDER BY seq").fetchall())
    finally:
        again.close()
    assert [t for _, t in rows] == [7, 7, 7, 7, 7, 2] and rows[-1][0] == 6, rows


def test_a_row_stamped_centuries_ahead_does_not_make_a_huge_series(tmp_path: Path) -> None:
    """A row dated 2999 (a clock gone wrong): `period=all`'s day series stops a year past today (it made a 45 MB
    answer of 356,000 points)."""
    from larouter.usage import queries
    from larouter.usage.periods import window

    settings = settings_for(tmp_path)
    ledger = Ledger.open(settings)
    try:
        far = datetime(2999, 1, 1, tzinfo=timezone.utc)
        ledger.record(finished_call(settings, "acme-1", {"prompt_tokens": 1, "completion_tokens": 1},
                                    created_us=epoch_us(far)))
        ledger.record(finished_call(settings, "acme-1", {"prompt_tokens": 1, "completion_tokens": 1}))
        assert ledger.writer.wait_flushed(10)
        daily = ledger.query(lambda cur: queries.daily(cur, "default", window("all", ledger.today())))
    finally:
        ledger.close()
    assert len(daily["data"]) <= 368, len(daily["data"])


def _record(ledger: Ledger, settings: Settings, *tokens: int) -> None:
    """Record one call per count (that many tokens in and out) and wait until they are committed."""
    for n in tokens:
        ledger.record(finished_call(settings, "acme-1", {"prompt_tokens": n, "completion_tokens": n}))
    assert ledger.writer.wait_flushed(10)


def test_calls_in_flight_at_a_kill_count_in_the_budget_while_the_start_cannot_commit(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A call in flight at a hard kill, and a restart whose ledger cannot commit (the disk still full): its
    interrupted row counts in the budget's spend until committed (review L: $0 until another restart)."""
    import json

    settings = settings_for(tmp_path)
    settings.home.mkdir(parents=True)
    now_us = epoch_us(datetime.now(timezone.utc))
    entry = {"id": "req-hung", "created_us": now_us, "project": "default", "requested": "acme-1", "provider": "acme",
             "model": "acme-1", "tier": None, "reason": None, "stream": False, "bytes": 400_000, "media": [0, 0]}
    (settings.home / "inflight.json").write_text(json.dumps([entry]))
    refused = full_disk(monkeypatch)
    ledger = Ledger.open(settings)
    try:
        since = datetime.now(timezone.utc) - timedelta(days=1)
        until = since + timedelta(days=2)
        spent = asyncio.run(ledger.spent_since("default", since, until))
        assert refused and spent > 0, spent
        refused.append(0)  # (space again)
        assert ledger.writer.wait_flushed(10)
        assert asyncio.run(ledger.spent_since("default", since, until)) == pytest.approx(spent)
        rows = ledger.query(lambda cur: cur.execute("SELECT request_id, status, error_type FROM usage_calls").fetchall())
    finally:
        ledger.close()
    assert rows == [("req-hung", 502, "interrupted")], rows


def full_disk(monkeypatch: pytest.MonkeyPatch, once: bool = False) -> list[int]:
    """Make the ledger's commits fail as on a full disk: once, or until a 0 is appended to the list returned (which
    holds a 1 per refused commit)."""
    from larouter.usage.loader import Loader

    real, refused = Loader.commit, []

    def commit(self: Loader) -> tuple[int, int, Exception | None]:
        if 0 not in refused and not (once and refused):
            refused.append(1)
            return 0, 0, duckdb.IOException("IO Error: No space left on device")
        return real(self)

    monkeypatch.setattr(Loader, "commit", commit)
    return refused


def test_a_ledger_file_replaced_by_a_newer_versions_says_so_once(tmp_path: Path,
                                                                 caplog: pytest.LogCaptureFixture) -> None:
    """`usage.duckdb` replaced under the running ledger by one a newer LARouter migrated: the records wait (in the
    journal), the replacement is said once, and the failure names the newer version and what to do (it said
    "NewerLedger: m999..." and, at every retry, that recording went on in the new file: review Y)."""
    settings = settings_for(tmp_path)
    other_home = tmp_path / "other"
    other = Ledger.open(load_settings(tmp_path / "config.toml", env={"LAROUTER_HOME": str(other_home)}))
    other.close()
    with duckdb.connect(str(other_home / "usage.duckdb")) as con:
        con.execute("INSERT INTO _migrations VALUES ('m999_from_the_future', now())")
    ledger = Ledger.open(settings)
    try:
        with caplog.at_level(logging.DEBUG, logger="larouter.usage"):
            _record(ledger, settings, 1)
            (settings.home / "usage.duckdb").unlink()
            (other_home / "usage.duckdb").rename(settings.home / "usage.duckdb")
            ledger.record(finished_call(settings, "acme-1", {"prompt_tokens": 2, "completion_tokens": 2}))
            for _ in range(3):  # commits tried again: the replacement is not said again
                assert not ledger.writer.wait_flushed(0.5)
        said = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
        assert len([m for m in said if "was replaced by another file" in m]) == 1, said
        assert any("newer LARouter" in m and "m999_from_the_future" in m for m in said), said
        assert ledger.writer.describe()["pending"] >= 1
    finally:
        ledger.close()
