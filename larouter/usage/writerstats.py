"""The ledger writer's counters, and which failures are the storage's (the rows are kept and retried) rather than a
row's."""

from __future__ import annotations

import attrs
import duckdb

# "the database cannot be written now" (not "this row is refused"):
STORAGE_ERRORS = (duckdb.IOException, duckdb.TransactionException, duckdb.FatalException, duckdb.InternalException,
                  duckdb.ConnectionException, OSError)
# After these DuckDB refuses every statement until the database is opened again.
INVALIDATING = (duckdb.FatalException, duckdb.InternalException, duckdb.ConnectionException)


def is_storage_error(exc: BaseException) -> bool:
    """True when a write failed because of the database or its storage, not because of the row."""
    return isinstance(exc, STORAGE_ERRORS) or "invalidated" in str(exc)


def one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:500]


@attrs.define
class WriterStats:
    """Counters since start (read from any thread; approximate while running). Every row is `submitted` (by this
    run) or `recovered` (from the journal at start), then `written` (committed), `failed` (lost) or pending:
    written + failed + pending = submitted + recovered. `dropped` rows (the buffer was full) are in none."""

    submitted: int = 0
    written: int = 0
    dropped: int = 0
    failed: int = 0
    batches: int = 0
    folds: int = 0
    retries: int = 0  # write attempts the storage refused (the rows were kept)
    recovered: int = 0  # rows read back from the journal at start (not in `submitted`)
