"""The synthetic usage ledger of bench/ledger_bench.py: n rows over the last 365 days, written straight into
usage_calls by one INSERT ... SELECT that names the table's columns (so a schema change does not break it)."""

from __future__ import annotations

from datetime import datetime

import duckdb

# The synthetic ledger: each usage_calls column's value for row i of range(n), by name. A column of the table that
# is not here is filled by `synthetic_insert` (NULL, or a neutral value when it is NOT NULL), so a schema change
# cannot break the INSERT; a column here that the table lost is left out.
SYNTHETIC: dict[str, str] = {
    "seq": "i + 1",
    "ts": "TIMESTAMP '{start}' + to_microseconds((i * {step})::BIGINT)",
    "project": "CASE WHEN i % 10 = 0 THEN 'big' WHEN i % 100 = 1 THEN 'small' ELSE 'default' END",
    "requested_model": "'auto'",
    "model": "['gpt-4o', 'gpt-4o-mini', 'gemma-4-e4b', 'claude-sonnet-4-5', 'gpt-5-mini', 'o4-mini'][i % 6 + 1]",
    "provider": "['openai', 'openai', 'local', 'anthropic', 'openai', 'openai'][i % 6 + 1]",
    "tier": "['HEARTBEAT', 'SIMPLE', 'MEDIUM', 'COMPLEX', 'REASONING'][i % 5 + 1]",
    "reason": "'synthetic'",
    "streamed": "i % 2 = 0",
    "status": "CASE WHEN i % 20 = 0 THEN 502 ELSE 200 END",
    "input_tokens": "i % 2000",
    "output_tokens": "i % 500",
    "cached_tokens": "i % 7 * 10",
    "tokens_estimated": "i % 50 = 0",
    "cost": "CASE WHEN i % 33 = 0 THEN NULL ELSE ((i % 2000) * 2.5e-6 + (i % 500) * 1e-5)::DECIMAL(18, 10) END",
    "baseline_cost": "((i % 2000) * 2.5e-6 + (i % 500) * 1e-5)::DECIMAL(18, 10)",
    "price_known": "i % 33 <> 0",
    "latency_ms": "100 + i % 900",
    "ttft_ms": "CASE WHEN i % 2 = 0 THEN 20 + i % 300 END",
    "error_type": "CASE WHEN i % 20 = 0 THEN 'upstream_error' END",
    "price_version": "'2026-11-01'",
    "baseline_model": "'gpt-4o'",
    "request_id": "lpad(to_hex(hash(i)), 16, '0')",  # 16 hex digits, as larouter.errors.request_id
    "upstream_request_id": "CASE WHEN i % 4 <> 0 THEN 'chatcmpl-' || lpad(to_hex(hash(i + 1)), 16, '0') END",
}
def synthetic_insert(con: duckdb.DuckDBPyConnection, start: datetime, n: int) -> str:
    """The INSERT of the synthetic rows, naming each column of usage_calls as the table has it now (the ledger
    writes `seq` + records.COLUMNS)."""
    table = con.execute("SELECT column_name, data_type, is_nullable = 'YES' FROM information_schema.columns "
                        "WHERE table_name = 'usage_calls' ORDER BY ordinal_position").fetchall()
    names, values = [], []
    for name, kind, nullable in table:
        names.append(name)
        if name in SYNTHETIC:
            values.append(SYNTHETIC[name])
        elif nullable:
            values.append("NULL")
        else:  # a NOT NULL column this script does not know yet: a neutral value of its type
            values.append("''" if kind == "VARCHAR" else f"CAST(0 AS {kind})")
    select = ",\n  ".join(values).format(start=start.isoformat(sep=" "), step=365 * 86400 * 1e6 / n)  # (ts)
    return f"INSERT INTO usage_calls ({', '.join(names)}) SELECT\n  {select}\nFROM range({n}) r(i)"
