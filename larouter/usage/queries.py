"""Billing queries over the per-day rollup plus the rows not yet folded into it. Blocking: run them via `Ledger.run`.

Values reach SQL only as parameters; the only SQL text chosen by a client is a sort key, looked up in
`SORT_KEYS` (a whitelist) after validation.
"""

from __future__ import annotations

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

import duckdb

from larouter.usage import schema
from larouter.usage.periods import Window
from larouter.usage.money import round_usd

SORT_KEYS = {
    "cost": "cost", "calls": "calls", "tokens": "tokens", "inputTokens": "input_tokens",
    "outputTokens": "output_tokens", "model": "model", "latency": "avg_latency_ms",
}
ORDERS = {"asc": "ASC", "desc": "DESC"}
ALL_PROJECTS = "*"  # every project's rows (no project id or name can be "*")
IN_WINDOW = "($project = '*' OR project = $project) AND day >= $start AND day < $end"
DAYS = schema.days_cte(IN_WINDOW)
BASELINES_SQL = schema.baselines_cte(IN_WINDOW) + " SELECT DISTINCT baseline_model FROM baselines"
UNRECORDED = "(not recorded)"  # the baseline of rows recorded before LARouter kept it per row


def params(project: str, win: Window) -> dict[str, Any]:
    """Named parameters shared by every rollup query (`project`: an id, or ALL_PROJECTS)."""
    return {"project": project, "start": win.start, "end": win.end}


def read_days(cur: duckdb.DuckDBPyConnection, sql: str, values: dict[str, Any]) -> list[tuple[Any, ...]]:
    """Run a query over `days` (rollup + unfolded tail) in one snapshot with the rollup watermark."""
    return read_snapshot(cur, [sql], values)[0]


def read_snapshot(cur: duckdb.DuckDBPyConnection, sqls: list[str],
                  values: dict[str, Any]) -> list[list[tuple[Any, ...]]]:
    """Run queries over the rollup + unfolded tail, all in one snapshot with the rollup watermark."""
    cur.execute("BEGIN TRANSACTION")
    try:
        folded = schema.folded_seq(cur)
        return [cur.execute(sql, {**values, "folded": folded}).fetchall() for sql in sqls]
    finally:
        cur.execute("ROLLBACK")


def baseline_label(models: list[str], configured: str) -> str:
    """The baseline model(s) the summed savings were measured against ("gpt-4o-mini, gpt-4o"); with no priced call
    in the window, the configured one (what new calls are measured against)."""
    if not models:
        return configured
    named = sorted(m for m in models if m)
    return ", ".join(named + ([UNRECORDED] if "" in models else []))


def money(value: Decimal | float | None) -> float:
    """A USD amount for JSON, to the ledger's places like every money value the API shows."""
    return 0.0 if value is None else round_usd(float(value))


def count(value: Any) -> int:
    """An integer total for JSON (DuckDB sums come back as int or None)."""
    return 0 if value is None else int(value)


def priced(entry: dict[str, Any], unpriced: int) -> dict[str, Any]:
    """Flag unpriced calls in a breakdown entry; its cost is null when no call of it had a known price."""
    if unpriced:
        entry["unpricedCalls"] = unpriced
        if unpriced >= entry["calls"]:
            entry["cost"] = None
    return entry


SUMMARY_SQL = f"""{DAYS}
SELECT grouping(model) AS g_model, grouping(tier) AS g_tier, grouping(day) AS g_day, model, tier, day,
       sum(calls), sum(succeeded), sum(input_tokens), sum(output_tokens), sum(cost),
       sum(baseline_cost), sum(saved), sum(unpriced_calls)
FROM days
GROUP BY GROUPING SETS ((), (model), (tier), (day))
"""


def summary(cur: duckdb.DuckDBPyConnection, project: str, win: Window, baseline_model: str) -> dict[str, Any]:
    """The `/api/usage` body: totals, byModel, byTier, zero-filled dailyCosts, savings (labelled with the baseline
    models its rows were measured against), unpricedCalls."""
    rows, baselines = read_snapshot(cur, [SUMMARY_SQL, BASELINES_SQL], params(project, win))
    out: dict[str, Any] = {"totalCost": 0.0, "totalCalls": 0, "succeededCalls": 0, "inputTokens": 0,
                           "outputTokens": 0, "byModel": {}, "byTier": {}, "dailyCosts": []}
    label = baseline_label([b for (b,) in baselines], baseline_model)
    savings = {"baselineModel": label, "baselineCost": 0.0, "saved": 0.0}
    unpriced = 0
    days: dict[date, float] = {}
    for g_model, g_tier, g_day, model, tier, day, calls, ok, tin, tout, cost, base, saved, unp in rows:
        if not g_model:
            out["byModel"][model] = priced({"calls": count(calls), "cost": money(cost),
                                            "tokens": count(tin) + count(tout)}, count(unp))
        elif not g_tier:
            if tier:  # a call to a named model was not routed: it has no tier (totals and byModel count it)
                out["byTier"][tier] = priced({"calls": count(calls), "cost": money(cost)}, count(unp))
        elif not g_day:
            days[day] = money(cost)
        else:
            out.update(totalCost=money(cost), totalCalls=count(calls), succeededCalls=count(ok),
                       inputTokens=count(tin), outputTokens=count(tout))
            savings.update(baselineCost=money(base), saved=money(saved))
            unpriced = count(unp)
    first = min(days) if days else None
    last = max(days) if days else None
    out["dailyCosts"] = [{"date": d.isoformat(), "cost": days.get(d, 0.0)} for d in win.series(first, last)]
    out["savings"] = savings
    out["unpricedCalls"] = unpriced
    return out


