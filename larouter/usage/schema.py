"""Ledger schema as append-only named migrations, recorded in `_migrations (name, applied_at)`.

Never edit or reorder a migration that has shipped; add a new one at the end of `MIGRATIONS`.

`usage_calls` holds one row per call, numbered by `seq` in commit order. `usage_daily` is a per-UTC-day rollup
keyed by (day, project, model, provider, tier) of every row with `seq <= usage_rollup.folded_seq`, and
`usage_baselines` the baseline models those rows' savings were measured against; the writer
folds newer rows into it every few seconds, in one transaction with the watermark. Queries add the few rows past
the watermark on the fly (`days_cte`), so the billing endpoints answer from a few thousand rows however large
the ledger grows, and always agree with the per-call export.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone
from typing import Callable

import duckdb

log = logging.getLogger("larouter.usage")

Migration = Callable[[duckdb.DuckDBPyConnection], None]
# usage_calls' cost columns are DECIMAL(18, 10): they hold less than 10^8 USD (a little less here, so a value
# that rounds up on the way in is not mistaken for one that fits). Prices are bounded so no cost comes near it
# (prices.MAX_PRICE); a row with a cost beyond it is recorded with the cost unknown (loader.py), never lost.
MAX_COST = 99_999_999.99

CALLS_DDL = """
CREATE TABLE usage_calls (
    seq              BIGINT    NOT NULL,     -- 1, 2, 3... in commit order
    ts               TIMESTAMP NOT NULL,     -- UTC, when the request arrived
    project          VARCHAR   NOT NULL,
    requested_model  VARCHAR   NOT NULL,     -- what the client asked for ("auto" included)
    model            VARCHAR,                -- model actually used; NULL when no upstream was chosen
    provider         VARCHAR,
    tier             VARCHAR,                -- routing tier; NULL until routing decides one
    reason           VARCHAR,                -- routing reason
    streamed         BOOLEAN   NOT NULL,
    status           INTEGER   NOT NULL,     -- HTTP status; 499 = client went away mid-call
    input_tokens     BIGINT    NOT NULL,
    output_tokens    BIGINT    NOT NULL,
    cached_tokens    BIGINT    NOT NULL,     -- part of input_tokens served from the provider's cache
    tokens_estimated BOOLEAN   NOT NULL,     -- true when the upstream reported no usage
    cost             DECIMAL(18, 10),        -- USD; NULL when no price is known
    baseline_cost    DECIMAL(18, 10),        -- USD the same tokens cost on usage.baseline_model
    price_known      BOOLEAN   NOT NULL,
    latency_ms       DOUBLE    NOT NULL,
    ttft_ms          DOUBLE,
    error_type       VARCHAR,
    price_version    VARCHAR                 -- price table version (date), "config" or "local"
)
"""

DAILY_DDL = """
CREATE TABLE usage_daily (
    day             DATE    NOT NULL,
    project         VARCHAR NOT NULL,
    model           VARCHAR NOT NULL,   -- model used, else the model requested
    provider        VARCHAR NOT NULL,   -- '' when none
    tier            VARCHAR NOT NULL,   -- '' when none
    calls           BIGINT  NOT NULL,
    succeeded       BIGINT  NOT NULL,
    input_tokens    HUGEINT NOT NULL,
    output_tokens   HUGEINT NOT NULL,
    cached_tokens   HUGEINT NOT NULL,
    estimated_calls BIGINT  NOT NULL,
    unpriced_calls  BIGINT  NOT NULL,
    cost            DECIMAL(38, 10) NOT NULL,  -- sum of known costs
    baseline_cost   DECIMAL(38, 10) NOT NULL,  -- baseline cost of the calls whose cost is known
    saved           DECIMAL(38, 10) NOT NULL,  -- baseline_cost - cost over the same calls
    latency_ms_sum  DOUBLE  NOT NULL,
    ttft_ms_sum     DOUBLE  NOT NULL,
    ttft_calls      BIGINT  NOT NULL,
    PRIMARY KEY (day, project, model, provider, tier)
)
"""

ROLLUP_STATE_DDL = "CREATE TABLE usage_rollup (folded_seq BIGINT NOT NULL)"

# The writer's staging table: TEMP (in memory, one per connection, never in the file), no migration. DuckDB's
# appender converts Python values into these types for a fraction of the cost of usage_calls' own (2.98 -> 1.1 us
# per row: an int ts instead of a datetime, floats for the costs, INTEGER counts), and one INSERT ... SELECT per
# commit moves the rows into usage_calls (DOUBLE -> DECIMAL(18, 10) casts exactly as the appender would).
STAGE_DDL = """
CREATE OR REPLACE TEMP TABLE usage_stage (
    seq BIGINT, ts_us BIGINT, project VARCHAR, requested_model VARCHAR, model VARCHAR, provider VARCHAR, tier VARCHAR,
    reason VARCHAR, streamed BOOLEAN, status INTEGER, input_tokens INTEGER, output_tokens INTEGER,
    cached_tokens INTEGER, tokens_estimated BOOLEAN, cost DOUBLE, baseline_cost DOUBLE, price_known BOOLEAN,
    latency_ms DOUBLE, ttft_ms DOUBLE, error_type VARCHAR, price_version VARCHAR, baseline_model VARCHAR,
    request_id VARCHAR, upstream_request_id VARCHAR
)
"""
# Staged rows into usage_calls; {where} selects them ("" for all).
UNSTAGE_SQL = """
INSERT INTO usage_calls SELECT seq, make_timestamp(ts_us), project, requested_model, model, provider, tier, reason,
    streamed, status, input_tokens, output_tokens, cached_tokens, tokens_estimated, cost, baseline_cost, price_known,
    latency_ms, ttft_ms, error_type, price_version, baseline_model, request_id, upstream_request_id
