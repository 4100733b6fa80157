"""The ledger below the HTTP layer: migrations, the writer's queue policy, pricing and token accounting."""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any

import duckdb
import pytest

from larouter.config import Settings, load_settings
from larouter.configerr import ConfigError
from larouter.proxy.call import Call
from larouter.proxy.registry import ModelRegistry
from larouter.usage import schema
from larouter.usage.ledger import Ledger
from larouter.usage.prices import load_price_file, shipped_price_table
from larouter.usage.pricing import Pricer, Tokens
from larouter.usage.records import COST, epoch_us, tokens_of, to_row
from larouter.usage.writer import Writer
from tests.support.servers import wait_until

CONFIG = """
[providers.acme]
base_url = "http://127.0.0.1:9/v1"
api_key = "sk-acme-123456"
models = ["acme-1", "gpt-4o", "mystery"]
[providers.acme.prices."acme-1"]
input = 1.0
output = 2.0
[providers.box]
base_url = "http://127.0.0.1:9/v1"
local = true
models = ["gemma-box"]
"""


def settings_for(tmp_path: Path, extra: str = "") -> Settings:
    """Settings with a priced provider, a local one, and the home in tmp_path."""
    cfg = tmp_path / "config.toml"
    cfg.write_text(CONFIG + extra)
    return load_settings(cfg, env={"LAROUTER_HOME": str(tmp_path / "home")})


def finished_call(settings: Settings, model: str, usage: dict[str, Any] | None = None, **kw: Any) -> Call:
    """A finished call served by `model`."""
    call = Call(requested_model=model, stream=kw.pop("stream", False), usage=usage, **kw)
    call.target = ModelRegistry.from_settings(settings).resolve(model)
    call.mark_first_byte()
    call.finish(kw.get("status", 200))
    return call


def test_migrations_are_recorded_once_and_idempotent(tmp_path: Path) -> None:
    """Opening a new file applies every named migration; reopening applies none and keeps the records."""
    settings = settings_for(tmp_path)
    first = Ledger.open(settings)
    first.record(finished_call(settings, "acme-1", {"prompt_tokens": 10, "completion_tokens": 1}))
    first.close()
    with duckdb.connect(str(settings.home / "usage.duckdb")) as con:
        before = con.execute("SELECT name, applied_at FROM _migrations ORDER BY name").fetchall()
        assert [n for n, _ in before] == [name for name, _ in schema.MIGRATIONS]
        assert schema.migrate(con) == []
    again = Ledger.open(settings)
    again.close()
    with duckdb.connect(str(settings.home / "usage.duckdb"), read_only=True) as con:
        assert con.execute("SELECT name, applied_at FROM _migrations ORDER BY name").fetchall() == before
        assert con.execute("SELECT count(*) FROM usage_calls").fetchone() == (1,)


