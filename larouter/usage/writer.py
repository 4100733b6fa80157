"""The ledger's one writer thread: a bounded in-memory buffer drained in batched transactions.

`submit()` is called on the event loop. It never blocks and never does I/O: it appends a tuple to a deque
(an atomic operation) and, once `batch_rows` rows are waiting, sets an Event. The writer thread wakes every
`flush_interval` seconds (or at once on that Event), takes the rows waiting at that moment and commits them
with DuckDB's appender (one statement and one commit per `MAX_BATCH_FACTOR * batch_rows` rows at most), so a
busy ledger writes bigger, cheaper batches. Every `FOLD_INTERVAL` seconds (or `FOLD_ROWS` rows) it folds the new
rows into the per-day rollup that the billing queries read.

Queue full (`queue_max` rows waiting, the batch being written included): the row is dropped, never waited for,
so a stalled disk cannot stall the proxy. Drops are counted (`stats.dropped`) and logged as errors, at most once
per `DROP_LOG_EVERY` seconds.

Storage failures (disk full, file size limit, I/O errors, a database DuckDB invalidated after a failed
checkpoint): requests keep being served. The batch goes back to the head of the buffer, nothing is lost for it,
and new rows keep queueing up to `queue_max`. The writer retries after a back-off (`RETRY_FIRST` s, doubling up
to `retry_max` s), opening the database again through `reopen` when DuckDB invalidated it, and commits
everything waiting as soon as a write succeeds. The operator is told: an ERROR when writing starts failing and
at most once per `FAIL_LOG_EVERY` s while it lasts, a WARNING when it works again, and `describe()` (shown in
`/health`) reports `failing`, `lastError` and `pending`. A row the database refuses for itself (a conversion
error, say) is reported and lost, never retried forever.

Durability: `close()` drains and commits everything submitted before it, so a clean stop (SIGTERM) loses
nothing - unless the storage still fails at that moment: those rows are counted in `failed` and logged. On a
hard kill (SIGKILL, power loss) the rows not yet committed are lost: normally those of the last
`flush_interval` (100 ms by default), fewer than `batch_rows` rows; while the writer is behind or the storage
fails, at most what is waiting in the buffer (bounded by `queue_max`). Committed rows survive through DuckDB's
write-ahead log.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
from collections import deque
from typing import Any, Callable

import attrs
import duckdb

from larouter.usage import schema
from larouter.usage.records import Row

log = logging.getLogger("larouter.usage")

MAX_BATCH_FACTOR = 20
DROP_LOG_EVERY = 10.0
FAIL_LOG_EVERY = 60.0
RETRY_FIRST = 0.25
RETRY_MAX = 5.0
FOLD_INTERVAL = 10.0
FOLD_ROWS = 100_000

# Errors meaning "the database cannot be written now" (as opposed to "this row is refused").
STORAGE_ERRORS = (duckdb.IOException, duckdb.TransactionException, duckdb.FatalException, duckdb.InternalException,
                  duckdb.ConnectionException, OSError)
# After these DuckDB refuses every statement until the database is opened again.
INVALIDATING = (duckdb.FatalException, duckdb.InternalException, duckdb.ConnectionException)


def is_storage_error(exc: BaseException) -> bool:
    """True when a write failed because of the database or its storage, not because of the row."""
    return isinstance(exc, STORAGE_ERRORS) or "invalidated" in str(exc)


def _one_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return f"{type(exc).__name__}: {text[0] if text else ''}"[:500]


@attrs.define
class WriterStats:
    """Counters since start (read from any thread; approximate while running)."""

    submitted: int = 0
    written: int = 0
    dropped: int = 0
    failed: int = 0
    batches: int = 0
    folds: int = 0
    retries: int = 0  # write attempts the storage refused (the rows were kept)


@attrs.define(eq=False)
class Writer:
    """Bounded buffer plus one thread committing batches to the ledger."""

    cursor: duckdb.DuckDBPyConnection
    batch_rows: int = 500
    flush_interval: float = 0.1
    queue_max: int = 100_000
    reopen: Callable[[], duckdb.DuckDBPyConnection] | None = None  # a fresh cursor after DuckDB invalidated the db
    retry_max: float = RETRY_MAX
    stats: WriterStats = attrs.Factory(WriterStats)
    _pending: deque[Row] = attrs.Factory(deque)
    _in_flight: int = 0
    _wake: threading.Event = attrs.Factory(threading.Event)
    _done: threading.Condition = attrs.Factory(threading.Condition)
    _thread: threading.Thread | None = None
    _appender: Any = None
    _closing: bool = False
    _closed: bool = False
    _last_drop_log: float = float("-inf")
    _seq: int = 0
    _attempt: tuple[int, int] = (0, 0)  # (first seq, rows) of the last commit attempted
    _folded: int = 0
    _last_fold: float = 0.0
    _failing: bool = False
    _broken: bool = False  # DuckDB invalidated the database: reopen before writing again
    _last_error: str | None = None
    _failing_since: float = 0.0
    _retry_in: float = 0.0
    _retry_at: float = 0.0
    _last_fail_log: float = float("-inf")

    def start(self) -> None:
        """Continue numbering after the last recorded row, then start the writer thread."""
        self._seq = schema.last_seq(self.cursor)
        self._folded = schema.folded_seq(self.cursor)
        self._last_fold = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="larouter-ledger-writer", daemon=True)
        self._thread.start()

    def submit(self, row: Row) -> bool:
        """Queue one row without blocking; False (and counted) when closed or the buffer is full."""
        if self._closed or len(self._pending) + self._in_flight >= self.queue_max:
            self._drop()
            return False
        self._pending.append(row)
        self.stats.submitted += 1
        if len(self._pending) >= self.batch_rows and not self._failing and not self._wake.is_set():
            self._wake.set()
        return True

    def _drop(self) -> None:
        self.stats.dropped += 1
        now = time.monotonic()
        if now - self._last_drop_log >= DROP_LOG_EVERY:
            self._last_drop_log = now
            why = "the ledger is closed" if self._closed else f"{self.queue_max} rows are waiting (usage.queue_max)"
            log.error("usage ledger: dropped a usage record because %s; %d dropped so far", why, self.stats.dropped)

    def wait_flushed(self, timeout: float | None = None) -> bool:
        """Block until every row submitted so far is committed (or lost); False on timeout (as while the storage
        fails). For tests and benchmarks."""
        target = self.stats.submitted
        self._wake.set()
        with self._done:
            return self._done.wait_for(lambda: self.stats.written + self.stats.failed >= target, timeout)

    def close(self, timeout: float | None = None) -> None:
        """Refuse new rows, commit everything waiting, fold it into the rollup, stop the thread."""
        self._closed = True
        self._closing = True
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                log.error("usage ledger: writer did not finish within %s s; %d rows not committed",
                          timeout, len(self._pending))

    def _run(self) -> None:
        self._appender = self.cursor.appender("usage_calls")
        while True:
            self._wake.wait(max(0.0, self._retry_at - time.monotonic()) if self._failing else self.flush_interval)
            self._wake.clear()
            closing = self._closing
            if closing or not self._failing or time.monotonic() >= self._retry_at:  # keep the back-off
                self._write(closing)
            if closing:
                self._abandon()
                return

    def _write(self, closing: bool) -> None:
        """Commit what is waiting, then fold; stops at the first storage failure (the rows stay queued)."""
        if self._broken and not self._reconnect():
            return
        self._drain(len(self._pending))
        if closing and not self._failing:
            self._drain(len(self._pending))
        if not (self._failing and self._pending):
            self._maybe_fold(force=closing or self._failing)

    def _drain(self, count: int) -> None:
        """Commit the `count` oldest waiting rows, in batches; later arrivals wait for the next wake-up."""
        limit = self.batch_rows * MAX_BATCH_FACTOR
        while count > 0 and self._pending:
            take = self._in_flight = min(limit, count, len(self._pending))
            rows = [self._pending.popleft() for _ in range(take)]
            written, lost, error = self._commit(rows)
            if error is not None:
                self._pending.extendleft(reversed(rows[written + lost:]))
            self._in_flight = 0
            with self._done:
                self.stats.written += written
                self.stats.failed += lost
                self.stats.batches += 1
                self._done.notify_all()
            if error is not None:
                self._failed(error)
                return
            self._recovered()
            count -= take

    def _commit(self, rows: list[Row]) -> tuple[int, int, Exception | None]:
        """Commit rows; return (written, lost, storage error).

        A batch the database refuses is retried row by row so one bad row cannot lose the others. On a storage
        error the rows after the first `written + lost` were not committed: the caller keeps them.
        """
        try:
            self._append(rows)
            return len(rows), 0, None
        except Exception as exc:
            if is_storage_error(exc):
                return 0, 0, exc
            log.exception("usage ledger: writing a batch of %d rows failed; retrying row by row", len(rows))
        written = 0
        for i, row in enumerate(rows):
            try:
                self._append([row])
                written += 1
            except Exception as exc:  # a row the database refuses is reported, never retried forever
                if is_storage_error(exc):
                    return written, i - written, exc
                log.error("usage ledger: lost one usage record (%s): %r", exc, row[:4])
        return written, len(rows) - written, None

    def _append(self, rows: list[Row]) -> None:
        """Number the rows after the last committed one and commit them in one transaction."""
        first = self._seq + 1
        self._attempt = (first, len(rows))
        try:
            self._appender.append_rows([(first + i, *row) for i, row in enumerate(rows)])
            self._appender.flush()
        except Exception:
            with contextlib.suppress(Exception):
                self._appender.clear()
            raise
        self._seq = first + len(rows) - 1

    def _failed(self, exc: BaseException) -> None:
        """Enter (or stay in) the failing state: remember the error, back off, tell the operator (rate-limited)."""
        now = time.monotonic()
        first = not self._failing
        self._failing = True
        self.stats.retries += 1
        self._last_error = _one_line(exc)
        self._broken = self._broken or isinstance(exc, INVALIDATING) or "invalidated" in str(exc)
        self._retry_in = min(RETRY_FIRST if first else self._retry_in * 2, self.retry_max)
        self._retry_at = now + self._retry_in
        if first:
            self._failing_since = now
        if first or now - self._last_fail_log >= FAIL_LOG_EVERY:
            self._last_fail_log = now
            log.error("usage ledger: cannot write (%s); requests are still served and %d usage records are kept in "
                      "memory (at most usage.queue_max = %d) until writing works again; retrying every %g s at most",
                      self._last_error, len(self._pending), self.queue_max, self.retry_max)

    def _recovered(self) -> None:
        if self._failing:
            self._failing = False
            log.warning("usage ledger: writing works again after %.1f s of failures (%d still waiting to be committed)",
                        time.monotonic() - self._failing_since, len(self._pending))

    def _reconnect(self) -> bool:
        """Open the database again after DuckDB invalidated it; False while that fails (still failing)."""
        if self.reopen is None:
            return True
        try:
            self.cursor = self.reopen()
            self._appender = self.cursor.appender("usage_calls")
            last, self._folded = schema.last_seq(self.cursor), schema.folded_seq(self.cursor)
        except Exception as exc:
            self._failed(exc)
            return False
        first, count = self._attempt
        if count and self._seq < first and last >= first + count - 1:
            # The commit that reported the failure reached the write-ahead log after all: don't write it twice.
            for _ in range(min(count, len(self._pending))):
                self._pending.popleft()
            with self._done:
                self.stats.written += count
                self._done.notify_all()
        self._seq, self._broken = last, False
        log.warning("usage ledger: opened the database again after DuckDB invalidated it")
        return True

    def _abandon(self) -> None:
        """At close: the rows the storage still refused are lost; count and report them."""
        lost = len(self._pending)
        if not lost:
            return
        self._pending.clear()
        with self._done:
            self.stats.failed += lost
            self._done.notify_all()
        log.error("usage ledger: stopping with %d usage records that could not be written (%s); they are lost",
                  lost, self._last_error)

    def _maybe_fold(self, force: bool) -> None:
        """Fold committed rows into the rollup every FOLD_INTERVAL s or FOLD_ROWS rows (and when closing)."""
        behind = self._seq - self._folded
        if behind <= 0:
            if not self._pending:
                self._recovered()  # nothing left to write
            return
        if not (force or time.monotonic() - self._last_fold >= FOLD_INTERVAL or behind >= FOLD_ROWS):
            return
        self._last_fold = time.monotonic()
        try:
            schema.fold(self.cursor, self._seq)
        except Exception as exc:  # the rows are safe in usage_calls; queries read unfolded rows directly
            if is_storage_error(exc):
                self._failed(exc)
            else:
                log.exception("usage ledger: folding rows into the daily rollup failed; will retry")
            return
        self._folded = self._seq
        self.stats.folds += 1
        self._recovered()

    def pending(self) -> int:
        """Rows waiting to be committed (the batch being written included)."""
        return len(self._pending) + self._in_flight

    def describe(self) -> dict[str, Any]:
        """Counters and the failure state, for logs and `/health`."""
        return {**attrs.asdict(self.stats), "pending": self.pending(), "failing": self._failing,
                "lastError": self._last_error}