DAILY_SQL = f"""{DAYS}
SELECT day, sum(calls), sum(succeeded), sum(input_tokens), sum(output_tokens), sum(cost), sum(unpriced_calls)
FROM days
GROUP BY day
"""


def daily(cur: duckdb.DuckDBPyConnection, project: str, win: Window) -> dict[str, Any]:
    """The `/api/usage/daily` body: one point per day of the period, zero-filled."""
    found = {r[0]: r[1:] for r in read_days(cur, DAILY_SQL, params(project, win))}
    series = win.series(min(found) if found else None, max(found) if found else None)
    empty = (0, 0, 0, 0, None, 0)
    data = []
    for day in series:
        calls, ok, tin, tout, cost, unp = found.get(day, empty)
        data.append({"date": day.isoformat(), "cost": money(cost), "calls": count(calls), "succeededCalls": count(ok),
                     "inputTokens": count(tin), "outputTokens": count(tout), "unpricedCalls": count(unp)})
    return {"projectId": project, "period": win.period,
            "start": series[0].isoformat() if series else None,
            "end": series[-1].isoformat() if series else None, "data": data}


MODELS_SQL = f"""{DAYS}
SELECT model, provider, sum(calls) AS calls, sum(succeeded), sum(input_tokens) AS input_tokens,
       sum(output_tokens) AS output_tokens, sum(cached_tokens), sum(input_tokens) + sum(output_tokens) AS tokens,
       sum(cost) AS cost, sum(baseline_cost), sum(unpriced_calls), sum(estimated_calls),
       sum(answered_latency_ms_sum) / nullif(sum(ttft_calls), 0) AS avg_latency_ms,
       sum(ttft_ms_sum) / nullif(sum(ttft_calls), 0)
FROM days
GROUP BY model, provider
ORDER BY {{sort}} {{order}} NULLS LAST, model, provider
"""


def models(cur: duckdb.DuckDBPyConnection, project: str, win: Window, sort: str, order: str) -> dict[str, Any]:
    """The `/api/usage/models` body: one entry per (model, provider), sorted by a whitelisted key."""
    sql = MODELS_SQL.format(sort=SORT_KEYS[sort], order=ORDERS[order])
    data = []
    for (model, provider, calls, ok, tin, tout, cached, tokens, cost, base, unp, est, lat, ttft) in read_days(
            cur, sql, params(project, win)):
        data.append({
            "model": model, "provider": provider or None, "calls": count(calls), "succeededCalls": count(ok),
            "inputTokens": count(tin), "outputTokens": count(tout), "cachedTokens": count(cached),
            "tokens": count(tokens), "cost": None if count(unp) >= count(calls) else money(cost),
            "baselineCost": money(base),
            "unpricedCalls": count(unp), "estimatedCalls": count(est),
            "avgLatencyMs": None if lat is None else round(float(lat), 3),
            "avgTtftMs": None if ttft is None else round(float(ttft), 3),
        })
    return {"projectId": project, "period": win.period, "sort": sort, "order": order, "data": data}


def spent_since(cur: duckdb.DuckDBPyConnection, project: str, since: datetime, until: datetime) -> float:
    """Known cost of a project in [since, until) (naive UTC); from the rollup when both are UTC midnights."""
    if since.time() == time() and until.time() == time():
        sql = schema.days_cte("project = $project AND day >= $start AND day < $end") + " SELECT sum(cost) FROM days"
        rows = read_days(cur, sql, {"project": project, "start": since.date(), "end": until.date()})
    else:
        sql = "SELECT sum(cost) FROM usage_calls WHERE project = ? AND ts >= ? AND ts < ?"
        rows = cur.execute(sql, [project, since, until]).fetchall()
    return money(rows[0][0] if rows else None)