FROM usage_stage {where} ORDER BY seq
"""

# usage_calls rows aggregated to usage_daily's columns; {where} selects the rows.
AGGREGATE_SQL = """
SELECT ts::DATE AS day, project, coalesce(model, requested_model) AS model, coalesce(provider, '') AS provider,
       coalesce(tier, '') AS tier, count(*) AS calls, count(*) FILTER (WHERE status BETWEEN 200 AND 299) AS succeeded,
       sum(input_tokens) AS input_tokens, sum(output_tokens) AS output_tokens, sum(cached_tokens) AS cached_tokens,
       count(*) FILTER (WHERE tokens_estimated) AS estimated_calls,
       count(*) FILTER (WHERE NOT price_known) AS unpriced_calls,
       coalesce(sum(cost), 0) AS cost,
       coalesce(sum(baseline_cost) FILTER (WHERE cost IS NOT NULL), 0) AS baseline_cost,
       coalesce(sum(baseline_cost - cost), 0) AS saved,
       sum(latency_ms) AS latency_ms_sum, coalesce(sum(ttft_ms), 0) AS ttft_ms_sum, count(ttft_ms) AS ttft_calls,
       coalesce(sum(latency_ms) FILTER (WHERE ttft_ms IS NOT NULL), 0) AS answered_latency_ms_sum
FROM usage_calls
WHERE {where}
GROUP BY ALL
"""

# Fold the rows with $lo < seq <= $hi into the rollup.
FOLD_SQL = "INSERT INTO usage_daily AS d " + AGGREGATE_SQL.format(where="seq > $lo AND seq <= $hi") + """
ON CONFLICT DO UPDATE SET
    calls = d.calls + excluded.calls, succeeded = d.succeeded + excluded.succeeded,
    input_tokens = d.input_tokens + excluded.input_tokens, output_tokens = d.output_tokens + excluded.output_tokens,
    cached_tokens = d.cached_tokens + excluded.cached_tokens,
    estimated_calls = d.estimated_calls + excluded.estimated_calls,
    unpriced_calls = d.unpriced_calls + excluded.unpriced_calls,
    cost = d.cost + excluded.cost, baseline_cost = d.baseline_cost + excluded.baseline_cost,
    saved = d.saved + excluded.saved, latency_ms_sum = d.latency_ms_sum + excluded.latency_ms_sum,
    ttft_ms_sum = d.ttft_ms_sum + excluded.ttft_ms_sum, ttft_calls = d.ttft_calls + excluded.ttft_calls,
    answered_latency_ms_sum = d.answered_latency_ms_sum + excluded.answered_latency_ms_sum