def test_rollup_migration_backfills_existing_rows(tmp_path: Path) -> None:
    """A ledger created before the rollup existed gets its history summarised when the migration runs."""
    path = tmp_path / "old.duckdb"
    with duckdb.connect(str(path)) as con:
        con.execute("CREATE TABLE _migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
        con.execute(schema.CALLS_DDL)
        con.execute("INSERT INTO _migrations VALUES ('m001_usage_calls', now()::TIMESTAMP)")
        con.execute("INSERT INTO usage_calls SELECT i + 1, TIMESTAMP '2026-01-02 03:04:05', 'default', 'auto', 'm', 'p', NULL,"
                    " NULL, false, 200, 10, 5, 0, false, 0.5, 1.0, true, 12.0, NULL, NULL, 'v' FROM range(3) r(i)")
        assert schema.migrate(con) == ["m002_usage_daily", "m003_baseline_model", "m004_answered_latency",
                                       "m005_request_ids"]
        assert con.execute("SELECT day, calls, cost, saved FROM usage_daily").fetchall() == [
            (datetime(2026, 1, 2).date(), 3, 1.5, 1.5)]
        assert schema.folded_seq(con) == 3
        # m003: the rows' baseline model was not recorded; their savings say so rather than name today's setting
        assert con.execute("SELECT baseline_model FROM usage_calls").fetchall() == [(None,)] * 3
        assert con.execute("SELECT day, project, baseline_model FROM usage_baselines").fetchall() == [
            (datetime(2026, 1, 2).date(), "default", "")]


def test_answered_latency_migration_backfills_the_rollup(tmp_path: Path) -> None:
    """A ledger whose rollup was folded before it summed the answered calls' latency gets it from usage_calls, so
    /api/usage/models' average leaves out the calls no provider answered (no time to first token)."""
    with duckdb.connect(str(tmp_path / "old.duckdb")) as con:
        con.execute("CREATE TABLE _migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
        con.execute(schema.CALLS_DDL)
        con.execute(schema.DAILY_DDL)
        con.execute(schema.ROLLUP_STATE_DDL)
        con.execute("INSERT INTO usage_rollup VALUES (3)")
        con.execute("INSERT INTO _migrations VALUES ('m001_usage_calls', now()::TIMESTAMP), "
                    "('m002_usage_daily', now()::TIMESTAMP)")
        con.execute("INSERT INTO usage_calls SELECT i + 1, TIMESTAMP '2026-01-02 03:04:05', 'default', 'm', 'm', 'p', "
                    "NULL, NULL, false, CASE WHEN i = 0 THEN 402 ELSE 200 END, 10, 5, 0, false, 0.5, 1.0, true, "
                    "CASE WHEN i = 0 THEN 1.0 ELSE 100.0 END, CASE WHEN i = 0 THEN NULL ELSE 40.0 END, NULL, 'v' "
                    "FROM range(3) r(i)")
        con.execute("INSERT INTO usage_daily VALUES ('2026-01-02', 'default', 'm', 'p', '', 3, 2, 30, 15, 0, 0, 0, "
                    "1.5, 3.0, 1.5, 201.0, 80.0, 2)")  # as the rollup of before folded them
        assert schema.migrate(con) == ["m003_baseline_model", "m004_answered_latency", "m005_request_ids"]
        assert con.execute("SELECT calls, latency_ms_sum, answered_latency_ms_sum FROM usage_daily").fetchall() == [
            (3, 201.0, 200.0)]


def test_full_queue_drops_without_blocking_and_reports(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    """With the buffer full, submit returns False at once, counts the drop and logs an error."""
    con = duckdb.connect(str(tmp_path / "q.duckdb"))
    schema.migrate(con)
    writer = Writer(con.cursor(), batch_rows=10, flush_interval=60.0, queue_max=3)
    settings = settings_for(tmp_path)
    pricer = Pricer.build(settings, shipped_price_table())
    row = to_row(finished_call(settings, "acme-1", {"prompt_tokens": 1, "completion_tokens": 1}), pricer)
    with caplog.at_level(logging.ERROR, "larouter.usage"):
        accepted = [writer.submit(row) for _ in range(5)]  # the thread is not started: nothing drains
    assert accepted == [True, True, True, False, False]
    assert writer.stats.dropped == 2 and "dropped a usage record" in caplog.text and "queue_max" in caplog.text
    writer.start()
    assert writer.wait_flushed(10)
    writer.close()
    assert writer.submit(row) is False and writer.stats.dropped == 3
    assert con.execute("SELECT count(*) FROM usage_calls").fetchone() == (3,)
    con.close()


def test_writer_commits_by_size_before_the_interval(tmp_path: Path) -> None:
    """Reaching batch_rows wakes the writer without waiting for the (long) flush interval."""
    con = duckdb.connect(str(tmp_path / "b.duckdb"))
    schema.migrate(con)
    writer = Writer(con.cursor(), batch_rows=4, flush_interval=3600.0, queue_max=100)
    settings = settings_for(tmp_path)
    row = to_row(finished_call(settings, "acme-1", {"prompt_tokens": 1, "completion_tokens": 1}),
                 Pricer.build(settings, shipped_price_table()))
    writer.start()
    for _ in range(4):
        writer.submit(row)
    wait_until(lambda: writer.stats.written == 4, 10, "the batch to be committed")
    writer.close()
    con.close()


@pytest.mark.parametrize(("model", "usage", "cost", "source"), [
    ("acme-1", {"prompt_tokens": 1_000_000, "completion_tokens": 1_000_000}, 3.0, "config"),
    ("acme/gpt-4o", {"prompt_tokens": 1_000_000, "completion_tokens": 0,
                "prompt_tokens_details": {"cached_tokens": 400_000}}, 0.6 * 2.5 + 0.4 * 1.25, "shipped"),
    ("gemma-box", {"prompt_tokens": 5_000, "completion_tokens": 5_000}, 0.0, "local"),
    ("mystery", {"prompt_tokens": 5, "completion_tokens": 5}, None, None),
    ("mystery", {"prompt_tokens": 0, "completion_tokens": 0}, 0.0, None),
])
def test_pricing_sources(tmp_path: Path, model: str, usage: dict, cost: float | None, source: str | None) -> None:
    """Config beats tables, the shipped table prices by name, local is free, unknown stays unknown."""
    settings = settings_for(tmp_path)
    pricer = Pricer.build(settings, shipped_price_table())
    call = finished_call(settings, model, usage)
    row = dict(zip(("ts", "project", "requested", "model", "provider", "tier", "reason", "streamed", "status", "in",
                    "out", "cached", "est", "cost", "baseline", "known", "lat", "ttft", "err", "version"),
                   to_row(call, pricer)))
    assert row["cost"] == (None if cost is None else pytest.approx(cost))
    assert row["known"] is (cost is not None)
    expected = shipped_price_table().version if source == "shipped" else source
    assert row["version"] == expected
    assert row["baseline"] is not None  # gpt-4o is priced in the shipped table


def test_price_file_overrides_the_shipped_table(tmp_path: Path) -> None:
    """usage.prices_file replaces shipped prices and its version is recorded; config prices still win."""
    prices = tmp_path / "prices.toml"
    prices.write_text('version = "2027-01-01"\n[acme]\n"gpt-4o" = { input = 1.0, output = 1.0 }\n'
                      '"acme-1" = { input = 9.0, output = 9.0 }\n')
    settings = settings_for(tmp_path, f'\n[usage]\nprices_file = "{prices}"\n')
    ledger = Ledger.open(settings)
    try:
        tokens = Tokens(1_000_000, 1_000_000)
        rate = ledger.pricer.rate("acme", settings.providers["acme"], "gpt-4o")
        assert rate is not None and (rate.source, ledger.pricer.quote(rate, tokens).cost) == ("2027-01-01", 2.0)
        rate = ledger.pricer.rate("acme", settings.providers["acme"], "acme-1")
        assert rate is not None and rate.source == "config"
    finally:
        ledger.close()


def edited_prices(tmp_path: Path) -> tuple[Ledger, Any, Path]:
    """A ledger opened with a price file at v1 ($1/M for acme's gpt-4o), then the file edited to v2 ($5/M)."""
    prices = tmp_path / "prices.toml"
    prices.write_text('version = "v1"\n[acme]\n"gpt-4o" = { input = 1.0, output = 1.0 }\n')
    settings = settings_for(tmp_path, f'\n[usage]\nprices_file = "{prices}"\n')
    ledger = Ledger.open(settings)
    prices.write_text('version = "v2"\n[acme]\n"gpt-4o" = { input = 5.0, output = 5.0 }\n')
    return ledger, settings, prices


def test_an_edited_price_file_applies_at_the_next_settings_change(tmp_path: Path) -> None:
    """The price file edited (same path) and then any settings change (a PATCH): the new prices apply (the file was
    read again only when its path changed, so edited prices never did until a restart)."""
    ledger, settings, _ = edited_prices(tmp_path)
    try:
        ledger.reconfigure(settings)
        rate = ledger.pricer.rate("acme", settings.providers["acme"], "gpt-4o")
        assert rate is not None and (rate.source, rate.input) == ("v2", 5.0)
    finally:
        ledger.close()


def test_a_patch_reads_the_price_file_before_it_applies(tmp_path: Path) -> None:
    """The PATCH's check (a worker thread) reads the price file for the listener, which runs on the event loop and
    reads no file (it did, at every PATCH): the staged prices apply even with the file gone since."""
    ledger, settings, prices = edited_prices(tmp_path)
    try:
        ledger.stage_prices(settings)
        prices.unlink()
        ledger.reconfigure(settings)
        rate = ledger.pricer.rate("acme", settings.providers["acme"], "gpt-4o")
        assert rate is not None and (rate.source, rate.input) == ("v2", 5.0)
    finally:
        ledger.close()


@pytest.mark.parametrize(("text", "message"), [
    ('[acme]\n"m" = { input = 1, output = 1 }\n', "'version' is required"),
    ('version = "x"\n[acme]\n"m" = { input = -1, output = 1 }\n', "acme.m.input: must be a price in USD per million tokens from 0 to 10,000, got -1"),
    ('version = "x"\n[acme]\n"m" = { input = 1, output = 1e308 }\n', "acme.m.output: must be a price"),
    ('version = "x"\n[acme]\n"m" = { input = 1, output = 1, cached_input = nan }\n', "acme.m.cached_input: must be a price"),
    ('version = "x"\n[acme]\n"m" = { input = 1 }\n', "acme.m.output: required"),
    ('version = "x"\n[acme]\n"m" = { input = 1, output = 1, bogus = 2 }\n', "unknown key(s): bogus"),
    ("version = ", "not valid TOML"),
])
def test_bad_price_file_names_file_and_key(tmp_path: Path, text: str, message: str) -> None:
    """A malformed price file fails with its path and the offending key."""
    path = tmp_path / "p.toml"
    path.write_text(text)
    with pytest.raises(ConfigError) as info:
        load_price_file(path)
    assert message in str(info.value) and str(path) in str(info.value)


def test_tokens_reported_estimated_or_zero(tmp_path: Path) -> None:
    """Reported usage is exact; a started answer without usage (or with counts that are no numbers) is estimated; a
    refused call used nothing."""
    settings = settings_for(tmp_path)
    exact = finished_call(settings, "acme-1", {"prompt_tokens": 7, "completion_tokens": 3})
    assert tokens_of(exact) == Tokens(7, 3, 0, estimated=False)
    cut = finished_call(settings, "acme-1", None, stream=True, request_bytes=401, chunks=2, answer_bytes=33)
    assert tokens_of(cut) == Tokens(101, 9, 0, estimated=True)  # a token per 4 bytes of its text, not per chunk
    refused = Call(requested_model="acme-1", stream=False, request_bytes=400)
    refused.target = ModelRegistry.from_settings(settings).resolve("acme-1")
    refused.finish(502, "upstream_error")
    assert tokens_of(refused) == Tokens()
    gone = Call(requested_model="acme-1", stream=True, request_bytes=400, target=refused.target)
    gone.finish(499, "client_disconnected")
    assert tokens_of(gone) == Tokens(100, 0, 0, estimated=True)
    garbage = finished_call(settings, "acme-1", {"prompt_tokens": "many", "completion_tokens": -4})
    assert tokens_of(garbage).estimated is True  # counts no reader can take are no usage: estimated, never exact 0


def test_spent_since_feeds_budgets(tmp_path: Path) -> None:
    """The budgets' spend source sums known costs in a window [since, until), by day or by timestamp; a call stamped
    40 days ahead (a clock that ran fast) counts in its own window, not in this one (it counted in every window that
    had begun)."""
    settings = settings_for(tmp_path)
    ledger = Ledger.open(settings)
    try:
        now = datetime.now(timezone.utc)
        for hours in (0, 30 * 24, -40 * 24):
            call = finished_call(settings, "acme-1", {"prompt_tokens": 1_000_000, "completion_tokens": 0},
                                 project="proj_a", created_us=epoch_us(now - timedelta(hours=hours)))
            ledger.record(call)
        assert ledger.writer.wait_flushed(10)

        midnight = now.replace(hour=0, minute=0, second=0, microsecond=0)
        tomorrow = midnight + timedelta(days=1)
        assert asyncio.run(_spent(ledger, "proj_a", midnight, tomorrow)) == 1.0
        assert asyncio.run(_spent(ledger, "proj_a", now - timedelta(days=60), now + timedelta(hours=1))) == 2.0
        assert asyncio.run(_spent(ledger, "proj_a", tomorrow, midnight + timedelta(days=60))) == 1.0
        assert asyncio.run(_spent(ledger, "proj_b", midnight, tomorrow)) == 0.0
    finally:
        ledger.close()


async def _spent(ledger: Ledger, project: str, since: datetime, until: datetime) -> float:
    return await ledger.spent_since(project, since, until)


def test_extreme_values_are_recorded_not_lost(tmp_path: Path) -> None:
    """Huge, fractional or absurd token counts and odd text reach the ledger clamped, never as a lost row; the
    time and cost come back exactly as recorded."""
    settings = settings_for(tmp_path)
    ledger = Ledger.open(settings)
    usages = [{"prompt_tokens": 10 ** 15, "completion_tokens": 2 ** 31}, {"prompt_tokens": 2 ** 31 - 1},
              {"prompt_tokens": 1e300, "completion_tokens": float("inf")},
              {"prompt_tokens": True, "completion_tokens": 2.9},
              {"prompt_tokens": 5, "completion_tokens": 1, "prompt_tokens_details": {"cached_tokens": 10 ** 20}}]
    names = ["acme-1", "nul\x00in-name", "é" * 300, "🙂 =cmd|' /C calc'!A0"]
    when = datetime(2026, 2, 28, 23, 59, 59, 999999, tzinfo=timezone.utc)
    try:
        for i, usage in enumerate(usages):
            call = finished_call(settings, "acme-1", usage, created_us=epoch_us(when) - i)
            call.requested_model = names[i % len(names)]
            ledger.record(call)
        assert ledger.writer.wait_flushed(10)
        assert ledger.writer.stats.written == len(usages) and ledger.writer.stats.failed == 0
        rows = ledger.query(lambda cur: cur.execute(
            "SELECT ts, requested_model, input_tokens, output_tokens, cached_tokens, cost FROM usage_calls "
            "ORDER BY seq").fetchall())
    finally:
        ledger.close()
    top = 2 ** 31 - 1
    # (an infinity clamped like a huge count; `true` is no count: that prompt is estimated, here from nothing, and
    # the readable output count, 2.9, kept as 2; a cached count is never more than the prompt it is part of)
    assert [r[2:5] for r in rows] == [(top, top, 0), (top, 0, 0), (top, top, 0), (0, 2, 0), (5, 1, 5)]
    assert rows[0][0] == when.replace(tzinfo=None) and rows[1][0] == when.replace(tzinfo=None, microsecond=999998)
    assert [r[1] for r in rows] == [names[i % len(names)][:256] for i in range(len(usages))]
    assert rows[4][5] == Decimal("0.0000070000")  # 5 input tokens (all cached; no cached price) at $1/M, 1 at $2/M


def test_a_row_the_database_refuses_is_reported_and_the_others_kept(tmp_path: Path,
                                                                   caplog: pytest.LogCaptureFixture) -> None:
    """A value the staging types cannot take (refused while buffering) and a NULL where usage_calls wants a value
    (refused at the commit) lose those two rows only: the rest of each batch is committed, numbered without gaps."""
    settings = settings_for(tmp_path)
    ledger = Ledger.open(settings)
    good = to_row(finished_call(settings, "acme-1", {"prompt_tokens": 1, "completion_tokens": 1}), ledger.pricer)
    unconvertible = (*good[:8], "not a status", *good[9:])
    null_project = (good[0], None, *good[2:])
    try:
        with caplog.at_level(logging.ERROR, "larouter.usage"):
            for row in (good, unconvertible, good, null_project, good):
                ledger.writer.submit(row)
            assert ledger.writer.wait_flushed(10)
        stats = ledger.writer.describe()
        seqs = ledger.query(lambda cur: cur.execute("SELECT seq FROM usage_calls ORDER BY seq").fetchall())
    finally:
        ledger.close()
    assert (stats["written"], stats["failed"], stats["pending"]) == (3, 2, 0)
    assert caplog.text.count("lost one usage record") == 2
    assert [s for (s,) in seqs] == [1, 2, 4]  # the refused NULL row had seq 3 when staged


def test_a_cost_the_ledger_cannot_store_is_recorded_as_unknown_not_lost(tmp_path: Path,
                                                                        caplog: pytest.LogCaptureFixture) -> None:
    """A row whose cost or baseline cost the DECIMAL(18, 10) columns cannot hold (infinite, NaN, 10^8 USD or more:
    a price from before prices were bounded, or a journal such a version left) is committed with that cost unknown
    and a warning, never lost; the rows around it keep theirs."""
    settings = settings_for(tmp_path)
    ledger = Ledger.open(settings)
    good = to_row(finished_call(settings, "acme-1", {"prompt_tokens": 1, "completion_tokens": 1}), ledger.pricer)
    cost = COST  # then baseline_cost
    rows = [good, (*good[:cost], float("inf"), *good[cost + 1:]), (*good[:cost], 2e8, float("nan"), *good[cost + 2:]),
            (*good[:cost + 1], 1e300, *good[cost + 2:]), good]
    try:
        with caplog.at_level(logging.WARNING, "larouter.usage"):
            for row in rows:
                ledger.writer.submit(row)
            assert ledger.writer.wait_flushed(10)
        stats = ledger.writer.describe()
        stored = ledger.query(lambda cur: cur.execute(
            "SELECT seq, cost, baseline_cost, price_known FROM usage_calls ORDER BY seq").fetchall())
    finally:
        ledger.close()
    assert (stats["written"], stats["failed"]) == (5, 0)
    known = (Decimal("0.0000030000"), Decimal("0.0000125000"), True)  # acme-1 at $1/$2, gpt-4o's $2.50/$10 baseline
    assert stored == [(1, *known), (2, None, known[1], False), (3, None, None, False), (4, known[0], None, True),
                      (5, *known)]
    assert caplog.text.count("with its cost unknown") == 3 and "lost one usage record" not in caplog.text
