"""CSV export of per-call rows: streamed from a DuckDB cursor in chunks, so memory stays flat for any size.

RFC 4180: comma separated, CRLF line ends, a header row, fields quoted when they contain a comma, a quote,
CR or LF (quotes doubled). Formula injection: a cell starting with = + - @ TAB or CR is prefixed with a
single quote so spreadsheets show it as text. Rows come in the order they were recorded; NULL is an empty cell (a
row recorded before the ledger kept a column, `request_id` say, has it empty). New columns go at the end.
"""

from __future__ import annotations

import csv
import io
import threading
from typing import Any, Iterable, Sequence

import duckdb

from larouter.usage.periods import Window

HEADER = (
    "time", "project", "requested_model", "model", "provider", "tier", "reason", "streamed", "status",
    "input_tokens", "output_tokens", "cached_tokens", "tokens_estimated", "cost_usd", "baseline_cost_usd",
    "price_known", "latency_ms", "ttft_ms", "error_type", "price_version", "baseline_model",
    "request_id", "upstream_request_id",  # last, so scripts that read the columns before them by place still work
)
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
CHUNK_ROWS = 2000

EXPORT_SQL = """
SELECT strftime(ts, '%Y-%m-%dT%H:%M:%S.%fZ'), project, requested_model, model, provider, tier, reason,
       CAST(streamed AS VARCHAR), CAST(status AS VARCHAR), CAST(input_tokens AS VARCHAR),
       CAST(output_tokens AS VARCHAR), CAST(cached_tokens AS VARCHAR), CAST(tokens_estimated AS VARCHAR),
       CAST(cost AS VARCHAR), CAST(baseline_cost AS VARCHAR), CAST(price_known AS VARCHAR),
       CAST(round(latency_ms, 3) AS VARCHAR), CAST(round(ttft_ms, 3) AS VARCHAR), error_type, price_version,
       baseline_model, request_id, upstream_request_id
FROM usage_calls
WHERE ($project IS NULL OR project = $project) AND ts >= $start AND ts < $end
"""


def safe_cell(value: str | None) -> str:
    """A cell value spreadsheets will not evaluate as a formula; None becomes empty."""
    if value is None:
        return ""
    if value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def encode_rows(rows: Iterable[Sequence[str | None]]) -> bytes:
    """Rows as RFC 4180 CSV bytes (UTF-8, CRLF)."""
    buf = io.StringIO()
    writer = csv.writer(buf, dialect="excel", lineterminator="\r\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerows([safe_cell(v) for v in row] for row in rows)
    return buf.getvalue().encode("utf-8")


class CsvExport:
    """One export: a cursor over the matching rows (of one project, or of every project: `project` None), read a
    chunk at a time (blocking methods)."""

    def __init__(self, cursor: duckdb.DuckDBPyConnection, project: str | None, win: Window,
                 chunk_rows: int = CHUNK_ROWS):
        self.cursor = cursor
        self.chunk_rows = chunk_rows
        start, end = win.timestamps()
        self.params: dict[str, Any] = {"project": project, "start": start, "end": end}
        self.started = False
        self.closed = False
        self._lock = threading.Lock()  # a fetch still running on one thread must finish before close on another

    def next_chunk(self) -> bytes:
        """The header with the first rows on the first call, then the next rows; b"" when done."""
        with self._lock:
            if self.closed:
                return b""
            if not self.started:
                self.started = True
                self.cursor.execute(EXPORT_SQL, self.params)
                return encode_rows([HEADER]) + self._rows()
            return self._rows()

    def _rows(self) -> bytes:
        rows = self.cursor.fetchmany(self.chunk_rows)
        return encode_rows(rows) if rows else b""

    def close(self) -> None:
        """Release the cursor (and the query's snapshot)."""
        with self._lock:
            self.closed = True
            self.cursor.close()