"""


# Which baseline models the savings of a (day, project) were measured against: the rows that count in its
# baseline cost (cost and baseline cost known), '' for rows recorded before the model was (m003).
BASELINES_DDL = """
CREATE TABLE usage_baselines (
    day            DATE    NOT NULL,
    project        VARCHAR NOT NULL,
    baseline_model VARCHAR NOT NULL,
    PRIMARY KEY (day, project, baseline_model)
)
"""
BASELINES_SQL = """
SELECT DISTINCT ts::DATE AS day, project, coalesce(baseline_model, '') AS baseline_model
FROM usage_calls
WHERE ({where}) AND cost IS NOT NULL AND baseline_cost IS NOT NULL
"""
FOLD_BASELINES_SQL = ("INSERT INTO usage_baselines " + BASELINES_SQL.format(where="seq > $lo AND seq <= $hi")
                      + " ON CONFLICT DO NOTHING")


def baselines_cte(where: str) -> str:
    """`WITH baselines AS (...)`: the folded (day, project, baseline model) rows plus the unfolded tail's."""
    tail = BASELINES_SQL.format(where="seq > $folded")
    return (f"WITH baselines AS (SELECT * FROM usage_baselines WHERE {where} UNION "
            f"SELECT * FROM ({tail}) WHERE {where})")


def days_cte(where: str) -> str:
    """`WITH days AS (...)`: rollup rows plus the not-yet-folded tail (`seq > $folded`), filtered by `where`."""
    tail = AGGREGATE_SQL.format(where="seq > $folded")
    return f"WITH days AS (SELECT * FROM usage_daily WHERE {where} UNION ALL SELECT * FROM ({tail}) WHERE {where})"


def folded_seq(con: duckdb.DuckDBPyConnection) -> int:
    """The rollup watermark: every row with a seq up to this is in usage_daily."""
    rows = con.execute("SELECT folded_seq FROM usage_rollup").fetchall()  # fetch all: frees the connection
    return int(rows[0][0]) if rows else 0


def last_seq(con: duckdb.DuckDBPyConnection) -> int:
    """The highest seq recorded (0 for an empty ledger)."""
    return int(con.execute("SELECT coalesce(max(seq), 0) FROM usage_calls").fetchall()[0][0])


def fold(con: duckdb.DuckDBPyConnection, hi: int) -> None:
    """Fold rows up to seq `hi` into the rollup and move the watermark, atomically."""
    con.execute("BEGIN TRANSACTION")
    try:
        lo = folded_seq(con)
        if hi <= lo:  # already folded (the watermark never moves back)
            con.execute("ROLLBACK")
            return
        con.execute(FOLD_SQL, {"lo": lo, "hi": hi})
        con.execute(FOLD_BASELINES_SQL, {"lo": lo, "hi": hi})
        con.execute("UPDATE usage_rollup SET folded_seq = ?", [hi])
        con.execute("COMMIT")
    except BaseException:
        con.execute("ROLLBACK")
        raise


def _m001_usage_calls(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(CALLS_DDL)


def _m002_usage_daily(con: duckdb.DuckDBPyConnection) -> None:
    con.execute(DAILY_DDL)
    con.execute(ROLLUP_STATE_DDL)
    con.execute("INSERT INTO usage_rollup VALUES (0)")  # `migrate` folds the rows already recorded, once migrated


def _m003_baseline_model(con: duckdb.DuckDBPyConnection) -> None:
    """Record each call's baseline model (savings are labelled with the models their rows were measured against,
    not the current setting); rows already recorded have none ('' in usage_baselines)."""
    con.execute("ALTER TABLE usage_calls ADD COLUMN baseline_model VARCHAR")
    con.execute(BASELINES_DDL)
    con.execute(FOLD_BASELINES_SQL, {"lo": 0, "hi": folded_seq(con)})


ANSWERED_LATENCY_SQL = """
UPDATE usage_daily AS d SET answered_latency_ms_sum = a.answered_latency_ms_sum
FROM (""" + AGGREGATE_SQL.format(where="seq <= $hi") + """) AS a
WHERE d.day = a.day AND d.project = a.project AND d.model = a.model AND d.provider = a.provider AND d.tier = a.tier
"""


def _m004_answered_latency(con: duckdb.DuckDBPyConnection) -> None:
    """The latency of the calls a provider answered (those with a time to first token), so a model's average
    latency leaves out calls refused before any provider saw them (a 402, say) and compares with its TTFT."""
    con.execute("ALTER TABLE usage_daily ADD COLUMN answered_latency_ms_sum DOUBLE NOT NULL DEFAULT 0")
    con.execute(ANSWERED_LATENCY_SQL, {"hi": folded_seq(con)})


def _m005_request_ids(con: duckdb.DuckDBPyConnection) -> None:
    """Record each call's request id (`x-request-id`: the client's own X-Request-ID, else the one LARouter made) and
    its provider's (`x-upstream-request-id`), so a row can be found from a client's or a provider's log; rows
    already recorded have neither (NULL)."""
    con.execute("ALTER TABLE usage_calls ADD COLUMN request_id VARCHAR")
    con.execute("ALTER TABLE usage_calls ADD COLUMN upstream_request_id VARCHAR")


def rebuild_daily(con: duckdb.DuckDBPyConnection) -> None:
    """Recompute the whole rollup from `usage_calls` (for bulk loads that bypass the writer)."""
    con.execute("DELETE FROM usage_daily")
    con.execute("DELETE FROM usage_baselines")
    con.execute("UPDATE usage_rollup SET folded_seq = 0")
    fold(con, last_seq(con))


MIGRATIONS: tuple[tuple[str, Migration], ...] = (
    ("m001_usage_calls", _m001_usage_calls),
    ("m002_usage_daily", _m002_usage_daily),
    ("m003_baseline_model", _m003_baseline_model),
    ("m004_answered_latency", _m004_answered_latency),
    ("m005_request_ids", _m005_request_ids),
)


def applied(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Names of the migrations already applied, oldest first."""
    return [r[0] for r in con.execute("SELECT name FROM _migrations ORDER BY applied_at, name").fetchall()]


class NewerLedger(RuntimeError):
    """The ledger was migrated by a newer LARouter (these migrations are unknown here): its rows have columns this
    version does not write, so every row it recorded would be lost (and budgets would forget their spend)."""

    def __init__(self, unknown: list[str]) -> None:
        super().__init__(", ".join(unknown))
        self.unknown = unknown


def migrate(con: duckdb.DuckDBPyConnection) -> list[str]:
    """Apply every migration not yet recorded, each in its own transaction; return the names applied now."""
    con.execute("CREATE TABLE IF NOT EXISTS _migrations (name VARCHAR PRIMARY KEY, applied_at TIMESTAMP NOT NULL)")
    done = set(applied(con))
    known = {name for name, _ in MIGRATIONS}
    if done - known:  # (it warned and went on: every row it then recorded had the wrong shape and was lost, review W)
        raise NewerLedger(sorted(done - known))
    ran = []
    for name, step in MIGRATIONS:
        if name in done:
            continue
        con.execute("BEGIN TRANSACTION")
        try:
            step(con)
            now = datetime.now(timezone.utc).replace(tzinfo=None)
            con.execute("INSERT INTO _migrations VALUES (?, ?)", [name, now])
            con.execute("COMMIT")
        except BaseException:
            con.execute("ROLLBACK")
            raise
        ran.append(name)
        log.info("usage ledger: applied migration %s", name)
    if ran:  # rows recorded before the rollup existed (or changed shape): folded with every column it has now
        fold(con, last_seq(con))
    return ran
